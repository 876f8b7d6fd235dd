// Tensor-core GEMM microkernels: BF16, FP16, TF32 and FP64 through CUDA's wmma API, FP8 (e4m3)
// through the mma.sync PTX instruction (sm_89+; wmma has no FP8). No cuBLAS, so the FLOPs are
// counted exactly from the loop: every warp runs `iters` iterations of 2 x 2 x 2 MMAs
// (2 A fragments x 2 B fragments x {A, -A}), each MMA worth 2*M*N*K FLOPs:
//
//   FLOPs per launch = blocks * warps_per_block * iters * 8 * 2*M*N*K
//
// Operands live in registers, filled from a hash so they are random (zeros draw less power),
// and stay there: this isolates the tensor datapath from shared-memory and L2 traffic, which
// have their own kernels. Each pair of MMAs accumulates A*B and then (-A)*B, so accumulators
// swing between ~0 and a random A*B instead of growing without bound or settling to a fixed
// point where no bits toggle. Four independent accumulators per warp keep the tensor pipe full.
//
// Caveat (README): on H100 the fastest tensor path is wgmma (sm_90a); mma.sync reaches roughly
// 60-70 % of peak. Energy per FLOP is what is fitted, and the rates are measured, so this
// shifts operating points rather than the method.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <mma.h>

#include "device_util.cuh"

