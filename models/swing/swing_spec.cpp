#include "models/swing/swing_spec.hpp"

#include <algorithm>
#include <sstream>

#include "sim/input_files.hpp"

namespace joule::models::swing {

namespace {

using WattsPerSecond = sim::Quantity<sim::Dim<1, 2, -4, 0, 0, 0, 0, 0>>;

const sim::ModelDoc& floor_doc() {
  static const sim::ModelDoc doc{
      "swing",
      "floor",
      "GPU power floor: every accelerator of a running job draws at least `fraction` × TDP "
      "(firmware minimum power during communication phases; Choukse et al. 2025; NVIDIA GB300 "
      "power smoothing, 2025). No throughput cost.",
      {{"fraction", "number", "0.6",
        "floor as a fraction of TDP (estimate: between the communication-phase and "
        "compute-phase power of an H100)"},
       {"apply", "string", "run",
        "`run`: the accelerators draw the floor in the run (energy, carbon and cost include "
        "it; operation node model); `window`: evaluated on the recorded windows only"}}};
  return doc;
}
const sim::ModelDoc& filler_doc() {
  static const sim::ModelDoc doc{
      "swing",
      "filler",
      "Burn/filler work: in non-compute phases (communication, bubble, optimizer) the job's "
      "accelerators run filler kernels up to `level` × their compute-phase power (Choukse et "
      "al. 2025).",
      {{"level", "number", "0.9", "target, fraction of the compute-phase power (estimate)"},
       {"slowdown", "number", "0",
        "step-time penalty of the filler kernels competing with communication (estimate: 0; "
        "with `apply: window` only)"},
       {"apply", "string", "run",
        "`run`: the filler acts in the run (energy, carbon and cost include it; operation node "
        "model); `window`: evaluated on the recorded windows only"}}};
  return doc;
}
const sim::ModelDoc& storage_doc(bool rack) {
  static const sim::ModelDoc rack_doc{
      "swing",
      "rack_storage",
      "Energy storage in each rack's power shelf (PSU capacitors/batteries) smoothing the rack "
      "draw toward its moving average (NVIDIA GB300 NVL72 PSU energy storage, 2025).",
      {{"capacity", "J", "50 Wh", "per rack (estimate)"},
       {"power", "W", "20 kW", "charge and discharge limit per rack (estimate)"},
       {"round_trip_efficiency", "number", "0.95", "AC to AC (estimate)"},
       {"tau", "s", "30 s", "time constant of the moving-average target"}}};
  static const sim::ModelDoc bess_doc{
      "swing",
      "bess",
      "Facility battery in fast-response mode at the grid meter (power::Battery): it supplies "
      "the difference between the meter demand and a moving average that moves by at most "
      "`ramp_limit` per second.",
      {{"capacity", "J", "5 MWh", "usable energy (estimate)"},
       {"power", "W", "20 MW", "charge and discharge limit (estimate)"},
       {"round_trip_efficiency", "number", "0.85",
        "AC to AC (NREL Annual Technology Baseline, utility Li-ion; as power_chain.battery)"},
       {"tau", "s", "60 s", "time constant of the moving-average target"},
       {"ramp_limit", "W/s", "0 W/s", "largest rate of change of the target (0: none)"}}};
  return rack ? rack_doc : bess_doc;
}
const sim::ModelDoc& stagger_doc() {
  static const sim::ModelDoc doc{
      "swing",
      "stagger",
      "Phase staggering: the training load split into `groups` equal, independent job groups "
      "whose steps are offset by T_step / groups (desynchronised phases; Choukse et al. 2025).",
      {{"groups", "integer", "4", "job groups (1: off)"}}};
  return doc;
}
const sim::ModelDoc& event_doc() {
  static const sim::ModelDoc doc{
      "grid",
      "demand_response event",
      "One demand-response event: curtail `curtail` below the baseline within `within` of `at` "
      "and hold it `for` (a YAML list item or a CSV row with these column names).",
      {{"at", "s", "", "notification time from the start of the run"},
       {"curtail", "W", "", "reduction at the meter below the baseline"},
       {"within", "s", "5 min", "time allowed to reach it"},
       {"for", "s", "1 h", "how long it must hold"}}};
  return doc;
}

const bool documented = [] {
  for (const sim::ModelDoc* d : {&swing_doc(), &floor_doc(), &filler_doc(), &storage_doc(true),
                                 &storage_doc(false), &stagger_doc(), &grid_doc(), &event_doc()})
    sim::model_docs().push_back(d);
  return true;
}();

power::BatterySpec storage_battery(double capacity_j, double power_w, double efficiency) {
  power::BatterySpec b;
  b.capacity = sim::Joules(capacity_j);
  b.max_charge = b.max_discharge = sim::Watts(power_w);
  b.round_trip_efficiency = efficiency;
  // Smoothing cycles around half charge: the whole capacity is usable.
  b.soc_min = 0.0;
  b.soc_max = 1.0;
  b.initial_soc = 0.5;
  return b;
}

StorageSpec read_storage(const sim::ParamNode* node, bool rack, double& capacity_j,
                         double& power_w) {
  const sim::ParamReader r(node, storage_doc(rack));
  StorageSpec s;
  capacity_j = r.quantity<sim::Joules>("capacity", sim::Range::positive()).value();
  power_w = r.quantity<sim::Watts>("power", sim::Range::positive()).value();
  s.battery =
      storage_battery(capacity_j, power_w, r.number("round_trip_efficiency", {0, 1, true, false}));
  s.tau_s = r.duration("tau", sim::Range::positive()).seconds();
  if (!rack)
    s.ramp_w_per_s = r.quantity<WattsPerSecond>("ramp_limit", sim::Range::non_negative()).value();
  return s;
}

DemandResponseEvent read_event(const sim::ParamNode& node) {
  const sim::ParamReader r(&node, event_doc(), {});
  DemandResponseEvent e;
  e.at = r.duration("at");
  e.curtail_w = r.quantity<sim::Watts>("curtail", sim::Range::positive()).value();
  e.within = r.duration("within");
  e.lasting = r.duration("for", sim::Range::positive());
  e.where = node.where;
  return e;
}

// A CSV of events: a header naming the columns (at, curtail, within, for), one event a row,
// values with units ("30 min", "3 MW"). Each row becomes a map node whose values point at their
// cells, so errors name the file, line and column.
std::vector<DemandResponseEvent> read_events_csv(const std::string& path,
                                                 const sim::Location& from) {
  const std::string text = sim::read_input_file(path, from);
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> header;
  std::vector<DemandResponseEvent> out;
  int line_no = 0;
  const auto split = [](const std::string& s) {
    std::vector<std::pair<std::string, int>> cells;  // text, 1-based column
    std::size_t begin = 0;
    while (true) {
      const std::size_t end = s.find(',', begin);
      std::string cell = s.substr(begin, end == std::string::npos ? end : end - begin);
      const std::size_t a = cell.find_first_not_of(" \t\r");
      const std::size_t b = cell.find_last_not_of(" \t\r");
      cells.emplace_back(a == std::string::npos ? "" : cell.substr(a, b - a + 1),
                         static_cast<int>(begin + (a == std::string::npos ? 0 : a)) + 1);
      if (end == std::string::npos) break;
      begin = end + 1;
    }
    return cells;
  };
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos || line[0] == '#') continue;
    const auto cells = split(line);
    if (header.empty()) {
      for (const auto& [c, col] : cells) header.push_back(c);
      continue;
    }
    sim::ParamNode row;
    row.kind = sim::ParamNode::Kind::map;
    row.where.file = path;
    row.where.line = line_no;
    row.where.column = 1;
    row.path = "demand_response[" + std::to_string(out.size()) + "]";
    if (cells.size() != header.size())
      throw sim::InputError(row.where, "has " + std::to_string(cells.size()) +
                                           " cells; the header names " +
                                           std::to_string(header.size()));
    for (std::size_t i = 0; i < cells.size(); ++i) {
      sim::ParamNode v;
      v.kind = sim::ParamNode::Kind::scalar;
      v.scalar = cells[i].first;
      v.where = row.where;
      v.where.column = cells[i].second;
      v.path = row.path + "." + header[i];
      row.entries.push_back({header[i], v.where, v});
    }
    out.push_back(read_event(row));
  }
  return out;
}

}  // namespace

