// The coupled facility: weather drives the plant, the plant's supply air drives rack inlets,
// inlets drive GPU throttling and so job speed.
#include <doctest/doctest.h>

#include "app/h5.hpp"
#include "app/run.hpp"
#include "app/scenario.hpp"
#include "io/yaml_params.hpp"
#include "models/cooling/plant.hpp"
#include "models/environment/site.hpp"
#include "run_helpers.hpp"

using namespace joule;

namespace {

const std::string data_dir = std::string(JOULE_SOURCE_DIR) + "/scenarios";

// Hours in a typical year with the water-side economizer on (partial or full), at a constant
// 3 MW heat load.
int economizer_hours(const std::string& epw) {
  const auto site_node = io::parse_yaml_text("{weather: data/weather/" + epw + "}", "site");
  const sim::ParamReader r(&site_node, models::environment::site_doc());
  const models::environment::Site site(models::environment::site_spec(r, data_dir), sim::days(365));
  const auto cooling =
      io::parse_yaml_text("{type: chilled-water, economizer: water-side}", "cooling");
  models::cooling::PlantSizing sizing{sim::Watts(2.4e6), sim::Watts(1.6e6)};
  auto plant = models::cooling::make_cooling_plant(&cooling, sizing);
  int hours = 0;
  for (int h = 0; h < 8760; ++h) {
    const sim::Time t = sim::hours(h);
    const auto c = site.conditions(t);
    models::cooling::PlantInputs in;
    in.chip_heat = sim::Watts(1.8e6);
    in.other_it_heat = sim::Watts(1.2e6);
    in.outdoor_drybulb = c.dry_bulb;
    in.outdoor_wetbulb = c.wet_bulb;
    in.outdoor_rh = c.relative_humidity;
    // Steps of 20 min so the economizer's minimum dwell can be met within the hour.
    models::cooling::PlantOutputs out;
    for (int k = 0; k < 3; ++k) out = plant->step(t + sim::minutes(20 * k), in);
    hours += out.economizer != models::cooling::EconomizerMode::off;
  }
  return hours;
}

app::Summary run_week(const std::string& name, std::vector<std::string> sets) {
  const auto dir = test::temp_dir("facility-" + name);
  app::LoadOptions load;
  load.sets = std::move(sets);
  load.sets.push_back("duration=7 d");
  const auto sc =
      app::load_scenario(std::string(JOULE_SOURCE_DIR) + "/scenarios/whatif/base.yaml", load);
  app::RunOptions opt;
  opt.output = (dir / (name + ".h5")).string();
  return app::run(sc, opt);
}

}  // namespace

TEST_CASE("the water-side economizer runs more hours in Seattle than in Phoenix") {
  const int seattle = economizer_hours("USA_WA_Seattle-Tacoma.epw");
  const int phoenix = economizer_hours("USA_AZ_Phoenix-Sky.Harbor.epw");
  MESSAGE("economizer hours: Seattle " << seattle << ", Phoenix " << phoenix);
  CHECK(seattle > phoenix);
  CHECK(seattle > 2000);
}

TEST_CASE("direct liquid cooling gives a lower PUE than air for the same IT and site") {
  const auto air = run_week("air", {"cooling={type: air}"});
  const auto liquid =
      run_week("liquid", {"cooling={type: liquid}", "cluster.node.cooling=cold-plate"});
  const auto chw = run_week("chw", {});
  MESSAGE("PUE air " << *air.values.at("pue") << ", chilled water + economizer "
                     << *chw.values.at("pue") << ", liquid " << *liquid.values.at("pue"));
  CHECK(*liquid.values.at("pue") < *air.values.at("pue"));
  CHECK(*liquid.values.at("pue") >= 1.0);
  CHECK(*air.values.at("pue") >= 1.0);
  // Same jobs, same seed: IT energy differs only through node fans and leakage. On cold plates
  // a DGX keeps only the fans its residual air heat needs (~70 of 1,200 W at full speed), so
  // liquid IT is lower, by a few per cent.
  const double it_air = *air.values.at("it_energy_kwh");
  const double it_liquid = *liquid.values.at("it_energy_kwh");
  MESSAGE("IT energy: air " << it_air << " kWh, liquid " << it_liquid << " kWh");
  CHECK(it_liquid < it_air);
  CHECK(it_liquid > 0.9 * it_air);
}