namespace joule::kernels {

namespace {

using namespace nvcuda;

constexpr int kWarpsPerBlock = 16;

template <typename In, int M, int N, int K, typename Acc>
struct WmmaShape {
  using FragA = wmma::fragment<wmma::matrix_a, M, N, K, In, wmma::row_major>;
  using FragB = wmma::fragment<wmma::matrix_b, M, N, K, In, wmma::col_major>;
  using FragC = wmma::fragment<wmma::accumulator, M, N, K, Acc>;
  static constexpr double kFlopsPerMma = 2.0 * M * N * K;
};

template <typename Frag>
__device__ void fill_fragment_random(Frag& f, std::uint32_t seed, std::uint32_t salt, bool negate) {
#pragma unroll
  for (int i = 0; i < f.num_elements; ++i) {
    float v = random_unit(seed, global_thread_id() * 64 + salt, i);
    if (negate) v = -v;
    if constexpr (std::is_same_v<typename Frag::element_type, __nv_bfloat16>) {
      f.x[i] = __float2bfloat16(v);
    } else if constexpr (std::is_same_v<typename Frag::element_type, half>) {
      f.x[i] = __float2half(v);
    } else if constexpr (std::is_same_v<typename Frag::element_type, wmma::precision::tf32>) {
      f.x[i] = wmma::__float_to_tf32(v);
    } else {
      f.x[i] = v;
    }
  }
}

template <typename Shape>
__global__ void __launch_bounds__(kWarpsPerBlock * 32, 1)
    wmma_loop_kernel(std::uint64_t iters, std::uint32_t seed, float* sink) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  typename Shape::FragA a[2], an[2];
  typename Shape::FragB b[2];
  typename Shape::FragC c[2][2];
#pragma unroll
  for (int x = 0; x < 2; ++x) {
    fill_fragment_random(a[x], seed, x, false);
    fill_fragment_random(an[x], seed, x, true);
    fill_fragment_random(b[x], seed, 2 + x, false);
#pragma unroll
    for (int y = 0; y < 2; ++y) wmma::fill_fragment(c[x][y], 0);
  }
  const float s = blocked_mma_loop(
      iters, a, an, b, c,
      [](auto& acc, const auto& fa, const auto& fb) { wmma::mma_sync(acc, fa, fb, acc); });
  if (threadIdx.x % 32 == 0) sink[global_thread_id() / 32] = s;  // keeps the MMAs live
#else
  __trap();
#endif
}

// FP8 e4m3 x e4m3 -> f32, m16n8k32: A = 4 x b32 (16 fp8), B = 2 x b32, C/D = 4 x f32.
constexpr double kFp8FlopsPerMma = 2.0 * 16 * 8 * 32;

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 890
__device__ __forceinline__ void mma_fp8(float (&d)[4], const std::uint32_t (&a)[4],
                                        const std::uint32_t (&b)[2]) {
  asm volatile(
      "mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e4m3.f32 "
      "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}
#endif

__global__ void __launch_bounds__(kWarpsPerBlock * 32, 1)
    fp8_mma_loop_kernel(std::uint64_t iters, std::uint32_t seed, float* sink) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 890
  // Random e4m3 bytes with bit 6 (exponent MSB) cleared: magnitudes below 2, never NaN
  // (e4m3 NaN is S.1111.111). Negation flips each byte's sign bit.
  std::uint32_t a[2][4], an[2][4], b[2][2];
  const std::uint32_t t = global_thread_id();
  for (int x = 0; x < 2; ++x) {
    for (int r = 0; r < 4; ++r) {
      a[x][r] = hash32(seed ^ hash32(t * 16 + x * 4 + r)) & 0xBFBFBFBFU;
      an[x][r] = a[x][r] ^ 0x80808080U;
    }
    for (int r = 0; r < 2; ++r)
      b[x][r] = hash32(~seed ^ hash32(t * 16 + 8 + x * 2 + r)) & 0xBFBFBFBFU;
  }
  float c[2][2][4] = {};
  for (std::uint64_t i = 0; i < iters; ++i) {
#pragma unroll
    for (int x = 0; x < 2; ++x)
#pragma unroll
      for (int y = 0; y < 2; ++y) mma_fp8(c[x][y], a[x], b[y]);
#pragma unroll
    for (int x = 0; x < 2; ++x)
#pragma unroll
      for (int y = 0; y < 2; ++y) mma_fp8(c[x][y], an[x], b[y]);
  }
  float s = 0.0f;
  for (int x = 0; x < 2; ++x)
    for (int y = 0; y < 2; ++y)
      for (int e = 0; e < 4; ++e) s += c[x][y][e];
  if (threadIdx.x % 32 == 0) sink[t / 32] = s;
#else
  __trap();
#endif
}

using Bf16 = WmmaShape<__nv_bfloat16, 16, 16, 16, float>;
using Fp16 = WmmaShape<half, 16, 16, 16, float>;
using Tf32 = WmmaShape<wmma::precision::tf32, 16, 16, 8, float>;
using Fp64 = WmmaShape<double, 8, 8, 4, double>;

class TensorGemm final : public Microkernel {
public:
  explicit TensorGemm(calib::OpUnit unit) : unit_(unit) {
    switch (unit) {
      case calib::OpUnit::tensor_bf16:
        kernel_ = reinterpret_cast<const void*>(&wmma_loop_kernel<Bf16>);
        flops_per_mma_ = Bf16::kFlopsPerMma;
        break;
      case calib::OpUnit::tensor_fp16:
        kernel_ = reinterpret_cast<const void*>(&wmma_loop_kernel<Fp16>);
        flops_per_mma_ = Fp16::kFlopsPerMma;
        break;
      case calib::OpUnit::tensor_tf32:
        kernel_ = reinterpret_cast<const void*>(&wmma_loop_kernel<Tf32>);
        flops_per_mma_ = Tf32::kFlopsPerMma;
        break;
      case calib::OpUnit::tensor_fp64:
        kernel_ = reinterpret_cast<const void*>(&wmma_loop_kernel<Fp64>);
        flops_per_mma_ = Fp64::kFlopsPerMma;
        break;
      case calib::OpUnit::tensor_fp8:
        kernel_ = reinterpret_cast<const void*>(&fp8_mma_loop_kernel);
        flops_per_mma_ = kFp8FlopsPerMma;
        break;
      default:
        throw std::invalid_argument("TensorGemm: not a tensor unit");
    }
  }

  void setup(const DeviceInfo& dev, double intensity) override {
    blocks_ = active_sms(dev, intensity);
    smem_ = one_block_per_sm_smem(kernel_, dev);
    JOULE_CUDA(cudaMalloc(&sink_, sizeof(float) * blocks_ * kWarpsPerBlock));
    seed_ = hash32(static_cast<std::uint32_t>(calib::index_of(unit_)) + 17);
  }

  calib::OpArray launch(cudaStream_t stream, std::uint64_t work) override {
    void* args[] = {&work, &seed_, &sink_};
    JOULE_CUDA(
        cudaLaunchKernel(kernel_, dim3(blocks_), dim3(kWarpsPerBlock * 32), args, smem_, stream));
    calib::OpArray ops{};
    ops[calib::index_of(unit_)] = static_cast<double>(blocks_) * kWarpsPerBlock *
                                  static_cast<double>(work) * 8.0 * flops_per_mma_;
    return ops;
  }

  void teardown() override {
    if (sink_) cudaFree(sink_);
    sink_ = nullptr;
  }

private:
  calib::OpUnit unit_;
  const void* kernel_ = nullptr;
  double flops_per_mma_ = 0;
  int blocks_ = 0;
  std::size_t smem_ = 0;
  float* sink_ = nullptr;
  std::uint32_t seed_ = 0;
};

}  // namespace

std::unique_ptr<Microkernel> make_tensor_gemm(calib::OpUnit precision) {
  return std::make_unique<TensorGemm>(precision);
}

}  // namespace joule::kernels
