// Network topologies as Boost.Graph graphs of host and switch vertices with per-link bandwidth
// and latency, selected by `type:` in `cluster.network`:
//
//   fat-tree        k-ary fat tree (Al-Fares et al., SIGCOMM 2008): k pods of k/2 edge and k/2
//                   aggregation switches, (k/2)² core switches; k³/4 hosts, 5k²/4 switches;
//                   full bisection bandwidth.
//   rail-optimized  two-tier leaf/spine in which GPU r of every node in a group of radix/2
//                   nodes shares rail leaf r (NVIDIA DGX SuperPOD reference architecture).
//                   Non-blocking with the fewest spines: a leaf has as many uplinks as hosts,
//                   dealt to the spines in turn, and spines = ⌈hosts / radix⌉ (a full 32-node
//                   group of 8-GPU nodes on 64-port switches: 8 leaves, 4 spines; the
//                   SuperPOD's 4 units of 32 nodes: 32 leaves, 16 spines). Inside a node the
//                   GPUs meet at an NVSwitch vertex over NVLink (not a network switch: no
//                   switch power).
//   torus3d         X×Y×Z torus of chips (TPU v4/v5p pods): 6 neighbours with wraparound along
//                   every dimension of size ≥ 3 (a dimension of 2 gives one neighbour, of 1 none).
//
// A pool may have its own fabric (fabrics.hpp: one Topology per fabric).
// Switch power = Σ_switches (P_chassis + active ports · P_port), active ports = connected links.
// Defaults: NVIDIA Quantum-2 QM9700 (64 × 400 Gb/s NDR InfiniBand, 1U; datasheet). Its split into
// chassis (ASIC, fans, management: 640 W) and per-port power (transceiver share and SerDes:
// 10 W) is our estimate; 64 active ports then draw 1.28 kW.
// Paths are BFS shortest paths; routing is assumed to spread load (ECMP/adaptive routing), so
// link contention between flows is not modelled.
#pragma once

#include <boost/graph/adjacency_list.hpp>
#include <memory>
#include <string>
#include <vector>

#include "models/network/collectives.hpp"
#include "sim/params.hpp"
#include "sim/registry.hpp"

namespace joule::models::network {

enum class VertexKind { host, network_switch, nvswitch };

struct VertexProps {
  VertexKind kind = VertexKind::host;
  int id = 0;    // host index among hosts, or switch index among switches
  int tier = 0;  // 0 hosts, 1 edge/leaf, 2 aggregation/spine, 3 core
};

struct LinkProps {
  double bandwidth_bps = 0.0;  // bytes/s per direction
  double latency_s = 0.0;
};

using Graph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, VertexProps, LinkProps>;
using Vertex = Graph::vertex_descriptor;

struct SwitchPower {
  double chassis_w = 640.0;
  double port_w = 10.0;
};

// The nodes the network serves (the cluster's, or a pool's: fabrics.hpp); 0 = unknown.
struct ClusterShape {
  int nodes = 0;
  int accelerators_per_node = 0;
  const char* serves = "the cluster's";  // whose accelerators, in messages
  int hosts() const { return nodes * accelerators_per_node; }
};

struct PathStats {
  int hops = 0;              // links traversed
  double bandwidth_bps = 0;  // narrowest link
  double latency_s = 0;      // endpoint + links + switches traversed
};

class Topology {
public:
  Topology(std::string type, Graph graph, SwitchPower power, double switch_latency_s,
           double endpoint_latency_s);

  const std::string& type() const { return type_; }
  const Graph& graph() const { return graph_; }
  int host_count() const { return static_cast<int>(hosts_.size()); }
  int switch_count() const;  // network switches (NVSwitches are part of the nodes)
  Vertex host(int i) const { return hosts_.at(static_cast<std::size_t>(i)); }
  int degree(Vertex v) const { return static_cast<int>(boost::degree(v, graph_)); }

  // BFS hop counts from host `from` to every host (for topology-aware placement).
  std::vector<int> hops_from(int from) const;
  int hops(int a, int b) const { return path(a, b).hops; }
  // Along a BFS shortest path from host a to host b.
  PathStats path(int a, int b) const;
  // Bandwidth and latency of a ring over `hosts` in this order: the narrowest and slowest of
  // the n neighbour paths (hosts[i] → hosts[i+1 mod n]).
  CollectiveLink ring_link(const std::vector<int>& hosts) const;

  double switch_power_w() const;

private:
  std::string type_;
  Graph graph_;
  std::vector<Vertex> hosts_;
  SwitchPower power_;
  double switch_latency_s_, endpoint_latency_s_;
};

using TopologyRegistry = sim::Registry<Topology, const ClusterShape&>;

// Builders (also used by the registered factories).
std::unique_ptr<Topology> make_fat_tree(int k, LinkProps link, SwitchPower power = {},
                                        double switch_latency_s = 0.0,
                                        double endpoint_latency_s = 0.0);
std::unique_ptr<Topology> make_rail_optimized(int nodes, int gpus_per_node, int radix,
                                              LinkProps nic, LinkProps nvlink,
                                              SwitchPower power = {}, double switch_latency_s = 0.0,
                                              double endpoint_latency_s = 0.0);
std::unique_ptr<Topology> make_torus3d(int x, int y, int z, LinkProps link,
                                       double endpoint_latency_s = 0.0);

// Reads `cluster.network` ({type: fat-tree, ...}) through the registry.
std::unique_ptr<Topology> topology_from_params(const sim::ParamNode& network,
                                               const ClusterShape& shape);

}  // namespace joule::models::network
