// `joule sweep`, the command: results encoded for MPI messages, the outcome printed, and the
// choice between local execution and MPI ranks.
#include <hdf5.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "app/docs.hpp"
#include "app/h5.hpp"
#include "app/sweep.hpp"
#include "app/sweep_detail.hpp"
#include "app/version.hpp"
#include "io/yaml_params.hpp"
#include "models/world/kpi.hpp"
#include "sim/random.hpp"

namespace joule::app {

namespace fs = std::filesystem;
using namespace detail;

// ---- MPI messages ----------------------------------------------------------------------------

std::string encode_result(const VariantResult& r) {
  std::string out = std::to_string(r.index) + "\n" + to_string(r.status) + "\n";
  for (const auto& [k, v] : r.values) out += k + " " + (v ? number_text(*v) : "null") + "\n";
  for (const auto& [k, b] : r.bands)
    out += "band " + k + " " + number_text(b.p5) + " " + number_text(b.median) + " " +
           number_text(b.p95) + "\n";
  out += "error\n" + r.error;
  return out;
}

VariantResult decode_result(const std::string& text) {
  VariantResult r;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  r.index = std::stoul(line);
  std::getline(in, line);
  for (auto s : {VariantStatus::pending, VariantStatus::done, VariantStatus::reused,
                 VariantStatus::failed, VariantStatus::interrupted})
    if (line == to_string(s)) r.status = s;
  while (std::getline(in, line) && line != "error") {
    const auto space = line.find(' ');
    const std::string key = line.substr(0, space), value = line.substr(space + 1);
    if (key == "band") {  // band KPI P5 P50 P95
      std::istringstream fields(value);
      std::string kpi, p5, med, p95;
      fields >> kpi >> p5 >> med >> p95;
      Band& b = r.bands[kpi];
      for (auto [text, to] :
           {std::pair{&p5, &b.p5}, std::pair{&med, &b.median}, std::pair{&p95, &b.p95}})
        std::from_chars(text->data(), text->data() + text->size(), *to);
      continue;
    }
    if (value == "null") {
      r.values[key] = std::nullopt;
    } else {
      double d = 0;
      std::from_chars(value.data(), value.data() + value.size(), d);
      r.values[key] = d;
    }
  }
  std::ostringstream rest;
  rest << in.rdbuf();
  r.error = rest.str();
  return r;
}

// ---- the command -----------------------------------------------------------------------------

int print_outcome(const Sweep& sweep, const SweepReport& report, const SweepOptions& options) {
  for (const auto& r : report.results)
    if (r.status == VariantStatus::failed)
      std::fprintf(stderr, "joule: %s failed: %s\n", sweep.variants[r.index].name.c_str(),
                   r.error.c_str());
  std::size_t pending = 0;
  for (const auto& r : report.results)
    pending += r.status == VariantStatus::pending || r.status == VariantStatus::interrupted;
  if (!options.quiet || report.failed > 0)
    std::fprintf(stderr, "joule: %zu variants: %zu ran, %zu reused, %zu failed%s; table %s\n",
                 report.results.size(), report.ran, report.reused, report.failed,
                 pending ? (", " + std::to_string(pending) + " not run").c_str() : "",
                 report.csv_path.c_str());
  if (report.interrupted) return 130;
  return report.failed > 0 ? 3 : 0;
}

int sweep_command(const std::string& sweep_path, SweepOptions options) {
#ifdef JOULE_HAVE_MPI
  if (launched_by_mpi()) return sweep_command_mpi(sweep_path, options);
#endif
  PreparedSweep prepared = prepare_sweep(sweep_path, true, options.interrupted, options.jobs);
  if (prepared.code != 0) {
    std::fprintf(stderr, "%s\n", prepared.message.c_str());
    return prepared.code;
  }
  const Sweep& sweep = prepared.sweep;
  if (options.dir.empty()) options.dir = default_sweep_dir(sweep_path);
  if (!hdf5_threadsafe()) options.processes = true;  // serial HDF5: one process per variant
  if (!options.quiet)
    std::fprintf(stderr, "joule: sweep %s: %zu variants of %s into %s/\n", sweep_path.c_str(),
                 sweep.variants.size(), sweep.base_path.c_str(), options.dir.c_str());
  try {
    return print_outcome(sweep, run_sweep(sweep, options), options);
  } catch (const OutputError& e) {
    std::fprintf(stderr, "joule: %s\n", e.what());
    return 2;
  }
}

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"})
    if (std::getenv(v)) return true;
  return false;
}

}  // namespace joule::app