TEST_CASE("hot supply air throttles air-cooled GPUs and stretches a training job") {
  auto job_end = [](const std::string& supply) {
    const auto dir = test::temp_dir("facility-hot-" + supply.substr(0, 2));
    const std::string scenario = R"(name: hot
duration: 3 d
cluster:
  racks: {count: 2, nodes_per_rack: 4}
  node: {type: dgx-h100, throttle_temp: 72 degC}
cooling: {type: chilled-water, supply_air: )" +
                                 supply + R"(}
workload:
  generator: list
  jobs:
    - name: train
      training: {params: 1e9, tokens: 2e10, gpus: 64, mfu: 0.4}
      failures: {mtbf_per_gpu: 1e9 h}
)";
    const auto sc = app::load_scenario_text(scenario, "hot.yaml", dir.string());
    app::RunOptions opt;
    opt.output = (dir / "hot.h5").string();
    app::run(sc, opt);
    const auto r = test::run("/usr/bin/python3 -c \"import h5py; print(h5py.File('" + opt.output +
                             "')['jobs']['end_s'][0])\"");
    return std::stod(r.output);
  };
  // A 72 degC die limit (as on a part with a lower limit) with air ~45 K above inlet at TDP:
  // no throttling from 22 degC supply air, throttling from 35 degC.
  const double cool = job_end("22 degC"), hot = job_end("35 degC");
  MESSAGE("job end: supply 22 degC " << cool << " s, supply 35 degC " << hot << " s");
  CHECK(hot > cool * 1.02);
}

TEST_CASE("iteration fidelity swings facility power; its energy equals steady within 1 %") {
  auto run_with = [](const std::string& fidelity) {
    const auto dir = test::temp_dir("fidelity-" + fidelity);
    const std::string scenario = R"(name: swing
duration: 90 min
cluster:
  racks: {count: 16, nodes_per_rack: 4}
  node: {type: dgx-h100}
power_chain: {}
cooling: {type: chilled-water}
workload:
  generator: list
  jobs:
    - name: train
      fidelity: )" + fidelity + R"(
      training: {params: 13e9, steps: 100000, gpus: 512, tensor_parallel: 8,
                 pipeline_parallel: 2, mfu: 0.45}
      failures: {mtbf_per_gpu: 1e9 h, checkpoint_every: 20 min}
output: {facility_interval: 1 s}
)";
    const auto sc = app::load_scenario_text(scenario, "swing.yaml", dir.string());
    app::RunOptions opt;
    opt.output = (dir / "swing.h5").string();
    const auto s = app::run(sc, opt);
    auto f = app::h5::open_file_readonly(opt.output);
    const auto it = app::h5::read_doubles(f.get(), "facility/it_power_w");
    double lo = 1e300, hi = 0;
    for (std::size_t i = 60; i < it.size(); ++i) lo = std::min(lo, it[i]), hi = std::max(hi, it[i]);
    return std::make_tuple(*s.values.at("it_energy_kwh"), *s.values.at("events"), lo, hi);
  };
  const auto [steady_kwh, steady_events, s_lo, s_hi] = run_with("steady");
  const auto [iter_kwh, iter_events, i_lo, i_hi] = run_with("iteration");
  MESSAGE("IT energy steady " << steady_kwh << " kWh, iteration " << iter_kwh << " kWh; events "
                              << steady_events << " vs " << iter_events << "; iteration swings "
                              << i_lo / 1e3 << "-" << i_hi / 1e3 << " kW");
  CHECK(iter_kwh == doctest::Approx(steady_kwh).epsilon(0.01));
  // Both record 5,400 one-second samples; iteration adds thousands of phase events.
  CHECK(iter_events > steady_events + 5000);
  // Lock-step phases: the 1-s trace swings (here by ~10 %: the 13B job hides most of its
  // all-reduce) more than the steady run's, which moves only at checkpoints.
  CHECK(i_hi - i_lo > 0.05 * i_hi);
  CHECK(s_hi - s_lo < i_hi - i_lo);
}

