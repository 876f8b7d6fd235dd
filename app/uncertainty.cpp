// Coefficient distributions, sampling and the sensitivity regression (app/uncertainty.hpp).
#include "app/uncertainty.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <set>
#include <sstream>

#include "app/sweep.hpp"
#include "models/compute/accelerator_catalog.hpp"
#include "models/compute/cluster.hpp"
#include "models/compute/node.hpp"
#include "models/compute/user_catalog.hpp"
#include "models/cooling/chiller.hpp"
#include "models/power/ups.hpp"
#include "models/world/world_spec.hpp"
#include "sim/error.hpp"
#include "sim/units.hpp"

namespace joule::app {

namespace {

using models::compute::SourceKind;
using sim::ParamNode;
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// The rule per kind of source (docs/uncertainty.md explains the choice).
constexpr double measurement_rel_sd = 0.03;
constexpr double spec_rel_half = 0.10;
constexpr double estimate_rel_half = 0.30;

const ParamNode* at_path(const ParamNode& root, const std::string& path) {
  return find_key_path(root, path);
}

std::string scalar_at(const ParamNode& root, const std::string& path, const std::string& fallback) {
  const ParamNode* n = at_path(root, path);
  return n && n->is_scalar() ? n->scalar : fallback;
}

bool present(const ParamNode& root, const std::string& path) {
  const ParamNode* n = at_path(root, path);
  return n && n->kind != ParamNode::Kind::null;
}

// How a relative spread acts on a coefficient: on the value itself, on its complement (an
// efficiency: the loss 1 − η is what is uncertain) or on its excess over 1 (a PUE: the overhead).
enum class Form { direct, complement, excess };

// One entry of the registry of uncertain coefficients.
struct Entry {
  std::string path;      // scenario key
  std::string doc_kind;  // the ModelDoc declaring it (its unit and default)
  std::string doc_name;
  std::function<bool(const ParamNode&)> used;  // whether the scenario uses this model
  SourceKind kind;
  std::string basis;  // the source's own statement or the rule
  Form form = Form::direct;
  double lo = nan, hi = nan;  // a range the source states, in the key's unit
  double rel_sd = nan;        // a relative standard deviation the source states
  double min = 0, max = 1e300;
  // The nominal when the doc's default is no number (e.g. "by type"): in base units.
  std::function<double(const ParamNode&)> nominal = nullptr;
};

bool cooling_is(const ParamNode& r, const char* type) {
  return scalar_at(r, "cooling.type", "") == type;
}

// The scale on the MTBF of a `list` workload's training jobs (one coefficient for all of them).
const std::string list_mtbf_scale = "workload.jobs.failures.mtbf_scale";

// Indices of a `list` workload's training jobs whose failures are drawn (not `enabled: false`).
std::vector<std::size_t> list_training_jobs(const ParamNode& root) {
  std::vector<std::size_t> out;
  if (scalar_at(root, "workload.generator", "") != "list") return out;
  const ParamNode* jobs = at_path(root, "workload.jobs");
  if (!jobs || !jobs->is_sequence()) return out;
  for (std::size_t i = 0; i < jobs->items.size(); ++i) {
    const ParamNode& j = jobs->items[i];
    if (!j.is_map() || !j.find("training")) continue;
    if (scalar_at(j, "failures.enabled", "true") == "false") continue;
    out.push_back(i);
  }
  return out;
}

const std::vector<Entry>& registry() {
  static const std::vector<Entry> entries = [] {
    std::vector<Entry> e;
    const auto est = SourceKind::estimate, spec = SourceKind::spec, meas = SourceKind::measurement;
    // Power chain.
    const auto chain = [](const ParamNode& r) { return present(r, "power_chain"); };
    const auto ups = [](const ParamNode& r) {
      return present(r, "power_chain") &&
             scalar_at(r, "power_chain.ups.type", "double-conversion") != "none";
    };
    const auto ups_nominal = [](double models::power::UpsSpec::*field) {
      return [field](const ParamNode& r) {
        const ParamNode* n = at_path(r, "power_chain.ups");
        return models::power::ups_spec(sim::ParamReader(n, models::power::ups_doc())).*field;
      };
    };
    e.push_back({"power_chain.pdu_efficiency", "power_chain", "power_chain", chain, est,
                 "estimate (no source in the model): rule on the loss 1 - eta", Form::complement});
    // Double conversion: an estimate fitted to data sheets; eco: a vendor spec (ups.hpp).
    for (const bool eco : {false, true})
      for (auto [key, field] :
           {std::pair{"no_load_loss", &models::power::UpsSpec::no_load_loss},
            std::pair{"proportional_loss", &models::power::UpsSpec::proportional_loss},
            std::pair{"square_loss", &models::power::UpsSpec::square_loss}}) {
        Entry u{std::string("power_chain.ups.") + key,
                "power_chain",
                "ups",
                [ups, eco](const ParamNode& r) {
                  return ups(r) && (scalar_at(r, "power_chain.ups.type", "") == "eco") == eco;
                },
                eco ? spec : est,
                eco ? "models/power/ups.hpp: eco curve, vendor spec (Schneider Galaxy VX manual)"
                    : "models/power/ups.hpp: double-conversion curve, an estimate fitted to data "
                      "sheets"};
        u.nominal = ups_nominal(field);
        e.push_back(u);
      }
    e.push_back({"power_chain.transformer.no_load_loss", "power_chain", "transformer", chain, est,
                 "models/power/transformer.hpp: estimate for a 2500 kVA liquid-immersed unit"});
    e.push_back({"power_chain.transformer.load_loss", "power_chain", "transformer", chain, est,
                 "models/power/transformer.hpp: estimate"});
    e.push_back({"power_chain.room_cop", "power_chain", "power_chain", chain, spec,
                 "ASHRAE 90.1-2019 minimum efficiency (a standard's figure: spec)"});
    e.push_back({"power_chain.lighting", "power_chain", "power_chain", chain, est,
                 "estimate (ASHRAE 90.1 computer-room lighting allowance)"});

    // Cooling plants. Keys common to the CRAH plants.
    for (const char* type : {"chilled-water", "air"}) {
      const std::string t = type;
      const auto used = [t](const ParamNode& r) { return cooling_is(r, t.c_str()); };
      e.push_back({"cooling.fan_efficiency", "cooling", t, used, est,
                   "estimate (CRAH fan wire-to-air efficiency, no source in the model): rule on "
                   "the value"});
      e.push_back({"cooling.fan_pressure", "cooling", t, used, est,
                   "estimate (CRAH fan total pressure, no source in the model)"});
      e.push_back({"cooling.airflow_ratio", "cooling", t, used, est,
                   "estimate (contained aisles over-supply a few %): rule on the excess over 1",
                   Form::excess});
      Entry dt{"cooling.air_delta_t",
               "cooling",
               t,
               used,
               est,
               "the source's own range: ASHRAE TC 9.9 servers run 10-20 K"};
      dt.lo = 10, dt.hi = 20;
      e.push_back(dt);
    }
    const auto chw = [](const ParamNode& r) { return cooling_is(r, "chilled-water"); };
    e.push_back({"cooling.tower_approach", "cooling", "chilled-water", chw, est,
                 "EnergyPlus CoolingTower:VariableSpeed default (a model default, not this "
                 "site's tower): estimate"});
    e.push_back({"cooling.tower_fan_power", "cooling", "chilled-water", chw, est,
                 "estimate (tower fan power per W rejected)"});
    {
      Entry cop{"cooling.chiller_cop",
                "cooling",
                "chilled-water",
                chw,
                spec,
                "the chiller's rated COP (a vendor-rated point, EnergyPlus Chillers.idf; "
                "models/cooling/chiller.hpp): a scale on the EIR curves' level, their shape kept"};
      cop.nominal = [](const ParamNode& r) {
        return models::cooling::find_chiller(scalar_at(r, "cooling.chiller", "york-yk-2159kw"))
            ->cop;
      };
      e.push_back(cop);
    }
    e.push_back({"cooling.tower_min_airflow", "cooling", "chilled-water", chw, est,
                 "EnergyPlus CoolingTower:VariableSpeed default minimum air-flow ratio (a model "
                 "default, not this site's tower): estimate"});
    e.push_back({"cooling.basin_heater", "cooling", "chilled-water", chw, est,
                 "estimate (basin heater capacity: ~10 kW per 3.5 MW cell sized for -18 degC)"});
    e.push_back({"cooling.chw_pump_head", "cooling", "chilled-water", chw, est,
                 "estimate (design pump head)"});
    e.push_back({"cooling.cw_pump_head", "cooling", "chilled-water", chw, est,
                 "estimate (design pump head)"});
    e.push_back({"cooling.pump_efficiency", "cooling", "chilled-water", chw, est,
                 "estimate (pump wire-to-water efficiency)"});
    e.push_back({"cooling.hx_approach", "cooling", "chilled-water", chw, est,
                 "estimate (plate heat-exchanger approach)"});
    e.push_back({"cooling.latent_fraction", "cooling", "chilled-water", chw, est,
                 "CTI rule of thumb (0.00085 gpm per gpm and degF): estimate", Form::complement});
    const auto air = [](const ParamNode& r) { return cooling_is(r, "air"); };
    e.push_back(
        {"cooling.cop", "cooling", "air", air, spec, "rated compressor COP (a rating: spec)"});
    e.push_back({"cooling.condenser_fan_power", "cooling", "air", air, est,
                 "estimate (condenser fan power per W rejected)"});
    const auto liquid = [](const ParamNode& r) { return cooling_is(r, "liquid"); };
    {
      Entry cf{"cooling.capture_fraction",
               "cooling",
               "liquid",
               liquid,
               est,
               "the source's own range: cold-plate capture 0.70-0.85 (ASHRAE TC 9.9 Liquid Cooling "
               "Guidelines, 2nd ed. 2014; models/cooling/liquid_cooling.hpp)"};
      cf.lo = 0.70, cf.hi = 0.85;
      e.push_back(cf);
      Entry ca{"cooling.cdu_approach",
               "cooling",
               "liquid",
               liquid,
               est,
               "the source's own range: CDU plate-exchanger approach 2-5 K (vendor sheets; "
               "models/cooling/liquid_cooling.hpp)"};
      ca.lo = 2, ca.hi = 5;
      e.push_back(ca);
    }
    e.push_back({"cooling.capture_other", "cooling", "liquid", liquid, est,
                 "estimate (share of other IT heat on cold plates)"});
    e.push_back({"cooling.dry_cooler_fan_power", "cooling", "liquid", liquid, est,
                 "estimate (dry-cooler fan power per W rejected)"});
    e.push_back({"cooling.dry_cooler_approach", "cooling", "liquid", liquid, est,
                 "estimate (dry-cooler approach at design)"});
    e.push_back({"cooling.pump_efficiency", "cooling", "liquid", liquid, est,
                 "estimate (pump wire-to-water efficiency)"});
    e.push_back({"cooling.trim_cop", "cooling", "liquid",
                 [](const ParamNode& r) {
                   return cooling_is(r, "liquid") &&
                          scalar_at(r, "cooling.assist", "evaporative") == "trim-chiller";
                 },
                 spec, "trim chiller COP rated at 35 degC outdoor (a rating: spec)"});
    e.push_back({"cooling.evaporative_effectiveness", "cooling", "liquid", liquid, est,
                 "estimate (adiabatic pre-cooling effectiveness): rule on 1 - effectiveness",
                 Form::complement});
    e.push_back({"cooling.pue", "cooling", "fixed-pue",
                 [](const ParamNode& r) { return cooling_is(r, "fixed-pue"); }, meas,
                 "a published PUE (a measurement): rule on the overhead PUE - 1", Form::excess});

    // Workload: efficiency and failures.
    e.push_back({"workload.jobs.mfu", "workload", "llm-training.jobs",
                 [](const ParamNode& r) {
                   const ParamNode* m = at_path(r, "workload.jobs.mfu");
                   return scalar_at(r, "workload.generator", "") == "llm-training" &&
                          (!m || m->is_scalar());
                 },
                 est, "estimate (the scenario's or the generator's default MFU)"});
    {
      Entry f{"workload.failures.mtbf_per_gpu", "workload", "failures",
              // llm-training draws failures without the section too (Llama 3 defaults).
              [](const ParamNode& r) {
                return (present(r, "workload.failures") ||
                        scalar_at(r, "workload.generator", "") == "llm-training") &&
                       scalar_at(r, "workload.failures.enabled", "true") != "false";
              },
              meas,
              "the source's own spread: Llama 3 counted 419 interruptions, so the rate's "
              "Poisson standard error is 1/sqrt(419) = 4.9 %"};
      f.rel_sd = 1.0 / std::sqrt(419.0);
      e.push_back(f);
    }

    // Storage servers and drives.
    const auto storage = [](const ParamNode& r) {
      return present(r, "cluster.storage") && scalar_at(r, "cluster.storage.servers", "0") != "0";
    };
    {
      Entry d{"cluster.storage.drive_idle_power",
              "cluster section",
              "storage",
              storage,
              est,
              "the source's own range: enterprise U.2 NVMe datasheets, idle 5-8 W "
              "(models/compute/storage_system.hpp)"};
      d.lo = 5, d.hi = 8;
      e.push_back(d);
      Entry a{"cluster.storage.drive_active_power",
              "cluster section",
              "storage",
              storage,
              est,
              "the source's own range: enterprise U.2 NVMe datasheets, active 14-25 W "
              "(models/compute/storage_system.hpp)"};
      a.lo = 14, a.hi = 25;
      e.push_back(a);
    }
    e.push_back({"cluster.storage.server_idle_power", "cluster section", "storage", storage, est,
                 "estimate (storage server without drives, idle)"});
    e.push_back({"cluster.storage.server_max_power", "cluster section", "storage", storage, est,
                 "estimate (storage server without drives, full bandwidth)"});

    // Network switches.
    for (const char* type : {"fat-tree", "rail-optimized"}) {
      const std::string t = type;
      const auto used = [t](const ParamNode& r) {
        return scalar_at(r, "cluster.network.type", "") == t;
      };
      e.push_back({"cluster.network.switch_chassis_power", "network", t, used, est,
                   "estimate (QM9700-class 64-port switch without ports)"});
      e.push_back({"cluster.network.switch_port_power", "network", t, used, est,
                   "estimate (power per active port)"});
    }
    (void)meas;
    return e;
  }();
  return entries;
}

const sim::KeyDoc* declared(const std::string& kind, const std::string& name,
                            const std::string& key) {
  for (const sim::ModelDoc* d : sim::model_docs())
    if (d->kind == kind && d->name == name)
      for (const auto& k : d->keys)
        if (k.name == key) return &k;
  return nullptr;
}

// Base units per unit of `unit` ("h": 3600); 1 for "number" and bare numbers.
double unit_factor(const std::string& unit) {
  if (unit == "number" || unit == "list" || unit.empty()) return 1.0;
  return sim::parse_quantity("1 " + unit).value;
}

std::optional<double> parse_number(const std::string& text) {
  try {
    const sim::ParsedQuantity q = sim::parse_quantity(text);
    if (q.affine_offset != 0) return std::nullopt;
    return q.value;
  } catch (const sim::UnitError&) {
    return std::nullopt;
  }
}

// A distribution from the rule for `kind`, or from the source's own spread.
Distribution distribution(double nominal, SourceKind kind, Form form, double lo, double hi,
                          double rel_sd, double min, double max) {
  Distribution d;
  d.nominal = nominal;
  d.min = min;
  d.max = max;
  if (std::isfinite(lo)) {
    d.shape = Distribution::Shape::uniform;
    d.lo = lo, d.hi = hi;
    return d;
  }
  // The quantity the relative spread acts on, and back.
  const double base = form == Form::complement ? 1 - nominal
                      : form == Form::excess   ? nominal - 1
                                               : nominal;
  const double sign = form == Form::complement ? -1 : 1;
  if (std::isfinite(rel_sd) || kind == SourceKind::measurement) {
    d.shape = Distribution::Shape::normal;
    d.sd = std::abs(base) * (std::isfinite(rel_sd) ? rel_sd : measurement_rel_sd);
    return d;
  }
  const double half =
      std::abs(base) * (kind == SourceKind::spec ? spec_rel_half : estimate_rel_half);
  d.shape = Distribution::Shape::uniform;
  d.lo = nominal - sign * half;
  d.hi = nominal + sign * half;
  if (d.lo > d.hi) std::swap(d.lo, d.hi);
  return d;
}

std::string rule_text(SourceKind kind) {
  switch (kind) {
    case SourceKind::measurement:
      return "rule for a measurement: normal, sd 3 %";
    case SourceKind::spec:
      return "rule for a vendor spec: uniform +-10 %";
    case SourceKind::estimate:
      return "rule for an estimate: uniform +-30 %";
  }
  return "";
}

// Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9).
double normal_quantile(double p) {
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  const double lo = 0.02425, hi = 1 - lo;
  if (p < lo) {
    const double q = std::sqrt(-2 * std::log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > hi) {
    const double q = std::sqrt(-2 * std::log(1 - p));
    return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const double q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// The `uncertainty:` section: key → {range: [lo, hi]} | {relative: x} | {sd: x} | none.
struct UserSpread {
  const ParamNode* node = nullptr;
  std::string key;
  sim::Location key_where;
};

std::vector<UserSpread> user_spreads(const Scenario& sc) {
  std::vector<UserSpread> out;
  const ParamNode* u = sc.root.find("uncertainty");
  if (!u || u->kind == ParamNode::Kind::null) return out;
  if (!u->is_map())
    throw sim::InputError(u->where, "uncertainty must be a map of scenario keys to spreads");
  for (const auto& entry : u->entries) out.push_back({&entry.value, entry.key, entry.key_where});
  return out;
}

// Applies a user spread to `c` (whose nominal is set).
void apply_user_spread(Coefficient& c, const UserSpread& s, bool& fixed) {
  const ParamNode& v = *s.node;
  fixed = false;
  if (v.is_scalar() && v.scalar == "none") {
    fixed = true;
    return;
  }
  if (!v.is_map() || v.entries.size() != 1)
    throw sim::InputError(v.where, "uncertainty." + s.key +
                                       " must be none or one of {range: [min, max]}, "
                                       "{relative: 10 %} (uniform +-), {sd: 5 %} (normal)");
  const auto& [key, key_where, value] = v.entries.front();
  const double factor = unit_factor(c.unit);
  const auto parse = [&](const ParamNode& n) {
    if (!n.is_scalar()) throw sim::InputError(n.where, "must be a number or a quantity");
    const sim::ParsedQuantity q = sim::parse_at(n.scalar, n.where, s.key);
    return q.has_unit ? q.value : q.value * factor;
  };
  Distribution& d = c.dist;
  if (key == "range") {
    if (!value.is_sequence() || value.items.size() != 2)
      throw sim::InputError(value.where, "range must be [min, max]");
    d.shape = Distribution::Shape::uniform;
    d.lo = parse(value.items[0]);
    d.hi = parse(value.items[1]);
    if (!(d.lo <= d.hi))
      throw sim::InputError(value.where, "range must be [min, max] with min <= max");
    c.basis = "the scenario's range (uncertainty." + s.key + ")";
  } else if (key == "relative" || key == "sd") {
    if (!value.is_scalar()) throw sim::InputError(value.where, key + " must be a number");
    const double rel = sim::parse_at(value.scalar, value.where, s.key).value;
    if (!(rel >= 0)) throw sim::InputError(value.where, key + " must be >= 0");
    if (key == "relative") {
      d.shape = Distribution::Shape::uniform;
      d.lo = d.nominal * (1 - rel);
      d.hi = d.nominal * (1 + rel);
      if (d.lo > d.hi) std::swap(d.lo, d.hi);
    } else {
      d.shape = Distribution::Shape::normal;
      d.sd = std::abs(d.nominal) * rel;
    }
    c.basis = "the scenario's spread (uncertainty." + s.key + ": " + key + " " + value.scalar + ")";
  } else {
    throw sim::InputError(key_where, "unknown spread '" + key + "'. Valid: range, relative, sd");
  }
}

// Catalog numbers whose source states its own spread (accelerator_catalog.cpp): used instead
// of the rule while the number is the catalog's (no calibration file).
struct CatalogSpread {
  const char* chip;
  const char* coefficient;
  double lo, hi;  // W
  const char* basis;
};
constexpr CatalogSpread catalog_spreads[] = {
    {"h100-sxm", "accelerator.idle_power", 67, 71,
     "the source's own range: measured idle without context 67-71 W"},
    {"h200", "accelerator.idle_power", 73, 76,
     "the source's own range: measured idle without context 73-76 W"},
    {"a100-sxm-80gb", "accelerator.idle_power", 42, 51,
     "the source's own range: measured idle without context 42-51 W"},
    {"v100-sxm2", "accelerator.idle_power", 35, 45,
     "the source's own range: V100 SXM2 idles at 35-45 W in nvidia-smi logs"},
};

// The user-catalog key (user_catalog.cpp) of an accelerator coefficient: accelerator.idle_power
// → idle, accelerator.energy.tensor_bf16 → energy_bf16, accelerator.energy.hbm → energy_hbm.
std::string catalog_key(const std::string& coefficient) {
  if (coefficient == "accelerator.idle_power") return "idle";
  if (coefficient == "accelerator.context_power") return "context";
  const std::string energy = "accelerator.energy.";
  if (coefficient.rfind(energy, 0) != 0) return "";
  std::string op = coefficient.substr(energy.size());
  if (op.rfind("tensor_", 0) == 0) op = op.substr(7);
  return "energy_" + op;
}

// A spread the user catalog states for the number (`spread:` of the entry's key).
void apply_stated_spread(Coefficient& c, const models::compute::StatedSpread& s,
                         const std::string& where) {
  using Shape = models::compute::StatedSpread::Shape;
  Distribution& d = c.dist;
  if (s.shape == Shape::range) {
    d.shape = Distribution::Shape::uniform;
    d.lo = s.lo;
    d.hi = s.hi;
  } else if (s.shape == Shape::relative) {
    d.shape = Distribution::Shape::uniform;
    d.lo = d.nominal * (1 - s.share);
    d.hi = d.nominal * (1 + s.share);
  } else {
    d.shape = Distribution::Shape::normal;
    d.sd = std::abs(d.nominal) * s.share;
  }
  c.basis = "the user catalog's spread (" + where + ".spread): " + s.source;
}

// The accelerator's numbers, set through an inline calibration (cluster.node.calibration).
struct CalibrationTarget {
  models::compute::Calibration calibration;
  std::vector<std::pair<std::string, std::size_t>> ops;  // coefficient name → op index
};

// The calibration of pool `pool`'s node (the single-node form: pool 0, `cluster.node`).
models::compute::Calibration scenario_calibration(const Scenario& sc,
                                                  const models::compute::ClusterSpec& cluster,
                                                  std::size_t pool) {
  models::compute::Calibration c =
      models::compute::default_calibration(*cluster.pools[pool].node.accelerator);
  const models::world::WorldSections s = world_sections(sc);
  const sim::ParamNode* file = s.calibration.get();
  if (cluster.pooled)
    file = pool < s.pool_calibrations.size() ? s.pool_calibrations[pool].get() : nullptr;
  if (file) c = models::compute::overlay(c, models::compute::calibration_from_params(*file));
  return c;
}

std::string quantity_text(double v, const char* unit) {
  return "\"" + num(v) + " " + unit + "\"";
}

// The inline calibration (flow YAML) with the sampled accelerator numbers.
// `prefix`: what the accelerator coefficients' names start with ("" in the single-node form,
// "cluster.pools[NAME]." for a pool's).
std::string calibration_text(models::compute::Calibration c,
                             const std::vector<Coefficient>& coefficients,
                             const std::vector<double>& values, const std::string& prefix) {
  using models::compute::op_count;
  using models::compute::op_names;
  for (std::size_t i = 0; i < coefficients.size(); ++i) {
    if (coefficients[i].name.rfind(prefix + "accelerator.", 0) != 0) continue;
    const std::string n = coefficients[i].name.substr(prefix.size());
    if (n == "accelerator.idle_power") c.static_power.idle_power = sim::Watts(values[i]);
    if (n == "accelerator.context_power") c.static_power.context_power = sim::Watts(values[i]);
    for (std::size_t k = 0; k < op_count; ++k)
      if (n == "accelerator.energy." + std::string(op_names[k])) c.energy_per_op[k] = values[i];
  }
  if (c.static_power.context_power && *c.static_power.context_power < c.static_power.idle_power)
    c.static_power.context_power = c.static_power.idle_power;
  std::ostringstream out;
  out << "{format: joule-calibration/1, chip: " << c.chip
      << ", kind: estimate, source: \"joule run --uncertainty sample\", static: {idle_power: "
      << quantity_text(c.static_power.idle_power.value(), "W")
      << ", reference_temp: " << quantity_text(c.static_power.reference_temp.value, "degC")
      << ", leakage_per_kelvin: " << num(c.static_power.leakage_per_kelvin);
  if (c.static_power.context_power)
    out << ", context_power: " << quantity_text(c.static_power.context_power->value(), "W");
  out << "}, energy_per_op: {";
  bool first = true;
  for (std::size_t k = 0; k < op_count; ++k)
    if (c.energy_per_op[k]) {
      const bool bytes = models::compute::is_bytes(static_cast<models::compute::Op>(k));
      out << (first ? "" : ", ") << op_names[k] << ": "
          << quantity_text(*c.energy_per_op[k], bytes ? "J/B" : "J/FLOP");
      first = false;
    }
  out << "}";
  if (c.dvfs && c.dvfs->beta_w_per_ghz3 + c.dvfs->tau_w_per_ghz > 0)
    out << ", dvfs: {nominal_clock: " << quantity_text(c.dvfs->nominal_clock.value(), "Hz")
        << ", beta_w_per_ghz3: " << num(c.dvfs->beta_w_per_ghz3)
        << ", tau_w_per_ghz: " << num(c.dvfs->tau_w_per_ghz)
        << ", p_const_w: " << num(c.dvfs->p_const_w) << "}";
  out << "}";
  return out.str();
}

}  // namespace

double Distribution::quantile(double u) const {
  double v = 0;
  if (shape == Shape::uniform) {
    v = lo + u * (hi - lo);
  } else {
    const double p = std::clamp(u, 1e-12, 1 - 1e-12);
    v = nominal + sd * normal_quantile(p);
  }
  return std::clamp(v, min, max);
}

std::string Distribution::describe() const {
  char buf[128];
  if (shape == Shape::uniform)
    std::snprintf(buf, sizeof buf, "uniform [%.6g, %.6g]", lo, hi);
  else
    std::snprintf(buf, sizeof buf, "normal %.6g sd %.6g", nominal, sd);
  return buf;
}

const sim::ModelDoc& uncertainty_doc() {
  static const sim::ModelDoc doc{
      "uncertainty",
      "uncertainty",
      "Spreads of coefficients for `joule run --uncertainty N` (docs/uncertainty.md): each key "
      "is a scenario key (e.g. cooling.fan_efficiency, accelerator.energy.tensor_bf16), each "
      "value one of these",
      {{"range", "list", "-", "[min, max]: uniform between, in the key's unit"},
       {"relative", "number", "-", "uniform within +- this share of the nominal (10 %)"},
       {"sd", "number", "-", "normal with this relative standard deviation (5 %)"},
       {"none", "string", "-", "`key: none` keeps the coefficient at its nominal value"}}};
  return doc;
}

namespace {
const bool documented = (sim::model_docs().push_back(&uncertainty_doc()), true);
}  // namespace

std::vector<Coefficient> scenario_coefficients(const Scenario& sc) {
  const ParamNode& root = sc.root;
  std::vector<Coefficient> out;
  const std::vector<UserSpread> spreads = user_spreads(sc);
  std::set<std::string> matched;
  const auto user_for = [&](const std::string& name) -> const UserSpread* {
    for (const auto& s : spreads)
      if (s.key == name) return &s;
    return nullptr;
  };
  const auto finish = [&](Coefficient c) {
    if (const UserSpread* s = user_for(c.name)) {
      matched.insert(c.name);
      bool fixed = false;
      apply_user_spread(c, *s, fixed);
      if (fixed) return;
    }
    out.push_back(std::move(c));
  };

  // The accelerator (through the calibration) and the node type.
  const sim::ParamReader cluster_reader(root.find("cluster"), models::compute::cluster_doc());
  const models::compute::ClusterSpec cluster = models::compute::cluster_spec(cluster_reader);
  // A cluster of node pools (`cluster.pools`): each pool's numbers through its own keys
  // (cluster.pools[NAME].node.*, its accelerator's through cluster.pools[NAME].node.calibration).
  const bool pooled = present(root, "cluster.pools");
  // A node section's own numbers: "cluster.node", or a pool's "cluster.pools[NAME].node", its
  // accelerator's named `prefix` + "accelerator.…" (set through the section's calibration).
  const auto add_node = [&](const std::string& node_key, const std::string& prefix,
                            const models::compute::NodeSpec& node, std::size_t pool) {
    if (scalar_at(root, node_key + ".model", "operation") != "operation") return;
    const models::compute::Calibration cal = scenario_calibration(sc, cluster, pool);
    const models::compute::AcceleratorSpec& chip = *node.accelerator;
    const bool from_file = present(root, node_key + ".calibration");
    const auto kind_of = [&](SourceKind catalog) { return from_file ? cal.kind : catalog; };
    const auto add = [&](std::string name, const char* unit, double nominal, SourceKind kind,
                         const std::string& source) {
      Coefficient c{prefix + name, unit, kind, {}, rule_text(kind) + "; nominal: " + source};
      c.dist = distribution(nominal, kind, Form::direct, nan, nan, nan, 0, 1e300);
      for (const auto& cs : catalog_spreads)
        if (!from_file && chip.id == cs.chip && name == cs.coefficient) {
          c.dist = distribution(nominal, kind, Form::direct, cs.lo, cs.hi, nan, 0, 1e300);
          c.basis = cs.basis;
        }
      if (!from_file)
        if (const auto stated = models::compute::user_catalog_spread(chip.id, catalog_key(name)))
          apply_stated_spread(c, *stated, chip.id + "." + catalog_key(name));
      finish(std::move(c));
    };
    add("accelerator.idle_power", "W", cal.static_power.idle_power.value(),
        kind_of(chip.idle_w.kind), chip.idle_w.source);
    if (cal.static_power.context_power)
      add("accelerator.context_power", "W", cal.static_power.context_power->value(),
          kind_of(chip.context_w.kind), chip.context_w.source);
    using models::compute::Op;
    for (Op op : {Op::tensor_bf16, Op::tensor_fp16, Op::tensor_fp8, Op::hbm, Op::nvlink}) {
      const auto k = static_cast<std::size_t>(op);
      if (!cal.energy_per_op[k] || !(*cal.energy_per_op[k] > 0) || !(chip.peak[k].value > 0))
        continue;
      add("accelerator.energy." + std::string(models::compute::op_names[k]),
          models::compute::is_bytes(op) ? "J/B" : "J/FLOP", *cal.energy_per_op[k],
          kind_of(chip.energy_j[k].kind), chip.energy_j[k].source);
    }
    // Node fans (a node key; the catalog gives the nominal and its kind).
    const auto& fan = node.type->fan_max_w;
    const ParamNode* set = at_path(root, node_key + ".fan_max_power");
    const double nominal = set && set->is_scalar() ? *parse_number(set->scalar) : fan.value;
    Coefficient c{node_key + ".fan_max_power",
                  "W",
                  fan.kind,
                  {},
                  rule_text(fan.kind) + "; nominal: " + fan.source};
    c.dist = distribution(nominal, fan.kind, Form::direct, nan, nan, nan, 0, 1e300);
    if (!set)
      if (const auto stated = models::compute::user_catalog_spread(node.type->id, "fan_max"))
        apply_stated_spread(c, *stated, node.type->id + ".fan_max");
    finish(std::move(c));
    // The host's catalog numbers, through their node keys (node_overrides()).
    const models::compute::NodeType& type = *node.type;
    for (const auto& o : models::compute::node_overrides()) {
      const auto& field = type.*o.field;
      const std::string name = node_key + "." + o.key;
      const bool share = std::string_view(o.unit) != "W";
      Coefficient h{
          name, o.unit, field.kind, {}, rule_text(field.kind) + "; nominal: " + field.source};
      h.dist = distribution(field.value, field.kind, Form::direct, nan, nan, nan, 0,
                            share ? 1.0 : 1e300);
      if (!present(root, name))
        if (const auto stated = models::compute::user_catalog_spread(type.id, o.catalog))
          apply_stated_spread(h, *stated, type.id + "." + o.catalog);
      finish(std::move(h));
    }
    // The PSUs' loss: the 80 PLUS points are certification minima (a spec), so the rule for a
    // spec acts on the loss, through psu_loss_scale.
    const ParamNode* scale = at_path(root, node_key + ".psu_loss_scale");
    const double scale_nominal =
        scale && scale->is_scalar() ? parse_number(scale->scalar).value_or(1.0) : 1.0;
    Coefficient psu{node_key + ".psu_loss_scale",
                    "number",
                    SourceKind::spec,
                    {},
                    rule_text(SourceKind::spec) + " on the loss 1/eta - 1; nominal: the " +
                        node.psu.curve->name +
                        " curve, 80 PLUS 230 V internal redundant minimum efficiencies "
                        "(models/power/psu.hpp)"};
    psu.dist = distribution(scale_nominal, SourceKind::spec, Form::direct, nan, nan, nan, 0, 1e300);
    finish(std::move(psu));
  };
  if (!pooled) add_node("cluster.node", "", cluster.node, 0);
  for (std::size_t p = 0; pooled && p < cluster.pools.size(); ++p) {
    const std::string prefix = "cluster.pools[" + cluster.pools[p].name + "].";
    add_node(prefix + "node", prefix, cluster.pools[p].node, p);
  }

  // Facility and workload keys of a registry entry, read in `r` at the entry's path and sampled
  // under `name`.
  const auto add_entry = [&](const Entry& e, const ParamNode& r, const std::string& name) {
    if (!e.used(r)) return;
    const std::string key = e.path.substr(e.path.rfind('.') + 1);
    const sim::KeyDoc* doc = declared(e.doc_kind, e.doc_name, key);
    if (!doc) return;
    const ParamNode* set = at_path(r, e.path);
    std::optional<double> nominal;
    if (set && set->is_scalar()) nominal = parse_number(set->scalar);
    if (!set && !nominal) nominal = parse_number(doc->default_value);
    if (!nominal && !set && e.nominal) nominal = e.nominal(r);
    if (!nominal) return;  // not a number here (a list, "auto")
    const double factor = unit_factor(doc->unit);
    const double max = e.form == Form::complement ? 1.0 : 1e300;
    Coefficient c{
        name,
        doc->unit,
        e.kind,
        {},
        (std::isfinite(e.lo) || std::isfinite(e.rel_sd) ? "" : rule_text(e.kind) + "; ") + e.basis};
    c.dist =
        distribution(*nominal, e.kind, e.form, e.lo * factor, e.hi * factor, e.rel_sd, e.min, max);
    finish(std::move(c));
  };
  for (const Entry& e : registry()) add_entry(e, root, e.path);
  // A pool's own cooling zone (cluster.pools[NAME].cooling): the cooling entries, read in a tree
  // whose `cooling:` is the pool's.
  if (const ParamNode* pools = at_path(root, "cluster.pools"); pools && pools->is_sequence())
    for (const ParamNode& item : pools->items) {
      const ParamNode* cooling = item.is_map() ? item.find("cooling") : nullptr;
      const ParamNode* name = item.is_map() ? item.find("name") : nullptr;
      if (!cooling || !name || !name->is_scalar()) continue;
      ParamNode zone;
      zone.kind = ParamNode::Kind::map;
      zone.entries.push_back({"cooling", cooling->where, *cooling});
      for (const Entry& e : registry())
        if (e.path.rfind("cooling.", 0) == 0)
          add_entry(e, zone, "cluster.pools[" + name->scalar + "]." + e.path);
    }

  // Failures of a `list` workload's training jobs: each job has its own `failures:` map (absent:
  // the defaults, Llama 3's rate), so one factor scales every such job's MTBF, with the spread
  // of workload.failures.mtbf_per_gpu (the same hardware fails at the same uncertain rate).
  if (!list_training_jobs(root).empty()) {
    Coefficient f{list_mtbf_scale,
                  "number",
                  SourceKind::measurement,
                  {},
                  "the source's own spread: Llama 3 counted 419 interruptions, so the rate's "
                  "Poisson standard error is 1/sqrt(419) = 4.9 %; a factor on each training "
                  "job's failures.mtbf_per_gpu"};
    f.dist = distribution(1.0, SourceKind::measurement, Form::direct, nan, nan,
                          1.0 / std::sqrt(419.0), 0, 1e300);
    finish(std::move(f));
  }

  // Keys only the `uncertainty:` section names: any numeric key the scenario sets.
  for (const auto& s : spreads) {
    if (matched.count(s.key)) continue;
    bool known = false;
    for (const auto& c : out) known = known || c.name == s.key;
    if (known) continue;
    const ParamNode* set = at_path(root, s.key);
    const std::optional<double> nominal =
        set && set->is_scalar() ? parse_number(set->scalar) : std::nullopt;
    if (!nominal) {
      bool registered = false;
      for (const Entry& e : registry()) registered = registered || e.path == s.key;
      throw sim::InputError(
          s.key_where,
          registered ? "uncertainty: '" + s.key + "' is not used by this scenario's models"
                     : "uncertainty: '" + s.key +
                           "' is neither a sampled coefficient nor a number this scenario sets "
                           "(set it in the scenario to give it a spread)");
    }
    // Its unit is what follows the number as written ("600 W" → W), a bare number "number".
    const std::string text = set->scalar;
    const std::size_t space = text.find_first_of(" \t");
    Coefficient c{s.key,
                  space == std::string::npos ? "number" : text.substr(space + 1),
                  SourceKind::estimate,
                  {},
                  ""};
    c.dist.nominal = *nominal;
    bool fixed = false;
    apply_user_spread(c, s, fixed);
    if (!fixed) out.push_back(std::move(c));
  }
  return out;
}

Scenario sample_scenario(const Scenario& sc, const std::vector<Coefficient>& coefficients,
                         const std::vector<double>& values) {
  Scenario out = sc;
  bool accelerator = false;
  // A host component's idle power stays at or below its maximum (their ranges can overlap),
  // as the node's keys require: the idle draw is held at the maximum drawn with it.
  std::vector<double> v = values;
  const auto index = [&](const std::string& name) {
    for (std::size_t i = 0; i < coefficients.size(); ++i)
      if (coefficients[i].name == name) return i;
    return coefficients.size();
  };
  const std::string idle_suffix = "_idle_power";
  for (std::size_t idle = 0; idle < coefficients.size(); ++idle) {  // every node section's
    const std::string& name = coefficients[idle].name;
    if (name.size() <= idle_suffix.size() ||
        name.compare(name.size() - idle_suffix.size(), idle_suffix.size(), idle_suffix) != 0)
      continue;
    const std::size_t max = index(name.substr(0, name.size() - idle_suffix.size()) + "_max_power");
    if (max < v.size()) v[idle] = std::min(v[idle], v[max]);
  }
  for (std::size_t i = 0; i < coefficients.size(); ++i) {
    const Coefficient& c = coefficients[i];
    if (c.name.rfind("accelerator.", 0) == 0 ||
        (c.name.rfind("cluster.pools[", 0) == 0 &&
         c.name.find("].accelerator.") != std::string::npos)) {
      accelerator = true;
      continue;
    }
    if (c.name == list_mtbf_scale) {
      // Each training job's own MTBF (or the default) times the factor, in seconds.
      const double default_s =
          *parse_number(declared("workload", "failures", "mtbf_per_gpu")->default_value);
      auto& jobs = const_cast<ParamNode&>(*at_path(out.root, "workload.jobs"));
      for (std::size_t j : list_training_jobs(sc.root)) {
        const ParamNode* own = at_path(jobs.items[j], "failures.mtbf_per_gpu");
        const double mtbf_s =
            own && own->is_scalar() ? parse_number(own->scalar).value_or(default_s) : default_s;
        apply_set(jobs.items[j], "failures.mtbf_per_gpu=" + num(mtbf_s * v[i]) + " s");
      }
      continue;
    }
    const double factor = unit_factor(c.unit);
    const std::string unit = c.unit == "number" || c.unit == "list" ? "" : " " + c.unit;
    apply_set(out.root, c.name + "=" + num(v[i] / factor) + unit);
  }
  if (accelerator) {  // each node section's accelerator through its calibration
    const sim::ParamReader r(sc.root.find("cluster"), models::compute::cluster_doc());
    const models::compute::ClusterSpec cluster = models::compute::cluster_spec(r);
    for (std::size_t p = 0; p < (cluster.pooled ? cluster.pools.size() : 1); ++p) {
      const std::string prefix =
          cluster.pooled ? "cluster.pools[" + cluster.pools[p].name + "]." : "";
      bool sampled = false;
      for (const auto& c : coefficients)
        sampled = sampled || c.name.rfind(prefix + "accelerator.", 0) == 0;
      if (!sampled) continue;
      const models::compute::Calibration cal = scenario_calibration(sc, cluster, p);
      apply_set(out.root, (cluster.pooled ? prefix + "node" : "cluster.node") + ".calibration=" +
                              calibration_text(cal, coefficients, values, prefix));
    }
  }
  return out;
}

std::vector<std::vector<double>> sample_coefficients(const std::vector<Coefficient>& coefficients,
                                                     std::size_t count, std::uint64_t seed) {
  std::vector<std::vector<double>> out;
  if (count == 1) {
    std::vector<double> nominal;
    for (const auto& c : coefficients) nominal.push_back(c.dist.nominal);
    out.push_back(nominal);
    return out;
  }
  for (const auto& u : latin_hypercube(count, coefficients.size(), seed)) {
    std::vector<double> point;
    for (std::size_t d = 0; d < coefficients.size(); ++d)
      point.push_back(coefficients[d].dist.quantile(u[d]));
    out.push_back(point);
  }
  return out;
}

double quantile(std::vector<double> v, double q) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return std::isnan(x); }), v.end());
  if (v.empty()) return nan;
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto i = static_cast<std::size_t>(std::floor(pos));
  if (i + 1 >= v.size()) return v.back();
  const double f = pos - static_cast<double>(i);
  return v[i] + f * (v[i + 1] - v[i]);
}

