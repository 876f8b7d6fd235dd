// Thin RAII layer over the HDF5 C API for what Joule writes: groups, chunked + compressed
// extendible series (1-D) and matrices (time × columns) streamed in chunk-sized blocks, string
// and numeric attributes, fixed-length variables along a named dimension.
//
// A series compresses its own chunks in the format of HDF5's shuffle and deflate filters (the
// deflate stream made by ISA-L's igzip or by libdeflate, not zlib: Deflater) and writes them with
// H5Dwrite_chunk, so that the compression can run on a worker thread (ChunkWorker) outside
// HDF5's global lock while the simulation goes on; the dataset declares the filters, so every
// HDF5 reader decompresses it as usual.
//
// The layout is netCDF-4 (docs/output-format.md): every variable has `long_name` and `units`
// and a dimension scale (HDF5 H5DS, libhdf5_hl) on each axis, so netCDF-C, h5netcdf and xarray
// read it as named dimensions; strings are variable-length UTF-8. No object records its
// creation time, so the same run writes the same bytes.
#pragma once

#include <hdf5.h>

#include <array>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <future>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace joule::app::h5 {

class Handle {
public:
  Handle() = default;
  explicit Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& o) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }
  void reset();
  hid_t get() const { return id_; }
  // Gives up ownership without closing: the caller closes the id.
  hid_t release() {
    const hid_t id = id_;
    id_ = H5I_INVALID_HID;
    return id;
  }
  explicit operator bool() const { return id_ >= 0; }

private:
  hid_t id_ = H5I_INVALID_HID;
  herr_t (*close_)(hid_t) = nullptr;
};

// A failed HDF5 call. The message names the operation and, when HDF5 reports one, the system's
// reason ("No space left on device").
class Error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Throws h5::Error with `what` when an HDF5 call failed (negative id or status).
hid_t check(hid_t id, const std::string& what);

// Writes everything HDF5 still holds for the file (dataset chunks, metadata) and closes it,
// throwing h5::Error on failure. HDF5 writes most of a file from its caches at this point, so a
// full disk often shows up only here: call it, and let it succeed, before renaming the file
// into place. Close the file's datasets and groups first. `file` is reset either way.
void close_file(Handle& file);

Handle create_file(const std::string& path);  // truncates
Handle open_file_readonly(const std::string& path);
Handle create_group(hid_t parent, const std::string& name);
Handle open_group(hid_t parent, const std::string& name);

void set_attr(hid_t obj, const std::string& name, const std::string& value);
void set_attr(hid_t obj, const std::string& name, double value);
void set_attr(hid_t obj, const std::string& name, std::int64_t value);
bool has_attr(hid_t obj, const std::string& name);
std::string get_string_attr(hid_t obj, const std::string& name);
double get_double_attr(hid_t obj, const std::string& name);

// What a variable means: CF `long_name` and `units` (UDUNITS spelling: W, kWh, degC, 1).
struct Meta {
  std::string long_name;
  std::string units;
};

// A dimension of a group: a coordinate variable whose name is the dimension's and which is an
// HDF5 dimension scale. Variables along it attach to `scale`.
struct Dimension {
  std::string name;
  hid_t scale = H5I_INVALID_HID;  // owned by whoever created it (a Series or a Handle)
};

// A fixed-length coordinate: `values` (e.g. rack indices, bin edges) stored as a dimension scale
// named `name` in `parent`.
Handle write_coordinate(hid_t parent, const std::string& name, const std::vector<double>& values,
                        const Meta& meta);
Handle write_coordinate(hid_t parent, const std::string& name,
                        const std::vector<std::int64_t>& values, const Meta& meta);
// Fixed-length variables along `dims` (outermost first, row-major `values`).
void write_variable(hid_t parent, const std::string& name, const std::vector<double>& values,
                    const std::vector<const Dimension*>& dims, const Meta& meta);
void write_variable(hid_t parent, const std::string& name, const std::vector<std::int64_t>& values,
                    const std::vector<const Dimension*>& dims, const Meta& meta);
// Variable-length UTF-8 strings along one dimension (read as str by h5py, netCDF and xarray).
void write_strings(hid_t parent, const std::string& name, const std::vector<std::string>& values,
                   const Dimension& dim, const Meta& meta);
