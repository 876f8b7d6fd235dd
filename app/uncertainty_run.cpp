// `joule run --uncertainty N`: the samples in parallel, their KPIs and traces reduced to bands,
// and the /uncertainty group of the output file (docs/output-format.md).
#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <thread>

#include "app/h5.hpp"
#include "app/sweep.hpp"
#include "app/uncertainty.hpp"
#include "models/world/kpi.hpp"
#include "sim/error.hpp"

namespace joule::app {

namespace fs = std::filesystem;

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// The facility traces drawn as bands, where the run has them.
constexpr const char* band_traces[] = {"it_power_w",      "total_power_w", "grid_import_w",
                                       "cooling_power_w", "losses_w",      "pue"};

// KPIs that measure the computer, not the data center: left out of the bands.
bool banded(const std::string& kpi) {
  return kpi != "wall_s" && kpi != "events";
}

struct SampleResult {
  std::map<std::string, std::optional<double>> kpis;
  std::map<std::string, std::vector<double>> traces;
  std::string error;
};

SampleResult read_sample(const std::string& path) {
  SampleResult r;
  r.kpis = read_summary(path).values;
  h5::Handle file = h5::open_file_readonly(path);
  for (const char* t : band_traces) {
    const std::string p = std::string("facility/") + t;
    if (H5Lexists(file.get(), "facility", H5P_DEFAULT) > 0 &&
        H5Lexists(file.get(), p.c_str(), H5P_DEFAULT) > 0)
      r.traces[t] = h5::read_doubles(file.get(), p);
  }
  return r;
}

h5::Handle open_rdwr(const std::string& path) {
  return h5::Handle(h5::check(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), "opening " + path),
                    H5Fclose);
}

