// Flexible work: a share of a generator's jobs may be deferred by a scheduling policy
// (carbon-aware, price-aware) as long as they end by a deadline.
//
//   workload:
//     flexible: {share: 0.3, slack: 12 h}
//
// Each job is flexible with probability `share` (a Bernoulli draw on the generator's own stream
// "<prefix>.flexible", so marking jobs leaves the arrival and size draws unchanged), with
//     deadline = submit + run time at nominal speed + slack,
// so a job that starts as late as slack after its submission still meets it. Estimates of the
// deferrable share of data-center work vary: Google's carbon-intelligent computing shifts
// "flexible" batch work such as data processing and ML training pipelines within a day (Radovanović
// et al., "Carbon-aware computing for datacenters", IEEE Trans. Power Systems 38(2), 2023); the
// share and slack are the scenario's assumption (defaults 0: no job is flexible).
#pragma once

#include "models/workload/generator.hpp"

namespace joule::models::workload {

struct FlexibleSpec {
  double share = 0.0;                // probability that a job is flexible, in [0, 1]
  sim::Time slack = sim::hours(12);  // deadline − (submit + run time)
};

// The `flexible` map's keys.
const sim::ModelDoc& flexible_doc();
// Reads a generator's `flexible:` key (absent: no job is flexible).
FlexibleSpec flexible_spec(const sim::ParamReader& generator);

// Marks jobs flexible with their deadlines, drawing from "<prefix>.flexible".
class FlexibleMarker {
public:
  FlexibleMarker(FlexibleSpec spec, const GeneratorContext& ctx);
  // Marks `job` (its submit and duration set) flexible with probability `share`.
  void mark(JobRequest& job);

private:
  FlexibleSpec spec_;
  sim::Rng rng_;
};

}  // namespace joule::models::workload
