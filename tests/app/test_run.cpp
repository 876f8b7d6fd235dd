// The scenario → HDF5 pipeline: a golden run checkable by hand, invariants, determinism.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "app/docs.hpp"
#include "app/h5.hpp"
#include "app/run.hpp"
#include "app/scenario.hpp"
#include "io/yaml_params.hpp"
#include "models/network/topology.hpp"
#include "run_helpers.hpp"

using namespace joule;
using test::read_dataset;
using test::same_bits;
namespace fs = std::filesystem;

namespace {

// Two DGX H100 nodes on the linear model (1 kW idle, 5 kW busy), one job on both at half
// utilization from 0.5 h to 1.5 h, two hours simulated.
const char* golden = R"(name: golden
seed: 1
duration: 2 h
cluster:
  racks: {count: 1, nodes_per_rack: 2}
  node: {type: dgx-h100, model: linear, idle_power: 1 kW, max_power: 5 kW}
workload:
  generator: list
  jobs: [{name: half, submit: 30 min, nodes: 2, duration: 1 h, utilization: 0.5}]
output: {facility_interval: 1 min, rack_interval: 15 min}
)";

double integral(const std::vector<double>& time_s, const std::vector<double>& value) {
  double sum = 0, last = 0;
  for (std::size_t i = 0; i < time_s.size(); ++i) {
    sum += value[i] * (time_s[i] - last);
    last = time_s[i];
  }
  return sum;
}

// Runs the scenario `text` (its directory `dir`, output `output`): the error that stopped it,
// empty when none did.
std::string run_error(const std::string& text, const fs::path& dir, const std::string& output) {
  app::RunOptions opt;
  opt.output = output;
  try {
    app::run(app::load_scenario_text(text, "stopped.yaml", dir.string()), opt);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return {};
}

}  // namespace

TEST_CASE("golden run: N nodes at known utilization give exact kWh") {
  const auto dir = test::temp_dir("golden");
  const auto sc = app::load_scenario_text(golden, "golden.yaml", dir.string());
  app::RunOptions opt;
  opt.output = (dir / "golden.h5").string();
  const app::Summary s = app::run(sc, opt);
  // Idle: 2 nodes × 1 kW × 2 h = 4 kWh; the job adds 2 × 0.5 × (5 − 1) kW × 1 h = 4 kWh.
  CHECK(*s.values.at("it_energy_kwh") == doctest::Approx(8.0).epsilon(1e-12));
  CHECK(*s.values.at("peak_it_power_kw") == doctest::Approx(2 * 3.0));
  CHECK(*s.values.at("jobs_completed") == 1);
  CHECK_FALSE(s.values.at("pue").has_value());  // no facility model: no PUE
  CHECK(fs::exists(opt.output));
  CHECK_FALSE(fs::exists(opt.output + ".partial"));

  // The trace: 120 one-minute intervals; 2 kW, then 6 kW from 30 to 90 min.
  const auto t = read_dataset(opt.output, "facility/time_s");
  const auto p = read_dataset(opt.output, "facility/it_power_w");
  REQUIRE(t.size() == 120);
  CHECK(p[0] == doctest::Approx(2000));
  CHECK(p[30] == doctest::Approx(6000));
  CHECK(p[89] == doctest::Approx(6000));
  CHECK(p[90] == doctest::Approx(2000));
  CHECK(integral(t, p) / 3.6e6 == doctest::Approx(8.0).epsilon(1e-12));
  // Rack trace: 8 quarter-hours, same integral.
  const auto rt = read_dataset(opt.output, "racks/time_s");
  const auto rp = read_dataset(opt.output, "racks/power_w");
  CHECK(rt.size() == 8);
  CHECK(integral(rt, rp) / 3.6e6 == doctest::Approx(8.0).epsilon(1e-12));
  // The summary reads back from the file.
  const app::Summary back = app::read_summary(opt.output);
  CHECK(*back.values.at("it_energy_kwh") == *s.values.at("it_energy_kwh"));
}