void write_group(const std::string& path, const std::vector<Coefficient>& coefficients,
                 const std::vector<std::vector<double>>& points,
                 const std::vector<SampleResult>& samples, const UncertaintyOptions& u) {
  h5::Handle file = open_rdwr(path);
  {
    h5::Handle g = h5::create_group(file.get(), "uncertainty");
    const std::size_t n = samples.size(), p = coefficients.size();
    const std::vector<std::string> kpis = band_kpis();
    const std::size_t k = kpis.size();
    h5::set_attr(g.get(), "method", std::string("latin-hypercube"));
    h5::set_attr(g.get(), "samples", static_cast<std::int64_t>(n));
    h5::set_attr(g.get(), "seed", static_cast<std::int64_t>(u.seed));
    h5::set_attr(g.get(), "comment",
                 std::string("joule run --uncertainty: KPI bands P5/median/P95 over the samples; "
                             "workload seed common to all samples; src: standardized regression "
                             "coefficients of each KPI on the sampled coefficients"));
    const auto index = [](std::size_t count) {
      std::vector<std::int64_t> v(count);
      for (std::size_t i = 0; i < count; ++i) v[i] = static_cast<std::int64_t>(i);
      return v;
    };
    h5::Handle sample_c = h5::write_coordinate(g.get(), "sample", index(n), {"sample index", "1"});
    h5::Handle coef_c =
        h5::write_coordinate(g.get(), "coefficient", index(p), {"coefficient index", "1"});
    h5::Handle kpi_c = h5::write_coordinate(g.get(), "kpi", index(k), {"KPI index", "1"});
    const h5::Dimension sd{"sample", sample_c.get()}, cd{"coefficient", coef_c.get()},
        kd{"kpi", kpi_c.get()};

    std::vector<std::string> names, units, kinds, dists, bases;
    std::vector<double> nominal;
    for (const auto& c : coefficients) {
      names.push_back(c.name);
      units.push_back(c.unit == "number" || c.unit == "list" ? "1" : c.unit);
      kinds.push_back(std::string(models::compute::to_string(c.kind)));
      dists.push_back(c.dist.describe());
      bases.push_back(c.basis);
      nominal.push_back(c.dist.nominal);
    }
    h5::write_strings(g.get(), "coefficient_name", names, cd, {"scenario key sampled", ""});
    h5::write_strings(g.get(), "coefficient_unit", units, cd,
                      {"unit of the key as written (values are in SI base units)", ""});
    h5::write_strings(g.get(), "coefficient_kind", kinds, cd,
                      {"kind of source: spec, measurement or estimate", ""});
    h5::write_strings(g.get(), "distribution", dists, cd, {"distribution (SI base units)", ""});
    h5::write_strings(g.get(), "basis", bases, cd, {"justification of the spread", ""});
    h5::write_variable(g.get(), "nominal", nominal, {&cd}, {"nominal value (SI base units)", "1"});
    std::vector<double> values;
    for (const auto& pt : points) values.insert(values.end(), pt.begin(), pt.end());
    if (p > 0)
      h5::write_variable(g.get(), "value", values, {&sd, &cd},
                         {"sampled coefficient value (SI base units)", "1"});

    std::vector<double> kv(n * k, nan), p5(k), med(k), p95(k), r2(k), src(k * p, nan);
    std::vector<std::string> kunits;
    for (std::size_t j = 0; j < k; ++j) {
      std::vector<double> col(n);
      for (std::size_t i = 0; i < n; ++i) {
        const auto it = samples[i].kpis.find(kpis[j]);
        col[i] = it != samples[i].kpis.end() && it->second ? *it->second : nan;
        kv[i * k + j] = col[i];
      }
      p5[j] = quantile(col, 0.05);
      med[j] = quantile(col, 0.5);
      p95[j] = quantile(col, 0.95);
      const Sensitivity s = standardized_regression(points, col);
      r2[j] = s.r2;
      for (std::size_t c = 0; c < p; ++c) src[j * p + c] = s.src[c];
      const auto* reg = models::world::KpiRegistry::find(kpis[j]);
      kunits.push_back(reg ? reg->unit : "");
    }
    h5::write_strings(g.get(), "kpi_name", kpis, kd, {"KPI (summary key)", ""});
    h5::write_strings(g.get(), "kpi_unit", kunits, kd, {"unit of the KPI", ""});
    h5::write_variable(g.get(), "kpi_value", kv, {&sd, &kd}, {"KPI of each sample", "1"});
    h5::write_variable(g.get(), "p5", p5, {&kd}, {"5th percentile over the samples", "1"});
    h5::write_variable(g.get(), "median", med, {&kd}, {"median over the samples", "1"});
    h5::write_variable(g.get(), "p95", p95, {&kd}, {"95th percentile over the samples", "1"});
    if (p > 0) {
      h5::write_variable(g.get(), "src", src, {&kd, &cd},
                         {"standardized regression coefficient of the KPI on the coefficient "
                          "(NaN: fewer than coefficients + 2 samples, or no spread)",
                          "1"});
      h5::write_variable(g.get(), "r2", r2, {&kd},
                         {"R^2 of the linear regression behind src", "1"});
    }

    // Traces: P5/P50/P95 per interval.
    h5::Handle traces = h5::create_group(g.get(), "facility");
    std::vector<double> time;
    if (H5Lexists(file.get(), "facility", H5P_DEFAULT) > 0 &&
        H5Lexists(file.get(), "facility/time_s", H5P_DEFAULT) > 0)
      time = h5::read_doubles(file.get(), "facility/time_s");
    h5::Handle time_c = h5::write_coordinate(traces.get(), "time", time,
                                             {"end of the interval from the start", "s"});
    const h5::Dimension td{"time", time_c.get()};
    for (const char* t : band_traces) {
      bool all = true;
      for (const auto& s : samples) {
        const auto it = s.traces.find(t);
        all = all && it != s.traces.end() && it->second.size() == time.size();
      }
      if (!all || time.empty()) continue;
      std::vector<double> q5(time.size()), q50(time.size()), q95(time.size()), col(n);
      for (std::size_t r = 0; r < time.size(); ++r) {
        for (std::size_t i = 0; i < n; ++i) col[i] = samples[i].traces.at(t)[r];
        q5[r] = quantile(col, 0.05);
        q50[r] = quantile(col, 0.5);
        q95[r] = quantile(col, 0.95);
      }
      const std::string unit = std::string(t) == "pue" ? "1" : "W";
      h5::write_variable(traces.get(), std::string(t) + "_p5", q5, {&td},
                         {std::string(t) + ": 5th percentile over the samples", unit});
      h5::write_variable(traces.get(), std::string(t) + "_p50", q50, {&td},
                         {std::string(t) + ": median over the samples", unit});
      h5::write_variable(traces.get(), std::string(t) + "_p95", q95, {&td},
                         {std::string(t) + ": 95th percentile over the samples", unit});
    }
  }
  h5::close_file(file);
}

}  // namespace

