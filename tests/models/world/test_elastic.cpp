// Elastic jobs in the World on a cluster one can check by hand: 4 nodes (2 racks of 2), linear
// node model, 1 kW idle and 5 kW busy. On n nodes a job asked for on n_ref runs
// S(n) = (n/n_ref)^α times as fast (models/workload/elastic.hpp); a resize stalls it for R
// with its nodes idle.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "build_world.hpp"
#include "io/yaml_params.hpp"
#include "models/world/work.hpp"
#include "models/world/world.hpp"
#include "sim/error.hpp"

using namespace joule;
using models::world::World;
using models::world::WorldSections;

namespace {

using test::Built;

Built build(const std::string& yaml, sim::Time duration) {
  return test::build_world(yaml, duration, "elastic.yaml");
}

const std::string cluster = R"(cluster:
  racks: {count: 2, nodes_per_rack: 2}
  node: {type: dgx-h100, model: linear, idle_power: 1 kW, max_power: 5 kW}
)";

// One job asked for on 2 nodes for 1 h, α = 0.5, R = `reconfigure`.
std::string one_job(const std::string& reconfigure) {
  return cluster + R"(workload:
  generator: list
  jobs: [{name: e, nodes: 2, duration: 1 h,
          elastic: {min_nodes: 1, max_nodes: 4, exponent: 0.5, reconfigure: )" +
         reconfigure + "}}]\n";
}

}  // namespace

TEST_CASE("an elastic job on its own 2 nodes runs its listed hour; on 4 nodes W/S(4)") {
  {  // FIFO never resizes: the job runs on the 2 nodes it asked for, as a rigid one would.
    auto b = build(one_job("5 min"), sim::hours(2));
    b.world->run_until(sim::hours(2));
    const auto& job = b.world->jobs().at(0);
    CHECK(job.end == sim::hours(1));
    CHECK(job.energy_j == doctest::Approx(2 * 5e3 * 3600));
  }
  {  // `elastic` grows it at t = 0 onto all 4 nodes (T·(1 − S(2)/S(4)) = 3600·(1 − 1/√2) s =
     // 1054 s > R = 300 s): a 300 s stall at idle, then 3600/√2 s on 4 nodes.
    auto b = build(one_job("5 min") + "scheduler: {policy: elastic}\n", sim::hours(2));
    b.world->run_until(sim::hours(2));
    const auto& job = b.world->jobs().at(0);
    const double run_s = 3600 / std::sqrt(2.0);
    CHECK(job.nodes.size() == 4);
    CHECK(job.end.seconds() == doctest::Approx(300 + run_s).epsilon(1e-9));
    // Energy: 2 nodes busy for 0 s, then 4 idle for 300 s, then 4 busy for 3600/√2 s:
    // (4/2)^(1−α) = √2 times the job's rigid energy, plus the stall.
    CHECK(job.energy_j == doctest::Approx(4 * 1e3 * 300 + 4 * 5e3 * run_s));
    CHECK(4 * 5e3 * run_s == doctest::Approx(std::sqrt(2.0) * 2 * 5e3 * 3600));
  }
}

TEST_CASE("a resize mid-run charges exactly the reconfiguration time; energy is conserved") {
  // At 30 min (half the nominal hour done) the job grows from 2 to 4 nodes: a stall of R, then
  // the other half at S(4) = √2.
  double held_gpu_s = 0, useful_gpu_s = 0;
  auto end_with = [&](const std::string& reconfigure, double& it_j, double& job_j, double& end_s) {
    auto b = build(one_job(reconfigure), sim::hours(2));
    World& w = *b.world;
    w.run_until(sim::minutes(30));
    w.control().resize(w.jobs().at(0), 4);
    CHECK(w.jobs().at(0).reconfiguring);  // until its end event, even when R = 0
    CHECK(w.cluster_state().free_nodes().empty());
    w.run_until(sim::hours(2));
    CHECK(w.jobs().at(0).resizes == 1);
    end_s = w.jobs().at(0).end.seconds();
    it_j = w.it_energy_j();
    job_j = w.jobs().at(0).energy_j;
    held_gpu_s = w.jobs().at(0).allocated_gpu_s(w.jobs().at(0).end);
    useful_gpu_s = models::world::job_work(w.jobs().at(0), w.simulator().now()).useful_gpu_s;
  };
  double it_j = 0, job_j = 0, end_s = 0, it0_j = 0, job0_j = 0, end0_s = 0;
  end_with("5 min", it_j, job_j, end_s);
  end_with("0 s", it0_j, job0_j, end0_s);
  const double run_s = 1800 / std::sqrt(2.0);
  CHECK(end_s == doctest::Approx(1800 + 300 + run_s).epsilon(1e-9));
  CHECK(end_s - end0_s == doctest::Approx(300).epsilon(1e-9));  // exactly R
  // The job: 2 nodes × 5 kW × 30 min, 4 idle nodes × 1 kW × R, 4 × 5 kW × the rest.
  CHECK(job_j == doctest::Approx(2 * 5e3 * 1800 + 4 * 1e3 * 300 + 4 * 5e3 * run_s));
  CHECK(job_j - job0_j == doctest::Approx(4 * 1e3 * 300));
  // Held: 16 GPUs for 30 min, then 32 to the end. Useful work stays the hour on 16 GPUs it
  // asked for, wherever it ran.
  CHECK(held_gpu_s == doctest::Approx(16 * 1800 + 32 * (end0_s - 1800)));
  CHECK(useful_gpu_s == doctest::Approx(16 * 3600));
  // Conservation: IT = the job + the free nodes' idle power (2 nodes for 30 min, then all 4
  // from the job's end to 2 h).
  CHECK(it_j == doctest::Approx(job_j + 2 * 1e3 * 1800 + 4 * 1e3 * (7200 - end_s)));
}

TEST_CASE("shrinking frees the job's highest nodes at once; they idle while it stalls") {
  auto b = build(one_job("10 min"), sim::hours(3));
  World& w = *b.world;
  w.run_until(sim::minutes(20));
  w.control().resize(w.jobs().at(0), 1);
  const auto& state = w.cluster_state();
  CHECK(state.node(0).job == 0);
  CHECK(state.node(1).job == -1);
  CHECK(state.free_nodes().size() == 3);
  CHECK(w.it_power_w() == doctest::Approx(4 * 1e3));  // all idle during the stall
  w.run_until(sim::hours(3));
  // 20 min of the hour done on 2 nodes, 10 min stall, then 40 min at S(1) = 1/√2.
  CHECK(w.jobs().at(0).end.seconds() == doctest::Approx(1200 + 600 + 2400 * std::sqrt(2.0)));
}

TEST_CASE("resizing what cannot be resized is a logic error") {
  auto b = build(cluster + R"(workload:
  generator: list
  jobs: [{name: r, nodes: 2, duration: 1 h},
         {name: e, nodes: 1, duration: 1 h, elastic: {min_nodes: 1, max_nodes: 3}}]
)",
                 sim::hours(2));
  World& w = *b.world;
  w.run_until(sim::minutes(1));
  CHECK_THROWS_AS(w.control().resize(w.jobs().at(0), 1), std::logic_error);  // rigid
  CHECK_THROWS_AS(w.control().resize(w.jobs().at(1), 4), std::logic_error);  // above max
  CHECK_THROWS_AS(w.control().resize(w.jobs().at(1), 0), std::logic_error);  // below min
  w.control().resize(w.jobs().at(1), 2);
  CHECK_THROWS_AS(w.control().resize(w.jobs().at(1), 3), std::logic_error);  // reconfiguring
}