TEST_CASE("traces are float32: the float64 values rounded; time and energy counters stay float64") {
  // The golden run with 1000.1 W idle nodes: racks draw 2 × 1000.1 = 2000.2 W idle and
  // 2 × (1000.1 + 0.5 × (5000 − 1000.1)) = 6000.1 W busy, neither a float32 number.
  std::string text = golden;
  text.replace(text.find("idle_power: 1 kW"), 16, "idle_power: 1000.1 W");
  const auto dir = test::temp_dir("float32");
  app::RunOptions opt;
  opt.output = (dir / "f.h5").string();
  const app::Summary s = app::run(app::load_scenario_text(text, "f.yaml", dir.string()), opt);
  auto f = app::h5::open_file_readonly(opt.output);
  const auto dtype_is = [&](const char* path, hid_t expected) {
    app::h5::Handle ds(H5Dopen2(f.get(), path, H5P_DEFAULT), H5Dclose);
    app::h5::Handle type(H5Dget_type(ds.get()), H5Tclose);
    return H5Tequal(type.get(), expected) > 0;
  };
  for (const char* path :
       {"racks/power_w", "racks/gpu_die_c", "racks/gpu_clock", "gpu_power/gpu_seconds"}) {
    CAPTURE(path);
    CHECK(dtype_is(path, H5T_IEEE_F32LE));
  }
  for (const char* path : {"facility/it_power_w", "facility/compute_power_w"}) {
    CAPTURE(path);
    CHECK(dtype_is(path, H5T_IEEE_F32LE));
  }
  for (const char* path : {"racks/time_s", "racks/time", "facility/time_s", "facility/time",
                           "facility/it_energy_kwh", "gpu_power/time_s"}) {
    CAPTURE(path);
    CHECK(dtype_is(path, H5T_IEEE_F64LE));
  }
  const auto rp = read_dataset(opt.output, "racks/power_w");
  REQUIRE(rp.size() == 8);  // 8 quarter-hours: idle, idle, busy × 4, idle, idle
  const double idle = static_cast<float>(2000.2), busy = static_cast<float>(6000.1);
  CHECK(idle != 2000.2);  // 2000.199951171875: the nearest float32
  CHECK(rp == std::vector<double>{idle, idle, busy, busy, busy, busy, idle, idle});
  // The cumulative IT energy keeps float64: its last value is the summary's to 1e-12. The
  // float32 power traces integrate to it to float32's rounding (≤ 2^-24 ≈ 6e-8 relative per
  // value, so per integral of a positive trace).
  const double it_kwh = *s.values.at("it_energy_kwh");
  // 2000.2 W for 2 h, plus (6000.1 − 2000.2) W for the job's hour: 8.0003 kWh.
  CHECK(it_kwh == doctest::Approx((2000.2 * 2 + (6000.1 - 2000.2) * 1) / 1e3).epsilon(1e-12));
  CHECK(read_dataset(opt.output, "facility/it_energy_kwh").back() ==
        doctest::Approx(it_kwh).epsilon(1e-12));
  const auto t = read_dataset(opt.output, "facility/time_s");
  const auto fp = read_dataset(opt.output, "facility/it_power_w");
  CHECK(fp[0] == idle);  // the first hour: idle, rounded to float32
  CHECK(integral(t, fp) / 3.6e6 == doctest::Approx(it_kwh).epsilon(6e-8));
  CHECK(integral(read_dataset(opt.output, "racks/time_s"), rp) / 3.6e6 ==
        doctest::Approx(it_kwh).epsilon(6e-8));
  // 16 GPUs × 900 s in every interval, exactly (a float32 number).
  const auto hist = read_dataset(opt.output, "gpu_power/gpu_seconds");
  const std::size_t bins = hist.size() / 8;
  for (std::size_t i = 0; i < 8; ++i) {
    double sum = 0;
    for (std::size_t b = 0; b < bins; ++b) sum += hist[i * bins + b];
    CHECK(sum == 16 * 900.0);
  }
}

TEST_CASE("a trace value beyond float32's range stops the run, naming the trace; no file") {
  // 2 × 1e39 W is a finite double but no float32 (max 3.4e38): stored, it would read as inf.
  // The first sample taken meets it: the facility's (every minute) or, sampled first, the racks'.
  std::string text = golden;
  text.replace(text.find("idle_power: 1 kW, max_power: 5 kW"), 33,
               "idle_power: 1e39 W, max_power: 2e39 W");
  std::string trace = "for it_power_w at";
  SUBCASE("the facility's trace") {}
  SUBCASE("a rack matrix") {
    text.replace(text.find("facility_interval: 1 min"), 24, "facility_interval: 1 h");
    trace = "for racks/power_w at";
  }
  const auto dir = test::temp_dir("float32-range");
  const std::string output = (dir / "huge.h5").string();
  const std::string what = run_error(text, dir, output);
  CAPTURE(what);
  CHECK(what.find("beyond the output's float32 range") != std::string::npos);
  CHECK(what.find(trace) != std::string::npos);
  CHECK_FALSE(fs::exists(output));
  CHECK_FALSE(fs::exists(output + ".partial"));
}

