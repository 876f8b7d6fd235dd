#include "models/scheduling/power_management.hpp"

namespace joule::models::scheduling {

const sim::ModelDoc& power_management_doc() {
  static const sim::ModelDoc doc{
      "scheduler",
      "power_management",
      "Sleep/wake model of idle nodes that a policy powers down (scheduler.power_management)",
      {{"sleep_power", "W", "100 W", "wall power of a sleeping node"},
       {"wake_latency", "s", "5 min", "time from power_up to the node being on (> 0)"},
       {"wake_energy", "J", "500 kJ",
        "energy of one whole wake interval, drawn evenly over wake_latency"}}};
  return doc;
}

// In the scenario reference (`joule list-models`), where other sections point to it.
namespace {
const bool documented_power_management =
    (sim::model_docs().push_back(&power_management_doc()), true);
}  // namespace

PowerManagementSpec power_management_spec(const sim::ParamReader& r) {
  PowerManagementSpec s;
  s.sleep_power = r.quantity<sim::Watts>("sleep_power", sim::Range::non_negative());
  s.wake_latency = r.duration("wake_latency", sim::Range::positive());
  s.wake_energy = r.quantity<sim::Joules>("wake_energy", sim::Range::non_negative());
  return s;
}

}  // namespace joule::models::scheduling
