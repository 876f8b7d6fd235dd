// Operation rates: the contract between workloads, which say what a job makes an accelerator
// do, and the accelerator model, which turns that into power (P = P_static(T) + Σ_k e_k·r_k).
// Rates are per accelerator at the nominal clock: FLOP/s for compute classes, byte/s for
// memory and interconnect classes. The calibration file (kernels/) names the same classes.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace joule::models::compute {

enum class Op : std::size_t {
  tensor_fp64,
  tensor_tf32,
  tensor_bf16,
  tensor_fp16,
  tensor_fp8,
  tensor_int8,  // integer ops (OP/s): quantized inference
  tensor_fp4,
  vector_fp32,
  hbm,     // HBM/DRAM bytes
  l2,      // L2-cache bytes
  smem,    // shared-memory bytes
  nvlink,  // NVLink / ICI bytes sent
  pcie,    // PCIe / host bytes
  count
};

inline constexpr std::size_t op_count = static_cast<std::size_t>(Op::count);

// Key names used in calibration files and scenario overrides ("tensor_bf16", "hbm", ...).
constexpr std::array<std::string_view, op_count> op_names = {
    "tensor_fp64", "tensor_tf32", "tensor_bf16", "tensor_fp16", "tensor_fp8",
    "tensor_int8", "tensor_fp4",  "vector_fp32", "hbm",         "l2",
    "smem",        "nvlink",      "pcie"};

constexpr bool is_bytes(Op op) {
  return static_cast<std::size_t>(op) >= static_cast<std::size_t>(Op::hbm);
}

struct OpRates {
  std::array<double, op_count> per_s{};  // FLOP/s or byte/s, per accelerator
  // Share of the work's time, at the nominal clock, that is bound by the core clock (dense
  // GEMM kernels). The rest (memory-bound kernels, communication, I/O) runs at the speed of
  // HBM, links and storage and does not slow when a cap lowers the core clock. 1: all of it
  // follows the clock (a compute-bound load).
  double core_bound = 1.0;
  double& operator[](Op op) { return per_s[static_cast<std::size_t>(op)]; }
  double operator[](Op op) const { return per_s[static_cast<std::size_t>(op)]; }
  OpRates scaled(double k) const {
    OpRates out = *this;
    for (auto& r : out.per_s) r *= k;
    return out;
  }
};

}  // namespace joule::models::compute