TEST_CASE("a facility value stops the run exactly where float32 rounds it to inf") {
  // float32 rounds to inf from the midpoint between FLT_MAX (2^128 − 2^104 ≈ 3.4028234664e38)
  // and 2^128 on: 2^128 − 2^103 ≈ 3.4028235678e38. Two nodes at a constant power P give an IT
  // power of 2P (to ~1e-14 relative, far inside either window below): 3.40282350e38 reads back
  // as FLT_MAX, finite; 3.40282360e38, a finite double short of 2^128, as inf. A sample's test
  // of its row (row_holds()) must flag the second; the series' own test (holds()) then names it.
  const std::array<std::pair<const char*, bool>, 2> cases = {
      {{"1.70141175e38 W", false}, {"1.70141180e38 W", true}}};
  for (const auto& c : cases) {
    CAPTURE(c.first);
    std::string text = golden;
    text.replace(text.find("idle_power: 1 kW, max_power: 5 kW"), 33,
                 std::string("idle_power: ") + c.first + ", max_power: " + c.first);
    const auto dir = test::temp_dir("float32-edge");
    const std::string output = (dir / "edge.h5").string();
    const std::string what = run_error(text, dir, output);
    CAPTURE(what);
    if (c.second) {
      CHECK(what.find("beyond the output's float32 range") != std::string::npos);
      CHECK(what.find("for it_power_w at") != std::string::npos);
      CHECK_FALSE(fs::exists(output));
    } else {
      REQUIRE(what.empty());
      const auto p = read_dataset(output, "facility/it_power_w");
      REQUIRE(p.size() == 120);
      for (const double w : p) CHECK(w == static_cast<double>(std::numeric_limits<float>::max()));
    }
  }
}

TEST_CASE("a facility sample's test of its row finds a bad value in any of its columns") {
  // A sample tests its whole row once made, two columns a compare (Recorder::row_holds()). The
  // carbon intensity and the price are adjacent columns (one in each lane of a compare), the
  // second-to-last of the sample's facility columns: with a battery's three series before them
  // too, each pair falls the other way. A fixed 1e40 (finite, beyond float32) in one of them,
  // the other ordinary, must stop the run at the first sample, naming that series.
  struct Case {
    const char* carbon;
    const char* price;
    const char* battery;
    const char* named;
  };
  const std::array<Case, 4> cases = {{
      {"1e40 gCO2e/kWh", "80 USD/MWh", "", "for carbon_gco2_per_kwh at 00:01:00"},
      {"400 gCO2e/kWh", "1e40 USD/MWh", "", "for price_usd_per_mwh at 00:01:00"},
      {"1e40 gCO2e/kWh", "80 USD/MWh",
       ", battery: {capacity: 1 MWh, max_charge: 100 kW, max_discharge: 100 kW}",
       "for carbon_gco2_per_kwh at 00:01:00"},
      {"400 gCO2e/kWh", "1e40 USD/MWh",
       ", battery: {capacity: 1 MWh, max_charge: 100 kW, max_discharge: 100 kW}",
       "for price_usd_per_mwh at 00:01:00"},
  }};
  for (const Case& c : cases) {
    const std::string named = c.named, battery = c.battery;
    CAPTURE(named);
    CAPTURE(battery);
    std::string text = golden;
    text += std::string("site: {carbon: ") + c.carbon + ", price: " + c.price + "}\n";
    text += std::string("power_chain: {pdu_efficiency: 0.99") + c.battery + "}\n";
    const auto dir = test::temp_dir("row-test");
    const std::string output = (dir / "row.h5").string();
    const std::string what = run_error(text, dir, output);
    CAPTURE(what);
    CHECK(what.find("beyond the output's float32 range") != std::string::npos);
    CHECK(what.find(named) != std::string::npos);
    CHECK_FALSE(fs::exists(output));
  }
}

