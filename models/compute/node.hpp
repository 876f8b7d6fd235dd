// A compute node: N accelerators + CPUs + DRAM + NICs + fans + the rest of the board, behind
// PSUs. Two models, chosen by `model:` in `cluster.node`:
//
// operation (default):
//   P_dc   = Σ_i P_accel,i (accelerator.hpp) + P_cpu + P_dram + P_nic + P_other + P_fans
//   P_cpu  = P_cpu,idle  + u_cpu ·(P_cpu,max  − P_cpu,idle)      (same form for DRAM with u_cpu,
//   P_nic  = P_nic,idle  + u_nic ·(P_nic,max  − P_nic,idle)       NICs with u_nic, and the
//   P_other= P_oth,idle  + a     ·(P_oth,max  − P_oth,idle)       rest with accelerator activity a)
//   a      = (Σ P_accel − N·P_idle,accel) / (N·(TDP − P_idle,accel)), clamped to [0, 1]
//   Host utilisations follow what the node's job does (host_load below), none is a constant:
//   u_cpu  = c_acc · n_busy/N + n_busy·r_pcie / B_hostmem   launch + data-loader threads per
//            busy accelerator, plus the host-memory copies of device↔host and network traffic
//   u_nic  = n_busy · r_pcie / B_nic                          bytes leaving the node (inter-node
//            gradient all-reduce and checkpoint writes go device → PCIe → NIC)
//   P_fans = P_fan,max · v³ (fan affinity law), v = max(v_inlet, v_heat):
//            v_inlet = v_min below T_low, linear to 1 at T_high; v_heat = v_min + (1−v_min)·h,
//            h = the non-fan DC load between its idle and its maximum (more heat, more airflow)
//   P_wall = P_dc + PSU loss(P_dc) (power/psu.hpp: 80 PLUS curve, load shared by all units)
// linear (CloudSim / SimGrid baseline):  P_wall = P_idle + u·(P_max − P_idle),
//   u = NodeLoad::utilization (or the busy accelerator fraction); reported in `other_w`.
//
// Catalog (node_catalog): dgx-h100, hgx-b200, dgx-a100, dgx-1, dgx-2, tpu-v2-host, tpu-v3-host,
// tpu-v4-host, tpu-v5p-host; each number Sourced (spec / measurement / estimate). DGX H100:
// 10.2 kW system max (spec), 8×H100.
#pragma once

#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "models/compute/accelerator.hpp"
#include "models/compute/sourced.hpp"
#include "models/power/psu.hpp"
#include "sim/params.hpp"

namespace joule::models::compute {

struct NodeType {
  std::string id, name;
  std::string accelerator;  // catalog id
  Sourced<double> accelerators;
  Sourced<double> cpu_idle_w, cpu_max_w;      // all sockets
  Sourced<double> dram_idle_w, dram_max_w;    // all DIMMs
  Sourced<double> nic_idle_w, nic_max_w;      // all NICs and DPUs, with their optics
  Sourced<double> other_idle_w, other_max_w;  // switch chips, storage, BMC, board, VRMs
  Sourced<double> fan_max_w, fan_min_speed;   // all fans at full speed; minimum speed (0–1)
  Sourced<double> fan_low_c, fan_high_c;      // inlet temperatures of the fan ramp
  Sourced<double> psus, psu_rating_w;         // PSU count and rating
  Sourced<double> nic_bandwidth_bps;          // compute-fabric NICs, all ports, one direction
  Sourced<double> host_memory_bps;            // host DRAM bandwidth, all sockets
  Sourced<double> cpu_per_accelerator;        // CPU share one busy accelerator's job uses
  std::string psu_curve = "titanium-230v";    // power::psu_curve() name
  Cooling cooling = Cooling::air;
  Sourced<double> system_max_w;  // vendor system maximum (or estimate)
};

const std::vector<NodeType>& node_catalog();
// Host CPU/DRAM and NIC utilisation (0–1) of a node whose `busy` accelerators each run at
// `rates` (node.hpp header: u_cpu, u_nic); 0 and 0 when no accelerator is busy.
struct HostUtilisation {
  double cpu = 0.0, nic = 0.0;
};
HostUtilisation host_load(const NodeType& type, int busy, const OpRates& rates);
const NodeType* find_node_type(std::string_view id);  // user-declared types first
std::vector<std::string> node_type_ids();
bool is_builtin_node_type(std::string_view id);
// Registers a user-declared node type (user_catalog.hpp); a later one with the same id wins.
const NodeType* add_user_node_type(NodeType type);
// Every number of a node type, in listing order (points into `type`).
std::vector<CatalogField> catalog_fields(const NodeType& type);
// Prints every node type's numbers with their kind and source (for `joule list-models`).
void print_node_catalog(std::ostream& out);

// The catalog numbers of a node type that `cluster.node` may override, one key each
// (cpu_idle_power: 200 W): the host components' powers and the two estimates that set how hard
// the host works. `joule run --uncertainty N` samples them through these keys.
struct NodeOverride {
  const char* key;      // `cluster.node` key
  const char* catalog;  // its key in a user catalog (user_catalog.cpp), for a stated spread
  const char* unit;     // "W", or "number" for a share in [0, 1]
  Sourced<double> NodeType::*field;
};
std::span<const NodeOverride> node_overrides();

enum class NodePowerModel { operation, linear };

// The node's power supplies: `count` units of `rating_w` sharing the load on an 80 PLUS curve
// (the one PSU model, power/psu.hpp).
struct NodePsu {
  const power::PsuCurve* curve = &power::psu_curve("titanium-230v");
  int count = 1;
  double rating_w = 3300.0;  // per PSU
  // Multiplies the curve's loss: the 80 PLUS points are certification minima, a unit's own
  // loss lies near them (`psu_loss_scale`; sampled by `joule run --uncertainty N`).
  double loss_scale = 1.0;

