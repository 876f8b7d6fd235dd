// `joule summary`: the KPIs of a run as a reader wants them. One block per topic of the KPI
// registry (models/world/kpi.hpp), in the order of each topic's first KPI; each line the KPI's
// label, its value with thousands separators and about four significant digits (never
// scientific notation), its unit and its summary key (the name `--json` and `joule sweep` use).
// Then the warnings: every KPI the registry marks as a warning whose value is positive, and the
// notes the run recorded (limit_violations).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "app/run.hpp"
#include "models/world/kpi.hpp"

namespace joule::app {

namespace {

// "1234567" → "1,234,567" (the digits of a non-negative integer as text).
std::string group_thousands(const std::string& digits) {
  std::string out;
  const std::size_t n = digits.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Seconds as days, hours, minutes, seconds: "2 d 20 h", "1 h 30 min", "45 s" (the two largest
// units; the same words the scenario's durations are written in).
std::string human_duration(double s) {
  const double a = std::abs(s);
  const auto two = [&](double big, const char* big_unit, double small, const char* small_unit) {
    const long long total = std::llround(a / small);
    const long long per = std::llround(big / small);
    char buf[64];
    if (total % per == 0)
      std::snprintf(buf, sizeof buf, "%lld %s", total / per, big_unit);
    else
      std::snprintf(buf, sizeof buf, "%lld %s %lld %s", total / per, big_unit, total % per,
                    small_unit);
    return std::string(s < 0 ? "-" : "") + buf;
  };
  if (a >= 86400) return two(86400, "d", 3600, "h");
  if (a >= 3600) return two(3600, "h", 60, "min");
  if (a >= 60) return two(60, "min", 1, "s");
  return format_number(s) + " s";
}

// Characters (not bytes) of UTF-8 text: the en dash of a band is three bytes, one column.
std::size_t utf8_width(const std::string& text) {
  std::size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

std::string topic_title(std::string topic) {
  if (topic.empty()) return "Other";
  topic[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(topic[0])));
  return topic;
}

}  // namespace

std::string format_number(double v) {
  if (!std::isfinite(v)) return std::isnan(v) ? "-" : (v > 0 ? "inf" : "-inf");
  if (v == 0) return "0";
  const double a = std::abs(v);
  const std::string sign = v < 0 ? "-" : "";
  // Large values and whole numbers: every integer digit, grouped by thousands.
  if (a >= 1000 || (a == std::floor(a) && a < 1e15)) {
    char digits[64];
    std::snprintf(digits, sizeof digits, "%.0f", a);
    return sign + group_thousands(digits);
  }
  // Else four significant digits in fixed notation, trailing zeros dropped: 1.264, 0.5657,
  // 22.27, 0.0001235.
  const int decimals = std::clamp(3 - static_cast<int>(std::floor(std::log10(a))), 0, 15);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, a);
  std::string out = buf;
  if (std::strtod(buf, nullptr) >= 1000) return format_number(v < 0 ? -1000.0 : 1000.0);
  if (out.find('.') != std::string::npos) {
    while (out.back() == '0') out.pop_back();
    if (out.back() == '.') out.pop_back();
  }
  return sign + (out == "0" ? std::string("0") : out);
}

std::string summary_table(const Summary& s) {
  const auto& registry = models::world::KpiRegistry::all();
  const auto value_of = [&](const std::string& key) -> std::optional<double> {
    const auto it = s.values.find(key);
    if (it == s.values.end() || !it->second || std::isnan(*it->second)) return std::nullopt;
    return it->second;
  };
  const auto unit_of = [](const models::world::Kpi& k) {
    return k.unit == "1" ? std::string() : k.unit;
  };
  // The value, and its P5–P95 band when the run sampled its uncertainty: "1.192 (1.17–1.22)".
  const auto value_text = [&](const std::string& key, double v) {
    const auto band = s.bands.find(key);
    // A KPI the coefficients do not move (jobs, simulated time) shows no band.
    if (band == s.bands.end() ||
        !(band->second.second - band->second.first > 1e-9 * std::max(1.0, std::abs(v))))
      return format_number(v);
    return format_number(v) + " (" + format_number(band->second.first) + "\u2013" +
           format_number(band->second.second) + ")";
  };

  // Topics in the order of their first KPI.
  std::vector<std::string> topics;
  for (const auto& k : registry)
    if (std::find(topics.begin(), topics.end(), k.topic) == topics.end()) topics.push_back(k.topic);

  std::size_t label_w = 0, value_w = 0, unit_w = 0;
  for (const auto& k : registry)
    if (const auto v = value_of(k.name)) {
      label_w = std::max(label_w, k.label.size());
      value_w = std::max(value_w, utf8_width(value_text(k.name, *v)));
      unit_w = std::max(unit_w, unit_of(k).size());
    }

  std::ostringstream out;
  std::vector<std::pair<std::string, std::vector<std::string>>> absent;  // by topic
  for (const auto& topic : topics) {
    bool header = false;
    for (const auto& k : registry) {
      if (k.topic != topic) continue;
      const auto v = value_of(k.name);
      if (!v) {
        if (absent.empty() || absent.back().first != topic) absent.push_back({topic, {}});
        absent.back().second.push_back(k.name);
        continue;
      }
      if (!header) out << topic_title(topic) << "\n";
      header = true;
      std::string value = value_text(k.name, *v);
      value.insert(0, value_w - std::min(value_w, utf8_width(value)), ' ');
      std::string unit = unit_of(k);
      char line[512];
      std::snprintf(line, sizeof line, "  %-*s %*s %-*s  %s", static_cast<int>(label_w),
                    k.label.c_str(), static_cast<int>(value_w), value.c_str(),
                    static_cast<int>(unit_w), unit.c_str(), k.name.c_str());
      out << line;
      if (k.unit == "s" && std::abs(*v) >= 60) out << "  (" << human_duration(*v) << ")";
      out << "\n";
    }
  }
  if (!absent.empty()) {
    // A topic with many absent KPIs (a model the scenario does not use) is named, not listed.
    constexpr std::size_t listed = 6;
    out << "No value (no such model in this scenario, or nothing to report; null in --json): ";
    for (std::size_t t = 0; t < absent.size(); ++t) {
      const auto& [topic, names] = absent[t];
      out << (t ? "; " : "");
      if (names.size() > listed) {
        out << names.size() << " " << topic << " KPIs";
        continue;
      }
      for (std::size_t i = 0; i < names.size(); ++i) out << (i ? ", " : "") << names[i];
    }
    out << " (`joule kpis` lists them)\n";
  }

  if (!s.bands.empty())
    out << "Bands: (P5\u2013P95) over the samples of `joule run --uncertainty`; a KPI without "
           "one did not vary\n";
  if (!s.tariff.empty()) out << "Tariff: " << s.tariff << "\n";
  if (!s.cooling_zones.empty()) {
    out << "Cooling zones (/cooling_zones)\n";
    for (const auto& line : s.cooling_zones) out << "  " << line << "\n";
  }

  std::vector<std::string> warnings;
  for (const auto& k : registry)
    if (const auto v = value_of(k.name); !k.warning.empty() && v && *v > 0)
      warnings.push_back(k.label + " " + format_number(*v) +
                         (unit_of(k).empty() ? "" : " " + unit_of(k)) + ": " + k.warning);
  for (const auto& note : s.notes) warnings.push_back(note);
  if (warnings.empty()) {
    out << "Warnings: none\n";
  } else {
    out << "Warnings\n";
    for (const auto& w : warnings) out << "  ! " << w << "\n";
  }
  return out.str();
}

}  // namespace joule::app
