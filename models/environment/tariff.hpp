// Electricity tariffs: what a kWh and a kW of peak demand cost at the site.
//
// Energy, one of (site keys):
//   price: "80 USD/MWh"      flat;
//   price: file.csv          hourly (e.g. a wholesale price series, UTC);
//   tariff.energy: [...]     time-of-use: periods by month, day type and hour of day in local
//                            standard time; the first period that matches sets the price, else
//                            `tariff.off_peak`.
// No price at all: the run computes no cost (no undisclosed default price).
//
// Demand: `tariff.demand_charge` (USD/kW per month) × the highest 15-minute average grid import
// of each calendar month (local time). A run that covers part of a month pays that month's
// charge in proportion to the part covered (a bill's demand charge, prorated):
//     demand cost = Σ_months rate · peak_month · covered_month / length_month.
// Typical US commercial/industrial demand charges are 10–25 USD/kW-month (NREL, "Identifying
// Potential Markets for Behind-the-Meter Battery Energy Storage", McLaren et al. 2017); the
// tariff has no default: a scenario names its own.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "models/environment/calendar.hpp"
#include "sim/params.hpp"
#include "sim/units.hpp"

namespace joule::models::environment {

// USD per W of demand (per month).
using UsdPerWatt = sim::Quantity<sim::Dim<-1, -2, 3, 0, 0, 0, 0, 1>>;

enum class DayType { all, weekdays, weekends };

struct TouPeriod {
  sim::UsdPerJoule price{0};
  int hour_from = 0, hour_to = 24;    // [from, to) in local hours; from > to wraps past midnight
  int month_from = 1, month_to = 12;  // inclusive; from > to wraps past December
  DayType days = DayType::all;
  sim::Location where;
};

struct TariffSpec {
  std::vector<TouPeriod> periods;  // empty: the energy price comes from site.price
  sim::UsdPerJoule off_peak{0};
  std::optional<UsdPerWatt> demand_charge;  // per month
  sim::Location where;
};

const sim::ModelDoc& tariff_doc();
const sim::ModelDoc& tou_period_doc();
TariffSpec tariff_spec(const sim::ParamReader& r);

// Whether `period` applies at local civil time `t`.
bool applies(const TouPeriod& period, const CivilTime& t);
// Time-of-use price at local civil time `t`.
sim::UsdPerJoule tou_price(const TariffSpec& tariff, const CivilTime& t);
// 0 = Sunday … 6 = Saturday.
int day_of_week(const CivilTime& t);

}  // namespace joule::models::environment
