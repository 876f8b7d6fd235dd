// User-defined chips and nodes (format and checks in user_catalog.hpp).
#include "models/compute/user_catalog.hpp"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "models/compute/accelerator_catalog.hpp"
#include "models/compute/node.hpp"

namespace joule::models::compute {

namespace {

// One sourced number of the file: its key, its unit (as written in the file), and where it
// goes in the spec.
template <class Spec>
struct Field {
  const char* key;
  const char* unit;  // a unit for quantities, "number" for counts and fractions
  const char* help;
  std::function<Sourced<double>&(Spec&)> slot;
};

std::size_t idx(Op op) {
  return static_cast<std::size_t>(op);
}

const std::vector<Field<AcceleratorSpec>>& accelerator_fields() {
  using A = AcceleratorSpec;
  static const std::vector<Field<A>> f = {
      {"tdp", "W", "board power limit", [](A& a) -> Sourced<double>& { return a.tdp_w; }},
      {"idle", "W", "idle without a context", [](A& a) -> Sourced<double>& { return a.idle_w; }},
      {"context", "W", "idle with a live context",
       [](A& a) -> Sourced<double>& { return a.context_w; }},
      {"nominal_clock", "Hz", "clock of the peak rates",
       [](A& a) -> Sourced<double>& { return a.nominal_clock_hz; }},
      {"peak_bf16", "FLOP/s", "dense BF16 peak",
       [](A& a) -> Sourced<double>& { return a.peak[idx(Op::tensor_bf16)]; }},
      {"peak_fp16", "FLOP/s", "dense FP16 peak",
       [](A& a) -> Sourced<double>& { return a.peak[idx(Op::tensor_fp16)]; }},
      {"peak_fp8", "FLOP/s", "dense FP8 peak",
       [](A& a) -> Sourced<double>& { return a.peak[idx(Op::tensor_fp8)]; }},
      {"peak_int8", "FLOP/s", "dense INT8 peak (OP/s)",
       [](A& a) -> Sourced<double>& { return a.peak[idx(Op::tensor_int8)]; }},
      {"peak_fp4", "FLOP/s", "dense FP4 peak",
       [](A& a) -> Sourced<double>& { return a.peak[idx(Op::tensor_fp4)]; }},
      {"peak_tf32", "FLOP/s", "dense TF32 peak",
       [](A& a) -> Sourced<double>& { return a.peak[idx(Op::tensor_tf32)]; }},
      {"hbm_bandwidth", "B/s", "HBM bandwidth",
       [](A& a) -> Sourced<double>& { return a.peak[idx(Op::hbm)]; }},
      {"hbm_capacity", "B", "HBM capacity",
       [](A& a) -> Sourced<double>& { return a.hbm_capacity_b; }},
      {"interconnect", "B/s", "chip-to-chip bandwidth, both directions",
       [](A& a) -> Sourced<double>& { return a.interconnect_bidir_bps; }},
      {"energy_bf16", "J/FLOP", "board energy per BF16 FLOP",
       [](A& a) -> Sourced<double>& { return a.energy_j[idx(Op::tensor_bf16)]; }},
      {"energy_fp16", "J/FLOP", "board energy per FP16 FLOP",
       [](A& a) -> Sourced<double>& { return a.energy_j[idx(Op::tensor_fp16)]; }},
      {"energy_fp8", "J/FLOP", "board energy per FP8 FLOP",
       [](A& a) -> Sourced<double>& { return a.energy_j[idx(Op::tensor_fp8)]; }},
      {"energy_int8", "J/FLOP", "board energy per INT8 op",
       [](A& a) -> Sourced<double>& { return a.energy_j[idx(Op::tensor_int8)]; }},
      {"energy_fp4", "J/FLOP", "board energy per FP4 FLOP",
       [](A& a) -> Sourced<double>& { return a.energy_j[idx(Op::tensor_fp4)]; }},
      {"gemm_efficiency", "number", "share of the tensor peak a large dense GEMM sustains",
       [](A& a) -> Sourced<double>& { return a.gemm_efficiency; }},
      {"energy_hbm", "J/B", "energy per HBM byte",
       [](A& a) -> Sourced<double>& { return a.energy_j[idx(Op::hbm)]; }},
  };
  return f;
}

const std::vector<Field<NodeType>>& node_fields() {
  using N = NodeType;
  static const std::vector<Field<N>> f = {
      {"accelerators", "number", "accelerators per node",
       [](N& n) -> Sourced<double>& { return n.accelerators; }},
      {"cpu_idle", "W", "all sockets idle", [](N& n) -> Sourced<double>& { return n.cpu_idle_w; }},
      {"cpu_max", "W", "all sockets at full load",
       [](N& n) -> Sourced<double>& { return n.cpu_max_w; }},
      {"dram_idle", "W", "all DIMMs idle", [](N& n) -> Sourced<double>& { return n.dram_idle_w; }},
      {"dram_max", "W", "all DIMMs loaded", [](N& n) -> Sourced<double>& { return n.dram_max_w; }},
      {"nic_idle", "W", "NICs idle", [](N& n) -> Sourced<double>& { return n.nic_idle_w; }},
      {"nic_max", "W", "NICs at full rate", [](N& n) -> Sourced<double>& { return n.nic_max_w; }},
      {"other_idle", "W", "switch chips, drives, BMC, board idle",
       [](N& n) -> Sourced<double>& { return n.other_idle_w; }},
      {"other_max", "W", "the same at full load",
       [](N& n) -> Sourced<double>& { return n.other_max_w; }},
      {"fan_max", "W", "all fans at full speed",
       [](N& n) -> Sourced<double>& { return n.fan_max_w; }},
      {"psus", "number", "power supplies", [](N& n) -> Sourced<double>& { return n.psus; }},
      {"psu_rating", "W", "rating of each PSU",
       [](N& n) -> Sourced<double>& { return n.psu_rating_w; }},
      {"system_max", "W", "vendor system maximum",
       [](N& n) -> Sourced<double>& { return n.system_max_w; }},
      {"nic_bandwidth", "B/s", "compute-fabric NICs, one direction",
       [](N& n) -> Sourced<double>& { return n.nic_bandwidth_bps; }},
      {"host_memory_bandwidth", "B/s", "host DRAM bandwidth",
       [](N& n) -> Sourced<double>& { return n.host_memory_bps; }},
      {"cpu_per_accelerator", "number", "CPU share one busy accelerator's job uses",
       [](N& n) -> Sourced<double>& { return n.cpu_per_accelerator; }},
  };
  return f;
}

template <class Spec>
sim::ModelDoc make_doc(const char* name, const char* summary,
                       const std::vector<Field<Spec>>& fields, const char* base_help) {
  sim::ModelDoc d{"catalog", name, summary, {}};
  d.keys.push_back({"id", "string", "", "new catalog id"});
  d.keys.push_back({"base", "string", "", base_help});
  d.keys.push_back({"name", "string", "(the base's)", "display name"});
  for (const auto& f : fields)
    d.keys.push_back({f.key, "map", "(the base's)",
                      std::string(f.help) + ": {value (" + f.unit +
                          "), kind: spec|measurement|estimate, source, optional spread (see "
                          "'catalog.spread')}"});
  return d;
}

// Spreads stated in the loaded catalog: (entry id, key) → spread.
std::mutex spreads_mutex;
std::map<std::pair<std::string, std::string>, StatedSpread>& stated_spreads() {
  static std::map<std::pair<std::string, std::string>, StatedSpread> spreads;
  return spreads;
}

using Spreads = std::map<std::string, StatedSpread>;  // of one entry, by key

// Replaces the spreads of entry `id` in one step: a sweep's threads reload the same catalog
// while others read it, and must see either the old or the new (equal) spreads, never none.
void set_spreads(const std::string& id, const Spreads& spreads) {
  std::lock_guard lock(spreads_mutex);
  auto& all = stated_spreads();
  for (auto it = all.begin(); it != all.end();) it = it->first.first == id ? all.erase(it) : ++it;
  for (const auto& [key, spread] : spreads) all[{id, key}] = spread;
}

const sim::ModelDoc& spread_doc() {
  static const sim::ModelDoc doc{
      "catalog",
      "catalog.spread",
      "The spread of a sourced catalog number for `joule run --uncertainty` "
      "(docs/uncertainty.md): one of range, relative, sd, and its source",
      {{"range", "list", "-", "[min, max]: uniform between, in the number's unit"},
       {"relative", "number", "-", "uniform within +- this share of the value (< 100 %)"},
       {"sd", "number", "-", "normal with this relative standard deviation (< 100 %)"},
       {"source", "string", "required", "why this spread (citation or derivation)"}}};
  return doc;
}

// Reads the optional `spread:` of sourced number `key` whose value is `value` (base units),
// written `value_q_text` (parsed: `value_q`), into `out`.
void read_spread(const sim::ParamReader& s, const char* key, double value,
                 const std::string& value_q_text, const sim::ParsedQuantity& value_q,
                 Spreads& out) {
  const sim::ParamNode* n = s.node("spread");
  if (!n) return;
  if (!n->is_map())
    s.fail("spread", "must be {range: [min, max] | relative: 10 % | sd: 5 %, source: \"...\"}");
  const sim::ParamReader r(n, spread_doc(), {});
  const int given = r.has("range") + r.has("relative") + r.has("sd");
  if (given != 1)
    throw sim::InputError(n->where, std::string(key) +
                                        ".spread needs exactly one of range, "
                                        "relative or sd, and a source");
  if (!r.has("source")) r.fail("source", "is required: say why the number has this spread");
  StatedSpread spread;
  spread.source = r.string("source");
  if (spread.source.find_first_not_of(" \t") == std::string::npos)
    r.fail("source", "must say why the number has this spread");
  if (r.has("range")) {
    const sim::ParamNode* range = r.node("range");
    if (!range->is_sequence() || range->items.size() != 2) r.fail("range", "must be [min, max]");
    double bound[2];
    for (int i = 0; i < 2; ++i) {
      const sim::ParamNode& item = range->items[static_cast<std::size_t>(i)];
      if (!item.is_scalar()) throw sim::InputError(item.where, "must be a number or a quantity");
      const sim::ParsedQuantity q = sim::parse_at(item.scalar, item.where, r.path("range"));
      // The value's dimension, with a unit written unless the number is dimensionless.
      const bool dimensionless = value_q.dim == sim::DimVector{};
      if (!(q.dim == value_q.dim) || (!dimensionless && !q.has_unit))
        throw sim::InputError(item.where, "must be a quantity of the value's dimension (" +
                                              sim::describe(value_q.dim) + ", e.g. '" +
                                              value_q_text + "')");
      bound[i] = q.value;
    }
    if (!(bound[0] > 0) || !(bound[0] <= bound[1]))
      r.fail("range", "must be [min, max] with 0 < min <= max");
    if (value < bound[0] || value > bound[1]) r.fail("range", "must contain the value");
    spread.shape = StatedSpread::Shape::range;
    spread.lo = bound[0];
    spread.hi = bound[1];
  } else {
    const char* which = r.has("relative") ? "relative" : "sd";
    spread.shape = r.has("relative") ? StatedSpread::Shape::relative : StatedSpread::Shape::sd;
    spread.share = r.number(which, {0, 1, false, true});
  }
  out[key] = spread;
}

const sim::ModelDoc& sourced_doc(const char* unit) {
  // One doc per unit, so that `value` is read with the field's dimension.
  static std::vector<std::unique_ptr<sim::ModelDoc>> docs;
  for (const auto& d : docs)
    if (d->name == unit) return *d;
  docs.push_back(std::make_unique<sim::ModelDoc>(
      sim::ModelDoc{"catalog",
                    unit,
                    "A sourced catalog number",
                    {{"value", unit, "", "the number"},
                     {"kind", "string", "", "spec | measurement | estimate"},
                     {"source", "string", "", "where it comes from (citation or derivation)"},
                     {"spread", "map", "-",
                      "optional: its own spread for --uncertainty (see 'catalog.spread')"}}}));
  return *docs.back();
}

// Reads {value, kind, source[, spread]} at `key` of `r` into `out` (its spread into `spreads`).
void read_sourced(const sim::ParamReader& r, const char* key, const char* unit,
                  Sourced<double>& out, Spreads& spreads) {
  const sim::ParamNode* n = r.node(key);
  if (!n->is_map())
    r.fail(key, "must be {value: ..., kind: spec|measurement|estimate, source: \"...\"}");
  const sim::ParamReader s(n, sourced_doc(unit), {});
  const std::string u = unit;
  double v = 0;
  const auto positive = sim::Range::positive();
  if (u == "number")
    v = s.number("value", positive);
  else if (u == "W")
    v = s.quantity<sim::Watts>("value", positive).value();
  else if (u == "Hz")
    v = s.quantity<sim::Hertz>("value", positive).value();
  else if (u == "FLOP/s")
    v = s.quantity<sim::FlopsPerSecond>("value", positive).value();
  else if (u == "B/s")
    v = s.quantity<sim::BytesPerSecond>("value", positive).value();
  else if (u == "B")
    v = s.quantity<sim::Bytes>("value", positive).value();
  else if (u == "J/FLOP")
    v = s.quantity<sim::JoulesPerFlop>("value", positive).value();
  else if (u == "J/B")
    v = s.quantity<sim::JoulesPerByte>("value", positive).value();
  const std::string kind = s.choice("kind", {"spec", "measurement", "estimate"});
  const std::string source = s.string("source");
  if (source.find_first_not_of(" \t") == std::string::npos)
    s.fail("source", "must say where the number comes from");
  out = {v,
         kind == "spec"          ? SourceKind::spec
         : kind == "measurement" ? SourceKind::measurement
                                 : SourceKind::estimate,
         source};
  const sim::ParamNode* value_node = s.node("value");
  read_spread(s, key, v, value_node->scalar,
              sim::parse_at(value_node->scalar, value_node->where, s.path("value")), spreads);
}

template <class Spec>
Spreads read_fields(const sim::ParamReader& r, const std::vector<Field<Spec>>& fields, Spec& spec) {
  Spreads spreads;
  for (const auto& f : fields)
    if (r.has(f.key)) read_sourced(r, f.key, f.unit, f.slot(spec), spreads);
  return spreads;
}

}  // namespace

const sim::ModelDoc& user_accelerator_doc();
const sim::ModelDoc& user_node_doc();

namespace {

void check_order(const sim::ParamReader& r, const char* low_key, double low, const char* high_key,
                 double high) {
  if (low > high)
    r.fail(r.has(low_key) ? low_key : high_key, std::string("gives ") + low_key + " = " +
                                                    std::to_string(low) + " above " + high_key +
                                                    " = " + std::to_string(high));
}

void read_accelerator(const sim::ParamNode& item) {
  const sim::ParamReader r(&item, user_accelerator_doc(), {});
  const std::string id = r.string("id");
  if (is_builtin_accelerator(id))
    r.fail("id", "'" + id + "' is a built-in chip: declare a new id (and `base: " + id + "`)");
  if (!r.has("base")) r.fail("base", "is required: the built-in chip the entry starts from");
  const std::string base = r.string("base");
  if (!is_builtin_accelerator(base)) r.choice("base", accelerator_ids());  // throws
  AcceleratorSpec c = *find_accelerator(base);
  c.id = id;
  c.name = r.has("name") ? r.string("name") : id + " (from " + base + ")";
  const Spreads spreads = read_fields(r, accelerator_fields(), c);
  check_order(r, "idle", c.idle_w.value, "context", c.context_w.value);
  check_order(r, "context", c.context_w.value, "tdp", c.tdp_w.value);
  if (c.gemm_efficiency.value > 1.0)
    r.fail("gemm_efficiency", "must be at most 1 (a share of the tensor peak)");
  if (r.has("tdp") || r.has("idle") || r.has("nominal_clock")) derive_estimates(c);
  const double coupling = c.idle_w.value * c.leakage_per_kelvin.value * c.r_th_air_k_per_w.value;
  if (coupling >= 1.0) r.fail("idle", "is so large that leakage would run away");
  set_spreads(id, spreads);  // a reloaded entry keeps only the spreads it states now
  add_user_accelerator(std::move(c));
}

void read_node(const sim::ParamNode& item) {
  const sim::ParamReader r(&item, user_node_doc(), {});
  const std::string id = r.string("id");
  if (is_builtin_node_type(id))
    r.fail("id", "'" + id + "' is a built-in node type: declare a new id (and `base: " + id + "`)");
  if (!r.has("base")) r.fail("base", "is required: the built-in node type the entry starts from");
  const std::string base = r.string("base");
  if (!is_builtin_node_type(base)) r.choice("base", node_type_ids());  // throws
  NodeType t = *find_node_type(base);
  t.id = id;
  t.name = r.has("name") ? r.string("name") : id + " (from " + base + ")";
  if (r.has("accelerator")) {
    t.accelerator = r.string("accelerator");
    if (!find_accelerator(t.accelerator)) r.choice("accelerator", accelerator_ids());  // throws
  }
  const Spreads spreads = read_fields(r, node_fields(), t);
  if (t.accelerators.value != static_cast<int>(t.accelerators.value))
    r.fail("accelerators", "must be a whole number");
  if (t.psus.value != static_cast<int>(t.psus.value)) r.fail("psus", "must be a whole number");
  check_order(r, "cpu_idle", t.cpu_idle_w.value, "cpu_max", t.cpu_max_w.value);
  check_order(r, "dram_idle", t.dram_idle_w.value, "dram_max", t.dram_max_w.value);
  check_order(r, "nic_idle", t.nic_idle_w.value, "nic_max", t.nic_max_w.value);
  check_order(r, "other_idle", t.other_idle_w.value, "other_max", t.other_max_w.value);
  if (t.cpu_per_accelerator.value > 1) r.fail("cpu_per_accelerator", "must be at most 1");
  // Everything at its maximum, 35 °C inlet: under the system maximum, as the catalog's tests
  // require of every built-in node.
  const Node node(node_spec(t));
  NodeLoad max;
  max.busy_accelerators = node.spec().accelerators;
  max.per_accelerator = reference_training_rates(*node.spec().accelerator, 1.0, 1.0);
  max.cpu_util = max.nic_util = 1.0;
  const double max_w = node.evaluate(max, 35.0).wall_w;
  if (max_w > t.system_max_w.value)
    r.fail(
        r.has("system_max") ? "system_max" : "id",
        "must cover the node at everything's maximum: " + std::to_string(static_cast<int>(max_w)) +
            " W at the wall, above the system "
            "maximum of " +
            std::to_string(static_cast<int>(t.system_max_w.value)) + " W");
  set_spreads(id, spreads);
  add_user_node_type(std::move(t));
}

const sim::ModelDoc& file_doc() {
  static const sim::ModelDoc doc{"catalog",
                                 "catalog",
                                 "A user catalog file (`catalog:` of a scenario)",
                                 {{"accelerators", "list", "-", "user-declared chips"},
                                  {"nodes", "list", "-", "user-declared node types"}}};
  return doc;
}

}  // namespace

std::optional<StatedSpread> user_catalog_spread(const std::string& id, const std::string& key) {
  std::lock_guard lock(spreads_mutex);
  const auto it = stated_spreads().find({id, key});
  if (it == stated_spreads().end()) return std::nullopt;
  return it->second;
}

const sim::ModelDoc& user_accelerator_doc() {
  static const sim::ModelDoc doc =
      make_doc("catalog.accelerators[]", "A user-declared accelerator", accelerator_fields(),
               "built-in chip whose numbers the entry starts from");
  return doc;
}

const sim::ModelDoc& user_node_doc() {
  static const sim::ModelDoc doc = [] {
    sim::ModelDoc d = make_doc("catalog.nodes[]", "A user-declared node type", node_fields(),
                               "built-in node type whose numbers the entry starts from");
    d.keys.push_back({"accelerator", "string", "(the base's)", "chip id (built-in or declared)"});
    return d;
  }();
  return doc;
}

namespace {
const bool documented =
    (sim::model_docs().push_back(&file_doc()), sim::model_docs().push_back(&user_accelerator_doc()),
     sim::model_docs().push_back(&user_node_doc()), sim::model_docs().push_back(&spread_doc()),
     true);
}  // namespace

void load_user_catalog(const sim::ParamNode& root) {
  const sim::ParamReader r(&root, file_doc(), {});
  for (const char* section : {"accelerators", "nodes"}) {
    const sim::ParamNode* list = r.node(section);
    if (!list) continue;
    if (!list->is_sequence()) r.fail(section, "must be a list of entries (- id: ...)");
    for (const auto& item : list->items) {
      if (!item.is_map()) throw sim::InputError(item.where, "an entry must be a map (id: ...)");
      if (std::string(section) == "accelerators")
        read_accelerator(item);
      else
        read_node(item);
    }
  }
}

}  // namespace joule::models::compute
