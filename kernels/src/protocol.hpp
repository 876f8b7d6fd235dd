// The measurement protocol (kernels/README.md):
//   - per (kernel, intensity) point: size one launch to ~20 ms, warm up until the die
//     temperature changes < 1 K over 10 s (or a time cap), then `repetitions` windows;
//   - a window: read NVML's cumulative energy counter, launch back to back (<= 3 in flight)
//     for window_s, synchronize, read the counter again; energy / wall time = average power.
//     NVML's power sensor on A100/H100 samples only ~25 % of the time, which is why windows
//     are >= 5 s (many sensor periods) and repeated;
//   - every 100 ms during a window: temperature, SM and memory clocks, and the clock-event
//     (throttle) reasons, OR-ed; power-cap/thermal reasons flag the window;
//   - idle (live context) windows first (cold) and last (hot): static power and leakage;
//   - optional DVFS sweep of locked clocks or power limits on tensor_bf16 (root only).
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "calib/nvml.hpp"
#include "calib/window.hpp"
#include "microkernel.hpp"

namespace joule::kernels {

enum class Sweep { none, clocks, power_limits };

struct ProtocolConfig {
  bool quick = false;
  double window_s = 5.0;
  int repetitions = 5;
  double warmup_min_s = 10.0;
  double warmup_max_s = 120.0;
  double stable_k = 1.0;  // max temperature change over stable_span_s to call it warm
  double stable_span_s = 10.0;
  double launch_ms = 20.0;  // target duration of one launch
  Sweep sweep = Sweep::none;
  std::vector<std::string> only;  // run only these kernels (idle always runs)
};

// Measures everything; calls on_window after each window (the CSV is written as it goes) and
// returns all windows. Stops early (returning what it has) when stop_requested() turns true.
std::vector<calib::Window> run_protocol(const calib::Nvml& nvml, calib::Nvml::Device nvml_dev,
                                        const DeviceInfo& dev, const ProtocolConfig& config,
                                        std::ostream& log,
                                        const std::function<void(const calib::Window&)>& on_window);

void request_stop();
bool stop_requested();

}  // namespace joule::kernels
