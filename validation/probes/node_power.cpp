// Probe: wall power of one catalog node with `busy` accelerators running a dense tensor load.
//
// Inputs per point: node (catalog id), busy (accelerators running the load, default all),
// mfu (tensor rate over the chip's BF16 peak, FP16 where it has no BF16), hbm_fraction (HBM
// bytes over peak bandwidth, default 0.4), inlet_c (default 25), gpu_power_cap (W, optional).
// Host CPU/NIC utilisations follow the load as in a simulation (compute::host_load).
// Output: node wall power in W (PSU loss included).
#include <string>

#include "models/compute/accelerator_catalog.hpp"
#include "models/compute/node.hpp"
#include "probe_io.hpp"

using namespace joule::models::compute;

int main() {
  return joule::validation::run_probe("node_power", [](const joule::validation::Inputs& in) {
    const std::string id = in.string("node");
    const NodeType* type = find_node_type(id);
    if (!type) throw std::invalid_argument("unknown node type '" + id + "'");
    NodeSpec spec = node_spec(*type);
    if (const double cap = in.number("gpu_power_cap", 0); cap > 0)
      spec.accelerator_settings.power_cap = joule::sim::Watts(cap);
    const Node node(spec);
    NodeLoad load;
    load.busy_accelerators = static_cast<int>(in.number("busy", spec.accelerators));
    load.per_accelerator = reference_training_rates(*spec.accelerator, in.number("mfu"),
                                                    in.number("hbm_fraction", 0.4));
    const HostUtilisation host = host_load(*type, load.busy_accelerators, load.per_accelerator);
    load.cpu_util = host.cpu;
    load.nic_util = host.nic;
    return node.evaluate(load, in.number("inlet_c", 25.0)).wall_w;
  });
}
