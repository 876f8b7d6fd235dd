// `joule estimate` (app/estimate.hpp): predictions by hand, and against the run they predict.
#include <doctest/doctest.h>

#include <cmath>

#include "app/estimate.hpp"
#include "app/run.hpp"
#include "app/scenario.hpp"
#include "models/workload/training_job.hpp"
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

TEST_CASE("estimate: MoE training and distillation, predicted and run") {
  // Two 16-GPU jobs of the same compute (N_a = 4e9, mfu 0.4): a dense 4e9 model and a MoE of
  // 16e9 total, 8 experts top-2, expert_parallel 8 over tp 2 (4 EP ranks per node: the
  // all-to-all crosses nodes). Same step time; the MoE draws more (all-to-all, 4× the
  // optimizer and gradient state). A distillation job adds a 16e9 teacher's forward pass.
  const auto dir = test::temp_dir("estimate-moe");
  const auto sc = app::load_scenario_text(R"(name: moe
duration: 12 h
cluster:
  racks: {count: 1, nodes_per_rack: 6}
  node: {type: dgx-h100}
workload:
  generator: list
  jobs:
    - name: dense
      training: {params: 4e9, steps: 200, global_batch: 256, seq_len: 2048, gpus: 16,
                 tensor_parallel: 2, mfu: 0.4}
      failures: {enabled: false}
    - name: moe
      training: {params: 16e9, active_params: 4e9, experts: 8, top_k: 2, expert_parallel: 8,
                 steps: 200, global_batch: 256, seq_len: 2048, gpus: 16, tensor_parallel: 2,
                 mfu: 0.4}
      failures: {enabled: false}
    - name: distil
      training: {params: 4e9, teacher_params: 16e9, steps: 200, global_batch: 256,
                 seq_len: 2048, gpus: 16, tensor_parallel: 2, mfu: 0.4}
      failures: {enabled: false}
)",
                                          "moe.yaml", dir.string());
  const auto p = app::estimate_jobs(sc);
  REQUIRE(p.size() == 3);
  // The MoE's shape is the dense 4e9 model's (from its active parameters): its steps take as
  // long; its one checkpoint (at the end) is 14 B per total parameter at the cluster's share
  // of checkpoint bandwidth, 16 GPUs × 2 TB/s / 16384, so it runs 14·12e9 B / 1.95 GB/s longer.
  const double ckpt_bps = 16 * 2e12 / 16384;
  CHECK(p[1].run_s - p[0].run_s == doctest::Approx(14 * 12e9 / ckpt_bps).epsilon(1e-6));
  CHECK(p[1].it_kwh > p[0].it_kwh);
  MESSAGE("IT kWh dense " << p[0].it_kwh << ", moe " << p[1].it_kwh << ", distil " << p[2].it_kwh);
  // Distillation: F_token = 6·4e9 + 12·L·d·s plus the teacher's 2·16e9 + 4·L_t·d_t·s, at the
  // same MFU: the run time scales with it.
  const auto s = models::workload::shape_from_params(4e9),
             t = models::workload::shape_from_params(16e9);
  const double student = 6 * 4e9 + 12.0 * s.layers * s.d_model * 2048;
  const double teacher = 2 * 16e9 + 4.0 * t.layers * t.d_model * 2048;
  const double ckpt_s = 14 * 4e9 / ckpt_bps;  // the student's checkpoint, in both
  CHECK((p[2].run_s - ckpt_s) / (p[0].run_s - ckpt_s) ==
        doctest::Approx((student + teacher) / student).epsilon(1e-6));
  app::RunOptions opt;
  opt.output = (dir / "moe.h5").string();
  app::run(sc, opt);
  const app::EstimateError e = app::compare_with_run(p, opt.output);
  CHECK(e.jobs == 3);
  CHECK(e.energy_mean_abs_pct < 1.0);
  CHECK(e.time_mean_abs_pct < 1.0);
}

TEST_CASE("estimate: the table's columns line up whatever the job names") {
  std::vector<app::JobPrediction> p(2);
  p[0].name = std::string(1, 'a');  // not = "a": GCC 12 warns falsely (-Wrestrict)
  p[1].name = "a-rather-long-job-name";
  for (auto& j : p) {
    j.nodes = 8;
    j.gpus = 64;
    j.run_s = 3600;
    j.it_kwh = 1000;
    j.facility_kwh = 1100;
  }
  const std::string table = app::estimate_table(p, 10);
  // Header and both rows: the "gpus" column ends at the same character in each.
  std::vector<std::string> lines;
  for (std::size_t at = 0, next; (next = table.find('\n', at)) != std::string::npos; at = next + 1)
    lines.push_back(table.substr(at, next - at));
  REQUIRE(lines.size() >= 3);
  const std::size_t end = lines[0].find("gpus") + 4;
  CHECK(lines[1].substr(end - 2, 2) == "64");
  CHECK(lines[2].substr(end - 2, 2) == "64");
  CHECK(lines[2].rfind("a-rather-long-job-name ", 0) == 0);
}