TEST_CASE("the default scenario: conservation, PUE >= 1, trace integrals equal totals") {
  const auto dir = test::temp_dir("default");
  app::LoadOptions load;
  load.sets = {"duration=2 d"};
  const auto sc = app::load_scenario("", load);
  app::RunOptions opt;
  opt.output = (dir / "d.h5").string();
  const app::Summary s = app::run(sc, opt);
  const auto& v = s.values;
  const double it = *v.at("it_energy_kwh"), fac = *v.at("facility_energy_kwh");
  const double cooling = *v.at("cooling_energy_kwh"), losses = *v.at("power_chain_loss_kwh");
  // Facility = IT + losses + cooling + other loads (lighting, block heaters), to rounding.
  const double other = *v.at("other_energy_kwh");
  CHECK(other > 0);
  CHECK(fac == doctest::Approx(it + losses + cooling + other).epsilon(1e-9));
  CHECK(*v.at("pue") >= 1.0);
  CHECK(*v.at("co2e_t") > 0);
  CHECK(*v.at("water_m3") > 0);

  const auto t = read_dataset(opt.output, "facility/time_s");
  CHECK(t.size() == 2 * 24 * 60);
  const auto fac_w = read_dataset(opt.output, "facility/total_power_w");
  const auto it_w = read_dataset(opt.output, "facility/it_power_w");
  const auto loss_w = read_dataset(opt.output, "facility/losses_w");
  const auto cool_w = read_dataset(opt.output, "facility/cooling_power_w");
  const auto other_w = read_dataset(opt.output, "facility/other_power_w");
  const auto pue = read_dataset(opt.output, "facility/pue");
  // The power traces are float32: each value within 2^-24 ≈ 6e-8 of the float64 computed, so
  // the integral of a positive trace within 6e-8 of its total, and a sum of four rounded values
  // within 2 × 6e-8 of the rounded whole. The float64 counters hold the totals to 1e-12.
  CHECK(integral(t, fac_w) / 3.6e6 == doctest::Approx(fac).epsilon(6e-8));
  CHECK(integral(t, it_w) / 3.6e6 == doctest::Approx(it).epsilon(6e-8));
  CHECK(read_dataset(opt.output, "facility/energy_kwh").back() ==
        doctest::Approx(fac).epsilon(1e-12));
  CHECK(read_dataset(opt.output, "facility/it_energy_kwh").back() ==
        doctest::Approx(it).epsilon(1e-12));
  for (std::size_t i = 0; i < t.size(); ++i) {
    CHECK(pue[i] >= 1.0);
    CHECK(fac_w[i] ==
          doctest::Approx(it_w[i] + loss_w[i] + cool_w[i] + other_w[i]).epsilon(1.2e-7));
  }
  // Per-component traces add up to the totals.
  double parts = 0;
  for (const char* c :
       {"crah_fans", "chillers", "towers", "pumps", "dry_coolers", "trim_chiller", "rooms"})
    parts += integral(t, read_dataset(opt.output, std::string("facility/cooling/") + c + "_w"));
  CHECK(parts / 3.6e6 == doctest::Approx(cooling).epsilon(6e-8));
  double stages = 0;
  for (const char* c : {"pdu", "ups", "transformer"})
    stages += integral(t, read_dataset(opt.output, std::string("facility/losses/") + c + "_w"));
  CHECK(stages / 3.6e6 == doctest::Approx(losses).epsilon(6e-8));
  // Rack inlet temperatures are recorded (time × rack).
  std::vector<hsize_t> dims;
  auto f = app::h5::open_file_readonly(opt.output);
  app::h5::read_doubles(f.get(), "racks/inlet_c", &dims);
  CHECK(dims == std::vector<hsize_t>{2 * 24 * 4, 128});
}

TEST_CASE("same scenario and seed give identical datasets; another seed differs") {
  const auto dir = test::temp_dir("determinism");
  auto run_with = [&](std::uint64_t seed, const std::string& name) {
    app::LoadOptions load;
    load.sets = {"duration=2 d"};
    load.seed = seed;
    app::RunOptions opt;
    opt.output = (dir / name).string();
    app::run(app::load_scenario("", load), opt);
    return opt.output;
  };
  const auto a = run_with(7, "a.h5"), b = run_with(7, "b.h5"), c = run_with(8, "c.h5");
  for (const char* ds : {"facility/total_power_w", "facility/it_power_w", "racks/power_w",
                         "facility/water_l", "racks/inlet_c"}) {
    CHECK(read_dataset(a, ds) == read_dataset(b, ds));
  }
  CHECK(read_dataset(a, "facility/it_power_w") != read_dataset(c, "facility/it_power_w"));
}

