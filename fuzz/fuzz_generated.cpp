// Fuzz target, structure-aware: the input bytes are choices (FuzzedDataProvider), from which a
// VALID scenario is built — cluster, node type and caps, rack limits, workload generator and
// its mixes, policy, power chain, cooling plant, site data, intervals — and run for a short
// simulated time, twice with the same seed. What is checked are the invariants every run must
// keep, whatever the scenario:
//   - the run ends normally or with an InputError (a combination no single-key check catches);
//   - no NaN or inf in any dataset (but where the format documents NaN: per-interval PUE when
//     there is no IT load, and the job table's "did not happen" times);
//   - energy balance per interval: facility power = IT + power-chain losses + cooling + other
//     loads;
//   - PUE >= 1 in every interval (as defined: facility / IT) and in the summary;
//   - the IT trace integrates to the IT energy total;
//   - the same seed gives the same bytes in every dataset.
// The scenario loader's own fuzzer (fuzz_scenario) reaches malformed input; this one reaches
// deep into the models with inputs that get past the loader.
#include <fuzzer/FuzzedDataProvider.h>
#include <hdf5.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "app/h5.hpp"
#include "app/run.hpp"
#include "app/scenario.hpp"
#include "fuzz_common.hpp"

using namespace joule;
namespace fs = std::filesystem;

