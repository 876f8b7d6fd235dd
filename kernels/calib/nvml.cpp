// dlopen-based NVML loader. Required entry points make loading fail with a message if absent;
// optional ones (root controls, clock-event reasons) leave the feature unavailable.
//
// Clock-event reasons: drivers >= 535 export nvmlDeviceGetCurrentClocksEventReasons and keep
// nvmlDeviceGetCurrentClocksThrottleReasons as a deprecated alias; older drivers only have the
// latter. The bit values are the same.
#include "calib/nvml.hpp"

#include <dlfcn.h>

#include <cmath>
#include <cstring>

namespace joule::calib {

namespace {
constexpr unsigned kTemperatureGpu = 0;  // NVML_TEMPERATURE_GPU
}

void* Nvml::sym(const char* name, bool required) {
  dlerror();
  void* p = dlsym(handle_, name);
  if (!p && required) {
    const char* err = dlerror();
    throw NvmlError(std::string("NVML library '") + path_ + "' lacks required symbol " + name +
                    (err ? std::string(" (") + err + ")" : std::string()) +
                    "; is it really libnvidia-ml from an NVIDIA driver?");
  }
  return p;
}

template <typename F>
static void bind(F& f, void* p) {
  f = reinterpret_cast<F>(p);
}

Nvml::Nvml(const std::string& library_path) : path_(library_path) {
  handle_ = dlopen(path_.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_) {
    const char* err = dlerror();
    throw NvmlError("cannot load NVML library '" + path_ +
                    "': " + (err ? err : "unknown dlopen error") +
                    ". The NVIDIA driver (which ships libnvidia-ml.so.1) is not installed or "
                    "not on the loader path; energy cannot be measured on this machine.");
  }
  try {
    bind(init_, sym("nvmlInit_v2", true));
    bind(shutdown_, sym("nvmlShutdown", true));
    bind(error_string_, sym("nvmlErrorString", true));
    bind(driver_version_, sym("nvmlSystemGetDriverVersion", true));
    bind(device_count_, sym("nvmlDeviceGetCount_v2", true));
    bind(by_index_, sym("nvmlDeviceGetHandleByIndex_v2", true));
    bind(by_pci_, sym("nvmlDeviceGetHandleByPciBusId_v2", true));
    bind(name_, sym("nvmlDeviceGetName", true));
    bind(energy_, sym("nvmlDeviceGetTotalEnergyConsumption", true));
    bind(power_, sym("nvmlDeviceGetPowerUsage", true));
    bind(clock_, sym("nvmlDeviceGetClockInfo", true));
    bind(max_clock_, sym("nvmlDeviceGetMaxClockInfo", true));
    bind(temperature_, sym("nvmlDeviceGetTemperature", true));
    bind(power_limit_, sym("nvmlDeviceGetPowerManagementLimit", true));
    bind(power_limit_constraints_, sym("nvmlDeviceGetPowerManagementLimitConstraints", false));
    void* reasons = sym("nvmlDeviceGetCurrentClocksEventReasons", false);
    if (!reasons) reasons = sym("nvmlDeviceGetCurrentClocksThrottleReasons", false);
    bind(event_reasons_, reasons);
    bind(set_power_limit_, sym("nvmlDeviceSetPowerManagementLimit", false));
    bind(set_locked_clocks_, sym("nvmlDeviceSetGpuLockedClocks", false));
    bind(reset_locked_clocks_, sym("nvmlDeviceResetGpuLockedClocks", false));
    const int rc = init_();
    if (rc != kNvmlSuccess) {
      throw NvmlError(
          "nvmlInit failed: " + error_string(rc) + " (driver not loaded, or no NVIDIA GPU visible)",
          rc);
    }
    initialized_ = true;
  } catch (...) {
    dlclose(handle_);
    handle_ = nullptr;
    throw;
  }
}

Nvml::~Nvml() {
  if (initialized_ && shutdown_) shutdown_();
  if (handle_) dlclose(handle_);
}

std::string Nvml::error_string(int code) const {
  const char* s = error_string_ ? error_string_(code) : nullptr;
  return s ? std::string(s) + " (" + std::to_string(code) + ")"
           : "NVML error " + std::to_string(code);
}

void Nvml::check(int rc, const char* what) const {
  if (rc != kNvmlSuccess) throw NvmlError(std::string(what) + ": " + error_string(rc), rc);
}

std::string Nvml::driver_version() const {
  char buf[96] = {};
  check(driver_version_(buf, sizeof buf), "nvmlSystemGetDriverVersion");
  return buf;
}

unsigned Nvml::device_count() const {
  unsigned n = 0;
  check(device_count_(&n), "nvmlDeviceGetCount");
  return n;
}

Nvml::Device Nvml::device_by_index(unsigned index) const {
  Device d = nullptr;
  check(by_index_(index, &d), "nvmlDeviceGetHandleByIndex");
  return d;
}

Nvml::Device Nvml::device_by_pci_bus_id(const std::string& bus_id) const {
  Device d = nullptr;
  check(by_pci_(bus_id.c_str(), &d), "nvmlDeviceGetHandleByPciBusId");
  return d;
}

std::string Nvml::name(Device d) const {
  char buf[128] = {};
  check(name_(d, buf, sizeof buf), "nvmlDeviceGetName");
  return buf;
}

double Nvml::total_energy_j(Device d) const {
  unsigned long long mj = 0;
  check(energy_(d, &mj), "nvmlDeviceGetTotalEnergyConsumption");
  return static_cast<double>(mj) / 1000.0;
}

double Nvml::power_w(Device d) const {
  unsigned mw = 0;
  check(power_(d, &mw), "nvmlDeviceGetPowerUsage");
  return mw / 1000.0;
}

unsigned Nvml::clock_mhz(Device d, NvmlClock c) const {
  unsigned mhz = 0;
  check(clock_(d, static_cast<unsigned>(c), &mhz), "nvmlDeviceGetClockInfo");
  return mhz;
}

unsigned Nvml::max_clock_mhz(Device d, NvmlClock c) const {
  unsigned mhz = 0;
  check(max_clock_(d, static_cast<unsigned>(c), &mhz), "nvmlDeviceGetMaxClockInfo");
  return mhz;
}

double Nvml::temperature_c(Device d) const {
  unsigned t = 0;
  check(temperature_(d, kTemperatureGpu, &t), "nvmlDeviceGetTemperature");
  return t;
}

double Nvml::power_limit_w(Device d) const {
  unsigned mw = 0;
  check(power_limit_(d, &mw), "nvmlDeviceGetPowerManagementLimit");
  return mw / 1000.0;
}

void Nvml::power_limit_constraints_w(Device d, double& min_w, double& max_w) const {
  if (!power_limit_constraints_) {
    throw NvmlError("nvmlDeviceGetPowerManagementLimitConstraints not in this driver",
                    kNvmlErrorNotSupported);
  }
  unsigned lo = 0, hi = 0;
  check(power_limit_constraints_(d, &lo, &hi), "nvmlDeviceGetPowerManagementLimitConstraints");
  min_w = lo / 1000.0;
  max_w = hi / 1000.0;
}

std::uint64_t Nvml::clock_event_reasons(Device d) const {
  if (!event_reasons_) return 0;
  unsigned long long r = 0;
  check(event_reasons_(d, &r), "nvmlDeviceGetCurrentClocksEventReasons");
  return r;
}

int Nvml::set_power_limit_w(Device d, double watts) const {
  if (!set_power_limit_) return kNvmlErrorNotSupported;
  return set_power_limit_(d, static_cast<unsigned>(std::lround(watts * 1000.0)));
}

int Nvml::set_locked_clocks_mhz(Device d, unsigned min_mhz, unsigned max_mhz) const {
  if (!set_locked_clocks_) return kNvmlErrorNotSupported;
  return set_locked_clocks_(d, min_mhz, max_mhz);
}

int Nvml::reset_locked_clocks(Device d) const {
  if (!reset_locked_clocks_) return kNvmlErrorNotSupported;
  return reset_locked_clocks_(d);
}

}  // namespace joule::calib
