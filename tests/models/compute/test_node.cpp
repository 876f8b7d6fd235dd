// Nodes, PSUs, racks and the cluster spec.
#include <doctest/doctest.h>

#include <cstdio>

#include "io/yaml_params.hpp"
#include "models/compute/cluster.hpp"
#include "models/compute/node.hpp"

using namespace joule;
using namespace joule::models::compute;
namespace power = joule::models::power;

namespace {
NodeSpec parse_node(const std::string& yaml) {
  const auto root = io::parse_yaml_text(yaml, "scenario.yaml");
  const sim::ParamNode* node = root.find("node");
  REQUIRE(node != nullptr);
  return node_spec(sim::ParamReader(node, node_doc(), {}));
}
NodeLoad training(const Node& n, double mfu = 0.45) {
  NodeLoad l;
  l.busy_accelerators = n.spec().accelerators;
  l.per_accelerator = reference_training_rates(*n.spec().accelerator, mfu, 0.40);
  l.cpu_util = 0.5;
  l.nic_util = 0.5;
  return l;
}
}  // namespace

TEST_CASE("80 PLUS Titanium points and the light-load loss floor") {
  const power::PsuCurve& titanium = power::psu_curve("titanium-230v");
  CHECK(power::psu_efficiency(titanium, 0.1) == doctest::Approx(0.90));
  CHECK(power::psu_efficiency(titanium, 0.2) == doctest::Approx(0.94));
  CHECK(power::psu_efficiency(titanium, 0.5) == doctest::Approx(0.96));
  CHECK(power::psu_efficiency(titanium, 1.0) == doctest::Approx(0.91));
  CHECK(power::psu_efficiency(titanium, 0.35) == doctest::Approx(0.95));
  const NodePsu psu{&titanium, 6, 3300};
  // 50 % load: 9,900 W DC at 96 %.
  CHECK(psu.loss_w(9900) == doctest::Approx(9900 * (1 / 0.96 - 1)));
  // Below 10 % the loss stays at its 10 % value (1,980 W at 90 %).
  CHECK(psu.loss_w(500) == doctest::Approx(1980 * (1 / 0.90 - 1)));
  CHECK(psu.loss_w(0) == doctest::Approx(psu.loss_w(1980)));
}

TEST_CASE("cluster.node.psu picks the 80 PLUS curve of the node's supplies") {
  // The one PSU model (power/psu.hpp): gold loses more than titanium at the same DC load.
  const Node titanium(parse_node("node: {type: dgx-h100, psu: titanium}\n"));
  const Node gold(parse_node("node: {type: dgx-h100, psu: gold}\n"));
  const Node gold_230v(parse_node("node: {type: dgx-h100, psu: gold-230v}\n"));
  const NodePower t = titanium.evaluate(training(titanium), 25.0);
  const NodePower g = gold.evaluate(training(gold), 25.0);
  CHECK(g.dc_w() == doctest::Approx(t.dc_w()));
  CHECK(g.psu_loss_w > t.psu_loss_w);
  CHECK(gold_230v.evaluate(training(gold_230v), 25.0).wall_w == g.wall_w);
  // By hand: 6 × 3.3 kW supplies share the DC load x = P_dc / 19.8 kW; gold is 88/92/88 %.
  const double x = g.dc_w() / (6 * 3300.0);
  REQUIRE(x > 0.2);
  REQUIRE(x < 0.5);
  const double eta = 0.88 + (x - 0.2) / 0.3 * (0.92 - 0.88);
  CHECK(g.psu_loss_w == doctest::Approx(g.dc_w() * (1 / eta - 1)));
  CHECK_THROWS_AS(parse_node("node: {type: dgx-h100, psu: bronze}\n"), sim::InputError);
}

