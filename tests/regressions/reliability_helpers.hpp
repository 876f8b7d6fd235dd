// Helpers for the reliability tests: a private temporary folder per test process, running the
// `joule` binary with its exit status, and reading every dataset of an HDF5 file as raw bytes.
#pragma once

#include <hdf5.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "app/h5.hpp"

namespace joule::test {

inline std::string joule_binary() {
  return std::string(JOULE_BINARY_DIR) + "/joule";
}

// A fresh folder under the system temp folder, unique to this process (so that two builds'
// tests running at once do not share it).
inline std::filesystem::path private_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("joule-rel-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline void write_text(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Exit {
  int code = -1;       // exit status, or -1 when killed by a signal
  int signal = 0;      // the signal that killed it, else 0
  std::string output;  // stdout and stderr together
};

// Runs `sh -c command` with stdout and stderr captured.
inline Exit shell(const std::string& command) {
  Exit r;
  FILE* pipe = ::popen(("(" + command + ") 2>&1").c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, pipe)) r.output += buf;
  const int status = ::pclose(pipe);
  if (WIFEXITED(status)) r.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

// Every dataset of a file, by path, as the bytes of its stored type (compound rows included;
// variable-length strings as their characters, each followed by a NUL).
inline std::map<std::string, std::vector<unsigned char>> dataset_bytes(const std::string& file) {
  std::map<std::string, std::vector<unsigned char>> out;
  auto f = app::h5::open_file_readonly(file);
  const auto visit = [](hid_t root, const char* name, const H5O_info_t* info, void* data) {
    if (info->type != H5O_TYPE_DATASET) return herr_t{0};
    auto& map = *static_cast<std::map<std::string, std::vector<unsigned char>>*>(data);
    const hid_t ds = H5Dopen2(root, name, H5P_DEFAULT);
    const hid_t type = H5Dget_type(ds);
    const hid_t space = H5Dget_space(ds);
    const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
    std::vector<unsigned char> bytes;
    if (H5Tis_variable_str(type) > 0) {
      // Variable-length strings: their characters, not the pointers HDF5 reads them into.
      std::vector<char*> strings(n);
      if (n > 0) H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, strings.data());
      for (char* str : strings) {
        if (str) bytes.insert(bytes.end(), str, str + std::char_traits<char>::length(str));
        bytes.push_back(0);
      }
      if (n > 0) H5Dvlen_reclaim(type, space, H5P_DEFAULT, strings.data());
    } else {
      bytes.resize(n * H5Tget_size(type));
      if (n > 0) H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data());
    }
    map[name] = std::move(bytes);
    H5Sclose(space);
    H5Tclose(type);
    H5Dclose(ds);
    return herr_t{0};
  };
  H5Ovisit2(f.get(), H5_INDEX_NAME, H5_ITER_INC, visit, &out, H5O_INFO_BASIC);
  return out;
}

}  // namespace joule::test
