// Held-out mixed kernel (never used in the fit): in every block, 8 warps run the BF16 tensor
// loop of tensor_gemm.cu while 8 warps stream-read a buffer much larger than L2. Its power is
// predicted from the fitted e_tensor_bf16 and e_hbm and compared with the measurement: the
// held-out MAPE in the calibration file.
//
//   bf16 FLOPs per launch = blocks * 8 warps * iters * 8 MMAs * 2*16*16*16
//   hbm bytes per launch  = blocks * 256 threads * iters * kVecPerIter * 16 B
//
// The streaming warps read kVecPerIter 16-byte vectors per GEMM iteration (ld.global.cs), at
// grid-stride positions that wrap around the buffer; at ~64 FLOP per byte the mix sits below
// the H100 ridge point (~300 FLOP/B), so both units are busy for most of the launch.
#include <cuda_bf16.h>
#include <mma.h>

#include "device_util.cuh"

namespace joule::kernels {

namespace {

using namespace nvcuda;

constexpr int kGemmWarps = 8;
constexpr int kStreamWarps = 8;
constexpr int kThreads = (kGemmWarps + kStreamWarps) * 32;
constexpr int kVecPerIter = 1;

__global__ void __launch_bounds__(kThreads, 1)
    mix_kernel(std::uint64_t iters, std::uint32_t seed, const uint4* buf, std::size_t n_vec,
               float* sink) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  const int warp = threadIdx.x / 32;
  if (warp < kGemmWarps) {
    wmma::fragment<wmma::matrix_a, 16, 16, 16, __nv_bfloat16, wmma::row_major> a[2], an[2];
    wmma::fragment<wmma::matrix_b, 16, 16, 16, __nv_bfloat16, wmma::col_major> b[2];
    wmma::fragment<wmma::accumulator, 16, 16, 16, float> c[2][2];
#pragma unroll
    for (int x = 0; x < 2; ++x) {
#pragma unroll
      for (int i = 0; i < a[x].num_elements; ++i) {
        const float v = random_unit(seed, global_thread_id() * 8 + x, i);
        a[x].x[i] = __float2bfloat16(v);
        an[x].x[i] = __float2bfloat16(-v);
      }
#pragma unroll
      for (int i = 0; i < b[x].num_elements; ++i) {
        b[x].x[i] = __float2bfloat16(random_unit(seed, global_thread_id() * 8 + 4 + x, i));
      }
#pragma unroll
      for (int y = 0; y < 2; ++y) wmma::fill_fragment(c[x][y], 0.0f);
    }
    sink[global_thread_id()] = blocked_mma_loop(
        iters, a, an, b, c,
        [](auto& acc, const auto& fa, const auto& fb) { wmma::mma_sync(acc, fa, fb, acc); });
  } else {
    // Streaming half: thread g of S streaming threads reads g, g+S, g+2S, ... mod n_vec.
    const std::size_t streamers = static_cast<std::size_t>(gridDim.x) * kStreamWarps * 32;
    const std::size_t g =
        static_cast<std::size_t>(blockIdx.x) * kStreamWarps * 32 + (threadIdx.x - kGemmWarps * 32);
    std::size_t i = g;
    std::uint32_t acc = 0;
    for (std::uint64_t it = 0; it < iters * kVecPerIter; ++it) {
      uint4 v;
      asm volatile("ld.global.cs.v4.u32 {%0,%1,%2,%3}, [%4];"
                   : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                   : "l"(buf + i));
      acc ^= v.x ^ v.y ^ v.z ^ v.w;
      i += streamers;
      if (i >= n_vec) i -= n_vec;
    }
    sink[global_thread_id()] = static_cast<float>(acc);
  }
#else
  __trap();
#endif
}

class GemmStreamMix final : public Microkernel {
public:
  void setup(const DeviceInfo& dev, double intensity) override {
    blocks_ = active_sms(dev, intensity);
    smem_ = one_block_per_sm_smem(reinterpret_cast<const void*>(&mix_kernel), dev);
    std::size_t bytes = std::max<std::size_t>(8 * dev.l2_bytes, std::size_t{1} << 30);
    bytes = std::min(bytes, dev.free_bytes / 4);
    const std::size_t streamers = static_cast<std::size_t>(blocks_) * kStreamWarps * 32;
    n_vec_ = bytes / sizeof(uint4) / streamers * streamers;
    JOULE_CUDA(cudaMalloc(&buf_, n_vec_ * sizeof(uint4)));
    JOULE_CUDA(cudaMalloc(&sink_, sizeof(float) * blocks_ * kThreads));
    fill_random(reinterpret_cast<std::uint32_t*>(buf_), n_vec_ * 4, 0x313U);
    JOULE_CUDA(cudaDeviceSynchronize());
  }
  calib::OpArray launch(cudaStream_t stream, std::uint64_t work) override {
    mix_kernel<<<blocks_, kThreads, smem_, stream>>>(work, 0x77U, buf_, n_vec_, sink_);
    JOULE_CUDA(cudaGetLastError());
    calib::OpArray ops{};
    const double w = static_cast<double>(work);
    ops[calib::index_of(calib::OpUnit::tensor_bf16)] =
        static_cast<double>(blocks_) * kGemmWarps * w * 8.0 * (2.0 * 16 * 16 * 16);
    ops[calib::index_of(calib::OpUnit::hbm)] =
        static_cast<double>(blocks_) * kStreamWarps * 32 * w * kVecPerIter * 16.0;
    return ops;
  }
  void teardown() override {
    if (buf_) cudaFree(buf_);
    if (sink_) cudaFree(sink_);
    buf_ = nullptr;
    sink_ = nullptr;
  }

private:
  int blocks_ = 0;
  std::size_t smem_ = 0;
  uint4* buf_ = nullptr;
  std::size_t n_vec_ = 0;
  float* sink_ = nullptr;
};

}  // namespace

std::unique_ptr<Microkernel> make_gemm_stream_mix() {
  return std::make_unique<GemmStreamMix>();
}

}  // namespace joule::kernels
