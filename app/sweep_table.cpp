// `joule sweep`, the summary table: summary.csv and summary.h5, one row per variant, rewritten
// atomically as variants finish. KPI columns, units and labels come from the KPI registry.
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

// ---- the summary table -----------------------------------------------------------------------

SweepTable::SweepTable(const Sweep& sweep, std::string dir, std::vector<VariantResult> results,
                       const SweepOptions& options)
    : sweep_(sweep),
      dir_(std::move(dir)),
      results_(std::move(results)),
      samples_(options.uncertainty),
      seed_(options.uncertainty > 0 ? sweep_uncertainty_seed(sweep, options) : 0) {}

std::string SweepTable::csv_path() const {
  return (fs::path(dir_) / "summary.csv").string();
}
std::string SweepTable::h5_path() const {
  return (fs::path(dir_) / "summary.h5").string();
}

void SweepTable::record(const VariantResult& result) {
  std::lock_guard lock(mutex_);
  results_.at(result.index) = result;
  if (now_s() - last_write_s_ >= 1.0) write_locked();
}

void SweepTable::write() {
  std::lock_guard lock(mutex_);
  write_locked();
}

namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (const char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

void write_strings(hid_t parent, const std::string& name, const std::vector<std::string>& v) {
  const hsize_t n = v.size();
  h5::Handle space(h5::check(H5Screate_simple(1, &n, nullptr), "dataspace"), H5Sclose);
  h5::Handle type(h5::check(H5Tcopy(H5T_C_S1), "string type"), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  h5::Handle set(h5::check(H5Dcreate2(parent, name.c_str(), type.get(), space.get(), H5P_DEFAULT,
                                      H5P_DEFAULT, H5P_DEFAULT),
                           "creating " + name),
                 H5Dclose);
  std::vector<const char*> ptrs;
  for (const auto& s : v) ptrs.push_back(s.c_str());
  h5::check(H5Dwrite(set.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()),
            "writing " + name);
}

h5::Handle write_numbers(hid_t parent, const std::string& name, const std::vector<double>& v,
                         const std::string& units) {
  const hsize_t n = v.size();
  h5::Handle space(h5::check(H5Screate_simple(1, &n, nullptr), "dataspace"), H5Sclose);
  h5::Handle set(h5::check(H5Dcreate2(parent, name.c_str(), H5T_IEEE_F64LE, space.get(),
                                      H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                           "creating " + name),
                 H5Dclose);
  if (n > 0)
    h5::check(H5Dwrite(set.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()),
              "writing " + name);
  h5::set_attr(set.get(), "units", units);
  return set;
}

// P5, median or P95 (q = 0, 1, 2) of a KPI of a result; NaN without a band.
double band_value(const VariantResult& r, const std::string& kpi, int q) {
  const auto it = r.bands.find(kpi);
  if (it == r.bands.end()) return std::nan("");
  return q == 0 ? it->second.p5 : q == 1 ? it->second.median : it->second.p95;
}

constexpr const char* quantile_suffix[] = {"_p5", "_p50", "_p95"};

void replace_file(const std::string& partial, const std::string& path) {
  std::error_code ec;
  fs::rename(partial, path, ec);
  if (ec) throw OutputError("cannot rename " + partial + " to " + path + ": " + ec.message());
}

}  // namespace

void SweepTable::write_locked() {
  last_write_s_ = now_s();
  const auto& keys = summary_keys();
  // Cell text of parameter p for variant v: its assignment, else the base's value.
  auto param = [&](const Variant& v, std::size_t p) {
    for (const auto& a : v.assignments)
      if (a.path == sweep_.parameters[p]) return flow_text(a.value);
    return sweep_.base_values[p];
  };

  {
    const std::string partial = csv_path() + ".partial";
    std::ofstream out(partial, std::ios::trunc);
    if (!out) throw OutputError("cannot write " + partial);
    out << "index,name,status,seed";
    for (const auto& p : sweep_.parameters) out << "," << csv_field(p);
    for (const auto& k : keys) out << "," << k;
    if (samples_ > 0)
      for (const auto& k : band_kpis())
        for (const char* q : quantile_suffix) out << "," << k << q;
    out << ",output,error\n";
    for (const auto& r : results_) {
      const Variant& v = sweep_.variants[r.index];
      out << r.index << "," << csv_field(v.name) << "," << to_string(r.status) << "," << v.seed;
      for (std::size_t p = 0; p < sweep_.parameters.size(); ++p)
        out << "," << csv_field(param(v, p));
      for (const auto& k : keys) {
        const auto it = r.values.find(k);
        out << ",";
        if (it != r.values.end() && it->second) out << number_text(*it->second);
      }
      if (samples_ > 0)
        for (const auto& k : band_kpis())
          for (int q = 0; q < 3; ++q) {
            const double v = band_value(r, k, q);
            out << ",";
            if (std::isfinite(v)) out << number_text(v);
          }
      const bool has_output = r.status == VariantStatus::done || r.status == VariantStatus::reused;
      out << "," << csv_field(has_output ? v.name + ".h5" : "") << "," << csv_field(r.error)
          << "\n";
    }
    out.close();
    if (!out) throw OutputError("cannot write " + partial);
    replace_file(partial, csv_path());
  }

  const std::string partial = h5_path() + ".partial";
  {
    h5::Handle file = h5::create_file(partial);
    const hid_t root = file.get();
    h5::set_attr(root, "sweep", sweep_.text);
    h5::set_attr(root, "sweep_source", sweep_.source);
    h5::set_attr(root, "base", sweep_.base_path);
    h5::set_attr(root, "joule_version", std::string(version()));
    h5::set_attr(root, "git_revision", std::string(git_revision()));
    h5::set_attr(root, "kpi_registry", models::world::kpi_registry_json());
    h5::set_attr(root, "description",
                 std::string("One row per variant: parameters (as written) and KPIs (NaN = "
                             "absent, failed or not yet run)"));
    std::vector<std::string> names, status, errors, outputs;
    std::vector<double> index, seed;
    for (const auto& r : results_) {
      const Variant& v = sweep_.variants[r.index];
      names.push_back(v.name);
      status.push_back(to_string(r.status));
      errors.push_back(r.error);
      const bool has_output = r.status == VariantStatus::done || r.status == VariantStatus::reused;
      outputs.push_back(has_output ? v.name + ".h5" : "");
      index.push_back(static_cast<double>(r.index));
      seed.push_back(static_cast<double>(v.seed));
    }
    write_numbers(root, "index", index, "1");
    write_strings(root, "name", names);
    write_strings(root, "status", status);
    write_numbers(root, "seed", seed, "1");
    write_strings(root, "output", outputs);
    write_strings(root, "error", errors);
    h5::Handle params = h5::create_group(root, "parameters");
    for (std::size_t p = 0; p < sweep_.parameters.size(); ++p) {
      std::vector<std::string> cells;
      for (const auto& r : results_) cells.push_back(param(sweep_.variants[r.index], p));
      write_strings(params.get(), sweep_.parameters[p], cells);
    }
    h5::Handle kpis = h5::create_group(root, "kpis");
    for (const auto& k : keys) {
      std::vector<double> column;
      for (const auto& r : results_) {
        const auto it = r.values.find(k);
        column.push_back(it != r.values.end() && it->second ? *it->second : std::nan(""));
      }
      const models::world::Kpi& kpi = *models::world::KpiRegistry::find(k);
      h5::Handle set = write_numbers(kpis.get(), k, column, kpi.unit);
      h5::set_attr(set.get(), "label", kpi.label);
      h5::set_attr(set.get(), "description", kpi.description);
    }
    if (samples_ > 0) write_bands(root);
  }
  replace_file(partial, h5_path());
}

// /bands (a sweep with --uncertainty): every KPI along (variant, quantile), with dimension scales
// so that xarray opens the group: xr.open_dataset("summary.h5", group="bands").
void SweepTable::write_bands(hid_t root) const {
  h5::Handle g = h5::create_group(root, "bands");
  h5::set_attr(g.get(), "method", std::string("latin-hypercube"));
  h5::set_attr(g.get(), "samples", static_cast<std::int64_t>(samples_));
  h5::set_attr(g.get(), "seed", static_cast<std::int64_t>(seed_));
  h5::set_attr(g.get(), "description",
               std::string("joule sweep --uncertainty: each variant's KPIs, P5/median/P95 over "
                           "its samples (docs/uncertainty.md); every variant draws the same "
                           "coefficient samples (the same seed); NaN = no band (failed, not yet "
                           "run, or absent)"));
  std::vector<std::int64_t> index;
  std::vector<std::string> names;
  for (const auto& r : results_) {
    index.push_back(static_cast<std::int64_t>(r.index));
    names.push_back(sweep_.variants[r.index].name);
  }
  h5::Handle variant_c = h5::write_coordinate(g.get(), "variant", index, {"variant index", "1"});
  h5::Handle quantile_c =
      h5::write_coordinate(g.get(), "quantile", std::vector<double>{0.05, 0.5, 0.95},
                           {"quantile over the samples (P5, median, P95)", "1"});
  const h5::Dimension vd{"variant", variant_c.get()}, qd{"quantile", quantile_c.get()};
  h5::write_strings(g.get(), "name", names, vd, {"variant name", ""});
  for (const auto& k : band_kpis()) {
    std::vector<double> values;
    for (const auto& r : results_)
      for (int q = 0; q < 3; ++q) values.push_back(band_value(r, k, q));
    const models::world::Kpi& kpi = *models::world::KpiRegistry::find(k);
    h5::write_variable(g.get(), k, values, {&vd, &qd},
                       {kpi.label + ": P5, median and P95 over the samples", kpi.unit});
  }
}

}  // namespace joule::app
