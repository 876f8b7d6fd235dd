#include "models/world/kpi.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <stdexcept>

namespace joule::models::world {

namespace {

struct Table {
  std::vector<Kpi> kpis;
  bool sorted = true;
};

Table& table() {
  static Table t;
  return t;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace

bool KpiRegistry::add(Kpi kpi) {
  Table& t = table();
  for (const auto& k : t.kpis)
    if (k.name == kpi.name) throw std::logic_error("KPI registered twice: " + kpi.name);
  if (!kpi.compute) throw std::logic_error("KPI without a computation: " + kpi.name);
  t.kpis.push_back(std::move(kpi));
  t.sorted = false;
  return true;
}

const std::vector<Kpi>& KpiRegistry::all() {
  Table& t = table();
  if (!t.sorted) {
    std::sort(t.kpis.begin(), t.kpis.end(), [](const Kpi& a, const Kpi& b) {
      return a.rank != b.rank ? a.rank < b.rank : a.name < b.name;
    });
    t.sorted = true;
  }
  return t.kpis;
}

const Kpi* KpiRegistry::find(const std::string& name) {
  for (const auto& k : all())
    if (k.name == name) return &k;
  return nullptr;
}

std::vector<std::pair<std::string, std::optional<double>>> compute_kpis(const RunRecord& run) {
  std::vector<std::pair<std::string, std::optional<double>>> out;
  for (const auto& k : KpiRegistry::all()) out.emplace_back(k.name, k.compute(run));
  return out;
}

std::string kpi_registry_json() {
  std::string out = "[";
  bool first = true;
  for (const auto& k : KpiRegistry::all()) {
    out += first ? "\n  {" : ",\n  {";
    first = false;
    out += "\"name\": " + json_string(k.name) + ", \"unit\": " + json_string(k.unit) +
           ", \"label\": " + json_string(k.label) + ", \"topic\": " + json_string(k.topic) +
           ", \"description\": " + json_string(k.description) +
           ", \"warning\": " + json_string(k.warning) + "}";
  }
  return out + "\n]\n";
}

}  // namespace joule::models::world
