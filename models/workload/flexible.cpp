#include "models/workload/flexible.hpp"

namespace joule::models::workload {

const sim::ModelDoc& flexible_doc() {
  static const sim::ModelDoc doc{
      "workload",
      "flexible",
      "Share of a generator's jobs that policies may defer (carbon-aware, price-aware), each "
      "with deadline = submit + run time + slack.",
      {
          {"share", "number", "0", "probability that a job is flexible, in [0, 1]"},
          {"slack", "s", "12 h", "deadline minus (submit + run time at nominal speed)"},
      }};
  return doc;
}

namespace {
const bool documented = (sim::model_docs().push_back(&flexible_doc()), true);
}  // namespace

FlexibleSpec flexible_spec(const sim::ParamReader& generator) {
  FlexibleSpec s;
  const sim::ParamNode* node = generator.node("flexible");
  if (!node) {
    s.share = 0.0;
    return s;
  }
  if (!node->is_map()) generator.fail("flexible", "must be a map {share, slack}");
  const sim::ParamReader r(node, flexible_doc());
  s.share = r.number("share", sim::Range::between(0, 1));
  s.slack = r.duration("slack", sim::Range::non_negative());
  return s;
}

FlexibleMarker::FlexibleMarker(FlexibleSpec spec, const GeneratorContext& ctx)
    : spec_(spec), rng_(ctx.streams.stream(ctx.stream_prefix + ".flexible")) {}

void FlexibleMarker::mark(JobRequest& job) {
  if (spec_.share <= 0.0) return;
  if (rng_.uniform() >= spec_.share) return;
  job.flexible = true;
  job.deadline = sim::saturating_add(sim::saturating_add(job.submit, job.duration), spec_.slack);
}

}  // namespace joule::models::workload
