// Energy per unit of work (models/world/work.hpp), checked by hand: a job of known power, time
// and tokens gives energy / tokens.
#include <doctest/doctest.h>
#include <hdf5.h>

#include "app/h5.hpp"
#include "app/run.hpp"
#include "app/scenario.hpp"
#include "run_helpers.hpp"

using namespace joule;

namespace {

struct Out {
  app::Summary summary;
  std::string file;
};

Out run_text(const std::string& name, const std::string& scenario) {
  const auto dir = test::temp_dir("work-" + name);
  const auto sc = app::load_scenario_text(scenario, name + ".yaml", dir.string());
  app::RunOptions opt;
  opt.output = (dir / (name + ".h5")).string();
  return {app::run(sc, opt), opt.output};
}

double job_value(const std::string& file, const std::string& column) {
  auto f = app::h5::open_file_readonly(file);
  return app::h5::read_doubles(f.get(), "jobs/" + column).at(0);
}

}  // namespace

TEST_CASE("a training job of known power and tokens: J/token = P·G·t / (steps·batch·seq)") {
  // 16 accelerators replaying 500 W each (host share in), 20,000 steps of 64 × 2048 tokens.
  const Out out = run_text("train", R"(name: train
duration: 2 d
cluster:
  racks: {count: 1, nodes_per_rack: 2}
  node: {type: dgx-h100}
workload:
  generator: list
  jobs:
    - name: t
      power_per_accelerator: 500 W
      training: {params: 1e9, steps: 20000, global_batch: 64, seq_len: 2048, gpus: 16,
                 tensor_parallel: 8, mfu: 0.4}
)");
  const auto& v = out.summary.values;
  REQUIRE(*v.at("jobs_completed") == 1);
  const double run_s = job_value(out.file, "end_s") - job_value(out.file, "start_s");
  const double energy_j = 500.0 * 16 * run_s;
  const double tokens = 20000.0 * 64 * 2048;
  MESSAGE("job ran " << run_s << " s: " << energy_j / 3.6e6 << " kWh for " << tokens << " tokens");
  CHECK(*v.at("training_tokens") == doctest::Approx(tokens));
  CHECK(*v.at("training_j_per_token") == doctest::Approx(energy_j / tokens).epsilon(1e-9));
  // Without a facility the attributed energy is the IT energy: kWh per million tokens.
  CHECK(*v.at("training_kwh_per_mtok") ==
        doctest::Approx(energy_j / 3.6e6 / (tokens / 1e6)).epsilon(1e-9));
  // Model FLOPs of a 1e9-parameter model: 6N + 12·L·d·s per token (L, d from N).
  CHECK(*v.at("training_flop_per_j") > 6e9 * tokens / energy_j);
  CHECK(*v.at("kwh_per_job") == doctest::Approx(energy_j / 3.6e6).epsilon(1e-9));
  CHECK_FALSE(v.at("training_co2e_kg_per_mtok").has_value());  // no site
  CHECK_FALSE(v.at("inference_j_per_token").has_value());      // no service
}

TEST_CASE("an inference service: requests and tokens served, J per output token") {
  // A flat day (amplitude 0) of 2 requests/s, 256 output tokens each, well below saturation.
  const std::string service = R"(name: serve
duration: 1 d
cluster:
  racks: {count: 1, nodes_per_rack: 2}
  node: {type: dgx-h100}
site: {weather: DATA/weather/USA_VA_Leesburg.Exec.epw,
       carbon: DATA/carbon/US-MIDA-PJM_2023_hourly.csv}
workload:
  generator: list
  jobs:
    - name: chat
      duration: 1 d
      power_per_accelerator: 400 W
      inference: {params: 70e9, tensor_parallel: 8, replicas: 2, mean_rate: RATE,
                  amplitude: 0, tokens_in: 1024, tokens_out: 256}
)";
  auto with_rate = [&](const std::string& rate) {
    std::string text = service;
    text.replace(text.find("RATE"), 4, rate);
    for (std::size_t at; (at = text.find("DATA")) != std::string::npos;)
      text.replace(at, 4, std::string(JOULE_SOURCE_DIR) + "/scenarios/data");
    return run_text("serve-" + rate, text);
  };
  const Out calm = with_rate("2");
  const auto& v = calm.summary.values;
  const double requests = 2.0 * 86400, tokens = requests * 256;
  const double energy_j = 400.0 * 16 * 86400;
  CHECK(*v.at("inference_requests_served") == doctest::Approx(requests));
  CHECK(*v.at("inference_served_share") == doctest::Approx(1.0));
  CHECK(*v.at("inference_saturated_share") == 0.0);
  CHECK(*v.at("inference_tokens_served") == doctest::Approx(tokens));
  CHECK(*v.at("inference_j_per_token") == doctest::Approx(energy_j / tokens).epsilon(1e-9));
  // Model FLOPs: 2N per prompt and output token.
  CHECK(*v.at("inference_flop_per_j") ==
        doctest::Approx(requests * (1024 + 256) * 2 * 70e9 / energy_j).epsilon(1e-9));
  // Emissions per Mtoken: the service's IT energy at the run's CUE.
  REQUIRE(v.at("inference_co2e_kg_per_mtok").has_value());
  CHECK(*v.at("inference_co2e_kg_per_mtok") ==
        doctest::Approx(energy_j / 3.6e6 * *v.at("cue_kg_per_kwh") / (tokens / 1e6)).epsilon(1e-6));
  CHECK(*v.at("useful_gpu_h") == doctest::Approx(16 * 24.0));
  {
    // A site without a price: no price trace (it used to be written as zeros).
    auto f = app::h5::open_file_readonly(calm.file);
    CHECK(H5Lexists(f.get(), "facility/carbon_gco2_per_kwh", H5P_DEFAULT) > 0);
    CHECK(H5Lexists(f.get(), "facility/price_usd_per_mwh", H5P_DEFAULT) == 0);
  }

  // 2,000 requests/s on two 8-way replicas of a 70B model: saturated all day.
  const Out flood = with_rate("2000");
  const auto& f = flood.summary.values;
  CHECK(*f.at("inference_saturated_share") == 1.0);
  CHECK(*f.at("inference_served_share") < 0.5);
  CHECK(*f.at("inference_requests_served") < 2000.0 * 86400 * 0.5);
  // ... which the summary flags: the unserved requests, as a warning.
  CHECK(*f.at("inference_unserved_requests") ==
        doctest::Approx(2000.0 * 86400 - *f.at("inference_requests_served")));
  CHECK(app::summary_table(flood.summary).find("inference overloaded") != std::string::npos);
  CHECK(*v.at("inference_unserved_requests") == doctest::Approx(0.0).epsilon(1e-9));
  CHECK(app::summary_table(calm.summary).find("inference overloaded") == std::string::npos);
}

