// The validated specs the world is built from, and the one place that reads them from the
// scenario's parameter trees.
//
// YAML → parameter tree (io/) → world_spec() → WorldSpec → World. world_spec() reads every
// section through the model that owns it (compute::cluster_spec, network::fabrics_from_params,
// compute::calibration_from_params, workload::make_job_generator, scheduling::make_scheduler,
// environment::site_spec, power::power_chain_spec, cooling::make_cooling_plant,
// cooling::hall_layout): bad input fails here, before anything runs, with its file:line:column.
// The runtime classes (World, Facility, JobRunner, ClusterState) take the specs and never see a
// parameter tree (scripts/check-architecture.sh checks it).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/compute/calibration.hpp"
#include "models/compute/cluster.hpp"
#include "models/cooling/hall_layout.hpp"
#include "models/cooling/plant.hpp"
#include "models/environment/site.hpp"
#include "models/network/fabrics.hpp"
#include "models/power/power_chain.hpp"
#include "models/scheduling/scheduler.hpp"
#include "models/workload/generator.hpp"
#include "sim/params.hpp"
#include "sim/time.hpp"

namespace joule::models::world {

// Nameplate figures of one node pool (what a pool's own cooling is sized for).
struct PoolDesign {
  std::string name;
  std::size_t first_rack = 0;  // racks [first_rack, first_rack + racks) of the cluster
  int racks = 0;
  double it_w = 0;
  double chip_heat_w = 0;
  double rack_design_power_w = 0;
};

// Nameplate figures the plant and chain are sized from.
struct FacilityDesign {
  double it_w = 0;         // all nodes at their system maximum
  double chip_heat_w = 0;  // accelerators at TDP
  int racks = 1;
  double rack_design_power_w = 40e3;
  double initial_supply_c = 24.0;
  // Per pool, for cooling zones (empty: one zone serves every rack).
  std::vector<PoolDesign> pools;
};

// A pool's own cooling (`cluster.pools[].cooling`): its plant and data hall serve the pool's
// racks alone (a cooling zone, facility.hpp).
struct PoolCoolingSpec {
  std::size_t pool = 0;
  std::unique_ptr<cooling::CoolingPlant> plant;  // sized for the pool's design
  std::optional<cooling::HallLayout> hall;       // plants other than fixed-pue
};

// The facility: site (weather, grid signals), power chain, cooling plant and data hall.
struct FacilitySpec {
  bool has_site = false;  // false: constant default air, no grid signals
  // Built from `site` (defaults when the scenario has none): its weather, carbon and price
  // files are read, and their coverage of the run checked, while the spec is built.
  std::unique_ptr<environment::Site> site;
  std::optional<power::PowerChainSpec> power_chain;
  // The top-level `cooling`: the shared zone, serving the racks of pools without their own
  // cooling and the IT outside the racks. Sized for those; null: no shared plant.
  std::unique_ptr<cooling::CoolingPlant> plant;
  std::optional<cooling::HallLayout> hall;    // the data hall (plants other than fixed-pue)
  std::vector<PoolCoolingSpec> pool_cooling;  // pools with their own cooling, in pool order
};

// The jobs: the run's generator and, drawn from the same streams, a second one whose first jobs
// the job runner builds while loading (so that what the run would reject is rejected at once).
struct WorkloadSpec {
  std::unique_ptr<workload::JobGenerator> generator;
  std::unique_ptr<workload::JobGenerator> probe;
  sim::Location where;  // the `workload` section (errors about generated jobs)
};

// Where the keys whose limits are checked while building sit in the scenario (warnings and
// errors point there; empty when the scenario leaves the key out).
struct WorldPlaces {
  sim::Location node_model;     // the calibration file, else cluster.node
  sim::Location gpu_power_cap;  // cluster.node.gpu_power_cap
  sim::Location rack_limit;     // cluster.racks.power_limit, else cluster.racks
};

struct WorldSpec {
  std::uint64_t seed = 0;
  sim::Time duration = sim::days(1);
  sim::Time control_step = sim::minutes(1);
  compute::ClusterSpec cluster;
  // `cluster.network` and the pools' `network`: switch power (an IT load), hop counts,
  // collective links (empty when neither is given).
  network::Fabrics network;
  compute::Calibration calibration;  // the chip's catalog figures, overlaid by the file's
  // Each pool's (cluster.pools: the first is `calibration`; one pool without them).
  std::vector<compute::Calibration> pool_calibrations;
  FacilityDesign design;
  FacilitySpec facility;
  WorkloadSpec workload;
  scheduling::Scheduler scheduler;
  WorldPlaces places;
};

// --- Reading the scenario (the only part of models/world that sees parameter trees) --------

struct FacilitySections {
  const sim::ParamNode* site = nullptr;
  const sim::ParamNode* power_chain = nullptr;
  const sim::ParamNode* cooling = nullptr;
  // Each pool's `cooling` (null: cooled by the top-level plant); world_spec() fills it from
  // `cluster.pools`.
  std::vector<const sim::ParamNode*> pool_cooling;
};

// The scenario sections the world reads (each may be null: defaults apply).
struct WorldSections {
  const sim::ParamNode* cluster = nullptr;
  const sim::ParamNode* workload = nullptr;
  const sim::ParamNode* scheduler = nullptr;
  FacilitySections facility;
  // A calibration file's tree (cluster.node.calibration), read by the application.
  std::shared_ptr<const sim::ParamNode> calibration;
  // Each pool's (cluster.pools[i].node.calibration; null: none), in the pools' order.
  std::vector<std::shared_ptr<const sim::ParamNode>> pool_calibrations;
  sim::Time duration = sim::days(1);
  sim::Time control_step = sim::minutes(1);
};

// Nameplate figures of a cluster: every node at its system maximum, accelerators at TDP.
FacilityDesign facility_design(const compute::ClusterSpec& cluster);

// Reads and validates the facility's sections; `base_dir` resolves relative file names, the
// site's files must cover [0, horizon], `design` sizes the cooling plant.
FacilitySpec facility_spec(const FacilitySections& sections, const std::string& base_dir,
                           sim::Time horizon, const FacilityDesign& design);

// Reads and validates every section the world needs; `seed` seeds the generator's streams.
WorldSpec world_spec(const WorldSections& sections, std::uint64_t seed,
                     const std::string& base_dir);

}  // namespace joule::models::world
