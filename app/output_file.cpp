#include "app/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace joule::app {

namespace {

std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// A write lock on the whole file through `fd`'s open file description; false when another
// holder has it.
bool try_lock(int fd) {
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  return ::fcntl(fd, F_OFD_SETLK, &lock) == 0;
}

}  // namespace

void OutputFile::check_final(const std::string& final_path, bool force) {
  struct stat st {};
  if (::lstat(final_path.c_str(), &st) != 0) return;  // absent (or unreachable: found later)
  if (!S_ISREG(st.st_mode))
    throw OutputError(final_path + " is " + kind_of(st.st_mode) +
                      "; Joule writes only to a new or a regular file, even with --force");
  if (!force) throw OutputError(final_path + " already exists; pass --force to overwrite it");
}

OutputFile::OutputFile(std::string final_path, bool force)
    : final_(std::move(final_path)), partial_(final_ + ".partial"), force_(force) {
  check_final(final_, force_);
  for (int attempt = 0; attempt < 2 && lock_fd_ < 0; ++attempt) {
    const int fd =
        ::open(partial_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0) {
      if (!try_lock(fd)) {  // someone opened it between our create and our lock
        ::close(fd);
        throw OutputError("another run is writing " + final_ + " (" + partial_ +
                          " is locked); wait for it to finish or choose another output");
      }
      lock_fd_ = fd;
      break;
    }
    if (errno != EEXIST)
      throw OutputError("cannot write " + partial_ + ": " + std::strerror(errno) +
                        " (is the folder present and writable?)");
    // A partial file is there: a run in progress (locked), or left by a run that was killed.
    struct stat st {};
    if (::lstat(partial_.c_str(), &st) != 0) continue;  // vanished: try again
    if (!S_ISREG(st.st_mode))
      throw OutputError(partial_ + " is " + kind_of(st.st_mode) +
                        "; Joule writes its partial output there: move it away");
    const int old = ::open(partial_.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (old < 0) continue;
    if (!try_lock(old)) {
      ::close(old);
      throw OutputError("another run is writing " + final_ + " (" + partial_ +
                        " is locked); wait for it to finish or choose another output");
    }
    lock_fd_ = old;  // left by a killed run: ours now (HDF5 truncates it)
  }
  if (lock_fd_ < 0) throw OutputError("cannot create " + partial_);
}

OutputFile::~OutputFile() {
  if (!done_) ::unlink(partial_.c_str());  // while still locked: no other run owns it yet
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

void OutputFile::commit() {
  // Still ours? (Someone may have replaced the name while we ran; then refuse to move theirs.)
  struct stat by_name {
  }, held{};
  if (::lstat(partial_.c_str(), &by_name) != 0 || ::fstat(lock_fd_, &held) != 0 ||
      by_name.st_ino != held.st_ino || by_name.st_dev != held.st_dev)
    throw OutputError(partial_ + " was moved or replaced during the run; nothing written");
  if (force_) {
    check_final(final_, true);  // still absent or a regular file
    if (::rename(partial_.c_str(), final_.c_str()) != 0)
      throw OutputError("cannot rename " + partial_ + " to " + final_ + ": " +
                        std::strerror(errno));
    done_ = true;
    return;
  }
  int rc = ::renameat2(AT_FDCWD, partial_.c_str(), AT_FDCWD, final_.c_str(), RENAME_NOREPLACE);
  if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
    // The file system cannot rename without replacing: a hard link cannot replace either.
    rc = ::link(partial_.c_str(), final_.c_str());
    if (rc == 0) ::unlink(partial_.c_str());
  }
  if (rc != 0) {
    const int err = errno;
    if (err == EEXIST) {
      done_ = true;  // keep the finished result where it is
      throw OutputError(final_ + " appeared while the run was going and was left alone; this " +
                        "run's complete output is in " + partial_ +
                        " (rename it, or rerun with --force)");
    }
    throw OutputError("cannot rename " + partial_ + " to " + final_ + ": " + std::strerror(err));
  }
  done_ = true;
}

}  // namespace joule::app