TEST_CASE("idle DGX H100 power, by hand") {
  const Node n(node_spec(*find_node_type("dgx-h100")));
  const double inlet_c = 18.0;  // below the fan ramp: fans at minimum speed
  const NodePower p = n.idle(inlet_c);
  // GPU idle without context at a die of 18 + R·P, T_ref = 22 + 70·R (the model's idle die at
  // 22 °C inlet): P = 70·(1 + 0.008·(18 − T_ref)) / (1 − 70·0.008·R).
  const double r = 45.0 / 700;
  const double t_ref = 22 + 70 * r;
  const double gpu_w = 70 * (1 + 0.008 * (18 - t_ref)) / (1 - 70 * 0.008 * r);
  CHECK(p.idle.power_w == doctest::Approx(gpu_w));
  CHECK(p.accelerators_w == doctest::Approx(8 * gpu_w));
  CHECK(p.cpu_w == doctest::Approx(180));
  CHECK(p.dram_w == doctest::Approx(96));
  CHECK(p.nic_w == doctest::Approx(270));
  CHECK(p.other_w == doctest::Approx(450));  // GPUs below catalog idle: activity clamps to 0
  CHECK(p.fan_speed == doctest::Approx(0.3));
  CHECK(p.fans_w == doctest::Approx(1200 * 0.3 * 0.3 * 0.3));
  const double dc_w = 8 * gpu_w + 180 + 96 + 270 + 450 + 1200 * 0.027;
  CHECK(p.dc_w() == doctest::Approx(dc_w));
  // 1.5 kW DC is under 10 % of 6 × 3.3 kW: the loss is the 10 % point's, 1,980·(1/0.9 − 1) = 220 W.
  CHECK(p.psu_loss_w == doctest::Approx(220));
  CHECK(p.wall_w == doctest::Approx(dc_w + 220));
  std::printf("DGX H100 idle at 18 degC inlet: %.0f W wall (GPUs %.0f W)\n", p.wall_w,
              p.accelerators_w);
}

TEST_CASE("DGX H100 at full training load draws ~8–10 kW, under its 10.2 kW maximum") {
  const Node n(node_spec(*find_node_type("dgx-h100")));
  const NodePower p = n.evaluate(training(n), 25.0);
  std::printf(
      "DGX H100 training at 25 degC inlet: %.0f W wall (GPUs %.0f, CPU %.0f, DRAM %.0f, "
      "NIC %.0f, other %.0f, fans %.0f, PSU loss %.0f)\n",
      p.wall_w, p.accelerators_w, p.cpu_w, p.dram_w, p.nic_w, p.other_w, p.fans_w, p.psu_loss_w);
  CHECK(p.wall_w >= 8000);
  CHECK(p.wall_w <= 10000);
  CHECK(p.busy.throttled == Throttle::none);
  // The breakdown adds up.
  CHECK(p.wall_w == doctest::Approx(p.accelerators_w + p.cpu_w + p.dram_w + p.nic_w + p.other_w +
                                    p.fans_w + p.psu_loss_w));
  // Everything at its maximum stays under the 10.2 kW system maximum.
  NodeLoad max = training(n, 1.0);
  max.cpu_util = max.nic_util = 1.0;
  const NodePower m = n.evaluate(max, 35.0);
  CHECK(m.accelerators_w == doctest::Approx(8 * 700));
  CHECK(m.wall_w <= 10200);
  CHECK(m.wall_w >= 0.9 * 10200);
}

TEST_CASE("every catalog node: maximum under its system maximum, idle well below") {
  for (const auto& t : node_catalog()) {
    CAPTURE(t.id);
    const Node n(node_spec(t));
    NodeLoad max = training(n, 1.0);
    max.cpu_util = max.nic_util = 1.0;
    const double max_w = n.evaluate(max, 35.0).wall_w;
    CHECK(max_w <= t.system_max_w.value);
    CHECK(max_w >= 0.8 * t.system_max_w.value);
    CHECK(n.idle(22.0).wall_w < 0.35 * max_w);
  }
}

