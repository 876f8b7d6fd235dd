// joule-calib-fit: refit the calibration from a raw per-window CSV written by joule-calibrate,
// without a GPU. Prints the fit report; writes the calibration YAML with -o.
#include <cstring>
#include <iostream>
#include <set>
#include <sstream>
#include <string>

#include "calib/calibration_yaml.hpp"
#include "calib/fit.hpp"
#include "calib/method.hpp"
#include "calib/raw_csv.hpp"
#include "calib/report.hpp"

namespace {

constexpr const char* kUsage = R"(usage: joule-calib-fit RAW.csv [options]

Refits the accelerator calibration from the raw per-window CSV of joule-calibrate.

options:
  -o, --output PATH      write the calibration YAML here (default: print the report only)
  --chip ID              catalog id (default: the CSV's '# chip:' line)
  --heldout K1,K2,...    treat these kernels as held out (never fitted; scored for MAPE)
  --keep-flagged         keep windows flagged for power-cap/thermal throttling
  -h, --help             this text
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace joule::calib;
  std::string input, output, chip;
  std::set<std::string> heldout;
  FitConfig config;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "joule-calib-fit: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (a == "-o" || a == "--output") {
      output = value();
    } else if (a == "--chip") {
      chip = value();
    } else if (a == "--heldout") {
      std::istringstream s(value());
      std::string k;
      while (std::getline(s, k, ',')) heldout.insert(k);
    } else if (a == "--keep-flagged") {
      config.drop_flagged = false;
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << "joule-calib-fit: unknown option '" << a << "'\n" << kUsage;
      return 2;
    } else if (input.empty()) {
      input = a;
    } else {
      std::cerr << "joule-calib-fit: more than one input file\n";
      return 2;
    }
  }
  if (input.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  try {
    RawCsv csv = read_raw_csv_file(input);
    for (auto& w : csv.windows) {
      if (heldout.count(w.kernel) && w.phase == Phase::fit) w.phase = Phase::heldout;
    }
    CalibrationInfo info = info_from_meta(csv.meta, csv.windows);
    if (!chip.empty()) info.chip = chip;
    const FitResult fit = fit_calibration(csv.windows, config);
    if (info.kind == "estimate") std::cout << "NOTE: " << info.method << "\n";
    std::cout << "device: " << info.device << " (" << info.chip << "), driver " << info.driver
              << "\n";
    print_fit_report(std::cout, fit, info.chip);
    if (!output.empty()) {
      write_calibration_yaml_file(output, info, fit);
      std::cout << "wrote " << output << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "joule-calib-fit: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
