// Where a run's output goes, safely.
//
// A run writes `<out>.partial` and gives it its final name only when the run completed:
//  - only a regular file is ever replaced: a directory, device, FIFO, socket or symbolic link
//    at the output path is refused, `--force` or not;
//  - without `--force` an existing output is refused at the start, and the final link is
//    atomic and never replaces a file that appeared during the run (renameat2 with
//    RENAME_NOREPLACE; where the file system lacks it, link(2) + unlink(2), which is as
//    atomic); the finished result is then kept under the partial name and the user told;
//  - the partial file is locked (an open-file-description lock, held until the run ends; the
//    kernel drops it when a process dies), so a second run on the same output is refused with
//    a message that says so, and a partial file left by a killed run is taken over.
#pragma once

#include <stdexcept>
#include <string>

namespace joule::app {

// An output that cannot be written or already exists (exit 2).
class OutputError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

class OutputFile {
public:
  // Checks the final path and creates (or takes over) the locked partial file. Throws
  // OutputError.
  OutputFile(std::string final_path, bool force);
  ~OutputFile();  // removes the partial file unless committed
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  const std::string& final_path() const { return final_; }
  const std::string& partial_path() const { return partial_; }

  // Gives the (closed, complete) partial file its final name; see the header comment. Throws
  // OutputError when the final name was taken meanwhile (the result stays at partial_path()).
  void commit();

  // The checks of the constructor on the final path alone (nothing is created).
  static void check_final(const std::string& final_path, bool force);

private:
  std::string final_, partial_;
  bool force_;
  int lock_fd_ = -1;
  bool done_ = false;
};

}  // namespace joule::app
