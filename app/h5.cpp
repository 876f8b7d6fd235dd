#include "app/h5.hpp"

#include <hdf5_hl.h>
#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <pthread.h>
#include <time.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
// An AVX version of the float32 rounding, picked at run time (Series::append_row).
#if defined(__x86_64__) && defined(__GNUC__)
#define JOULE_H5_AVX 1
#include <immintrin.h>
#else
#define JOULE_H5_AVX 0
#endif

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstring>
#include <stdexcept>

namespace joule::app::h5 {

Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    reset();
    id_ = o.id_;
    close_ = o.close_;
    o.id_ = H5I_INVALID_HID;
  }
  return *this;
}

void Handle::reset() {
  if (id_ >= 0 && close_) close_(id_);
  id_ = H5I_INVALID_HID;
}

namespace {

// The innermost message of HDF5's error stack, where the system's reason appears:
// "... errno = 28, error message = 'No space left on device' ..." → "No space left on device".
std::string hdf5_reason() {
  std::string innermost;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* e, void* data) -> herr_t {
        if (n == 0 && e->desc) *static_cast<std::string*>(data) = e->desc;
        return 0;
      },
      &innermost);
  H5Eclear2(H5E_DEFAULT);
  const std::string key = "error message = '";
  const auto at = innermost.find(key);
  if (at != std::string::npos) {
    const auto end = innermost.find('\'', at + key.size());
    return innermost.substr(at + key.size(),
                            end == std::string::npos ? end : end - at - key.size());
  }
  return innermost;
}

}  // namespace

namespace {
// The name of the file that holds an object ("?" when unknown).
std::string file_name(hid_t obj) {
  const ssize_t n = H5Fget_name(obj, nullptr, 0);
  if (n <= 0) return "?";
  std::string name(static_cast<std::size_t>(n) + 1, '\0');
  H5Fget_name(obj, name.data(), name.size());
  name.resize(static_cast<std::size_t>(n));
  return name;
}
}  // namespace

hid_t check(hid_t id, const std::string& what) {
  if (id < 0) {
    const std::string reason = hdf5_reason();
    throw Error("HDF5: " + what + " failed" + (reason.empty() ? "" : ": " + reason));
  }
  return id;
}

void close_file(Handle& file) {
  if (!file) return;
  const std::string name = file_name(file.get());
  const hid_t id = file.release();
  const herr_t flushed = H5Fflush(id, H5F_SCOPE_GLOBAL);
  const std::string reason = flushed < 0 ? hdf5_reason() : "";
  const herr_t closed = H5Fclose(id);
  if (flushed < 0)
    throw Error("HDF5: writing " + name + " failed" + (reason.empty() ? "" : ": " + reason));
  check(closed, "closing " + name);
}

namespace {
struct QuietErrors {
  QuietErrors() {
    // No library shutdown at exit: every file Joule writes is closed (and checked) explicitly,
    // and HDF5 1.10 crashes (SIGSEGV in H5_term_library) tidying up after a file whose close
    // failed, e.g. on a full disk. Must come before any other HDF5 call.
    H5dont_atexit();
    // HDF5 prints its error stack to stderr by default; Joule reports errors itself.
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
};
const QuietErrors quiet;
}  // namespace

Handle create_file(const std::string& path) {
  return Handle(
      check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), "creating " + path),
      H5Fclose);
}

Handle open_file_readonly(const std::string& path) {
  return Handle(check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "opening " + path),
                H5Fclose);
}

namespace {
// Object headers carry no modification times: the same run writes the same bytes.
Handle untimed(hid_t list_class) {
  Handle props(check(H5Pcreate(list_class), "property list"), H5Pclose);
  check(H5Pset_obj_track_times(props.get(), false), "object times");
  return props;
}
}  // namespace

Handle create_group(hid_t parent, const std::string& name) {
  const Handle props = untimed(H5P_GROUP_CREATE);
  return Handle(check(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, props.get(), H5P_DEFAULT),
                      "creating group " + name),
                H5Gclose);
}

Handle open_group(hid_t parent, const std::string& name) {
  return Handle(check(H5Gopen2(parent, name.c_str(), H5P_DEFAULT), "opening group " + name),
                H5Gclose);
}

void make_scale(hid_t dataset, const std::string& name) {
  check(H5DSset_scale(dataset, name.c_str()), "dimension scale " + name);
}

void attach(hid_t dataset, const std::vector<const Dimension*>& dims) {
  for (std::size_t i = 0; i < dims.size(); ++i)
    check(H5DSattach_scale(dataset, dims[i]->scale, static_cast<unsigned>(i)),
          "attaching dimension " + dims[i]->name);
}

namespace {

void describe(hid_t dataset, const Meta& meta) {
  set_attr(dataset, "long_name", meta.long_name);
  set_attr(dataset, "units", meta.units);
}

// A contiguous (small) or chunked + compressed (large) fixed-size dataset.
Handle create_fixed(hid_t parent, const std::string& name, hid_t file_type,
                    const std::vector<hsize_t>& dims) {
  Handle space(check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                     "dataspace " + name),
               H5Sclose);
  Handle props = untimed(H5P_DATASET_CREATE);
  std::size_t n = 1;
  for (auto d : dims) n *= d;
  if (n >= 4096) {
    std::vector<hsize_t> chunk = dims;
    chunk[0] =
        std::min<hsize_t>(dims[0], std::max<hsize_t>(1, 65536 / std::max<hsize_t>(1, n / dims[0])));
    check(H5Pset_chunk(props.get(), static_cast<int>(chunk.size()), chunk.data()),
          "chunking " + name);
    check(H5Pset_shuffle(props.get()), "shuffle filter");
    check(H5Pset_deflate(props.get(), 4), "deflate filter");
  }
  return Handle(check(H5Dcreate2(parent, name.c_str(), file_type, space.get(), H5P_DEFAULT,
                                 props.get(), H5P_DEFAULT),
                      "creating dataset " + name),
                H5Dclose);
}

