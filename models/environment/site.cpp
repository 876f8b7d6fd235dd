#include "models/environment/site.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "sim/input_files.hpp"

namespace joule::models::environment {

namespace {

constexpr std::int64_t ns_per_s = 1'000'000'000;
constexpr std::int64_t hour_ns = seconds_per_hour_i * ns_per_s;
constexpr std::int64_t typical_year_ns = hours_per_typical_year * hour_ns;

// Floor division and non-negative remainder for signed values.
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
std::int64_t floor_mod(std::int64_t a, std::int64_t b) {
  return a - floor_div(a, b) * b;
}

// An hour's psychrometric inputs by their bits: dry-bulb, relative humidity, pressure.
using HourKey = std::array<std::uint64_t, 3>;
struct HourKeyHash {
  std::size_t operator()(const HourKey& k) const {
    std::uint64_t h = k[0] * 0x9e3779b97f4a7c15u;
    h = (h ^ (h >> 29) ^ k[1]) * 0xbf58476d1ce4e5b9u;
    h = (h ^ (h >> 31) ^ k[2]) * 0x94d049bb133111ebu;
    return static_cast<std::size_t>(h ^ (h >> 32));
  }
};

std::string hours_text(double h) {
  std::ostringstream out;
  out.precision(6);
  out << h << " h";
  return out.str();
}

}  // namespace

// ---------------------------------------------------------------- Weather

Weather::Weather(sim::Celsius dry_bulb, double relative_humidity, sim::Pascals pressure) {
  constant_.dry_bulb = dry_bulb;
  constant_.relative_humidity = relative_humidity;
  constant_.pressure = pressure;
  constant_.dew_point = relative_humidity > 0
                            ? sim::Celsius{dew_point_c(dry_bulb.value, relative_humidity)}
                            : sim::Celsius{-100};
  constant_.wet_bulb = wet_bulb(dry_bulb, relative_humidity, pressure);
  constant_.humidity_ratio = humidity_ratio(dry_bulb.value, relative_humidity, pressure.value());
  constant_.ghi = WattsPerSquareMeter(0);
}

Weather::Weather(EpwData data, const CivilTime& start_local, bool wrap) : wrap_(wrap) {
  const int doy = typical_day_of_year(start_local.month, start_local.day);
  if (doy < 0) throw std::invalid_argument("typical-year weather has no " + to_string(start_local));
  start_position_ns_ = (doy * seconds_per_day + start_local.hour * seconds_per_hour_i +
                        start_local.minute * 60 + start_local.second) *
                       ns_per_s;
  const std::size_t n = data.hours();
  wet_bulb_c_.resize(n);
  humidity_ratio_.resize(n);
  // Hours often repeat their (dry-bulb, RH, pressure) (Leesburg: 2,352 distinct of 8,760): each
  // distinct one, by its bits, is solved once (two bisections of ~46 saturation pressures in
  // all), the same function of the same inputs.
  std::unordered_map<HourKey, std::size_t, HourKeyHash> solved;
  solved.reserve(n);
  for (std::size_t h = 0; h < n; ++h) {
    // EPW allows RH up to 110 % (supersaturation in fog); psychrometrics needs φ ≤ 1.
    const double rh = std::min(1.0, data.relative_humidity[h]);
    const HourKey key{std::bit_cast<std::uint64_t>(data.dry_bulb_c[h]),
                      std::bit_cast<std::uint64_t>(rh),
                      std::bit_cast<std::uint64_t>(data.pressure_pa[h])};
    if (const auto [it, first] = solved.try_emplace(key, h); !first) {
      wet_bulb_c_[h] = wet_bulb_c_[it->second];
      humidity_ratio_[h] = humidity_ratio_[it->second];
      continue;
    }
    wet_bulb_c_[h] = wet_bulb_c(data.dry_bulb_c[h], rh, data.pressure_pa[h]);
    humidity_ratio_[h] = humidity_ratio(data.dry_bulb_c[h], rh, data.pressure_pa[h]);
  }
  data_ = std::move(data);
}

sim::Time Weather::coverage_end() const {
  if (!data_ || wrap_) return sim::Time::max();
  return sim::Time::from_ns(typical_year_ns - start_position_ns_);
}

sim::Time Weather::next_hour(sim::Time t) const {
  if (!data_) return sim::Time::max();
  const std::int64_t pos = start_position_ns_ + t.ns();
  return sim::Time::from_ns((floor_div(pos, hour_ns) + 1) * hour_ns - start_position_ns_);
}

Conditions Weather::at(sim::Time t) const {
  if (!data_) return constant_;
  if (t < sim::Time::zero()) throw std::out_of_range("weather queried before t = 0");
  std::int64_t pos = start_position_ns_ + t.ns();
  if (wrap_) {
    if (pos < 0 || pos >= typical_year_ns) pos = floor_mod(pos, typical_year_ns);  // else itself
  } else if (pos > typical_year_ns) {
    throw std::out_of_range("weather queried past the end of " + data_->name +
                            " (the Site checks coverage; this is a caller bug)");
  }
  const auto n = static_cast<std::int64_t>(data_->hours());
  std::int64_t hour = pos / hour_ns;
  double frac = static_cast<double>(pos % hour_ns) / static_cast<double>(hour_ns);
  if (hour == n) {  // exactly Dec 31 24:00 without wrap: the last row, at its own time
    hour = n - 1;
    frac = 1.0;
  }
  // Instantaneous fields: row k sits at (k+1):00, so [hour, hour+1) lies between rows hour−1
  // (wrapped to the year's last row) and hour.
  const auto prev = static_cast<std::size_t>(hour == 0 ? n - 1 : hour - 1);
  const auto next = static_cast<std::size_t>(hour);
  auto lerp = [&](const std::vector<double>& v) { return v[prev] + (v[next] - v[prev]) * frac; };
  Conditions c;
  c.dry_bulb = sim::Celsius{lerp(data_->dry_bulb_c)};
  c.dew_point = sim::Celsius{lerp(data_->dew_point_c)};
  c.wet_bulb = sim::Celsius{lerp(wet_bulb_c_)};
  c.relative_humidity = std::min(1.0, lerp(data_->relative_humidity));
  c.humidity_ratio = lerp(humidity_ratio_);
  c.pressure = sim::Pascals(lerp(data_->pressure_pa));
  // Irradiation of the hour [hour, hour+1) in Wh/m² is its average irradiance in W/m².
  c.ghi = WattsPerSquareMeter(data_->ghi_wh_per_m2[next]);
  return c;
}

// ---------------------------------------------------------------- HourlySignal

HourlySignal::HourlySignal(double constant_value) : constant_(constant_value) {}

namespace {

// The start's offset into a series, in ns. With wrap, whole lengths of the series are dropped
// first (the same hour is read), so a start in any year fits; without, an offset beyond ±50
// years is clamped: such a series cannot cover the run, which Site reports as an InputError.
std::int64_t start_offset_ns(std::int64_t offset_s, std::size_t hours, bool wrap) {
  constexpr std::int64_t limit_s = 50LL * 366 * 86400;
  if (wrap && hours > 0)
    offset_s = floor_mod(offset_s, static_cast<std::int64_t>(hours) * seconds_per_hour_i);
  else
    offset_s = std::clamp(offset_s, -limit_s, limit_s);
  return offset_s * ns_per_s;
}

}  // namespace

HourlySignal::HourlySignal(HourlySeries series, double to_base, std::int64_t start_utc_s, bool wrap)
    : offset_ns_(start_offset_ns(start_utc_s - series.first_utc_s, series.values.size(), wrap)),
      wrap_(wrap) {
  base_.reserve(series.values.size());
  for (double v : series.values) base_.push_back(v * to_base);
  series_ = std::move(series);
}

double HourlySignal::at(sim::Time t) const {
  if (!series_) return constant_;
  const auto n = static_cast<std::int64_t>(base_.size());
  std::int64_t index = floor_div(offset_ns_ + t.ns(), hour_ns);
  if (wrap_) {
    // Within the series (a run's first pass through it) the index is its own remainder: no
    // 64-bit division by the series' length.
    if (index < 0 || index >= n) index = floor_mod(index, n);
  } else {
    // The instant that ends the last hour still reads that hour (closing an interval).
    if (index == n && floor_mod(offset_ns_ + t.ns(), hour_ns) == 0) index = n - 1;
    if (index < 0 || index >= n)
      throw std::out_of_range("hourly series " + series_->name +
                              " queried outside its coverage (the Site checks coverage; this "
                              "is a caller bug)");
  }
  return base_[static_cast<std::size_t>(index)];
}

sim::Time HourlySignal::next_change(sim::Time t) const {
  if (!series_) return sim::Time::max();
  return sim::Time::from_ns((floor_div(offset_ns_ + t.ns(), hour_ns) + 1) * hour_ns - offset_ns_);
}

bool HourlySignal::covers(sim::Time horizon) const {
  if (!series_ || wrap_) return true;
  const auto n = static_cast<std::int64_t>(base_.size());
  return offset_ns_ >= 0 && horizon.ns() <= n * hour_ns - offset_ns_;
}

// ---------------------------------------------------------------- spec

const sim::ModelDoc& site_doc() {
  static const sim::ModelDoc doc{
      "site",
      "site",
      "Where the data center is: outdoor weather (EPW typical year), grid carbon intensity and "
      "electricity price (hourly CSV, UTC), aligned on the site's local standard time.",
      {
          {"weather", "string", "none",
           "EnergyPlus Weather (.epw) file, relative to the scenario's directory; 'none' for "
           "constant outdoor air (dry_bulb, relative_humidity, pressure)"},
          {"dry_bulb", "degC", "20 degC", "constant outdoor dry-bulb, only without a weather file"},
          {"relative_humidity", "number", "50 %",
           "constant outdoor relative humidity, only without a weather file"},
          {"pressure", "Pa", "101.325 kPa",
           "constant outdoor pressure, only without a weather file"},
          {"carbon", "string", "400 gCO2e/kWh",
           "hourly carbon-intensity CSV (Electricity Maps columns, UTC), or a fixed intensity "
           "such as \"400 gCO2e/kWh\""},
          {"carbon_column", "string", "direct",
           "which Electricity Maps intensity to read: direct (combustion, Scope 2 "
           "location-based) or lca (life-cycle)"},
          {"price", "string", "none",
           "hourly price CSV (Datetime (UTC), Price (USD/MWh)), or a fixed price such as \"80 "
           "USD/MWh\"; none: no cost is computed (unless tariff.energy sets prices)"},
          {"tariff", "map", "none",
           "time-of-use energy periods and a monthly demand charge (see 'tariff')"},
          {"wrap", "bool", "true",
           "repeat the typical weather year and the CSV series for runs beyond their coverage; "
           "false makes such a run an error"},
          {"start", "string", "2023-01-01T00:00",
           "civil date-time of simulated t = 0, in the site's local standard time"},
          {"timezone", "number", "from the EPW LOCATION (0 without weather)",
           "UTC offset of local standard time in hours, e.g. -5 (overrides the EPW header)"},
      }};
  return doc;
}

namespace {

const bool documented = (sim::model_docs().push_back(&site_doc()), true);

std::string resolve(const std::string& path, const std::string& base_dir) {
  const std::filesystem::path p(path);
  if (p.is_absolute() || base_dir.empty()) return p.lexically_normal().string();
  return (std::filesystem::path(base_dir) / p).lexically_normal().string();
}

std::string existing_file(const sim::ParamReader& r, const char* key,
                          const std::string& scenario_dir) {
  const std::string given = r.string(key);
  const std::string base_dir = sim::directory_of(r.location(key), scenario_dir);
  const std::string path = resolve(given, base_dir);
  if (!sim::input_file_exists(path))
    r.fail(key, "names a file that does not exist: '" + path + "'" +
                    (base_dir.empty()
                         ? std::string()
                         : " (relative paths start at the directory of the file that names it, '" +
                               base_dir + "')"));
  return path;
}

// `key` holds either a quantity of dimension Q (a fixed value) or a path. Returns true and sets
// `fixed` for a quantity.
template <class Q>
bool fixed_or_path(const sim::ParamReader& r, const char* key, const char* example, Q& fixed) {
  const std::string text = r.string(key);
  sim::ParsedQuantity parsed;
  try {
    parsed = sim::parse_quantity(text);
  } catch (const sim::UnitError&) {
    return false;  // not a quantity: a path
  }
  if (!parsed.has_unit)
    r.fail(key, "must be a file path or a value with units such as \"" + std::string(example) +
                    "\", got '" + text + "'");
  try {
    fixed = sim::as<Q>(parsed);
  } catch (const sim::UnitError& e) {
    r.fail(key,
           "must be a file path or a value such as \"" + std::string(example) + "\": " + e.message);
  }
  return true;
}

}  // namespace

SiteSpec site_spec(const sim::ParamReader& r, const std::string& base_dir) {
  SiteSpec s;
  const std::string weather = r.string("weather");
  const bool has_weather = r.has("weather") && weather != "none";
  for (const char* key : {"dry_bulb", "relative_humidity", "pressure"})
    if (has_weather && r.has(key))
      throw sim::InputError(r.location(key),
                            r.path(key) + " sets constant weather, but a weather file is given",
                            r.location("weather"), "the weather file is named here");
  if (has_weather) {
    s.weather_path = existing_file(r, "weather", base_dir);
    s.weather_where = r.location("weather");
  }
  s.dry_bulb = r.celsius("dry_bulb", sim::Range::between(-70, 70));
  s.relative_humidity = r.number("relative_humidity", sim::Range::unit_interval());
  s.pressure = r.quantity<sim::Pascals>("pressure", sim::Range::between(31000, 120000));

  if (!fixed_or_path(r, "carbon", "400 gCO2e/kWh", s.carbon_fixed)) {
    s.carbon_path = existing_file(r, "carbon", base_dir);
    s.carbon_where = r.location("carbon");
  } else if (s.carbon_fixed.value() < 0) {
    r.fail("carbon", "must be >= 0");
  }
  s.carbon_column = r.choice("carbon_column", {"direct", "lca"}) == "lca" ? CarbonColumn::lca
                                                                          : CarbonColumn::direct;
  if (r.has("price") && r.string("price") != "none") {
    s.has_price = true;
    if (!fixed_or_path(r, "price", "80 USD/MWh", s.price_fixed)) {
      s.price_path = existing_file(r, "price", base_dir);
      s.price_where = r.location("price");
    }
  }
  if (const sim::ParamNode* tariff = r.node("tariff")) {
    if (!tariff->is_map())
      r.fail("tariff",
             "must be a map of keys (energy, off_peak, "
             "demand_charge)");
    s.tariff = tariff_spec(sim::ParamReader(tariff, tariff_doc()));
    if (!s.tariff.periods.empty() && s.has_price)
      throw sim::InputError(s.tariff.where,
                            r.path("tariff") +
                                ".energy sets time-of-use prices, but a price is "
                                "given as well",
                            r.location("price"), "the price is set here");
    if (!s.tariff.periods.empty()) s.has_price = true;
  }

  s.wrap = r.boolean("wrap");
  s.wrap_where = r.location("wrap");
  const std::string start = r.string("start");
  const auto parsed = parse_civil_time(start);
  if (!parsed)
    r.fail("start", "must be a date-time such as 2023-01-01T00:00 (local standard time), got '" +
                        start + "'");
  if (has_weather && typical_day_of_year(parsed->month, parsed->day) < 0)
    r.fail("start",
           "is Feb 29, which typical-year (EPW) weather does not have; start on Feb 28 "
           "or Mar 1");
  s.start = *parsed;
  s.start_where = r.location("start");
  if (r.has("timezone")) {
    s.utc_offset_h = r.number("timezone", sim::Range::between(-12, 14));
    s.timezone_where = r.location("timezone");
  }
  return s;
}

// ---------------------------------------------------------------- Site

sim::UsdPerJoule Site::price(sim::Time t) const {
  if (!tariff_.periods.empty()) return tou_price(tariff_, local_time(t));
  return sim::UsdPerJoule(price_.at(t));
}

namespace {

Weather make_weather(const SiteSpec& spec) {
  if (spec.weather_path.empty())
    return Weather(spec.dry_bulb, spec.relative_humidity, spec.pressure);
  return Weather(read_epw(spec.weather_path, spec.weather_where), spec.start, spec.wrap);
}

double site_utc_offset(const SiteSpec& spec, const Weather& weather) {
  if (spec.utc_offset_h) return *spec.utc_offset_h;
  return weather.data() ? weather.data()->location.utc_offset_h : 0.0;
}

std::int64_t utc_start(const SiteSpec& spec, double utc_offset_h) {
  return epoch_seconds(spec.start) -
         static_cast<std::int64_t>(std::llround(utc_offset_h * seconds_per_hour_i));
}

HourlySignal make_signal(const std::string& path, const sim::Location& where,
                         const std::string& time_column, const std::string& value_column,
                         double fixed_base, double to_base, bool non_negative,
                         std::int64_t start_utc_s, bool wrap) {
  if (path.empty()) return HourlySignal(fixed_base);
  return HourlySignal(read_hourly_csv(path, time_column, value_column, non_negative, where),
                      to_base, start_utc_s, wrap);
}

}  // namespace

Site::Site(const SiteSpec& spec, sim::Time horizon)
    : weather_(make_weather(spec)), carbon_(0.0), price_(0.0) {
  utc_offset_h_ = site_utc_offset(spec, weather_);
  start_local_s_ = epoch_seconds(spec.start);
  start_utc_s_ = utc_start(spec, utc_offset_h_);
  const std::string carbon_column(spec.carbon_column == CarbonColumn::lca ? carbon_lca_column
                                                                          : carbon_direct_column);
  carbon_ = make_signal(spec.carbon_path, spec.carbon_where, std::string(carbon_time_column),
                        carbon_column, spec.carbon_fixed.value(),
                        sim::parse_quantity("1 gCO2e/kWh").value,
                        /*non_negative=*/true, start_utc_s_, spec.wrap);
  price_ = make_signal(spec.price_path, spec.price_where, std::string(price_time_column),
                       std::string(price_column), spec.price_fixed.value(),
                       sim::parse_quantity("1 USD/MWh").value,
                       /*non_negative=*/false, start_utc_s_, spec.wrap);
  tariff_ = spec.tariff;
  has_price_ = spec.has_price;
  {
    const double usd_per_mwh = sim::parse_quantity("1 USD/MWh").value;
    char text[160];
    if (!tariff_.periods.empty())
      std::snprintf(text, sizeof text, "time-of-use, %zu periods, off-peak %.4g USD/MWh",
                    tariff_.periods.size(), tariff_.off_peak.value() / usd_per_mwh);
    else if (!spec.price_path.empty())
      std::snprintf(text, sizeof text, "hourly prices, %s",
                    std::filesystem::path(spec.price_path).filename().string().c_str());
    else if (has_price_)
      std::snprintf(text, sizeof text, "flat %.6g USD/MWh", spec.price_fixed.value() / usd_per_mwh);
    else
      std::snprintf(text, sizeof text, "none (no site.price: no energy cost computed)");
    tariff_text_ = text;
    if (tariff_.demand_charge) {
      std::snprintf(text, sizeof text, "; demand charge %.6g USD/kW-month on the 15-min peak",
                    tariff_.demand_charge->value() * 1e3);
      tariff_text_ += text;
    }
  }

  // Coverage, checked now so that a run never fails part-way.
  const std::string run = "the run (" + sim::to_string(horizon) + " from " + to_string(spec.start) +
                          " local standard time)";
  if (weather_.coverage_end() < horizon) {
    const double short_h = (horizon - weather_.coverage_end()).hours();
    throw sim::InputError(spec.weather_where, "site.weather: " + run +
                                                  " reaches past the end of the typical year in '" +
                                                  spec.weather_path + "' (Dec 31 24:00) by " +
                                                  hours_text(short_h) +
                                                  "; set site.wrap: true to repeat the year");
  }
  auto check = [&](const HourlySignal& s, const sim::Location& where, const char* key) {
    if (s.covers(horizon)) return;
    const HourlySeries& series = *s.series();
    const CivilTime first = civil_from_epoch_seconds(series.first_utc_s);
    const CivilTime end = civil_from_epoch_seconds(series.end_utc_s());
    const CivilTime a = civil_from_epoch_seconds(start_utc_s_);
    const CivilTime b = civil_from_epoch_seconds(start_utc_s_ + horizon.ns() / ns_per_s);
    throw sim::InputError(where, std::string("site.") + key + ": " + run + " spans " +
                                     to_string(a) + " to " + to_string(b) + " UTC, but '" +
                                     series.name + "' covers only " + to_string(first) + " to " +
                                     to_string(end) +
                                     " UTC; set site.wrap: true to repeat its year");
  };
  check(carbon_, spec.carbon_where, "carbon");
  check(price_, spec.price_where, "price");
}

CivilTime Site::utc_time(sim::Time t) const {
  return civil_from_epoch_seconds(start_utc_s_ + floor_div(t.ns(), ns_per_s));
}

CivilTime Site::local_time(sim::Time t) const {
  return civil_from_epoch_seconds(start_local_s_ + floor_div(t.ns(), ns_per_s));
}

}  // namespace joule::models::environment
