// User catalogs: declared chips and nodes are found, sourced and checked like built-in ones;
// bad input is an error at the file's line and column.
#include <doctest/doctest.h>

#include <string>

#include "io/yaml_params.hpp"
#include "models/compute/accelerator_catalog.hpp"
#include "models/compute/node.hpp"
#include "models/compute/user_catalog.hpp"

using namespace joule;
using namespace joule::models::compute;

namespace {
void load(const std::string& text) {
  load_user_catalog(io::parse_yaml_text(text, "my-hardware.yaml"));
}
const std::string good = R"(accelerators:
  - id: test-gpu-600
    base: h100-sxm
    tdp: {value: 600 W, kind: spec, source: "test datasheet, table 1"}
    energy_bf16: {value: 0.8 pJ/FLOP, kind: estimate, source: "test derivation"}
    gemm_efficiency: {value: 0.7, kind: measurement, source: "test GEMM benchmark"}
nodes:
  - id: test-node-4
    base: dgx-h100
    accelerator: test-gpu-600
    accelerators: {value: 4, kind: spec, source: "test datasheet"}
    system_max: {value: 7000 W, kind: spec, source: "test datasheet"}
)";
}  // namespace

TEST_CASE("a user catalog adds a chip and a node with their sources") {
  load(good);
  const AcceleratorSpec* c = find_accelerator("test-gpu-600");
  REQUIRE(c != nullptr);
  CHECK(c->tdp_w.value == 600);
  CHECK(c->tdp_w.kind == SourceKind::spec);
  CHECK(c->tdp_w.source == "test datasheet, table 1");
  CHECK(c->energy_j[static_cast<std::size_t>(Op::tensor_bf16)].value == doctest::Approx(0.8e-12));
  CHECK(c->gemm_efficiency.value == doctest::Approx(0.7));
  CHECK(c->gemm_efficiency.kind == SourceKind::measurement);
  // Numbers not given keep the base's, with its source.
  CHECK(c->peak_rate(Op::tensor_bf16) == doctest::Approx(989.4e12));
  // Derived estimates follow the new TDP: the die 45 K above inlet air at 600 W.
  CHECK(c->r_th_air_k_per_w.value == doctest::Approx(45.0 / 600));
  const NodeType* t = find_node_type("test-node-4");
  REQUIRE(t != nullptr);
  CHECK(t->accelerator == "test-gpu-600");
  const NodeSpec s = node_spec(*t);
  CHECK(s.accelerators == 4);
  CHECK(s.accelerator->id == "test-gpu-600");
  // Loading the same ids again (a sweep reloading its scenario) replaces them.
  load(good);
  CHECK(find_accelerator("test-gpu-600")->tdp_w.value == 600);
}

