// Generator "trace": replays a CSV job table (trace.hpp) with its submit times and durations.
// Every row becomes a job, in submit order (ties keep file order); the GPU-hours replayed equal
// the trace's exactly (integer nanoseconds).
//
// Rows with gpu_num 0 are CPU-only jobs (Helios and Acme list them beside the GPU jobs). Joule
// simulates accelerator jobs on the cluster's accelerator nodes and has no CPU partition, so
// such a row would run on no node, draw nothing and still be counted as a job that completed.
// They are therefore an input error at the row's gpu_num cell unless `cpu_jobs: skip` says to
// leave them out of the simulation (their GPU-hours are zero, so the total is unchanged).
//
// In a cluster of several node pools, `pool`, `chip` and `prefer` (pool_request.hpp) apply to
// every job of the trace, as in gpu-jobs: each is checked against the trace's largest job.
#include <algorithm>
#include <filesystem>

#include "models/workload/elastic.hpp"
#include "models/workload/flexible.hpp"
#include "models/workload/generator.hpp"
#include "models/workload/pool_request.hpp"
#include "models/workload/preemptible.hpp"
#include "models/workload/share_keys.hpp"
#include "models/workload/trace.hpp"

namespace joule::models::workload {

namespace {

const sim::ModelDoc& generator_doc() {
  static const sim::ModelDoc doc = with_pool_keys(with_share_keys(sim::ModelDoc{
      "workload",
      "trace",
      "Replay a job trace (CSV: job_id, gpu_num, submit_time, start/end_time or duration, state).",
      {
          {"generator", "string", "", "trace"},
          {"file", "string", "", "CSV path, relative to the scenario file"},
          {"max_jobs", "integer", "0",
           "replay only the first n jobs by submit time (0: all; counted after `cpu_jobs`)"},
          {"cpu_jobs", "string", "error",
           "rows with gpu_num 0 (CPU-only jobs, not simulated): error (at the row) or skip "
           "(left out)"},
      }}));
  return doc;
}

// The jobs to replay, read from the trace file and checked (CPU-only rows, jobs larger than the
// cluster), in submit order and cut to `max_jobs`.
Trace trace_jobs(const sim::ParamReader& r, const GeneratorContext& ctx) {
  std::filesystem::path file = r.string("file");
  const std::string dir = sim::directory_of(r.location("file"), ctx.base_dir);
  if (file.is_relative() && !dir.empty()) file = std::filesystem::path(dir) / file;
  Trace trace = read_trace_csv(file.string(), r.location("file"));
  const bool skip_cpu_jobs = r.choice("cpu_jobs", {"error", "skip"}) == "skip";
  if (skip_cpu_jobs) {
    std::erase_if(trace.jobs, [](const TraceJob& job) { return job.gpus == 0; });
  } else {
    const auto cpu_jobs = std::count_if(trace.jobs.begin(), trace.jobs.end(),
                                        [](const TraceJob& job) { return job.gpus == 0; });
    for (const TraceJob& job : trace.jobs)
      if (job.gpus == 0)
        throw sim::InputError(
            sim::Location{nullptr, file.string(), job.line, job.gpus_column},
            "job " + job.id + " has gpu_num 0, a CPU-only job (" + std::to_string(cpu_jobs) +
                " such row" + (cpu_jobs == 1 ? "" : "s") +
                " in this trace): Joule simulates accelerator jobs only, and a job on no node "
                "would draw nothing and still count as completed; remove the rows, or set " +
                r.path("cpu_jobs") + ": skip to leave them out");
  }
  for (const TraceJob& job : trace.jobs)
    if (ctx.cluster_gpus > 0 && job.gpus > ctx.cluster_gpus)
      throw sim::InputError(sim::Location{nullptr, file.string(), job.line, 0},
                            "job " + job.id + " asks for " + std::to_string(job.gpus) +
                                " GPUs but the cluster has " + std::to_string(ctx.cluster_gpus));
  std::stable_sort(trace.jobs.begin(), trace.jobs.end(),
                   [](const TraceJob& a, const TraceJob& b) { return a.submit < b.submit; });
  const auto max_jobs = r.integer("max_jobs", sim::Range::non_negative());
  if (max_jobs > 0 && static_cast<std::size_t>(max_jobs) < trace.jobs.size())
    trace.jobs.resize(static_cast<std::size_t>(max_jobs));
  return trace;
}

class TraceGenerator final : public JobGenerator {
public:
  // Replays `trace`'s jobs in their order, marking a share flexible (flexible.hpp) and a share
  // elastic (elastic.hpp) and a share preemptible (preemptible.hpp).
  // Every job may run where `where` says (pool_request.hpp).
  TraceGenerator(Trace trace, JobRequest where, FlexibleSpec flexible, ElasticShare elastic,
                 PreemptibleShare preemptible, const GeneratorContext& ctx)
      : trace_(std::move(trace)),
        where_(std::move(where)),
        flexible_(flexible, ctx),
        elastic_(elastic, ctx),
        preemptible_(preemptible, ctx) {}

  std::optional<JobRequest> next() override {
    if (next_ >= trace_.jobs.size()) return std::nullopt;
    const TraceJob& j = trace_.jobs[next_++];
    JobRequest req;
    req.id = j.id;
    req.submit = j.submit;
    req.gpus = j.gpus;
    req.duration = j.duration;
    req.state = j.state;
    req.pool = where_.pool;
    req.chip = where_.chip;
    req.prefer = where_.prefer;
    flexible_.mark(req);
    elastic_.mark(req);
    preemptible_.mark(req);
    return req;
  }

private:
  Trace trace_;
  JobRequest where_;
  std::size_t next_ = 0;
  FlexibleMarker flexible_;
  ElasticMarker elastic_;
  PreemptibleMarker preemptible_;
};

const bool registered = JobGeneratorRegistry::add(
    generator_doc(), [](const sim::ParamReader& r, const GeneratorContext& ctx) {
      Trace trace = trace_jobs(r, ctx);
      int largest_gpus = 0;
      for (const TraceJob& job : trace.jobs) largest_gpus = std::max(largest_gpus, job.gpus);
      const int per_node =
          ctx.cluster_nodes > 0 ? std::max(1, ctx.cluster_gpus / ctx.cluster_nodes) : 1;
      JobRequest where;
      read_pool_request(r, where, ctx, (largest_gpus + per_node - 1) / per_node);
      return std::make_unique<TraceGenerator>(std::move(trace), std::move(where), flexible_spec(r),
                                              elastic_share(r), preemptible_share(r), ctx);
    });

}  // namespace

}  // namespace joule::models::workload
