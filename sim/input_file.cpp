#include "sim/input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace joule::sim {

namespace {

std::string mib(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", bytes / (1024.0 * 1024.0));
  return text;
}

}  // namespace

std::string read_bounded_file(const std::string& path, const Location& referenced_from,
                            const std::string& what, std::size_t limit) {
  Location where = referenced_from;
  const bool named_here = !where.source && where.file.empty();  // the path is the location
  if (named_here) where.file = path;
  const auto fail = [&](const std::string& why) -> std::string {
    throw InputError(where,
                     "cannot read " + what + (named_here ? "" : " '" + path + "'") + ": " + why);
  };
  // Open without blocking (a FIFO would wait for a writer), then look at what was opened, so
  // the check and the read concern the same file.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return fail(std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail(std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return fail("it is a directory");
  if (!S_ISREG(st.st_mode))
    return fail("it is not a regular file (a device, pipe or socket); give the path of a file");
  if (static_cast<std::size_t>(st.st_size) > limit)
    return fail("it is " + mib(static_cast<double>(st.st_size)) + "; input files are limited to " +
                mib(static_cast<double>(limit)));
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(std::strerror(errno));
    }
    if (n == 0) break;  // shrank while being read: keep what is there
    got += static_cast<std::size_t>(n);
  }
  text.resize(got);
  return text;
}

}  // namespace joule::sim
