#include "models/world/world_spec.hpp"

#include <algorithm>

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
  }
  return design;
}

FacilitySpec facility_spec(const FacilitySections& s, const std::string& base_dir,
                           sim::Time horizon, const FacilityDesign& design) {
  FacilitySpec spec;
  spec.has_site = s.site != nullptr && s.site->kind != sim::ParamNode::Kind::null;
  spec.site = std::make_unique<environment::Site>(
      environment::site_spec(sim::ParamReader(s.site, environment::site_doc()), base_dir), horizon);
  if (given(s.power_chain))
    spec.power_chain =
        power::power_chain_spec(sim::ParamReader(s.power_chain, power::power_chain_doc()));
  if (given(s.cooling)) {
    cooling::PlantSizing sizing;
    sizing.chip_heat = sim::Watts(design.chip_heat_w);
    sizing.other_heat = sim::Watts(std::max(0.0, design.it_w - design.chip_heat_w));
    spec.plant = cooling::make_cooling_plant(s.cooling, sizing);
    if (spec.plant->type() != "fixed-pue") {
      const sim::ParamNode* hall_node = s.cooling->find("hall");
      if (hall_node && !hall_node->is_map())
        throw sim::InputError(hall_node->where, "cooling.hall must be a map of keys");
      spec.hall = cooling::hall_layout(sim::ParamReader(hall_node, cooling::hall_doc()));
    }
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
    for (int i = 0; i < c.pool_node_count(p); ++i)
      pool_networks[p].nodes.push_back(static_cast<int>(node++));
  }
  spec.network = network::fabrics_from_params(cluster.node("network"), pool_networks,
                                              c.node_count(), c.node.accelerators);
  spec.calibration = compute::default_calibration(*c.node.accelerator);
  if (sections.calibration) {
    const compute::Calibration file = compute::calibration_from_params(*sections.calibration);
    if (file.chip != c.node.accelerator->id)
      throw sim::InputError(sections.calibration->where, "calibration is for chip '" + file.chip +
                                                             "' but the nodes carry '" +
                                                             c.node.accelerator->id + "'");
    spec.calibration = compute::overlay(spec.calibration, file);
  }
  const sim::ParamNode* node = child(sections.cluster, "node");
  const sim::ParamNode* racks = child(sections.cluster, "racks");
  const sim::ParamNode* rack_limit = child(racks, "power_limit");
  spec.places.node_model = sections.calibration ? sections.calibration->where : where(node);
  spec.places.gpu_power_cap = where(child(node, "gpu_power_cap"));
  spec.places.rack_limit = where(rack_limit ? rack_limit : racks);

  // Facility, sized from nameplate figures.
  spec.design = facility_design(c);
  spec.facility = facility_spec(sections.facility, base_dir, spec.duration, spec.design);

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