// The strings of a 1-D variable written by write_strings (`name`, a path below `parent`).
std::vector<std::string> read_strings(hid_t parent, const std::string& name);
// Raw bytes (an embedded input file) as a 1-D uint8 variable along its own dimension.
void write_bytes(hid_t parent, const std::string& name, const std::string& bytes, const Meta& meta);
std::string read_bytes(hid_t parent, const std::string& path);
// Marks `dataset` as the dimension scale `name` (a coordinate variable).
void make_scale(hid_t dataset, const std::string& name);
// Attaches the scales `dims` to the axes of `dataset`, in order.
void attach(hid_t dataset, const std::vector<const Dimension*>& dims);

// Value-initializing an element of Bytes (resize(n), Bytes(n)) leaves its byte as it was: a
// chunk buffer is written whole before anything reads it, and zero-filling it first (2 % of a
// 10k-GPU year, memset) only costs; ask for zeros with Bytes(n, 0) or resize(n, 0).
template <class T>
struct DefaultInitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  DefaultInitAllocator() = default;
  template <class U>
  DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
using Bytes = std::vector<unsigned char, DefaultInitAllocator<unsigned char>>;

// How an extendible series is stored: the file's floating-point type (IEEE, little-endian) and
// the filters declared on the dataset. Joule's choices per trace are in docs/output-format.md
// and measured in docs/reliability.md.
enum class Precision { float64, float32 };

// What deflates a series' chunks. Both write the zlib stream HDF5's deflate filter inflates, so
// every reader gets the same values back; they differ in speed and in where the compressed bytes
// repeat. Measured on Joule's own chunks in docs/reliability.md ("twenty-fourth part").
enum class Deflater {
  // ISA-L's igzip (Debian libisal-dev), level 1: 3–5× libdeflate's levels 4–5 in speed, from 5 %
  // smaller to 8 % larger. It picks its hashing and match code for the CPU at run time (AVX-512,
  // AVX2, SSE, NEON), so its bytes are not promised across CPUs. Nor are they from one run to the
  // next on one machine: on the development machine (a virtual AMD EPYC with AVX-512) 3 of 10
  // runs of the 100k-GPU year wrote one chunk differently, and a single-threaded replay of one
  // run's chunks through ISA-L alone did so in 1 or 2 of 12 replays when preempted
  // (docs/reliability.md, "thirty-first part"). The values are the same either way.
  isal,
  // libdeflate: one C match finder on every CPU, so the same bytes wherever its version is the
  // same (`output.compression: portable`).
  libdeflate,
};

struct Storage {
  Precision precision = Precision::float64;
  bool shuffle = true;  // HDF5's byte shuffle before deflate
  // Deflate level, the deflater's own (libdeflate 0–9, ISA-L 0–3), declared on the dataset as
  // HDF5's. 5: libdeflate's for the counters and time (float64, shuffled): zlib level 4's size
  // +2.4 %, half its CPU (docs/reliability.md).
  int level = 5;
  // Store a chunk whose raw bytes equal the previous chunk's (a constant trace, e.g. the racks'
  // clock) with the previous chunk's compressed bytes instead of compressing it again: the same
  // file bytes (encode_chunk is deterministic), for a byte comparison. Off only to test that.
  bool reuse_repeats = true;
  // A matrix's chunk: `chunk_columns` columns (0: all of them) by as many rows as make
  // `chunk_values` values, at least 16. Fewer columns than the row holds put a column's
  // successive values in one chunk, within deflate's 32 KiB window of each other.
  std::size_t chunk_columns = 0;
  std::size_t chunk_values = 8192;
  Deflater deflater = Deflater::libdeflate;
};

// One chunk (`raw`: values of `item_size` bytes) as HDF5's shuffle and deflate filters store
// it: byte-shuffled when `storage` says so, then one zlib stream (RFC 1950) compressed by
// `storage.deflater` at `storage.level`, which HDF5's deflate filter (zlib's inflate) decodes
// back to `raw`. Not zlib's bytes for the same level: the deflater's, the same for the same
// input, level and library version, on any thread (for ISA-L, not always: Deflater::isal).
Bytes encode_chunk(const Bytes& raw, std::size_t item_size, const Storage& storage);