TEST_CASE("an elastic range that excludes the job's own size is an input error") {
  CHECK_THROWS_AS(build(cluster + R"(workload:
  generator: list
  jobs: [{name: e, nodes: 2, duration: 1 h, elastic: {min_nodes: 3, max_nodes: 4}}]
)",
                        sim::hours(1)),
                  sim::InputError);
  CHECK_THROWS_AS(build(cluster + R"(workload:
  generator: list
  jobs: [{name: e, nodes: 2, duration: 1 h, elastic: {max_nodes: 8}}]
)",
                        sim::hours(1)),
                  sim::InputError);
  CHECK_THROWS_AS(build(cluster + R"(workload:
  generator: list
  jobs: [{name: e, nodes: 2, duration: 1 h, elastic: {exponent: 1.5}}]
)",
                        sim::hours(1)),
                  sim::InputError);
}

TEST_CASE(
    "a generator's elastic share: same seed, same run; rigid under FIFO, resized under elastic") {
  // 4 nodes, 1- and 2-node jobs every 30 min on average for two days, half of them elastic
  // (1 to 2× their size).
  const std::string jobs = cluster + R"(workload:
  generator: gpu-jobs
  arrivals: {process: poisson, mean_interarrival: 30 min}
  gpus: [8, 16]
  duration: {lognormal: {median: 1 h, sigma: 1}}
  elastic: {share: 0.5, min_scale: 0.5, max_scale: 2, exponent: 0.9, reconfigure: 2 min}
)";
  auto run = [&](const std::string& policy) {
    auto b = build(jobs + "scheduler: {policy: " + policy + "}\n", sim::days(2));
    b.world->run_until(sim::days(2));
    return b;
  };
  const auto a = run("elastic"), again = run("elastic"), fifo = run("fifo");
  const auto& ja = a.world->jobs();
  const auto& jb = again.world->jobs();
  REQUIRE(ja.size() == jb.size());
  int elastic = 0, resized = 0;
  for (std::size_t i = 0; i < ja.size(); ++i) {
    CHECK(ja[i].start == jb[i].start);
    CHECK(ja[i].end == jb[i].end);
    CHECK(ja[i].nodes == jb[i].nodes);
    CHECK(ja[i].energy_j == jb[i].energy_j);  // bit for bit
    if (ja[i].request.elastic.enabled()) ++elastic;
    if (ja[i].request.elastic.enabled() &&
        ja[i].request.nodes != ja[i].request.elastic.reference_nodes)
      ++resized;
    // The same jobs drawn under either policy: the elastic marks leave sizes and arrivals alone.
    REQUIRE(i < fifo.world->jobs().size());
    CHECK(fifo.world->jobs()[i].request.submit == ja[i].request.submit);
    CHECK(fifo.world->jobs()[i].request.elastic.reference_nodes ==
          ja[i].request.elastic.reference_nodes);
  }
  CHECK(a.world->it_energy_j() == again.world->it_energy_j());
  CHECK(elastic > 0);
  CHECK(elastic < static_cast<int>(ja.size()));
  CHECK(resized > 0);
  // Under FIFO nothing is resized: every job holds the nodes it asked for.
  for (const auto& job : fifo.world->jobs())
    if (job.request.elastic.enabled() && job.start != sim::Time::max())
      CHECK(job.request.nodes == job.request.elastic.reference_nodes);
}
