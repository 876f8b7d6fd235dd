// TPU v3 catalog entries (Patterson et al. 2021 reproduction): published specs, sources, bounds.
#include <doctest/doctest.h>

#include "io/yaml_params.hpp"
#include "models/compute/accelerator.hpp"
#include "models/compute/accelerator_catalog.hpp"
#include "models/compute/node.hpp"

using namespace joule;
using namespace joule::models::compute;

TEST_CASE("TPU v3 chip: published peak, HBM and TDP, each with its kind and source") {
  const AcceleratorSpec* c = find_accelerator("tpu-v3");
  REQUIRE(c != nullptr);
  CHECK(c->peak_rate(Op::tensor_bf16) == doctest::Approx(123e12));
  CHECK(c->peak[static_cast<std::size_t>(Op::tensor_bf16)].kind == SourceKind::spec);
  CHECK(c->peak_rate(Op::hbm) == doctest::Approx(900e9));
  CHECK(c->peak[static_cast<std::size_t>(Op::hbm)].kind == SourceKind::spec);
  CHECK(c->tdp_w.value == doctest::Approx(450));
  CHECK(c->tdp_w.kind == SourceKind::spec);
  CHECK(c->tdp_w.source.find("Patterson") != std::string::npos);
  CHECK(c->idle_w.kind == SourceKind::estimate);
  // No FP16/FP8/TF32 on the MXU: bf16 is the only tensor precision.
  CHECK(c->peak_rate(Op::tensor_fp16) == 0);
  CHECK(c->peak_rate(Op::tensor_fp8) == 0);
}

TEST_CASE("TPU v3 reference mix by hand: 123 + 1.46 pJ·0.45·123 T + 90 pJ/B·0.40·900 G") {
  const AcceleratorSpec& c = *find_accelerator("tpu-v3");
  AcceleratorSettings no_limits;
  no_limits.power_cap = sim::Watts(1e5);
  no_limits.r_th = sim::KelvinsPerWatt(1e-9);  // die at the reference temperature: no leakage
  const Accelerator a(c, default_calibration(c), no_limits);
  const double by_hand = 123 + 1.46e-12 * 0.45 * 123e12 + 90e-12 * 0.40 * 900e9;
  const double p = a.evaluate(reference_training_rates(c), c.reference_temp_c.value).power_w;
  CHECK(p == doctest::Approx(by_hand));
  // Anchored at ~90 % of the 262 W maximum measured in production (Jouppi et al. 2023), far
  // under the 450 W board limit; the 123 W measured minimum is the context power.
  CHECK(p == doctest::Approx(0.9 * 262).epsilon(0.01));
  CHECK(c.context_w.value == 123);
  CHECK(c.context_w.kind == SourceKind::measurement);
  CHECK(p <= c.tdp_w.value);
}

TEST_CASE("tpu-v3-host: 4 TPU v3 chips, cold plates, within its system maximum") {
  const NodeType* t = find_node_type("tpu-v3-host");
  REQUIRE(t != nullptr);
  CHECK(t->accelerator == "tpu-v3");
  CHECK(t->accelerators.value == 4);
  CHECK(t->accelerators.kind == SourceKind::spec);
  CHECK(t->cooling == Cooling::cold_plate);

  const auto root = io::parse_yaml_text("node: {type: tpu-v3-host}\n", "scenario.yaml");
  const NodeSpec s = node_spec(sim::ParamReader(root.find("node"), node_doc(), {}));
  CHECK(s.accelerators == 4);
  CHECK(s.accelerator->id == "tpu-v3");
  const Node n(s);
  NodeLoad full;
  full.busy_accelerators = 4;
  full.per_accelerator = reference_training_rates(*s.accelerator, 1.0, 1.0);
  full.cpu_util = full.nic_util = 1.0;
  const NodePower p = n.evaluate(full, 35.0);
  CHECK(p.accelerators_w <= 4 * 450.0 + 1e-9);  // each chip held at its TDP
  CHECK(p.wall_w <= t->system_max_w.value);
  CHECK(p.wall_w >= 0.8 * t->system_max_w.value);
  CHECK(n.idle(22.0).wall_w < 0.35 * p.wall_w);
}