// Whether Series::append_row rounds float32 rows with AVX, where the CPU has it (the default), or
// with SSE2 (`on` false): the same bits and the same answer either way. Returns whether AVX is
// used now. For tests, which run both; not to be called while a series is being appended to.
bool use_avx_rounding(bool on);

// HDF5's shuffle filter: byte k of every value (of `item_size` bytes), then byte k + 1 of every
// value, ...; `out` holds `size` bytes, a whole number of values.
void shuffle_bytes(const unsigned char* raw, std::size_t size, std::size_t item_size,
                   unsigned char* out);

// Chunks lately encoded by the series that share a worker, with their encodings: a chunk whose
// bytes equal one of them, encoded alike (another trace's: a group's time coordinate and its
// time_s, grid import where it equals the facility's power), is stored with the same compressed
// bytes, as Storage::reuse_repeats does with a series' own previous chunk (deflate is
// deterministic: the same file). It keeps the `capacity` chunks last found or added; a lookup
// compares a few words spread over the chunk first, and all of its bytes only when they match.
// Used from the thread that appends, never from the worker's.
class RecentChunks {
public:
  static constexpr std::size_t capacity = 32;
  // The encoding of a chunk with `raw`'s bytes, item size and filters, or null.
  const std::shared_future<Bytes>* find(const Bytes& raw, std::size_t item_size,
                                        const Storage& storage);
  void add(std::shared_ptr<const Bytes> raw, std::size_t item_size, const Storage& storage,
           std::shared_future<Bytes> chunk);

private:
  struct Key {
    std::size_t size = 0, item_size = 0;
    int level = 0;
    bool shuffle = false;
    Deflater deflater = Deflater::libdeflate;
    std::array<std::uint64_t, 8> words{};  // at eight places, the first and last among them
    bool operator==(const Key&) const = default;
  };
  static Key key_of(const Bytes& raw, std::size_t item_size, const Storage& storage);
  struct Entry {
    Key key;
    std::shared_ptr<const Bytes> raw;
    std::shared_future<Bytes> chunk;
    std::uint64_t used = 0;  // when last found or added
  };
  std::vector<Entry> entries_;
  std::uint64_t clock_ = 0;
};

// One thread that runs tasks (chunk compression) in the order they come while the caller goes
// on. It makes no HDF5 call: callers write the results themselves, at points of their own
// sequence, so the file's bytes do not depend on the thread's timing. A task's exception is
// rethrown by its future's get(). The destructor runs the tasks still queued, then joins.
//
// Made with `own_thread` false, it starts no thread and runs each task as it is submitted, on
// the caller's thread: for a run whose CPUs are already kept busy by other runs (a sweep's
// workers, as many as the CPUs), where a second thread per run only takes turns with the
// others, each wake-up of it a switch of CPU. The bytes are the same either way.
class ChunkWorker {
public:
  explicit ChunkWorker(bool own_thread = true);
  ~ChunkWorker();
  ChunkWorker(const ChunkWorker&) = delete;
  ChunkWorker& operator=(const ChunkWorker&) = delete;
  std::future<Bytes> submit(std::packaged_task<Bytes()> task);
  // The chunks the series submitting here encoded lately (the submitting thread's alone).
  RecentChunks& recent() { return recent_; }
  // The CPU time (user + system) the thread has used so far, in seconds: what compressing the
  // chunks submitted here cost (`joule run --cpu-times`). None without a thread: the tasks'
  // time is the caller's (timing each task would cost two system calls a chunk).
  std::optional<double> cpu_seconds();

private:
  void loop();

  RecentChunks recent_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::packaged_task<Bytes()>> tasks_;
  bool stop_ = false;
  std::thread thread_;
};

// `n` values rounded to float32 (to nearest) at `at`, unaligned; nonzero when one of them is
// stored non-finite (its exponent all ones). The test is on the stored bits, in the same pass as
// the rounding, which vectorizes: a separate test of the doubles did not.
inline std::uint32_t store_float32(unsigned char* at, const double* values, std::size_t n) {
  std::uint32_t non_finite = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto rounded = static_cast<float>(values[i]);
    std::uint32_t bits;
    std::memcpy(&bits, &rounded, sizeof bits);
    non_finite |= (bits & 0x7f800000u) == 0x7f800000u;
    std::memcpy(at + i * sizeof(float), &rounded, sizeof(float));
  }
  return non_finite;
}