namespace {

std::string pick(FuzzedDataProvider& in, const std::vector<std::string>& options) {
  return options[in.ConsumeIntegralInRange<std::size_t>(0, options.size() - 1)];
}

std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

// A valid scenario from the choices; `nodes` and `gpus_per_node` are returned for the checks.
std::string make_scenario(FuzzedDataProvider& in) {
  std::string s = "name: generated\n";
  s += "seed: " + std::to_string(in.ConsumeIntegralInRange<int>(0, 1000)) + "\n";
  s += "duration: " + std::to_string(in.ConsumeIntegralInRange<int>(5, 120)) + " min\n";
  s += "control_step: " + pick(in, {"30 s", "1 min", "2 min", "5 min"}) + "\n";
  const int racks = in.ConsumeIntegralInRange<int>(1, 3);
  const int per_rack = in.ConsumeIntegralInRange<int>(1, 4);
  const std::string node_type = pick(in, {"dgx-h100", "hgx-b200", "dgx-a100"});
  const int gpus_per_node = 8;
  const int nodes = racks * per_rack;
  s += "cluster:\n  racks: {count: " + std::to_string(racks) +
       ", nodes_per_rack: " + std::to_string(per_rack);
  if (in.ConsumeBool())
    s += ", power_limit: " + number(in.ConsumeFloatingPointInRange<double>(0.5, 60)) + " kW";
  s += "}\n  node: {type: " + node_type;
  if (in.ConsumeBool())
    s += ", gpu_power_cap: " + std::to_string(in.ConsumeIntegralInRange<int>(1, 400)) + " W";
  s += "}\n";

  if (in.ConsumeBool()) {
    s += "site:\n  weather: data/weather/USA_WA_Seattle-Tacoma.epw\n";
    s += "  carbon: data/carbon/DE-LU_2023_hourly.csv\n  price: data/prices/DE-LU_2023.csv\n";
    s += "  start: 2023-0" + std::to_string(in.ConsumeIntegralInRange<int>(1, 9)) + "-1" +
         std::to_string(in.ConsumeIntegralInRange<int>(0, 9)) + "T0" +
         std::to_string(in.ConsumeIntegralInRange<int>(0, 9)) + ":00\n";
  }
  if (in.ConsumeBool()) {
    s += "power_chain: {psu: " + pick(in, {"platinum-230v", "titanium-230v"}) +
         ", ups: {type: " + pick(in, {"double-conversion", "eco"}) +
         ", redundancy: " + pick(in, {"N", "N+1", "2N"}) + "}}\n";
  }
  switch (in.ConsumeIntegralInRange<int>(0, 4)) {
    case 0:
      break;  // no cooling plant
    case 1:
      s += "cooling: {type: fixed-pue, pue: " +
           number(in.ConsumeFloatingPointInRange<double>(1.0, 2.0)) + "}\n";
      break;
    case 2:
      s += "cooling: {type: air}\n";
      break;
    case 3:
      s += "cooling: {type: chilled-water" +
           std::string(in.ConsumeBool() ? ", economizer: water-side" : "") + "}\n";
      break;
    default:
      s += "cooling: {type: liquid}\n";
      break;
  }

  const int max_gpus = nodes * gpus_per_node;
  std::string gpus = "[";
  for (int g : {1, 2, 4, 8, 16, 32})
    if (g <= max_gpus && in.ConsumeBool())
      gpus += (gpus.size() > 1 ? ", " : "") + std::to_string(g);
  if (gpus.size() == 1) gpus += "1";
  gpus += "]";
  const std::string arrivals =
      "  arrivals: {process: " + pick(in, {"poisson", "mmpp", "batch"}) +
      ", mean_interarrival: " + std::to_string(in.ConsumeIntegralInRange<int>(1, 120)) + " min}\n";
  const std::string max_jobs =
      "  max_jobs: " + std::to_string(in.ConsumeIntegralInRange<int>(1, 40)) + "\n";
  switch (in.ConsumeIntegralInRange<int>(0, 2)) {
    case 0:
      s += "workload:\n  generator: gpu-jobs\n" + arrivals + "  gpus: " + gpus + "\n";
      s += "  duration: {lognormal: {median: " +
           std::to_string(in.ConsumeIntegralInRange<int>(1, 180)) +
           " min, sigma: " + number(in.ConsumeFloatingPointInRange<double>(0, 2)) + "}}\n" +
           max_jobs;
      break;
    case 1: {
      s += "workload:\n  generator: list\n  jobs:\n";
      const int n = in.ConsumeIntegralInRange<int>(1, 6);
      for (int i = 0; i < n; ++i)
        s += "    - {nodes: " + std::to_string(in.ConsumeIntegralInRange<int>(1, nodes)) +
             ", submit: " + std::to_string(in.ConsumeIntegralInRange<int>(0, 120)) +
             " min, duration: " + std::to_string(in.ConsumeIntegralInRange<int>(1, 240)) +
             " min, mfu: " + number(in.ConsumeFloatingPointInRange<double>(0, 1)) + "}\n";
      break;
    }
    default:
      s += "workload:\n  generator: llm-training\n" + arrivals;
      s += "  jobs: {params: [" + pick(in, {"1e9", "7e9", "13e9"}) + "], gpus: " + gpus +
           ", tokens_per_param: " + number(in.ConsumeFloatingPointInRange<double>(1e-3, 1)) +
           ", mfu: " + number(in.ConsumeFloatingPointInRange<double>(0.05, 0.6)) + "}\n";
      s += "  fidelity: " + pick(in, {"steady", "iteration"}) + "\n" + max_jobs;
      break;
  }
  s += "scheduler: {policy: " +
       pick(in, {"fifo", "easy-backfill", "shortest-job-first", "energy-packing", "thermal-aware",
                 "topology-aware"}) +
       "}\n";
  s += "output: {facility_interval: " + pick(in, {"1 min", "5 min", "7 min"}) +
       ", rack_interval: " + pick(in, {"5 min", "15 min"}) + "}\n";
  return s;
}

// Every fixed-size dataset's stored bytes. Variable-length strings (job names and states, input
// paths) are left out: their read buffers hold pointers, which differ between reads.
std::map<std::string, std::vector<unsigned char>> read_all(const std::string& file) {
  std::map<std::string, std::vector<unsigned char>> out;
  auto f = app::h5::open_file_readonly(file);
  const auto visit = [](hid_t root, const char* name, const H5O_info_t* info, void* data) {
    if (info->type != H5O_TYPE_DATASET) return herr_t{0};
    const hid_t ds = H5Dopen2(root, name, H5P_DEFAULT);
    const hid_t type = H5Dget_type(ds), space = H5Dget_space(ds);
    if (H5Tis_variable_str(type) > 0) {
      H5Sclose(space);
      H5Tclose(type);
      H5Dclose(ds);
      return herr_t{0};
    }
    const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
    std::vector<unsigned char> bytes(n * H5Tget_size(type));
    if (n > 0) H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data());
    (*static_cast<std::map<std::string, std::vector<unsigned char>>*>(data))[name] =
        std::move(bytes);
    H5Sclose(space);
    H5Tclose(type);
    H5Dclose(ds);
    return herr_t{0};
  };
  H5Ovisit2(f.get(), H5_INDEX_NAME, H5_ITER_INC, visit, &out, H5O_INFO_BASIC);
  return out;
}

