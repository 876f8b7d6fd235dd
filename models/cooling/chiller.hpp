// Electric chillers.
//
// Water-cooled: the DOE-2 / EnergyPlus Chiller:Electric:EIR model (EnergyPlus Engineering
// Reference, "Electric Chiller Model Based on Condenser Entering Temperature"):
//   Q_avail = Q_ref · CAPFT(T_chw,lvg, T_cond,ent)
//   PLR     = Q / Q_avail
//   P       = (Q_avail / COP_ref) · EIRFT(T_chw,lvg, T_cond,ent) · EIRFPLR(PLR)
// CAPFT and EIRFT are biquadratic, EIRFPLR quadratic in PLR. Below PLR_min the chiller
// *cycles* (EnergyPlus' treatment when Minimum Unloading Ratio = Minimum PLR, as in both
// catalog entries): it runs at PLR_min for a fraction PLR/PLR_min of the time,
//   P = (Q_avail / COP_ref) · EIRFT · EIRFPLR(PLR_min) · PLR / PLR_min.
// No false loading (hot-gas bypass) is modelled. Loads above PLR_max·Q_avail are not met.
//
// Catalog (EnergyPlus dataset Chillers.idf, also Modelica Buildings
// Fluid.Chillers.Data.ElectricEIR; vendor-rated points, curves fitted by the dataset authors):
// | name                 | Q_ref     | COP_ref | T_chw,ref | T_cond,ref | PLR_min | PLR_max |
// |----------------------|-----------|---------|-----------|------------|---------|---------|
// | york-yk-2159kw       | 2159.2 kW | 6.85    | 6.67 °C   | 26.11 °C   | 0.14    | 1.05    |
// | trane-cvhe-1407kw-vsd| 1406.6 kW | 7.14    | 5.56 °C   | 23.89 °C   | 0.30    | 1.06    |
// The dataset's curves are not exactly 1 at the reference point (York: CAPFT 1.0188,
// EIRFT 1.0068, EIRFPLR(1) 1.0004; Trane: 0.9818, 1.0185, 0.9969). Joule divides each curve
// by its value at the reference point, so that the chiller delivers exactly its rated
// capacity and COP at rated conditions (the vendor's AHRI point) and the fitted shape is kept
// elsewhere. EnergyPlus uses the raw curves (and warns beyond ±10 %); the difference here is
// ≤ 1.9 % in capacity and ≤ 2.2 % in power at the rated point. Curve inputs are clamped to
// the dataset's fitted range (T_chw 4.44–8.89 °C; T_cond York 15.56–29.44 °C, Trane
// 12.78–29.44 °C), except that chilled water warmer than 8.89 °C (a reset, or the 10 °C
// default) keeps earning: beyond the fit the EIR at 8.89 °C is scaled by the Carnot EIR,
//   EIRFT(T) = EIRFT(8.89) · [(T_cl − T)/(T + 273.15)] / [(T_cl − 8.89)/(8.89 + 273.15)],
// T_cl = condenser entering + 5.56 K (estimate: the compressor keeps its Carnot fraction over
// a few kelvin of lift, as in the air-cooled model below). Capacity stays clamped.
// Capacity is scaled to the plant (as EnergyPlus autosizing does), keeping COP and curves.
//
// Air-cooled chiller / DX unit (the `air` plant's CRAC compressors, the liquid plant's trim
// chiller): COP as a constant fraction η of the Carnot COP between the evaporating and the
// condensing temperature,
//   COP(T_out) = min(COP_max, η · T_evap / (T_out + ΔT_cond − T_evap))     (temperatures in K)
// with η fixed so that COP(T_out,rated) = COP_rated. This reproduces the ~2.5–3 %/K loss of
// COP with outdoor temperature of air-cooled equipment (estimate; AHRI 340/360 rates at 35 °C).
#pragma once

#include <string>
#include <vector>

#include "models/cooling/properties.hpp"

