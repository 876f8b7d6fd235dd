// Reading `joule-calibration/1` files (see calibration.hpp for the format).
#include "models/compute/calibration.hpp"

namespace joule::models::compute {

namespace {

const sim::ModelDoc& static_doc() {
  static const sim::ModelDoc doc{
      "calibration section",
      "static",
      "Static (non-switching) power and its temperature dependence",
      {{"idle_power", "W", "", "idle power without a CUDA context, at reference_temp"},
       {"reference_temp", "degC", "", "die temperature of the idle measurement"},
       {"leakage_per_kelvin", "number", "0",
        "relative static-power rise per kelvin of die "
        "temperature (linear leakage model)"},
       {"context_power", "W", "(idle_power)",
        "idle power with a live context (clocks held up); optional"}}};
  return doc;
}

const sim::ModelDoc& energy_doc() {
  static const sim::ModelDoc doc = [] {
    sim::ModelDoc d{"calibration section",
                    "energy_per_op",
                    "Energy per operation (board level), each optional",
                    {}};
    for (std::size_t k = 0; k < op_count; ++k) {
      const bool bytes = is_bytes(static_cast<Op>(k));
      d.keys.push_back({std::string(op_names[k]), bytes ? "pJ/B" : "pJ/FLOP", "(catalog)",
                        bytes ? "energy per byte moved" : "energy per floating-point operation"});
    }
    return d;
  }();
  return doc;
}

const sim::ModelDoc& dvfs_doc() {
  static const sim::ModelDoc doc{
      "calibration section",
      "dvfs",
      "Locked-clock sweep fit P(f) = beta·f³ + tau·f + p_const (f in GHz)",
      {{"nominal_clock", "Hz", "", "clock at which the op rates are stated"},
       {"beta_w_per_ghz3", "number", "-",
        "cubic (C·V²·f with V ∝ f) coefficient, W/GHz³ (absent: no clock sweep was run, the "
        "catalog's fit is kept)"},
       {"tau_w_per_ghz", "number", "-", "linear (constant-voltage) coefficient, W/GHz"},
       {"p_const_w", "number", "-", "clock-independent power, W"}}};
  return doc;
}

const sim::ModelDoc& fit_doc() {
  static const sim::ModelDoc doc{
      "calibration section",
      "fit",
      "Quality of the fit (informational)",
      {{"windows", "integer", "0", "measurement windows used"},
       {"loo_mape_percent", "number", "0", "leave-one-out mean absolute percentage error"},
       {"heldout_mape_percent", "number", "0", "error on held-out mixed kernels"},
       {"heldout_kernels", "list", "", "names of the held-out kernels"}}};
  return doc;
}

std::string scalar_or_empty(const sim::ParamReader& r, std::string_view key) {
  return r.has(key) ? r.string(key) : std::string();
}

}  // namespace

const sim::ModelDoc& calibration_doc() {
  static const sim::ModelDoc doc{
      "calibration",
      std::string(calibration_format),
      "Accelerator calibration written by joule-calibrate (kernels/); overrides catalog estimates",
      {{"format", "string", "", "must be joule-calibration/1"},
       {"chip", "string", "", "catalog id of the calibrated chip (e.g. h100-sxm)"},
       {"device", "string", "-", "device name as the driver reports it"},
       {"kind", "string", "measurement", "measurement | estimate"},
       {"source", "string", "-", "tool and energy counter used"},
       {"date", "string", "-", "date of the measurement"},
       {"driver", "string", "-", "driver version"},
       {"method", "string", "-", "fitting method"},
       {"static", "map", "", "static power section"},
       {"energy_per_op", "map", "-", "energy per operation section"},
       {"dvfs", "map", "-", "DVFS fit section"},
       {"fit", "map", "-", "fit quality section"}}};
  return doc;
}

Calibration calibration_from_params(const sim::ParamNode& root) {
  const sim::ParamReader r(&root, calibration_doc(), {});
  Calibration c;
  const std::string format = r.string("format");
  if (format != calibration_format)
    r.fail("format", "must be '" + std::string(calibration_format) + "', got '" + format + "'");
  c.chip = r.string("chip");
  c.device = scalar_or_empty(r, "device");
  c.kind = r.choice("kind", {"measurement", "estimate"}) == "measurement" ? SourceKind::measurement
                                                                          : SourceKind::estimate;
  c.source = scalar_or_empty(r, "source");
  c.date = scalar_or_empty(r, "date");
  c.driver = scalar_or_empty(r, "driver");
  c.method = scalar_or_empty(r, "method");

  const sim::ParamNode* st = r.node("static");
  if (!st) r.fail("static", "is required (idle_power, reference_temp, leakage_per_kelvin)");
  const sim::ParamReader s(st, static_doc(), {});
  c.static_power.idle_power = s.quantity<sim::Watts>("idle_power", sim::Range::non_negative());
  c.static_power.reference_temp = s.celsius("reference_temp", sim::Range::between(-50, 150));
  c.static_power.leakage_per_kelvin = s.number("leakage_per_kelvin", sim::Range::between(0, 0.1));
  if (s.has("context_power")) {
    c.static_power.context_power =
        s.quantity<sim::Watts>("context_power", sim::Range::non_negative());
    if (*c.static_power.context_power < c.static_power.idle_power)
      s.fail("context_power", "must be >= idle_power (a live context does not lower power)");
  }

  if (const sim::ParamNode* en = r.node("energy_per_op")) {
    const sim::ParamReader e(en, energy_doc(), {});
    for (std::size_t k = 0; k < op_count; ++k) {
      const std::string_view key = op_names[k];
      if (!e.has(key)) continue;
      c.energy_per_op[k] =
          is_bytes(static_cast<Op>(k))
              ? e.quantity<sim::JoulesPerByte>(key, sim::Range::non_negative()).value()
              : e.quantity<sim::JoulesPerFlop>(key, sim::Range::non_negative()).value();
    }
  }

  if (const sim::ParamNode* dv = r.node("dvfs")) {
    const sim::ParamReader d(dv, dvfs_doc(), {});
    Calibration::Dvfs out;
    out.nominal_clock = d.quantity<sim::Hertz>("nominal_clock", sim::Range::positive());
    // Without a locked-clock sweep the file states only the nominal clock: keep the base fit.
    const int given = d.has("beta_w_per_ghz3") + d.has("tau_w_per_ghz") + d.has("p_const_w");
    if (given == 0) return c;
    if (given != 3)
      d.fail(d.has("beta_w_per_ghz3") ? "tau_w_per_ghz" : "beta_w_per_ghz3",
             "is missing: a DVFS fit gives beta_w_per_ghz3, tau_w_per_ghz and p_const_w together");
    out.beta_w_per_ghz3 = d.number("beta_w_per_ghz3", sim::Range::non_negative());
    out.tau_w_per_ghz = d.number("tau_w_per_ghz", sim::Range::non_negative());
    out.p_const_w = d.number("p_const_w", sim::Range::non_negative());
    if (out.beta_w_per_ghz3 + out.tau_w_per_ghz <= 0)
      d.fail("beta_w_per_ghz3", "and tau_w_per_ghz cannot both be 0 (no clock-dependent power)");
    c.dvfs = out;
  }

  if (const sim::ParamNode* ft = r.node("fit")) {
    const sim::ParamReader f(ft, fit_doc(), {});
    Calibration::Fit out;
    if (f.has("windows")) out.windows = f.integer("windows", sim::Range::non_negative());
    if (f.has("loo_mape_percent"))
      out.loo_mape_percent = f.number("loo_mape_percent", sim::Range::non_negative());
    if (f.has("heldout_mape_percent"))
      out.heldout_mape_percent = f.number("heldout_mape_percent", sim::Range::non_negative());
    if (const sim::ParamNode* list = f.node("heldout_kernels")) {
      if (!list->is_sequence())
        throw sim::InputError(list->where, f.path("heldout_kernels") + " must be a list of names");
      for (const auto& item : list->items) {
        if (!item.is_scalar())
          throw sim::InputError(item.where, item.path + " must be a kernel name");
        out.heldout_kernels.push_back(item.scalar);
      }
    }
    c.fit = out;
  }
  return c;
}

Calibration overlay(const Calibration& base, const Calibration& file) {
  Calibration out = file;
  if (!out.static_power.context_power)
    out.static_power.context_power = base.static_power.context_power;
  for (std::size_t k = 0; k < op_count; ++k)
    if (!out.energy_per_op[k]) out.energy_per_op[k] = base.energy_per_op[k];
  if (!out.dvfs) out.dvfs = base.dvfs;
  return out;
}

}  // namespace joule::models::compute
