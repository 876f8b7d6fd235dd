// joule-calibrate: measures per-operation GPU energy with NVML and the microkernels, writes
// the raw per-window CSV, the calibration YAML and a log. See kernels/README.md.
//
// Exit codes: 0 ok; 2 usage or no NVML (driver missing); 3 no usable CUDA device;
// 4 measured but the fit failed (raw CSV still written).
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <streambuf>

#include "calib/calibration_yaml.hpp"
#include "calib/fit.hpp"
#include "calib/method.hpp"
#include "calib/nvml.hpp"
#include "calib/raw_csv.hpp"
#include "calib/report.hpp"
#include "device_util.cuh"
#include "protocol.hpp"

#ifndef JOULE_CALIB_VERSION
#define JOULE_CALIB_VERSION "0.1.0"
#endif

namespace {

using namespace joule;

constexpr const char* kUsage = R"(usage: joule-calibrate [options]

Measures per-operation GPU energy (NVML total-energy counter) with CUDA microkernels and fits
the accelerator power model P = P_static(T) + sum_k e_k r_k. Writes, in --out DIR:
  raw_windows.csv    one row per measurement window (refit with joule-calib-fit)
  calibration.yaml   format joule-calibration/1
  calibrate.log      this run's log

options:
  --out DIR            output directory (default: calibration-out)
  --device N           CUDA device to measure (default 0)
  --kernels A,B,...    only these kernels (idle always runs); see --list-kernels
  --quick              0.5 s windows, 2 repetitions, 1 s warm-up: a SMOKE TEST, NOT A
                       CALIBRATION (the YAML says kind: estimate)
  --window S           window length in seconds (default 5; >= 5 for a calibration)
  --reps N             repetitions per point (default 5)
  --sweep MODE         none | clocks | power-limits: DVFS sweep on tensor_bf16 (needs root;
                       skipped with a message otherwise)
  --chip ID            catalog id for the YAML (default: from the NVML name)
  --nvml-lib PATH      NVML library to dlopen (default libnvidia-ml.so.1)
  --list-kernels       list the microkernels and exit (no GPU needed)
  -h, --help           this text
)";

// Writes to both stderr and the log file.
class TeeBuf : public std::streambuf {
 public:
  TeeBuf(std::streambuf* a, std::streambuf* b) : a_(a), b_(b) {}

 protected:
  int overflow(int c) override {
    if (c == EOF) return !EOF;
    const int r1 = a_->sputc(static_cast<char>(c));
    const int r2 = b_ ? b_->sputc(static_cast<char>(c)) : c;
    return r1 == EOF || r2 == EOF ? EOF : c;
  }
  int sync() override {
    a_->pubsync();
    if (b_) b_->pubsync();
    return 0;
  }

 private:
  std::streambuf* a_;
  std::streambuf* b_;
};

void list_kernels() {
  std::printf("%-16s %-8s %-28s %s\n", "kernel", "phase", "intensities", "stresses");
  for (const auto& k : kernels::all_kernels()) {
    std::string in;
    for (double i : k.intensities) in += (in.empty() ? "" : ",") + calib::format_number(i);
    std::printf("%-16s %-8s %-28s %s%s\n", k.name.c_str(),
                std::string(calib::phase_name(k.phase)).c_str(), in.c_str(), k.stresses.c_str(),
                k.needs_two_gpus ? " [needs 2 GPUs]" : "");
  }
}

std::string today_utc() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", std::gmtime(&t));
  return buf;
}

void on_sigint(int) { kernels::request_stop(); }

}  // namespace

