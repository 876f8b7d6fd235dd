// The in-run floor raised to hold a grid ramp limit on phase swings (`grid.ramp_limit` r, with
// `grid.ramp_floor`). A synchronous training job's power falls at once when its accelerators
// leave the compute phase (pipeline bubble, exposed gradient sync, optimizer, checkpoint) and
// rises at once when they come back. Job j, with G_j of the cluster's G accelerators on n_j
// nodes, may swing the facility by its share of the limit, r × 1 s × G_j / G; with m the
// facility's response to IT power (m = dF/dI, F as admission predicts it: cooling included, so
// conservative for the sub-second response, where the cooling plant does not follow), each of its
// nodes may fall by at most
//     d_j = r × 1 s × (G_j / G) / (m · n_j)
// below W_c, the node's wall power in the job's latest compute phase. In a non-compute phase with
// node wall power W < W_c − d_j, the busy accelerators are lifted to the lowest power A whose
// node wall power (host, fans and PSU following: compute::Node::evaluate_shared) is W_c − d_j,
// found by bisection; the lift adds (W_c − d_j − W) per node, and a floor or filler acting in
// the run too is applied first (the larger wins). It cannot hold the limit when A would be above
// the accelerator's cap (the job is counted: `cap`), when the node model is not the operation
// model (no floor acts: `model`), and it does not act on racks with a power limit (their rack
// model knows no floor), on job ends and failures (ramp_down.hpp holds those), nor on the rise
// at a job's start (admission staggers those).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

namespace joule::models::world {

struct RampFloorReport {
  std::size_t lifted_jobs = 0;  // jobs whose phase swings needed the floor
  std::size_t unmet_cap = 0;    // jobs whose needed floor was above their accelerator cap
  std::size_t unmet_model = 0;  // jobs with phase swings on a node model without a floor
};

struct RampFloorState {
  double limit_w_per_s = 0;
  std::unordered_map<std::uint32_t, double> compute_wall_w;  // W_c by job
  // The lifted accelerator power by (job, node wall power before, target): phases repeat.
  std::map<std::tuple<std::uint32_t, double, double>, double> solved_w;
  std::set<std::uint32_t> lifted, unmet_cap, unmet_model;
  RampFloorReport report() const { return {lifted.size(), unmet_cap.size(), unmet_model.size()}; }
};

}  // namespace joule::models::world