template <class T>
Handle write_fixed(hid_t parent, const std::string& name, const std::vector<T>& values,
                   const std::vector<hsize_t>& dims, hid_t file_type, hid_t mem_type,
                   const Meta& meta) {
  Handle ds = create_fixed(parent, name, file_type, dims);
  if (!values.empty())
    check(H5Dwrite(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
          "writing " + name);
  describe(ds.get(), meta);
  return ds;
}

std::vector<hsize_t> shape_of(const std::vector<const Dimension*>& dims, std::size_t n,
                              const std::string& name) {
  std::vector<hsize_t> shape;
  std::size_t product = 1;
  for (const Dimension* d : dims) {
    Handle space(check(H5Dget_space(d->scale), "space of " + d->name), H5Sclose);
    hsize_t len = 0;
    H5Sget_simple_extent_dims(space.get(), &len, nullptr);
    shape.push_back(len);
    product *= len;
  }
  if (product != n)
    throw Error("HDF5: " + name + " has " + std::to_string(n) + " values for its dimensions' " +
                std::to_string(product));
  return shape;
}

}  // namespace

Handle write_coordinate(hid_t parent, const std::string& name, const std::vector<double>& values,
                        const Meta& meta) {
  Handle ds =
      write_fixed(parent, name, values, {values.size()}, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, meta);
  make_scale(ds.get(), name);
  return ds;
}

Handle write_coordinate(hid_t parent, const std::string& name,
                        const std::vector<std::int64_t>& values, const Meta& meta) {
  Handle ds =
      write_fixed(parent, name, values, {values.size()}, H5T_STD_I64LE, H5T_NATIVE_INT64, meta);
  make_scale(ds.get(), name);
  return ds;
}

void write_variable(hid_t parent, const std::string& name, const std::vector<double>& values,
                    const std::vector<const Dimension*>& dims, const Meta& meta) {
  Handle ds = write_fixed(parent, name, values, shape_of(dims, values.size(), name), H5T_IEEE_F64LE,
                          H5T_NATIVE_DOUBLE, meta);
  attach(ds.get(), dims);
}

void write_variable(hid_t parent, const std::string& name, const std::vector<std::int64_t>& values,
                    const std::vector<const Dimension*>& dims, const Meta& meta) {
  Handle ds = write_fixed(parent, name, values, shape_of(dims, values.size(), name), H5T_STD_I64LE,
                          H5T_NATIVE_INT64, meta);
  attach(ds.get(), dims);
}

void write_strings(hid_t parent, const std::string& name, const std::vector<std::string>& values,
                   const Dimension& dim, const Meta& meta) {
  Handle type(check(H5Tcopy(H5T_C_S1), "string type"), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  std::vector<const char*> data;
  data.reserve(values.size());
  for (const auto& v : values) data.push_back(v.c_str());
  Handle ds = create_fixed(parent, name, type.get(), shape_of({&dim}, values.size(), name));
  if (!data.empty()) {
    // A conversion buffer sized for these strings (each converted element is an hvl_t, 16
    // bytes; room for two per string, at least 4 KiB), not HDF5's default 1 MiB: HDF5 zeroes
    // its background buffer at every write of variable-length strings, and a freed 1 MiB block
    // goes back to the system, so each such write touched 256 fresh pages (~630 of the ~4,400
    // page faults of a one-hour 10k run, measured with perf).
    Handle xfer(check(H5Pcreate(H5P_DATASET_XFER), "transfer properties"), H5Pclose);
    const std::size_t bytes = std::max<std::size_t>(4096, data.size() * 2 * sizeof(hvl_t));
    check(H5Pset_buffer(xfer.get(), bytes, nullptr, nullptr), "conversion buffer");
    check(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, xfer.get(), data.data()),
          "writing " + name);
  }
  set_attr(ds.get(), "long_name", meta.long_name);
  if (!meta.units.empty()) set_attr(ds.get(), "units", meta.units);
  attach(ds.get(), {&dim});
}

std::vector<std::string> read_strings(hid_t parent, const std::string& name) {
  Handle ds(check(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), "opening " + name), H5Dclose);
  Handle space(check(H5Dget_space(ds.get()), "space of " + name), H5Sclose);
  const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get()));
  Handle type(check(H5Tcopy(H5T_C_S1), "string type"), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  if (n == 0) return {};
  std::vector<char*> raw(n, nullptr);
  check(H5Dread(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()),
        "reading " + name);
  std::vector<std::string> out;
  out.reserve(n);
  for (const char* c : raw) out.emplace_back(c ? c : "");  // a null pointer is an empty string
  H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, raw.data());
  return out;
}

void write_bytes(hid_t parent, const std::string& name, const std::string& bytes,
                 const Meta& meta) {
  // The variable is its own dimension (`<name>`, the byte offset), as netCDF wants one per axis.
  Handle ds = create_fixed(parent, name, H5T_STD_U8LE, {bytes.size()});
  if (!bytes.empty())
    check(H5Dwrite(ds.get(), H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()),
          "writing " + name);
  describe(ds.get(), meta);
  make_scale(ds.get(), name);
}

std::string read_bytes(hid_t parent, const std::string& path) {
  Handle ds(check(H5Dopen2(parent, path.c_str(), H5P_DEFAULT), "opening " + path), H5Dclose);
  Handle space(check(H5Dget_space(ds.get()), "space of " + path), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  std::string out(static_cast<std::size_t>(std::max<hssize_t>(n, 0)), '\0');
  if (n > 0)
    check(H5Dread(ds.get(), H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()),
          "reading " + path);
  return out;
}

void set_attr(hid_t obj, const std::string& name, const std::string& value) {
  // Variable-length UTF-8: h5py, pandas and xarray read it as a str.
  Handle type(check(H5Tcopy(H5T_C_S1), "string type"), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  Handle space(check(H5Screate(H5S_SCALAR), "scalar space"), H5Sclose);
  if (H5Aexists(obj, name.c_str()) > 0) H5Adelete(obj, name.c_str());
  Handle attr(
      check(H5Acreate2(obj, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
            "attribute " + name),
      H5Aclose);
  const char* data = value.c_str();
  check(H5Awrite(attr.get(), type.get(), &data), "writing attribute " + name);
}

namespace {
template <class T>
void set_numeric_attr(hid_t obj, const std::string& name, hid_t type, T value) {
  Handle space(check(H5Screate(H5S_SCALAR), "scalar space"), H5Sclose);
  if (H5Aexists(obj, name.c_str()) > 0) H5Adelete(obj, name.c_str());
  Handle attr(check(H5Acreate2(obj, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                    "attribute " + name),
              H5Aclose);
  check(H5Awrite(attr.get(), type, &value), "writing attribute " + name);
}
}  // namespace

void set_attr(hid_t obj, const std::string& name, double value) {
  set_numeric_attr(obj, name, H5T_NATIVE_DOUBLE, value);
}

void set_attr(hid_t obj, const std::string& name, std::int64_t value) {
  set_numeric_attr(obj, name, H5T_NATIVE_INT64, value);
}

bool has_attr(hid_t obj, const std::string& name) {
  return H5Aexists(obj, name.c_str()) > 0;
}

std::string get_string_attr(hid_t obj, const std::string& name) {
  Handle attr(check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "opening attribute " + name),
              H5Aclose);
  Handle type(check(H5Aget_type(attr.get()), "attribute type"), H5Tclose);
  if (H5Tis_variable_str(type.get()) > 0) {
    char* value = nullptr;
    Handle mem(check(H5Tcopy(H5T_C_S1), "string type"), H5Tclose);
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));  // HDF5 does not convert character sets
    check(H5Aread(attr.get(), mem.get(), &value), "reading attribute " + name);
    std::string out = value ? value : "";
    H5free_memory(value);
    return out;
  }
  const std::size_t size = H5Tget_size(type.get());
  std::string out(size, '\0');
  check(H5Aread(attr.get(), type.get(), out.data()), "reading attribute " + name);
  while (!out.empty() && out.back() == '\0') out.pop_back();
  return out;
}

double get_double_attr(hid_t obj, const std::string& name) {
  Handle attr(check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "opening attribute " + name),
              H5Aclose);
  double value = 0;
  check(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &value), "reading attribute " + name);
  return value;
}

