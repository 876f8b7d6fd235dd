// Topology builders, BFS paths and the registered `type:` factories (see topology.hpp).
#include "models/network/topology.hpp"

#include <algorithm>
#include <deque>
#include <limits>
#include <stdexcept>

namespace joule::models::network {

Topology::Topology(std::string type, Graph graph, SwitchPower power, double switch_latency_s,
                   double endpoint_latency_s)
    : type_(std::move(type)),
      graph_(std::move(graph)),
      power_(power),
      switch_latency_s_(switch_latency_s),
      endpoint_latency_s_(endpoint_latency_s) {
  for (auto [v, end] = boost::vertices(graph_); v != end; ++v)
    if (graph_[*v].kind == VertexKind::host) hosts_.push_back(*v);
  std::sort(hosts_.begin(), hosts_.end(),
            [&](Vertex a, Vertex b) { return graph_[a].id < graph_[b].id; });
}

int Topology::switch_count() const {
  int n = 0;
  for (auto [v, end] = boost::vertices(graph_); v != end; ++v)
    n += graph_[*v].kind == VertexKind::network_switch;
  return n;
}

double Topology::switch_power_w() const {
  double w = 0.0;
  for (auto [v, end] = boost::vertices(graph_); v != end; ++v)
    if (graph_[*v].kind == VertexKind::network_switch)
      w += power_.chassis_w + degree(*v) * power_.port_w;
  return w;
}

std::vector<int> Topology::hops_from(int from) const {
  const std::size_t n = boost::num_vertices(graph_);
  std::vector<int> dist(n, -1);
  std::deque<Vertex> queue{host(from)};
  dist[host(from)] = 0;
  while (!queue.empty()) {
    const Vertex u = queue.front();
    queue.pop_front();
    for (auto [a, end] = boost::adjacent_vertices(u, graph_); a != end; ++a)
      if (dist[*a] < 0) {
        dist[*a] = dist[u] + 1;
        queue.push_back(*a);
      }
  }
  std::vector<int> out(hosts_.size());
  for (std::size_t i = 0; i < hosts_.size(); ++i) out[i] = dist[hosts_[i]];
  return out;
}

PathStats Topology::path(int a, int b) const {
  PathStats out;
  out.bandwidth_bps = std::numeric_limits<double>::infinity();
  if (a == b) return out;
  const Vertex src = host(a), dst = host(b);
  const std::size_t n = boost::num_vertices(graph_);
  constexpr Vertex none = std::numeric_limits<Vertex>::max();
  std::vector<Vertex> pred(n, none);
  pred[src] = src;
  std::deque<Vertex> queue{src};
  while (!queue.empty() && pred[dst] == none) {
    const Vertex u = queue.front();
    queue.pop_front();
    for (auto [v, end] = boost::adjacent_vertices(u, graph_); v != end; ++v)
      if (pred[*v] == none) {
        pred[*v] = u;
        queue.push_back(*v);
      }
  }
  if (pred[dst] == none) throw std::invalid_argument("hosts are not connected");
  out.latency_s = endpoint_latency_s_;
  for (Vertex v = dst; v != src; v = pred[v]) {
    const auto [e, found] = boost::edge(pred[v], v, graph_);
    out.hops += 1;
    out.bandwidth_bps = std::min(out.bandwidth_bps, graph_[e].bandwidth_bps);
    out.latency_s += graph_[e].latency_s;
    if (pred[v] != src && graph_[pred[v]].kind != VertexKind::host)
      out.latency_s += switch_latency_s_;
  }
  return out;
}

CollectiveLink Topology::ring_link(const std::vector<int>& hosts) const {
  CollectiveLink out{std::numeric_limits<double>::infinity(), 0.0};
  if (hosts.size() < 2) return out;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    const PathStats p = path(hosts[i], hosts[(i + 1) % hosts.size()]);
    out.bandwidth_bps = std::min(out.bandwidth_bps, p.bandwidth_bps);
    out.latency_s = std::max(out.latency_s, p.latency_s);
  }
  return out;
}