TEST_CASE("an inference service's power follows its diurnal request rate") {
  const auto dir = test::temp_dir("inference");
  const std::string scenario = R"(name: serve
duration: 2 d
cluster:
  racks: {count: 4, nodes_per_rack: 4}
  node: {type: dgx-h100}
workload:
  generator: list
  jobs:
    - name: chat
      duration: 2 d
      inference: {params: 70e9, tensor_parallel: 8, replicas: 16, mean_rate: 40,
                  amplitude: 0.8, peak_hour: 14}
output: {facility_interval: 15 min}
)";
  const auto sc = app::load_scenario_text(scenario, "serve.yaml", dir.string());
  app::RunOptions opt;
  opt.output = (dir / "serve.h5").string();
  const auto s = app::run(sc, opt);
  CHECK(*s.values.at("jobs_completed") == 1);
  auto f = app::h5::open_file_readonly(opt.output);
  const auto it = app::h5::read_doubles(f.get(), "facility/it_power_w");
  REQUIRE(it.size() == 2 * 96);
  // Interval k covers (15k, 15(k+1)] min: 14:00–14:15 is k = 56, 02:00–02:15 is k = 8.
  const double peak = it[56], trough = it[8];
  MESSAGE("IT power at 14:00 " << peak / 1e3 << " kW, at 02:00 " << trough / 1e3 << " kW");
  CHECK(peak > 1.05 * trough);
  CHECK(it[56 + 96] == doctest::Approx(peak).epsilon(1e-9));  // the same hour a day later
}

TEST_CASE("a rack power limit caps its GPUs and slows the job that spans it") {
  const auto dir = test::temp_dir("rack-limit");
  auto run_with = [&](const std::string& racks) {
    const std::string scenario = R"(name: racklimit
duration: 3 h
cluster:
  racks: )" + racks + R"(
  node: {type: dgx-h100}
workload:
  generator: list
  jobs: [{name: a, nodes: 8, duration: 1 h, mfu: 0.45}]
output: {rack_interval: 15 min}
)";
    const auto sc = app::load_scenario_text(scenario, "rack.yaml", dir.string());
    app::RunOptions opt;
    opt.output = (dir / "rack.h5").string();
    opt.force = true;
    app::run(sc, opt);
    auto f = app::h5::open_file_readonly(opt.output);
    const auto power = app::h5::read_doubles(f.get(), "racks/power_w");
    const auto clock = app::h5::read_doubles(f.get(), "racks/gpu_clock");
    // The die and clock matrices hold each its own member of a rack's pair (the hottest die in
    // degC, the busy GPUs' mean clock as a fraction), not the other's.
    const auto die = app::h5::read_doubles(f.get(), "racks/gpu_die_c");
    REQUIRE(die.size() == clock.size());
    for (std::size_t i = 0; i < die.size(); ++i) {
      CAPTURE(i);
      CHECK(die[i] > 15.0);
      CHECK(die[i] < 120.0);
      CHECK(clock[i] >= 0.0);
      CHECK(clock[i] <= 1.0);
    }
    const auto r = test::run("/usr/bin/python3 -c \"import h5py; print(h5py.File('" + opt.output +
                             "')['jobs']['end_s'][0])\"");
    return std::make_tuple(power, clock, std::stod(r.output));
  };
  const auto [free_power, free_clock, free_end] = run_with("{count: 2, nodes_per_rack: 4}");
  const auto [power, clock, end] =
      run_with("{count: 2, nodes_per_rack: 4, overrides: [{rack: 1, power_limit: 20 kW}]}");
  CHECK(free_power[1] > 30e3);                             // four busy DGX H100: above the limit
  CHECK(power[1] == doctest::Approx(20e3).epsilon(1e-6));  // rack 1 held at its limit
  CHECK(power[0] == doctest::Approx(free_power[0]));       // rack 0 untouched
  CHECK(clock[1] < 1.0);
  CHECK(free_end == doctest::Approx(3600));
  CHECK(end > free_end * 1.2);  // the synchronous job waits for its capped rack
}