const sim::ModelDoc& swing_doc() {
  static const sim::ModelDoc doc{
      "swing",
      "swing",
      "Sub-second power windows, swing metrics (ramps, dynamic range, spectrum, largest step) "
      "and mitigations (docs/power-swings.md)",
      {{"resolution", "s", "100 ms", "sampling interval inside the windows (≥ 1 ms)"},
       {"start", "s", "10 min", "start of the first window"},
       {"window", "s", "2 min", "length of each window"},
       {"every", "s", "0 s", "period of the windows, longer than `window` (0: one window)"},
       {"psd_segment", "s", "60 s", "Welch segment of the spectrum (rounded down to 2^m samples)"},
       {"psu_efficiency", "number", "0.94",
        "server PSU efficiency the floor and filler power pass through (estimate: 80 PLUS "
        "Platinum at half load)"},
       {"floor", "map", "-", "GPU power floor (swing/floor)"},
       {"filler", "map", "-", "burn/filler work (swing/filler)"},
       {"rack_storage", "map", "-", "rack or PSU energy storage (swing/rack_storage)"},
       {"bess", "map", "-", "facility battery in fast-response mode (swing/bess)"},
       {"stagger", "map", "-", "phase staggering across job groups (swing/stagger)"}}};
  return doc;
}

const sim::ModelDoc& grid_doc() {
  static const sim::ModelDoc doc{
      "grid",
      "grid",
      "Interconnection limit, ramp limit and demand-response events, met by admission, the "
      "facility battery, pausing flexible jobs and capping the running jobs' accelerators "
      "(docs/power-swings.md)",
      {{"import_limit", "W", "0 W", "largest meter power (0: none); admission and caps hold it"},
       {"admission", "bool", "true",
        "with an import limit: a job starts only when the facility power predicted with it fits "
        "under the limit, capped to fit when needed; with a ramp limit: starts are staggered "
        "(grid_admission.hpp)"},
       {"ramp_limit", "W/s", "0 W/s",
        "largest ramp of the meter power (0: none): job starts are staggered to hold it "
        "(with `admission`), job ends and failures ramp down (with `ramp_down`), phase swings "
        "are held by raising the in-run floor (with `ramp_floor`); all are checked over the swing "
        "windows"},
       {"ramp_down", "bool", "true",
        "with a ramp limit: when a job ends or fails and the facility power would drop faster "
        "than the limit, the accelerators burn a decaying filler load so that it falls at the "
        "limit (models/world/ramp_down.hpp)"},
       {"ramp_floor", "bool", "true",
        "with a ramp limit: a job whose phase swings (compute to communication, optimizer, "
        "checkpoint) would move the facility faster than its share of the limit has its busy "
        "accelerators' floor raised to the lowest level that holds it "
        "(models/world/ramp_floor.hpp)"},
       {"pause_flexible", "bool", "true",
        "a demand-response event first pauses flexible jobs (workload `flexible: true`), largest "
        "saving first, until their estimated saving covers the curtailment; they resume when it "
        "ends"},
       {"discharge_battery", "bool", "true",
        "a demand-response event first discharges the facility battery (power_chain.battery) "
        "toward the event's target, from the notification to the end of the hold, within its "
        "limits and whatever its dispatch mode"},
       {"baseline", "s", "15 min", "a demand-response baseline: mean meter power before the event"},
       {"check_interval", "s", "1 min", "period at which caps are re-evaluated"},
       {"demand_response", "list", "-",
        "events (grid/demand_response event), or the path of a CSV with columns at, curtail, "
        "within, for"}}};
  return doc;
}

