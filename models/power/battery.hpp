// On-site battery storage behind the meter, with a peak-shaving controller.
//
// Sign: power_w > 0 discharges into the facility bus, < 0 charges from it (AC side).
// Round-trip efficiency η_rt splits evenly: η_c = η_d = √η_rt.
//     discharge P for dt:  E −= P·dt / η_d   (loss = P·(1/η_d − 1))
//     charge |P| for dt:   E += |P|·dt · η_c  (loss = |P|·(1 − η_c))
// Limits: |P| ≤ max charge / discharge power, and E stays in [soc_min, soc_max] · capacity:
// `step(dt, requested)` returns the power actually held over the next dt — the request clipped
// to both limits, so that E lands exactly on a bound instead of crossing it.
//
// Dispatch (dispatch.hpp): peak shaving above a threshold T, price or carbon arbitrage over a
// forecast window, or none; every mode stores PV surplus before it is exported.
// Peak shaving: with grid demand D (before the battery) and threshold T, request D − T when
// D > T (discharge) and recharge at min(max charge, T − D) when D < T, so recharging never
// lifts the grid above T.
//
// The stored energy at the end of a run differs from the start's: the facility settles the
// difference at the grid (facility.hpp), so the initial charge is never free energy.
//
// | parameter | default | basis |
// |---|---|---|
// | round_trip_efficiency | 0.85 | NREL Annual Technology Baseline, utility Li-ion (estimate) |
// | soc_min / soc_max | 0.1 / 0.9 | common cycling window (estimate) |
// | initial_soc | 0.5 | |
#pragma once

#include <optional>

#include "models/power/dispatch.hpp"
#include "sim/params.hpp"
#include "sim/time.hpp"
#include "sim/units.hpp"

namespace joule::models::power {

struct BatterySpec {
  sim::Joules capacity{0};
  sim::Watts max_charge{0};
  sim::Watts max_discharge{0};
  double round_trip_efficiency = 0.85;
  double soc_min = 0.1;
  double soc_max = 0.9;
  double initial_soc = 0.5;
  std::optional<sim::Watts> peak_shave_above;  // threshold T
  // peak-shaving when T is given and no mode is named, else none.
  DispatchMode dispatch = DispatchMode::none;
  sim::Time window = sim::hours(24);  // forecast window of price and carbon dispatch
  double charge_quantile = 0.25;
  double discharge_quantile = 0.75;

  DispatchLimits limits() const;
};

const sim::ModelDoc& battery_doc();
BatterySpec battery_spec(const sim::ParamReader& r);

class Battery {
public:
  struct Step {
    double power_w = 0;  // held over dt; > 0 discharge
    double loss_w = 0;   // conversion loss during dt
  };

  explicit Battery(const BatterySpec& spec);

  // Holds as much of `requested_w` as the limits allow over `dt_s` seconds, updates the stored
  // energy and returns what was held.
  Step step(double dt_s, double requested_w);

  double stored_j() const { return energy_j_; }
  double soc() const { return energy_j_ / spec_.capacity.value(); }
  double initial_j() const { return spec_.initial_soc * spec_.capacity.value(); }
  double charge_efficiency() const { return eta_c_; }
  double discharge_efficiency() const { return eta_d_; }
  // Largest power that can be held for dt_s without leaving the limits.
  double max_discharge_w(double dt_s) const;
  double max_charge_w(double dt_s) const;
  const BatterySpec& spec() const { return spec_; }

private:
  BatterySpec spec_;
  double eta_c_;
  double eta_d_;
  double energy_j_;
};

}  // namespace joule::models::power