// An extendible dataset, 1-D (columns == 0) or rows × columns, appended row by row (doubles,
// stored as `storage` says) through a buffer of one block: a chunk's rows across all the
// columns (one chunk, or several side by side when Storage::chunk_columns is narrower than the
// row), so memory does not grow with the run's length. A 1-D series made with coordinate() is the
// unlimited dimension of its name (the time coordinate); otherwise the series attaches `dims` (the
// row dimension, then the column dimension).
//
// A full block's chunks are encoded (encode_chunk) on `worker` when given, else at once, and
// written (H5Dwrite_chunk) when the next block is full or at flush(): one block in flight per
// series, written at the same point of the series' appends either way, so a run writes the same
// bytes with or without a worker. An encoding or write failure throws h5::Error naming the dataset
// and the file, from the append or flush that writes the chunk.
class Series {
public:
  Series(hid_t parent, const std::string& name, const Meta& meta,
         const std::vector<const Dimension*>& dims, std::size_t columns = 0,
         const Storage& storage = {}, ChunkWorker* worker = nullptr);
  // The unlimited coordinate `name` itself (a dimension scale).
  static std::unique_ptr<Series> coordinate(hid_t parent, const std::string& name, const Meta& meta,
                                            ChunkWorker* worker = nullptr,
                                            const Storage& storage = Storage{});
  Dimension dimension() const { return {name_, dataset_.get()}; }
  hid_t id() const { return dataset_.get(); }
  // 1-D: the value written in place, in the file's type (a call per sample of every trace).
  // False when it reads back non-finite (NaN, inf, or a finite double beyond float32's range in
  // a float32 series): the caller decides whether that is an error.
  bool append(double value) {
    const bool finite = store(next_, &value, 1);
    next_ += item_size_;
    if (++buffered_rows_ == chunk_rows_) hand_off();
    return finite;
  }
  // 1-D: `n` values at once, as `n` calls of append() would store them (the block handed off
  // when it fills), `n` no more than the block's free rows (free_rows()). False when one of
  // them reads back non-finite.
  bool append_values(const double* values, std::size_t n) {
    const bool finite = store(next_, values, n);
    next_ += n * item_size_;
    buffered_rows_ += n;
    if (buffered_rows_ == chunk_rows_) hand_off();
    return finite;
  }
  // Rows the block being filled has left; a 1-D series' chunk length when it is empty.
  std::size_t free_rows() const { return chunk_rows_ - buffered_rows_; }
  // 2-D: a row of `columns` values, column j's at values[j * stride] (2: one member of an array
  // of pairs of doubles). False when any of them reads back non-finite (holds()).
  bool append_row(const double* values, std::size_t stride = 1);
  // Writes every row appended so far (a partial last block too: it is written again, whole,
  // when later rows fill it).
  void flush();
  std::size_t rows() const { return rows_written_ + buffered_rows_; }
  // Whether `value` reads back finite from the file's type (not NaN, not inf, and for float32
  // not a finite double that rounds to inf).
  bool holds(double value) const {
    return item_size_ == sizeof(float) ? std::isfinite(static_cast<float>(value))
                                       : std::isfinite(value);
  }
  bool stores_float32() const { return item_size_ == sizeof(float); }
  // Chunks stored with an earlier chunk's compressed bytes (Storage::reuse_repeats): the
  // series' previous chunk's, or, with a worker, a recent one's (RecentChunks).
  std::size_t reused_chunks() const { return reused_; }
  // Chunks compared byte for byte with the series' previous chunk (reuse_repeats); a chunk
  // already known equal to, or different from, the chunk to its left is not (tests).
  std::size_t compared_chunks() const { return compared_; }

private:
  // `n` values at `at`, in the file's type (a float32 value rounded to nearest); false when one
  // of them is stored non-finite.
  bool store(unsigned char* at, const double* values, std::size_t n) const {
    if (item_size_ == sizeof(double)) {
      std::memcpy(at, values, n * sizeof(double));
      bool finite = true;
      for (std::size_t i = 0; i < n; ++i) finite &= std::isfinite(values[i]);
      return finite;
    }
    return store_float32(at, values, n) == 0;
  }
  // A block of rows handed off: its chunks, column block by column block, and the raw bytes of
  // those encoded for it (taken back as spares once written).
  struct Pending {
    hsize_t first_row;
    std::size_t rows;
    std::vector<std::shared_future<Bytes>> chunks;
    std::vector<std::shared_ptr<Bytes>> raws;
  };
  void hand_off();
  Pending encode_block(std::size_t rows);
  void write_pending();
  void write(Pending& block);
  // What the rows appended so far say of a chunk and the one to its left in the block (the
  // block's chunk before it, Storage::chunk_columns): the same bytes, or not; nothing of the
  // block's first chunk.
  enum class Left : unsigned char { unknown, same, differs };
  // Adds the chunk `raw` (its rows past the block's last zero, or absent: padded here) to `block`.
  void encode(Bytes raw, Pending& block, Left left);
  // After a row is stored at `offset` in each chunk: which chunks still equal their left one.
  void note_repeats(std::size_t offset);
  void start_block();  // a block of no rows: every chunk still equal to its left one
  // A chunk-sized buffer: a spare (its bytes left from an earlier chunk), else a new one.
  Bytes take_spare();
  void keep_spare(Bytes&& raw);
  [[noreturn]] void fail(const std::exception& e) const;

