// The calibration YAML writer (kernels/calib/calibration_yaml.hpp): its output parses with
// yaml-cpp (as the simulator will read it) and carries the values with the exact unit text.
#include "calib/calibration_yaml.hpp"

#include <doctest/doctest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "calib/method.hpp"
#include "synthetic.hpp"

using namespace joule::calib;

namespace {

// "0.9012 pJ/FLOP" -> 0.9012, after checking the unit suffix.
double value_with_unit(const YAML::Node& n, const std::string& unit) {
  const std::string s = n.as<std::string>();
  const std::string suffix = " " + unit;
  REQUIRE(s.size() > suffix.size());
  CHECK(s.substr(s.size() - suffix.size()) == suffix);
  return std::stod(s.substr(0, s.size() - suffix.size()));
}

}  // namespace

TEST_CASE("format_number keeps 4 significant digits without exponents") {
  CHECK(format_number(0.95123) == "0.9512");
  CHECK(format_number(60.04) == "60.04");
  CHECK(format_number(1980.0) == "1980");
  CHECK(format_number(123456.0) == "123456");
  CHECK(format_number(0.000123456) == "0.0001235");
  CHECK(format_number(15.0) == "15");
  CHECK(format_number(0.0) == "0");
  CHECK(format_number(-2.5) == "-2.5");
}

TEST_CASE("chip ids from NVML names") {
  CHECK(chip_id_from_name("NVIDIA H100 80GB HBM3") == "h100-sxm");
  CHECK(chip_id_from_name("NVIDIA H100 PCIe") == "h100-pcie");
  CHECK(chip_id_from_name("NVIDIA H200") == "h200");
  CHECK(chip_id_from_name("NVIDIA A100-SXM4-80GB") == "a100-sxm-80gb");
  CHECK(chip_id_from_name("Tesla V100-SXM2-32GB") == "v100-sxm2");
  CHECK(chip_id_from_name("NVIDIA B200") == "b200");
  CHECK(chip_id_from_name("NVIDIA GeForce RTX 4090") == "unknown");
}

TEST_CASE("calibration YAML round-trips through yaml-cpp with units") {
  auto windows = testing::synthetic_windows(100.0, 0.0, 9, 3);
  OpArray mix{};
  mix[index_of(OpUnit::tensor_bf16)] = 300e12;
  mix[index_of(OpUnit::hbm)] = 1.5e12;
  // Exactly the model: 100 + 0.9 * 300 + 60 * 1.5 = 460 W.
  windows.push_back(testing::make_window("gemm_stream_mix", 1, 0, Phase::heldout, 460, mix));
  const FitResult fit = fit_calibration(windows);

  CsvMeta meta{{"device", "NVIDIA H100 80GB \"HBM3\""},
               {"driver", "550.54.15"},
               {"date", "2026-11-22"},
               {"source", "joule-calibrate 0.1.0, NVML total-energy counter"}};
  const CalibrationInfo info = info_from_meta(meta, windows);
  CHECK(info.chip == "h100-sxm");
  CHECK(info.kind == "measurement");

  const auto path = std::filesystem::temp_directory_path() /
                    ("joule_test_calibration-" + std::to_string(::getpid()) + ".yaml");
  write_calibration_yaml_file(path.string(), info, fit);
  const YAML::Node y = YAML::LoadFile(path.string());
  std::filesystem::remove(path);

  CHECK(y["format"].as<std::string>() == "joule-calibration/1");
  CHECK(y["chip"].as<std::string>() == "h100-sxm");
  CHECK(y["device"].as<std::string>() == "NVIDIA H100 80GB \"HBM3\"");  // quotes escaped
  CHECK(y["kind"].as<std::string>() == "measurement");
  CHECK(y["date"].as<std::string>() == "2026-11-22");
  CHECK(y["driver"].as<std::string>() == "550.54.15");
  CHECK(y["method"].as<std::string>() ==
        "bounded NNLS of window-average power on op rates; 3 windows x 5 s per point");

  CHECK(value_with_unit(y["static"]["idle_power"], "W") == doctest::Approx(100.0));
  CHECK(value_with_unit(y["static"]["reference_temp"], "degC") == doctest::Approx(40.0));
  CHECK_FALSE(y["static"]["leakage_per_kelvin"]);  // one idle temperature: not measured

  const YAML::Node e = y["energy_per_op"];
  CHECK(value_with_unit(e["tensor_bf16"], "pJ/FLOP") == doctest::Approx(0.9).epsilon(1e-3));
  CHECK(value_with_unit(e["tensor_fp64"], "pJ/FLOP") == doctest::Approx(15.0).epsilon(1e-3));
  CHECK(value_with_unit(e["hbm"], "pJ/B") == doctest::Approx(60.0).epsilon(1e-3));
  CHECK(value_with_unit(e["smem"], "pJ/B") == doctest::Approx(5.0).epsilon(1e-3));
  CHECK_FALSE(e["nvlink"]);  // not measured -> omitted

  CHECK(value_with_unit(y["dvfs"]["nominal_clock"], "MHz") == doctest::Approx(1980.0));
  CHECK_FALSE(y["dvfs"]["beta_w_per_ghz3"]);  // no sweep -> not written

  CHECK(y["fit"]["windows"].as<int>() == static_cast<int>(windows.size()));
  CHECK(y["fit"]["loo_mape_percent"].as<double>() < 1e-3);
  CHECK(y["fit"]["heldout_mape_percent"].as<double>() < 1e-3);
  REQUIRE(y["fit"]["heldout_kernels"].IsSequence());
  CHECK(y["fit"]["heldout_kernels"][0].as<std::string>() == "gemm_stream_mix");
}

TEST_CASE("a quick run is written as an estimate that says it is not a calibration") {
  const auto windows = testing::synthetic_windows(100.0, 0.0, 9, 2);
  const CalibrationInfo info = info_from_meta({{"mode", "quick"}}, windows);
  CHECK(info.kind == "estimate");
  CHECK(info.method.find("NOT A CALIBRATION") != std::string::npos);
}