namespace {
void check_level(const Storage& storage, const std::string& where) {
  const bool isal = storage.deflater == Deflater::isal;
  const int top = isal ? ISAL_DEF_MAX_LEVEL : 9;
  if (storage.level < 0 || storage.level > top)
    throw Error("HDF5: deflate level " + std::to_string(storage.level) + where + " is not in 0.." +
                std::to_string(top) + (isal ? " (ISA-L)" : ""));
}
}  // namespace

namespace {

// One libdeflate compressor per level, per thread: a compressor holds its match finder's tables
// (hundreds of KiB), too costly to allocate per chunk, and may not be shared between threads.
class Compressors {
public:
  Compressors() = default;
  Compressors(const Compressors&) = delete;
  Compressors& operator=(const Compressors&) = delete;
  ~Compressors() {
    for (libdeflate_compressor* c : by_level_) libdeflate_free_compressor(c);
  }
  libdeflate_compressor& at(int level) {
    libdeflate_compressor*& c = by_level_.at(static_cast<std::size_t>(level));
    if (!c) c = libdeflate_alloc_compressor(level);
    if (!c)
      throw Error("HDF5: no memory for a deflate compressor at level " + std::to_string(level));
    return *c;
  }

private:
  std::array<libdeflate_compressor*, 10> by_level_{};  // levels 0–9
};

// ISA-L's stateless deflate, per thread: its stream state (80 KiB, the level-0 hash table in it)
// and, for levels 1–3, a buffer of their own (ISAL_DEF_LVLn_DEFAULT bytes: 276 KiB at level 1)
// are reused from one chunk to the next (each call initialises the state; the buffers need no
// clearing).
class IsalDeflater {
public:
  // `in` as one zlib stream into `out`, which has room for `capacity` bytes; its size, or 0
  // when it does not fit.
  std::size_t compress(const unsigned char* in, std::size_t size, int level, unsigned char* out,
                       std::size_t capacity) {
    static constexpr std::array<std::size_t, 4> buffer_size{
        ISAL_DEF_LVL0_DEFAULT, ISAL_DEF_LVL1_DEFAULT, ISAL_DEF_LVL2_DEFAULT, ISAL_DEF_LVL3_DEFAULT};
    if (!stream_) stream_ = std::make_unique<isal_zstream>();
    isal_zstream& s = *stream_;
    isal_deflate_stateless_init(&s);
    const auto l = static_cast<std::size_t>(level);
    if (level > 0) {
      levels_.at(l).resize(buffer_size.at(l));
      s.level_buf = levels_[l].data();
      s.level_buf_size = static_cast<std::uint32_t>(buffer_size[l]);
    }
    s.level = static_cast<std::uint32_t>(level);
    s.gzip_flag = IGZIP_ZLIB;  // RFC 1950's header and Adler-32, as zlib's deflate writes them
    s.end_of_stream = 1;
    s.flush = NO_FLUSH;
    s.next_in = const_cast<unsigned char*>(in);  // igzip reads it only
    s.avail_in = static_cast<std::uint32_t>(size);
    s.next_out = out;
    s.avail_out = static_cast<std::uint32_t>(capacity);
    return isal_deflate_stateless(&s) == COMP_OK ? s.total_out : 0;
  }
  // Room enough for any `size` bytes: ISA-L's stateless output is at most the input plus a
  // stored block's headers (igzip_lib.h), with the zlib header and Adler-32 around it.
  static std::size_t bound(std::size_t size) { return size + size / 64 + 1024; }

private:
  std::unique_ptr<isal_zstream> stream_;
  std::array<Bytes, 4> levels_;
};

// Per-thread scratch of encode_chunk, kept between chunks: the shuffled bytes and the compressed
// stream (its worst-case size), so a chunk allocates only its result.
struct EncodeScratch {
  Compressors compressors;
  IsalDeflater isal;
  Bytes shuffled;
  Bytes compressed;
};

EncodeScratch& scratch() {
  thread_local EncodeScratch s;
  return s;
}

}  // namespace

