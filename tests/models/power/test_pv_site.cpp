#include <doctest/doctest.h>

#include "models/environment/site.hpp"
#include "models/power/pv.hpp"

using namespace joule::models;
namespace sim = joule::sim;

namespace {

environment::Site site_at(const std::string& epw) {
  environment::SiteSpec spec;
  spec.weather_path = std::string(JOULE_SOURCE_DIR) + "/scenarios/data/weather/" + epw;
  return environment::Site(spec, sim::days(365));
}

// Annual PV energy per kW of nameplate, summed hour by hour (irradiance is constant per hour).
double annual_kwh_per_kwp(const environment::Site& site, const power::PvSpec& pv) {
  double energy_j = 0;
  for (int h = 0; h < 8760; ++h) {
    const double ghi = site.conditions(sim::hours(h)).ghi.value();
    energy_j += power::pv_power_w(pv, ghi) * sim::seconds_per_hour;
  }
  return energy_j / sim::joules_per_kwh / (pv.peak.value() / 1e3);
}

}  // namespace

TEST_CASE("PV from EPW irradiance is zero at night and yields plausibly per site") {
  power::PvSpec pv;
  pv.peak = sim::Watts(1e6);
  pv.performance_ratio = 0.8;
  const environment::Site leesburg = site_at("USA_VA_Leesburg.Exec.epw");
  // Local standard time 23:00–04:00 is dark every day of the year at 39 °N.
  for (int day = 0; day < 365; ++day)
    for (int hour : {0, 1, 2, 3, 23}) {
      const double ghi = leesburg.conditions(sim::hours(24 * day + hour)).ghi.value();
      CHECK(power::pv_power_w(pv, ghi) == 0.0);
    }
  // Horizontal GHI ≈ 1400–1600 kWh/m²·yr in northern Virginia; × PR 0.8.
  const double y_va = annual_kwh_per_kwp(leesburg, pv);
  CHECK(y_va > 1000);
  CHECK(y_va < 1400);
  // The desert site yields more than the Pacific Northwest.
  const double y_az = annual_kwh_per_kwp(site_at("USA_AZ_Phoenix-Sky.Harbor.epw"), pv);
  const double y_wa = annual_kwh_per_kwp(site_at("USA_WA_Seattle-Tacoma.epw"), pv);
  CHECK(y_az > y_wa + 300);
}
