// The GPU power floor and burn filler acting inside the run (`apply: run`, the default): a
// world::PowerFloor the World applies to every job load it places, so that node, IT and
// facility power, energy, carbon and cost all carry the measure.
//
//   floor    every busy accelerator draws at least f · TDP                       (f: fraction)
//   filler   in a job's non-compute phases (pipeline bubble, gradient sync, optimizer; not
//            checkpoints or restarts) its busy accelerators draw at least b · A_c, A_c the
//            accelerator power of the job's latest compute phase                 (b: level)
//   both     the larger of the two
//
// Never above the accelerator's cap (a grid or policy cap wins). The lift adds wall power
// through the node model (host activity, fans, PSU loss: world_floor.cpp); its energy is
// World::power_floor_energy_j(). The clock is unchanged: the floor costs energy, not progress
// (a filler's step-time penalty is modelled on the windows only, `apply: window`).
// Sources: Choukse et al., "Power Stabilization for AI Training Datacenters", arXiv 2508.14318
// (2025); NVIDIA, "How new GB300 NVL72 features provide steady power for AI" (2025).
#pragma once

#include <cstdint>
#include <unordered_map>

#include "models/world/power_floor.hpp"

namespace joule::models::swing {

class InRunFloor final : public world::PowerFloor {
public:
  // `floor_fraction`, `filler_level`: 0 for off; `tdp_w` the accelerator's rating.
  InRunFloor(double floor_fraction, double filler_level, double tdp_w)
      : floor_w_(floor_fraction * tdp_w), filler_level_(filler_level) {}
  double floor_w(const world::Job& job, const compute::AcceleratorState& busy) const override;

private:
  double floor_w_ = 0;
  double filler_level_ = 0;
  // Each job's accelerator power in its latest compute phase (seen when it was placed).
  mutable std::unordered_map<std::uint32_t, double> compute_w_;
};

}  // namespace joule::models::swing
