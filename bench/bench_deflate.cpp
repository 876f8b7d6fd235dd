// Deflate benchmark: the two deflaters of output.compression on a run's own chunks.
//
// Reads every chunk a Joule output stores through HDF5's deflate filter (H5Dread_chunk), inflates
// it with zlib back to the bytes the writer deflated (already byte-shuffled where the dataset
// says so), and deflates them again with app/h5's encode_chunk: libdeflate at the portable
// levels (4 for float32, 5 for float64: output.compression: portable) and ISA-L at each of its
// levels (1 is output.compression: fast). Prints, for the 1-D traces and the 2-D matrices, the
// bytes stored and the CPU seconds of this thread (best of the repeats), and each codec's CPU
// and size against libdeflate's in the same run. Chunks the writer reuses (a repeat of a recent
// chunk) are deflated here each time, so a run compresses less than this.
//
//   bench_deflate FILE.h5 [repeats=3]
#include <hdf5.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "app/h5.hpp"

namespace h5 = joule::app::h5;

namespace {

double cpu_s() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

struct Chunk {
  h5::Bytes raw;  // as the writer deflated it
  std::size_t item = 8;
  bool matrix = false;
};

// Every deflated chunk of every dataset under `file`.
std::vector<Chunk> read_chunks(const std::string& path) {
  std::vector<Chunk> chunks;
  h5::Handle file = h5::open_file_readonly(path);
  const auto visit = [](hid_t group, const char* name, const H5O_info_t* info, void* data) {
    if (info->type != H5O_TYPE_DATASET) return 0;
    auto& out = *static_cast<std::vector<Chunk>*>(data);
    h5::Handle ds(H5Dopen2(group, name, H5P_DEFAULT), H5Dclose);
    h5::Handle dcpl(H5Dget_create_plist(ds.get()), H5Pclose);
    if (H5Pget_layout(dcpl.get()) != H5D_CHUNKED) return 0;
    unsigned flags = 0, level = 0;
    std::size_t n = 1;
    if (H5Pget_filter_by_id2(dcpl.get(), H5Z_FILTER_DEFLATE, &flags, &n, &level, 0, nullptr,
                             nullptr) < 0)
      return 0;
    h5::Handle type(H5Dget_type(ds.get()), H5Tclose);
    if (H5Tget_class(type.get()) != H5T_FLOAT) return 0;
    const std::size_t item = H5Tget_size(type.get());
    h5::Handle space(H5Dget_space(ds.get()), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(space.get());
    hsize_t chunk_dims[2] = {1, 1};
    H5Pget_chunk(dcpl.get(), rank, chunk_dims);
    const std::size_t raw_size = item * chunk_dims[0] * (rank == 2 ? chunk_dims[1] : 1);
    hsize_t count = 0;
    H5Dget_num_chunks(ds.get(), space.get(), &count);
    for (hsize_t i = 0; i < count; ++i) {
      hsize_t offset[2] = {0, 0}, stored = 0;
      unsigned mask = 0;
      haddr_t addr = 0;
      H5Dget_chunk_info(ds.get(), space.get(), i, offset, &mask, &addr, &stored);
      h5::Bytes packed(stored);
      std::uint32_t filters = 0;
      if (H5Dread_chunk(ds.get(), H5P_DEFAULT, offset, &filters, packed.data()) < 0) {
        std::fprintf(stderr, "bench_deflate: cannot read a chunk of %s\n", name);
        std::exit(2);
      }
      Chunk c{h5::Bytes(raw_size), item, rank == 2};
      uLongf size = c.raw.size();
      if (uncompress(c.raw.data(), &size, packed.data(), packed.size()) != Z_OK ||
          size != raw_size) {
        std::fprintf(stderr, "bench_deflate: a chunk of %s does not inflate\n", name);
        std::exit(2);
      }
      out.push_back(std::move(c));
    }
    return 0;
  };
  if (H5Ovisit2(file.get(), H5_INDEX_NAME, H5_ITER_NATIVE, visit, &chunks, H5O_INFO_BASIC) < 0) {
    std::fprintf(stderr, "bench_deflate: cannot read %s\n", path.c_str());
    std::exit(2);
  }
  return chunks;
}

struct Result {
  double cpu = 0, raw = 0, stored = 0;
};

// Deflates the chunks of one kind (matrices or not) with `deflater`; `level(item)` picks the
// level. The best CPU of `repeats`.
template <class Level>
Result deflate_all(const std::vector<Chunk>& chunks, bool matrix, h5::Deflater deflater,
                   Level level, int repeats) {
  Result r;
  r.cpu = 1e300;
  for (int k = 0; k < repeats; ++k) {
    double raw = 0, stored = 0;
    const double t0 = cpu_s();
    for (const Chunk& c : chunks) {
      if (c.matrix != matrix) continue;
      h5::Storage s{h5::Precision::float64, false, level(c.item)};
      s.deflater = deflater;
      stored += static_cast<double>(h5::encode_chunk(c.raw, c.item, s).size());
      raw += static_cast<double>(c.raw.size());
    }
    const double cpu = cpu_s() - t0;
    if (cpu < r.cpu) r = {cpu, raw, stored};
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_deflate FILE.h5 [repeats=3]\n");
    return 2;
  }
  const int repeats = argc > 2 ? std::max(1, std::atoi(argv[2])) : 3;
  const std::vector<Chunk> chunks = read_chunks(argv[1]);
  std::printf("%s: %zu chunks, best of %d\n", argv[1], chunks.size(), repeats);
  std::printf("%-8s %-26s %9s %10s %8s %8s %9s %9s\n", "data", "codec", "raw MiB", "stored MiB",
              "CPU s", "MB/s", "CPU/lib", "size/lib");
  for (const bool matrix : {false, true}) {
    const char* kind = matrix ? "matrices" : "traces";
    const auto portable = [](std::size_t item) { return item == 4 ? 4 : 5; };
    const Result lib = deflate_all(chunks, matrix, h5::Deflater::libdeflate, portable, repeats);
    if (lib.raw == 0) continue;
    const auto row = [&](const std::string& codec, const Result& r) {
      std::printf("%-8s %-26s %9.1f %10.2f %8.3f %8.0f %8.2fx %8.3fx\n", kind, codec.c_str(),
                  r.raw / 1048576, r.stored / 1048576, r.cpu, r.raw / r.cpu / 1e6, r.cpu / lib.cpu,
                  r.stored / lib.stored);
    };
    row("libdeflate 4/5 (portable)", lib);
    for (int level = 0; level <= 3; ++level)
      row("ISA-L " + std::to_string(level) + (level == 1 ? " (fast)" : ""),
          deflate_all(
              chunks, matrix, h5::Deflater::isal, [level](std::size_t) { return level; }, repeats));
  }
  return 0;
}
