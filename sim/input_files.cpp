#include "sim/input_files.hpp"

#include "sim/input_file.hpp"

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

namespace joule::sim {

namespace {

// FIPS 180-4, section 6.2: the message in 512-bit blocks, 64 rounds each.
constexpr std::array<std::uint32_t, 64> k = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

constexpr std::uint32_t rotr(std::uint32_t x, int n) {
  return (x >> n) | (x << (32 - n));
}

void compress(std::array<std::uint32_t, 8>& h, const unsigned char* block) {
  std::array<std::uint32_t, 64> w{};
  for (int t = 0; t < 16; ++t)
    w[t] = (std::uint32_t(block[4 * t]) << 24) | (std::uint32_t(block[4 * t + 1]) << 16) |
           (std::uint32_t(block[4 * t + 2]) << 8) | std::uint32_t(block[4 * t + 3]);
  for (int t = 16; t < 64; ++t) {
    const std::uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
    const std::uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
    w[t] = w[t - 16] + s0 + w[t - 7] + s1;
  }
  std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (int t = 0; t < 64; ++t) {
    const std::uint32_t t1 =
        hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[t] + w[t];
    const std::uint32_t t2 =
        (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    hh = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
  h[5] += f;
  h[6] += g;
  h[7] += hh;
}

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
  std::array<std::uint32_t, 8> h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  const std::size_t full = bytes.size() / 64 * 64;
  for (std::size_t i = 0; i < full; i += 64)
    compress(h, reinterpret_cast<const unsigned char*>(bytes.data()) + i);
  // Padding: 0x80, zeros, then the message length in bits as a 64-bit big-endian number.
  std::array<unsigned char, 128> tail{};
  const std::size_t rest = bytes.size() % 64;
  for (std::size_t i = 0; i < rest; ++i) tail[i] = static_cast<unsigned char>(bytes[full + i]);
  tail[rest] = 0x80;
  const std::size_t tail_len = rest + 9 <= 64 ? 64 : 128;
  const std::uint64_t bits = static_cast<std::uint64_t>(bytes.size()) * 8;
  for (int i = 0; i < 8; ++i) tail[tail_len - 1 - i] = static_cast<unsigned char>(bits >> (8 * i));
  for (std::size_t i = 0; i < tail_len; i += 64) compress(h, tail.data() + i);
  char out[65];
  for (int i = 0; i < 8; ++i) std::snprintf(out + 8 * i, 9, "%08x", h[i]);
  return std::string(out, 64);
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
