// Time-of-use prices by month, day type and hour; the tariff's place among the site's prices.
#include <doctest/doctest.h>

#include "io/yaml_params.hpp"
#include "models/environment/site.hpp"
#include "models/environment/tariff.hpp"

using namespace joule;
using namespace joule::models::environment;

namespace {

SiteSpec spec_of(const std::string& yaml) {
  const sim::ParamNode node = io::parse_yaml_text(yaml, "site.yaml");
  return site_spec(sim::ParamReader(&node, site_doc()), ".");
}

double usd_per_mwh(sim::UsdPerJoule p) {
  return p.value() * sim::joules_per_kwh * 1e3;
}

}  // namespace

TEST_CASE("days of the week from the civil calendar") {
  CHECK(day_of_week({1970, 1, 1}) == 4);   // Thursday
  CHECK(day_of_week({2023, 7, 10}) == 1);  // Monday
  CHECK(day_of_week({2023, 7, 16}) == 0);  // Sunday
  CHECK(day_of_week({2024, 2, 29}) == 4);  // Thursday
}

TEST_CASE("time-of-use: the first matching period sets the price, else off-peak") {
  const SiteSpec spec = spec_of(
      "{start: 2023-07-10T00:00, tariff: {off_peak: 60 USD/MWh, demand_charge: 15 USD/kW, "
      "energy: [{price: 180 USD/MWh, hours: 16-21, days: weekdays, months: 6-9}, "
      "{price: 40 USD/MWh, hours: 22-6}]}}");
  const Site site(spec, sim::days(14));
  CHECK(site.has_price());
  // Monday 2023-07-10, local standard time (no weather file: UTC+0).
  CHECK(usd_per_mwh(site.price(sim::hours(15))) == doctest::Approx(60));
  CHECK(usd_per_mwh(site.price(sim::hours(16))) == doctest::Approx(180));
  CHECK(usd_per_mwh(site.price(sim::hours(20) + sim::minutes(59))) == doctest::Approx(180));
  CHECK(usd_per_mwh(site.price(sim::hours(21))) == doctest::Approx(60));
  CHECK(usd_per_mwh(site.price(sim::hours(23))) == doctest::Approx(40));  // wraps midnight
  CHECK(usd_per_mwh(site.price(sim::hours(24 + 5))) == doctest::Approx(40));
  CHECK(usd_per_mwh(site.price(sim::hours(24 + 6))) == doctest::Approx(60));
  // Saturday 2023-07-15 17:00: the weekday peak does not apply.
  CHECK(usd_per_mwh(site.price(sim::hours(5 * 24 + 17))) == doctest::Approx(60));
  // 15 USD/kW = 0.015 USD/W.
  CHECK(site.tariff().demand_charge->value() == doctest::Approx(0.015));
  CHECK(site.tariff_text().find("time-of-use, 2 periods") != std::string::npos);
  CHECK(site.tariff_text().find("demand charge 15 USD/kW-month") != std::string::npos);
}

TEST_CASE("no price named: no price, and the tariff says so") {
  const Site none(spec_of("{}"), sim::days(1));
  CHECK_FALSE(none.has_price());
  CHECK(none.tariff_text().rfind("none", 0) == 0);
  const Site flat(spec_of("{price: 80 USD/MWh}"), sim::days(1));
  CHECK(flat.has_price());
  CHECK(flat.tariff_text() == "flat 80 USD/MWh");
}

TEST_CASE("tariff errors point into the scenario") {
  CHECK_THROWS_WITH_AS(
      spec_of("{price: 80 USD/MWh, tariff: {off_peak: 60 USD/MWh, energy: [{price: 1 USD/MWh, "
              "hours: 1-2}]}}"),
      doctest::Contains("a price is given as well"), sim::InputError);
  CHECK_THROWS_WITH_AS(
      spec_of("{tariff: {off_peak: 60 USD/MWh, energy: [{price: 1 USD/MWh, hours: 5-5}]}}"),
      doctest::Contains("hours must be a range"), sim::InputError);
  CHECK_THROWS_AS(spec_of("{tariff: {energy: [{price: 1 USD/MWh}]}}"), sim::InputError);
  CHECK_THROWS_AS(spec_of("{tariff: {off_peak: 60 USD/MWh}}"), sim::InputError);
}