void shuffle_bytes(const unsigned char* raw, std::size_t size, std::size_t item_size,
                   unsigned char* out) {
  // H5Z_filter_shuffle: out[k n + i] = raw[i item_size + k], n values.
  const std::size_t n = size / item_size;
  std::size_t first = 0;  // the values done a block at a time
#if defined(__SSE2__)
  // A block of values is a byte matrix (value j: row j; byte k: column k) to transpose: each
  // plane's next bytes are a column. Interleaving the bytes of two registers (`punpcklbw`,
  // `punpckhbw`) halves the distance between a column's bytes; after log2 of the row count such
  // rounds a column's bytes lie side by side. Only the bytes' places change.
  // The 64 bytes at p after two such rounds on bytes: registers 0 and 1 interleaved, 2 and 3,
  // then the two results of each pair (what each holds depends on the value size: see below).
  const auto two_rounds = [](const unsigned char* p, __m128i(&u)[4]) {
    const auto load = [p](int at) {
      return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + at));
    };
    const __m128i x0 = load(0), x1 = load(16), x2 = load(32), x3 = load(48);
    const __m128i t0 = _mm_unpacklo_epi8(x0, x1), t1 = _mm_unpackhi_epi8(x0, x1);
    const __m128i t2 = _mm_unpacklo_epi8(x2, x3), t3 = _mm_unpackhi_epi8(x2, x3);
    u[0] = _mm_unpacklo_epi8(t0, t1);
    u[1] = _mm_unpackhi_epi8(t0, t1);
    u[2] = _mm_unpacklo_epi8(t2, t3);
    u[3] = _mm_unpackhi_epi8(t2, t3);
  };
  if (item_size == sizeof(std::uint64_t)) {
    // Eight values, two a register: three rounds, the last on 4-byte pieces, leave planes 2m
    // and 2m + 1 in register m's halves. 35 instructions for 64 bytes, against ~130 for the
    // masked swaps of eight words below (their spills included).
    for (; first + 8 <= n; first += 8) {
      // After the first round: values 0 and 2, 1 and 3, 4 and 6, 5 and 7, byte by byte; after
      // the second, bytes 0–3 of values 0–3 (four values each), bytes 4–7; the same of 4–7.
      __m128i u[4];
      two_rounds(raw + first * 8, u);
      const __m128i &u0 = u[0], &u1 = u[1], &u2 = u[2], &u3 = u[3];
      const __m128i planes[4] = {_mm_unpacklo_epi32(u0, u2), _mm_unpackhi_epi32(u0, u2),
                                 _mm_unpacklo_epi32(u1, u3), _mm_unpackhi_epi32(u1, u3)};
      for (std::size_t m = 0; m < 4; ++m) {
        _mm_storel_epi64(reinterpret_cast<__m128i*>(out + 2 * m * n + first), planes[m]);
        _mm_storeh_pd(reinterpret_cast<double*>(out + (2 * m + 1) * n + first),
                      _mm_castsi128_pd(planes[m]));
      }
    }
  }
  if (item_size == sizeof(float)) {
    // Sixteen values, four a register: three rounds on bytes leave bytes 0 and 1 of values 0–7
    // in one register, 2 and 3 in another (the same of 8–15), and a last on 8-byte halves joins
    // each plane's two halves. 36 instructions for 64 bytes, against 40 for the compiler's
    // vectorization of the loop below (masks, shifts and packs).
    for (; first + 16 <= n; first += 16) {
      // After the first round: values 0 and 4, 1 and 5; 2 and 6, 3 and 7; the same of 8–15.
      // After the second: values 0, 2, 4, 6 (u0) and 1, 3, 5, 7 (u1), byte by byte; the same
      // of 8–15.
      __m128i u[4];
      two_rounds(raw + first * 4, u);
      const __m128i &u0 = u[0], &u1 = u[1], &u2 = u[2], &u3 = u[3];
      // Bytes 0 and 1 of values 0–7 (v0), bytes 2 and 3 (v1); the same of 8–15.
      const __m128i v0 = _mm_unpacklo_epi8(u0, u1), v1 = _mm_unpackhi_epi8(u0, u1);
      const __m128i v2 = _mm_unpacklo_epi8(u2, u3), v3 = _mm_unpackhi_epi8(u2, u3);
      const auto store = [&](std::size_t k, __m128i plane) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + k * n + first), plane);
      };
      store(0, _mm_unpacklo_epi64(v0, v2));
      store(1, _mm_unpackhi_epi64(v0, v2));
      store(2, _mm_unpacklo_epi64(v1, v3));
      store(3, _mm_unpackhi_epi64(v1, v3));
    }
  }
#else
  if (item_size == sizeof(std::uint64_t)) {
    // Eight values are an 8 × 8 byte matrix (value j: row j, a little-endian word; byte k:
    // column k) whose transpose holds, in row k, byte k of each: plane k's next 8 bytes. The
    // transpose swaps the off-diagonal 4 × 4 blocks, then within each the 2 × 2 blocks, then
    // the single bytes: 3 rounds of masked swaps, against 64 byte loads and stores one by one.
    for (; first + 8 <= n; first += 8) {
      std::uint64_t w[8];
      std::memcpy(w, raw + first * 8, sizeof w);
      const auto swap = [&](int a, int b, int shift, std::uint64_t mask) {
        const std::uint64_t t = ((w[a] >> shift) ^ w[b]) & mask;
        w[a] ^= t << shift;
        w[b] ^= t;
      };
      for (int j = 0; j < 4; ++j) swap(j, j + 4, 32, 0x00000000FFFFFFFFull);
      for (const int j : {0, 1, 4, 5}) swap(j, j + 2, 16, 0x0000FFFF0000FFFFull);
      for (const int j : {0, 2, 4, 6}) swap(j, j + 1, 8, 0x00FF00FF00FF00FFull);
      for (std::size_t k = 0; k < 8; ++k) std::memcpy(out + k * n + first, &w[k], 8);
    }
  }
#endif
  if (item_size == sizeof(float)) {
    // Value by value, its four bytes to the four planes: the compiler vectorizes this order
    // (16 values per step, bytes sorted by pack instructions), not the plane-by-plane one below.
    for (std::size_t i = first; i < n; ++i) {
      out[i] = raw[4 * i];
      out[n + i] = raw[4 * i + 1];
      out[2 * n + i] = raw[4 * i + 2];
      out[3 * n + i] = raw[4 * i + 3];
    }
    return;
  }
  for (std::size_t k = 0; k < item_size; ++k)
    for (std::size_t i = first; i < n; ++i) out[k * n + i] = raw[i * item_size + k];
}

