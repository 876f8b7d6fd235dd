// Linear node power model (the classic baseline of CloudSim and SimGrid's host energy plugin):
//
//   P(u) = P_idle + u · (P_max − P_idle),   u ∈ [0, 1] the node's busy fraction.
//
// Fan and PSU losses are folded into P_idle and P_max (they are wall-power figures, as
// SPECpower reports them). Beloglazov & Buyya 2012 (CloudSim power models); SimGrid
// `host_energy.cpp`. Defaults are an estimate for a 2-socket CPU server (SPECpower-class:
// ~100 W idle, ~400 W at full load), not any vendor's figure.
#include <sstream>

#include "models/compute/node_power.hpp"

namespace joule::models::compute {

namespace {

class LinearNode final : public NodePowerModel {
public:
  LinearNode(double idle_w, double max_w) : idle_w_(idle_w), max_w_(max_w) {}

  NodePower power(const NodeLoad& load, sim::Celsius) const override {
    NodePower p;
    p.wall_w = idle_w_ + load.utilization * (max_w_ - idle_w_);
    p.other_w = p.wall_w;
    return p;
  }

  std::string describe() const override {
    std::ostringstream out;
    out << "linear node, " << idle_w_ << " W idle to " << max_w_ << " W busy";
    return out.str();
  }

private:
  double idle_w_, max_w_;
};

const sim::ModelDoc& linear_doc() {
  static const sim::ModelDoc doc{
      "node model",
      "linear",
      "Power linear in utilization between idle and max (CloudSim/SimGrid baseline)",
      {{"idle_power", "W", "100 W", "wall power when idle (estimate: 2-socket server)"},
       {"max_power", "W", "400 W", "wall power at full utilization (estimate)"}}};
  return doc;
}

const bool registered = NodeModelRegistry::add(linear_doc(), [](const sim::ParamReader& r) {
  const double idle_w = r.quantity<sim::Watts>("idle_power", sim::Range::non_negative()).value();
  const double max_w = r.quantity<sim::Watts>("max_power", sim::Range::positive()).value();
  if (max_w < idle_w) r.fail("max_power", "must be >= idle_power");
  return std::make_unique<LinearNode>(idle_w, max_w);
});

}  // namespace

}  // namespace joule::models::compute
