// The output series (app/h5.*): float32 storage, chunks the series compresses itself
// (ISA-L or libdeflate, read back by zlib's inflate) and writes with H5Dwrite_chunk (on a worker
// thread or not: the same bytes), and the writer's errors.
#include <doctest/doctest.h>
#include <sys/resource.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <fstream>
#include <future>
#include <iterator>
#include <memory>
#include <string>
#include <utility>

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

using Counts = std::pair<std::size_t, std::size_t>;

// Writes `dir`/plain.h5, reuse.h5, worker.h5 and inline.h5 with `write(path, reuse, worker)`:
// reuse off, on, on with a chunk worker, and on with a chunk worker that has no thread (its
// tasks run as they are submitted). Checks the counts each write returns against `plain`,
// `reuse` and `worker` (the worker's for both workers: they find the same recent chunks), and
// that the four files are the same bytes (reusing an encoding, or where it is made, changes none).
template <class Write>
void check_four_ways(const fs::path& dir, Write write, Counts plain, Counts reuse, Counts worker) {
  CHECK(write(dir / "plain.h5", false, nullptr) == plain);
  CHECK(write(dir / "reuse.h5", true, nullptr) == reuse);
  {
    h5::ChunkWorker chunk_worker;
    CHECK(chunk_worker.cpu_seconds().has_value());
    CHECK(write(dir / "worker.h5", true, &chunk_worker) == worker);
  }
  {
    h5::ChunkWorker no_thread(false);
    CHECK(write(dir / "inline.h5", true, &no_thread) == worker);
    CHECK_FALSE(no_thread.cpu_seconds().has_value());  // its time is the caller's
  }
  const std::string bytes = file_bytes(dir / "plain.h5");
  CHECK(bytes.size() > 1000);
  CHECK(file_bytes(dir / "reuse.h5") == bytes);
  CHECK(file_bytes(dir / "worker.h5") == bytes);
  CHECK(file_bytes(dir / "inline.h5") == bytes);
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

h5::Storage with_isal(h5::Storage s) {
  s.deflater = h5::Deflater::isal;
  return s;
}

// Every level of both deflaters: libdeflate's 0–9, ISA-L's 0–3.
std::vector<h5::Storage> every_deflate(h5::Precision precision, bool shuffle) {
  std::vector<h5::Storage> all;
  for (int level = 0; level <= 9; ++level) all.push_back({precision, shuffle, level});
  for (int level = 0; level <= 3; ++level) all.push_back(with_isal({precision, shuffle, level}));
  return all;
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

TEST_CASE("a chunk encoded by the writer inflates (zlib) to its bytes, the same every time") {
  // encode_chunk against zlib's own inflate (what HDF5's deflate filter runs): for item sizes 1,
  // 2, 4 and 8 bytes, shuffled or not, at every level of libdeflate (0–9) and of ISA-L (0–3),
  // the stream is one zlib stream that
  // inflates to exactly the chunk (unshuffled as HDF5's shuffle filter does); encoding the same
  // chunk again, or on a worker thread, gives the same bytes.
  h5::ChunkWorker worker;
  for (const std::size_t item : {std::size_t{1}, std::size_t{2}, std::size_t{4}, std::size_t{8}}) {
    // 8,192 values: a slow ramp of doubles, their float32 roundings, 16-bit and 8-bit counters
    // (repetitive, so deflate has something to find), and a stretch of LCG noise.
    const std::size_t n = 8192;
    h5::Bytes raw(n * item);
    std::uint32_t lcg = 12345;
    for (std::size_t i = 0; i < n; ++i) {
      const double v = 40000.0 / 3 + 0.25 * (i / 64) + (i % 7) / 3.0;
      unsigned char* at = raw.data() + i * item;
      if (i >= n - 512) {
        for (std::size_t b = 0; b < item; ++b)
          at[b] = static_cast<unsigned char>((lcg = lcg * 1664525u + 1013904223u) >> 24);
      } else if (item == 8) {
        std::memcpy(at, &v, 8);
      } else if (item == 4) {
        const float f = static_cast<float>(v);
        std::memcpy(at, &f, 4);
      } else if (item == 2) {
        const std::uint16_t u = static_cast<std::uint16_t>(i / 3);
        std::memcpy(at, &u, 2);
      } else {
        at[0] = static_cast<unsigned char>(i / 5);
      }
    }
    for (const bool shuffle : {false, true})
      for (const h5::Storage storage : every_deflate(h5::Precision::float64, shuffle)) {
        const int level = storage.level;
        CAPTURE(item);
        CAPTURE(shuffle);
        CAPTURE(level);
        CAPTURE(storage.deflater == h5::Deflater::isal);
        const h5::Bytes encoded = h5::encode_chunk(raw, item, storage);
        // A zlib header (RFC 1950): deflate with a 32 KiB window, header check a multiple of 31.
        REQUIRE(encoded.size() > 6);
        CHECK(encoded[0] == 0x78);
        CHECK((encoded[0] * 256 + encoded[1]) % 31 == 0);
        if (level == 0 && storage.deflater == h5::Deflater::libdeflate)
          CHECK(encoded.size() > raw.size());  // stored blocks only
        else if (storage.deflater == h5::Deflater::isal && level != 1)
          CHECK(encoded.size() < raw.size());  // ISA-L's 0, 2 and 3 find less in the counters
        else
          CHECK(encoded.size() < raw.size() / 2);
        h5::Bytes inflated(raw.size() + 1);  // one spare byte: a longer stream would show
        uLongf size = inflated.size();
        REQUIRE(uncompress(inflated.data(), &size, encoded.data(), encoded.size()) == Z_OK);
        REQUIRE(size == raw.size());
        inflated.resize(size);
        h5::Bytes unshuffled = inflated;
        if (shuffle && item > 1)  // byte k of value i was stored at k * n + i
          for (std::size_t k = 0; k < item; ++k)
            for (std::size_t i = 0; i < n; ++i) unshuffled[i * item + k] = inflated[k * n + i];
        CHECK(unshuffled == raw);
        CHECK(h5::encode_chunk(raw, item, storage) == encoded);
        auto on_worker = worker.submit(std::packaged_task<h5::Bytes()>(
            [&raw, item, storage] { return h5::encode_chunk(raw, item, storage); }));
        CHECK(on_worker.get() == encoded);
      }
  }
}

TEST_CASE("a chunk of noise deflates to at most its size and a few hundred bytes, and inflates") {
  // 128 KiB of LCG bytes, which no deflater can shorten: both fall back to stored blocks within
  // the output room encode_chunk gives them (ISA-L fails outright when that room is short).
  h5::Bytes raw(128 * 1024);
  std::uint32_t lcg = 777;
  for (auto& b : raw) b = static_cast<unsigned char>((lcg = lcg * 1664525u + 1013904223u) >> 24);
  for (const h5::Storage storage : every_deflate(h5::Precision::float32, false)) {
    CAPTURE(storage.level);
    CAPTURE(storage.deflater == h5::Deflater::isal);
    const h5::Bytes encoded = h5::encode_chunk(raw, 4, storage);
    CHECK(encoded.size() <= raw.size() + 1024);
    h5::Bytes inflated(raw.size() + 1);
    uLongf size = inflated.size();
    REQUIRE(uncompress(inflated.data(), &size, encoded.data(), encoded.size()) == Z_OK);
    inflated.resize(size);
    CHECK(inflated == raw);
  }
}

TEST_CASE("a deflate level outside the deflater's range is an h5::Error naming the range") {
  const h5::Bytes raw(64, 1);
  CHECK_THROWS_WITH_AS(h5::encode_chunk(raw, 4, with_isal({h5::Precision::float32, false, 4})),
                       "HDF5: deflate level 4 is not in 0..3 (ISA-L)", h5::Error);
  CHECK_THROWS_WITH_AS(h5::encode_chunk(raw, 4, {h5::Precision::float32, false, 10}),
                       "HDF5: deflate level 10 is not in 0..9", h5::Error);
  CHECK_NOTHROW(h5::encode_chunk(raw, 4, {h5::Precision::float32, false, 9}));
  CHECK_NOTHROW(h5::encode_chunk(raw, 4, with_isal({h5::Precision::float32, false, 3})));
}

TEST_CASE("a chunk the series compresses itself reads back as the chunk HDF5's filters store") {
  // The same rows written by H5Dwrite through the dataset's own filters (HDF5's shuffle, zlib's
  // deflate): both datasets read back the same values, bit for bit, and every stored chunk
  // (H5Dread_chunk), inflated by zlib and unshuffled, is the same raw chunk: only the deflate
  // stream differs (libdeflate's or ISA-L's against zlib's).
  const auto dir = test::temp_dir("h5-chunks");
  const auto path = dir / "c.h5";
  const std::size_t rows = 40, cols = 300;  // 27 rows a chunk: one full, one partial
  std::vector<double> values(rows * cols);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = 20 + 0.01 * (i % 97) + i / 1e4;
  for (const h5::Storage storage :
       {h5::Storage{h5::Precision::float64, true, 4}, h5::Storage{h5::Precision::float64, true, 6},
        h5::Storage{h5::Precision::float32, false, 3},
        h5::Storage{h5::Precision::float32, false, 1}, h5::Storage{h5::Precision::float32, true, 9},
        with_isal({h5::Precision::float64, true, 1}), with_isal({h5::Precision::float32, false, 1}),
        with_isal({h5::Precision::float32, true, 0}),
        with_isal({h5::Precision::float32, true, 3})}) {
    CAPTURE(storage.level);
    CAPTURE(storage.deflater == h5::Deflater::isal);
    CAPTURE(storage.shuffle);
    const std::size_t item = storage.precision == h5::Precision::float32 ? 4 : 8;
    h5::Handle file = h5::create_file(path.string());
    h5::Series series(file.get(), "mine", {"m", "1"}, {}, cols, storage);
    for (std::size_t r = 0; r < rows; ++r) series.append_row(&values[r * cols]);
    series.flush();
    // The reference: same type, chunk and filters, written by HDF5.
    h5::Handle mine(H5Dopen2(file.get(), "mine", H5P_DEFAULT), H5Dclose);
    h5::Handle dcpl(H5Dget_create_plist(mine.get()), H5Pclose);
    unsigned flags = 0, level = 0;
    std::size_t n_values = 1;
    CHECK(H5Pget_filter_by_id2(dcpl.get(), H5Z_FILTER_DEFLATE, &flags, &n_values, &level, 0,
                               nullptr, nullptr) >= 0);
    CHECK(level == static_cast<unsigned>(storage.level));  // the level used is the one declared
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
    const std::vector<double> a = h5::read_doubles(file.get(), "mine");
    const std::vector<double> b = h5::read_doubles(file.get(), "ref");
    REQUIRE(a.size() == values.size());
    CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
    for (const hsize_t row : {hsize_t{0}, hsize_t{27}}) {
      CAPTURE(row);
      const hsize_t offset[2] = {row, 0};
      std::vector<h5::Bytes> inflated;
      for (const hid_t ds : {mine.get(), ref.get()}) {
        hsize_t stored = 0;
        REQUIRE(H5Dget_chunk_storage_size(ds, offset, &stored) >= 0);
        h5::Bytes chunk(stored);
        std::uint32_t mask = 1;
        REQUIRE(H5Dread_chunk(ds, H5P_DEFAULT, offset, &mask, chunk.data()) >= 0);
        CHECK(mask == 0);  // every filter applied
        h5::Bytes out(27 * cols * item);
        uLongf size = out.size();
        REQUIRE(uncompress(out.data(), &size, chunk.data(), chunk.size()) == Z_OK);
        CHECK(size == out.size());
        inflated.push_back(out);
      }
      CHECK(inflated[0] == inflated[1]);
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
  {
    h5::ChunkWorker no_thread(false);  // a worker that runs each task as it is submitted
    write_series(dir / "no-thread.h5", rows, &no_thread);
  }
  const std::string a = file_bytes(dir / "inline.h5"), b = file_bytes(dir / "worker.h5");
  CHECK(a.size() > 10000);
  CHECK(a == b);
  CHECK(file_bytes(dir / "no-thread.h5") == a);
  fs::remove_all(dir);
}

TEST_CASE("a task that fails on the worker throws from its future; the worker goes on") {
  for (const bool own_thread : {true, false}) {
    CAPTURE(own_thread);
    h5::ChunkWorker worker(own_thread);
    auto bad = worker.submit(std::packaged_task<h5::Bytes()>(
        []() -> h5::Bytes { throw h5::Error("deflate of a chunk failed (libdeflate)"); }));
    auto good = worker.submit(std::packaged_task<h5::Bytes()>([] { return h5::Bytes{1, 2, 3}; }));
    // Without a thread the task has run by the time submit() returns.
    if (!own_thread) CHECK(good.wait_for(std::chrono::seconds(0)) == std::future_status::ready);
    CHECK_THROWS_WITH_AS(bad.get(), "deflate of a chunk failed (libdeflate)", h5::Error);
    CHECK(good.get() == h5::Bytes{1, 2, 3});
  }
  // Not a valid deflate level: refused where the series is made, naming it.
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

namespace {

// Rows of a 4-column float32 matrix (2048 rows a chunk) whose chunks repeat: chunk 0 and 1 all
// `a`; chunk 2 `a` but for one value one float32 step away; chunk 3 equal to chunk 2; chunk 4
// equal to chunk 0 (not to the one before it); then a partial chunk. Flushed halfway too.
std::vector<double> repeating_rows() {
  const double a = static_cast<float>(0.1);
  const double b = std::nextafter(static_cast<float>(0.1), 1.0f);
  const std::size_t chunk = 2048, cols = 4;
  std::vector<double> v((5 * chunk + 100) * cols, a);
  for (const std::size_t c : {std::size_t{2}, std::size_t{3}}) v[(c * chunk + 1000) * cols + 3] = b;
  return v;
}

// Writes repeating_rows() and a matrix of all-different rows; returns their reused chunks.
std::pair<std::size_t, std::size_t> write_repeating(const fs::path& path, bool reuse,
                                                    h5::ChunkWorker* worker) {
  const std::vector<double> v = repeating_rows();
  h5::Handle file = h5::create_file(path.string());
  std::pair<std::size_t, std::size_t> reused;
  {
    h5::Storage storage{h5::Precision::float32, false, 4};
    storage.reuse_repeats = reuse;
    h5::Series rep(file.get(), "rep", {"repeating", "1"}, {}, 4, storage, worker);
    h5::Series dif(file.get(), "dif", {"different", "1"}, {}, 4, storage, worker);
    const std::size_t rows = v.size() / 4;
    for (std::size_t r = 0; r < rows; ++r) {
      rep.append_row(&v[r * 4]);
      const double row[4] = {value(r, 0), value(r, 1), value(r, 2), value(r, 3)};
      dif.append_row(row);
      if (r == rows / 2) {
        rep.flush();
        dif.flush();
      }
    }
    rep.flush();
    dif.flush();
    reused = {rep.reused_chunks(), dif.reused_chunks()};
  }
  h5::close_file(file);
  return reused;
}

}  // namespace

TEST_CASE("a chunk repeating the one before reuses its encoding: the same file, the same values") {
  const auto dir = test::temp_dir("h5-reuse");
  // Reused: chunk 1 (as chunk 0) and chunk 3 (as chunk 2); not 2 (one value differs in its last
  // bit), 4 (as chunk 0, not as 3) or any of the all-different matrix. With a worker, chunk 4 too:
  // chunk 0 is among the worker's recent chunks (h5::RecentChunks).
  check_four_ways(dir, write_repeating, {0, 0}, {2, 0}, {3, 0});
  // Read back by HDF5 (its deflate filter): the values written, bit for bit, as float32.
  h5::Handle file = h5::open_file_readonly((dir / "reuse.h5").string());
  const std::vector<double> v = repeating_rows();
  const std::vector<double> got = h5::read_doubles(file.get(), "rep");
  REQUIRE(got.size() == v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    CAPTURE(i);
    const float a = static_cast<float>(got[i]), b = static_cast<float>(v[i]);
    REQUIRE(std::memcmp(&a, &b, sizeof a) == 0);
  }
  file.reset();
  fs::remove_all(dir);
}

namespace {

// A 14-column matrix in chunks of 16 rows x 4 columns (four a row: 4, 4, 4 and an edge chunk of
// 2 columns and 2 of zeros), 38 rows, flushed after row 20 and at the end: every column of row r
// is 0.1 + r, but for column 9 of row 15 (chunk 2 of the first block), one float32 step above.
// Returns {reused, compared} (h5::Series::reused_chunks(), compared_chunks()).
std::pair<std::size_t, std::size_t> write_side_by_side(const fs::path& path, h5::Precision p,
                                                       bool reuse, h5::ChunkWorker* worker) {
  h5::Handle file = h5::create_file(path.string());
  std::pair<std::size_t, std::size_t> counts;
  {
    h5::Storage storage{p, false, 4};
    storage.reuse_repeats = reuse;
    storage.chunk_columns = 4;
    storage.chunk_values = 64;
    h5::Series m(file.get(), "m", {"side by side", "1"}, {}, 14, storage, worker);
    for (std::size_t r = 0; r < 38; ++r) {
      std::vector<double> row(14, static_cast<float>(0.1 + static_cast<double>(r)));
      if (r == 15) row[9] = std::nextafter(static_cast<float>(row[9]), 1e9f);
      m.append_row(row.data());
      if (r == 20) m.flush();
    }
    m.flush();
    counts = {m.reused_chunks(), m.compared_chunks()};
  }
  h5::close_file(file);
  return counts;
}

}  // namespace

TEST_CASE("a chunk equal to the one to its left, row by row, takes its encoding uncompared") {
  // Four blocks are encoded: rows 0-15, 16-20 (the flush), 16-31, 32-37. In each, chunk 1
  // equals chunk 0, and in all but the first chunk 2 equals chunk 1: 1 + 2 + 2 + 2 = 7 reused.
  // A block's first chunk is compared with the last chunk encoded (the edge chunk before it),
  // but for the first block's, which has none: 3 compared. The others are known, from the rows
  // as they were appended, to differ from the chunk to their left, which the last chunk is.
  // The file is the one written with reuse off.
  const auto dir = test::temp_dir("h5-left");
  for (const h5::Precision p : {h5::Precision::float32, h5::Precision::float64}) {
    CAPTURE(static_cast<int>(p));
    check_four_ways(dir,
                    [p](const fs::path& path, bool reuse, h5::ChunkWorker* worker) {
                      return write_side_by_side(path, p, reuse, worker);
                    },
                    {0, 0}, {7, 3}, {7, 3});
    h5::Handle file = h5::open_file_readonly((dir / "reuse.h5").string());
    const std::vector<double> back = h5::read_doubles(file.get(), "m");
    REQUIRE(back.size() == 38 * 14);
    for (std::size_t r = 0; r < 38; ++r)
      for (std::size_t c = 0; c < 14; ++c) {
        CAPTURE(r);
        CAPTURE(c);
        const float v = static_cast<float>(0.1 + static_cast<double>(r));
        REQUIRE(back[r * 14 + c] == (r == 15 && c == 9 ? std::nextafter(v, 1e9f) : v));
      }
  }
  fs::remove_all(dir);
}

TEST_CASE("a chunk equal to another series' recent chunk is stored with its encoding") {
  // Two float64 series of the same 3 × 8192 + 5 values (as a group's time and time_s): with a
  // worker, each of the second's 4 chunks (3 whole, then the partial one at the flush) equals the
  // first's chunk handed off just before it and takes its compressed bytes; the first's are all
  // different from one another. The file is, byte for byte, the one written with reuse off.
  const auto dir = test::temp_dir("h5-recent");
  const auto write = [](const fs::path& path, bool reuse) {
    h5::ChunkWorker worker;
    h5::Handle file = h5::create_file(path.string());
    std::pair<std::size_t, std::size_t> reused;
    {
      h5::Storage storage;
      storage.reuse_repeats = reuse;
      h5::Series a(file.get(), "a", {"a", "s"}, {}, 0, storage, &worker);
      h5::Series b(file.get(), "b", {"b", "s"}, {}, 0, storage, &worker);
      for (std::size_t i = 0; i < 3 * 8192 + 5; ++i) {
        a.append(60.0 * static_cast<double>(i));
        b.append(60.0 * static_cast<double>(i));
      }
      a.flush();
      b.flush();
      reused = {a.reused_chunks(), b.reused_chunks()};
    }
    h5::close_file(file);
    return reused;
  };
  CHECK(write(dir / "plain.h5", false) == std::pair<std::size_t, std::size_t>{0, 0});
  CHECK(write(dir / "shared.h5", true) == std::pair<std::size_t, std::size_t>{0, 4});
  const std::string plain = file_bytes(dir / "plain.h5");
  CHECK(plain.size() > 10000);
  CHECK(file_bytes(dir / "shared.h5") == plain);
  fs::remove_all(dir);
}

TEST_CASE("a recent chunk is reused only by a series of the same deflater and level") {
  // RecentChunks keys a chunk by its bytes and by how it was encoded: the same bytes deflated by
  // the other library, or at another level, are another encoding and must not be taken.
  h5::RecentChunks recent;
  auto raw = std::make_shared<const h5::Bytes>(4096, static_cast<unsigned char>(7));
  const h5::Storage lib{h5::Precision::float32, false, 4};
  std::promise<h5::Bytes> encoded;
  encoded.set_value(h5::encode_chunk(*raw, 4, lib));
  recent.add(raw, 4, lib, encoded.get_future().share());
  CHECK(recent.find(*raw, 4, lib) != nullptr);
  CHECK(recent.find(*raw, 4, with_isal(lib)) == nullptr);
  CHECK(recent.find(*raw, 4, {h5::Precision::float32, false, 5}) == nullptr);
  CHECK(recent.find(*raw, 4, {h5::Precision::float32, true, 4}) == nullptr);
}

TEST_CASE("the shuffle filter's bytes: byte k of every value, then byte k + 1") {
  // 8-byte values 8 at a time and the rest one by one (19 values: 16 + 3; 37: 32 + 5), 4-byte
  // values 16 at a time and the rest one by one; each against the definition,
  // out[k n + i] = raw[i size + k].
  for (const std::size_t item : {std::size_t{8}, std::size_t{4}})
    for (const std::size_t n : {std::size_t{19}, std::size_t{37}}) {
      h5::Bytes raw(n * item), out(n * item);
      for (std::size_t b = 0; b < raw.size(); ++b) raw[b] = static_cast<unsigned char>(b * 37 + 11);
      h5::shuffle_bytes(raw.data(), raw.size(), item, out.data());
      for (std::size_t k = 0; k < item; ++k)
        for (std::size_t i = 0; i < n; ++i) {
          CAPTURE(item);
          CAPTURE(n);
          CAPTURE(k);
          CAPTURE(i);
          REQUIRE(out[k * n + i] == raw[i * item + k]);
        }
    }
  // By hand: two 8-byte values 0x0807060504030201 and 0x1817161514131211 (little-endian) and
  // six zero values: plane 0 holds 01 11 0 0 0 0 0 0, plane 7 holds 08 18 0 ...
  h5::Bytes raw(64, 0), out(64);
  const std::uint64_t v0 = 0x0807060504030201ull, v1 = 0x1817161514131211ull;
  std::memcpy(raw.data(), &v0, 8);
  std::memcpy(raw.data() + 8, &v1, 8);
  h5::shuffle_bytes(raw.data(), raw.size(), 8, out.data());
  CHECK(out[0] == 0x01);
  CHECK(out[1] == 0x11);
  CHECK(out[2] == 0);
  CHECK(out[7 * 8] == 0x08);
  CHECK(out[7 * 8 + 1] == 0x18);
}

TEST_CASE("append says whether the value reads back finite from the series' type") {
  // float32 holds up to 3.4e38: 1e39 is a finite double that would read back as inf.
  const auto dir = test::temp_dir("h5-finite");
  h5::Handle file = h5::create_file((dir / "f.h5").string());
  {
    h5::Series f32(file.get(), "f32", {"float32", "1"}, {}, 0, {h5::Precision::float32, true, 4});
    CHECK(f32.append(1.5));
    CHECK(f32.append(3e38));
    CHECK_FALSE(f32.append(1e39));
    CHECK_FALSE(f32.append(-1e39));
    CHECK_FALSE(f32.append(std::nan("")));
    CHECK_FALSE(f32.append(HUGE_VAL));
    CHECK(f32.holds(-3e38));
    CHECK_FALSE(f32.holds(1e39));
    h5::Series f64(file.get(), "f64", {"float64", "1"}, {});
    CHECK(f64.append(1e39));
    CHECK_FALSE(f64.append(-HUGE_VAL));
    CHECK_FALSE(f64.holds(std::nan("")));
    h5::Storage narrow{h5::Precision::float32, false, 4};
    narrow.chunk_columns = 2;  // the bad value in the second of two chunks
    h5::Series m(file.get(), "m", {"matrix", "1"}, {}, 4, narrow);
    const double good[4] = {1, 2, 3, 4}, bad[4] = {1, 2, 3, 1e39};
    CHECK(m.append_row(good));
    CHECK_FALSE(m.append_row(bad));
    CHECK(m.append_row(good));  // each row for itself
    f32.flush();
    f64.flush();
    m.flush();
  }
  h5::close_file(file);
  fs::remove_all(dir);
}

TEST_CASE("a wide float32 row: every column rounded in place, a non-finite one in any lane") {
  // 29 columns: a pass of sixteen values (four sums of four lanes), one of eight (two sums) and
  // five left over.
  const std::size_t cols = 29;
  const auto dir = test::temp_dir("h5-wide-row");
  const auto path = dir / "w.h5";
  const double bad[3] = {1e39, std::nan(""), -HUGE_VAL};
  std::vector<bool> finite;
  {
    h5::Handle file = h5::create_file(path.string());
    h5::Series m(file.get(), "m", {"wide", "W"}, {}, cols, {h5::Precision::float32, false, 4});
    // Row 0 all finite, then one row with each column in turn non-finite (3e38 is finite
    // in float32; 1e39 rounds to inf), then a finite row again.
    std::vector<double> row(cols);
    for (std::size_t r = 0; r < cols + 2; ++r) {
      for (std::size_t c = 0; c < cols; ++c) row[c] = c == 3 ? 3e38 : value(r, c);
      if (r >= 1 && r <= cols) row[r - 1] = bad[r % 3];
      finite.push_back(m.append_row(row.data()));
    }
    m.flush();
  }
  CHECK(finite.front());
  CHECK(finite.back());
  for (std::size_t r = 1; r <= cols; ++r) CHECK_MESSAGE(!finite[r], "row " << r);
  auto file = h5::open_file_readonly(path.string());
  const std::vector<double> back = h5::read_doubles(file.get(), "m");
  REQUIRE(back.size() == (cols + 2) * cols);
  for (std::size_t r = 0; r < cols + 2; ++r)
    for (std::size_t c = 0; c < cols; ++c) {
      if (r >= 1 && r - 1 == c) continue;  // the non-finite one
      const double v = c == 3 ? 3e38 : value(r, c);
      REQUIRE(back[r * cols + c] == static_cast<double>(static_cast<float>(v)));
    }
  fs::remove_all(dir);
}

TEST_CASE("a float32 row of finite values too large to add up still reads back finite") {
  // Each lane of the row's check adds every fourth value of a pass: 3e38 (finite in float32)
  // twice overflows. Such a row is finite; one non-finite value among them is not.
  const auto dir = test::temp_dir("h5-huge-row");
  {
    h5::Handle file = h5::create_file((dir / "h.h5").string());
    const std::size_t cols = 24;  // a pass of sixteen and one of eight
    h5::Series m(file.get(), "m", {"huge", "W"}, {}, cols, {h5::Precision::float32, false, 4});
    std::vector<double> row(cols, 3e38);
    CHECK(m.append_row(row.data()));
    for (std::size_t c = 0; c < cols; c += 2) row[c] = -3e38;  // the sums' signs mixed
    CHECK(m.append_row(row.data()));
    for (const std::size_t c : {std::size_t{5}, std::size_t{23}}) {
      row[c] = 1e39;
      CHECK_FALSE(m.append_row(row.data()));
      row[c] = 3e38;
      CHECK(m.append_row(row.data()));
    }
    m.flush();
    h5::close_file(file);
  }
  fs::remove_all(dir);
}

TEST_CASE("a float32 row across chunks: a non-finite value in any chunk, with AVX and SSE2") {
  // 60 columns in chunks of 24: 24, 24 and 12 (each a pass of sixteen, then eight or none, then
  // none, four or left over as 24 = 16 + 8, 12 = 8 + 4). The row's check adds up the lanes of
  // every chunk and tests once at the row's end: a non-finite value in the first chunk is seen
  // as well as one in the last. The same rows, the same answers, the same values either way.
  const std::size_t cols = 60;
  const auto dir = test::temp_dir("h5-chunked-row");
  const double bad[3] = {1e39, std::nan(""), -HUGE_VAL};
  std::vector<std::vector<double>> backs;
  const bool avx_default = h5::use_avx_rounding(true);
  for (const bool avx : {true, false}) {
    CAPTURE(avx);
    if (h5::use_avx_rounding(avx) != avx) continue;  // no AVX on this CPU: SSE2 alone
    const auto path = dir / (avx ? "avx.h5" : "sse2.h5");
    std::vector<bool> finite;
    {
      h5::Handle file = h5::create_file(path.string());
      h5::Storage chunked{h5::Precision::float32, false, 4};
      chunked.chunk_columns = 24;
      chunked.chunk_values = 24 * 16;
      h5::Series m(file.get(), "m", {"chunked", "W"}, {}, cols, chunked);
      // Row 0 all finite, then one row with each column in turn non-finite, then a finite row;
      // then rows of 3e38 (finite in float32, whose sums overflow) with one 1e39 or none.
      std::vector<double> row(cols);
      for (std::size_t r = 0; r < cols + 2; ++r) {
        for (std::size_t c = 0; c < cols; ++c) row[c] = value(r, c);
        if (r >= 1 && r <= cols) row[r - 1] = bad[r % 3];
        finite.push_back(m.append_row(row.data()));
      }
      std::fill(row.begin(), row.end(), 3e38);
      CHECK(m.append_row(row.data()));
      for (const std::size_t c : {std::size_t{2}, std::size_t{30}, std::size_t{59}}) {
        row[c] = 1e39;
        CHECK_FALSE(m.append_row(row.data()));
        row[c] = 3e38;
      }
      m.flush();
    }
    CHECK(finite.front());
    CHECK(finite.back());
    for (std::size_t r = 1; r <= cols; ++r) CHECK_MESSAGE(!finite[r], "row " << r);
    auto file = h5::open_file_readonly(path.string());
    backs.push_back(h5::read_doubles(file.get(), "m"));
    REQUIRE(backs.back().size() == (cols + 6) * cols);
    for (std::size_t r = 0; r < cols + 2; ++r)
      for (std::size_t c = 0; c < cols; ++c) {
        if (r >= 1 && r - 1 == c) continue;  // the non-finite one
        REQUIRE(backs.back()[r * cols + c] == static_cast<double>(static_cast<float>(value(r, c))));
      }
  }
  h5::use_avx_rounding(avx_default);
  if (backs.size() == 2)
    CHECK(std::memcmp(backs[0].data(), backs[1].data(), backs[0].size() * sizeof(double)) == 0);
  fs::remove_all(dir);
}

TEST_CASE("a row read every second or third double stores what its copy in a row stores") {
  // Rows of 60 columns (chunks of 24: passes of sixteen, of eight, values left over) read from
  // 60 triples of doubles, member m of triple j at 3 j + m: with stride 2 (the first members of
  // 90 pairs laid over the triples' doubles), stride 3 (a member of each triple), and from a copy
  // of each such row (stride 1). float32 with AVX and SSE2, and float64. Each row has a NaN
  // that stride 1 alone reads (reported there, not by strides 2 and 3), and from row 1 on an inf
  // in column c of every stride (reported by each).
  const std::size_t cols = 60;
  const auto dir = test::temp_dir("h5-strided-row");
  const bool avx_default = h5::use_avx_rounding(true);
  for (const int mode : {0, 1, 2}) {  // float32 AVX, float32 SSE2, float64
    CAPTURE(mode);
    const bool f32 = mode < 2;
    if (f32 && h5::use_avx_rounding(mode == 0) != (mode == 0)) continue;  // no AVX here
    const auto path = dir / ("m" + std::to_string(mode) + ".h5");
    const std::size_t strides[3] = {1, 2, 3};
    std::vector<double> doubles(3 * cols);
    {
      h5::Handle file = h5::create_file(path.string());
      h5::Storage chunked{f32 ? h5::Precision::float32 : h5::Precision::float64, false, 4};
      chunked.chunk_columns = 24;
      chunked.chunk_values = 24 * 16;
      std::vector<std::unique_ptr<h5::Series>> copied, strided;
      for (const std::size_t stride : strides) {
        const std::string name = std::to_string(stride);
        copied.push_back(
            std::make_unique<h5::Series>(file.get(), "copy" + name, h5::Meta{"copy", "W"},
                                         std::vector<const h5::Dimension*>{}, cols, chunked));
        strided.push_back(
            std::make_unique<h5::Series>(file.get(), "stride" + name, h5::Meta{"strided", "W"},
                                         std::vector<const h5::Dimension*>{}, cols, chunked));
      }
      for (std::size_t r = 0; r < 40; ++r) {
        for (std::size_t k = 0; k < doubles.size(); ++k) doubles[k] = value(r, k);
        doubles[6 * ((r * 7) % 10) + 1] = std::nan("");  // odd, not 3k: stride 1 alone reads it
        const bool bad = r >= 1;
        const std::size_t c = (r * 11) % cols;
        if (bad) {
          doubles[c] = doubles[2 * c] = doubles[3 * c] = HUGE_VAL;
        }
        for (std::size_t s = 0; s < 3; ++s) {
          const std::size_t stride = strides[s];
          std::vector<double> row(cols);
          for (std::size_t j = 0; j < cols; ++j) row[j] = doubles[j * stride];
          const bool any_bad =
              std::any_of(row.begin(), row.end(), [](double v) { return !std::isfinite(v); });
          CHECK(copied[s]->append_row(row.data()) == !any_bad);
          CHECK(strided[s]->append_row(doubles.data(), stride) == !any_bad);
          if (stride > 1) CHECK(any_bad == bad);
        }
      }
      for (auto& m : copied) m->flush();
      for (auto& m : strided) m->flush();
    }
    auto file = h5::open_file_readonly(path.string());
    for (const std::size_t stride : strides) {
      CAPTURE(stride);
      const std::string name = std::to_string(stride);
      const std::vector<double> a = h5::read_doubles(file.get(), "copy" + name);
      const std::vector<double> b = h5::read_doubles(file.get(), "stride" + name);
      REQUIRE(a.size() == 40 * cols);
      REQUIRE(b.size() == a.size());
      CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
    }
  }
  h5::use_avx_rounding(avx_default);
  fs::remove_all(dir);
}

TEST_CASE("the second members of pairs are read up to the last pair's, and no further") {
  // The clock row: every second double from the first pair's second member, over a vector of
  // exactly 32 pairs (two passes of sixteen, the last ending at the last pair). Each value is
  // read from its pair and no double past the array's end is read (AddressSanitizer reported
  // such a read of the AVX rounding, which loaded four doubles from the eighth value of a pass).
  // float32 with AVX and SSE2, against the members copied into a row.
  const std::size_t cols = 32;
  const auto dir = test::temp_dir("h5-pair-members");
  const bool avx_default = h5::use_avx_rounding(true);
  for (const bool avx : {true, false}) {
    CAPTURE(avx);
    if (h5::use_avx_rounding(avx) != avx) continue;  // no AVX here
    const auto path = dir / (avx ? "avx.h5" : "sse2.h5");
    {
      h5::Handle file = h5::create_file(path.string());
      h5::Storage chunked{h5::Precision::float32, false, 4};
      chunked.chunk_columns = cols;
      chunked.chunk_values = cols * 8;
      h5::Series copied(file.get(), "copy", {"copy", "W"}, {}, cols, chunked);
      h5::Series strided(file.get(), "second", {"second members", "W"}, {}, cols, chunked);
      for (std::size_t r = 0; r < 10; ++r) {
        auto pairs = std::make_unique<std::pair<double, double>[]>(cols);  // nothing after them
        std::vector<double> row(cols);
        for (std::size_t j = 0; j < cols; ++j) {
          pairs[j] = {value(r, 2 * j), value(r, 2 * j + 1)};
          row[j] = pairs[j].second;
        }
        CHECK(copied.append_row(row.data()));
        CHECK(strided.append_row(&pairs[0].second, 2));
      }
      copied.flush();
      strided.flush();
    }
    auto file = h5::open_file_readonly(path.string());
    const std::vector<double> a = h5::read_doubles(file.get(), "copy");
    const std::vector<double> b = h5::read_doubles(file.get(), "second");
    REQUIRE(a.size() == 10 * cols);
    REQUIRE(b.size() == a.size());
    CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
    CHECK(a[cols + 31] == static_cast<double>(static_cast<float>(value(1, 63))));  // by hand
  }
  h5::use_avx_rounding(avx_default);
  fs::remove_all(dir);
}

namespace {

// A float32 matrix of 10 columns in chunks of 4 columns × 16 rows (64 values): column blocks
// [0, 4), [4, 8) and [8, 10) (an edge chunk, zero-padded), 37 rows (two full row blocks and a
// partial one), flushed at row 20 (a partial block, written again whole when it fills).
void write_narrow(const fs::path& path, h5::ChunkWorker* worker) {
  h5::Handle file = h5::create_file(path.string());
  {
    h5::Storage narrow{h5::Precision::float32, false, 4};
    narrow.chunk_columns = 4;
    narrow.chunk_values = 64;
    h5::Series m(file.get(), "m", {"narrow chunks", "W"}, {}, 10, narrow, worker);
    for (std::size_t r = 0; r < 37; ++r) {
      double row[10];
      for (std::size_t c = 0; c < 10; ++c) row[c] = value(r, c);
      m.append_row(row);
      if (r == 20) m.flush();
    }
    m.flush();
  }
  h5::close_file(file);
}

}  // namespace

TEST_CASE("a matrix in chunks narrower than its rows: 16 x 4 chunks, the values in place") {
  const auto dir = test::temp_dir("h5-narrow");
  write_narrow(dir / "inline.h5", nullptr);
  {
    h5::ChunkWorker worker;
    write_narrow(dir / "worker.h5", &worker);
  }
  CHECK(file_bytes(dir / "inline.h5") == file_bytes(dir / "worker.h5"));
  h5::Handle file = h5::open_file_readonly((dir / "inline.h5").string());
  h5::Handle ds(H5Dopen2(file.get(), "m", H5P_DEFAULT), H5Dclose);
  REQUIRE(ds);
  h5::Handle dcpl(H5Dget_create_plist(ds.get()), H5Pclose);
  hsize_t chunk[2] = {0, 0};
  REQUIRE(H5Pget_chunk(dcpl.get(), 2, chunk) == 2);
  CHECK(chunk[0] == 16);  // 64 values / 4 columns
  CHECK(chunk[1] == 4);
  h5::Handle space(H5Dget_space(ds.get()), H5Sclose);
  hsize_t n_chunks = 0;
  REQUIRE(H5Dget_num_chunks(ds.get(), space.get(), &n_chunks) >= 0);
  CHECK(n_chunks == 3 * 3);  // ceil(37 / 16) row blocks × ceil(10 / 4) column blocks
  std::vector<hsize_t> dims;
  const std::vector<double> back = h5::read_doubles(file.get(), "m", &dims);
  REQUIRE(dims == std::vector<hsize_t>{37, 10});
  for (std::size_t r = 0; r < 37; ++r)
    for (std::size_t c = 0; c < 10; ++c) {
      CAPTURE(r);
      CAPTURE(c);
      REQUIRE(back[r * 10 + c] == static_cast<double>(static_cast<float>(value(r, c))));
    }
  // The edge chunks as stored: columns 10 and 11 (past the row's last) are zeros in every row
  // block, whose buffers are not zero-filled when made (h5::Bytes) and, after the first block,
  // may hold an earlier chunk's bytes; so are the last block's rows past row 37.
  for (const hsize_t row : {hsize_t{0}, hsize_t{16}, hsize_t{32}}) {
    CAPTURE(row);
    const hsize_t offset[2] = {row, 8};
    hsize_t stored = 0;
    REQUIRE(H5Dget_chunk_storage_size(ds.get(), offset, &stored) >= 0);
    h5::Bytes chunk(stored);
    std::uint32_t mask = 1;
    REQUIRE(H5Dread_chunk(ds.get(), H5P_DEFAULT, offset, &mask, chunk.data()) >= 0);
    h5::Bytes raw(16 * 4 * sizeof(float));
    uLongf size = raw.size();
    REQUIRE(uncompress(raw.data(), &size, chunk.data(), chunk.size()) == Z_OK);
    REQUIRE(size == raw.size());
    for (std::size_t r = 0; r < 16; ++r)
      for (std::size_t c = 0; c < 4; ++c) {
        CAPTURE(r);
        CAPTURE(c);
        float stored_value = 0;
        std::memcpy(&stored_value, raw.data() + (r * 4 + c) * sizeof(float), sizeof(float));
        const bool inside = row + r < 37 && 8 + c < 10;
        CHECK(stored_value == (inside ? static_cast<float>(value(row + r, 8 + c)) : 0.0f));
      }
  }
  file.reset();
  fs::remove_all(dir);
}

namespace {

// A float32 and a float64 1-D series of `rows` values (chunks of 64), appended one by one or
// in runs of at most `run` values that never cross a block (append_values), flushed at row 100.
void write_runs(const fs::path& path, std::size_t rows, std::size_t run) {
  h5::Handle file = h5::create_file(path.string());
  {
    h5::Storage f32{h5::Precision::float32, true, 4}, f64{};
    f32.chunk_values = f64.chunk_values = 64;
    h5::Series a(file.get(), "a", {"float32", "W"}, {}, 0, f32);
    h5::Series b(file.get(), "b", {"float64", "W"}, {}, 0, f64);
    std::vector<double> values(rows);
    for (std::size_t r = 0; r < rows; ++r) values[r] = value(r, r % 5);
    for (std::size_t r = 0; r < rows;) {
      std::size_t n = std::min({run, rows - r, a.free_rows()});
      if (r < 100) n = std::min(n, 100 - r);  // the flush below falls between two runs
      if (run == 1) {
        CHECK(a.append(values[r]));
        CHECK(b.append(values[r]));
      } else {
        CHECK(a.append_values(values.data() + r, n));
        CHECK(b.append_values(values.data() + r, n));
      }
      r += n;
      if (r == 100) {
        a.flush();
        b.flush();
      }
    }
    a.flush();
    b.flush();
  }
  h5::close_file(file);
}

}  // namespace

TEST_CASE("values appended in runs write the same file as values appended one by one") {
  const auto dir = test::temp_dir("h5-runs");
  const std::size_t rows = 5 * 64 + 17;  // five full chunks and a partial one
  write_runs(dir / "single.h5", rows, 1);
  write_runs(dir / "runs.h5", rows, 16);
  write_runs(dir / "blocks.h5", rows, 64);  // whole blocks: each run hands one off
  const std::string single = file_bytes(dir / "single.h5");
  CHECK(single.size() > 2000);
  CHECK(single == file_bytes(dir / "runs.h5"));
  CHECK(single == file_bytes(dir / "blocks.h5"));
  h5::Handle file = h5::open_file_readonly((dir / "runs.h5").string());
  const auto a = h5::read_doubles(file.get(), "a");
  REQUIRE(a.size() == rows);
  for (std::size_t r = 0; r < rows; ++r)
    CHECK(a[r] == static_cast<double>(static_cast<float>(value(r, r % 5))));

  // A value that reads back non-finite: the run says so, as append() does.
  h5::Handle bad = h5::create_file((dir / "bad.h5").string());
  {
    h5::Series f32(bad.get(), "f32", {"float32", "1"}, {}, 0, {h5::Precision::float32, true, 4});
    const double good[3] = {1, 2, 3}, huge[3] = {1, 1e39, 3};
    CHECK(f32.append_values(good, 3));
    CHECK_FALSE(f32.append_values(huge, 3));
    f32.flush();
  }
  h5::close_file(bad);
  fs::remove_all(dir);
}

TEST_CASE("variable-length strings read back as written, a few or many") {
  // write_strings hands HDF5 a conversion buffer sized for its strings (not the default 1 MiB):
  // however many there are (none included), each must come back whole through read_strings,
  // empty and multi-byte ones too.
  const auto dir = test::temp_dir("h5-strings");
  for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{3}, std::size_t{20000}}) {
    std::vector<std::string> values(n);
    std::vector<std::int64_t> index(n);
    for (std::size_t i = 0; i < n; ++i) {
      values[i] = i % 7 == 3 ? "" : "job-" + std::to_string(i) + std::string(i % 50, 'x') + "°C";
      index[i] = static_cast<std::int64_t>(i);
    }
    const fs::path path = dir / ("strings-" + std::to_string(n) + ".h5");
    {
      h5::Handle file = h5::create_file(path.string());
      h5::Handle scale = h5::write_coordinate(file.get(), "job", index, {"job index", ""});
      const h5::Dimension job{"job", scale.get()};
      h5::write_strings(file.get(), "name", values, job, {"job name", ""});
      h5::close_file(file);
    }
    h5::Handle file = h5::open_file_readonly(path.string());
    CHECK(h5::read_strings(file.get(), "name") == values);
  }
  fs::remove_all(dir);
}
