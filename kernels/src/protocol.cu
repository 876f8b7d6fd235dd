// Measurement protocol; the method is described in protocol.hpp.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <deque>
#include <ostream>
#include <thread>

#include "device_util.cuh"
#include "protocol.hpp"

namespace joule::kernels {

namespace {

using Clock = std::chrono::steady_clock;
using calib::Phase;
using calib::Window;

std::atomic<bool> g_stop{false};

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

class Runner {
 public:
  Runner(const calib::Nvml& nvml, calib::Nvml::Device nd, const DeviceInfo& dev,
         const ProtocolConfig& cfg, std::ostream& log,
         const std::function<void(const Window&)>& on_window)
      : nvml_(nvml), nd_(nd), dev_(dev), cfg_(cfg), log_(log), on_window_(on_window) {
    JOULE_CUDA(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    for (auto& e : events_) JOULE_CUDA(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
  }
  ~Runner() {
    for (auto& e : events_) cudaEventDestroy(e);
    cudaStreamDestroy(stream_);
  }

  // Launch size giving ~launch_ms per launch, from timed trial launches.
  std::uint64_t size_work(Microkernel& k) {
    cudaEvent_t a, b;
    JOULE_CUDA(cudaEventCreate(&a));
    JOULE_CUDA(cudaEventCreate(&b));
    std::uint64_t work = 16;
    float ms = 0.0f;
    for (int tries = 0; tries < 20; ++tries) {
      k.launch(stream_, work);  // untimed: first-launch overheads
      JOULE_CUDA(cudaEventRecord(a, stream_));
      k.launch(stream_, work);
      JOULE_CUDA(cudaEventRecord(b, stream_));
      JOULE_CUDA(cudaEventSynchronize(b));
      JOULE_CUDA(cudaEventElapsedTime(&ms, a, b));
      if (ms >= 2.0f) break;
      work *= 8;
    }
    cudaEventDestroy(a);
    cudaEventDestroy(b);
    const double scaled = static_cast<double>(work) * cfg_.launch_ms / std::max(ms, 1e-3f);
    return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(scaled));
  }

  void warm_up(Microkernel& k, std::uint64_t work, const std::string& label) {
    const auto t0 = Clock::now();
    const double min_s = cfg_.quick ? 1.0 : cfg_.warmup_min_s;
    const double max_s = cfg_.quick ? 1.0 : cfg_.warmup_max_s;
    std::deque<std::pair<double, double>> temps;  // (t, degC), one per second
    double last = -1.0;
    while (!g_stop) {
      run_for(k, work, 0.25);
      const double t = seconds_since(t0);
      if (t - last >= 1.0) {
        temps.emplace_back(t, nvml_.temperature_c(nd_));
        last = t;
        while (temps.size() > 1 && t - temps.front().first > cfg_.stable_span_s) temps.pop_front();
      }
      if (t >= max_s) {
        if (!cfg_.quick) log_ << "  warm-up of " << label << " hit the " << max_s << " s cap\n";
        break;
      }
      if (t >= min_s && t - temps.front().first >= cfg_.stable_span_s - 1.0 &&
          std::abs(temps.back().second - temps.front().second) <= cfg_.stable_k) {
        break;
      }
    }
    log_ << "  warm-up " << label << ": " << seconds_since(t0) << " s, " << nvml_.temperature_c(nd_)
         << " degC\n";
  }

  // Launch back to back for `seconds` (at most 3 launches in flight); returns ops.
  calib::OpArray run_for(Microkernel& k, std::uint64_t work, double seconds,
                         const std::function<void()>& sample = {}) {
    calib::OpArray ops{};
    const auto t0 = Clock::now();
    std::size_t issued = 0;
    while (seconds_since(t0) < seconds && !g_stop) {
      const calib::OpArray o = k.launch(stream_, work);
      for (std::size_t i = 0; i < calib::kNumOpUnits; ++i) ops[i] += o[i];
      JOULE_CUDA(cudaEventRecord(events_[issued % kRing], stream_));
      ++issued;
      if (issued >= 3) JOULE_CUDA(cudaEventSynchronize(events_[(issued - 3) % kRing]));
      if (sample) sample();
    }
    JOULE_CUDA(cudaStreamSynchronize(stream_));
    return ops;
  }

  Window measure(Microkernel* k, std::uint64_t work, const std::string& name, double intensity,
                 int rep, Phase phase, double sweep_setting) {
    Window w;
    w.kernel = name;
    w.intensity = intensity;
    w.repetition = rep;
    w.phase = phase;
    w.sweep_setting = sweep_setting;
    double temp_sum = 0, sm_sum = 0, mem_sum = 0;
    int n = 0;
    auto last_sample = Clock::now() - std::chrono::seconds(1);
    auto sample = [&] {
      if (seconds_since(last_sample) < 0.1) return;
      last_sample = Clock::now();
      temp_sum += nvml_.temperature_c(nd_);
      sm_sum += nvml_.clock_mhz(nd_, calib::NvmlClock::sm);
      mem_sum += nvml_.clock_mhz(nd_, calib::NvmlClock::mem);
      w.throttle_reasons |= nvml_.clock_event_reasons(nd_);
      ++n;
    };
    JOULE_CUDA(cudaStreamSynchronize(stream_));
    w.power_limit_w = nvml_.power_limit_w(nd_);
    const double e0 = nvml_.total_energy_j(nd_);
    const auto t0 = Clock::now();
    if (k) {
      w.ops = run_for(*k, work, cfg_.window_s, sample);
    } else {
      while (seconds_since(t0) < cfg_.window_s && !g_stop) {
        sample();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    const double e1 = nvml_.total_energy_j(nd_);
    w.duration_s = seconds_since(t0);
    w.energy_j = e1 - e0;
    sample();
    if (n == 0) n = 1;
    w.temp_c = temp_sum / n;
    w.sm_clock_mhz = sm_sum / n;
    w.mem_clock_mhz = mem_sum / n;
    w.flagged = calib::is_throttled(w.throttle_reasons);
    char line[256];
    std::snprintf(
        line, sizeof line,
        "  %-16s i=%.3f rep=%d %6.2f s %8.1f W %5.1f degC sm %4.0f MHz reasons 0x%llx%s\n",
        name.c_str(), intensity, rep, w.duration_s, w.avg_power_w(), w.temp_c, w.sm_clock_mhz,
        static_cast<unsigned long long>(w.throttle_reasons), w.flagged ? " FLAGGED" : "");
    log_ << line;
    log_.flush();
    if (!g_stop) on_window_(w);
    return w;
  }

  void run_point(const KernelSpec& spec, double intensity, Phase phase, int reps,
                 double sweep_setting, std::vector<Window>& out) {
    std::unique_ptr<Microkernel> k = spec.make();
    try {
      k->setup(dev_, intensity);
      const std::uint64_t work = size_work(*k);
      warm_up(*k, work, spec.name);
      for (int r = 0; r < reps && !g_stop; ++r) {
        Window w = measure(k.get(), work, spec.name, intensity, r, phase, sweep_setting);
        if (!g_stop) out.push_back(w);
      }
    } catch (const std::exception& e) {
      log_ << "  " << spec.name << " at intensity " << intensity << " failed: " << e.what()
           << "; skipped\n";
    }
    k->teardown();
    cudaGetLastError();
  }

  void idle(int first_rep, std::vector<Window>& out) {
    for (int r = 0; r < cfg_.repetitions && !g_stop; ++r) {
      Window w = measure(nullptr, 0, "idle", 0.0, first_rep + r, Phase::idle, 0.0);
      if (!g_stop) out.push_back(w);
    }
  }

  void sweep(std::vector<Window>& out) {
    const KernelSpec* ref = nullptr;
    for (const auto& s : all_kernels()) {
      if (s.name == "tensor_bf16") ref = &s;
    }
    const int reps = std::min(cfg_.repetitions, 3);
    if (cfg_.sweep == Sweep::clocks) {
      const unsigned fmax = nvml_.max_clock_mhz(nd_, calib::NvmlClock::sm);
      for (double frac : {1.0, 0.9, 0.8, 0.7, 0.6, 0.5}) {
        if (g_stop) break;
        const auto f = static_cast<unsigned>(frac * fmax);
        const int rc = nvml_.set_locked_clocks_mhz(nd_, f, f);
        if (rc != calib::kNvmlSuccess) {
          log_ << "clock sweep skipped: nvmlDeviceSetGpuLockedClocks: " << nvml_.error_string(rc)
               << (rc == calib::kNvmlErrorNoPermission ? " (needs root)" : "") << "\n";
          break;
        }
        log_ << "sweep: SM clock locked at " << f << " MHz\n";
        run_point(*ref, 1.0, Phase::sweep, reps, f, out);
      }
      nvml_.reset_locked_clocks(nd_);
    } else if (cfg_.sweep == Sweep::power_limits) {
      double lo = 0, hi = 0;
      try {
        nvml_.power_limit_constraints_w(nd_, lo, hi);
      } catch (const calib::NvmlError& e) {
        log_ << "power-limit sweep skipped: " << e.what() << "\n";
        return;
      }
      const double original = nvml_.power_limit_w(nd_);
      for (int i = 0; i < 5 && !g_stop; ++i) {
        const double limit = hi - (hi - lo) * i / 4.0;
        const int rc = nvml_.set_power_limit_w(nd_, limit);
        if (rc != calib::kNvmlSuccess) {
          log_ << "power-limit sweep skipped: nvmlDeviceSetPowerManagementLimit: "
               << nvml_.error_string(rc)
               << (rc == calib::kNvmlErrorNoPermission ? " (needs root)" : "") << "\n";
          break;
        }
        log_ << "sweep: power limit " << limit << " W\n";
        run_point(*ref, 1.0, Phase::sweep, reps, limit, out);
      }
      nvml_.set_power_limit_w(nd_, original);
    }
  }

 private:
  static constexpr std::size_t kRing = 4;
  const calib::Nvml& nvml_;
  calib::Nvml::Device nd_;
  const DeviceInfo& dev_;
  const ProtocolConfig& cfg_;
  std::ostream& log_;
  const std::function<void(const Window&)>& on_window_;
  cudaStream_t stream_ = nullptr;
  cudaEvent_t events_[kRing] = {};
};

}  // namespace

void request_stop() { g_stop = true; }
bool stop_requested() { return g_stop; }

std::vector<Window> run_protocol(const calib::Nvml& nvml, calib::Nvml::Device nvml_dev,
                                 const DeviceInfo& dev, const ProtocolConfig& cfg,
                                 std::ostream& log,
                                 const std::function<void(const Window&)>& on_window) {
  Runner runner(nvml, nvml_dev, dev, cfg, log, on_window);
  std::vector<Window> out;
  log << "idle (cold), live context\n";
  runner.idle(0, out);
  for (const auto& spec : all_kernels()) {
    if (g_stop) break;
    if (!spec.make) continue;
    if (!cfg.only.empty() &&
        std::find(cfg.only.begin(), cfg.only.end(), spec.name) == cfg.only.end()) {
      continue;
    }
    if (spec.needs_two_gpus && dev.device_count < 2) {
      log << spec.name << ": skipped, needs two GPUs with peer access (found " << dev.device_count
          << ")\n";
      continue;
    }
    if (dev.compute_capability < spec.min_compute_capability) {
      log << spec.name << ": skipped, needs compute capability "
          << spec.min_compute_capability / 10.0 << " (device has " << dev.compute_capability / 10.0
          << ")\n";
      continue;
    }
    log << spec.name << ": " << spec.stresses << "\n";
    for (double intensity : spec.intensities) {
      if (g_stop) break;
      runner.run_point(spec, intensity, spec.phase, cfg.repetitions, 0.0, out);
    }
  }
  if (cfg.sweep != Sweep::none && !g_stop) runner.sweep(out);
  if (!g_stop) {
    log << "idle (hot), live context\n";
    runner.idle(cfg.repetitions, out);
  }
  return out;
}

}  // namespace joule::kernels