Sensitivity standardized_regression(const std::vector<std::vector<double>>& x,
                                    const std::vector<double>& y) {
  const std::size_t n = y.size(), p = x.empty() ? 0 : x.front().size();
  Sensitivity s;
  s.src.assign(p, nan);
  s.r2 = nan;
  if (n < p + 2) return s;
  const auto mean_sd = [n](const std::function<double(std::size_t)>& at) {
    double m = 0;
    for (std::size_t i = 0; i < n; ++i) m += at(i);
    m /= static_cast<double>(n);
    double v = 0;
    for (std::size_t i = 0; i < n; ++i) v += (at(i) - m) * (at(i) - m);
    return std::pair{m, std::sqrt(v / static_cast<double>(n - 1))};
  };
  const auto [ym, ysd] = mean_sd([&](std::size_t i) { return y[i]; });
  for (double v : y)
    if (std::isnan(v)) return s;
  std::fill(s.src.begin(), s.src.end(), 0.0);
  if (!(ysd > 0)) {
    s.r2 = nan;
    return s;
  }
  // Standardized columns with spread; others stay at 0.
  std::vector<std::size_t> cols;
  std::vector<std::pair<double, double>> ms(p);
  for (std::size_t j = 0; j < p; ++j) {
    ms[j] = mean_sd([&](std::size_t i) { return x[i][j]; });
    if (ms[j].second > 0) cols.push_back(j);
  }
  const std::size_t q = cols.size();
  // Normal equations (Z'Z) b = Z'y, solved by Gaussian elimination with partial pivoting.
  std::vector<std::vector<double>> a(q, std::vector<double>(q + 1, 0.0));
  const auto z = [&](std::size_t i, std::size_t c) {
    const std::size_t j = cols[c];
    return (x[i][j] - ms[j].first) / ms[j].second;
  };
  for (std::size_t i = 0; i < n; ++i) {
    const double yz = (y[i] - ym) / ysd;
    for (std::size_t r = 0; r < q; ++r) {
      const double zr = z(i, r);
      for (std::size_t c = 0; c < q; ++c) a[r][c] += zr * z(i, c);
      a[r][q] += zr * yz;
    }
  }
  for (std::size_t k = 0; k < q; ++k) {
    std::size_t piv = k;
    for (std::size_t r = k + 1; r < q; ++r)
      if (std::abs(a[r][k]) > std::abs(a[piv][k])) piv = r;
    std::swap(a[k], a[piv]);
    if (std::abs(a[k][k]) < 1e-12) {
      std::fill(s.src.begin(), s.src.end(), nan);
      return s;
    }
    for (std::size_t r = 0; r < q; ++r) {
      if (r == k) continue;
      const double f = a[r][k] / a[k][k];
      for (std::size_t c = k; c <= q; ++c) a[r][c] -= f * a[k][c];
    }
  }
  std::vector<double> b(q);
  for (std::size_t k = 0; k < q; ++k) b[k] = a[k][q] / a[k][k];
  double ss_res = 0, ss_tot = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double yz = (y[i] - ym) / ysd;
    double fit = 0;
    for (std::size_t c = 0; c < q; ++c) fit += b[c] * z(i, c);
    ss_res += (yz - fit) * (yz - fit);
    ss_tot += yz * yz;
  }
  for (std::size_t c = 0; c < q; ++c) s.src[cols[c]] = b[c];
  s.r2 = ss_tot > 0 ? 1 - ss_res / ss_tot : nan;
  return s;
}

}  // namespace joule::app
