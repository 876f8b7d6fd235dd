// One measurement window: a kernel run back-to-back for duration_s while NVML's cumulative
// energy counter is read at both ends. Window-average power is energy_j / duration_s and each
// op rate is ops / duration_s; these are the rows the fit regresses.
#pragma once

#include <cstdint>
#include <string>

#include "calib/op_units.hpp"

namespace joule::calib {

// Why a window was measured, which decides how the fit uses it.
//   fit:     a single-unit microkernel at the nominal clock -> regression row.
//   idle:    live context, nothing running -> static power (and leakage vs temperature).
//   heldout: a mixed kernel never used in the fit -> held-out error.
//   sweep:   reference kernel at a locked clock or power limit -> DVFS fit.
enum class Phase { fit, idle, heldout, sweep };

std::string_view phase_name(Phase p);
Phase phase_from_name(std::string_view name);  // throws std::invalid_argument

// NVML clock-event ("throttle") reason bits (nvml.h, nvmlClocksEventReason*).
inline constexpr std::uint64_t kReasonGpuIdle = 0x1;
inline constexpr std::uint64_t kReasonApplicationsClocks = 0x2;
inline constexpr std::uint64_t kReasonSwPowerCap = 0x4;
inline constexpr std::uint64_t kReasonHwSlowdown = 0x8;
inline constexpr std::uint64_t kReasonSyncBoost = 0x10;
inline constexpr std::uint64_t kReasonSwThermal = 0x20;
inline constexpr std::uint64_t kReasonHwThermal = 0x40;
inline constexpr std::uint64_t kReasonHwPowerBrake = 0x80;
// A window is flagged when any of these was seen during it: the clock was not the one the
// kernel asked for, so its power does not belong to the nominal-clock fit.
inline constexpr std::uint64_t kThrottleMask = kReasonSwPowerCap | kReasonHwSlowdown |
                                               kReasonSwThermal | kReasonHwThermal |
                                               kReasonHwPowerBrake;
inline constexpr std::uint64_t kThermalMask = kReasonSwThermal | kReasonHwThermal;

struct Window {
  std::string kernel;
  double intensity = 0.0;  // fraction of SMs busy (0 for idle)
  int repetition = 0;
  Phase phase = Phase::fit;
  double duration_s = 0.0;
  double energy_j = 0.0;
  OpArray ops{};  // op counts during the window, per OpUnit
  double sm_clock_mhz = 0.0;
  double mem_clock_mhz = 0.0;
  double temp_c = 0.0;
  double power_limit_w = 0.0;
  std::uint64_t throttle_reasons = 0;  // OR of the reasons sampled during the window
  bool flagged = false;
  double sweep_setting = 0.0;  // locked SM clock (MHz) or power limit (W) in a sweep, else 0

  double avg_power_w() const { return duration_s > 0 ? energy_j / duration_s : 0.0; }
  double rate(OpUnit u) const { return duration_s > 0 ? ops[index_of(u)] / duration_s : 0.0; }
};

inline bool is_throttled(std::uint64_t reasons) { return (reasons & kThrottleMask) != 0; }

}  // namespace joule::calib
