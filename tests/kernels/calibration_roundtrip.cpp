// The calibration file written by kernels/ feeds the simulator: writer → YAML → the accelerator
// model's Calibration → a scenario's `cluster.node.calibration` key → node power.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "app/run.hpp"
#include "app/scenario.hpp"
#include "calib/calibration_yaml.hpp"
#include "calib/method.hpp"
#include "io/yaml_params.hpp"
#include "models/compute/calibration.hpp"
#include "synthetic.hpp"

using namespace joule;
namespace fs = std::filesystem;

TEST_CASE("a fitted calibration file round-trips into the accelerator model and a run") {
  // Synthetic windows from a known model: 100 W static, 0.9 pJ/FLOP BF16, 60 pJ/B HBM, ...
  auto windows = calib::testing::synthetic_windows(100.0, 0.0, 9, 3);
  const calib::FitResult fit = calib::fit_calibration(windows);
  calib::CsvMeta meta{{"device", "NVIDIA H100 80GB HBM3"},
                      {"driver", "550.54.15"},
                      {"date", "2026-11-22"},
                      {"source", "joule-calibrate test"}};
  const calib::CalibrationInfo info = calib::info_from_meta(meta, windows);
  const fs::path dir =
      fs::temp_directory_path() / ("joule-test-calibration-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "h100.yaml";
  calib::write_calibration_yaml_file(file.string(), info, fit);

  // The model's reader takes it, with units checked.
  const auto tree = io::parse_yaml_file(file.string());
  const auto cal = models::compute::calibration_from_params(tree);
  CHECK(cal.chip == "h100-sxm");
  CHECK(cal.kind == models::compute::SourceKind::measurement);
  const auto bf16 = static_cast<std::size_t>(models::compute::Op::tensor_bf16);
  const auto hbm = static_cast<std::size_t>(models::compute::Op::hbm);
  REQUIRE(cal.energy_per_op[bf16]);
  CHECK(*cal.energy_per_op[bf16] == doctest::Approx(0.9e-12).epsilon(1e-3));
  REQUIRE(cal.energy_per_op[hbm]);
  CHECK(*cal.energy_per_op[hbm] == doctest::Approx(60e-12).epsilon(1e-3));

  // A scenario that names the file runs with it and records its provenance.
  const std::string scenario = R"(name: calibrated
duration: 1 h
cluster:
  racks: {count: 1, nodes_per_rack: 1}
  node: {type: dgx-h100, calibration: h100.yaml}
workload:
  generator: list
  jobs: [{nodes: 1, duration: 1 h, mfu: 0.4}]
)";
  const auto sc = app::load_scenario_text(scenario, (dir / "s.yaml").string(), dir.string());
  app::RunOptions opt;
  opt.output = (dir / "out.h5").string();
  opt.force = true;
  const auto with_file = app::run(sc, opt);
  app::LoadOptions plain;
  plain.sets = {"cluster.node.calibration=none"};
  const auto sc2 =
      app::load_scenario_text(scenario, (dir / "s.yaml").string(), dir.string(), plain);
  opt.output = (dir / "out2.h5").string();
  const auto estimates = app::run(sc2, opt);
  // Different coefficients, different energy.
  CHECK(*with_file.values.at("it_energy_kwh") != *estimates.values.at("it_energy_kwh"));

  // A file for another chip is refused, pointing into the file.
  fs::path other = dir / "a100.yaml";
  {
    std::ifstream in(file);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    text.replace(text.find("chip: h100-sxm"), 14, "chip: a100-sxm-80gb");
    std::ofstream(other) << text;
  }
  app::LoadOptions wrong;
  wrong.sets = {"cluster.node.calibration=a100.yaml"};
  const auto sc3 =
      app::load_scenario_text(scenario, (dir / "s.yaml").string(), dir.string(), wrong);
  opt.output = (dir / "out3.h5").string();
  CHECK_THROWS_WITH_AS(app::run(sc3, opt), doctest::Contains("calibration is for chip"),
                       sim::InputError);
  fs::remove_all(dir);
}
