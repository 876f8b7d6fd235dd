// NVML, loaded at run time with dlopen("libnvidia-ml.so.1") and dlsym of the few entry points
// the calibration needs. No nvml.h is needed at build time: the types and signatures below are
// the stable C ABI of NVML (nvml.h, driver >= 450). The library path is injectable so a test
// can point it at a file that does not exist and check that loading fails cleanly.
//
// Units as NVML reports them: energy mJ (cumulative since driver load), power mW, clocks MHz,
// temperature degC. The wrappers convert to J, W, MHz, degC.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace joule::calib {

class NvmlError : public std::runtime_error {
 public:
  NvmlError(const std::string& what, int code = -1) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }  // nvmlReturn_t, or -1 for loader errors

 private:
  int code_;
};

inline constexpr int kNvmlSuccess = 0;
inline constexpr int kNvmlErrorNotSupported = 3;
inline constexpr int kNvmlErrorNoPermission = 4;

enum class NvmlClock : unsigned { graphics = 0, sm = 1, mem = 2 };

// One loaded NVML (nvmlInit_v2 done); nvmlShutdown and dlclose on destruction.
class Nvml {
 public:
  static constexpr const char* kDefaultLibrary = "libnvidia-ml.so.1";

  // Throws NvmlError with a message naming the library and the cause (missing library, missing
  // symbol, nvmlInit failure) instead of crashing.
  explicit Nvml(const std::string& library_path = kDefaultLibrary);
  ~Nvml();
  Nvml(const Nvml&) = delete;
  Nvml& operator=(const Nvml&) = delete;

  using Device = void*;  // nvmlDevice_t is an opaque pointer

  std::string driver_version() const;
  unsigned device_count() const;
  Device device_by_index(unsigned index) const;
  // PCI bus id as CUDA prints it ("0000:18:00.0"); matches CUDA and NVML device numbering.
  Device device_by_pci_bus_id(const std::string& bus_id) const;
  std::string name(Device d) const;

  double total_energy_j(Device d) const;  // nvmlDeviceGetTotalEnergyConsumption, mJ -> J
  double power_w(Device d) const;         // nvmlDeviceGetPowerUsage, mW -> W
  unsigned clock_mhz(Device d, NvmlClock c) const;
  unsigned max_clock_mhz(Device d, NvmlClock c) const;
  double temperature_c(Device d) const;
  double power_limit_w(Device d) const;
  void power_limit_constraints_w(Device d, double& min_w, double& max_w) const;
  // Clock-event ("throttle") reasons bitmask; 0 if the driver has neither entry point.
  std::uint64_t clock_event_reasons(Device d) const;

  // Root-only controls. Return the nvmlReturn_t (kNvmlErrorNoPermission when not root) rather
  // than throwing, so a sweep can be skipped with a message.
  int set_power_limit_w(Device d, double watts) const;
  int set_locked_clocks_mhz(Device d, unsigned min_mhz, unsigned max_mhz) const;
  int reset_locked_clocks(Device d) const;

  std::string error_string(int code) const;
  const std::string& library_path() const { return path_; }

 private:
  void check(int rc, const char* what) const;
  void* sym(const char* name, bool required);

  std::string path_;
  void* handle_ = nullptr;
  bool initialized_ = false;

  int (*init_)() = nullptr;
  int (*shutdown_)() = nullptr;
  const char* (*error_string_)(int) = nullptr;
  int (*driver_version_)(char*, unsigned) = nullptr;
  int (*device_count_)(unsigned*) = nullptr;
  int (*by_index_)(unsigned, Device*) = nullptr;
  int (*by_pci_)(const char*, Device*) = nullptr;
  int (*name_)(Device, char*, unsigned) = nullptr;
  int (*energy_)(Device, unsigned long long*) = nullptr;
  int (*power_)(Device, unsigned*) = nullptr;
  int (*clock_)(Device, unsigned, unsigned*) = nullptr;
  int (*max_clock_)(Device, unsigned, unsigned*) = nullptr;
  int (*temperature_)(Device, unsigned, unsigned*) = nullptr;
  int (*power_limit_)(Device, unsigned*) = nullptr;
  int (*power_limit_constraints_)(Device, unsigned*, unsigned*) = nullptr;
  int (*event_reasons_)(Device, unsigned long long*) = nullptr;
  int (*set_power_limit_)(Device, unsigned) = nullptr;
  int (*set_locked_clocks_)(Device, unsigned, unsigned) = nullptr;
  int (*reset_locked_clocks_)(Device) = nullptr;
};

}  // namespace joule::calib
