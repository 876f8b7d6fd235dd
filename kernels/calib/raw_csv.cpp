// Raw window CSV writer and reader. Columns are found by header name, so a reader of an older
// or hand-edited file only needs the columns it uses; op columns that are absent count as zero.
#include "calib/raw_csv.hpp"

#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace joule::calib {

namespace {

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream s(line);
  while (std::getline(s, field, ',')) out.push_back(field);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

}  // namespace

std::string raw_csv_header() {
  std::string h = "kernel,intensity,repetition,duration_s,energy_j,avg_power_w";
  for (const auto& info : kOpUnits) {
    h += ",";
    h += info.key;
    h += "_ops,";
    h += info.key;
    h += "_rate";
  }
  h += ",sm_clock_mhz,mem_clock_mhz,temp_c,power_limit_w,throttle_reasons,flagged,phase,"
       "sweep_setting";
  return h;
}

std::string raw_csv_row(const Window& w) {
  if (w.kernel.find_first_of(",\n") != std::string::npos) {
    throw std::invalid_argument("kernel name must not contain ',' or newline: " + w.kernel);
  }
  // Appended field by field (GCC 12 warns falsely, -Wrestrict, on long `+` chains).
  std::string r = w.kernel;
  const auto field = [&r](const std::string& v) { r.append(",").append(v); };
  field(num(w.intensity));
  field(std::to_string(w.repetition));
  field(num(w.duration_s));
  field(num(w.energy_j));
  field(num(w.avg_power_w()));
  for (const auto& info : kOpUnits) {
    field(num(w.ops[index_of(info.unit)]));
    field(num(w.rate(info.unit)));
  }
  char hex[32];
  std::snprintf(hex, sizeof hex, "0x%" PRIx64, w.throttle_reasons);
  field(num(w.sm_clock_mhz));
  field(num(w.mem_clock_mhz));
  field(num(w.temp_c));
  field(num(w.power_limit_w));
  field(hex);
  field(w.flagged ? "1" : "0");
  field(std::string(phase_name(w.phase)));
  field(num(w.sweep_setting));
  return r;
}

void write_raw_csv(std::ostream& out, const CsvMeta& meta, const std::vector<Window>& windows) {
  for (const auto& [k, v] : meta) out << "# " << k << ": " << v << "\n";
  out << raw_csv_header() << "\n";
  for (const auto& w : windows) out << raw_csv_row(w) << "\n";
}

RawCsv read_raw_csv(std::istream& in, const std::string& name) {
  RawCsv csv;
  std::string line;
  int lineno = 0;
  std::map<std::string, std::size_t> col;
  auto fail = [&](const std::string& what) {
    throw std::runtime_error(name + ":" + std::to_string(lineno) + ": " + what);
  };
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (trim(line).empty()) continue;
    if (line[0] == '#') {
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        csv.meta[trim(line.substr(1, colon - 1))] = trim(line.substr(colon + 1));
      }
      continue;
    }
    const auto fields = split(line);
    if (col.empty()) {
      for (std::size_t i = 0; i < fields.size(); ++i) col[trim(fields[i])] = i;
      for (const char* need : {"kernel", "intensity", "repetition", "duration_s", "energy_j",
                               "temp_c", "sm_clock_mhz"}) {
        if (!col.count(need)) fail(std::string("header lacks column '") + need + "'");
      }
      continue;
    }
    if (fields.size() != col.size()) {
      fail("expected " + std::to_string(col.size()) + " fields, got " +
           std::to_string(fields.size()));
    }
    auto text = [&](const char* c) -> std::string {
      const auto it = col.find(c);
      return it == col.end() ? std::string() : trim(fields[it->second]);
    };
    auto number = [&](const std::string& c, double fallback) {
      const auto it = col.find(c);
      if (it == col.end()) return fallback;
      const std::string t = trim(fields[it->second]);
      try {
        std::size_t used = 0;
        const double v = std::stod(t, &used);
        if (used != t.size()) throw std::invalid_argument(t);
        return v;
      } catch (const std::exception&) {
        fail("column '" + c + "': not a number: '" + t + "'");
      }
      return fallback;
    };
    Window w;
    w.kernel = text("kernel");
    w.intensity = number("intensity", 0);
    w.repetition = static_cast<int>(number("repetition", 0));
    w.duration_s = number("duration_s", 0);
    w.energy_j = number("energy_j", 0);
    for (const auto& info : kOpUnits) {
      w.ops[index_of(info.unit)] = number(std::string(info.key) + "_ops", 0);
    }
    w.sm_clock_mhz = number("sm_clock_mhz", 0);
    w.mem_clock_mhz = number("mem_clock_mhz", 0);
    w.temp_c = number("temp_c", 0);
    w.power_limit_w = number("power_limit_w", 0);
    const std::string reasons = text("throttle_reasons");
    if (!reasons.empty()) {
      try {
        w.throttle_reasons = std::stoull(reasons, nullptr, 0);
      } catch (const std::exception&) {
        fail("column 'throttle_reasons': not an integer: '" + reasons + "'");
      }
    }
    w.flagged = number("flagged", 0) != 0.0;
    const std::string phase = text("phase");
    try {
      w.phase =
          phase.empty() ? (w.kernel == "idle" ? Phase::idle : Phase::fit) : phase_from_name(phase);
    } catch (const std::exception& e) {
      fail(e.what());
    }
    w.sweep_setting = number("sweep_setting", 0);
    csv.windows.push_back(std::move(w));
  }
  if (col.empty()) {
    lineno = 0;
    fail("no header line");
  }
  return csv;
}

RawCsv read_raw_csv_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open for reading");
  return read_raw_csv(in, path);
}

}  // namespace joule::calib
