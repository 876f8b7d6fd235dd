#include "models/workload/elastic.hpp"

namespace joule::models::workload {

namespace {

// Speedup exponent α: Goyal et al. 2017 (elastic.hpp), a measurement. Reconfiguration: an
// estimate.
constexpr const char* exponent_help =
    "speedup exponent α: on n nodes the job runs (n/n_ref)^α times as fast as on the n_ref it "
    "asked for (0.97: ~90 % efficiency over 32×, Goyal et al. 2017)";
constexpr const char* reconfigure_help =
    "wall time of one resize: nodes held with idle accelerators, no progress";

const bool documented = (sim::model_docs().push_back(&elastic_job_doc()),
                         sim::model_docs().push_back(&elastic_share_doc()), true);

Elasticity curve(const sim::ParamReader& r) {
  Elasticity e;
  e.exponent = r.number("exponent", sim::Range::between(0, 1));
  e.reconfigure = r.duration("reconfigure", sim::Range::non_negative());
  return e;
}

}  // namespace

const sim::ModelDoc& elastic_job_doc() {
  static const sim::ModelDoc doc{
      "workload item",
      "elastic job",
      "A listed job's `elastic:` map: the nodes a policy may run it on and its scaling curve "
      "(models/workload/elastic.hpp)",
      {{"min_nodes", "integer", "0", "fewest nodes (0: the job's `nodes`)"},
       {"max_nodes", "integer", "0", "most nodes (0: the job's `nodes`)"},
       {"exponent", "number", "0.97", exponent_help},
       {"reconfigure", "s", "60 s", reconfigure_help}}};
  return doc;
}

const sim::ModelDoc& elastic_share_doc() {
  static const sim::ModelDoc doc{
      "workload",
      "elastic",
      "A generator's `elastic:` map: the share of its whole-node jobs a policy may resize, "
      "their node range and scaling curve (models/workload/elastic.hpp)",
      {{"share", "number", "0", "probability that a job is elastic, in [0, 1]"},
       {"min_scale", "number", "0.5", "fewest nodes: max(1, ⌈n·min_scale⌉), n the job's size"},
       {"max_scale", "number", "2", "most nodes: ⌊n·max_scale⌋ (at most the cluster's)"},
       {"exponent", "number", "0.97", exponent_help},
       {"reconfigure", "s", "60 s", reconfigure_help}}};
  return doc;
}

std::optional<Elasticity> elastic_job(const sim::ParamReader& job) {
  const sim::ParamNode* node = job.node("elastic");
  if (!node) return std::nullopt;
  if (!node->is_map()) job.fail("elastic", "must be a map {min_nodes, max_nodes, ...}");
  const sim::ParamReader r(node, elastic_job_doc());
  Elasticity e = curve(r);
  e.min_nodes = static_cast<int>(r.integer("min_nodes", sim::Range::between(0, 1e7)));
  e.max_nodes = static_cast<int>(r.integer("max_nodes", sim::Range::between(0, 1e7)));
  if (e.min_nodes > 0 && e.max_nodes > 0 && e.min_nodes > e.max_nodes)
    r.fail("min_nodes", "exceeds max_nodes (" + std::to_string(e.max_nodes) + ")");
  return e;
}

ElasticShare elastic_share(const sim::ParamReader& generator) {
  ElasticShare s;
  const sim::ParamNode* node = generator.node("elastic");
  if (!node) return s;
  if (!node->is_map()) generator.fail("elastic", "must be a map {share, min_scale, ...}");
  const sim::ParamReader r(node, elastic_share_doc());
  s.share = r.number("share", sim::Range::between(0, 1));
  s.elasticity = curve(r);
  s.elasticity.min_scale = r.number("min_scale", sim::Range::between(0, 1));
  s.elasticity.max_scale = r.number("max_scale", sim::Range::at_least(1));
  return s;
}

ElasticMarker::ElasticMarker(ElasticShare spec, const GeneratorContext& ctx)
    : spec_(spec), rng_(ctx.streams.stream(ctx.stream_prefix + ".elastic")) {}

void ElasticMarker::mark(JobRequest& job) {
  if (spec_.share <= 0.0) return;
  if (rng_.uniform() >= spec_.share) return;
  job.elastic = spec_.elasticity;
}

}  // namespace joule::models::workload
