// Node power models: what a server draws at the wall for a given load.
//
// A node model maps the load a job puts on a node (utilization and, for accelerated nodes, the
// per-accelerator op rates of compute/op_rates.hpp) and the node's inlet-air temperature to a
// power breakdown. Models register by name (`cluster.node.type`); the classic linear model
// lives in linear_node.cpp, calibrated accelerator nodes beside it.
#pragma once

#include <memory>
#include <string>

#include "models/compute/op_rates.hpp"
#include "sim/params.hpp"
#include "sim/registry.hpp"
#include "sim/units.hpp"

namespace joule::models::compute {

// What a job asks of one node.
struct NodeLoad {
  double utilization = 0.0;   // busy fraction of the node's compute, in [0, 1]
  int busy_accelerators = 0;  // accelerators running the job's kernels
  OpRates accelerator_rates;  // per busy accelerator, at the nominal clock
};

struct NodePower {
  double wall_w = 0.0;  // input power at the node's plug (IT power)
  double accelerators_w = 0.0;
  double other_w = 0.0;  // CPUs, DRAM, NICs, storage
  double fans_w = 0.0;
  double psu_loss_w = 0.0;  // included in wall_w
  double throughput = 1.0;  // speed relative to nominal (power caps, thermal throttling)
  double die_temp_c = 0.0;  // hottest accelerator die; 0 when not modelled
};

class NodePowerModel {
public:
  virtual ~NodePowerModel() = default;
  virtual NodePower power(const NodeLoad& load, sim::Celsius inlet) const = 0;
  virtual int accelerators() const { return 0; }
  // Peak dense throughput of one accelerator for `op` (FLOP/s), 0 when it has none.
  virtual double peak_rate(Op) const { return 0.0; }
  virtual std::string describe() const = 0;
};

using NodeModelRegistry = sim::Registry<NodePowerModel>;

}  // namespace joule::models::compute