TEST_CASE("output.compression: fast and portable store the same values, each its declared level") {
  // The golden run written twice: ISA-L at level 1 (fast, the default) and libdeflate at levels 4
  // and 5 (portable). Every dataset the writer compresses reads back the same bits; each declares
  // the level its deflater used; and a third name is an error pointing at the value.
  const auto dir = test::temp_dir("compression");
  const auto run_with = [&](const std::string& compression, const std::string& name) {
    std::string text = golden;
    if (!compression.empty())
      text.replace(text.find("rack_interval: 15 min}"), 22,
                   "rack_interval: 15 min, compression: " + compression + "}");
    app::RunOptions opt;
    opt.output = (dir / name).string();
    app::run(app::load_scenario_text(text, "c.yaml", dir.string()), opt);
    return opt.output;
  };
  const std::string fast = run_with("", "fast.h5"), portable = run_with("portable", "portable.h5");
  const std::string named_fast = run_with("fast", "named.h5");
  const auto declared_level = [](const std::string& file, const char* path) {
    auto f = app::h5::open_file_readonly(file);
    app::h5::Handle ds(H5Dopen2(f.get(), path, H5P_DEFAULT), H5Dclose);
    app::h5::Handle dcpl(H5Dget_create_plist(ds.get()), H5Pclose);
    unsigned flags = 0, level = 99;
    std::size_t n = 1;
    REQUIRE(H5Pget_filter_by_id2(dcpl.get(), H5Z_FILTER_DEFLATE, &flags, &n, &level, 0, nullptr,
                                 nullptr) >= 0);
    return level;
  };
  // (Not a structured binding: clang 14 cannot capture one in CAPTURE's lambda.)
  for (const auto& dataset :
       std::vector<std::pair<const char*, unsigned>>{{"facility/time", 5},
                                                     {"facility/time_s", 5},
                                                     {"facility/it_energy_kwh", 5},
                                                     {"facility/it_power_w", 4},
                                                     {"facility/compute_power_w", 4},
                                                     {"racks/time", 5},
                                                     {"racks/power_w", 4},
                                                     {"racks/gpu_die_c", 4},
                                                     {"racks/gpu_clock", 4},
                                                     {"gpu_power/time_s", 5},
                                                     {"gpu_power/gpu_seconds", 4}}) {
    const char* const path = dataset.first;
    const unsigned libdeflate_level = dataset.second;
    CAPTURE(path);
    const auto values = read_dataset(fast, path);
    CHECK_FALSE(values.empty());
    CHECK(same_bits(values, read_dataset(portable, path)));
    CHECK(same_bits(values, read_dataset(named_fast, path)));
    CHECK(declared_level(fast, path) == 1);
    CHECK(declared_level(named_fast, path) == 1);
    CHECK(declared_level(portable, path) == libdeflate_level);
  }
  std::string text = golden;
  text.replace(text.find("rack_interval: 15 min}"), 22,
               "rack_interval: 15 min, compression: quick}");
  const std::string error = run_error(text, dir, (dir / "quick.h5").string());
  CAPTURE(error);
  CHECK(error.find("stopped.yaml:10:72: output.compression: unknown value 'quick'") == 0);
  CHECK(error.find("Valid: fast, portable") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "quick.h5"));
}

TEST_CASE("extends and --set merge with the base scenario") {
  const auto dir = test::temp_dir("extends");
  test::write_file(dir / "base.yaml", golden);
  test::write_file(dir / "child.yaml", "extends: base.yaml\nname: child\nduration: 1 h\n");
  app::LoadOptions load;
  load.sets = {"cluster.node.idle_power=2 kW", "seed=9"};
  const auto sc = app::load_scenario((dir / "child.yaml").string(), load);
  CHECK(sc.name == "child");
  CHECK(sc.duration == sim::hours(1));
  CHECK(sc.seed == 9);
  CHECK(sc.text().find("idle_power: 2 kW") != std::string::npos);
  CHECK(sc.text().find("extends") == std::string::npos);
  // A section that changes its model type replaces the base's section.
  test::write_file(dir / "air.yaml", "extends: base.yaml\ncooling: {type: air}\n");
  test::write_file(
      dir / "base2.yaml",
      std::string(golden) + "cooling: {type: chilled-water, economizer: water-side}\n");
  test::write_file(dir / "air2.yaml", "extends: base2.yaml\ncooling: {type: air}\n");
  const auto air = app::load_scenario((dir / "air2.yaml").string());
  CHECK(air.root.find("cooling")->find("economizer") == nullptr);
  test::write_file(dir / "econ.yaml", "extends: base2.yaml\ncooling: {economizer: none}\n");
  const auto econ = app::load_scenario((dir / "econ.yaml").string());
  CHECK(econ.root.find("cooling")->find("type")->scalar == "chilled-water");
  CHECK(econ.root.find("cooling")->find("economizer")->scalar == "none");
  // Values keep their origin: the base file for inherited keys.
  CHECK(sc.root.find("cluster")->find("racks")->where.name() == (dir / "base.yaml").string());
}