TEST_CASE("a GPU power cap lowers node power and throughput") {
  const Node free(parse_node("node: {type: dgx-h100}\n"));
  const Node capped(parse_node("node: {type: dgx-h100, gpu_power_cap: \"500 W\"}\n"));
  const auto a = free.evaluate(training(free), 25.0), b = capped.evaluate(training(capped), 25.0);
  CHECK(b.busy.power_w == doctest::Approx(500));
  CHECK(b.busy.clock_fraction < 1.0);
  CHECK(b.wall_w < a.wall_w);
}

TEST_CASE("fans: minimum below the low threshold, cube law, full at the high threshold") {
  const Node n(node_spec(*find_node_type("dgx-h100")));
  CHECK(n.fan_speed(15.0, 0.0) == doctest::Approx(0.3));
  CHECK(n.fan_speed(25.0, 0.0) == doctest::Approx(0.3 + 0.7 * 0.5));
  CHECK(n.fan_speed(30.0, 0.0) == doctest::Approx(1.0));
  CHECK(n.fan_speed(15.0, 1.0) == doctest::Approx(1.0));
  CHECK(n.idle(25.0).fans_w == doctest::Approx(1200 * 0.65 * 0.65 * 0.65));
}

TEST_CASE("linear utilization model (CloudSim baseline)") {
  const Node n(parse_node(
      "node: {type: dgx-h100, model: linear, idle_power: \"2 kW\", max_power: \"10 kW\"}\n"));
  NodeLoad half;
  half.utilization = 0.5;
  CHECK(n.evaluate(half, 25.0).wall_w == doctest::Approx(2000 + 0.5 * 8000));
  NodeLoad busy4;
  busy4.busy_accelerators = 4;  // no utilization given: busy fraction 4/8
  CHECK(n.evaluate(busy4, 25.0).wall_w == doctest::Approx(6000));
  CHECK(n.idle(25.0).wall_w == doctest::Approx(2000));
  // Defaults: idle from the operation model at 25 °C, maximum from the catalog.
  const Node d(parse_node("node: {type: dgx-h100, model: linear}\n"));
  const Node op(parse_node("node: {type: dgx-h100}\n"));
  CHECK(d.idle(25.0).wall_w == doctest::Approx(op.idle(25.0).wall_w));
  NodeLoad full;
  full.utilization = 1.0;
  CHECK(d.evaluate(full, 25.0).wall_w == doctest::Approx(10200));
}

TEST_CASE("node spec overrides and errors") {
  const NodeSpec s = parse_node(
      "node: {type: dgx-h100, gpus: 4, gpu_power_cap: \"600 W\", cooling: cold-plate, "
      "accelerator: h200}\n");
  CHECK(s.accelerators == 4);
  CHECK(s.accelerator->id == "h200");
  CHECK(s.accelerator_settings.power_cap->value() == doctest::Approx(600));
  CHECK(s.accelerator_settings.cooling == Cooling::cold_plate);

  CHECK_THROWS_WITH_AS(parse_node("node: {type: dgx-h10}\n"),
                       doctest::Contains("did you mean 'dgx-h100'"), sim::InputError);
  CHECK_THROWS_WITH_AS(parse_node("node: {type: dgx-h10}\n"), doctest::Contains("scenario.yaml:1"),
                       sim::InputError);
  CHECK_THROWS_WITH_AS(parse_node("node: {type: dgx-h100, gpu_power_cap: \"-600 W\"}\n"),
                       doctest::Contains("node.gpu_power_cap must be > 0"), sim::InputError);
  CHECK_THROWS_WITH_AS(parse_node("node: {type: dgx-h100, gpu_power_cap: \"800 W\"}\n"),
                       doctest::Contains("TDP of 700 W"), sim::InputError);
  CHECK_THROWS_WITH_AS(parse_node("node: {type: dgx-h100, gpu_power_cap: \"600 degC\"}\n"),
                       doctest::Contains("gpu_power_cap"), sim::InputError);
  CHECK_THROWS_WITH_AS(parse_node("node: {type: dgx-h100, gpu_power_cp: \"600 W\"}\n"),
                       doctest::Contains("did you mean 'gpu_power_cap'"), sim::InputError);
  CHECK_THROWS_WITH_AS(parse_node("node: {gpus: 8}\n"), doctest::Contains("type is required"),
                       sim::InputError);
  CHECK_THROWS_WITH_AS(parse_node("node: {type: dgx-h100, accelerator: h100-sx}\n"),
                       doctest::Contains("did you mean 'h100-sxm'"), sim::InputError);
}

