// The output series (app/h5.*): float32 storage, chunks the series compresses itself and writes
// with H5Dwrite_chunk (on a worker thread or not: the same bytes), and the writer's errors.
#include <doctest/doctest.h>
#include <sys/resource.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <iterator>

#include "app/h5.hpp"
#include "run_helpers.hpp"

using namespace joule;
namespace h5 = joule::app::h5;
namespace fs = std::filesystem;

namespace {

std::string file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Row r, column c of the test matrix: values that float32 does not hold exactly.
double value(std::size_t r, std::size_t c) {
  return 1000.0 / 3.0 + 0.1 * r + c / 7.0;
}

// Writes a 1-D float64 series, a float32 matrix (3 columns) and a float64 matrix with shuffle,
// `rows` rows each, flushing once halfway: every path of the writer.
void write_series(const fs::path& path, std::size_t rows, h5::ChunkWorker* worker) {
  h5::Handle file = h5::create_file(path.string());
  {
    auto time = h5::Series::coordinate(file.get(), "time", {"t", "s"}, worker);
    const h5::Dimension t = time->dimension();
    h5::Series f32(file.get(), "f32", {"float32 matrix", "W"}, {}, 3,
                   {h5::Precision::float32, false, 3}, worker);
    h5::Series f64(file.get(), "f64", {"float64 matrix", "W"}, {}, 3,
                   {h5::Precision::float64, true, 4}, worker);
    for (std::size_t r = 0; r < rows; ++r) {
      const double row[3] = {value(r, 0), value(r, 1), value(r, 2)};
      time->append(static_cast<double>(r));
      f32.append_row(row);
      f64.append_row(row);
      if (r == rows / 2) {
        f32.flush();  // a partial chunk, written again whole when later rows fill it
        f64.flush();
      }
    }
    time->flush();
    f32.flush();
    f64.flush();
    h5::attach(f32.id(), {&t});
  }
  h5::close_file(file);
}

}  // namespace

TEST_CASE("a float32 series holds the float64 values rounded to float32, with its filters") {
  const auto dir = test::temp_dir("h5-float32");
  const auto path = dir / "s.h5";
  const std::size_t rows = 2 * 2730 + 5;  // 8192 / 3 = 2730 rows a chunk: two full, one partial
  write_series(path, rows, nullptr);
  auto file = h5::open_file_readonly(path.string());
  h5::Handle ds(H5Dopen2(file.get(), "f32", H5P_DEFAULT), H5Dclose);
  REQUIRE(ds);
  h5::Handle type(H5Dget_type(ds.get()), H5Tclose);
  CHECK(H5Tequal(type.get(), H5T_IEEE_F32LE) > 0);  // the documented dtype
  h5::Handle dcpl(H5Dget_create_plist(ds.get()), H5Pclose);
  REQUIRE(H5Pget_nfilters(dcpl.get()) == 1);  // deflate only, no shuffle
  unsigned flags = 0, level = 0;
  std::size_t n_values = 1;
  CHECK(H5Pget_filter2(dcpl.get(), 0, &flags, &n_values, &level, 0, nullptr, nullptr) ==
        H5Z_FILTER_DEFLATE);
  CHECK(level == 3);
  std::vector<hsize_t> dims;
  const std::vector<double> back = h5::read_doubles(file.get(), "f32", &dims);
  REQUIRE(dims == std::vector<hsize_t>{rows, 3});
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < 3; ++c) {
      // Exactly the float64 value rounded to the nearest float32, e.g. 333.333… → 333.33334.
      REQUIRE(back[r * 3 + c] == static_cast<double>(static_cast<float>(value(r, c))));
    }
  CHECK(std::abs(back[0] / value(0, 0) - 1) < 6e-8);  // 2^-24: float32's relative rounding
  CHECK(back[0] != value(0, 0));
  // The float64 matrix keeps every bit.
  const std::vector<double> wide = h5::read_doubles(file.get(), "f64");
  for (std::size_t r = 0; r < rows; ++r) REQUIRE(wide[r * 3 + 1] == value(r, 1));
  h5::Handle wds(H5Dopen2(file.get(), "f64", H5P_DEFAULT), H5Dclose);
  h5::Handle wtype(H5Dget_type(wds.get()), H5Tclose);
  CHECK(H5Tequal(wtype.get(), H5T_IEEE_F64LE) > 0);
  fs::remove_all(dir);
}

