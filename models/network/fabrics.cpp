// The cluster's fabrics: which fabric serves which node (see fabrics.hpp).
#include "models/network/fabrics.hpp"

#include <algorithm>

#include "models/network/topology.hpp"

namespace joule::models::network {

Fabrics::Fabrics() = default;
Fabrics::~Fabrics() = default;
Fabrics::Fabrics(Fabrics&&) noexcept = default;
Fabrics& Fabrics::operator=(Fabrics&&) noexcept = default;

Fabrics::Fabrics(int nodes, int accelerators_per_node)
    : per_node_(std::max(1, accelerators_per_node)),
      fabric_of_(static_cast<std::size_t>(nodes), -1),
      local_(static_cast<std::size_t>(nodes), 0) {}

void Fabrics::add(std::unique_ptr<Topology> topology, std::vector<int> nodes) {
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const auto n = static_cast<std::size_t>(nodes[i]);
    fabric_of_.at(n) = static_cast<int>(fabrics_.size());
    local_[n] = static_cast<int>(i);
  }
  fabrics_.push_back({std::move(topology), std::move(nodes)});
}

bool Fabrics::serves(int node) const {
  return node >= 0 && static_cast<std::size_t>(node) < fabric_of_.size() &&
         fabric_of_[static_cast<std::size_t>(node)] >= 0;
}

double Fabrics::switch_power_w() const {
  double w = 0.0;
  for (const auto& f : fabrics_) w += f.topology->switch_power_w();
  return w;
}

std::vector<int> Fabrics::hops_from(int from) const {
  const Fabric& f =
      fabrics_.at(static_cast<std::size_t>(fabric_of_.at(static_cast<std::size_t>(from))));
  const std::vector<int> hosts =
      f.topology->hops_from(local_[static_cast<std::size_t>(from)] * per_node_);
  std::vector<int> out(fabric_of_.size(), across_fabrics_hops);
  for (std::size_t i = 0; i < f.nodes.size(); ++i)
    out[static_cast<std::size_t>(f.nodes[i])] = hosts[i * static_cast<std::size_t>(per_node_)];
  return out;
}

std::optional<CollectiveLink> Fabrics::node_link(int a, int b) const {
  if (!serves(a) || !serves(b)) return std::nullopt;
  const int fa = fabric_of_[static_cast<std::size_t>(a)];
  if (fa != fabric_of_[static_cast<std::size_t>(b)]) return std::nullopt;
  return fabrics_[static_cast<std::size_t>(fa)].topology->ring_link(
      {local_[static_cast<std::size_t>(a)] * per_node_,
       local_[static_cast<std::size_t>(b)] * per_node_});
}

namespace {

bool given(const sim::ParamNode* n) {
  return n && n->kind != sim::ParamNode::Kind::null;
}

std::unique_ptr<Topology> read_fabric(const sim::ParamNode& network, int nodes, int per_node,
                                      const char* serves) {
  const ClusterShape shape{nodes, per_node, serves};
  auto topology = topology_from_params(network, shape);
  if (topology->host_count() < shape.hosts())
    throw sim::InputError(network.where, network.path + " has " +
                                             std::to_string(topology->host_count()) +
                                             " host ports for " + std::to_string(shape.hosts()) +
                                             " accelerators; choose a larger radix");
  return topology;
}

}  // namespace

Fabrics fabrics_from_params(const sim::ParamNode* cluster_network,
                            const std::vector<PoolNetwork>& pools, int node_count,
                            int accelerators_per_node) {
  const int per_node = std::max(1, accelerators_per_node);
  Fabrics out(node_count, per_node);
  std::vector<int> rest;  // nodes of the pools without their own network
  bool pool_networks = false;
  for (const auto& pool : pools) {
    if (!given(pool.network)) {
      rest.insert(rest.end(), pool.nodes.begin(), pool.nodes.end());
      continue;
    }
    pool_networks = true;
    out.add(read_fabric(*pool.network, static_cast<int>(pool.nodes.size()), per_node, "the pool's"),
            pool.nodes);
  }
  if (!given(cluster_network)) return out;
  if (rest.empty())
    throw sim::InputError(cluster_network->where,
                          "cluster.network serves no node: every pool has its own `network`; "
                          "remove one or the other");
  const int nodes = static_cast<int>(rest.size());
  out.add(read_fabric(*cluster_network, nodes, per_node,
                      pool_networks ? "its pools'" : "the cluster's"),
          std::move(rest));
  return out;
}

}  // namespace joule::models::network