TEST_CASE("cluster spec: racks, per-rack limit overrides") {
  const auto root = io::parse_yaml_text(R"(cluster:
  racks: {count: 4, nodes_per_rack: 4, power_limit: "40 kW", overrides: [{rack: 3, power_limit: "30 kW"}]}
  node: {type: dgx-h100}
  network: {type: fat-tree, radix: 8}
)",
                                        "scenario.yaml");
  const ClusterSpec c = cluster_spec(sim::ParamReader(root.find("cluster"), cluster_doc(), {}));
  REQUIRE(c.racks.size() == 4);
  CHECK(c.node_count() == 16);
  CHECK(c.accelerator_count() == 128);
  CHECK(c.racks[0].power_limit->value() == doctest::Approx(40000));
  CHECK(c.racks[3].power_limit->value() == doctest::Approx(30000));
  REQUIRE(c.network != nullptr);
  CHECK(c.network->find("radix")->scalar == "8");

  const auto bad = io::parse_yaml_text(
      "cluster:\n  racks: {count: 4, nodes_per_rack: 4, overrides: [{rack: 7, power_limit: 1 "
      "kW}]}\n"
      "  node: {type: dgx-h100}\n",
      "scenario.yaml");
  CHECK_THROWS_WITH_AS(cluster_spec(sim::ParamReader(bad.find("cluster"), cluster_doc(), {})),
                       doctest::Contains("must be in [0, 3]"), sim::InputError);
}

TEST_CASE("a rack power limit lowers the GPU caps until the rack fits") {
  const NodeSpec spec = node_spec(*find_node_type("dgx-h100"));
  const Node node(spec);
  std::vector<NodeLoad> loads(4, training(node));
  const Rack free(spec, default_calibration(*spec.accelerator), RackSpec{4, std::nullopt});
  const double free_w = free.evaluate(loads, 25.0).wall_w;
  CHECK(free_w == doctest::Approx(4 * node.evaluate(training(node), 25.0).wall_w));

  const Rack limited(spec, default_calibration(*spec.accelerator), RackSpec{4, sim::Watts(28000)});
  const RackPower p = limited.evaluate(loads, 25.0);
  CHECK(p.limited);
  CHECK_FALSE(p.over_limit);
  CHECK(p.wall_w <= 28000);
  CHECK(p.wall_w == doctest::Approx(28000).epsilon(1e-6));
  CHECK(p.accelerator_cap_w < 700);
  CHECK(p.nodes[0].busy.clock_fraction < 1.0);
  // A limit below the idle floor cannot be met.
  const Rack tiny(spec, default_calibration(*spec.accelerator), RackSpec{4, sim::Watts(1000)});
  CHECK(tiny.evaluate(loads, 25.0).over_limit);
}

TEST_CASE("host utilisations follow the job: launch threads per busy GPU, bytes through PCIe") {
  const NodeType& t = *find_node_type("dgx-h100");
  OpRates r;
  // No busy accelerator: host idle.
  CHECK(host_load(t, 0, r).cpu == 0);
  CHECK(host_load(t, 0, r).nic == 0);
  // 8 busy GPUs with no host traffic: 0.2 of the CPUs (catalog estimate), NICs idle.
  CHECK(host_load(t, 8, r).cpu == doctest::Approx(0.2));
  CHECK(host_load(t, 8, r).nic == 0);
  // 2 of 8 busy: a quarter of that.
  CHECK(host_load(t, 2, r).cpu == doctest::Approx(0.2 * 2 / 8));
  // Each GPU sending 25 GB/s through PCIe: 8 × 25 = 200 GB/s of the 400 GB/s NICs, and
  // 200 GB/s of host-memory copies over 614 GB/s.
  r[Op::pcie] = 25e9;
  CHECK(host_load(t, 8, r).nic == doctest::Approx(200e9 / 400e9));
  CHECK(host_load(t, 8, r).cpu == doctest::Approx(0.2 + 200e9 / 614e9));
  // Saturated: clamped to 1.
  r[Op::pcie] = 1e12;
  CHECK(host_load(t, 8, r).nic == 1.0);
  CHECK(host_load(t, 8, r).cpu == 1.0);
}

