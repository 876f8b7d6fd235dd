#include "models/workload/preemptible.hpp"

namespace joule::models::workload {

namespace {

// Restart: the training run's restart_delay default (training_run.hpp), an estimate.
// Checkpoint interval of duration-only jobs: an assumption of the scenario (1 h by default, the
// order of the intervals large training runs choose; Young's formula with a checkpoint of
// minutes and an MTBF of days gives hours).
constexpr const char* restart_help =
    "wall time of one move: new nodes held with idle accelerators, no progress (relaunch and "
    "read the last checkpoint back)";
constexpr const char* every_help =
    "checkpoint interval of a job known only by its duration (training jobs use their own "
    "checkpoints); 0: never moves";

const bool documented = (sim::model_docs().push_back(&preemptible_job_doc()),
                         sim::model_docs().push_back(&preemptible_share_doc()), true);

Preemption preemption(const sim::ParamReader& r) {
  Preemption p;
  p.restart = r.duration("restart", sim::Range::non_negative());
  p.checkpoint_every = r.duration("checkpoint_every", sim::Range::non_negative());
  return p;
}

}  // namespace

const sim::ModelDoc& preemptible_job_doc() {
  static const sim::ModelDoc doc{
      "workload item",
      "preemptible job",
      "A listed job's `preemptible:` key, `true` or a map: a policy may move the job to other "
      "nodes when it finishes a checkpoint (models/workload/preemptible.hpp)",
      {{"restart", "s", "10 min", restart_help}, {"checkpoint_every", "s", "1 h", every_help}}};
  return doc;
}

const sim::ModelDoc& preemptible_share_doc() {
  static const sim::ModelDoc doc{
      "workload",
      "preemptible",
      "A generator's `preemptible:` map: the share of its whole-node jobs a policy may move at "
      "checkpoints, and what a move costs (models/workload/preemptible.hpp)",
      {{"share", "number", "0", "probability that a job is preemptible, in [0, 1]"},
       {"restart", "s", "10 min", restart_help},
       {"checkpoint_every", "s", "1 h", every_help}}};
  return doc;
}

std::optional<Preemption> preemptible_job(const sim::ParamReader& job) {
  const sim::ParamNode* node = job.node("preemptible");
  if (!node) return std::nullopt;
  if (node->is_scalar()) {
    if (!job.boolean("preemptible")) return std::nullopt;
    return preemption(sim::ParamReader(nullptr, preemptible_job_doc()));
  }
  if (!node->is_map()) job.fail("preemptible", "must be true, false or a map {restart, ...}");
  return preemption(sim::ParamReader(node, preemptible_job_doc()));
}

PreemptibleShare preemptible_share(const sim::ParamReader& generator) {
  PreemptibleShare s;
  const sim::ParamNode* node = generator.node("preemptible");
  if (!node) return s;
  if (!node->is_map()) generator.fail("preemptible", "must be a map {share, restart, ...}");
  const sim::ParamReader r(node, preemptible_share_doc());
  s.share = r.number("share", sim::Range::between(0, 1));
  s.preemption = preemption(r);
  return s;
}

PreemptibleMarker::PreemptibleMarker(PreemptibleShare spec, const GeneratorContext& ctx)
    : spec_(spec), rng_(ctx.streams.stream(ctx.stream_prefix + ".preemptible")) {}

void PreemptibleMarker::mark(JobRequest& job) {
  if (spec_.share <= 0.0) return;
  // One draw per job whatever it holds, so the stream stays aligned with the jobs; an elastic
  // job stays in place (a move keeps the size it runs at).
  if (rng_.uniform() >= spec_.share || job.elastic) return;
  job.preemptible = spec_.preemption;
}

}  // namespace joule::models::workload