TEST_CASE("user catalog errors point into the file") {
  auto error = [](const std::string& text) {
    try {
      load(text);
    } catch (const sim::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error("accelerators:\n  - id: x1\n    base: h100-sxm\n    tdp: {value: 600 W, kind: "
              "spec}\n")
            .find("my-hardware.yaml:4:") != std::string::npos);
  CHECK(error("accelerators:\n  - id: x2\n    base: h100-sxm\n    tdp: {value: 600 W, kind: "
              "spec, source: \"  \"}\n")
            .find("source must say where") != std::string::npos);
  CHECK(error("accelerators:\n  - id: x3\n    base: h100-sxm\n    tdp: {value: 600 W, kind: "
              "guess, source: s}\n")
            .find("my-hardware.yaml:4:") != std::string::npos);
  CHECK(error("accelerators:\n  - id: h100-sxm\n    base: h100-sxm\n").find("is a built-in chip") !=
        std::string::npos);
  CHECK(error("accelerators:\n  - id: x4\n    base: h101-sxm\n").find("did you mean") !=
        std::string::npos);
  CHECK(error("accelerators:\n  - id: x5\n    base: h100-sxm\n    tdp: {value: 60 W, kind: "
              "spec, source: s}\n")
            .find("above tdp") != std::string::npos);
  CHECK(error("accelerators:\n  - id: x6\n    base: h100-sxm\n    tdp: {value: 600 kg, kind: "
              "spec, source: s}\n")
            .find("my-hardware.yaml:4:") != std::string::npos);
  CHECK(error("accelerators:\n  - id: x7\n    base: h100-sxm\n    tpd: {value: 600 W}\n")
            .find("did you mean") != std::string::npos);
  // A GEMM efficiency is a share of the tensor peak.
  const std::string gemm = error(
      "accelerators:\n  - id: x8\n    base: h100-sxm\n    gemm_efficiency: {value: 1.2, kind: "
      "measurement, source: s}\n");
  CHECK(gemm.find("my-hardware.yaml:4:") != std::string::npos);
  CHECK(gemm.find("at most 1") != std::string::npos);
  // A node whose components exceed its stated system maximum.
  CHECK(error("nodes:\n  - id: n1\n    base: dgx-h100\n    system_max: {value: 5000 W, kind: "
              "spec, source: s}\n")
            .find("my-hardware.yaml:4:") != std::string::npos);
}

TEST_CASE("a user catalog number may state its spread; bad spreads point into the file") {
  load(R"(accelerators:
  - id: test-spread-gpu
    base: h100-sxm
    idle: {value: 72 W, kind: measurement, source: "test boards",
           spread: {range: [69 W, 75 W], source: "min and max of 16 test boards"}}
    energy_bf16: {value: 0.8 pJ/FLOP, kind: estimate, source: "test derivation",
                  spread: {relative: 20 %, source: "test derivations differ"}}
)");
  const auto idle = user_catalog_spread("test-spread-gpu", "idle");
  REQUIRE(idle.has_value());
  CHECK(idle->shape == StatedSpread::Shape::range);
  CHECK(idle->lo == 69);
  CHECK(idle->hi == 75);
  CHECK(idle->source == "min and max of 16 test boards");
  const auto energy = user_catalog_spread("test-spread-gpu", "energy_bf16");
  REQUIRE(energy.has_value());
  CHECK(energy->shape == StatedSpread::Shape::relative);
  CHECK(energy->share == doctest::Approx(0.2));
  CHECK_FALSE(user_catalog_spread("test-spread-gpu", "tdp").has_value());
  // Reloading the entry without a spread forgets it.
  load(R"(accelerators:
  - id: test-spread-gpu
    base: h100-sxm
    idle: {value: 72 W, kind: measurement, source: "test boards"}
)");
  CHECK_FALSE(user_catalog_spread("test-spread-gpu", "idle").has_value());

  auto error = [](const std::string& spread) {
    try {
      load(
          "accelerators:\n  - id: test-spread-bad\n    base: h100-sxm\n"
          "    idle: {value: 72 W, kind: measurement, source: \"boards\",\n"
          "           spread: " +
          spread + "}\n");
    } catch (const sim::InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const auto no_source = error("{sd: 3 %}");
  CHECK(no_source.find("my-hardware.yaml:5:") != std::string::npos);
  CHECK(no_source.find("source") != std::string::npos);
  CHECK(error("{sd: 3 %, relative: 5 %, source: x}").find("exactly one") != std::string::npos);
  CHECK(error("{range: [74 W, 78 W], source: x}").find("must contain the value") !=
        std::string::npos);
  CHECK(error("{range: [78 W, 70 W], source: x}").find("min <= max") != std::string::npos);
  const auto unit = error("{range: [70 J, 78 W], source: x}");
  CHECK(unit.find("my-hardware.yaml:5:") != std::string::npos);
  CHECK(unit.find("dimension") != std::string::npos);
  CHECK(error("{range: [70, 78], source: x}").find("dimension") != std::string::npos);
  CHECK(error("{sd: 150 %, source: x}").find("sd") != std::string::npos);
  CHECK(error("{width: 3, source: x}").find("unknown key 'width'") != std::string::npos);
  CHECK(error("{sd: 3 %, source: \" \"}").find("must say why") != std::string::npos);
  CHECK(error("{sd: 3 %, source: x}").empty());
}
