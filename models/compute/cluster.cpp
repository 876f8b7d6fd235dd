#include "models/compute/cluster.hpp"

#include <algorithm>

namespace joule::models::compute {

namespace {
const sim::ModelDoc& override_doc() {
  static const sim::ModelDoc doc{"cluster section",
                                 "racks.overrides[]",
                                 "Per-rack settings: one item of racks.overrides",
                                 {{"rack", "integer", "", "rack index (0-based)"},
                                  {"power_limit", "W", "", "wall power limit of this rack"},
                                  {"nodes", "integer", "(nodes_per_rack)", "nodes in this rack"}}};
  return doc;
}

// In the scenario reference (`joule list-models`), where other sections point to it.
const bool override_documented = (sim::model_docs().push_back(&override_doc()), true);
}  // namespace

const sim::ModelDoc& cluster_doc() {
  static const sim::ModelDoc doc{
      "cluster",
      "cluster",
      "Racks of identical nodes and their network",
      {{"racks", "map", "", "count, nodes_per_rack, power_limit, overrides"},
       {"node", "map", "", "node type and overrides (see 'node')"},
       {"pools", "list", "-",
        "several node pools instead of `racks` and `node`: [{name, node, racks, from, until, "
        "network, cooling}] "
        "(see 'pools[]')"},
       {"network", "map", "-", "topology (see 'fat-tree', 'rail-optimized', 'torus3d')"},
       {"storage", "map", "-", "parallel-filesystem servers and drives (see 'storage')"}}};
  return doc;
}

const sim::ModelDoc& racks_doc() {
  static const sim::ModelDoc doc{
      "cluster section",
      "racks",
      "Rack count, size and power limits",
      {{"count", "integer", "", "number of racks"},
       {"nodes_per_rack", "integer", "", "nodes in each rack"},
       {"power_limit", "W", "(none)", "wall power limit of every rack; GPU caps drop to meet it"},
       {"overrides", "list", "-",
        "per-rack settings: [{rack: 3, power_limit: \"30 kW\"}] (see 'racks.overrides[]')"}}};
  return doc;
}

namespace {
const bool documented = [] {
  sim::model_docs().push_back(&cluster_doc());
  sim::model_docs().push_back(&racks_doc());
  return true;
}();
}  // namespace

int ClusterSpec::node_count() const {
  int n = 0;
  for (const auto& r : racks) n += r.nodes;
  return n;
}

std::size_t ClusterSpec::pool_of_rack(std::size_t rack) const {
  for (std::size_t p = pools.size(); p-- > 1;)
    if (rack >= pools[p].first_rack) return p;
  return 0;
}

int ClusterSpec::pool_node_count(std::size_t pool) const {
  int n = 0;
  const PoolSpec& p = pools[pool];
  for (std::size_t r = p.first_rack; r < p.first_rack + p.rack_count; ++r) n += racks[r].nodes;
  return n;
}

const sim::ModelDoc& pool_doc() {
  static const sim::ModelDoc doc{
      "cluster section",
      "pools[]",
      "One node pool of a heterogeneous cluster: one item of cluster.pools",
      {{"name", "string", "", "the pool's name (what jobs ask for with `pool:`)"},
       {"node", "map", "", "node type and overrides (see 'node')"},
       {"racks", "map", "", "count, nodes_per_rack, power_limit, overrides (see 'racks')"},
       {"from", "s", "0 s", "in service from this time after the start of the run (refresh)"},
       {"until", "s", "(never)",
        "drained from this time after the start: no new jobs; nodes power off once free"},
       {"network", "map", "(cluster.network)",
        "this pool's own fabric over its nodes (see 'fat-tree', 'rail-optimized', 'torus3d')"},
       {"cooling", "map", "(top-level)",
        "the pool's own cooling plant and hall, as the top-level `cooling` (see 'air', "
        "'chilled-water', 'liquid', 'fixed-pue'); "
        "without it the top-level plant cools the pool"}}};
  return doc;
}

namespace {

const bool pool_documented = (sim::model_docs().push_back(&pool_doc()), true);

// `racks` (count, nodes_per_rack, power_limit, overrides), appended to `out`.
void read_racks(const sim::ParamReader& r, std::vector<RackSpec>& out) {
  const sim::ParamNode* racks = r.node("racks");
  if (!racks) r.fail("racks", "is required (e.g. racks: {count: 16, nodes_per_rack: 4})");
  const sim::ParamReader rr(racks, racks_doc(), {});
  const auto count = rr.integer("count", sim::Range::between(1, 1e6));
  const auto per_rack = rr.integer("nodes_per_rack", sim::Range::between(1, 1000));
  RackSpec base;
  base.nodes = static_cast<int>(per_rack);
  if (rr.has("power_limit"))
    base.power_limit = rr.quantity<sim::Watts>("power_limit", sim::Range::positive());
  const std::size_t first = out.size();
  out.insert(out.end(), static_cast<std::size_t>(count), base);
  if (const sim::ParamNode* list = rr.node("overrides")) {
    if (!list->is_sequence())
      throw sim::InputError(list->where, rr.path("overrides") + " must be a list");
    for (const auto& item : list->items) {
      const sim::ParamReader o(&item, override_doc(), {});
      const auto index = o.integer("rack", sim::Range::between(0, static_cast<double>(count - 1)));
      RackSpec& rack = out[first + static_cast<std::size_t>(index)];
      if (o.has("power_limit"))
        rack.power_limit = o.quantity<sim::Watts>("power_limit", sim::Range::positive());
      if (o.has("nodes"))
        rack.nodes = static_cast<int>(o.integer("nodes", sim::Range::between(0, 1000)));
    }
  }
}

NodeSpec read_node(const sim::ParamReader& r) {
  const sim::ParamNode* node = r.node("node");
  if (!node) r.fail("node", "is required (e.g. node: {type: dgx-h100})");
  return node_spec(sim::ParamReader(node, node_doc(), {}));
}

// `cluster.pools`: each pool's node and racks, racks numbered pool by pool.
void read_pools(const sim::ParamReader& r, ClusterSpec& c) {
  const sim::ParamNode* list = r.node("pools");
  if (!list->is_sequence() || list->items.empty())
    throw sim::InputError(list->where, r.path("pools") + " must be a non-empty list of pools");
  for (const auto& item : list->items) {
    const sim::ParamReader p(&item, pool_doc(), {});
    PoolSpec pool;
    pool.name = p.string("name");
    if (pool.name.empty()) p.fail("name", "is required (the name jobs ask for with `pool:`)");
    for (const auto& other : c.pools)
      if (other.name == pool.name) p.fail("name", "'" + pool.name + "' names two pools");
    pool.node = read_node(p);
    if (!c.pools.empty() && pool.node.accelerators != c.pools.front().node.accelerators)
      p.fail("node", "has " + std::to_string(pool.node.accelerators) +
                         " accelerators per node but pool '" + c.pools.front().name + "' has " +
                         std::to_string(c.pools.front().node.accelerators) +
                         "; all pools' nodes must carry the same number");
    pool.first_rack = c.racks.size();
    read_racks(p, c.racks);
    pool.rack_count = c.racks.size() - pool.first_rack;
    pool.from = p.duration("from");
    if (p.has("until")) {
      pool.until = p.duration("until");
      if (pool.until <= pool.from)
        p.fail("until", "must come after `from` (" + sim::to_string(pool.from) + ")");
    }
    c.pools.push_back(std::move(pool));
  }
  c.node = c.pools.front().node;
  c.pooled = true;
}

}  // namespace

ClusterSpec cluster_spec(const sim::ParamReader& r) {
  ClusterSpec c;
  if (r.has("pools")) {
    for (const char* key : {"node", "racks"})
      if (r.has(key))
        r.fail(key, std::string("cannot be given with `pools` (at ") +
                        r.location("pools").to_string() +
                        "): write each pool's node and racks in the pool");
    read_pools(r, c);
  } else {
    c.node = read_node(r);
    read_racks(r, c.racks);
    c.pools.push_back({c.node.type->id, c.node, 0, c.racks.size()});
  }
  // Counts stay ints (accelerators = nodes × per node) and the world's per-node state fits in
  // memory: a million nodes is 8 million GPUs, 80× the largest cluster built so far.
  std::int64_t nodes = 0;
  for (const auto& rack : c.racks) nodes += rack.nodes;
  if (nodes * std::max(1, c.node.accelerators) > max_cluster_accelerators)
    r.fail(c.pooled ? "pools" : "racks",
           "hold " + std::to_string(nodes) + " nodes of " + std::to_string(c.node.accelerators) +
               " accelerators; a cluster may have at most 8,000,000 accelerators");
  if (const sim::ParamNode* storage = r.node("storage"))
    c.storage = storage_spec(sim::ParamReader(storage, storage_doc(), {}));
  return c;
}

Rack::Rack(const NodeSpec& node, const Calibration& calibration, const RackSpec& spec)
    : spec_(spec), node_(node, calibration), own_cap_w_(node_.accelerator().power_cap_w()) {}

RackPower Rack::evaluate_at(const std::vector<NodeLoad>& loads, double inlet_c,
                            double cap_w) const {
  node_.set_accelerator_power_cap(sim::Watts(cap_w));
  RackPower out;
  out.accelerator_cap_w = cap_w;
  for (int i = 0; i < spec_.nodes; ++i) {
    const NodeLoad load = i < static_cast<int>(loads.size()) ? loads[i] : NodeLoad{};
    out.nodes.push_back(node_.evaluate(load, inlet_c));
    out.wall_w += out.nodes.back().wall_w;
  }
  return out;
}

RackPower Rack::evaluate(const std::vector<NodeLoad>& loads, double inlet_c) const {
  RackPower out = evaluate_at(loads, inlet_c, own_cap_w_);
  if (!spec_.power_limit || out.wall_w <= spec_.power_limit->value()) return out;
  const double limit_w = spec_.power_limit->value();
  // Wall power falls monotonically with the cap; bisect for the largest cap that fits.
  double lo = 0.0, hi = own_cap_w_;
  RackPower at_lo = evaluate_at(loads, inlet_c, lo);
  if (at_lo.wall_w > limit_w) {
    at_lo.limited = at_lo.over_limit = true;
    node_.set_accelerator_power_cap(sim::Watts(own_cap_w_));
    return at_lo;
  }
  while (hi - lo > 1e-6) {
    const double mid = 0.5 * (lo + hi);
    (evaluate_at(loads, inlet_c, mid).wall_w <= limit_w ? lo : hi) = mid;
  }
  out = evaluate_at(loads, inlet_c, lo);
  out.limited = true;
  node_.set_accelerator_power_cap(sim::Watts(own_cap_w_));
  return out;
}

}  // namespace joule::models::compute
