// What the swing monitor records in one window: interval-average powers at a fixed resolution
// and, at the start of each interval, the state that explains them (the phase of the dominant
// training job, accelerator power, the facility's marginal response to IT power).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace joule::models::swing {

// Why the load changed during an interval (the dominant job: the running job with the most
// accelerators). Codes are stored in the file and the summary.
enum class Cause : std::uint8_t { none, phase, checkpoint, failure, job_start, job_end };
inline constexpr std::array<std::string_view, 6> cause_names = {
    "none", "phase", "checkpoint", "failure", "job_start", "job_end"};

inline constexpr std::size_t stage_count = 3;  // pdu, ups, transformer losses

struct Window {
  double start_s = 0;  // start of the first interval
  double dt_s = 0;     // resolution h
  // Interval averages, sample i covers (start + i h, start + (i+1) h].
  std::vector<double> it_w, facility_w, grid_w, cooling_w;
  std::array<std::vector<double>, stage_count> stage_w;
  std::vector<double> lift_w;  // wall power an in-run floor or filler added (in_run.hpp)
  // State at each sample instant t_0 … t_n (one more than the intervals): what holds from
  // then on.
  std::vector<double> it_now_w;     // IT power
  std::vector<double> chip_w;       // all accelerators of the cluster
  std::vector<std::int32_t> phase;  // workload::PhaseKind of the dominant job; -1: none running
  std::vector<double> job_share;    // the dominant job's share of the cluster's accelerators
  std::vector<Cause> cause;         // per interval: what changed during it
  std::size_t size() const { return it_w.size(); }
  double end_s() const { return start_s + dt_s * static_cast<double>(size()); }
};

}  // namespace joule::models::swing
