// Collective communication time (alpha–beta model, ring algorithms as NCCL runs them).
//
//   ring all-reduce:       t = 2(n−1)/n · S/B + 2(n−1)·α
//   all-gather:            t = (n−1)/n · S/B + (n−1)·α        (S = the gathered size)
//   reduce-scatter:        t = (n−1)/n · S/B + (n−1)·α        (S = the full input size)
//   hierarchical all-reduce over m nodes of g GPUs (NVLink inside, network across):
//       reduce-scatter inside the node (S, g, NVLink) → all-reduce across nodes on S/g
//       (m, network) → all-gather inside the node (S, g, NVLink)
// B is the bottleneck per-direction bandwidth of the ring (topology.hpp computes it from the
// placed job's hosts), α the per-step latency (endpoint + links + switches along the worst
// ring hop). Patarasuk & Yuan, J. Parallel Distrib. Comput. 2009; Thakur et al., IJHPCA 2005.
#pragma once

namespace joule::models::network {

struct CollectiveLink {
  double bandwidth_bps = 0.0;  // bytes/s per direction
  double latency_s = 0.0;      // α per step
};

double ring_allreduce_s(double bytes, int n, const CollectiveLink& link);
double allgather_s(double bytes, int n, const CollectiveLink& link);
double reduce_scatter_s(double bytes, int n, const CollectiveLink& link);
double hierarchical_allreduce_s(double bytes, int gpus_per_node, int nodes,
                                const CollectiveLink& intra_node, const CollectiveLink& inter_node);

}  // namespace joule::models::network