std::vector<sim::Time> SwingSpec::window_starts(sim::Time duration) const {
  std::vector<sim::Time> out;
  for (sim::Time t = start; t < duration; t = t + every) {
    out.push_back(t);
    if (every == sim::Time::zero() || out.size() >= 100000) break;
  }
  return out;
}

SwingSpec swing_spec(const sim::ParamNode& node) {
  const sim::ParamReader r(&node, swing_doc(), {});
  SwingSpec s;
  s.resolution = r.duration("resolution", sim::Range::between(1e-3, 3600));
  s.start = r.duration("start");
  s.window = r.duration("window", sim::Range::positive());
  s.every = r.duration("every");
  if (s.every != sim::Time::zero() && s.every <= s.window)
    r.fail("every", "must be 0 or longer than the window (" + sim::to_string(s.window) + ")");
  if (s.window / s.resolution > 10'000'000)
    r.fail("window", "gives more than 1e7 samples at the resolution; shorten it");
  if (s.window / s.resolution < 8) r.fail("window", "must hold at least 8 samples");
  s.psd_segment = r.duration("psd_segment", sim::Range::positive());
  s.mitigation.psu_efficiency = r.number("psu_efficiency", {0, 1, true, false});
  if (const auto* n = r.node("floor")) {
    const sim::ParamReader f(n, floor_doc(), {});
    s.mitigation.floor_fraction = f.number("fraction", {0, 1, true, false});
    s.mitigation.floor_in_run = f.choice("apply", {"run", "window"}) == "run";
    s.floor_where = n->where;
  }
  if (const auto* n = r.node("filler")) {
    const sim::ParamReader f(n, filler_doc(), {});
    s.mitigation.filler_level = f.number("level", {0, 1, true, false});
    s.mitigation.filler_slowdown = f.number("slowdown", sim::Range::between(0, 1));
    s.mitigation.filler_in_run = f.choice("apply", {"run", "window"}) == "run";
    if (s.mitigation.filler_in_run && s.mitigation.filler_slowdown > 0)
      f.fail("slowdown", "is modelled on the windows only: set `apply: window` with it");
    s.filler_where = n->where;
  }
  if (const auto* n = r.node("rack_storage"))
    s.mitigation.rack_storage =
        read_storage(n, true, s.rack_storage_capacity_j, s.rack_storage_power_w);
  if (const auto* n = r.node("bess")) {
    double c = 0, p = 0;
    s.mitigation.bess = read_storage(n, false, c, p);
  }
  if (const auto* n = r.node("stagger"))
    s.mitigation.stagger_groups = static_cast<int>(
        sim::ParamReader(n, stagger_doc(), {}).integer("groups", sim::Range::between(1, 1024)));
  return s;
}