std::vector<std::string> band_kpis() {
  std::vector<std::string> out;
  for (const auto& k : summary_keys())
    if (banded(k)) out.push_back(k);
  return out;
}

Summary run_uncertainty(const Scenario& sc, const RunOptions& options,
                        const UncertaintyOptions& u) {
  if (u.samples < 1) throw sim::InputError(sim::Location{}, "--uncertainty needs N >= 1 samples");
  const std::vector<Coefficient> coefficients = scenario_coefficients(sc);
  if (coefficients.empty())
    std::fprintf(stderr,
                 "joule: warning: --uncertainty: this scenario uses no sampled coefficient (a "
                 "linear node model and no facility?): every sample is the nominal run\n");
  const std::vector<std::vector<double>> points =
      sample_coefficients(coefficients, u.samples, u.seed);
  // Every sample is built (and so validated) before anything runs.
  std::vector<Scenario> scenarios;
  for (const auto& pt : points) scenarios.push_back(sample_scenario(sc, coefficients, pt));

  // The nominal run first: its file is the output, and it checks the target before the samples
  // spend their time.
  Summary nominal = run(sc, options);
  if (nominal.interrupted) return nominal;
  const std::string out_path = nominal.output_file;
  const auto fail = [&](const std::string& why) {
    std::error_code ec;
    fs::remove(out_path, ec);
    throw OutputError(why);
  };

  std::vector<SampleResult> results(points.size());
  if (u.samples == 1) {
    results[0] = read_sample(out_path);
  } else {
    const fs::path dir = out_path + ".samples";
    std::error_code ec;
    fs::remove_all(dir, ec);  // samples of an earlier run of this output
    fs::create_directories(dir, ec);
    if (ec) fail("cannot create " + dir.string() + ": " + ec.message());
    const unsigned jobs = hdf5_threadsafe() ? worker_count(u.jobs, points.size()) : 1;
    // Samples on every CPU: each compresses on its own thread (RunOptions::compression_thread).
    const bool compression_thread = options.compression_thread && compression_threads_for(jobs);
    std::atomic<std::size_t> next{0};
    std::atomic<bool> stopped{false};
    std::mutex print;
    const auto worker = [&] {
      for (std::size_t i = next++; i < points.size() && !stopped; i = next++) {
        RunOptions o;
        o.force = true;
        o.interrupted = options.interrupted;
        o.compression_thread = compression_thread;
        char name[32];
        std::snprintf(name, sizeof name, "s%05zu.h5", i);
        o.output = (dir / name).string();
        try {
          const Summary s = run(scenarios[i], o);
          if (s.interrupted) {
            stopped = true;
            break;
          }
          results[i] = read_sample(o.output);
        } catch (const std::exception& e) {
          results[i].error = e.what();
          stopped = true;
        }
        std::error_code rm;
        if (!u.keep_samples || !results[i].error.empty()) fs::remove(o.output, rm);
        if (options.progress) {
          std::lock_guard lock(print);
          std::fprintf(stderr, "\rjoule: uncertainty sample %zu of %zu done", i + 1, points.size());
        }
      }
    };
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < jobs; ++t) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
    if (options.progress) std::fprintf(stderr, "\n");
    if (!u.keep_samples) fs::remove_all(dir, ec);
    if (options.interrupted && options.interrupted->load()) {
      std::error_code rm;
      fs::remove(out_path, rm);
      nominal.interrupted = true;
      return nominal;
    }
    for (std::size_t i = 0; i < results.size(); ++i)
      if (!results[i].error.empty())
        fail("uncertainty sample " + std::to_string(i) + " failed: " + results[i].error);
  }
  try {
    write_group(out_path, coefficients, points, results, u);
  } catch (const std::exception& e) {
    fail(std::string("cannot write /uncertainty: ") + e.what());
  }
  return read_summary(out_path);
}

