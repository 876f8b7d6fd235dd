// The site: outdoor weather and the grid's carbon intensity and price at any simulated time.
//
// Clock alignment. Simulated time t is a duration since t = 0, which the scenario places at a
// civil date-time `start` in the site's local standard time (default 2023-01-01T00:00; no
// daylight saving, as in EPW files). The UTC offset comes from the EPW LOCATION header (e.g.
// −5 h at Leesburg VA) unless `timezone` overrides it, so
//     UTC(t) = start − utc_offset + t.
// Weather rows are indexed in local standard time, carbon and price rows in UTC.
//
// Interpolation (one rule): quantities the files give as instantaneous observations at the end
// of each hour (EPW dry-bulb, dew point, relative humidity, pressure, and wet-bulb and humidity
// ratio derived from them per hour) are linear between hourly values; quantities given as
// hourly totals or averages (EPW irradiation, carbon intensity, price) are held constant over
// the hour they describe. EPW row k (0-based, "hour k+1") is the observation at (k+1):00 and the
// irradiation over [k:00, k+1:00); Jan 1 00:00 takes the Dec 31 24:00 row (the typical year's
// end meets its start). A carbon/price row holds for the hour starting at its UTC timestamp.
//
// Year and coverage. The weather is a typical year: its position is the start's place in a
// 365-day year (a Feb 29 start is rejected) plus elapsed time, so in leap years the typical
// weather runs on through the extra day. With `wrap: true` (default) weather repeats every 8760
// h and each CSV series repeats with its own length (a 2024 run reuses the 2023 grid year);
// with `wrap: false` a run reaching outside the files' coverage is an InputError when the Site
// is built, naming the file and the missing span — never mid-run. (Wrap is the default because
// a one-year run starting at local midnight in a US time zone ends hours past the UTC year the
// grid files cover.)
//
// Fallbacks: without a weather file the outdoor air is constant (`dry_bulb`,
// `relative_humidity`, `pressure`, no sun); `carbon` takes either a CSV path or a fixed value
// ("400 gCO2e/kWh" by default: an estimate of a US average grid mix, eGRID 2022 ≈ 370 g/kWh).
// `price` takes a CSV path or a fixed value ("80 USD/MWh": the 2023 US industrial average,
// EIA) and has no default: without it or a time-of-use `tariff` (tariff.hpp) the run computes
// no cost rather than one at an undisclosed price.
//
// Carbon column: `direct` (default) is the combustion-only intensity used for location-based
// Scope 2 accounting (GHG Protocol) and by eGRID, so CUE and tCO2e compare with published
// figures; `lca` adds upstream life-cycle emissions (Electricity Maps' headline number).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/environment/calendar.hpp"
#include "models/environment/epw.hpp"
#include "models/environment/hourly_series.hpp"
#include "models/environment/psychrometrics.hpp"
#include "models/environment/tariff.hpp"
#include "sim/params.hpp"
#include "sim/time.hpp"
#include "sim/units.hpp"

namespace joule::models::environment {

// Irradiance, W/m² (kg·s⁻³).
using WattsPerSquareMeter = sim::Quantity<sim::Dim<1, 0, -3, 0, 0, 0, 0, 0>>;

// Outdoor conditions at one instant.
struct Conditions {
  sim::Celsius dry_bulb;
  sim::Celsius dew_point;
  sim::Celsius wet_bulb;         // thermodynamic
  double relative_humidity = 0;  // 0..1
  double humidity_ratio = 0;     // kg water / kg dry air
  sim::Pascals pressure{0};      // station pressure
  WattsPerSquareMeter ghi{0};    // global horizontal irradiance (hour average)
};

class Weather {
public:
  // Constant outdoor air, no sun.
  Weather(sim::Celsius dry_bulb, double relative_humidity, sim::Pascals pressure);
  // Typical-year weather; t = 0 is `start_local` (local standard time). Throws
  // std::invalid_argument for a Feb 29 start (the Site reports it as an InputError first).
  Weather(EpwData data, const CivilTime& start_local, bool wrap);