TEST_CASE("1,000 requests/s on 64 GPUs of a 70B model: the overload warning") {
  // The issue's case: 8 nodes, eight 8-way replicas, a flat 1,000 requests/s for 2 h.
  const Out out = run_text("overload", R"(name: overload
duration: 2 h
cluster:
  racks: {count: 2, nodes_per_rack: 4}
  node: {type: dgx-h100}
workload:
  generator: list
  jobs:
    - name: chat
      duration: 2 h
      inference: {params: 70e9, tensor_parallel: 8, replicas: 8, mean_rate: 1000, amplitude: 0}
)");
  const auto& v = out.summary.values;
  REQUIRE(v.at("inference_unserved_requests").has_value());
  const double offered = 1000.0 * 7200;
  MESSAGE("served " << *v.at("inference_requests_served") << " of " << offered);
  CHECK(*v.at("inference_saturated_share") == 1.0);
  CHECK(*v.at("inference_unserved_requests") > 0.5 * offered);
  CHECK(app::summary_table(out.summary).find("inference overloaded") != std::string::npos);
}

TEST_CASE("energy per useful GPU-hour counts idle nodes and lost work against the work done") {
  // One 1-hour fixed job on 1 of 4 nodes (8 of 32 GPUs) in a 2-hour run: useful 8 GPU-h.
  const Out out = run_text("fixed", R"(name: fixed
duration: 2 h
cluster:
  racks: {count: 1, nodes_per_rack: 4}
  node: {type: dgx-h100}
workload:
  generator: list
  jobs: [{name: a, nodes: 1, duration: 1 h, mfu: 0.4}]
)");
  const auto& v = out.summary.values;
  CHECK(*v.at("useful_gpu_h") == doctest::Approx(8.0));
  CHECK(*v.at("kwh_per_useful_gpu_h") == doctest::Approx(*v.at("it_energy_kwh") / 8.0));
  CHECK(*v.at("kwh_per_job") == doctest::Approx(job_value(out.file, "energy_kwh")));
  CHECK_FALSE(v.at("training_tokens").has_value());
}

TEST_CASE("inference precision: 8-bit weights serve more per joule; fp4 needs a chip that has it") {
  // 64 H100s, eight 8-way replicas of a 70B model, 400 requests/s for 2 h: saturated at bf16.
  // INT8 halves the weight bytes each decode iteration reads and doubles the tensor peak
  // (1,979 TOPS against 989 TFLOP/s), so the same GPUs serve more requests, each on fewer
  // joules.
  auto serve = [](const std::string& precision) {
    return run_text("precision-" + precision, R"(name: precision
duration: 2 h
cluster:
  racks: {count: 2, nodes_per_rack: 4}
  node: {type: dgx-h100}
workload:
  generator: list
  jobs:
    - name: chat
      duration: 2 h
      inference: {params: 70e9, tensor_parallel: 8, replicas: 8, mean_rate: 400, amplitude: 0,
                  precision: )" + precision + R"(}
)");
  };
  const Out bf16 = serve("bf16"), int8 = serve("int8");
  const auto& b = bf16.summary.values;
  const auto& i = int8.summary.values;
  MESSAGE("served share bf16 " << *b.at("inference_served_share") << ", int8 "
                               << *i.at("inference_served_share") << "; J/token "
                               << *b.at("inference_j_per_token") << " -> "
                               << *i.at("inference_j_per_token"));
  CHECK(*i.at("inference_requests_served") > *b.at("inference_requests_served"));
  CHECK(*i.at("inference_j_per_token") < *b.at("inference_j_per_token"));
  // FP4 on Hopper: no such tensor rate in the catalog, an input error at the job's entry
  // (line 9, `- name: chat`), not at `workload.generator`.
  CHECK_THROWS_WITH_AS(serve("fp4"), doctest::Contains("no fp4 tensor rate"), sim::InputError);
  try {
    serve("fp4");
  } catch (const sim::InputError& e) {
    CHECK(e.where().line == 9);
    CHECK(e.message().find("job 'chat'") == 0);
  }
}
