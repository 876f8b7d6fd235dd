#include "models/environment/tariff.hpp"

#include <cstdio>

namespace joule::models::environment {

const sim::ModelDoc& tariff_doc() {
  static const sim::ModelDoc doc{
      "site",
      "tariff",
      "The site's electricity tariff (site.tariff): time-of-use energy periods and a monthly "
      "demand charge on the peak 15-minute import.",
      {
          {"energy", "list", "none",
           "time-of-use periods (see 'tariff_period'), first match wins; replaces site.price"},
          {"off_peak", "USD/MWh", "",
           "price outside every period, e.g. \"60 USD/MWh\" (required with energy)"},
          {"demand_charge", "USD/kW", "none",
           "per month, on the month's highest 15-minute average grid import, e.g. \"15 "
           "USD/kW\"; prorated for a part month"},
      }};
  return doc;
}

const sim::ModelDoc& tou_period_doc() {
  static const sim::ModelDoc doc{
      "site",
      "tariff_period",
      "One time-of-use period of site.tariff.energy (local standard time).",
      {
          {"price", "USD/MWh", "", "energy price in the period, e.g. \"180 USD/MWh\""},
          {"hours", "string", "0-24",
           "local hours [from-to), e.g. \"16-21\"; \"22-6\" wraps past midnight"},
          {"days", "string", "all", "all | weekdays | weekends"},
          {"months", "string", "1-12", "months, inclusive, e.g. \"6-9\"; \"11-2\" wraps"},
      }};
  return doc;
}

namespace {

const bool documented = (sim::model_docs().push_back(&tariff_doc()),
                         sim::model_docs().push_back(&tou_period_doc()), true);

// "a-b" with lo ≤ a, b ≤ hi.
// "a-b" with lo ≤ a, b ≤ hi (a == b only when `inclusive`: one month).
std::pair<int, int> range_of(const sim::ParamReader& r, const char* key, int lo, int hi,
                             bool inclusive) {
  const std::string text = r.string(key);
  int a = 0, b = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%d-%d%c", &a, &b, &tail) != 2 || a < lo || a > hi || b < lo ||
      b > hi || (a == b && !inclusive))
    r.fail(key, "must be a range such as \"" + std::to_string(lo + 1) + "-" + std::to_string(hi) +
                    "\" with both ends in " + std::to_string(lo) + "…" + std::to_string(hi) +
                    (inclusive ? "" : " and different") + ", got '" + text + "'");
  return {a, b};
}

bool in_wrapping(int v, int from, int to_exclusive) {
  return from < to_exclusive ? v >= from && v < to_exclusive : v >= from || v < to_exclusive;
}

}  // namespace

TariffSpec tariff_spec(const sim::ParamReader& r) {
  TariffSpec s;
  s.where = r.location("energy");
  if (const sim::ParamNode* list = r.node("energy")) {
    if (!list->is_sequence() || list->items.empty())
      r.fail("energy", "must be a list of periods such as [{price: 180 USD/MWh, hours: 16-21}]");
    for (const sim::ParamNode& item : list->items) {
      if (!item.is_map())
        throw sim::InputError(item.where, item.path +
                                              " must be a map of keys (price, hours, "
                                              "days, months)");
      const sim::ParamReader p(&item, tou_period_doc());
      TouPeriod period;
      period.price = p.quantity<sim::UsdPerJoule>("price", sim::Range::non_negative());
      std::tie(period.hour_from, period.hour_to) = range_of(p, "hours", 0, 24, false);
      std::tie(period.month_from, period.month_to) = range_of(p, "months", 1, 12, true);
      const std::string days = p.choice("days", {"all", "weekdays", "weekends"});
      period.days = days == "weekdays"   ? DayType::weekdays
                    : days == "weekends" ? DayType::weekends
                                         : DayType::all;
      period.where = item.where;
      s.periods.push_back(period);
    }
    s.off_peak = r.quantity<sim::UsdPerJoule>("off_peak", sim::Range::non_negative());
  } else if (r.has("off_peak")) {
    r.fail("off_peak",
           "is the price outside the time-of-use periods, but tariff.energy lists "
           "none");
  }
  if (r.has("demand_charge"))
    s.demand_charge = r.quantity<UsdPerWatt>("demand_charge", sim::Range::non_negative());
  return s;
}

int day_of_week(const CivilTime& t) {
  const std::int64_t days = days_from_civil(t.year, t.month, t.day);  // 1970-01-01: Thursday
  return static_cast<int>(((days + 4) % 7 + 7) % 7);
}

bool applies(const TouPeriod& p, const CivilTime& t) {
  if (p.month_from <= p.month_to ? t.month < p.month_from || t.month > p.month_to
                                 : t.month < p.month_from && t.month > p.month_to)
    return false;
  const int dow = day_of_week(t);
  const bool weekend = dow == 0 || dow == 6;
  if ((p.days == DayType::weekdays && weekend) || (p.days == DayType::weekends && !weekend))
    return false;
  return in_wrapping(t.hour, p.hour_from, p.hour_to);
}

sim::UsdPerJoule tou_price(const TariffSpec& tariff, const CivilTime& t) {
  for (const TouPeriod& p : tariff.periods)
    if (applies(p, t)) return p.price;
  return tariff.off_peak;
}

}  // namespace joule::models::environment