Bytes encode_chunk(const Bytes& raw, std::size_t item_size, const Storage& storage) {
  check_level(storage, "");
  EncodeScratch& s = scratch();
  const Bytes* in = &raw;
  if (storage.shuffle && item_size > 1) {
    s.shuffled.resize(raw.size());
    shuffle_bytes(raw.data(), raw.size(), item_size, s.shuffled.data());
    in = &s.shuffled;
  }
  // H5Z_filter_deflate's format: one zlib stream (RFC 1950: header, deflate, Adler-32) of the
  // whole chunk, which HDF5's filter inflates whoever compressed it. ISA-L or libdeflate, not
  // zlib, compresses it: the same format at a fraction of the CPU (docs/reliability.md), in
  // streams of their own, so the bytes depend on the library's version (and for ISA-L, on the
  // CPU and now and then on the run: Deflater).
  if (storage.deflater == Deflater::isal) {
    s.compressed.resize(IsalDeflater::bound(in->size()));
    const std::size_t size = s.isal.compress(in->data(), in->size(), storage.level,
                                             s.compressed.data(), s.compressed.size());
    if (size == 0) throw Error("HDF5: deflate of a chunk failed (ISA-L)");
    return Bytes(s.compressed.begin(), s.compressed.begin() + static_cast<std::ptrdiff_t>(size));
  }
  libdeflate_compressor& c = s.compressors.at(storage.level);
  s.compressed.resize(libdeflate_zlib_compress_bound(&c, in->size()));
  const std::size_t size = libdeflate_zlib_compress(&c, in->data(), in->size(), s.compressed.data(),
                                                    s.compressed.size());
  if (size == 0) throw Error("HDF5: deflate of a chunk failed (libdeflate)");
  return Bytes(s.compressed.begin(), s.compressed.begin() + static_cast<std::ptrdiff_t>(size));
}

RecentChunks::Key RecentChunks::key_of(const Bytes& raw, std::size_t item_size,
                                       const Storage& storage) {
  Key key{raw.size(), item_size, storage.level, storage.shuffle, storage.deflater, {}};
  const std::size_t words = raw.size() / sizeof(std::uint64_t);
  if (words == 0) return key;
  for (std::size_t i = 0; i < key.words.size(); ++i) {
    const std::size_t at = i * (words - 1) / (key.words.size() - 1);
    std::memcpy(&key.words[i], raw.data() + at * sizeof(std::uint64_t), sizeof(std::uint64_t));
  }
  return key;
}

const std::shared_future<Bytes>* RecentChunks::find(const Bytes& raw, std::size_t item_size,
                                                    const Storage& storage) {
  const Key key = key_of(raw, item_size, storage);
  for (Entry& e : entries_)
    if (e.key == key && *e.raw == raw) {
      e.used = ++clock_;
      return &e.chunk;
    }
  return nullptr;
}

void RecentChunks::add(std::shared_ptr<const Bytes> raw, std::size_t item_size,
                       const Storage& storage, std::shared_future<Bytes> chunk) {
  Entry entry{key_of(*raw, item_size, storage), std::move(raw), std::move(chunk), ++clock_};
  if (entries_.size() < capacity) {
    entries_.push_back(std::move(entry));
    return;
  }
  *std::min_element(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    return a.used < b.used;
  }) = std::move(entry);  // the least recently used
}

ChunkWorker::ChunkWorker(bool own_thread) {
  if (own_thread) thread_ = std::thread([this] { loop(); });
}

