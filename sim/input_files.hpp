// The data files a run reads (weather, carbon, price, trace, calibration), for its provenance.
//
// Every model reads its data files through read_input_file(). While an InputCapture is alive on
// the calling thread, each read is recorded (path, size, SHA-256, and the bytes when the capture
// keeps them), and the capture may serve files from memory instead of the disk: a run
// regenerated from its output file reads the inputs embedded there, and the embedded default
// scenario reads the data compiled into the binary. A sweep runs one capture per worker thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sim/params.hpp"

namespace joule::sim {

// SHA-256 (FIPS 180-4) of `bytes`, as 64 lowercase hexadecimal digits.
std::string sha256_hex(std::string_view bytes);

struct InputFile {
  std::string path;  // as the model resolved it (lexically normal)
  std::uint64_t size = 0;
  std::string sha256;
  std::string contents;  // only when the capture keeps contents
};

class InputCapture {
public:
  explicit InputCapture(bool keep_contents = false);
  ~InputCapture();
  InputCapture(const InputCapture&) = delete;
  InputCapture& operator=(const InputCapture&) = delete;

  // Reads of `path` (made lexically normal) get `contents` instead of the disk's file.
  void serve(const std::string& path, std::string contents);
  // Every file read so far, once each, in the order of their first read.
  const std::vector<InputFile>& files() const { return files_; }

private:
  friend std::string read_input_file(const std::string&, const Location&);
  friend bool input_file_exists(const std::string&);
  InputCapture* previous_;
  bool keep_contents_;
  std::map<std::string, std::string> served_;
  std::vector<InputFile> files_;
};

// A file compiled into the binary (the embedded default scenario's data), served to every thread
// at `path`. Registered at start-up; `contents` must outlive the program.
void register_builtin_file(const std::string& path, std::string_view contents);

// The bytes of a data file; an InputError at `referenced_from` when it cannot be read.
std::string read_input_file(const std::string& path, const Location& referenced_from);
// Whether read_input_file() would find `path` (served, built in, or a regular file on disk).
bool input_file_exists(const std::string& path);

}  // namespace joule::sim
