// Generator "gpu-jobs": generic accelerator jobs of a given size and run time (no model of
// what they compute), e.g. a research cluster's mix: arrivals × gpus mix × duration
// distribution, typically lognormal (job run times in Philly/Helios are heavy-tailed and close
// to lognormal over several decades; Jeon et al. ATC'19, Hu et al. SC'21).
#include <cmath>
#include <cstdio>
#include <string>

#include "models/workload/elastic.hpp"
#include "models/workload/flexible.hpp"
#include "models/workload/generator.hpp"
#include "models/workload/pool_request.hpp"
#include "models/workload/preemptible.hpp"
#include "models/workload/share_keys.hpp"

namespace joule::models::workload {

namespace {

const sim::ModelDoc& generator_doc() {
  static const sim::ModelDoc doc = with_pool_keys(with_share_keys(
      {"workload",
       "gpu-jobs",
       "Fixed-duration GPU jobs: arrivals × GPU-count mix × run-time distribution.",
       {
           {"generator", "string", "", "gpu-jobs"},
           {"arrivals", "map", "", "arrival process (see 'arrivals')"},
           {"gpus", "list", "", "GPUs per job: value, list or {values, weights}"},
           {"duration", "map", "", "run time: value, list or {lognormal: {median, sigma}}"},
           {"max_jobs", "integer", "0", "stop after this many jobs (0: unlimited)"},
       }}));
  return doc;
}

// The longest run time a generated job may have: a century leaves room in sim::Time (±292
// years) for the job's start time and for slowdowns (a throttled clock stretches a job).
constexpr double year_s = 365.25 * 86400.0;
constexpr double max_job_s = 100 * year_s;

std::string years(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", s / year_s);
  return text;
}

// The generator's keys, as read and checked by gpu_jobs_spec().
struct GpuJobsSpec {
  ArrivalSpec arrivals;
  Distribution gpus, duration;  // accelerators per job; run time (s)
  std::int64_t max_jobs = 0;    // 0: unlimited
  FlexibleSpec flexible;
  JobRequest where;  // the pools every job may run in (pool_request.hpp)
  ElasticShare elastic;
  PreemptibleShare preemptible;
};

GpuJobsSpec gpu_jobs_spec(const sim::ParamReader& r, const GeneratorContext& ctx) {
  GpuJobsSpec s;
  s.arrivals = arrival_spec(sim::ParamReader(r.node("arrivals"), arrivals_doc()));
  const sim::ParamNode* g = r.node("gpus");
  if (!g) r.fail("gpus", "is required");
  s.gpus = read_distribution<sim::Ratio>(*g, sim::Range::at_least(1));
  for (double v : s.gpus.values()) {
    if (v != std::floor(v)) r.fail("gpus", "must be whole numbers");
    check_fits(r, "gpus", v, ctx);
  }
  const sim::ParamNode* d = r.node("duration");
  if (!d) r.fail("duration", "is required");
  s.duration = read_distribution<sim::Seconds>(*d, sim::Range::non_negative());
  if (!(s.duration.highest() <= max_job_s))
    r.fail("duration", "reaches " + years(s.duration.highest()) +
                           " years (the largest value, or a lognormal's one-in-10^9 draw, "
                           "median·e^(6σ)); a job may run at most 100 years");
  s.max_jobs = r.integer("max_jobs", sim::Range::non_negative());
  s.flexible = flexible_spec(r);
  const int per_node =
      ctx.cluster_nodes > 0 ? std::max(1, ctx.cluster_gpus / ctx.cluster_nodes) : 1;
  read_pool_request(r, s.where, ctx, static_cast<int>(std::ceil(s.gpus.highest() / per_node)));
  s.elastic = elastic_share(r);
  s.preemptible = preemptible_share(r);
  return s;
}

class GpuJobsGenerator final : public JobGenerator {
public:
  // Draws from the streams "<prefix>.arrivals" and "<prefix>.jobs" of `ctx`.
  GpuJobsGenerator(GpuJobsSpec spec, const GeneratorContext& ctx)
      : arrivals_(std::move(spec.arrivals), ctx.streams.stream(ctx.stream_prefix + ".arrivals")),
        rng_(ctx.streams.stream(ctx.stream_prefix + ".jobs")),
        gpus_(std::move(spec.gpus)),
        duration_(std::move(spec.duration)),
        max_jobs_(spec.max_jobs),
        flexible_(spec.flexible, ctx),
        where_(std::move(spec.where)),
        elastic_(spec.elastic, ctx),
        preemptible_(spec.preemptible, ctx) {}

  std::optional<JobRequest> next() override {
    if (max_jobs_ > 0 && count_ >= max_jobs_) return std::nullopt;
    JobRequest req;
    req.submit = arrivals_.next();
    req.id = "job-" + std::to_string(++count_);
    req.gpus = static_cast<int>(gpus_.sample(rng_));
    req.duration = sim::seconds(duration_.sample(rng_));
    flexible_.mark(req);
    req.pool = where_.pool;
    req.chip = where_.chip;
    req.prefer = where_.prefer;
    elastic_.mark(req);
    preemptible_.mark(req);
    return req;
  }

private:
  ArrivalProcess arrivals_;
  sim::Rng rng_;
  Distribution gpus_, duration_;
  std::int64_t max_jobs_ = 0, count_ = 0;
  FlexibleMarker flexible_;
  JobRequest where_;
  ElasticMarker elastic_;
  PreemptibleMarker preemptible_;
};

const bool registered = JobGeneratorRegistry::add(
    generator_doc(), [](const sim::ParamReader& r, const GeneratorContext& ctx) {
      return std::make_unique<GpuJobsGenerator>(gpu_jobs_spec(r, ctx), ctx);
    });

}  // namespace

}  // namespace joule::models::workload