TEST_CASE("every catalog node carries its host figures with sources") {
  for (const auto& t : node_catalog()) {
    CAPTURE(t.id);
    CHECK(t.nic_bandwidth_bps.value > 0);
    CHECK_FALSE(t.nic_bandwidth_bps.source.empty());
    CHECK(t.host_memory_bps.value > 0);
    CHECK_FALSE(t.host_memory_bps.source.empty());
    CHECK(t.cpu_per_accelerator.value > 0);
    CHECK(find_accelerator(t.accelerator) != nullptr);
  }
  // The V100 servers and the TPU v2 host are in the catalog.
  CHECK(find_node_type("dgx-1")->accelerators.value == 8);
  CHECK(find_node_type("dgx-2")->accelerators.value == 16);
  CHECK(find_node_type("dgx-2")->accelerator == "v100-sxm3");
  CHECK(find_node_type("tpu-v2-host")->accelerator == "tpu-v2");
}

TEST_CASE("a shared node: one group is evaluate(); two groups add their accelerators, one host") {
  const Node n(node_spec(*find_node_type("dgx-h100")));
  const double inlet = 25.0;
  NodeLoad whole = training(n);
  const auto host8 = host_load(*n.spec().type, 8, whole.per_accelerator);
  whole.cpu_util = host8.cpu;
  whole.nic_util = host8.nic;
  const NodePower ref = n.evaluate(whole, inlet);
  const Node::Group one[] = {{8, ref.busy}};
  const NodePower same = n.evaluate_shared(one, whole.cpu_util, whole.nic_util, inlet);
  CHECK(same.wall_w == doctest::Approx(ref.wall_w));
  CHECK(same.fans_w == doctest::Approx(ref.fans_w));
  // Two jobs of 4 at the same rates are the same node: host utilisations add (linear in GPUs).
  const auto host4 = host_load(*n.spec().type, 4, whole.per_accelerator);
  CHECK(2 * host4.cpu == doctest::Approx(host8.cpu));
  const Node::Group two[] = {{4, ref.busy}, {4, ref.busy}};
  CHECK(n.evaluate_shared(two, 2 * host4.cpu, 2 * host4.nic, inlet).wall_w ==
        doctest::Approx(ref.wall_w));
  // A job of 1 and one of 3 at different rates: 4 accelerators idle, the sum by hand.
  NodeLoad light = whole;
  light.per_accelerator = reference_training_rates(*n.spec().accelerator, 0.1, 0.1);
  const AcceleratorState a = n.accelerator().evaluate(whole.per_accelerator, inlet, true);
  const AcceleratorState b = n.accelerator().evaluate(light.per_accelerator, inlet, true);
  const Node::Group mixed[] = {{1, a}, {3, b}};
  const NodePower m = n.evaluate_shared(mixed, 0.1, 0.1, inlet);
  CHECK(m.accelerators_w ==
        doctest::Approx(a.power_w + 3 * b.power_w + 4 * n.accelerator().idle(inlet).power_w));
  CHECK(m.wall_w == doctest::Approx(m.dc_w() + m.psu_loss_w));
  const Node::Group too_many[] = {{5, a}, {4, b}};
  CHECK_THROWS_AS(n.evaluate_shared(too_many, 0, 0, inlet), std::logic_error);
}