  // What append() reads and writes, side by side: a facility sample appends one value to each
  // of some 35 series, whose fields are out of cache by the next sample, so one line to fetch,
  // not three (and not the chunk's address through chunks_ as well).
  std::size_t item_size_;
  unsigned char* next_ = nullptr;  // 1-D: where the next value goes (in chunks_.front())
  std::size_t buffered_rows_ = 0;
  std::size_t chunk_rows_;
  Handle dataset_;
  std::string name_;
  std::size_t columns_;
  std::size_t width_;
  std::size_t chunk_columns_;  // width_ when a chunk holds whole rows
  Storage storage_;
  ChunkWorker* worker_;
  std::size_t chunk_bytes_;  // a whole chunk's, edge chunks too
  // The block being filled: its chunks side by side (one, unless Storage::chunk_columns is
  // narrower than the row), each in the chunk's own layout and the file's type, so that a full
  // block is encoded as it stands, with no gathering of columns. Each is a whole chunk's size,
  // its bytes left as they were (Bytes does not zero-fill: the first block's pages are touched
  // only as rows reach them, 32 MiB per matrix at 31,250 racks). Rows [0, buffered_rows_) hold
  // the values appended; the columns past the row's last are zeros.
  std::vector<Bytes> chunks_;
  // Chunk-sized buffers whose chunks are written and whose encoding no longer reads them: the
  // next chunks' bytes go there, not to fresh memory (zero-filled, page-faulted) every block.
  std::vector<Bytes> spares_;
  std::size_t rows_written_ = 0;  // rows of the blocks handed off
  hsize_t extent_ = 0;            // rows of the dataset in the file
  std::optional<Pending> pending_;
  // The last chunk encoded (whole, edge rows zeroed) and its encoding, for reuse_repeats.
  std::shared_ptr<Bytes> last_raw_;
  std::shared_future<Bytes> last_chunk_;
  std::size_t reused_ = 0, compared_ = 0;
  // For reuse_repeats, when a row spans several chunks: per chunk of the block being filled,
  // whether every row so far equals the chunk to its left's (1) or not (0), tested as each row
  // is stored, while both are in cache. At 3,136 racks a block is 3.2 MiB a matrix, out of
  // cache by the time it is full: comparing a whole chunk with the last one then read both
  // from memory (memcmp: 8 % of a 100k-GPU run's cache misses, most of them the racks' clock,
  // whose idle racks' chunks repeat). `same_left_` counts the ones still 1 (none: no test).
  std::vector<unsigned char> same_as_left_;
  std::size_t same_left_ = 0;
  // Whether last_raw_ holds the bytes of the chunk encoded last (to the left of the next): a
  // chunk known different from that one is then known different from last_raw_.
  bool last_is_left_ = false;
};

// Reads a whole 1-D or 2-D double dataset (for summaries and tests).
std::vector<double> read_doubles(hid_t parent, const std::string& path,
                                 std::vector<hsize_t>* dims = nullptr);

}  // namespace joule::app::h5