GridSpec grid_spec(const sim::ParamNode& node, const std::string& base_dir) {
  const sim::ParamReader r(&node, grid_doc(), {});
  GridSpec g;
  g.import_limit_w = r.quantity<sim::Watts>("import_limit", sim::Range::non_negative()).value();
  g.admission = r.boolean("admission");
  g.pause_flexible = r.boolean("pause_flexible");
  g.discharge_battery = r.boolean("discharge_battery");
  g.ramp_limit_w_per_s =
      r.quantity<WattsPerSecond>("ramp_limit", sim::Range::non_negative()).value();
  g.ramp_down = r.boolean("ramp_down");
  g.ramp_floor = r.boolean("ramp_floor");
  g.baseline = r.duration("baseline", sim::Range::positive());
  g.check_interval = r.duration("check_interval", sim::Range::positive());
  if (const sim::ParamNode* dr = r.node("demand_response")) {
    if (dr->is_sequence()) {
      for (const auto& item : dr->items) g.events.push_back(read_event(item));
    } else if (dr->is_scalar()) {
      const std::string dir = sim::directory_of(dr->where, base_dir);
      const std::string path =
          !dr->scalar.empty() && dr->scalar[0] == '/' ? dr->scalar : dir + "/" + dr->scalar;
      g.events = read_events_csv(path, dr->where);
    } else {
      r.fail("demand_response", "must be a list of events or the path of a CSV file");
    }
  }
  std::sort(g.events.begin(), g.events.end(),
            [](const auto& a, const auto& b) { return a.at < b.at; });
  for (std::size_t i = 1; i < g.events.size(); ++i)
    if (g.events[i].at < g.events[i - 1].at + g.events[i - 1].within + g.events[i - 1].lasting)
      throw sim::InputError(g.events[i].where, "demand-response event overlaps the previous one",
                            g.events[i - 1].where, "the previous event");
  return g;
}

}  // namespace joule::models::swing