namespace joule::models::cooling {

struct ChillerCurves {
  std::string name;
  std::string description;
  double capacity_w = 0;  // reference capacity
  double cop = 0;         // reference COP
  double chw_leaving_ref_c = 0;
  double cond_entering_ref_c = 0;
  Biquadratic capft;  // of (T_chw,lvg, T_cond,ent), as published
  Biquadratic eirft;  // of (T_chw,lvg, T_cond,ent), as published
  Quadratic eirfplr;  // of PLR, as published
  double plr_min = 0.1;
  double plr_max = 1.0;
  double cond_entering_min_c = 15.0;  // lowest condenser water the chiller accepts
};

// The shipped catalog (see the table above).
const std::vector<ChillerCurves>& chiller_catalog();
// nullptr when no entry has that name.
const ChillerCurves* find_chiller(const std::string& name);
std::vector<std::string> chiller_names();

struct ChillerOperation {
  double load_w = 0;      // evaporator heat removed
  double capacity_w = 0;  // available capacity at these temperatures (per chiller × running)
  double plr = 0;         // part-load ratio of each running chiller
  double power_w = 0;     // compressor electric power
  double unmet_w = 0;     // load above PLR_max × capacity
  int running = 0;
};

class Chiller {
public:
  // `capacity_w` overrides the reference capacity (0: keep the catalog's).
  explicit Chiller(const ChillerCurves& curves, double capacity_w = 0);

  // Normalised curves (1 at the reference point).
  double capft(double chw_leaving_c, double cond_entering_c) const;
  double eirft(double chw_leaving_c, double cond_entering_c) const;
  double eirfplr(double plr) const;

  double reference_capacity_w() const { return capacity_w_; }
  double available_capacity_w(double chw_leaving_c, double cond_entering_c) const;
  // Electric power of one chiller removing `load_w` (cycling below PLR_min).
  ChillerOperation operate(double load_w, double chw_leaving_c, double cond_entering_c) const;
  // The same, given `capacity_w` = available_capacity_w(chw_leaving_c, cond_entering_c) (a
  // bank has it from its staging, and the capacity curve is not evaluated twice).
  ChillerOperation operate(double load_w, double chw_leaving_c, double cond_entering_c,
                           double capacity_w) const;
  const ChillerCurves& curves() const { return curves_; }

private:
  ChillerCurves curves_;
  double capacity_w_;
  double capft_ref_, eirft_ref_, eirfplr_ref_;
};

// N identical chillers with equal load share. Staging: the smallest number of chillers whose
// PLR stays at or below `stage_up_plr` runs (a chiller is added when the running ones would
// exceed it); all N run, up to PLR_max, when even N would exceed it. Stateless: the same load
// and temperatures always give the same number running.
class ChillerBank {
public:
  ChillerBank(Chiller chiller, int count, double stage_up_plr);
  ChillerOperation operate(double load_w, double chw_leaving_c, double cond_entering_c) const;
  int count() const { return count_; }
  const Chiller& chiller() const { return chiller_; }

private:
  Chiller chiller_;
  int count_;
  double stage_up_plr_;
};

struct AirCooledChillerDesign {
  double cop_rated = 3.5;
  double rated_outdoor_c = 35.0;
  double evaporating_c = 12.0;      // refrigerant evaporating temperature
  double condenser_delta_k = 15.0;  // condensing − outdoor air temperature
  double cop_max = 10.0;
  // Head-pressure control holds the condensing temperature at or above this in cold air, so
  // the expansion valve keeps its pressure difference (estimate: set points 27–35 °C).
  double min_condensing_c = 30.0;
};

class AirCooledChiller {
public:
  explicit AirCooledChiller(const AirCooledChillerDesign& design);
  double cop(double outdoor_c) const;
  double carnot_fraction() const { return eta_; }

private:
  AirCooledChillerDesign design_;
  double eta_;
};

}  // namespace joule::models::cooling
