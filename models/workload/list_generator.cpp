// The `list` workload: jobs written out in the scenario, for tests, tutorials, reproductions
// of published runs and small what-ifs. Each item is a fixed-duration job (`duration`) or an
// LLM training job (`training:` with the keys of training-job), on `nodes` whole nodes (or
// `gpus` accelerators).
#include <algorithm>

#include "models/workload/elastic.hpp"
#include "models/workload/generator.hpp"
#include "models/workload/job_model.hpp"
#include "models/workload/pool_request.hpp"
#include "models/workload/preemptible.hpp"

namespace joule::models::workload {

namespace {

const sim::ModelDoc& list_doc() {
  static const sim::ModelDoc doc{
      "workload",
      "list",
      "Jobs listed in the scenario, each fixed-duration or an LLM training job",
      {{"generator", "string", "list", "selects this source"},
       {"jobs", "list", "", "the jobs, in any order (keys: see 'list job')"}}};
  return doc;
}

const sim::ModelDoc& item_doc() {
  static const sim::ModelDoc doc = with_pool_keys(sim::ModelDoc{
      "workload item",
      "list job",
      "One listed job: fixed `duration` at a load, or `training:` (an LLM training job)",
      {{"name", "string", "job", "label in the job table"},
       {"submit", "s", "0 s", "submit time after the start of the run"},
       {"nodes", "integer", "0", "whole nodes (0: enough for `gpus`)"},
       {"gpus", "integer", "0", "accelerators (0: all of `nodes`)"},
       {"duration", "s", "0 s", "run time at nominal speed (fixed-duration jobs)"},
       {"mfu", "number", "0.4", "dense-tensor utilization of busy accelerators (operation model)"},
       {"utilization", "number", "1", "busy fraction of each node (linear node model)"},
       {"power_per_accelerator", "W", "0 W",
        "replay a published average power per accelerator, host share included (0: model it)"},
       {"training", "map", "-", "an LLM training job (keys: see 'training-job')"},
       {"failures", "map", "-", "failure model of a training job (keys: see 'failures')"},
       {"inference", "map", "-",
        "an inference service running for `duration` (keys: see 'inference'): its diurnal request "
        "rate sets the load every interval"},
       {"kind", "string", "-",
        "kind of work, a registered job model (fixed, inference, training, ...); default: "
        "training with `training:`, inference with `inference:`, else fixed"},
       {"fidelity", "string", "steady",
        "training jobs: steady (phase-averaged) or iteration (every phase as an event)"},
       {"flexible", "bool", "false", "may be deferred by carbon- or price-aware policies"},
       {"deadline", "s", "0 s", "latest completion of a flexible job (0: none)"},
       {"elastic", "map", "-",
        "policies may run and resize it on other node counts (keys: see 'elastic job')"},
       {"preemptible", "map", "-",
        "true or a map: policies may move it to other nodes at its checkpoints (keys: see "
        "'preemptible job')"}}});
  return doc;
}

// In the scenario reference (`joule list-models`), where other sections point to it.
const bool item_documented = (sim::model_docs().push_back(&item_doc()), true);

class ListGenerator final : public JobGenerator {
public:
  explicit ListGenerator(std::vector<JobRequest> jobs) : jobs_(std::move(jobs)) {}
  std::optional<JobRequest> next() override {
    if (next_ == jobs_.size()) return std::nullopt;
    return jobs_[next_++];
  }

private:
  std::vector<JobRequest> jobs_;
  std::size_t next_ = 0;
};

const bool registered = JobGeneratorRegistry::add(list_doc(), [](const sim::ParamReader& r,
                                                                 const GeneratorContext& ctx) {
  const sim::ParamNode* list = r.node("jobs");
  if (!list || !list->is_sequence())
    r.fail("jobs", "must be a list of jobs, e.g. [{nodes: 2, duration: 1 h}]");
  std::vector<JobRequest> jobs;
  for (const auto& item : list->items) {
    const sim::ParamReader j(&item, item_doc(), {});
    JobRequest req;
    req.id = j.string("name");
    req.where = item.where;
    if (j.has("kind")) req.kind = j.choice("kind", JobModelRegistry::kinds());
    req.submit = j.duration("submit");
    req.nodes = static_cast<int>(j.integer("nodes", sim::Range::between(0, 1e7)));
    req.gpus = static_cast<int>(j.integer("gpus", sim::Range::between(0, 1e8)));
    req.mfu = j.number("mfu", sim::Range::unit_interval());
    req.utilization = j.number("utilization", sim::Range::unit_interval());
    const auto p = j.quantity<sim::Watts>("power_per_accelerator", sim::Range::non_negative());
    if (p.value() > 0) req.power_per_accelerator = p;
    if (const sim::ParamNode* t = j.node("training")) {
      const sim::ParamReader tr(t, training_job_doc());
      req.training = training_job_spec(tr);
      req.training->name = req.id;
      if (req.gpus == 0) req.gpus = req.training->gpus();
      if (req.gpus != req.training->gpus())
        j.fail("gpus", "differs from the training job's parallel layout (" +
                           std::to_string(req.training->gpus()) + " accelerators)");
      const sim::ParamReader f(j.node("failures"), failures_doc());
      req.failures = failure_spec(f);
      req.fidelity = j.choice("fidelity", {"steady", "iteration"}) == "iteration"
                         ? Fidelity::iteration
                         : Fidelity::steady;
    } else if (const sim::ParamNode* inf = j.node("inference")) {
      const sim::ParamReader ir(inf, inference_doc());
      req.inference = inference_spec(ir);
      req.duration = j.duration("duration", sim::Range::positive());
      if (req.gpus == 0) req.gpus = req.inference->tensor_parallel * req.inference->replicas;
      if (j.has("failures")) j.fail("failures", "applies to `training:` jobs only");
    } else {
      req.duration = j.duration("duration", sim::Range::positive());
      if (j.has("failures")) j.fail("failures", "applies to `training:` jobs only");
    }
    if (req.nodes == 0 && req.gpus == 0) j.fail("nodes", "or `gpus` must be given");
    if (ctx.cluster_nodes > 0 && req.nodes > ctx.cluster_nodes)
      j.fail("nodes", "asks for " + std::to_string(req.nodes) + " nodes but the cluster has " +
                          std::to_string(ctx.cluster_nodes));
    check_fits(j, j.has("gpus") ? "gpus" : "training", req.gpus, ctx);
    const int per_node = ctx.cluster_nodes > 0 ? ctx.cluster_gpus / ctx.cluster_nodes : 1;
    read_pool_request(
        j, req, ctx, req.nodes > 0 ? req.nodes : (req.gpus + per_node - 1) / std::max(1, per_node));
    req.flexible = j.boolean("flexible");
    const sim::Time deadline = j.duration("deadline");
    req.deadline = deadline == sim::Time::zero() ? sim::Time::max() : deadline;
    req.elastic = elastic_job(j);
    if (req.elastic && req.nodes > 0 &&
        (req.elastic->min_nodes > req.nodes ||
         (req.elastic->max_nodes > 0 && req.elastic->max_nodes < req.nodes)))
      j.fail("elastic", "must allow the job's own " + std::to_string(req.nodes) + " nodes");
    if (req.elastic && ctx.cluster_nodes > 0 && req.elastic->max_nodes > ctx.cluster_nodes)
      j.fail("elastic", "allows " + std::to_string(req.elastic->max_nodes) +
                            " nodes but the cluster has " + std::to_string(ctx.cluster_nodes));
    req.preemptible = preemptible_job(j);
    if (req.preemptible && req.elastic)
      j.fail("preemptible", "and `elastic` cannot both be set (a move keeps the job's size)");
    jobs.push_back(std::move(req));
  }
  std::stable_sort(jobs.begin(), jobs.end(),
                   [](const auto& a, const auto& b) { return a.submit < b.submit; });
  return std::make_unique<ListGenerator>(std::move(jobs));
});

}  // namespace

}  // namespace joule::models::workload