std::map<std::string, Band> read_bands(const std::string& path) {
  std::map<std::string, Band> out;
  h5::Handle file = h5::open_file_readonly(path);
  if (H5Lexists(file.get(), "uncertainty", H5P_DEFAULT) <= 0) return out;
  h5::Handle g = h5::open_group(file.get(), "uncertainty");
  const std::vector<double> p5 = h5::read_doubles(g.get(), "p5");
  const std::vector<double> med = h5::read_doubles(g.get(), "median");
  const std::vector<double> p95 = h5::read_doubles(g.get(), "p95");
  const std::vector<std::string> names = h5::read_strings(g.get(), "kpi_name");
  for (std::size_t i = 0; i < names.size() && i < p5.size(); ++i)
    if (std::isfinite(p5[i]) && std::isfinite(p95[i])) out[names[i]] = {p5[i], med[i], p95[i]};
  return out;
}

std::string bands_json(const std::string& path) {
  const std::map<std::string, Band> bands = read_bands(path);
  if (bands.empty()) return "";
  const auto number = [](double v) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest exact form
    return std::string(buf, r.ptr);
  };
  std::string out = "\"bands\": {";
  bool first = true;
  for (const auto& k : summary_keys()) {
    const auto it = bands.find(k);
    if (it == bands.end()) continue;
    const Band& b = it->second;
    out += (first ? "\n    \"" : ",\n    \"") + k + "\": {\"p5\": " + number(b.p5) +
           ", \"p50\": " + number(b.median) + ", \"p95\": " + number(b.p95) + "}";
    first = false;
  }
  return out + "\n  }";
}

bool has_uncertainty(const std::string& path, std::size_t samples, std::uint64_t seed) {
  h5::Handle file = h5::open_file_readonly(path);
  if (H5Lexists(file.get(), "uncertainty", H5P_DEFAULT) <= 0) return false;
  h5::Handle g = h5::open_group(file.get(), "uncertainty");
  const auto int_attr = [&](const char* name) -> std::optional<std::int64_t> {
    if (!h5::has_attr(g.get(), name)) return std::nullopt;
    h5::Handle a(h5::check(H5Aopen(g.get(), name, H5P_DEFAULT), name), H5Aclose);
    std::int64_t v = 0;
    h5::check(H5Aread(a.get(), H5T_NATIVE_INT64, &v), name);
    return v;
  };
  return int_attr("samples") == static_cast<std::int64_t>(samples) &&
         int_attr("seed") == static_cast<std::int64_t>(seed);
}

std::string sensitivity_table(const std::string& path, std::size_t top) {
  h5::Handle file = h5::open_file_readonly(path);
  if (H5Lexists(file.get(), "uncertainty", H5P_DEFAULT) <= 0) return "";
  h5::Handle g = h5::open_group(file.get(), "uncertainty");
  if (H5Lexists(g.get(), "src", H5P_DEFAULT) <= 0) return "";
  const std::vector<std::string> kpis = h5::read_strings(g.get(), "kpi_name");
  const std::vector<std::string> coefs = h5::read_strings(g.get(), "coefficient_name");
  const std::vector<double> src = h5::read_doubles(g.get(), "src");
  const std::vector<double> r2 = h5::read_doubles(g.get(), "r2");
  const std::vector<double> p5 = h5::read_doubles(g.get(), "p5");
  const std::vector<double> p95 = h5::read_doubles(g.get(), "p95");
  const std::size_t p = coefs.size();
  std::ostringstream out;
  bool any = false;
  for (std::size_t k = 0; k < kpis.size(); ++k) {
    if (!std::isfinite(r2[k]) || !(p95[k] > p5[k])) continue;
    std::vector<std::size_t> order(p);
    for (std::size_t c = 0; c < p; ++c) order[c] = c;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return std::abs(src[k * p + a]) > std::abs(src[k * p + b]);
    });
    char head[160];
    std::snprintf(head, sizeof head, "  %s (R^2 %.2f):", kpis[k].c_str(), r2[k]);
    out << head;
    for (std::size_t i = 0; i < std::min(top, p); ++i) {
      char item[160];
      std::snprintf(item, sizeof item, "%s %s %+.2f", i ? "," : "", coefs[order[i]].c_str(),
                    src[k * p + order[i]]);
      out << item;
    }
    out << "\n";
    any = true;
  }
  if (!any) return "";
  return "Sensitivity (standardized regression coefficients, largest first)\n" + out.str();
}

}  // namespace joule::app
