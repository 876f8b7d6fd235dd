// Cooling plant: the interface every plant type implements, and its registry.
//
// A plant takes the heat that enters the white space each control step and returns the
// electric power it draws to move that heat outdoors, by component, with the water it uses.
// Plants are selected by `type:` in a scenario's `cooling:` section (`air`, `chilled-water`,
// `liquid`); each registers itself in its own file.
//
// Heat balance (tested to 1e-9): every watt a cooling component draws ends up as heat that
// leaves the site with the rejected heat —
//   CRAH fans        → room air → coil → chillers/HX/CRAC → outdoors
//   chilled-water pumps → chilled water → chillers/HX → towers
//   compressors      → condenser → towers / condenser air
//   condenser pumps  → condenser water → towers;  facility-water pumps → dry coolers/trim
//   tower and dry-cooler fans → their exhaust air (outdoors)
// so, in steady state, heat_rejected = heat_in + power. Each plant computes heat_rejected
// from its own component flows (what its towers, dry coolers, condensers and outdoor air
// take), and the test checks that this equals heat_in + power.
#pragma once

#include <array>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

#include "models/cooling/water_economizer.hpp"
#include "sim/registry.hpp"
#include "sim/time.hpp"
#include "sim/units.hpp"

namespace joule::models::cooling {

// Power breakdown slots: the same set for every plant and every step (HDF5 columns).
enum class Component : std::size_t {
  crah_fans,  // CRAH/CRAC air-handler fans
  chillers,   // compressors: water-cooled chillers, or the air plant's DX units and condenser fans
  towers,     // cooling-tower fans
  pumps,      // chilled-water, condenser-water and facility-water pumps
  dry_coolers,   // dry-cooler fans
  trim_chiller,  // the liquid plant's trim chiller
  count
};
inline constexpr std::size_t component_count = static_cast<std::size_t>(Component::count);
inline constexpr std::array<std::string_view, component_count> component_names = {
    "crah_fans", "chillers", "towers", "pumps", "dry_coolers", "trim_chiller"};

// What the World sizes the plant for: nameplate heat at design.
struct PlantSizing {
  sim::Watts chip_heat{0};   // accelerator heat (what cold plates could capture)
  sim::Watts other_heat{0};  // other IT heat plus in-room losses
  sim::Watts total() const { return chip_heat + other_heat; }
};

struct PlantInputs {
  sim::Watts chip_heat{0};      // accelerator (cold-plate capturable) heat
  sim::Watts other_it_heat{0};  // CPUs, memory, NICs, fans, PSU losses inside the servers
  sim::Watts room_losses{0};    // power-chain losses dissipated in the white space
  sim::Celsius outdoor_drybulb{20};
  sim::Celsius outdoor_wetbulb{15};
  double outdoor_rh = 0.5;  // 0..1
  sim::Watts heat_in() const { return chip_heat + other_it_heat + room_losses; }
};

struct PlantOutputs {
  sim::Watts power{0};  // total electric power of the plant
  std::array<sim::Watts, component_count> component_power{};
  sim::CubicMetersPerSecond water_use{0};
  sim::Watts heat_in{0};
  sim::Watts heat_rejected{0};
  sim::Celsius supply_air{0};
  sim::Celsius facility_water{0};  // chilled-water supply, or DLC facility-water supply
  EconomizerMode economizer = EconomizerMode::off;
  double free_cooling_fraction = 0;  // share of the heat removed without compressors
  bool over_capacity = false;
  // Which part ran out of capacity ("" when none): a static name, so the outputs copy as plain
  // values (a plant step returns them from its cache, the facility reads them at every step).
  std::string_view limiting_component;
  // CRAH supply and the servers' airflow (air_handler.hpp); NaN for plants without CRAHs.
  double crah_airflow_m3_s = std::numeric_limits<double>::quiet_NaN();
  double server_airflow_m3_s = std::numeric_limits<double>::quiet_NaN();
  sim::Watts unmet_heat{0};

  sim::Watts& operator[](Component c) { return component_power[static_cast<std::size_t>(c)]; }
  sim::Watts operator[](Component c) const { return component_power[static_cast<std::size_t>(c)]; }
  // Sets `power` to the sum of the breakdown (inline: once a plant evaluation).
  void total_up() {
    power = sim::Watts{0};
    for (const auto& p : component_power) power += p;
  }
};

// What a plant's cold plates take, and the coolant they run on (NaN: no cold plates).
struct LiquidCapture {
  double chip_fraction = 0;   // share of accelerator heat
  double other_fraction = 0;  // share of the other IT heat (CPUs, switch chips)
  double coolant_c = std::numeric_limits<double>::quiet_NaN();  // chip coolant supply
};

// Set-points a controller may move while the plant runs (python/step.cpp); NaN: the plant has
// no set-point of that kind, or (in a request) leaves it as it is.
struct Setpoints {
  double supply_air_c = std::numeric_limits<double>::quiet_NaN();     // CRAH/CRAC supply air
  double chilled_water_c = std::numeric_limits<double>::quiet_NaN();  // chilled-water supply
};

// The ASHRAE TC 9.9 (2011) recommended server inlet range, 18-27 degC: the span a controller may
// move the supply air within (widened to include the scenario's own value).
inline constexpr double controller_supply_air_min_c = 18.0;
inline constexpr double controller_supply_air_max_c = 27.0;

class CoolingPlant {
public:
  virtual ~CoolingPlant() = default;
  // Advances the plant's control state (economizer mode and its dwell timer) to `now` and
  // returns its operation for these inputs. Call once per control step, times increasing.
  virtual PlantOutputs step(sim::Time now, const PlantInputs& in) = 0;
  // Operation for these inputs in the current control state, without changing it.
  virtual PlantOutputs evaluate(const PlantInputs& in) const = 0;
  virtual const std::string& type() const = 0;
  // Cold-plate capture and coolant temperature (none for air-only plants).
  virtual LiquidCapture capture() const { return {}; }
  // Set-points in force, and the lowest and highest a controller may choose (NaN: none).
  virtual Setpoints setpoints() const { return {}; }
  virtual Setpoints setpoint_min() const { return {}; }
  virtual Setpoints setpoint_max() const { return {}; }
  // Moves the set-points for the following steps: each finite value of `want` is clamped to
  // [setpoint_min, setpoint_max] (the chilled water also stays 1 K below the supply air, as the
  // coil needs); NaN leaves a set-point as it is. Returns the set-points in force.
  virtual Setpoints set_setpoints(const Setpoints& want) {
    (void)want;
    return setpoints();
  }
};

using CoolingPlantRegistry = sim::Registry<CoolingPlant, const PlantSizing&>;

// Builds the plant named by `type:` in `node` (a `cooling:` map); `chilled-water` when absent.
std::unique_ptr<CoolingPlant> make_cooling_plant(const sim::ParamNode* node,
                                                 const PlantSizing& sizing);

}  // namespace joule::models::cooling