  // Loss (W) when the node's components draw dc_w; the wall sees dc_w + loss.
  double loss_w(double dc_w) const {
    return loss_scale * power::Psu(*curve, sim::Watts(rating_w), count).loss_w(dc_w);
  }
};

struct NodeSpec {
  const NodeType* type = nullptr;
  // The catalog type with this scenario's overrides (node_overrides()), when it has any: `type`
  // then points here.
  std::shared_ptr<const NodeType> overridden_type;
  const AcceleratorSpec* accelerator = nullptr;
  int accelerators = 0;
  NodePowerModel model = NodePowerModel::operation;
  AcceleratorSettings accelerator_settings;  // cap, cooling, R_th, throttle temperature
  NodePsu psu;
  double fan_max_w = 0.0;
  // Cold-plate coolant supply (set by the facility's liquid plant); unset: the rack inlet air.
  std::optional<double> coolant_c;
  std::optional<sim::Watts> linear_idle, linear_max;  // linear model; defaults computed
};

// Keys of `cluster.node` (type plus overrides).
const sim::ModelDoc& node_doc();
// Reads and validates `cluster.node`: unknown type → error with "did you mean"; caps must be
// positive and at most the chip's TDP; counts positive.
NodeSpec node_spec(const sim::ParamReader& r);
// The catalog entry as a spec, without overrides.
NodeSpec node_spec(const NodeType& type);

struct NodeLoad {
  int busy_accelerators = 0;  // accelerators running a job (the rest idle without context)
  OpRates per_accelerator;    // demand of each busy accelerator at the nominal clock
  double cpu_util = 0.0;      // 0–1, CPUs and DRAM
  double nic_util = 0.0;      // 0–1
  double utilization = -1.0;  // linear model only; < 0: busy accelerator fraction
};

struct NodePower {
  double accelerators_w = 0, cpu_w = 0, dram_w = 0, nic_w = 0, other_w = 0, fans_w = 0;
  double psu_loss_w = 0, wall_w = 0;  // wall = DC sum + PSU loss
  double fan_speed = 0;
  AcceleratorState busy;  // state of each busy accelerator
  AcceleratorState idle;  // state of each idle accelerator
  double dc_w() const { return accelerators_w + cpu_w + dram_w + nic_w + other_w + fans_w; }
};

class Node {
public:
  // `calibration` defaults to the catalog estimates of the node's accelerator.
  explicit Node(const NodeSpec& spec);
  Node(const NodeSpec& spec, const Calibration& calibration);

  NodePower evaluate(const NodeLoad& load, double inlet_c) const;
  NodePower idle(double inlet_c) const { return evaluate(NodeLoad{}, inlet_c); }

  // A node shared by several jobs (GPU-granular allocation): group k runs `count` accelerators
  // in `state` (each job's accelerator state, from its own node model: its cap, its rates); the
  // node's other accelerators idle. Host CPU and NIC utilisations are the sum of the jobs'
  // (host_load is linear in a job's accelerators, so the sum is what the node's host does),
  // clamped to 1. Fans and PSU follow the node's total, as in evaluate(). `busy` of the result
  // is the group with the lowest clock. Operation model only; with one group this is
  // evaluate() of that group's load.
  struct Group {
    int count = 0;
    AcceleratorState state;
  };
  NodePower evaluate_shared(std::span<const Group> groups, double cpu_util, double nic_util,
                            double inlet_c) const;

  void set_accelerator_power_cap(sim::Watts cap) { accel_.set_power_cap(cap); }
  const Accelerator& accelerator() const { return accel_; }
  const NodeSpec& spec() const { return spec_; }
  // Fan speed (0–1) from the inlet temperature and the non-fan heat fraction.
  double fan_speed(double inlet_c, double heat_fraction) const;

private:
  NodePower evaluate_operation(const NodeLoad& load, double inlet_c) const;
  // Host, fans and PSU of a node whose accelerators draw out.accelerators_w.
  void add_host(NodePower& out, double cpu_util, double nic_util, double inlet_c) const;
  double coolant_c(double inlet_c) const;
  NodeSpec spec_;
  Accelerator accel_;
  double linear_idle_w_ = 0, linear_max_w_ = 0;
};

}  // namespace joule::models::compute