int main(int argc, char** argv) {
  std::string out_dir = "calibration-out", nvml_lib = calib::Nvml::kDefaultLibrary, chip;
  int device = 0;
  kernels::ProtocolConfig cfg;
  bool window_set = false, reps_set = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "joule-calibrate: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    try {
      if (a == "-h" || a == "--help") {
        std::cout << kUsage;
        return 0;
      } else if (a == "--list-kernels") {
        list_kernels();
        return 0;
      } else if (a == "--out") {
        out_dir = value();
      } else if (a == "--device") {
        device = std::stoi(value());
      } else if (a == "--kernels") {
        std::istringstream s(value());
        std::string k;
        while (std::getline(s, k, ',')) {
          bool known = false;
          for (const auto& spec : kernels::all_kernels()) known |= spec.name == k;
          if (!known) {
            std::cerr << "joule-calibrate: unknown kernel '" << k << "'. Valid:";
            for (const auto& spec : kernels::all_kernels()) std::cerr << " " << spec.name;
            std::cerr << "\n";
            return 2;
          }
          cfg.only.push_back(k);
        }
      } else if (a == "--quick") {
        cfg.quick = true;
      } else if (a == "--window") {
        cfg.window_s = std::stod(value());
        window_set = true;
      } else if (a == "--reps") {
        cfg.repetitions = std::stoi(value());
        reps_set = true;
      } else if (a == "--sweep") {
        const std::string m = value();
        if (m == "none") {
          cfg.sweep = kernels::Sweep::none;
        } else if (m == "clocks") {
          cfg.sweep = kernels::Sweep::clocks;
        } else if (m == "power-limits") {
          cfg.sweep = kernels::Sweep::power_limits;
        } else {
          std::cerr << "joule-calibrate: unknown sweep '" << m
                    << "'. Valid: none, clocks, power-limits\n";
          return 2;
        }
      } else if (a == "--chip") {
        chip = value();
      } else if (a == "--nvml-lib") {
        nvml_lib = value();
      } else {
        std::cerr << "joule-calibrate: unknown option '" << a << "'\n" << kUsage;
        return 2;
      }
    } catch (const std::logic_error&) {
      std::cerr << "joule-calibrate: bad value for " << a << "\n";
      return 2;
    }
  }
  if (cfg.quick) {
    if (!window_set) cfg.window_s = 0.5;
    if (!reps_set) cfg.repetitions = 2;
  }
  if (cfg.window_s <= 0 || cfg.repetitions < 1) {
    std::cerr << "joule-calibrate: --window must be > 0 and --reps >= 1\n";
    return 2;
  }

  // NVML first: without the driver there is nothing to measure.
  std::unique_ptr<calib::Nvml> nvml;
  try {
    nvml = std::make_unique<calib::Nvml>(nvml_lib);
  } catch (const calib::NvmlError& e) {
    std::cerr << "joule-calibrate: " << e.what() << "\n";
    return 2;
  }

  int count = 0;
  if (const cudaError_t rc = cudaGetDeviceCount(&count); rc != cudaSuccess || count == 0) {
    std::cerr << "joule-calibrate: no usable CUDA device: "
              << (rc != cudaSuccess ? cudaGetErrorString(rc) : "device count is 0") << "\n";
    return 3;
  }
  if (device < 0 || device >= count) {
    std::cerr << "joule-calibrate: --device " << device << " out of range (0.." << count - 1
              << ")\n";
    return 3;
  }

  kernels::DeviceInfo dev;
  calib::Nvml::Device nd = nullptr;
  calib::CsvMeta meta;
  try {
    JOULE_CUDA(cudaSetDevice(device));
    JOULE_CUDA(cudaFree(nullptr));  // create the context: "idle" is with a live context
    cudaDeviceProp prop{};
    JOULE_CUDA(cudaGetDeviceProperties(&prop, device));
    dev.index = device;
    dev.name = prop.name;
    dev.sm_count = prop.multiProcessorCount;
    dev.compute_capability = prop.major * 10 + prop.minor;
    dev.l2_bytes = static_cast<std::size_t>(prop.l2CacheSize);
    dev.smem_per_sm = prop.sharedMemPerMultiprocessor;
    dev.smem_per_block_optin = prop.sharedMemPerBlockOptin;
    dev.device_count = count;
    std::size_t total = 0;
    JOULE_CUDA(cudaMemGetInfo(&dev.free_bytes, &total));
    char bus[32] = {};
    JOULE_CUDA(cudaDeviceGetPCIBusId(bus, sizeof bus, device));
    nd = nvml->device_by_pci_bus_id(bus);
    meta["device"] = nvml->name(nd);
    meta["driver"] = nvml->driver_version();
    meta["pci_bus_id"] = bus;
    meta["sm_count"] = std::to_string(dev.sm_count);
    meta["compute_capability"] = calib::format_number(dev.compute_capability / 10.0);
  } catch (const std::exception& e) {
    std::cerr << "joule-calibrate: cannot open CUDA device " << device << ": " << e.what() << "\n";
    return 3;
  }
  meta["chip"] = chip.empty() ? calib::chip_id_from_name(meta["device"]) : chip;
  meta["date"] = today_utc();
  meta["source"] =
      std::string("joule-calibrate ") + JOULE_CALIB_VERSION + ", NVML total-energy counter";
  meta["mode"] = cfg.quick ? "quick" : "full";
  meta["window_s"] = calib::format_number(cfg.window_s);
  meta["repetitions"] = std::to_string(cfg.repetitions);

  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  std::ofstream log_file(fs::path(out_dir) / "calibrate.log");
  std::ofstream csv(fs::path(out_dir) / "raw_windows.csv");
  if (!log_file || !csv) {
    std::cerr << "joule-calibrate: cannot write into " << out_dir << "\n";
    return 2;
  }
  TeeBuf tee_buf(std::cerr.rdbuf(), log_file.rdbuf());
  std::ostream log(&tee_buf);

  if (cfg.quick) {
    log << "*** --quick: short windows, a SMOKE TEST, NOT A CALIBRATION ***\n";
  } else if (cfg.window_s < 5.0 || cfg.repetitions < 5) {
    log << "WARNING: windows < 5 s or < 5 repetitions: below the calibration protocol\n";
  }
  log << "device " << device << ": " << meta["device"] << " (" << meta["chip"] << "), "
      << dev.sm_count << " SMs, cc " << meta["compute_capability"] << ", L2 "
      << dev.l2_bytes / (1 << 20) << " MiB, driver " << meta["driver"] << ", NVML "
      << nvml->library_path() << "\n";
  log << "power limit " << nvml->power_limit_w(nd) << " W, temperature " << nvml->temperature_c(nd)
      << " degC\n";

  for (const auto& [k, v] : meta) csv << "# " << k << ": " << v << "\n";
  csv << calib::raw_csv_header() << "\n";
  csv.flush();

  std::signal(SIGINT, on_sigint);
  std::signal(SIGTERM, on_sigint);
  std::vector<calib::Window> windows;
  try {
    windows = kernels::run_protocol(*nvml, nd, dev, cfg, log, [&](const calib::Window& w) {
      csv << calib::raw_csv_row(w) << "\n";
      csv.flush();
    });
  } catch (const std::exception& e) {
    log << "joule-calibrate: measurement failed: " << e.what() << "\n";
    nvml->reset_locked_clocks(nd);
    return 3;
  }
  if (kernels::stop_requested()) log << "interrupted: fitting the windows measured so far\n";

  try {
    calib::CalibrationInfo info = calib::info_from_meta(meta, windows);
    const calib::FitResult fit = calib::fit_calibration(windows);
    calib::print_fit_report(log, fit, info.chip);
    const fs::path yaml = fs::path(out_dir) / "calibration.yaml";
    calib::write_calibration_yaml_file(yaml.string(), info, fit);
    log << "wrote " << yaml.string() << ", " << (fs::path(out_dir) / "raw_windows.csv").string()
        << ", " << (fs::path(out_dir) / "calibrate.log").string() << "\n";
    if (cfg.quick) log << "*** --quick: this is a smoke test, NOT A CALIBRATION ***\n";
  } catch (const std::exception& e) {
    log << "joule-calibrate: fit failed: " << e.what() << " (raw CSV kept)\n";
    return 4;
  }
  return 0;
}
