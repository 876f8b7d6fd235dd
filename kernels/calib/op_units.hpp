// The op classes of the accelerator power model P = P_static(T) + sum_k e_k * r_k
// (models/compute/accelerator.hpp). Each microkernel counts, exactly, how many operations of each class it issued; the fit
// turns window-average power and those op rates into e_k.
//
// Counting conventions (they define what e_k means, so the simulator must supply rates the same
// way):
//   tensor_*     FLOPs issued on tensor cores, 2*M*N*K per MMA instruction (multiply + add).
//   vector_fp32  FLOPs on the CUDA-core FP32 pipe, 2 per FMA, 1 per FADD/FMUL.
//   hbm          bytes moved between DRAM and the SMs (loads + stores that miss L2). e_hbm is the
//                full-path energy DRAM -> L2 -> SM, so L2 bytes that came from DRAM are NOT also
//                counted under l2.
//   l2           bytes served by L2 hits (L1 bypassed with ld.global.cg).
//   smem         bytes read + written in shared memory (ld.shared / st.shared).
//   nvlink       bytes sent + received over NVLink/P2P by this GPU.
// Integer and address arithmetic is not a modeled unit: its energy lands in the coefficients of
// the units that need it, which is what a workload-level model wants.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace joule::calib {

enum class OpUnit : std::size_t {
  tensor_bf16,
  tensor_fp16,
  tensor_fp8,
  tensor_tf32,
  tensor_fp64,
  vector_fp32,
  hbm,
  l2,
  smem,
  nvlink,
};

inline constexpr std::size_t kNumOpUnits = 10;

struct OpUnitInfo {
  OpUnit unit;
  std::string_view key;         // key under energy_per_op: in the calibration YAML and CSV
  std::string_view count_unit;  // "FLOP" or "B": the calibration YAML writes "pJ/<count_unit>"
};

inline constexpr std::array<OpUnitInfo, kNumOpUnits> kOpUnits{{
    {OpUnit::tensor_bf16, "tensor_bf16", "FLOP"},
    {OpUnit::tensor_fp16, "tensor_fp16", "FLOP"},
    {OpUnit::tensor_fp8, "tensor_fp8", "FLOP"},
    {OpUnit::tensor_tf32, "tensor_tf32", "FLOP"},
    {OpUnit::tensor_fp64, "tensor_fp64", "FLOP"},
    {OpUnit::vector_fp32, "vector_fp32", "FLOP"},
    {OpUnit::hbm, "hbm", "B"},
    {OpUnit::l2, "l2", "B"},
    {OpUnit::smem, "smem", "B"},
    {OpUnit::nvlink, "nvlink", "B"},
}};

constexpr std::size_t index_of(OpUnit u) { return static_cast<std::size_t>(u); }

// Per-unit operation counts (or rates, or coefficients): indexed by index_of(OpUnit).
using OpArray = std::array<double, kNumOpUnits>;

inline std::optional<OpUnit> op_unit_from_key(std::string_view key) {
  for (const auto& info : kOpUnits) {
    if (info.key == key) return info.unit;
  }
  return std::nullopt;
}

}  // namespace joule::calib