std::unique_ptr<Topology> make_fat_tree(int k, LinkProps link, SwitchPower power,
                                        double switch_latency_s, double endpoint_latency_s) {
  if (k < 2 || k % 2 != 0) throw std::invalid_argument("fat-tree radix must be even and >= 2");
  const int half = k / 2;
  const int hosts = k * k * k / 4, edge = k * half, agg = k * half, core = half * half;
  Graph g(static_cast<std::size_t>(hosts + edge + agg + core));
  auto edge_v = [&](int pod, int e) { return static_cast<Vertex>(hosts + pod * half + e); };
  auto agg_v = [&](int pod, int a) { return static_cast<Vertex>(hosts + edge + pod * half + a); };
  auto core_v = [&](int c) { return static_cast<Vertex>(hosts + edge + agg + c); };
  int switch_id = 0;
  for (int h = 0; h < hosts; ++h) g[h] = {VertexKind::host, h, 0};
  for (int p = 0; p < k; ++p)
    for (int e = 0; e < half; ++e) g[edge_v(p, e)] = {VertexKind::network_switch, switch_id++, 1};
  for (int p = 0; p < k; ++p)
    for (int a = 0; a < half; ++a) g[agg_v(p, a)] = {VertexKind::network_switch, switch_id++, 2};
  for (int c = 0; c < core; ++c) g[core_v(c)] = {VertexKind::network_switch, switch_id++, 3};

  for (int p = 0; p < k; ++p)
    for (int e = 0; e < half; ++e) {
      for (int i = 0; i < half; ++i)
        boost::add_edge(static_cast<Vertex>(p * half * half + e * half + i), edge_v(p, e), link, g);
      for (int a = 0; a < half; ++a) boost::add_edge(edge_v(p, e), agg_v(p, a), link, g);
    }
  for (int p = 0; p < k; ++p)
    for (int a = 0; a < half; ++a)
      for (int j = 0; j < half; ++j) boost::add_edge(agg_v(p, a), core_v(a * half + j), link, g);
  return std::make_unique<Topology>("fat-tree", std::move(g), power, switch_latency_s,
                                    endpoint_latency_s);
}

std::unique_ptr<Topology> make_rail_optimized(int nodes, int gpus_per_node, int radix,
                                              LinkProps nic, LinkProps nvlink, SwitchPower power,
                                              double switch_latency_s, double endpoint_latency_s) {
  if (radix < 2 || radix % 2 != 0) throw std::invalid_argument("radix must be even and >= 2");
  const int per_group = radix / 2;
  const int groups = (nodes + per_group - 1) / per_group;
  const int leaves = groups * gpus_per_node;
  if (leaves > radix)
    throw std::invalid_argument("a two-tier rail-optimized fabric of radix " +
                                std::to_string(radix) + " holds at most " +
                                std::to_string(radix / gpus_per_node * per_group) + " nodes");
  const int hosts = nodes * gpus_per_node;
  // Non-blocking with the fewest spines: each leaf has as many uplinks as hosts below it, and
  // the uplinks fill spines of `radix` ports each.
  auto leaf_hosts = [&](int grp) { return std::min(per_group, nodes - grp * per_group); };
  const int uplinks = hosts;  // Σ over the leaves of their hosts
  const int spines = (uplinks + radix - 1) / radix;
  Graph g(static_cast<std::size_t>(hosts + nodes + leaves + spines));
  auto nvs_v = [&](int n) { return static_cast<Vertex>(hosts + n); };
  auto leaf_v = [&](int grp, int rail) {
    return static_cast<Vertex>(hosts + nodes + grp * gpus_per_node + rail);
  };
  auto spine_v = [&](int s) { return static_cast<Vertex>(hosts + nodes + leaves + s); };
  for (int h = 0; h < hosts; ++h) g[h] = {VertexKind::host, h, 0};
  for (int n = 0; n < nodes; ++n) g[nvs_v(n)] = {VertexKind::nvswitch, n, 0};
  int switch_id = 0;
  for (int l = 0; l < leaves; ++l)
    g[static_cast<Vertex>(hosts + nodes + l)] = {VertexKind::network_switch, switch_id++, 1};
  for (int s = 0; s < spines; ++s) g[spine_v(s)] = {VertexKind::network_switch, switch_id++, 2};
  for (int n = 0; n < nodes; ++n)
    for (int r = 0; r < gpus_per_node; ++r) {
      const Vertex h = static_cast<Vertex>(n * gpus_per_node + r);
      boost::add_edge(h, nvs_v(n), nvlink, g);
      boost::add_edge(h, leaf_v(n / per_group, r), nic, g);
    }
  // Uplinks dealt to the spines in turn, leaf after leaf: a leaf with at least as many uplinks
  // as there are spines reaches every spine, and no spine gets more than `radix` links.
  int next_spine = 0;
  for (int l = 0; l < leaves; ++l)
    for (int u = 0; u < leaf_hosts(l / gpus_per_node); ++u) {
      boost::add_edge(static_cast<Vertex>(hosts + nodes + l), spine_v(next_spine), nic, g);
      next_spine = (next_spine + 1) % spines;
    }
  return std::make_unique<Topology>("rail-optimized", std::move(g), power, switch_latency_s,
                                    endpoint_latency_s);
}

