// Uncertainty of a run's KPIs from the uncertainty of its coefficients (docs/uncertainty.md).
//
// Every sourced coefficient a scenario uses gets a distribution by the kind of its source
// (models/compute/sourced.hpp), unless the source states its own spread:
//
//   | kind        | distribution                 | P5–P95 of the coefficient |
//   |-------------|------------------------------|---------------------------|
//   | measurement | normal, σ = 3 % of nominal   | ± 4.9 %                   |
//   | spec        | uniform, ± 10 % of nominal   | ± 9 %                     |
//   | estimate    | uniform, ± 30 % of nominal   | ± 27 %                    |
//
// and a scenario's `uncertainty:` section overrides any of them, adds keys it sets itself, or
// fixes one (`none`). `joule run --uncertainty N` draws N Latin-hypercube points over these
// coefficients (the sweep's sampler, app/sweep.hpp), runs every point with the scenario's seed
// (common random numbers: the same job arrivals and failures in every sample), and records each
// KPI's P5, median and P95, the sampled values, the facility traces as P5/P50/P95 bands and the
// standardized regression coefficients of each KPI on the coefficients (the sensitivity).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/run.hpp"
#include "app/scenario.hpp"
#include "models/compute/sourced.hpp"

namespace joule::app {

// A coefficient's distribution, in the base unit of its key (W, Pa, s, K, J/FLOP...).
struct Distribution {
  enum class Shape { uniform, normal };
  Shape shape = Shape::uniform;
  double nominal = 0;
  double lo = 0, hi = 0;             // uniform: the range
  double sd = 0;                     // normal: the standard deviation
  double min = -1e300, max = 1e300;  // physical bounds; a normal draw is clipped to them
  // The value at cumulative probability u in (0, 1).
  double quantile(double u) const;
  std::string describe() const;  // "uniform [0.42, 0.78]", "normal 3.4e-12 ± 1e-13"
};

struct Coefficient {
  std::string name;  // the scenario key it sets (`--set` path), or accelerator.* (calibration)
  std::string unit;  // unit its value is written in ("number": a bare number)
  models::compute::SourceKind kind = models::compute::SourceKind::estimate;
  Distribution dist;
  std::string basis;  // why this spread: the rule for its kind, or the source's own spread
};

// The coefficients of `scenario` that are sampled, in a fixed order: those of the models the
// scenario uses, with their nominal values (the scenario's, else the model's default), then the
// keys only its `uncertainty:` section names. Errors in that section are InputErrors in it.
std::vector<Coefficient> scenario_coefficients(const Scenario& scenario);

// The scenario with the coefficients set to `values` (one per coefficient, in base units).
Scenario sample_scenario(const Scenario& scenario, const std::vector<Coefficient>& coefficients,
                         const std::vector<double>& values);

// `count` points, one value per coefficient: a Latin hypercube in probability, mapped through
// each distribution's quantile function. One point is the nominal values.
std::vector<std::vector<double>> sample_coefficients(const std::vector<Coefficient>& coefficients,
                                                     std::size_t count, std::uint64_t seed);

// The q-quantile (0..1) of `values` with linear interpolation between order statistics (numpy's
// default, "type 7"). NaN when empty.
double quantile(std::vector<double> values, double q);

// Standardized regression coefficients of y on the columns of x (samples × coefficients): the
// least-squares slopes with every variable scaled to unit standard deviation, and R². Columns
// without spread get 0; NaN everywhere when there are not more samples than coefficients + 1.
struct Sensitivity {
  std::vector<double> src;
  double r2 = 0;
};
Sensitivity standardized_regression(const std::vector<std::vector<double>>& x,
                                    const std::vector<double>& y);

struct UncertaintyOptions {
  std::size_t samples = 0;    // N (>= 1)
  std::uint64_t seed = 1;     // of the Latin hypercube (the workload keeps the scenario's seed)
  unsigned jobs = 0;          // parallel samples; 0 = cores
  bool keep_samples = false;  // keep each sample's file in OUTPUT.samples/sNNNNN.h5
};

// The KPIs that get bands (summary_keys() but those that measure the computer: wall_s, events).
std::vector<std::string> band_kpis();

// `joule run --uncertainty N`: the nominal run (its file as `joule run` writes it) plus the group
// /uncertainty (docs/output-format.md). With N = 1 the one sample is the nominal run.
Summary run_uncertainty(const Scenario& scenario, const RunOptions& options,
                        const UncertaintyOptions& uncertainty);

// The bands stored in a finished file, by KPI name: P5, median, P95 (empty without
// /uncertainty).
struct Band {
  double p5 = 0, median = 0, p95 = 0;
};
std::map<std::string, Band> read_bands(const std::string& file);
// The bands of a finished file as the JSON member `joule summary --json` appends:
// `"bands": {"pue": {"p5": 1.24, "p50": 1.26, "p95": 1.29}, ...}` (every KPI with a band, in
// summary order, shortest exact numbers); "" without /uncertainty.
std::string bands_json(const std::string& file);
// Whether a finished file holds /uncertainty from `samples` samples drawn with `seed`.
bool has_uncertainty(const std::string& file, std::size_t samples, std::uint64_t seed);

// The sensitivity table of a finished file: for each KPI with a spread, the coefficients ranked
// by |SRC|, as text (`joule summary --sensitivity`).
std::string sensitivity_table(const std::string& file, std::size_t top = 5);

const sim::ModelDoc& uncertainty_doc();

}  // namespace joule::app
