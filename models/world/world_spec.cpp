#include "models/world/world_spec.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace joule::models::world {

namespace {

bool given(const sim::ParamNode* n) {
  return n && n->kind != sim::ParamNode::Kind::null;
}

const sim::ParamNode* child(const sim::ParamNode* n, const char* key) {
  return n && n->is_map() ? n->find(key) : nullptr;
}

sim::Location where(const sim::ParamNode* n) {
  return n ? n->where : sim::Location{};
}

}  // namespace

FacilityDesign facility_design(const compute::ClusterSpec& cluster) {
  // Nameplate figures summed over the pools (every pool, whenever it is in service).
  FacilityDesign design;
  design.racks = static_cast<int>(cluster.racks.size());
  design.rack_design_power_w = 0.0;
  for (std::size_t p = 0; p < cluster.pools.size(); ++p) {
    const compute::NodeSpec& node = cluster.pools[p].node;
    const double node_max_w = node.type->system_max_w.value;
    const int nodes = cluster.pool_node_count(p);
    design.it_w += node_max_w * static_cast<double>(nodes);
    design.chip_heat_w +=
        static_cast<double>(nodes * node.accelerators) * node.accelerator->tdp_w.value;
    int max_per_rack = 1;
    for (std::size_t r = cluster.pools[p].first_rack;
         r < cluster.pools[p].first_rack + cluster.pools[p].rack_count; ++r)
      max_per_rack = std::max(max_per_rack, cluster.racks[r].nodes);
    design.rack_design_power_w = std::max(design.rack_design_power_w, node_max_w * max_per_rack);
    PoolDesign pool;
    pool.name = cluster.pools[p].name;
    pool.first_rack = cluster.pools[p].first_rack;
    pool.racks = static_cast<int>(cluster.pools[p].rack_count);
    pool.it_w = node_max_w * static_cast<double>(nodes);
    pool.chip_heat_w =
        static_cast<double>(nodes * node.accelerators) * node.accelerator->tdp_w.value;
    pool.rack_design_power_w = node_max_w * max_per_rack;
    design.pools.push_back(std::move(pool));
  }
  return design;
}

namespace {

// A plant sized for `chip_heat_w` of accelerator heat within `it_w`, and its hall layout.
std::pair<std::unique_ptr<cooling::CoolingPlant>, std::optional<cooling::HallLayout>> cooling_of(
    const sim::ParamNode* node, double it_w, double chip_heat_w) {
  cooling::PlantSizing sizing;
  sizing.chip_heat = sim::Watts(chip_heat_w);
  sizing.other_heat = sim::Watts(std::max(0.0, it_w - chip_heat_w));
  auto plant = cooling::make_cooling_plant(node, sizing);
  std::optional<cooling::HallLayout> hall;
  if (plant->type() != "fixed-pue") {
    const sim::ParamNode* hall_node = node->find("hall");
    if (hall_node && !hall_node->is_map())
      throw sim::InputError(hall_node->where, "cooling.hall must be a map of keys");
    hall = cooling::hall_layout(sim::ParamReader(hall_node, cooling::hall_doc()));
  }
  return {std::move(plant), std::move(hall)};
}

}  // namespace

FacilitySpec facility_spec(const FacilitySections& s, const std::string& base_dir,
                           sim::Time horizon, const FacilityDesign& design) {
  FacilitySpec spec;
  spec.has_site = s.site != nullptr && s.site->kind != sim::ParamNode::Kind::null;
  spec.site = std::make_unique<environment::Site>(
      environment::site_spec(sim::ParamReader(s.site, environment::site_doc()), base_dir), horizon);
  if (given(s.power_chain))
    spec.power_chain =
        power::power_chain_spec(sim::ParamReader(s.power_chain, power::power_chain_doc()));
  // Cooling zones: each pool with its own `cooling`, and the shared plant for the rest.
  double shared_it_w = design.it_w, shared_chip_w = design.chip_heat_w;
  const sim::ParamNode* first_own = nullptr;
  std::size_t shared_pools = design.pools.size();
  for (std::size_t p = 0; p < s.pool_cooling.size(); ++p)
    if (given(s.pool_cooling[p])) {
      if (!s.pool_cooling[p]->is_map())
        throw sim::InputError(s.pool_cooling[p]->where,
                              "cluster.pools[].cooling must be a map of keys");
      if (!first_own) first_own = s.pool_cooling[p];
      --shared_pools;
    }
  if (first_own) {
    if (design.pools.size() != s.pool_cooling.size())
      throw std::logic_error("facility_spec: the design's pools and the pool cooling differ");
    if (!given(s.cooling) && shared_pools > 0)
      for (std::size_t p = 0; p < s.pool_cooling.size(); ++p)
        if (!given(s.pool_cooling[p]))
          throw sim::InputError(first_own->where,
                                "pool '" + design.pools[p].name +
                                    "' has no cooling of its own and there is no top-level "
                                    "`cooling` to serve it: give it one, or add `cooling`");
    if (given(s.cooling) && shared_pools == 0)
      throw sim::InputError(s.cooling->where,
                            "every pool has its own `cooling`, so the top-level `cooling` "
                            "would serve no rack: remove it");
    shared_it_w = shared_chip_w = 0;
    for (std::size_t p = 0; p < s.pool_cooling.size(); ++p) {
      const PoolDesign& pool = design.pools[p];
      if (!given(s.pool_cooling[p])) {
        shared_it_w += pool.it_w;
        shared_chip_w += pool.chip_heat_w;
        continue;
      }
      auto [plant, hall] = cooling_of(s.pool_cooling[p], pool.it_w, pool.chip_heat_w);
      spec.pool_cooling.push_back({p, std::move(plant), std::move(hall)});
    }
  }
  if (given(s.cooling)) {
    auto [plant, hall] = cooling_of(s.cooling, shared_it_w, shared_chip_w);
    spec.plant = std::move(plant);
    spec.hall = std::move(hall);
  }
  return spec;
}

