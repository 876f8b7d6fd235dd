// `joule estimate` (app/estimate.hpp): predictions by hand, and against the run they predict.
#include <doctest/doctest.h>

#include <cmath>

#include "app/estimate.hpp"
#include "app/run.hpp"
#include "app/scenario.hpp"
#include "run_helpers.hpp"

using namespace joule;

namespace {

const std::string two_jobs = R"(name: est
duration: 8 h
cluster:
  racks: {count: 1, nodes_per_rack: 2}
  node: {type: dgx-h100}
workload:
  generator: list
  jobs:
    - {name: a, submit: 1 h, nodes: 1, duration: 2 h, power_per_accelerator: 500 W}
    - {name: b, submit: 90 min, nodes: 2, duration: 1 h, power_per_accelerator: 300 W}
)";

}  // namespace

TEST_CASE("estimate: a job replaying a known power, by hand, and as the run measures it") {
  const auto dir = test::temp_dir("estimate");
  const auto sc = app::load_scenario_text(two_jobs, "est.yaml", dir.string());
  const auto p = app::estimate_jobs(sc);
  REQUIRE(p.size() == 2);
  // a: 8 GPUs × 500 W (host share in) for 2 h = 8 kWh; b: 16 × 300 W for 1 h = 4.8 kWh.
  CHECK(p[0].name == "a");
  CHECK(p[0].run_s == doctest::Approx(7200.0));
  CHECK(p[0].it_kwh == doctest::Approx(8 * 500.0 * 2 / 1000));
  CHECK(p[1].run_s == doctest::Approx(3600.0));
  CHECK(p[1].it_kwh == doctest::Approx(16 * 300.0 * 1 / 1000));
  CHECK(p[0].facility_kwh == doctest::Approx(p[0].it_kwh));  // no facility: the meter is IT
  CHECK_FALSE(p[0].cost_usd.has_value());                    // no price

  // The run: b waits for a's node (FIFO: 3 h), yet each job's energy and time are as predicted.
  app::RunOptions opt;
  opt.output = (dir / "est.h5").string();
  app::run(sc, opt);
  const app::EstimateError e = app::compare_with_run(p, opt.output);
  CHECK(e.jobs == 2);
  CHECK(e.energy_mean_abs_pct == doctest::Approx(0.0).epsilon(1e-9));
  CHECK(e.time_mean_abs_pct == doctest::Approx(0.0).epsilon(1e-9));

  // A run of another scenario is refused.
  const auto other =
      app::load_scenario_text(two_jobs.substr(0, two_jobs.find("submit: 1 h")) + "submit: 2 h" +
                                  two_jobs.substr(two_jobs.find("submit: 1 h") + 11),
                              "other.yaml", dir.string());
  CHECK_THROWS_WITH_AS(app::compare_with_run(app::estimate_jobs(other), opt.output),
                       doctest::Contains("not a run of this scenario and seed"), sim::InputError);
}

TEST_CASE("estimate: the command, its error against a run, and bad input") {
  const auto dir = test::temp_dir("estimate-cli");
  test::write_file(dir / "est.yaml", two_jobs);
  const std::string joule = test::joule_bin();
  const auto run = test::run(joule + " run " + (dir / "est.yaml").string() + " -o " +
                             (dir / "est.h5").string() + " --quiet");
  REQUIRE(run.code == 0);
  const auto est = test::run(joule + " estimate " + (dir / "est.yaml").string() + " --compare " +
                             (dir / "est.h5").string());
  CHECK(est.code == 0);
  CHECK(est.output.find("2 jobs: 32 GPU-h, IT 12.8 kWh") != std::string::npos);
  CHECK(est.output.find("mean |error| 0.00 %") != std::string::npos);
  // A job larger than the cluster: exit 2, the place in the file.
  std::string text = two_jobs;
  text.replace(text.find("nodes: 2, duration"), 8, "nodes: 3");
  test::write_file(dir / "bad.yaml", text);
  const auto bad = test::run(joule + " estimate " + (dir / "bad.yaml").string());
  CHECK(bad.code == 2);
  CHECK(bad.output.find("bad.yaml:10:40:") != std::string::npos);
  CHECK(bad.output.find("asks for 3 nodes but the cluster has 2") != std::string::npos);
}

TEST_CASE("estimate: an inference service's energy follows its day, not its peak") {
  // A 70B service on two 8-way replicas with a diurnal rate (±50 %): its predicted energy is
  // the mean of its intervals' loads over the day, within 1 % of what the run measures (its
  // typical rates at the old `mfu` load overstated it by half on ledger/train-and-serve.yaml).
  const auto dir = test::temp_dir("estimate-serve");
  const auto sc = app::load_scenario_text(R"(name: serve
duration: 25 h
cluster:
  racks: {count: 1, nodes_per_rack: 2}
  node: {type: dgx-h100}
workload:
  generator: list
  jobs:
    - name: chat
      duration: 1 d
      inference: {params: 70e9, tensor_parallel: 8, replicas: 2, mean_rate: 5, amplitude: 0.5}
)",
                                          "serve.yaml", dir.string());
  const auto p = app::estimate_jobs(sc);
  REQUIRE(p.size() == 1);
  app::RunOptions opt;
  opt.output = (dir / "serve.h5").string();
  app::run(sc, opt);
  const app::EstimateError e = app::compare_with_run(p, opt.output);
  REQUIRE(e.jobs == 1);
  MESSAGE("inference energy error " << e.energy_total_pct << " %");
  CHECK(std::fabs(e.energy_total_pct) < 1.0);
}
