// Ramp-down at job ends and failures under a grid ramp limit (`grid.ramp_limit` r, with
// `grid.ramp_down`): when a job ends or fails, its accelerators stop drawing at once and the
// facility power drops by ΔF = F(I) − F(I − ΔI) (ΔI the IT power gone, net of what starts in the
// same instant; F the facility power at an IT load, as admission predicts it). When ΔF > r × 1 s
// the accelerators keep burning a decaying filler load H(t), added to the IT load, so that the
// facility power falls at r:
//     H(t) = max(0, H(t0⁻) + ΔI − ρ (t − t0)),   ρ = r ΔI / ΔF   (IT watts per second)
// A hold still decaying when the next drop comes carries on from where it is, at the new rate.
// Its energy is the triangle ½ ΔI · ΔF / r (ΔI² / 2r when the facility adds nothing to IT).
// Power is piecewise constant in the engine: H is held in stairs of τ = 0.1 s, each at the mean
// of H over its stair, so the stairs' energy equals the triangle's exactly and every rise or fall
// of the trace within 1 s (a whole number of stairs) is at most r (10 stairs of ρ τ).
// The hold is one IT load at the facility (the released accelerators, or those that took them
// over, burning): the racks' thermal model does not see it, and its heat is counted on the air
// side.
// Sources of the measure: a GPU-level ramp-down rate with burn work when a workload stops,
// NVIDIA, "How new GB300 NVL72 features provide steady power for AI" (developer blog, 2025:
// power smoothing with set ramp-up and ramp-down rates); Choukse et al., "Power Stabilization
// for AI Training Datacenters", arXiv 2508.14318 (2025).
#pragma once

#include <algorithm>
#include <cstddef>

#include "models/world/power_floor.hpp"
#include "sim/simulator.hpp"

namespace joule::models::world {

struct RampDownReport {
  std::size_t events = 0;  // job ends and failures whose drop was held
  double energy_j = 0;     // wall energy of the filler (IT side) since the accounts started
};

class RampDown {
public:
  static constexpr double stair_s = 0.1;  // divides 1 s: a 1-s window spans whole stairs

  explicit RampDown(double limit_w_per_s) : limit_w_per_s_(limit_w_per_s) { held_.resize(1); }
  double limit_w_per_s() const { return limit_w_per_s_; }

  // H(t) of the linear decay (W).
  double linear_w(sim::Time t) const {
    return std::max(0.0, h0_w_ - rate_w_per_s_ * (t - t0_).seconds());
  }
  // The mean of H over [t, t + τ).
  double stair_w(sim::Time t) const {
    const double a = (t - t0_).seconds(), b = a + stair_s;
    const double end = rate_w_per_s_ > 0 ? h0_w_ / rate_w_per_s_ : 0.0;  // H reaches 0
    if (a >= end) return 0.0;
    const double hi = std::min(b, end);
    // ∫_a^hi (h0 − ρ s) ds / τ
    return (h0_w_ * (hi - a) - 0.5 * rate_w_per_s_ * (hi * hi - a * a)) / stair_s;
  }
  // A drop of `drop_it_w` of IT power that moves the facility by `drop_facility_w` at `now`:
  // true when it is held (a new decay starts now).
  bool drop(sim::Time now, double drop_it_w, double drop_facility_w) {
    if (!(drop_it_w > 0) || !(drop_facility_w > limit_w_per_s_ * 1.0)) return false;
    h0_w_ = linear_w(now) + drop_it_w;
    t0_ = now;
    rate_w_per_s_ = limit_w_per_s_ * drop_it_w / drop_facility_w;
    ++events_;
    return true;
  }
  // The stair power for [now, now + τ); sets it as the held power. Returns the change (W).
  double step(sim::Time now) {
    const double w = stair_w(now);
    const double change = w - held_.power_w();
    held_.set(0, now, w);
    return change;
  }
  double held_w() const { return held_.power_w(); }
  bool decaying(sim::Time now) const { return held_.power_w() > 0 || linear_w(now) > 0; }
  void reset(sim::Time now) { held_.reset(now); }
  RampDownReport report(sim::Time now) const { return {events_, held_.energy_j(now)}; }

  // Bookkeeping for the World (world_ramp.cpp): the IT power without the hold at the last
  // commit, whether a job ended or failed since, the pending stair event.
  double raw_it_w = -1;
  bool drop_pending = false;
  sim::EventId stair_event;

private:
  double limit_w_per_s_;
  double h0_w_ = 0, rate_w_per_s_ = 0;
  sim::Time t0_;
  LiftAccount held_;  // one entry: the held power and its energy
  std::size_t events_ = 0;
};

}  // namespace joule::models::world