TEST_CASE("a network topology adds its switches' power to IT, exactly") {
  const auto dir = test::temp_dir("network");
  app::LoadOptions load;
  load.sets = {"cluster.network={type: fat-tree, radix: 4}"};
  const auto sc = app::load_scenario_text(golden, "golden.yaml", dir.string(), load);
  app::RunOptions opt;
  opt.output = (dir / "net.h5").string();
  const app::Summary s = app::run(sc, opt);
  // k = 4 fat tree: 16 hosts for the 2 × 8 GPUs, 5k²/4 = 20 switches.
  const auto shape = models::network::ClusterShape{2, 8};
  const auto node = io::parse_yaml_text("{type: fat-tree, radix: 4}", "n");
  const double switch_w = models::network::topology_from_params(node, shape)->switch_power_w();
  CHECK(switch_w > 0);
  // 8 kWh of nodes (the golden case) + switches for 2 h.
  CHECK(*s.values.at("it_energy_kwh") == doctest::Approx(8.0 + switch_w * 2 / 1e3).epsilon(1e-12));
}

TEST_CASE("every shipped scenario loads and builds its world") {
  // Scenario files only: the data under scenarios/data (published figures among them) is not
  // one, and sweep files are checked by the sweep tests.
  int count = 0;
  const fs::path data = fs::path(JOULE_SOURCE_DIR "/scenarios/data");
  for (const auto& entry : fs::recursive_directory_iterator(JOULE_SOURCE_DIR "/scenarios")) {
    const fs::path p = entry.path();
    if (p.extension() != ".yaml") continue;
    if (p.lexically_relative(data).native().rfind("..", 0) != 0) continue;  // under data/
    if (p.parent_path().filename() == "sweeps") continue;
    INFO(p.string());
    CHECK_NOTHROW(app::validate(app::load_scenario(p.string())));
    ++count;
  }
  CHECK(count > 20);
}

TEST_CASE("the output names each pool's calibration, and their kinds together") {
  const auto attrs = [](const std::vector<std::string>& sets, const std::string& name) {
    app::LoadOptions load;
    load.sets = sets;
    load.sets.push_back("duration=1 h");
    const auto sc =
        app::load_scenario(std::string(JOULE_SOURCE_DIR) + "/scenarios/" + name + ".yaml", load);
    const auto dir = test::temp_dir("calibration-attrs");
    app::RunOptions o;
    o.output = (dir / "x.h5").string();
    app::run(sc, o);
    auto f = app::h5::open_file_readonly(o.output);
    return std::pair{app::h5::get_string_attr(f.get(), "calibration_source"),
                     app::h5::get_string_attr(f.get(), "calibration_kind")};
  };
  const std::string catalog = "Joule catalog estimates (models/compute/accelerator_catalog.cpp)";
  // One node type: its calibration, as before pools existed.
  CHECK(attrs({}, "whatif/h100-leesburg-chw") == std::pair{catalog, std::string("estimate")});
  // Two pools, both from the catalog: each named.
  CHECK(attrs({}, "levers/refresh") ==
        std::pair{"pool 'hopper': " + catalog + "; pool 'blackwell': " + catalog,
                  std::string("estimate")});
  // The first pool measured, the second from the catalog: "mixed", not the first pool's kind.
  const auto [source, kind] = attrs(
      {"cluster.pools[hopper].node.calibration={format: joule-calibration/1, chip: h100-sxm, "
       "kind: measurement, source: test boards, static: {idle_power: 72 W, reference_temp: 30 "
       "degC, leakage_per_kelvin: 0.01}, energy_per_op: {}}"},
      "levers/refresh");
  CHECK(source == "pool 'hopper': test boards; pool 'blackwell': " + catalog);
  CHECK(kind == "mixed");
}
