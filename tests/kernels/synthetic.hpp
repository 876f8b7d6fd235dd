// Synthetic measurement windows for the calibration tests: power generated from known
// coefficients by the model itself, P = P_idle + sum_k e_k r_k (+ optional Gaussian noise).
#pragma once

#include <random>
#include <vector>

#include "calib/window.hpp"

namespace joule::calib::testing {

inline Window make_window(const std::string& kernel, double intensity, int rep, Phase phase,
                          double power_w, const OpArray& rates, double temp_c = 40.0,
                          double duration_s = 5.0) {
  Window w;
  w.kernel = kernel;
  w.intensity = intensity;
  w.repetition = rep;
  w.phase = phase;
  w.duration_s = duration_s;
  w.energy_j = power_w * duration_s;
  for (std::size_t k = 0; k < kNumOpUnits; ++k) w.ops[k] = rates[k] * duration_s;
  w.sm_clock_mhz = 1980;
  w.mem_clock_mhz = 2619;
  w.temp_c = temp_c;
  w.power_limit_w = 700;
  return w;
}

// True coefficients (pJ/op) used to generate data; tensor_fp8 is a true zero.
inline OpArray true_energy_pj() {
  OpArray e{};
  e[index_of(OpUnit::tensor_bf16)] = 0.9;
  e[index_of(OpUnit::tensor_fp16)] = 1.0;
  e[index_of(OpUnit::tensor_fp8)] = 0.0;
  e[index_of(OpUnit::tensor_tf32)] = 2.0;
  e[index_of(OpUnit::tensor_fp64)] = 15.0;
  e[index_of(OpUnit::vector_fp32)] = 4.0;
  e[index_of(OpUnit::hbm)] = 60.0;
  e[index_of(OpUnit::l2)] = 15.0;
  e[index_of(OpUnit::smem)] = 5.0;
  return e;
}

// Full-intensity rate (op/s) of each unit's microkernel, H100-like.
inline OpArray peak_rates() {
  OpArray r{};
  r[index_of(OpUnit::tensor_bf16)] = 600e12;
  r[index_of(OpUnit::tensor_fp16)] = 600e12;
  r[index_of(OpUnit::tensor_fp8)] = 1200e12;
  r[index_of(OpUnit::tensor_tf32)] = 300e12;
  r[index_of(OpUnit::tensor_fp64)] = 50e12;
  r[index_of(OpUnit::vector_fp32)] = 50e12;
  r[index_of(OpUnit::hbm)] = 3.0e12;
  r[index_of(OpUnit::l2)] = 8.0e12;
  r[index_of(OpUnit::smem)] = 30e12;
  return r;
}

// idle_w at 40 degC; each unit's kernel at 4 intensities x reps; the smem kernel also issues
// a little FP32 (as the real one would if it added), so not every row is single-unit.
inline std::vector<Window> synthetic_windows(double idle_w, double noise_rel, unsigned seed,
                                             int reps = 5) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0.0, noise_rel);
  const OpArray e = true_energy_pj();
  const OpArray peak = peak_rates();
  std::vector<Window> out;
  for (int r = 0; r < reps; ++r) {
    OpArray zero{};
    out.push_back(make_window("idle", 0, r, Phase::idle, idle_w * (1 + noise(rng)), zero));
  }
  for (const auto& info : kOpUnits) {
    const std::size_t k = index_of(info.unit);
    if (peak[k] == 0.0) continue;
    for (double intensity : {0.125, 0.25, 0.5, 1.0}) {
      for (int r = 0; r < reps; ++r) {
        OpArray rates{};
        rates[k] = peak[k] * intensity;
        if (info.unit == OpUnit::smem) rates[index_of(OpUnit::vector_fp32)] = 0.1 * rates[k];
        double p = idle_w;
        for (std::size_t j = 0; j < kNumOpUnits; ++j) p += e[j] * rates[j] * 1e-12;
        out.push_back(make_window(std::string(info.key), intensity, r, Phase::fit,
                                  p * (1 + noise(rng)), rates));
      }
    }
  }
  return out;
}

}  // namespace joule::calib::testing
