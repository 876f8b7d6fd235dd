// Raw per-window CSV (kernels/calib/raw_csv.hpp): write -> read -> refit gives the same
// calibration, and malformed files fail with the file and line.
#include "calib/raw_csv.hpp"

#include <doctest/doctest.h>

#include <sstream>

#include "calib/fit.hpp"
#include "synthetic.hpp"

using namespace joule::calib;

TEST_CASE("raw CSV round trip preserves windows and the refit") {
  auto windows = testing::synthetic_windows(120.0, 0.01, 11, 3);
  windows[3].throttle_reasons = kReasonSwPowerCap | kReasonGpuIdle;  // 0x5
  windows[3].flagged = true;
  std::stringstream s;
  write_raw_csv(s, {{"device", "NVIDIA H100 80GB HBM3"}, {"chip", "h100-sxm"}}, windows);

  const std::string text = s.str();
  CHECK(text.rfind("# chip: h100-sxm\n# device: NVIDIA H100 80GB HBM3\nkernel,intensity,", 0) == 0);
  CHECK(text.find(",0x5,1,") != std::string::npos);

  const RawCsv back = read_raw_csv(s);
  CHECK(back.meta.at("device") == "NVIDIA H100 80GB HBM3");
  REQUIRE(back.windows.size() == windows.size());
  for (std::size_t i = 0; i < windows.size(); ++i) {
    const Window &a = windows[i], &b = back.windows[i];
    CHECK(a.kernel == b.kernel);
    CHECK(a.phase == b.phase);
    CHECK(a.repetition == b.repetition);
    CHECK(b.energy_j == doctest::Approx(a.energy_j).epsilon(1e-9));
    CHECK(b.throttle_reasons == a.throttle_reasons);
    CHECK(b.flagged == a.flagged);
    for (std::size_t k = 0; k < kNumOpUnits; ++k) {
      CHECK(b.ops[k] == doctest::Approx(a.ops[k]).epsilon(1e-9));
    }
  }
  const FitResult f1 = fit_calibration(windows), f2 = fit_calibration(back.windows);
  CHECK(f1.windows_dropped == 1);
  CHECK(f2.windows_dropped == 1);
  for (std::size_t k = 0; k < kNumOpUnits; ++k) {
    REQUIRE(f1.energy_pj[k].has_value() == f2.energy_pj[k].has_value());
    if (f1.energy_pj[k]) CHECK(*f2.energy_pj[k] == doctest::Approx(*f1.energy_pj[k]).epsilon(1e-7));
  }
  CHECK(*f2.loo_mape_percent == doctest::Approx(*f1.loo_mape_percent).epsilon(1e-7));
}

TEST_CASE("raw CSV reader finds columns by name and reports bad lines") {
  // Minimal hand-written file: missing op columns count as zero, phase defaults from name.
  std::istringstream ok(
      "kernel,intensity,repetition,duration_s,energy_j,temp_c,sm_clock_mhz,hbm_ops\n"
      "idle,0,0,5,350,40,345,0\n"
      "hbm_read,1,0,5,1250,45,1980,15e12\n");
  const RawCsv csv = read_raw_csv(ok, "hand.csv");
  REQUIRE(csv.windows.size() == 2);
  CHECK(csv.windows[0].phase == Phase::idle);
  CHECK(csv.windows[1].phase == Phase::fit);
  // 15e12 B in 5 s = 3 TB/s; (250 - 70) W / 3 TB/s = 60 pJ/B.
  CHECK(csv.windows[1].rate(OpUnit::hbm) == doctest::Approx(3e12));
  const FitResult fit = fit_calibration(csv.windows);
  CHECK(*fit.energy_pj[index_of(OpUnit::hbm)] == doctest::Approx(60.0));

  std::istringstream short_row(
      "kernel,intensity,repetition,duration_s,energy_j,temp_c,sm_clock_mhz\nidle,0,0,5\n");
  CHECK_THROWS_WITH(read_raw_csv(short_row, "bad.csv"),
                    doctest::Contains("bad.csv:2: expected 7 fields, got 4"));
  std::istringstream not_number(
      "kernel,intensity,repetition,duration_s,energy_j,temp_c,sm_clock_mhz\nidle,0,0,5,x,1,1\n");
  CHECK_THROWS_WITH(read_raw_csv(not_number, "bad.csv"),
                    doctest::Contains("bad.csv:2: column 'energy_j': not a number: 'x'"));
  std::istringstream no_kernel("intensity,repetition\n");
  CHECK_THROWS_WITH(read_raw_csv(no_kernel, "bad.csv"), doctest::Contains("lacks column 'kernel'"));
  CHECK_THROWS_WITH(read_raw_csv_file("/nonexistent/raw.csv"), doctest::Contains("cannot open"));
}