ChunkWorker::~ChunkWorker() {
  if (!thread_.joinable()) return;  // no thread: every task ran as it came
  {
    const std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

std::future<Bytes> ChunkWorker::submit(std::packaged_task<Bytes()> task) {
  std::future<Bytes> result = task.get_future();
  if (!thread_.joinable()) {
    task();  // an exception goes to the task's future, as on the thread
    return result;
  }
  {
    const std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
  return result;
}

std::optional<double> ChunkWorker::cpu_seconds() {
  if (!thread_.joinable()) return std::nullopt;
  // The thread's own CPU clock; `thread_` runs until the destructor joins it.
  clockid_t clock;
  timespec ts{};
  if (pthread_getcpuclockid(thread_.native_handle(), &clock) != 0 || clock_gettime(clock, &ts) != 0)
    throw Error("cannot read the CPU time of the chunk worker's thread");
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void ChunkWorker::loop() {
  for (;;) {
    std::packaged_task<Bytes()> task;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stopped, nothing left
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();  // an exception goes to the task's future
  }
}

std::unique_ptr<Series> Series::coordinate(hid_t parent, const std::string& name, const Meta& meta,
                                           ChunkWorker* worker, const Storage& storage) {
  auto s = std::make_unique<Series>(parent, name, meta, std::vector<const Dimension*>{}, 0, storage,
                                    worker);
  make_scale(s->id(), name);
  return s;
}

Series::Series(hid_t parent, const std::string& name, const Meta& meta,
               const std::vector<const Dimension*>& dims, std::size_t columns,
               const Storage& storage, ChunkWorker* worker)
    : item_size_(storage.precision == Precision::float32 ? sizeof(float) : sizeof(double)),
      name_(name),
      columns_(columns),
      width_(columns == 0 ? 1 : columns),
      storage_(storage),
      worker_(worker) {
  static_assert(std::endian::native == std::endian::little,
                "Series writes values in memory order as IEEE little-endian");
  check_level(storage, " for " + name);
  // 8192 values per chunk (64 KiB of float64) by default, at least 16 rows: good compression,
  // bounded buffer.
  chunk_columns_ =
      columns == 0 || storage.chunk_columns == 0 ? width_ : std::min(storage.chunk_columns, width_);
  chunk_rows_ = std::max<std::size_t>(16, storage.chunk_values / chunk_columns_);
  const int rank = columns == 0 ? 1 : 2;
  hsize_t start_dims[2] = {0, columns};
  hsize_t maxdims[2] = {H5S_UNLIMITED, columns};
  hsize_t chunk[2] = {chunk_rows_, chunk_columns_};
  Handle space(check(H5Screate_simple(rank, start_dims, maxdims), "dataspace " + name), H5Sclose);
  Handle props = untimed(H5P_DATASET_CREATE);
  check(H5Pset_chunk(props.get(), rank, chunk), "chunking " + name);
  if (storage.shuffle) check(H5Pset_shuffle(props.get()), "shuffle filter");
  check(H5Pset_deflate(props.get(), static_cast<unsigned>(storage.level)), "deflate filter");
  const hid_t type = storage.precision == Precision::float32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
  dataset_ = Handle(check(H5Dcreate2(parent, name.c_str(), type, space.get(), H5P_DEFAULT,
                                     props.get(), H5P_DEFAULT),
                          "creating dataset " + name),
                    H5Dclose);
  describe(dataset_.get(), meta);
  attach(dataset_.get(), dims);
  chunk_bytes_ = chunk_rows_ * chunk_columns_ * item_size_;
  chunks_.resize((width_ + chunk_columns_ - 1) / chunk_columns_);
  for (Bytes& chunk : chunks_) chunk.resize(chunk_bytes_);  // not zero-filled (Bytes)
  next_ = chunks_.front().data();
  same_as_left_.assign(chunks_.size(), 0);
  start_block();
}

namespace {

// A float32 row's values stored across its chunks: `count` chunks side by side, each holding
// `columns` of the row's `width` values at `offset` (the last may hold fewer: zeros after them).
struct Float32Row {
  Bytes* chunks;
  std::size_t count, offset, columns, width;
  unsigned char* at(std::size_t j) const { return chunks[j].data() + offset; }
  std::size_t values_in(std::size_t j) const { return std::min(columns, width - j * columns); }
};

// The exact test of a row as stored: false when one of its values is non-finite (exponent all
// ones). Read only when the sums below say a value may be.
bool stored_finite(const Float32Row& row) {
  std::uint32_t non_finite = 0;
  for (std::size_t j = 0; j < row.count; ++j) {
    const unsigned char* at = row.at(j);
    for (std::size_t k = 0, n = row.values_in(j); k < n; ++k) {
      std::uint32_t bits;
      std::memcpy(&bits, at + k * sizeof(float), sizeof bits);
      non_finite |= (bits & 0x7f800000u) == 0x7f800000u;
    }
  }
  return non_finite == 0;
}

// `n` values, every `stride`-th double from `values`, rounded to float32 at `at` (unaligned);
// nonzero when one of them is stored non-finite.
std::uint32_t store_float32_strided(unsigned char* at, const double* values, std::size_t n,
                                    std::size_t stride) {
  if (stride == 1) return store_float32(at, values, n);
  std::uint32_t non_finite = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto rounded = static_cast<float>(values[i * stride]);
    std::uint32_t bits;
    std::memcpy(&bits, &rounded, sizeof bits);
    non_finite |= (bits & 0x7f800000u) == 0x7f800000u;
    std::memcpy(at + i * sizeof(float), &rounded, sizeof(float));
  }
  return non_finite;
}

// The row's values (every `S`-th double: 1, or 2 for one member of an array of pairs) rounded
// to float32 in its chunks, as Series::store writes them; false when one of them is stored
// non-finite. With SSE2 eight values a step, four lanes at a time: each group of four floats is
// added to a running sum of its own (one `addps`), and the sums are tested once, at the end of
// the row (not of each chunk: 25 chunks a row at 3,136 racks). A lane's sum is finite when
// every value added to it is (unless finite values overflow it, near float32's edge), and
// non-finite once any is (inf and NaN stay inf or NaN under addition: inf + -inf is NaN). A
// non-finite sum is followed by the exact test of what was stored (stored_finite), so the
// answer is the per-value test's. `cvtpd2ps` rounds as the cast does (to nearest, the default
// rounding mode, which Joule never changes). The values past the last whole eight of a chunk
// are tested one by one (store_float32_strided).
template <std::size_t S>
bool store_float32_row(const Float32Row& row, const double* values) {
  std::uint32_t non_finite = 0;
#if defined(__SSE2__)
  __m128 sum[4] = {_mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps()};
  const Float32Row r = row;  // held in registers: the stores could alias `row`
  for (std::size_t j = 0, left = r.width; j < r.count;
       ++j, values += r.columns * S, left -= r.columns) {
    unsigned char* const at = r.at(j);
    const std::size_t n = std::min(r.columns, left);
    std::size_t i = 0;
    // Values k and k + 1, rounded (a pair's members: the first of two pairs, side by side).
    const auto two = [&](std::size_t k) {
      if constexpr (S == 1)
        return _mm_cvtpd_ps(_mm_loadu_pd(values + k));
      else
        return _mm_cvtpd_ps(_mm_loadh_pd(_mm_load_sd(values + k * S), values + (k + 1) * S));
    };
    // Eight values at k: rounded, stored, added to sums s and s + 1.
    const auto eight = [&](std::size_t k, int s) {
      const __m128 a = _mm_movelh_ps(two(k), two(k + 2));
      const __m128 b = _mm_movelh_ps(two(k + 4), two(k + 6));
      _mm_storeu_ps(reinterpret_cast<float*>(at + k * sizeof(float)), a);
      _mm_storeu_ps(reinterpret_cast<float*>(at + (k + 4) * sizeof(float)), b);
      sum[s] = _mm_add_ps(sum[s], a);
      sum[s + 1] = _mm_add_ps(sum[s + 1], b);
    };
    for (; i + 16 <= n; i += 16) {
      eight(i, 0);
      eight(i + 8, 2);
    }
    if (i + 8 <= n) {
      eight(i, 0);
      i += 8;
    }
    non_finite |= store_float32_strided(at + i * sizeof(float), values + i * S, n - i, S);
  }
  const __m128i all =
      _mm_castps_si128(_mm_add_ps(_mm_add_ps(sum[0], sum[1]), _mm_add_ps(sum[2], sum[3])));
  const __m128i exponent = _mm_set1_epi32(0x7f800000);
  if (_mm_movemask_epi8(_mm_cmpeq_epi32(_mm_and_si128(all, exponent), exponent)) != 0)
    return stored_finite(row);  // a non-finite value, or finite ones too large to add up
#else
  for (std::size_t j = 0; j < row.count; ++j, values += row.columns * S)
    non_finite |= store_float32_strided(row.at(j), values, row.values_in(j), S);
#endif
  return non_finite == 0;
}

#if JOULE_H5_AVX
// Four values at `values` (every `S`-th double) rounded by AVX: `vcvtpd2ps` reads four doubles
// from memory. Of pairs, the values are doubles 0, 2, 4 and 6: the fours at 0 and at 3 are
// rounded and one `shufps` gathers their members 0, 2 and 1, 3. The second four starts at 3,
// not 4, so that no double past the last value is read (at 4 it read one past the end of the
// pairs for the clock rows, which start at the first pair's second member: AddressSanitizer).
template <std::size_t S>
__attribute__((target("avx"))) inline __m128 round_four_avx(const double* values) {
  if constexpr (S == 1)
    return _mm256_cvtpd_ps(_mm256_loadu_pd(values));
  else
    return _mm_shuffle_ps(_mm256_cvtpd_ps(_mm256_loadu_pd(values)),
                          _mm256_cvtpd_ps(_mm256_loadu_pd(values + 3)), _MM_SHUFFLE(3, 1, 2, 0));
}

// Eight values at `values` rounded, as one register.
template <std::size_t S>
__attribute__((target("avx"))) inline __m256 round_eight_avx(const double* values) {
  return _mm256_insertf128_ps(_mm256_castps128_ps256(round_four_avx<S>(values)),
                              round_four_avx<S>(values + 4 * S), 1);
}

// store_float32_row() with AVX, where the CPU has it (most x86-64 CPUs since 2011; the build
// targets plain x86-64, so the choice is made at run time): `vcvtpd2ps` rounds four doubles read
// from memory in one instruction (to nearest, as `cvtpd2ps` and the cast do: the same bits), and
// an eight-lane `vaddps` adds eight to the sums. 15 instructions for sixteen values, the loop's
// own included, against 33 with SSE2. The same test and the same answer as the SSE2 version (no
// lambdas here: they would not take the function's target).
template <std::size_t S>
__attribute__((target("avx"))) bool store_float32_row_avx(const Float32Row& row,
                                                          const double* values) {
  std::uint32_t non_finite = 0;
  __m256 sum0 = _mm256_setzero_ps(), sum1 = _mm256_setzero_ps();
  const Float32Row r = row;  // held in registers: the stores could alias `row`
  for (std::size_t j = 0, left = r.width; j < r.count;
       ++j, values += r.columns * S, left -= r.columns) {
    float* const at = reinterpret_cast<float*>(r.at(j));
    const std::size_t n = std::min(r.columns, left);
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
      const __m256 a = round_eight_avx<S>(values + i * S);
      const __m256 b = round_eight_avx<S>(values + (i + 8) * S);
      _mm256_storeu_ps(at + i, a);
      _mm256_storeu_ps(at + i + 8, b);
      sum0 = _mm256_add_ps(sum0, a);
      sum1 = _mm256_add_ps(sum1, b);
    }
    if (i + 8 <= n) {
      const __m256 a = round_eight_avx<S>(values + i * S);
      _mm256_storeu_ps(at + i, a);
      sum0 = _mm256_add_ps(sum0, a);
      i += 8;
    }
    non_finite |=
        store_float32_strided(reinterpret_cast<unsigned char*>(at + i), values + i * S, n - i, S);
  }
  const __m256 sum = _mm256_add_ps(sum0, sum1);
  const __m128i all =
      _mm_castps_si128(_mm_add_ps(_mm256_castps256_ps128(sum), _mm256_extractf128_ps(sum, 1)));
  const __m128i exponent = _mm_set1_epi32(0x7f800000);
  if (_mm_movemask_epi8(_mm_cmpeq_epi32(_mm_and_si128(all, exponent), exponent)) != 0)
    return stored_finite(row);
  return non_finite == 0;
}

bool cpu_has_avx() {
  __builtin_cpu_init();  // may run before the constructor that would have called it
  return __builtin_cpu_supports("avx");
}
bool row_avx = cpu_has_avx();  // read a row (use_avx_rounding)
#endif

}  // namespace

bool use_avx_rounding(bool on) {
#if JOULE_H5_AVX
  row_avx = on && cpu_has_avx();
  return row_avx;
#else
  (void)on;
  return false;
#endif
}

bool Series::append_row(const double* values, std::size_t stride) {
  const std::size_t row_bytes = chunk_columns_ * item_size_;
  const std::size_t offset = buffered_rows_ * row_bytes;
  bool finite = true;
  if (item_size_ == sizeof(float)) {
    const Float32Row row{chunks_.data(), chunks_.size(), offset, chunk_columns_, width_};
    if (const std::size_t n = row.values_in(row.count - 1); n < chunk_columns_)
      // the edge chunk: zeros past the row's last column
      std::memset(row.at(row.count - 1) + n * sizeof(float), 0,
                  (chunk_columns_ - n) * sizeof(float));
    if (stride == 1 || stride == 2) {
#if JOULE_H5_AVX
      if (row_avx)
        finite = stride == 1 ? store_float32_row_avx<1>(row, values)
                             : store_float32_row_avx<2>(row, values);
      else
#endif
        finite =
            stride == 1 ? store_float32_row<1>(row, values) : store_float32_row<2>(row, values);
    } else {
      std::uint32_t non_finite = 0;
      for (std::size_t j = 0; j < row.count; ++j)
        non_finite |= store_float32_strided(row.at(j), values + j * chunk_columns_ * stride,
                                            row.values_in(j), stride);
      finite = non_finite == 0;
    }
  } else {
    for (std::size_t j = 0, first = 0; j < chunks_.size(); ++j, first += chunk_columns_) {
      unsigned char* row = chunks_[j].data() + offset;
      const std::size_t n = std::min(chunk_columns_, width_ - first);
      if (n < chunk_columns_)  // the edge chunk: zeros past the row's last column
        std::memset(row + n * item_size_, 0, row_bytes - n * item_size_);
      if (stride == 1) {
        finite &= store(row, values + first, n);
      } else {
        for (std::size_t k = 0; k < n; ++k) {
          const double value = values[(first + k) * stride];
          std::memcpy(row + k * sizeof(double), &value, sizeof value);
          finite &= std::isfinite(value);
        }
      }
    }
  }
  if (same_left_ > 0) note_repeats(offset);
  if (++buffered_rows_ == chunk_rows_) hand_off();
  return finite;
}

void Series::note_repeats(std::size_t offset) {
  const std::size_t row_bytes = chunk_columns_ * item_size_;
  for (std::size_t j = 1; j < chunks_.size(); ++j)
    if (same_as_left_[j] &&
        std::memcmp(chunks_[j].data() + offset, chunks_[j - 1].data() + offset, row_bytes) != 0) {
      same_as_left_[j] = 0;
      --same_left_;
    }
}

Bytes Series::take_spare() {
  if (spares_.empty()) return Bytes(chunk_bytes_);  // not zero-filled: every byte is written
  Bytes raw = std::move(spares_.back());
  spares_.pop_back();
  return raw;  // chunk_bytes_ long (keep_spare() keeps only those)
}

void Series::keep_spare(Bytes&& raw) {
  // As many as a block's chunks and one more: what one block in flight takes.
  if (raw.size() == chunk_bytes_ && spares_.size() <= width_ / chunk_columns_ + 1)
    spares_.push_back(std::move(raw));
}

void Series::encode(Bytes raw, Pending& block, Left left) {
  // Edge chunks are stored whole, as HDF5 stores them: the rows past the end are zeros.
  raw.resize(chunk_bytes_, 0);
  // Equal, row by row as they were stored, to the chunk to its left: that one's encoding (the
  // same bytes, whether it was encoded, reused or found). last_raw_ equals this chunk exactly
  // when it equals the left one: last_is_left_ stays.
  if (storage_.reuse_repeats && left == Left::same) {
    ++reused_;
    block.chunks.push_back(block.chunks.back());
    keep_spare(std::move(raw));
    return;
  }
  // A repeat of the last chunk's bytes: its encoding again (comparing costs ~1/30 of deflating).
  // Not compared when last_raw_ is the left chunk's bytes, which a row of this one differs from.
  if (storage_.reuse_repeats && last_raw_ && !(left == Left::differs && last_is_left_)) {
    ++compared_;
    if (*last_raw_ == raw) {
      ++reused_;
      block.chunks.push_back(last_chunk_);
      keep_spare(std::move(raw));
      last_is_left_ = true;
      return;
    }
  }
  // A repeat of another recent chunk (another series'): its encoding, likewise.
  if (storage_.reuse_repeats && worker_)
    if (const std::shared_future<Bytes>* chunk =
            worker_->recent().find(raw, item_size_, storage_)) {
      ++reused_;
      block.chunks.push_back(*chunk);
      keep_spare(std::move(raw));
      last_is_left_ = false;  // last_raw_ stays, maybe another chunk's bytes
      return;
    }
  auto shared = std::make_shared<Bytes>(std::move(raw));
  std::packaged_task<Bytes()> task([shared, item = item_size_, storage = storage_] {
    return encode_chunk(*shared, item, storage);
  });
  std::shared_future<Bytes> result;
  if (worker_) {
    result = worker_->submit(std::move(task)).share();
  } else {
    result = task.get_future().share();
    task();
  }
  block.chunks.push_back(result);
  block.raws.push_back(shared);
  if (storage_.reuse_repeats) {
    if (worker_) worker_->recent().add(shared, item_size_, storage_, result);
    last_raw_ = std::move(shared);
    last_chunk_ = std::move(result);
    last_is_left_ = true;
  }
}

Series::Pending Series::encode_block(std::size_t rows) {
  Pending block{rows_written_, rows, {}, {}};
  const std::size_t used = rows * chunk_columns_ * item_size_;
  for (std::size_t j = 0; j < chunks_.size(); ++j) {
    Bytes& chunk = chunks_[j];
    // Both chunks' rows past `rows` are zeros (a partial block's copies) or absent (a whole one).
    const Left left = j == 0 ? Left::unknown : same_as_left_[j] ? Left::same : Left::differs;
    if (rows == chunk_rows_) {
      // A whole block: each chunk goes as it is, and a spare takes its place for the next.
      encode(std::move(chunk), block, left);
      chunk = take_spare();
    } else {
      // Its rows so far (flush), copied into a spare with zeros after them: appending goes on
      // in the chunk. A spare, not a fresh copy: the block written just before left its chunks
      // there (a whole block of memory more at the end of every run otherwise).
      Bytes raw = take_spare();
      std::memcpy(raw.data(), chunk.data(), used);
      std::memset(raw.data() + used, 0, raw.size() - used);
      encode(std::move(raw), block, left);
    }
  }
  return block;
}

void Series::start_block() {
  // The next block's rows, none yet: every chunk equals its left one so far. With reuse off,
  // or one chunk a row, nothing to follow.
  if (storage_.reuse_repeats && chunks_.size() > 1) {
    std::fill(same_as_left_.begin() + 1, same_as_left_.end(), 1);
    same_left_ = chunks_.size() - 1;
  }
}

void Series::hand_off() {
  try {
    // The block before this one is written now, whichever thread encoded it (same bytes).
    write_pending();
    pending_ = encode_block(buffered_rows_);
  } catch (const std::exception& e) {
    fail(e);
  }
  rows_written_ += buffered_rows_;
  buffered_rows_ = 0;
  next_ = chunks_.front().data();
  start_block();
}

void Series::flush() {
  try {
    write_pending();
    if (buffered_rows_ > 0) {
      Pending partial = encode_block(buffered_rows_);
      write(partial);
    }
  } catch (const std::exception& e) {
    fail(e);
  }
}

void Series::write_pending() {
  if (!pending_) return;
  Pending chunk = std::move(*pending_);
  pending_.reset();
  write(chunk);
}

void Series::write(Pending& block) {
  const hsize_t end = block.first_row + block.rows;
  if (end > extent_) {
    hsize_t new_dims[2] = {end, columns_};
    check(H5Dset_extent(dataset_.get(), new_dims), "extending dataset");
    extent_ = end;
  }
  for (std::size_t j = 0; j < block.chunks.size(); ++j) {
    const Bytes& bytes = block.chunks[j].get();  // rethrows an encoding error
    hsize_t offset[2] = {block.first_row, j * chunk_columns_};
    check(H5Dwrite_chunk(dataset_.get(), H5P_DEFAULT, 0, offset, bytes.size(), bytes.data()),
          "writing rows");
  }
  // Every chunk written: a raw buffer no one else holds is a spare. Not the last chunk (kept
  // for reuse_repeats) nor a recent one (RecentChunks); and a chunk's task holds a copy as long
  // as a future of it lives (the futures share its state), so the block's go first. The
  // worker's release of its copy comes before the count read here as 1; the fence orders that
  // release before the next writes to the buffer.
  block.chunks.clear();
  for (std::shared_ptr<Bytes>& raw : block.raws)
    if (raw.use_count() == 1) {
      std::atomic_thread_fence(std::memory_order_acquire);
      keep_spare(std::move(*raw));
    }
  block.raws.clear();
}

void Series::fail(const std::exception& e) const {
  std::string path = name_;
  if (const ssize_t n = H5Iget_name(dataset_.get(), nullptr, 0); n > 0) {
    path.assign(static_cast<std::size_t>(n) + 1, '\0');
    H5Iget_name(dataset_.get(), path.data(), path.size());
    path.resize(static_cast<std::size_t>(n));
  }
  throw Error(std::string(e.what()) + " (" + path + " in " + file_name(dataset_.get()) + ")");
}

std::vector<double> read_doubles(hid_t parent, const std::string& path,
                                 std::vector<hsize_t>* dims_out) {
  Handle ds(check(H5Dopen2(parent, path.c_str(), H5P_DEFAULT), "opening " + path), H5Dclose);
  Handle space(check(H5Dget_space(ds.get()), "space of " + path), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  std::size_t n = 1;
  for (auto d : dims) n *= d;
  std::vector<double> out(n);
  if (n > 0)
    check(H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()),
          "reading " + path);
  if (dims_out) *dims_out = dims;
  return out;
}

}  // namespace joule::app::h5
