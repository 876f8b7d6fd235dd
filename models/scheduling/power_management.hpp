// Idle-node sleep: the three parameters of the sleep/wake rule (policy.hpp states the rule).
//
//   key            default   meaning                                          source
//   sleep_power    100 W     wall power of a sleeping node                    estimate
//   wake_latency   5 min     power_up() → node on (> 0)                       estimate
//   wake_energy    500 kJ    energy of the whole wake interval, drawn evenly  estimate
//
// Defaults are estimates for an 8-GPU DGX-class server powered off with its BMC alive: the BMC,
// standby rails of its PSUs and wake-on-LAN NICs (~100 W); a cold boot (POST of 2 TB of memory,
// GPU and NVSwitch initialisation, fabric manager) of about five minutes at roughly the node's
// idle power (≈ 1.7 kW × 300 s ≈ 500 kJ). Sites that power nodes down with Slurm's power
// saving set the equivalent SuspendTime/ResumeTimeout from their own boot measurements; so
// should a scenario.
#pragma once

#include "sim/params.hpp"
#include "sim/time.hpp"
#include "sim/units.hpp"

namespace joule::models::scheduling {

struct PowerManagementSpec {
  sim::Watts sleep_power{100.0};
  sim::Time wake_latency = sim::minutes(5);
  sim::Joules wake_energy{500e3};

  // Constant wall power drawn while waking: E_wake / L.
  double waking_power_w() const { return wake_energy.value() / wake_latency.seconds(); }
};

// Keys of `scheduler.power_management`.
const sim::ModelDoc& power_management_doc();
PowerManagementSpec power_management_spec(const sim::ParamReader& r);

}  // namespace joule::models::scheduling
