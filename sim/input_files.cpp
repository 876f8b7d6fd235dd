#include "sim/input_files.hpp"

#include <openssl/sha.h>

#include <filesystem>
#include <mutex>

#include "sim/input_file.hpp"

namespace joule::sim {

namespace {

thread_local InputCapture* current = nullptr;

std::mutex builtin_mutex;
std::map<std::string, std::string_view>& builtins() {
  static std::map<std::string, std::string_view> files;
  return files;
}

std::string normal(const std::string& path) {
  return std::filesystem::path(path).lexically_normal().string();
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  // OpenSSL's one-shot digest (libcrypto, already a dependency of HDF5's Debian build); it uses
  // the CPU's SHA instructions where there are some, 5x the rate of the portable code this
  // replaced (a scenario's weather, carbon and price files: ~3 MB, hashed on every run).
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(2 * SHA256_DIGEST_LENGTH, '0');
  for (std::size_t i = 0; i < SHA256_DIGEST_LENGTH; ++i) {
    out[2 * i] = hex[digest[i] >> 4];
    out[2 * i + 1] = hex[digest[i] & 15];
  }
  return out;
}

InputCapture::InputCapture(bool keep_contents) : previous_(current), keep_contents_(keep_contents) {
  current = this;
}

InputCapture::~InputCapture() {
  current = previous_;
}

void InputCapture::serve(const std::string& path, std::string contents) {
  served_[normal(path)] = std::move(contents);
}

void register_builtin_file(const std::string& path, std::string_view contents) {
  const std::lock_guard lock(builtin_mutex);
  builtins()[normal(path)] = contents;
}

bool input_file_exists(const std::string& path) {
  const std::string p = normal(path);
  if (current && current->served_.count(p)) return true;
  {
    const std::lock_guard lock(builtin_mutex);
    if (builtins().count(p)) return true;
  }
  std::error_code ec;
  return std::filesystem::is_regular_file(p, ec);
}

std::string read_input_file(const std::string& path, const Location& referenced_from) {
  const std::string p = normal(path);
  std::string text;
  bool found = false;
  if (current)
    if (const auto it = current->served_.find(p); it != current->served_.end()) {
      text = it->second;
      found = true;
    }
  if (!found) {
    const std::lock_guard lock(builtin_mutex);
    if (const auto it = builtins().find(p); it != builtins().end()) {
      text = std::string(it->second);
      found = true;
    }
  }
  if (!found) {
    text = read_bounded_file(path, referenced_from, "file");  // a regular file, bounded
  }
  if (current) {
    bool seen = false;
    for (const auto& f : current->files_) seen = seen || f.path == p;
    if (!seen) {
      InputFile f;
      f.path = p;
      f.size = text.size();
      f.sha256 = sha256_hex(text);
      if (current->keep_contents_) f.contents = text;
      current->files_.push_back(std::move(f));
    }
  }
  return text;
}

}  // namespace joule::sim
