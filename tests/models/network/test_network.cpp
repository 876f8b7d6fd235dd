// Topologies, hop counts, switch power and collective timing.
#include <doctest/doctest.h>

#include <numeric>

#include "io/yaml_params.hpp"
#include "models/network/collectives.hpp"
#include "models/network/topology.hpp"

using namespace joule;
using namespace joule::models::network;

namespace {
const LinkProps ndr{50e9, 50e-9};  // 400 Gb/s per direction, 50 ns
std::unique_ptr<Topology> from_yaml(const std::string& yaml, ClusterShape shape = {}) {
  const auto root = io::parse_yaml_text(yaml, "scenario.yaml");
  return topology_from_params(*root.find("network"), shape);
}
}  // namespace

TEST_CASE("fat-tree: k³/4 hosts and 5k²/4 switches") {
  for (int k : {4, 8, 16}) {
    CAPTURE(k);
    const auto t = make_fat_tree(k, ndr);
    CHECK(t->host_count() == k * k * k / 4);
    CHECK(t->switch_count() == 5 * k * k / 4);
    // Every switch uses all k ports; every host has one link.
    for (auto [v, end] = boost::vertices(t->graph()); v != end; ++v)
      CHECK(t->degree(*v) == (t->graph()[*v].kind == VertexKind::host ? 1 : k));
  }
}

TEST_CASE("fat-tree hop counts: same edge 2, same pod 4, across pods 6") {
  const auto t = make_fat_tree(4, ndr);  // 2 hosts per edge switch, 4 per pod
  CHECK(t->hops(0, 1) == 2);
  CHECK(t->hops(0, 2) == 4);
  CHECK(t->hops(0, 4) == 6);
  const auto from0 = t->hops_from(0);
  CHECK(from0[0] == 0);
  CHECK(from0[1] == 2);
  CHECK(from0[3] == 4);
  CHECK(from0[15] == 6);
  // Latency across pods: endpoint + 6 links + 5 switches.
  const auto t2 = make_fat_tree(4, ndr, {}, 330e-9, 3e-6);
  CHECK(t2->path(0, 4).latency_s == doctest::Approx(3e-6 + 6 * 50e-9 + 5 * 330e-9));
  CHECK(t2->path(0, 4).bandwidth_bps == doctest::Approx(50e9));
}

TEST_CASE("switch power = chassis + active ports × per-port power") {
  const auto t = make_fat_tree(4, ndr, SwitchPower{640, 10});
  CHECK(t->switch_power_w() == doctest::Approx(20 * (640 + 4 * 10)));
  // Rail-optimized with 4 nodes of 8 GPUs, radix 8: 1 group, 8 leaves with 4 hosts + 4 spine
  // links each, 4 spines with 8 leaf links each.
  const auto r = make_rail_optimized(4, 8, 8, ndr, {450e9, 0}, SwitchPower{640, 10});
  CHECK(r->switch_count() == 12);
  CHECK(r->switch_power_w() == doctest::Approx(8 * (640 + 8 * 10) + 4 * (640 + 8 * 10)));
}

TEST_CASE("rail-optimized: same-index GPUs share a rail leaf; NVLink inside the node") {
  // 8 nodes of 4 GPUs, radix 8: 2 groups of 4 nodes, 2 × 4 rail leaves, 4 spines.
  const auto r = make_rail_optimized(8, 4, 8, ndr, {450e9, 0});
  CHECK(r->host_count() == 32);
  CHECK(r->switch_count() == 12);
  CHECK(r->hops(0, 1) == 2);  // GPUs 0 and 1 of node 0, via the node's NVSwitch
  CHECK(r->path(0, 1).bandwidth_bps == doctest::Approx(450e9));
  CHECK(r->hops(0, 4) == 2);  // GPU 0 of nodes 0 and 1: same rail leaf
  CHECK(r->path(0, 4).bandwidth_bps == doctest::Approx(50e9));
  CHECK(r->hops(0, 16) == 4);  // GPU 0 of node 4 (other group): leaf–spine–leaf
  CHECK(r->hops(0, 5) == 4);   // GPU 1 of node 1: over NVLink, then rail 1 (or rail 0 first)
  CHECK_THROWS_AS(make_rail_optimized(100, 8, 8, ndr, {450e9, 0}), std::invalid_argument);
}

TEST_CASE("rail-optimized: a partial group's leaves have as many uplinks as hosts") {
  // 5 nodes of 4 GPUs, radix 8: groups of 4 nodes, so 2 groups and 8 leaves; 20 uplinks (4 on
  // each leaf of the full group, 1 on each of the other) fill ⌈20 / 8⌉ = 3 spines.
  const auto r = make_rail_optimized(5, 4, 8, ndr, {450e9, 0}, SwitchPower{640, 10});
  CHECK(r->switch_count() == 8 + 3);
  // Ports: leaves 4 × (4 + 4) + 4 × (1 + 1), spines 20 links; every switch within its radix.
  CHECK(r->switch_power_w() == doctest::Approx(11 * 640 + (32 + 8 + 20) * 10));
  for (auto [v, end] = boost::vertices(r->graph()); v != end; ++v)
    if (r->graph()[*v].kind == VertexKind::network_switch) CHECK(r->degree(*v) <= 8);
  CHECK(r->hops(0, 16) == 4);  // GPU 0 of node 0 and of node 4 (the other group)
}

