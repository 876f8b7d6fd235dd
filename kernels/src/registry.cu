// The kernel list, in measurement order. Plain data plus factories: --list-kernels prints it
// without touching a GPU.
#include "microkernel.hpp"

namespace joule::kernels {

const std::vector<KernelSpec>& all_kernels() {
  using calib::OpUnit;
  using calib::Phase;
  static const std::vector<double> kSmFractions{0.125, 0.25, 0.5, 1.0};
  static const std::vector<KernelSpec> kernels{
      {"idle",
       "nothing: live CUDA context, no kernel (static power)",
       Phase::idle,
       {0.0},
       0,
       false,
       nullptr},
      {"tensor_bf16", "tensor cores, BF16 wmma 16x16x16, FP32 accumulate", Phase::fit, kSmFractions,
       80, false, [] { return make_tensor_gemm(OpUnit::tensor_bf16); }},
      {"tensor_fp16", "tensor cores, FP16 wmma 16x16x16, FP32 accumulate", Phase::fit, kSmFractions,
       80, false, [] { return make_tensor_gemm(OpUnit::tensor_fp16); }},
      {"tensor_fp8", "tensor cores, FP8 e4m3 mma.sync m16n8k32, FP32 accumulate (sm_89+)",
       Phase::fit, kSmFractions, 89, false, [] { return make_tensor_gemm(OpUnit::tensor_fp8); }},
      {"tensor_tf32", "tensor cores, TF32 wmma 16x16x8, FP32 accumulate", Phase::fit, kSmFractions,
       80, false, [] { return make_tensor_gemm(OpUnit::tensor_tf32); }},
      {"tensor_fp64", "tensor cores, FP64 wmma 8x8x4 (DMMA)", Phase::fit, kSmFractions, 80, false,
       [] { return make_tensor_gemm(OpUnit::tensor_fp64); }},
      {"vector_fp32", "CUDA cores, FP32 FFMA, 8 chains per thread", Phase::fit, kSmFractions, 80,
       false, make_vector_fma},
      {"hbm_read", "HBM, streaming 16-byte loads (ld.global.cs) of a buffer >= 8 x L2", Phase::fit,
       kSmFractions, 80, false, make_hbm_read},
      {"hbm_write", "HBM, streaming 16-byte stores (st.global.cs) of a buffer >= 8 x L2",
       Phase::fit, kSmFractions, 80, false, make_hbm_write},
      {"l2_read", "L2, 16-byte loads (ld.global.cg) of an L2/4 resident buffer", Phase::fit,
       kSmFractions, 80, false, make_l2_read},
      {"smem", "shared memory, 4 x ld.shared.v4 + 1 x st.shared.v4, conflict-free", Phase::fit,
       kSmFractions, 80, false, make_shared_memory},
      {"p2p_copy",
       "NVLink/P2P, cudaMemcpyPeerAsync GPU0<->GPU1 (0.5 one way, 1.0 both)",
       Phase::fit,
       {0.5, 1.0},
       0,
       true,
       make_p2p_copy},
      {"gemm_stream_mix",
       "held out: 8 warps BF16 wmma + 8 warps HBM streaming per block",
       Phase::heldout,
       {0.5, 1.0},
       80,
       false,
       make_gemm_stream_mix},
  };
  return kernels;
}

}  // namespace joule::kernels
