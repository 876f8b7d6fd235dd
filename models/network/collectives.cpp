#include "models/network/collectives.hpp"

namespace joule::models::network {

double ring_allreduce_s(double bytes, int n, const CollectiveLink& link) {
  if (n <= 1) return 0.0;
  return 2.0 * (n - 1) / n * bytes / link.bandwidth_bps + 2.0 * (n - 1) * link.latency_s;
}

double allgather_s(double bytes, int n, const CollectiveLink& link) {
  if (n <= 1) return 0.0;
  return static_cast<double>(n - 1) / n * bytes / link.bandwidth_bps + (n - 1) * link.latency_s;
}

double reduce_scatter_s(double bytes, int n, const CollectiveLink& link) {
  return allgather_s(bytes, n, link);
}

double hierarchical_allreduce_s(double bytes, int gpus_per_node, int nodes,
                                const CollectiveLink& intra_node,
                                const CollectiveLink& inter_node) {
  const int g = gpus_per_node > 0 ? gpus_per_node : 1;
  return reduce_scatter_s(bytes, g, intra_node) + ring_allreduce_s(bytes / g, nodes, inter_node) +
         allgather_s(bytes, g, intra_node);
}

}  // namespace joule::models::network