TEST_CASE("3D torus: 6 neighbours with wraparound") {
  const auto t = make_torus3d(4, 4, 4, {100e9, 1e-6});
  CHECK(t->host_count() == 64);
  CHECK(t->switch_count() == 0);
  CHECK(t->switch_power_w() == 0);
  for (int h = 0; h < 64; ++h) CHECK(t->degree(t->host(h)) == 6);
  CHECK(t->hops(0, 3) == 1);  // wraparound along x
  CHECK(t->hops(0, 2) == 2);
  CHECK(t->hops(0, 42) == 6);  // (2, 2, 2): the farthest chip
  // A dimension of 2 gives one neighbour along it, of 1 none.
  const auto small = make_torus3d(2, 4, 1, {100e9, 1e-6});
  for (int h = 0; h < 8; ++h) CHECK(small->degree(small->host(h)) == 3);
}

TEST_CASE("ring all-reduce time by hand") {
  const CollectiveLink link{50e9, 5e-6};
  const double s = 1e9;  // 1 GB of gradients
  const int n = 8;
  CHECK(ring_allreduce_s(s, n, link) ==
        doctest::Approx(2.0 * 7 / 8 * 1e9 / 50e9 + 2 * 7 * 5e-6));  // 35 ms + 70 µs
  CHECK(allgather_s(s, n, link) == doctest::Approx(7.0 / 8 * 1e9 / 50e9 + 7 * 5e-6));
  CHECK(reduce_scatter_s(s, n, link) == doctest::Approx(allgather_s(s, n, link)));
  CHECK(ring_allreduce_s(s, 1, link) == 0);
  // All-reduce = reduce-scatter + all-gather.
  CHECK(ring_allreduce_s(s, n, link) ==
        doctest::Approx(reduce_scatter_s(s, n, link) + allgather_s(s, n, link)));
}

TEST_CASE("hierarchical all-reduce: NVLink inside, network on 1/g of the data") {
  const CollectiveLink nvlink{450e9, 2e-6}, ib{50e9, 5e-6};
  const double s = 1e9;
  const double t = hierarchical_allreduce_s(s, 8, 16, nvlink, ib);
  const double by_hand =
      2 * (7.0 / 8 * 1e9 / 450e9 + 7 * 2e-6) + (2.0 * 15 / 16 * (1e9 / 8) / 50e9 + 2 * 15 * 5e-6);
  CHECK(t == doctest::Approx(by_hand));
  // Faster than a flat ring over all 128 GPUs on the network.
  CHECK(t < ring_allreduce_s(s, 128, ib));
}

TEST_CASE("ring bottleneck from the placed hosts: NIC bandwidth on a full-bisection fat-tree") {
  const auto t = make_fat_tree(8, ndr, {}, 330e-9, 3e-6);
  std::vector<int> hosts(32);
  std::iota(hosts.begin(), hosts.end(), 0);
  const CollectiveLink ring = t->ring_link(hosts);
  CHECK(ring.bandwidth_bps == doctest::Approx(50e9));
  // Worst neighbour path crosses pods (hosts 15 → 16): 6 links, 5 switches.
  CHECK(ring.latency_s == doctest::Approx(3e-6 + 6 * 50e-9 + 5 * 330e-9));
  const double s = 4e9;
  CHECK(ring_allreduce_s(s, 32, ring) ==
        doctest::Approx(2.0 * 31 / 32 * s / 50e9 + 2 * 31 * ring.latency_s));
}

TEST_CASE("topologies from `cluster.network` by type") {
  const auto f = from_yaml("network: {type: fat-tree, radix: 8, link_bandwidth: \"25 GB/s\"}\n");
  CHECK(f->type() == "fat-tree");
  CHECK(f->host_count() == 128);
  CHECK(f->path(0, 127).bandwidth_bps == doctest::Approx(25e9));
  const auto r = from_yaml("network: {type: rail-optimized, radix: 64}\n", ClusterShape{32, 8});
  CHECK(r->host_count() == 256);
  // 32 nodes of 8 GPUs on 64-port switches: one group, 8 rail leaves of 32 hosts; 256 uplinks
  // fill 4 spines of 64 ports (the DGX SuperPOD scalable unit's leaf/spine count).
  CHECK(r->switch_count() == 8 + 4);
  CHECK(r->switch_power_w() == doctest::Approx(8 * (640 + 64 * 10) + 4 * (640 + 64 * 10)));
  CHECK(r->hops(0, 8) == 2);  // GPU 0 of nodes 0 and 1: same rail leaf
  CHECK(r->hops(0, 9) == 4);  // rail 0 to rail 1 of another node: leaf–spine–leaf (or NVLink)
  const auto t = from_yaml("network: {type: torus3d, x: 4, y: 4, z: 8}\n");
  CHECK(t->host_count() == 128);

  CHECK_THROWS_WITH_AS(from_yaml("network: {type: fat-tre, radix: 8}\n"),
                       doctest::Contains("did you mean 'fat-tree'"), sim::InputError);
  CHECK_THROWS_WITH_AS(from_yaml("network: {type: fat-tree, radix: 7}\n"),
                       doctest::Contains("must be even"), sim::InputError);
  CHECK_THROWS_WITH_AS(from_yaml("network: {type: fat-tree, radix: 4}\n", ClusterShape{16, 8}),
                       doctest::Contains("fewer than the cluster's 128 accelerators"),
                       sim::InputError);
  CHECK_THROWS_WITH_AS(
      from_yaml("network: {type: rail-optimized, radix: 8}\n", ClusterShape{64, 8}),
      doctest::Contains("too small"), sim::InputError);
  CHECK_THROWS_WITH_AS(from_yaml("network: {radix: 8}\n"), doctest::Contains("type is required"),
                       sim::InputError);
  CHECK_THROWS_WITH_AS(
      from_yaml("network: {type: fat-tree, radix: 8, link_bandwidth: \"-1 GB/s\"}\n"),
      doctest::Contains("must be > 0"), sim::InputError);
}