  Conditions at(sim::Time t) const;
  // Latest simulated time the data covers (Time::max() when constant or wrapping).
  sim::Time coverage_end() const;
  // Next local hour boundary after t (where irradiance steps), Time::max() when constant.
  sim::Time next_hour(sim::Time t) const;
  const EpwData* data() const { return data_ ? &*data_ : nullptr; }

private:
  std::optional<EpwData> data_;
  Conditions constant_;
  std::vector<double> wet_bulb_c_;      // per hour, from dry-bulb, RH, pressure
  std::vector<double> humidity_ratio_;  // per hour
  std::int64_t start_position_ns_ = 0;  // start's offset from Jan 1 00:00 of the typical year
  bool wrap_ = true;
};

// An hourly series aligned to simulated time (or one constant value), in base units.
class HourlySignal {
public:
  explicit HourlySignal(double constant_value);
  // `to_base` converts the file's unit to base units; t = 0 is `start_utc_s`.
  HourlySignal(HourlySeries series, double to_base, std::int64_t start_utc_s, bool wrap);

  double at(sim::Time t) const;
  sim::Time next_change(sim::Time t) const;  // next hour boundary; Time::max() when constant
  // Whether [0, horizon] lies inside the data (always true when constant or wrapping).
  bool covers(sim::Time horizon) const;
  const HourlySeries* series() const { return series_ ? &*series_ : nullptr; }

private:
  std::optional<HourlySeries> series_;
  std::vector<double> base_;  // values in base units
  double constant_ = 0;
  std::int64_t offset_ns_ = 0;  // (start − first hour) in ns
  bool wrap_ = true;
};

enum class CarbonColumn { direct, lca };

struct SiteSpec {
  // Weather: an EPW file, or constant air when `weather_path` is empty.
  std::string weather_path;  // resolved against the scenario's directory
  sim::Location weather_where;
  sim::Celsius dry_bulb{20};
  double relative_humidity = 0.5;
  sim::Pascals pressure{standard_pressure_pa};

  std::string carbon_path;  // empty: fixed `carbon_fixed`
  sim::Location carbon_where;
  sim::CarbonIntensity carbon_fixed{0};
  CarbonColumn carbon_column = CarbonColumn::direct;

  std::string price_path;  // empty: fixed `price_fixed`
  sim::Location price_where;
  sim::UsdPerJoule price_fixed{0};
  bool has_price = false;  // `price` was given
  TariffSpec tariff;       // time-of-use periods and demand charge (`tariff`)

  bool wrap = true;
  sim::Location wrap_where;
  CivilTime start{2023, 1, 1, 0, 0, 0};  // local standard time of the site
  sim::Location start_where;
  std::optional<double> utc_offset_h;  // overrides the EPW time zone
  sim::Location timezone_where;
};

// Keys of the `site` section.
const sim::ModelDoc& site_doc();
// Reads and validates the `site` section; relative paths are resolved against `base_dir` (the
// scenario file's directory). A missing file is an InputError at the key that named it.
SiteSpec site_spec(const sim::ParamReader& r, const std::string& base_dir);

class Site {
public:
  // Loads the files (their errors point at file:line) and checks that [0, horizon] is covered
  // unless wrapping (an InputError at the key that named the short file).
  Site(const SiteSpec& spec, sim::Time horizon);

  Conditions conditions(sim::Time t) const { return weather_.at(t); }
  sim::CarbonIntensity carbon_intensity(sim::Time t) const {
    return sim::CarbonIntensity(carbon_.at(t));
  }
  // The energy price at t: time-of-use, the hourly series or the flat price (0 without any).
  sim::UsdPerJoule price(sim::Time t) const;
  // Until when price(t)'s value holds: the hourly series' next hour (Time::max() when flat); t
  // itself under time-of-use (read again at every instant).
  sim::Time price_next_change(sim::Time t) const {
    return tariff_.periods.empty() ? price_.next_change(t) : t;
  }
  // Whether the scenario names an energy price (flat, hourly or time-of-use).
  bool has_price() const { return has_price_; }
  const TariffSpec& tariff() const { return tariff_; }
  // The tariff in words, for the summary: "hourly CSV data/prices/x.csv + demand charge ...".
  const std::string& tariff_text() const { return tariff_text_; }

  const Weather& weather() const { return weather_; }
  const HourlySignal& carbon() const { return carbon_; }
  const HourlySignal& price_signal() const { return price_; }

  double utc_offset_h() const { return utc_offset_h_; }
  std::int64_t start_utc_s() const { return start_utc_s_; }
  CivilTime utc_time(sim::Time t) const;    // to the second
  CivilTime local_time(sim::Time t) const;  // local standard time

private:
  double utc_offset_h_ = 0;
  std::int64_t start_local_s_ = 0;  // epoch seconds of `start` read as if UTC
  std::int64_t start_utc_s_ = 0;
  Weather weather_;
  HourlySignal carbon_;
  HourlySignal price_;
  TariffSpec tariff_;
  bool has_price_ = false;
  std::string tariff_text_;
};

}  // namespace joule::models::environment