WorldSpec world_spec(const WorldSections& sections, std::uint64_t seed,
                     const std::string& base_dir) {
  WorldSpec spec;
  spec.seed = seed;
  spec.duration = sections.duration;
  spec.control_step = sections.control_step;

  // Cluster: racks of identical nodes (models/compute) and their network (models/network).
  const sim::ParamReader cluster(sections.cluster, compute::cluster_doc());
  spec.cluster = compute::cluster_spec(cluster);
  const compute::ClusterSpec& c = spec.cluster;
  std::vector<network::PoolNetwork> pool_networks(c.pools.size());
  for (std::size_t p = 0, node = 0; p < c.pools.size(); ++p) {
    if (c.pooled) pool_networks[p].network = cluster.node("pools")->items[p].find("network");
    const int nodes = c.pool_node_count(p);  // O(racks): once per pool, not per node
    for (int i = 0; i < nodes; ++i) pool_networks[p].nodes.push_back(static_cast<int>(node++));
  }
  spec.network = network::fabrics_from_params(cluster.node("network"), pool_networks,
                                              c.node_count(), c.node.accelerators);
  // The chip's catalog figures, overlaid by a calibration file's (the node's, or each pool's).
  const auto calibration = [](const compute::NodeSpec& node, const sim::ParamNode* file_tree) {
    compute::Calibration out = compute::default_calibration(*node.accelerator);
    if (!file_tree) return out;
    const compute::Calibration file = compute::calibration_from_params(*file_tree);
    if (file.chip != node.accelerator->id)
      throw sim::InputError(file_tree->where, "calibration is for chip '" + file.chip +
                                                  "' but the nodes carry '" + node.accelerator->id +
                                                  "'");
    return compute::overlay(out, file);
  };
  for (std::size_t p = 0; p < c.pools.size(); ++p)
    spec.pool_calibrations.push_back(
        calibration(c.pools[p].node, c.pooled && p < sections.pool_calibrations.size()
                                         ? sections.pool_calibrations[p].get()
                                         : sections.calibration.get()));
  spec.calibration = spec.pool_calibrations.front();
  const sim::ParamNode* node = child(sections.cluster, "node");
  const sim::ParamNode* racks = child(sections.cluster, "racks");
  const sim::ParamNode* rack_limit = child(racks, "power_limit");
  spec.places.node_model = sections.calibration ? sections.calibration->where : where(node);
  spec.places.gpu_power_cap = where(child(node, "gpu_power_cap"));
  spec.places.rack_limit = where(rack_limit ? rack_limit : racks);

  // Facility, sized from nameplate figures; a pool may carry its own cooling.
  spec.design = facility_design(c);
  FacilitySections facility = sections.facility;
  if (const sim::ParamNode* pools = cluster.node("pools"); pools && pools->is_sequence())
    for (const auto& item : pools->items) facility.pool_cooling.push_back(child(&item, "cooling"));
  spec.facility = facility_spec(facility, base_dir, spec.duration, spec.design);

  // Workload.
  if (!given(sections.workload))
    throw sim::InputError(sim::Location{}, "missing required section 'workload'");
  spec.workload.where = sections.workload->where;
  workload::GeneratorContext ctx;
  ctx.streams = sim::RandomStreams(seed);
  ctx.base_dir = base_dir;
  ctx.cluster_nodes = c.node_count();
  ctx.cluster_gpus = c.accelerator_count();
  for (std::size_t p = 0; p < c.pools.size(); ++p)
    ctx.pools.push_back({c.pools[p].name, c.pools[p].node.accelerator->id, c.pool_node_count(p)});
  spec.workload.generator = workload::make_job_generator(*sections.workload, ctx);
  spec.workload.probe = workload::make_job_generator(*sections.workload, ctx);

  // Scheduler: the policy and the nodes' sleep/wake parameters.
  spec.scheduler = scheduling::make_scheduler(sections.scheduler);
  return spec;
}

}  // namespace joule::models::world
