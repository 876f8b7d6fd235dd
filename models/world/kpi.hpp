// Key performance indicators: one registry, read by everything that names a KPI.
//
// Each KPI is declared once, with its summary key, unit, label, description, topic and the
// function that computes it from a finished run. `joule run` writes the computed values to
// /summary and the registry itself (as JSON) to the file's root attribute `kpi_registry`;
// `joule summary`, `joule sweep` (summary.csv and summary.h5), `joule kpis --json`, the
// analysis package and the scripts all read the names, units and labels from here.
//
// Adding a KPI is one file with one registration (docs/design.md shows one):
//   const bool registered = KpiRegistry::add({.name = "gpu_hours", .unit = "GPU-h", ...});
// The rank orders KPIs in tables and in the sweep's CSV columns (ties: by name).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sim/time.hpp"

namespace joule::models::swing {
struct SwingReport;
struct GridReport;
}  // namespace joule::models::swing

namespace joule::models::world {

class World;

// What a finished run offers its KPIs (the world's reads are up to the end of the run).
struct RunRecord {
  const World& world;
  // Interval-average facility power of each recorded interval (empty without a facility).
  std::span<const float> facility_samples_w;
  sim::Time simulated;  // the scenario's duration
  double wall_s = 0.0;  // wall-clock time of the run so far
  // Sub-second windows and grid control (models/swing), when the scenario has them.
  const swing::SwingReport* swing = nullptr;
  const swing::GridReport* grid = nullptr;
};

struct Kpi {
  std::string name;         // summary key: /summary attribute, CSV column, JSON key
  std::string unit;         // "kWh", "L/kWh", "1" for a plain number
  std::string label;        // short human label, without the unit ("IT energy")
  std::string description;  // how it is computed, and when it is absent
  std::string topic;        // energy, power, environment, cost, jobs, run, engine (tables group
                            // by it, in the order of each topic's first KPI)
  int rank = 1000;          // position in tables (lower first)
  // The value, or nullopt when the scenario has no model for it (no cooling → no water).
  std::function<std::optional<double>(const RunRecord&)> compute;
  // Non-empty for a KPI whose positive value is a warning (a limit exceeded, heat not removed):
  // what it means, in a sentence. `joule summary`, `compare` and the report show it.
  std::string warning = {};
};

class KpiRegistry {
public:
  // Registers a KPI; a second KPI of the same name is a programming error.
  static bool add(Kpi kpi);
  // Every KPI, ordered by rank, then name.
  static const std::vector<Kpi>& all();
  // The KPI named `name`, or null.
  static const Kpi* find(const std::string& name);
};

// The q-quantile of `samples` by the nearest-rank method, the ceil(q·n)-th smallest (n > 0),
// without copying them: the value, to the bit, that std::nth_element leaves at that rank of a
// copy (p99_facility_power_kw).
float nearest_rank(std::span<const float> samples, double q);

// Each KPI's value for a finished run, in registry order.
std::vector<std::pair<std::string, std::optional<double>>> compute_kpis(const RunRecord& run);

// The registry as JSON: [{"name", "unit", "label", "description", "topic", "warning"}, ...] in
// order ("warning" is "" for an ordinary KPI).
std::string kpi_registry_json();

}  // namespace joule::models::world
