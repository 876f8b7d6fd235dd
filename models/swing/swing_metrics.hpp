// Power-swing metrics of a uniformly sampled power trace, as grid operators and the 2025
// industry work on AI-training power stabilisation state them (docs/power-swings.md defines
// each with its source):
//
//   ramp up over τ      R⁺(τ) = max_i ( P[i+k] − P[i] ),  k = τ / h      (W within τ)
//   ramp down over τ    R⁻(τ) = max_i ( P[i] − P[i+k] )
//   dynamic range       D = max_i P[i] − min_i P[i]                        (per window)
//   spectral density    S(f), one-sided, Welch's method: Hann-windowed segments of L = 2^m
//                       samples, 50 % overlap, each de-meaned; S in W²/Hz so that
//                       Σ_{f>0} S(f)·Δf = the trace's variance (Parseval)
//   band share          B[f₁,f₂) = Σ_{f₁≤f<f₂} S(f)Δf / Σ_{f>0} S(f)Δf    (share of the
//                       fluctuation energy; bands above the Nyquist frequency are absent)
//   largest step        max_i |P[i] − P[i−1]| between consecutive samples
//
// h is the sampling interval; each sample is the average power over its interval (energy
// delta / h), so a step inside an interval shows as two partial steps. Sources: Choukse et
// al., "Power Stabilization for AI Training Datacenters", arXiv 2508.14318 (2025), §2: ramp
// rates (MW/s), dynamic power range, and spectral energy in the 0.1–20 Hz critical band;
// Welch, IEEE Trans. Audio Electroacoust. 15(2), 1967.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace joule::models::swing {

struct Ramp {
  double up_w = 0;    // largest rise within the lag
  double down_w = 0;  // largest fall within the lag (positive)
};
// Largest rise and fall over `lag` samples; nullopt when the trace is not longer than the lag.
std::optional<Ramp> max_ramp(std::span<const double> p, std::size_t lag);

double dynamic_range(std::span<const double> p);

struct Spectrum {
  double df_hz = 0;               // frequency resolution: 1 / (L h)
  std::vector<double> psd_w2_hz;  // S(k Δf), k = 0 … L/2
  std::size_t segments = 0;
  double frequency_hz(std::size_t k) const { return static_cast<double>(k) * df_hz; }
  // Share of the fluctuation energy (Σ over f > 0) in [lo, hi); nullopt above Nyquist or
  // when the trace does not fluctuate.
  std::optional<double> band_share(double lo_hz, double hi_hz) const;
  // Frequency of the largest S(f), f > 0 (NaN when flat).
  double peak_hz() const;
};
// Welch's estimate with segments of the largest power of two ≤ min(`segment` samples, n).
Spectrum welch_psd(std::span<const double> p, double dt_s, std::size_t segment);

struct Step {
  double size_w = 0;      // signed: P[i] − P[i−1]
  std::size_t index = 0;  // i
};
std::optional<Step> largest_step(std::span<const double> p);

// In-place radix-2 FFT of (re, im), n a power of two.
void fft(std::vector<double>& re, std::vector<double>& im);

}  // namespace joule::models::swing