TEST_CASE("a chunk the series compresses itself is the chunk HDF5's filters store") {
  // The same rows written by H5Dwrite through the dataset's own filters: every stored chunk
  // (H5Dread_chunk) is byte for byte the series' own shuffle + deflate.
  const auto dir = test::temp_dir("h5-chunks");
  const auto path = dir / "c.h5";
  const std::size_t rows = 40, cols = 300;  // 27 rows a chunk: one full, one partial
  std::vector<double> values(rows * cols);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = 20 + 0.01 * (i % 97) + i / 1e4;
  for (const h5::Storage storage :
       {h5::Storage{h5::Precision::float64, true, 4}, h5::Storage{h5::Precision::float32, false, 3},
        h5::Storage{h5::Precision::float32, true, 1}}) {
    CAPTURE(storage.level);
    h5::Handle file = h5::create_file(path.string());
    h5::Series series(file.get(), "mine", {"m", "1"}, {}, cols, storage);
    for (std::size_t r = 0; r < rows; ++r) series.append_row(&values[r * cols]);
    series.flush();
    // The reference: same type, chunk and filters, written by HDF5.
    h5::Handle mine(H5Dopen2(file.get(), "mine", H5P_DEFAULT), H5Dclose);
    h5::Handle dcpl(H5Dget_create_plist(mine.get()), H5Pclose);
    h5::Handle type(H5Dget_type(mine.get()), H5Tclose);
    const hsize_t shape[2] = {rows, cols};
    h5::Handle space(H5Screate_simple(2, shape, nullptr), H5Sclose);
    h5::Handle ref(H5Dcreate2(file.get(), "ref", type.get(), space.get(), H5P_DEFAULT, dcpl.get(),
                              H5P_DEFAULT),
                   H5Dclose);
    REQUIRE(ref);
    REQUIRE(H5Dwrite(ref.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >=
            0);
    REQUIRE(H5Dflush(ref.get()) >= 0);
    for (const hsize_t row : {hsize_t{0}, hsize_t{27}}) {
      CAPTURE(row);
      const hsize_t offset[2] = {row, 0};
      hsize_t a_size = 0, b_size = 0;
      REQUIRE(H5Dget_chunk_storage_size(mine.get(), offset, &a_size) >= 0);
      REQUIRE(H5Dget_chunk_storage_size(ref.get(), offset, &b_size) >= 0);
      REQUIRE(a_size == b_size);
      std::vector<unsigned char> a(a_size), b(b_size);
      std::uint32_t a_mask = 1, b_mask = 1;
      REQUIRE(H5Dread_chunk(mine.get(), H5P_DEFAULT, offset, &a_mask, a.data()) >= 0);
      REQUIRE(H5Dread_chunk(ref.get(), H5P_DEFAULT, offset, &b_mask, b.data()) >= 0);
      CHECK(a_mask == 0);  // every filter applied
      CHECK(a_mask == b_mask);
      CHECK(a == b);
    }
    mine.reset();
    ref.reset();
    h5::close_file(file);
  }
  fs::remove_all(dir);
}

TEST_CASE("the series write the same file with a worker thread as without one") {
  const auto dir = test::temp_dir("h5-worker");
  const std::size_t rows = 3 * 2730 + 100;
  write_series(dir / "inline.h5", rows, nullptr);
  {
    h5::ChunkWorker worker;
    write_series(dir / "worker.h5", rows, &worker);
  }
  const std::string a = file_bytes(dir / "inline.h5"), b = file_bytes(dir / "worker.h5");
  CHECK(a.size() > 10000);
  CHECK(a == b);
  fs::remove_all(dir);
}

TEST_CASE("a task that fails on the worker throws from its future; the worker goes on") {
  h5::ChunkWorker worker;
  auto bad = worker.submit(std::packaged_task<h5::Bytes()>(
      []() -> h5::Bytes { throw h5::Error("deflate of a chunk failed (zlib status -2)"); }));
  auto good = worker.submit(std::packaged_task<h5::Bytes()>([] { return h5::Bytes{1, 2, 3}; }));
  CHECK_THROWS_WITH_AS(bad.get(), "deflate of a chunk failed (zlib status -2)", h5::Error);
  CHECK(good.get() == h5::Bytes{1, 2, 3});
  // Not a valid zlib level: refused where the series is made, naming it.
  const auto dir = test::temp_dir("h5-level");
  h5::Handle file = h5::create_file((dir / "l.h5").string());
  CHECK_THROWS_WITH_AS(
      h5::Series(file.get(), "x", {"x", "1"}, {}, 0, {h5::Precision::float32, false, 12}),
      "HDF5: deflate level 12 for x is not in 0..9", h5::Error);
  CHECK_THROWS_AS(h5::encode_chunk(h5::Bytes(8), 8, {h5::Precision::float64, true, -1}), h5::Error);
  file.reset();
  fs::remove_all(dir);
}

TEST_CASE("a chunk write that fails (file-size limit) is an h5::Error naming dataset and file") {
  // RLIMIT_FSIZE: writes past the limit fail with EFBIG (SIGXFSZ ignored); restored after.
  const auto dir = test::temp_dir("h5-efbig");
  const auto path = dir / "big.h5";
  rlimit old{};
  REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
  const auto previous = std::signal(SIGXFSZ, SIG_IGN);
  std::string message;
  {
    h5::ChunkWorker worker;
    h5::Handle file = h5::create_file(path.string());
    h5::Series series(file.get(), "noise", {"n", "1"}, {}, 1024, {h5::Precision::float32, false, 0},
                      &worker);  // level 0: stored
    rlimit small = old;
    small.rlim_cur = 256 * 1024;
    REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
    std::vector<double> row(1024);
    try {
      for (std::size_t r = 0; r < 4096; ++r) {  // 16 MiB of float32
        for (std::size_t c = 0; c < row.size(); ++c) row[c] = static_cast<double>(r * 1024 + c);
        series.append_row(row.data());
      }
      series.flush();
    } catch (const h5::Error& e) {
      message = e.what();
    }
    REQUIRE(setrlimit(RLIMIT_FSIZE, &old) == 0);
  }
  std::signal(SIGXFSZ, previous);
  INFO(message);
  CHECK(message.find("/noise") != std::string::npos);
  CHECK(message.find("big.h5") != std::string::npos);
  fs::remove_all(dir);
}
