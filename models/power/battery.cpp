#include "models/power/battery.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace joule::models::power {

const sim::ModelDoc& battery_doc() {
  static const sim::ModelDoc doc{
      "power_chain",
      "battery",
      "Behind-the-meter battery: state of charge, round-trip efficiency, power and energy "
      "limits, optional peak shaving.",
      {
          {"capacity", "J", "", "usable-plus-reserve energy capacity, e.g. \"4 MWh\""},
          {"max_charge", "W", "", "charging power limit (AC)"},
          {"max_discharge", "W", "", "discharging power limit (AC)"},
          {"round_trip_efficiency", "number", "85 %", "AC-to-AC round trip, split evenly"},
          {"soc_min", "number", "0.1", "lowest state of charge"},
          {"soc_max", "number", "0.9", "highest state of charge"},
          {"initial_soc", "number", "0.5", "state of charge at t = 0"},
          {"peak_shave_above", "W", "none",
           "grid power threshold: discharge above it, recharge below it (and, with price or "
           "carbon dispatch, charge only below it)"},
          {"dispatch", "string", "peak-shaving with peak_shave_above, else none",
           "none | peak-shaving | price (time-of-use arbitrage) | carbon (charge at low, "
           "discharge at high grid carbon intensity)"},
          {"window", "s", "24 h", "forecast window of price and carbon dispatch"},
          {"charge_quantile", "number", "0.25",
           "price or carbon dispatch: charge at or below this quantile of the window"},
          {"discharge_quantile", "number", "0.75",
           "price or carbon dispatch: discharge at or above this quantile of the window"},
      }};
  return doc;
}

BatterySpec battery_spec(const sim::ParamReader& r) {
  BatterySpec s;
  s.capacity = r.quantity<sim::Joules>("capacity", sim::Range::positive());
  s.max_charge = r.quantity<sim::Watts>("max_charge", sim::Range::non_negative());
  s.max_discharge = r.quantity<sim::Watts>("max_discharge", sim::Range::non_negative());
  s.round_trip_efficiency = r.number("round_trip_efficiency", {0, 1, true, false});
  s.soc_min = r.number("soc_min", sim::Range::unit_interval());
  s.soc_max = r.number("soc_max", sim::Range::unit_interval());
  if (s.soc_max <= s.soc_min)
    throw sim::InputError(r.location("soc_max"), r.path("soc_max") + " must be > soc_min",
                          r.location("soc_min"), "soc_min is set here");
  s.initial_soc = r.number("initial_soc", sim::Range::between(s.soc_min, s.soc_max));
  if (r.has("peak_shave_above"))
    s.peak_shave_above = r.quantity<sim::Watts>("peak_shave_above", sim::Range::non_negative());
  const std::string mode = r.has("dispatch")
                               ? r.choice("dispatch", {"none", "peak-shaving", "price", "carbon"})
                           : s.peak_shave_above ? "peak-shaving"
                                                : "none";
  s.dispatch = mode == "peak-shaving" ? DispatchMode::peak_shaving
               : mode == "price"      ? DispatchMode::price
               : mode == "carbon"     ? DispatchMode::carbon
                                      : DispatchMode::none;
  if (s.dispatch == DispatchMode::peak_shaving && !s.peak_shave_above)
    r.fail("dispatch", "is peak-shaving but peak_shave_above is not set");
  s.window = r.duration("window", sim::Range::between(3600, 31 * 86400));
  s.charge_quantile = r.number("charge_quantile", sim::Range::unit_interval());
  s.discharge_quantile = r.number("discharge_quantile", sim::Range::unit_interval());
  if (s.discharge_quantile <= s.charge_quantile)
    throw sim::InputError(r.location("discharge_quantile"),
                          r.path("discharge_quantile") + " must be > charge_quantile",
                          r.location("charge_quantile"), "charge_quantile is set here");
  return s;
}

DispatchLimits BatterySpec::limits() const {
  DispatchLimits l;
  l.max_charge_w = max_charge.value();
  l.max_discharge_w = max_discharge.value();
  l.round_trip_efficiency = round_trip_efficiency;
  if (peak_shave_above) l.peak_threshold_w = peak_shave_above->value();
  l.charge_quantile = charge_quantile;
  l.discharge_quantile = discharge_quantile;
  return l;
}

Battery::Battery(const BatterySpec& spec)
    : spec_(spec),
      eta_c_(std::sqrt(spec.round_trip_efficiency)),
      eta_d_(std::sqrt(spec.round_trip_efficiency)),
      energy_j_(spec.initial_soc * spec.capacity.value()) {
  if (!(spec.capacity.value() > 0) || !(spec.round_trip_efficiency > 0) ||
      spec.round_trip_efficiency > 1 || spec.soc_max <= spec.soc_min)
    throw std::invalid_argument("invalid battery spec");
}

double Battery::max_discharge_w(double dt_s) const {
  const double available_j = std::max(0.0, energy_j_ - spec_.soc_min * spec_.capacity.value());
  return std::min(spec_.max_discharge.value(), available_j * eta_d_ / dt_s);
}

double Battery::max_charge_w(double dt_s) const {
  const double room_j = std::max(0.0, spec_.soc_max * spec_.capacity.value() - energy_j_);
  return std::min(spec_.max_charge.value(), room_j / (eta_c_ * dt_s));
}

Battery::Step Battery::step(double dt_s, double requested_w) {
  if (!(dt_s > 0)) throw std::invalid_argument("battery step needs dt > 0");
  Step out;
  if (requested_w > 0) {
    const double limit_w = max_discharge_w(dt_s);
    out.power_w = std::min(requested_w, limit_w);
    out.loss_w = out.power_w * (1.0 / eta_d_ - 1.0);
    // Land exactly on the bound when the energy limit binds.
    if (out.power_w == limit_w && limit_w < spec_.max_discharge.value())
      energy_j_ = spec_.soc_min * spec_.capacity.value();
    else
      energy_j_ -= out.power_w * dt_s / eta_d_;
  } else if (requested_w < 0) {
    const double limit_w = max_charge_w(dt_s);
    const double charge_w = std::min(-requested_w, limit_w);
    out.power_w = -charge_w;
    out.loss_w = charge_w * (1.0 - eta_c_);
    if (charge_w == limit_w && limit_w < spec_.max_charge.value())
      energy_j_ = spec_.soc_max * spec_.capacity.value();
    else
      energy_j_ += charge_w * dt_s * eta_c_;
  }
  return out;
}

}  // namespace joule::models::power
