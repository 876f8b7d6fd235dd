// A uniform job's last evaluations (world_evaluations.hpp): found only for inputs that are the
// same bits, the entry used longer ago replaced by a third, and a capped node model kept alive
// while an entry names it.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <memory>

#include "models/world/world_evaluations.hpp"

using namespace joule;
using namespace joule::models;

namespace {

compute::NodeLoad load_of(double tensor, int busy = 8) {
  compute::NodeLoad l;
  l.busy_accelerators = busy;
  l.per_accelerator[compute::Op::tensor_bf16] = tensor;
  l.per_accelerator[compute::Op::hbm] = 2e12;
  l.per_accelerator.core_bound = 0.7;
  l.cpu_util = 0.25;
  l.nic_util = 0.5;
  return l;
}

using Evaluations = world::RecentEvaluations<double>;

Evaluations::Inputs inputs(double tensor, double inlet_c = 25.0) {
  static const int model = 0;
  return {&model, nullptr, 0, inlet_c, load_of(tensor)};
}

}  // namespace

TEST_CASE("same_bits: node loads compared bit for bit") {
  const compute::NodeLoad a = load_of(4e14);
  CHECK(world::same_bits(a, load_of(4e14)));
  CHECK_FALSE(world::same_bits(a, load_of(std::nextafter(4e14, 5e14))));  // one ulp
  CHECK_FALSE(world::same_bits(a, load_of(4e14, 4)));
  compute::NodeLoad b = a;
  b.utilization = 0.0;  // -1 in a
  CHECK_FALSE(world::same_bits(a, b));
  b = a;
  b.per_accelerator[compute::Op::pcie] = -0.0;  // equal to 0.0 as a number, not as bits
  CHECK_FALSE(world::same_bits(a, b));
  b.per_accelerator[compute::Op::pcie] = std::numeric_limits<double>::quiet_NaN();
  compute::NodeLoad c = b;
  CHECK(world::same_bits(b, c));  // a NaN is its own bits (b == c would be false)
  c.per_accelerator.core_bound = 0.75;
  CHECK_FALSE(world::same_bits(b, c));
}

TEST_CASE("RecentEvaluations: the last two, by inputs") {
  Evaluations ev;
  CHECK(ev.find(inputs(1.0)) == nullptr);
  CHECK(ev.keep(inputs(1.0), 10.0, nullptr) == 10.0);
  CHECK(ev.keep(inputs(2.0), 20.0, nullptr) == 20.0);
  REQUIRE(ev.find(inputs(1.0)) != nullptr);
  CHECK(*ev.find(inputs(1.0)) == 10.0);
  REQUIRE(ev.find(inputs(2.0)) != nullptr);
  CHECK(*ev.find(inputs(2.0)) == 20.0);
  // Any input apart, by one ulp or by another model, node model or pool: not found.
  CHECK(ev.find(inputs(1.0, std::nextafter(25.0, 26.0))) == nullptr);
  Evaluations::Inputs other = inputs(1.0);
  const int another = 0;
  other.model = &another;
  CHECK(ev.find(other) == nullptr);
  other = inputs(1.0);
  other.node = &another;
  CHECK(ev.find(other) == nullptr);
  other = inputs(1.0);
  other.pool = 1;
  CHECK(ev.find(other) == nullptr);
  // 2.0 was found last: a third input replaces 1.0's entry, used longer ago.
  ev.keep(inputs(3.0), 30.0, nullptr);
  CHECK(ev.find(inputs(1.0)) == nullptr);
  CHECK(*ev.find(inputs(2.0)) == 20.0);
  CHECK(*ev.find(inputs(3.0)) == 30.0);
  // 3.0 found last: the next replaces 2.0's.
  ev.keep(inputs(4.0), 40.0, nullptr);
  CHECK(ev.find(inputs(2.0)) == nullptr);
  CHECK(*ev.find(inputs(3.0)) == 30.0);
  CHECK(*ev.find(inputs(4.0)) == 40.0);
  ev.clear();
  CHECK(ev.find(inputs(3.0)) == nullptr);
  CHECK(ev.find(inputs(4.0)) == nullptr);
}

TEST_CASE("RecentEvaluations: each entry on cache lines of its own") {
  // A phase's lookup finds the entries cold: each starts a line, with its flag and inputs there.
  CHECK(alignof(Evaluations) == 64);
  CHECK(sizeof(Evaluations) % 64 == 0);
  CHECK(sizeof(Evaluations) <= 2 * 4 * 64);  // two entries, no line for the newest's index
}

TEST_CASE("RecentEvaluations: a capped node model kept alive while an entry names it") {
  Evaluations ev;
  auto node = std::make_shared<int>(7);  // stands for a capped compute::Node
  Evaluations::Inputs in = inputs(1.0);
  in.node = node.get();
  ev.keep(in, 10.0, node);
  CHECK(node.use_count() == 2);
  CHECK(*ev.find(in) == 10.0);
  ev.keep(inputs(2.0), 20.0, nullptr);
  CHECK(node.use_count() == 2);         // still an entry
  ev.keep(inputs(3.0), 30.0, nullptr);  // replaces it (2.0 kept last)
  CHECK(node.use_count() == 1);
  ev.keep(in, 10.0, node);
  ev.clear();
  CHECK(node.use_count() == 1);
}
