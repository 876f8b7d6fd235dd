// Memory-hierarchy streaming microkernels.
//
//   hbm_read   reads a buffer much larger than L2 (>= 8 x L2 and >= 1 GiB) with
//              ld.global.cs.v4 (streaming, evict-first): every byte comes from DRAM.
//   hbm_write  writes such a buffer with st.global.cs.v4, full 128-byte lines, so there is no
//              read-for-ownership: DRAM traffic = bytes stored. Stored values are random
//              registers XOR the pass number, so the written data changes every pass.
//   l2_read    reads a buffer of L2/4 (resident even where L2 halves duplicate lines) with
//              ld.global.cg (L2 only, L1 bypassed): bytes are L2 hits. The first pass after
//              setup misses once; the warm-up absorbs that.
//
// Buffers are sized to a multiple of the grid's thread count x 4, and each pass has every
// thread touch 4 x 16 B per step in a grid-stride loop, so each pass reads/writes every element
// exactly once: bytes per launch = passes * buffer_bytes, exactly. The loads and stores are
// inline PTX (asm volatile) so the compiler cannot merge or drop repeated passes.
#include "device_util.cuh"

namespace joule::kernels {

namespace {

constexpr int kThreads = 1024;
constexpr int kUnroll = 4;

enum class Mode { hbm_read, hbm_write, l2_read };

__device__ __forceinline__ uint4 load_cs(const uint4* p) {
  uint4 v;
  asm volatile("ld.global.cs.v4.u32 {%0,%1,%2,%3}, [%4];"
               : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
               : "l"(p));
  return v;
}

__device__ __forceinline__ uint4 load_cg(const uint4* p) {
  uint4 v;
  asm volatile("ld.global.cg.v4.u32 {%0,%1,%2,%3}, [%4];"
               : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
               : "l"(p));
  return v;
}

__device__ __forceinline__ void store_cs(uint4* p, uint4 v) {
  asm volatile("st.global.cs.v4.u32 [%0], {%1,%2,%3,%4};" ::"l"(p), "r"(v.x), "r"(v.y), "r"(v.z),
               "r"(v.w)
               : "memory");
}

template <Mode kMode>
__global__ void __launch_bounds__(kThreads, 1)
    stream_kernel(uint4* buf, std::size_t n_vec, std::uint64_t passes, std::uint32_t* sink) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  const std::uint32_t t = global_thread_id();
  uint4 acc = make_uint4(hash32(t), hash32(t + 1), hash32(t + 2), hash32(t + 3));
  for (std::uint64_t p = 0; p < passes; ++p) {
    for (std::size_t i = t; i < n_vec; i += stride * kUnroll) {
      if constexpr (kMode == Mode::hbm_write) {
        const std::uint32_t k = static_cast<std::uint32_t>(p) * 0x9e3779b9U;
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) {
          store_cs(buf + i + u * stride, make_uint4(acc.x ^ k, acc.y ^ k, acc.z + k, acc.w - k));
        }
      } else {
        uint4 v[kUnroll];
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) {
          v[u] = kMode == Mode::l2_read ? load_cg(buf + i + u * stride)
                                        : load_cs(buf + i + u * stride);
        }
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) {
          acc.x ^= v[u].x;
          acc.y ^= v[u].y;
          acc.z ^= v[u].z;
          acc.w ^= v[u].w;
        }
      }
    }
  }
  sink[t] = acc.x ^ acc.y ^ acc.z ^ acc.w;
}

__global__ void fill_random_kernel(std::uint32_t* buf, std::size_t words, std::uint32_t seed) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = global_thread_id(); i < words; i += stride) {
    buf[i] =
        hash32(seed ^ hash32(static_cast<std::uint32_t>(i)) ^ static_cast<std::uint32_t>(i >> 32));
  }
}

class MemoryStream final : public Microkernel {
 public:
  explicit MemoryStream(Mode mode) : mode_(mode) {}

  void setup(const DeviceInfo& dev, double intensity) override {
    blocks_ = active_sms(dev, intensity);
    const void* k =
        mode_ == Mode::hbm_read    ? reinterpret_cast<const void*>(&stream_kernel<Mode::hbm_read>)
        : mode_ == Mode::hbm_write ? reinterpret_cast<const void*>(&stream_kernel<Mode::hbm_write>)
                                   : reinterpret_cast<const void*>(&stream_kernel<Mode::l2_read>);
    kernel_ = k;
    smem_ = one_block_per_sm_smem(kernel_, dev);
    std::size_t bytes;
    if (mode_ == Mode::l2_read) {
      bytes = dev.l2_bytes / 4;
    } else {
      bytes = std::max<std::size_t>(8 * dev.l2_bytes, std::size_t{1} << 30);
      bytes = std::min(bytes, dev.free_bytes / 4);
    }
    // Whole number of grid-stride steps: each pass touches every element exactly once.
    const std::size_t quantum = static_cast<std::size_t>(blocks_) * kThreads * kUnroll;
    n_vec_ = bytes / sizeof(uint4) / quantum * quantum;
    if (n_vec_ == 0) throw std::runtime_error("memory stream: buffer smaller than one grid step");
    JOULE_CUDA(cudaMalloc(&buf_, n_vec_ * sizeof(uint4)));
    JOULE_CUDA(cudaMalloc(&sink_, sizeof(std::uint32_t) * blocks_ * kThreads));
    fill_random(reinterpret_cast<std::uint32_t*>(buf_), n_vec_ * 4, 0xb0f0U);
    JOULE_CUDA(cudaDeviceSynchronize());
  }

  calib::OpArray launch(cudaStream_t stream, std::uint64_t work) override {
    void* args[] = {&buf_, &n_vec_, &work, &sink_};
    JOULE_CUDA(cudaLaunchKernel(kernel_, dim3(blocks_), dim3(kThreads), args, smem_, stream));
    calib::OpArray ops{};
    const calib::OpUnit unit = mode_ == Mode::l2_read ? calib::OpUnit::l2 : calib::OpUnit::hbm;
    ops[calib::index_of(unit)] = static_cast<double>(work) * static_cast<double>(n_vec_) * 16.0;
    return ops;
  }

  void teardown() override {
    if (buf_) cudaFree(buf_);
    if (sink_) cudaFree(sink_);
    buf_ = nullptr;
    sink_ = nullptr;
  }

 private:
  Mode mode_;
  const void* kernel_ = nullptr;
  int blocks_ = 0;
  std::size_t smem_ = 0;
  uint4* buf_ = nullptr;
  std::size_t n_vec_ = 0;
  std::uint32_t* sink_ = nullptr;
};

}  // namespace

void fill_random(std::uint32_t* buf, std::size_t words, std::uint32_t seed, cudaStream_t s) {
  fill_random_kernel<<<1024, 256, 0, s>>>(buf, words, seed);
  JOULE_CUDA(cudaGetLastError());
}

std::unique_ptr<Microkernel> make_hbm_read() {
  return std::make_unique<MemoryStream>(Mode::hbm_read);
}
std::unique_ptr<Microkernel> make_hbm_write() {
  return std::make_unique<MemoryStream>(Mode::hbm_write);
}
std::unique_ptr<Microkernel> make_l2_read() {
  return std::make_unique<MemoryStream>(Mode::l2_read);
}

}  // namespace joule::kernels
