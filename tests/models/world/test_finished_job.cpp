// A finished job's model is swapped for a FinishedModel (models/world/finished_job.hpp): it
// answers what the full model answered when the job finished, and nothing else.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "io/yaml_params.hpp"
#include "models/world/finished_job.hpp"
#include "models/world/work.hpp"
#include "models/world/world.hpp"

using namespace joule;
using models::world::FinishedModel;

namespace {

// A model with a figure of its own for every query.
class Probe final : public models::workload::JobModel {
public:
  sim::Time planned_work() const override { return sim::hours(3); }
  models::workload::OpRates typical_rates() const override {
    models::workload::OpRates r;
    r.core_bound = 0.37;
    return r;
  }
  models::workload::Activity start() override { return {}; }
  models::workload::Activity advance(sim::Time) override { return {}; }
  bool follows_clock() const override { return false; }
  const models::workload::RunStats* stats() const override { return &stats_; }
  models::workload::WorkDone work(sim::Time tau, int gpus) const override {
    models::workload::WorkDone w;
    w.useful_gpu_s = tau == sim::Time::max() ? 1234.5 * gpus : 0.0;
    w.training_tokens = 6.5e9;
    return w;
  }
  double end_to_end_mfu() const override { return 0.41; }
  double kernel_efficiency() const override { return 0.63; }
  models::workload::RunStats stats_{.steps_committed = 7,
                                    .steps_done = 9,
                                    .interruptions = 2,
                                    .useful_gpu_s = 100,
                                    .lost_gpu_s = 25};
};

}  // namespace

TEST_CASE("a finished model answers the full model's figures, and refuses to run again") {
  const Probe full;
  FinishedModel done(full, 8);
  CHECK(done.planned_work() == sim::hours(3));
  CHECK(done.typical_rates().core_bound == 0.37);
  CHECK_FALSE(done.follows_clock());
  REQUIRE(done.stats() != nullptr);
  CHECK(done.stats()->steps_done == 9);
  CHECK(done.stats()->goodput() == doctest::Approx(0.8));
  CHECK(done.work(sim::Time::max(), 8).useful_gpu_s == 1234.5 * 8);
  CHECK(done.work(sim::Time::max(), 8).training_tokens == 6.5e9);
  CHECK(done.end_to_end_mfu() == 0.41);
  CHECK(done.kernel_efficiency() == 0.63);
  CHECK(done.planned_remaining(sim::hours(1)) == sim::Time::zero());
  CHECK_THROWS_AS(done.start(), std::logic_error);
  CHECK_THROWS_AS(done.advance(sim::hours(1)), std::logic_error);
  CHECK_THROWS_AS(done.work(sim::Time::max(), 16), std::logic_error);
}

TEST_CASE("the world releases finished jobs' models and requests, and keeps running ones") {
  sim::ParamNode root = io::parse_yaml_text(R"(cluster:
  racks: {count: 2, nodes_per_rack: 2}
  node: {type: dgx-h100}
workload:
  generator: llm-training
  arrivals: {process: poisson, mean_interarrival: 2 h}
  jobs: {params: [7e9], tokens_per_param: 1, gpus: [8], mfu: 0.4}
  failures: {mtbf_per_gpu: 5000 h, restart: 10 min, checkpoint_every: 30 min}
scheduler: {policy: fifo}
)",
                                            "world.yaml");
  models::world::WorldSections s;
  s.cluster = root.find("cluster");
  s.workload = root.find("workload");
  s.scheduler = root.find("scheduler");
  s.duration = sim::days(2);
  models::world::World w(models::world::world_spec(s, 1, "."));
  w.run_until(sim::days(2));
  int done = 0;
  for (const auto& job : w.jobs()) {
    const bool finished = dynamic_cast<const FinishedModel*>(job.model.get()) != nullptr;
    CHECK(finished == (job.state == models::world::JobState::done));
    if (!finished) continue;
    ++done;
    CHECK_FALSE(job.source.training.has_value());
    // What the jobs table reads is still there: a training job's accounting and work.
    REQUIRE(job.model->stats() != nullptr);
    CHECK(job.model->stats()->useful_gpu_s > 0);
    CHECK(models::world::job_work(job, w.simulator().now()).training_tokens > 0);
    CHECK(job.model->end_to_end_mfu() > 0);
  }
  CHECK(done > 0);
}
