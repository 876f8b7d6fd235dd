// The `list` workload: jobs written out in the scenario, for tests, tutorials and small
// what-ifs. Each item: {name, submit, nodes, duration, utilization, accelerators}.
#include <algorithm>

#include "models/world/job_source.hpp"

namespace joule::models::world {

namespace {

const sim::ModelDoc& list_doc() {
  static const sim::ModelDoc doc{
      "workload",
      "list",
      "Jobs listed in the scenario (each: name, submit, nodes, duration, utilization, flexible, "
      "deadline)",
      {{"generator", "string", "list", "selects this source"},
       {"jobs", "list", "", "the jobs, in any order"}}};
  return doc;
}

const sim::ModelDoc& item_doc() {
  static const sim::ModelDoc doc{
      "workload item",
      "list job",
      "One listed job",
      {{"name", "string", "job", "label in the job table"},
       {"submit", "s", "0 s", "submit time after the start of the run"},
       {"nodes", "integer", "1", "whole nodes the job needs"},
       {"duration", "s", "", "run time at nominal speed"},
       {"utilization", "number", "1", "busy fraction of each node, in [0, 1]"},
       {"flexible", "bool", "false", "may be deferred by carbon- or price-aware policies"},
       {"deadline", "s", "0 s", "latest completion for a flexible job (0: none)"}}};
  return doc;
}

class ListSource final : public JobSource {
public:
  explicit ListSource(std::vector<JobRequest> jobs) : jobs_(std::move(jobs)) {}
  std::optional<JobRequest> next() override {
    if (next_ == jobs_.size()) return std::nullopt;
    return jobs_[next_++];
  }

private:
  std::vector<JobRequest> jobs_;
  std::size_t next_ = 0;
};

const bool registered =
    JobSourceRegistry::add(list_doc(), [](const sim::ParamReader& r, const SourceContext& ctx) {
      const sim::ParamNode* list = r.node("jobs");
      if (!list || !list->is_sequence())
        r.fail("jobs", "must be a list of jobs, e.g. [{nodes: 2, duration: 1 h}]");
      std::vector<JobRequest> jobs;
      for (const auto& item : list->items) {
        const sim::ParamReader j(&item, item_doc(), {});
        JobRequest req;
        req.name = j.string("name");
        req.submit = j.duration("submit");
        req.nodes = static_cast<int>(j.integer("nodes", sim::Range::at_least(1)));
        if (ctx.total_nodes > 0 && req.nodes > ctx.total_nodes)
          j.fail("nodes", "asks for " + std::to_string(req.nodes) + " nodes but the cluster has " +
                              std::to_string(ctx.total_nodes));
        req.work = j.duration("duration", sim::Range::positive());
        req.load.utilization = j.number("utilization", sim::Range::unit_interval());
        req.flexible = j.boolean("flexible");
        const sim::Time deadline = j.duration("deadline");
        req.deadline = deadline == sim::Time::zero() ? sim::Time::max() : deadline;
        jobs.push_back(std::move(req));
      }
      std::stable_sort(jobs.begin(), jobs.end(),
                       [](const auto& a, const auto& b) { return a.submit < b.submit; });
      return std::make_unique<ListSource>(std::move(jobs));
    });

}  // namespace

}  // namespace joule::models::world