std::vector<double> doubles(const std::string& file, const std::string& path) {
  auto f = app::h5::open_file_readonly(file);
  if (H5Lexists(f.get(), "facility", H5P_DEFAULT) <= 0) return {};
  return app::h5::read_doubles(f.get(), path);
}

bool has(const std::string& file, const std::string& group, const std::string& name) {
  auto f = app::h5::open_file_readonly(file);
  const hid_t g = H5Gopen2(f.get(), group.c_str(), H5P_DEFAULT);
  if (g < 0) return false;
  const bool ok = H5Lexists(g, name.c_str(), H5P_DEFAULT) > 0;
  H5Gclose(g);
  return ok;
}

bool close(double a, double b) {
  return std::fabs(a - b) <= 1e-6 * std::max({1.0, std::fabs(a), std::fabs(b)});
}

void check_run(const std::string& file, const app::Summary& s) {
  // Finite everywhere the format does not document NaN.
  {
    auto f = app::h5::open_file_readonly(file);
    for (const char* group : {"facility", "facility/cooling", "facility/losses", "racks"}) {
      const hid_t g = H5Gopen2(f.get(), group, H5P_DEFAULT);
      if (g < 0) continue;
      H5G_info_t info{};
      H5Gget_info(g, &info);
      for (hsize_t i = 0; i < info.nlinks; ++i) {
        char name[256];
        H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT);
        H5O_info_t oi{};
        H5Oget_info_by_name2(g, name, &oi, H5O_INFO_BASIC, H5P_DEFAULT);
        if (oi.type != H5O_TYPE_DATASET) continue;
        for (const double v : app::h5::read_doubles(g, name))
          fuzz::require(std::isfinite(v) || (std::string(name) == "pue" && std::isnan(v)));
      }
      H5Gclose(g);
    }
  }
  const auto t = doubles(file, "facility/time_s");
  const auto it = doubles(file, "facility/it_power_w");
  // The IT trace integrates to the IT total.
  double sum = 0, last = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    sum += it[i] * (t[i] - last);
    last = t[i];
  }
  fuzz::require(close(sum / 3.6e6, *s.values.at("it_energy_kwh")));
  if (!has(file, "facility", "total_power_w")) return;
  const auto total = doubles(file, "facility/total_power_w");
  const auto losses = doubles(file, "facility/losses_w");
  const auto cooling = doubles(file, "facility/cooling_power_w");
  const auto pue = doubles(file, "facility/pue");
  const auto other = has(file, "facility", "other_power_w")
                         ? doubles(file, "facility/other_power_w")
                         : std::vector<double>(t.size(), 0.0);
  for (std::size_t i = 0; i < t.size(); ++i) {
    fuzz::require(close(total[i], it[i] + losses[i] + cooling[i] + other[i]));
    if (it[i] > 0) fuzz::require(pue[i] >= 1.0 - 1e-9);
  }
  if (const auto& p = s.values.at("pue")) fuzz::require(*p >= 1.0 - 1e-9);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string text = make_scenario(in);
  static const fs::path dir = [] {
    auto d = fs::temp_directory_path() / ("joule-fuzz-generated-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  fuzz::accepts([&] {
    const app::Scenario sc =
        app::load_scenario_text(text, "generated.yaml", JOULE_SOURCE_DIR "/scenarios");
    app::RunOptions opt;
    opt.force = true;
    opt.output = (dir / "a.h5").string();
    const app::Summary first = app::run(sc, opt);
    check_run(opt.output, first);
    opt.output = (dir / "b.h5").string();
    app::run(sc, opt);
    fuzz::require(read_all((dir / "a.h5").string()) == read_all((dir / "b.h5").string()));
  });
  return 0;
}