std::unique_ptr<Topology> make_torus3d(int x, int y, int z, LinkProps link,
                                       double endpoint_latency_s) {
  if (x < 1 || y < 1 || z < 1) throw std::invalid_argument("torus dimensions must be >= 1");
  Graph g(static_cast<std::size_t>(x * y * z));
  auto at = [&](int i, int j, int l) { return static_cast<Vertex>((l * y + j) * x + i); };
  for (int v = 0; v < x * y * z; ++v) g[v] = {VertexKind::host, v, 0};
  auto link_once = [&](Vertex a, Vertex b) {
    if (a != b && !boost::edge(a, b, g).second) boost::add_edge(a, b, link, g);
  };
  for (int l = 0; l < z; ++l)
    for (int j = 0; j < y; ++j)
      for (int i = 0; i < x; ++i) {
        link_once(at(i, j, l), at((i + 1) % x, j, l));
        link_once(at(i, j, l), at(i, (j + 1) % y, l));
        link_once(at(i, j, l), at(i, j, (l + 1) % z));
      }
  return std::make_unique<Topology>("torus3d", std::move(g), SwitchPower{0, 0}, 0.0,
                                    endpoint_latency_s);
}

namespace {

// Shared keys: link and switch parameters.
std::vector<sim::KeyDoc> switch_keys() {
  return {{"link_bandwidth", "B/s", "50 GB/s",
           "per-direction bandwidth of each network link "
           "(400 Gb/s NDR InfiniBand)"},
          {"link_latency", "s", "50 ns", "propagation delay of a link (~10 m of fibre)"},
          {"switch_latency", "s", "330 ns", "port-to-port latency of a switch (Quantum-2 class)"},
          {"endpoint_latency", "s", "3 us",
           "per-message endpoint overhead (NIC + NCCL step, "
           "estimate)"},
          {"switch_chassis_power", "W", "640 W",
           "switch power without ports (estimate for a "
           "QM9700-class 64-port switch)"},
          {"switch_port_power", "W", "10 W", "power per active port (estimate)"}};
}

LinkProps read_link(const sim::ParamReader& r) {
  return {r.quantity<sim::BytesPerSecond>("link_bandwidth", sim::Range::positive()).value(),
          r.quantity<sim::Seconds>("link_latency", sim::Range::non_negative()).value()};
}
SwitchPower read_power(const sim::ParamReader& r) {
  return {r.quantity<sim::Watts>("switch_chassis_power", sim::Range::non_negative()).value(),
          r.quantity<sim::Watts>("switch_port_power", sim::Range::non_negative()).value()};
}

const sim::ModelDoc& fat_tree_doc() {
  static const sim::ModelDoc doc = [] {
    sim::ModelDoc d{"network",
                    "fat-tree",
                    "k-ary fat tree: k³/4 hosts, 5k²/4 switches of radix k, full bisection",
                    {{"radix", "integer", "", "switch radix k (even)"}}};
    for (auto& k : switch_keys()) d.keys.push_back(k);
    return d;
  }();
  return doc;
}

const sim::ModelDoc& rail_doc() {
  static const sim::ModelDoc doc = [] {
    sim::ModelDoc d{
        "network",
        "rail-optimized",
        "Two-tier rail-optimized leaf/spine; GPU r of each node on rail leaf r",
        {{"radix", "integer", "64", "switch radix (even)"},
         {"nodes", "integer", "(cluster)", "nodes attached"},
         {"gpus_per_node", "integer", "(cluster)", "rails = GPUs per node"},
         {"nvlink_bandwidth", "B/s", "450 GB/s",
          "per-direction NVLink bandwidth of each GPU (H100: 900 GB/s bidirectional)"}}};
    for (auto& k : switch_keys()) d.keys.push_back(k);
    return d;
  }();
  return doc;
}

const sim::ModelDoc& torus_doc() {
  static const sim::ModelDoc doc{
      "network",
      "torus3d",
      "X×Y×Z torus of accelerator chips with wraparound links (TPU pods)",
      {{"x", "integer", "", "chips along x"},
       {"y", "integer", "", "chips along y"},
       {"z", "integer", "", "chips along z"},
       {"link_bandwidth", "B/s", "100 GB/s",
        "per-direction bandwidth of one ICI link (TPU v5p: 1200 GB/s bidirectional over 6 "
        "links, estimate)"},
       {"link_latency", "s", "1 us", "per-hop latency (estimate)"},
       {"endpoint_latency", "s", "2 us", "per-message overhead (estimate)"}}};
  return doc;
}

void check_capacity(const sim::ParamReader& r, const char* key, int hosts,
                    const ClusterShape& shape) {
  if (shape.hosts() > hosts)
    r.fail(key, "gives " + std::to_string(hosts) + " hosts, fewer than " + shape.serves + " " +
                    std::to_string(shape.hosts()) + " accelerators");
}

const bool registered_fat_tree =
    TopologyRegistry::add(fat_tree_doc(), [](const sim::ParamReader& r, const ClusterShape& shape) {
      const auto k = r.integer("radix", sim::Range::between(2, 256));
      if (k % 2 != 0) r.fail("radix", "must be even, got " + std::to_string(k));
      auto t = make_fat_tree(static_cast<int>(k), read_link(r), read_power(r),
                             r.quantity<sim::Seconds>("switch_latency").value(),
                             r.quantity<sim::Seconds>("endpoint_latency").value());
      check_capacity(r, "radix", t->host_count(), shape);
      return t;
    });

const bool registered_rail = TopologyRegistry::add(rail_doc(), [](const sim::ParamReader& r,
                                                                  const ClusterShape& shape) {
  const auto radix = r.integer("radix", sim::Range::between(2, 256));
  if (radix % 2 != 0) r.fail("radix", "must be even, got " + std::to_string(radix));
  const auto nodes = r.has("nodes") ? r.integer("nodes", sim::Range::at_least(1)) : shape.nodes;
  const auto gpus = r.has("gpus_per_node") ? r.integer("gpus_per_node", sim::Range::at_least(1))
                                           : shape.accelerators_per_node;
  if (nodes < 1 || gpus < 1)
    r.fail("nodes", "and gpus_per_node are needed (no cluster to take them from)");
  const LinkProps nvlink{
      r.quantity<sim::BytesPerSecond>("nvlink_bandwidth", sim::Range::positive()).value(), 0.0};
  try {
    return make_rail_optimized(static_cast<int>(nodes), static_cast<int>(gpus),
                               static_cast<int>(radix), read_link(r), nvlink, read_power(r),
                               r.quantity<sim::Seconds>("switch_latency").value(),
                               r.quantity<sim::Seconds>("endpoint_latency").value());
  } catch (const std::invalid_argument& e) {
    r.fail("radix", std::string("is too small: ") + e.what() + ", need " + std::to_string(nodes));
  }
});

const bool registered_torus =
    TopologyRegistry::add(torus_doc(), [](const sim::ParamReader& r, const ClusterShape& shape) {
      const int x = static_cast<int>(r.integer("x", sim::Range::between(1, 1024)));
      const int y = static_cast<int>(r.integer("y", sim::Range::between(1, 1024)));
      const int z = static_cast<int>(r.integer("z", sim::Range::between(1, 1024)));
      auto t =
          make_torus3d(x, y, z, read_link(r), r.quantity<sim::Seconds>("endpoint_latency").value());
      check_capacity(r, "x", t->host_count(), shape);
      return t;
    });

}  // namespace

std::unique_ptr<Topology> topology_from_params(const sim::ParamNode& network,
                                               const ClusterShape& shape) {
  const sim::ParamNode* type = network.is_map() ? network.find("type") : nullptr;
  if (!type || !type->is_scalar())
    throw sim::InputError(network.where,
                          (network.path.empty() ? std::string("network") : network.path) +
                              ".type is required (fat-tree, rail-optimized, "
                              "torus3d)");
  return TopologyRegistry::create(type->scalar, type->where, &network, shape);
}

}  // namespace joule::models::network
