#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "io/yaml_params.hpp"
#include "models/power/power_chain.hpp"
#include "sim/error.hpp"

using namespace joule::models::power;
using joule::sim::InputError;
namespace sim = joule::sim;

namespace {

PowerChainSpec chain_spec(const std::string& yaml) {
  const sim::ParamNode root = joule::io::parse_yaml_text(yaml, "scenario.yaml");
  return power_chain_spec(sim::ParamReader(root.find("power_chain"), power_chain_doc()));
}

}  // namespace

TEST_CASE("energy conservation: grid = IT + every loss + cooling + other − PV − battery") {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (const char* yaml :
       {"power_chain: {}\n",
        "power_chain: {ups: {type: eco, redundancy: 2N}, cooling_on_ups: true}\n",
        "power_chain: {ups: {type: none}, pdu_efficiency: 0.97, pdu_fixed_loss: 2 kW}\n"}) {
    CAPTURE(yaml);
    const PowerChain chain(chain_spec(yaml), sim::Watts(20e6), sim::Watts(5e6));
    for (int i = 0; i < 2000; ++i) {
      const double it = 20e6 * u(rng), cooling = 6e6 * u(rng), other = 1e5 * u(rng);
      const double pv = 8e6 * u(rng), battery = 4e6 * (2 * u(rng) - 1);
      const ChainBreakdown b = chain.evaluate(it, cooling, other, pv, battery);
      const double sum = b.it_w + b.pdu_loss_w + b.ups_loss_w + b.transformer_loss_w +
                         b.export_loss_w + b.cooling_w + b.other_w - b.pv_w - b.battery_w;
      CHECK(std::abs(b.grid_w - sum) <= 1e-9 * std::max(std::abs(b.grid_w), b.facility_w()));
      CHECK(b.pdu_loss_w >= 0);
      CHECK(b.ups_loss_w >= 0);
      CHECK(b.transformer_loss_w > 0);
      CHECK(b.facility_w() >= b.it_w);
      CHECK(b.export_loss_w >= 0);
      // Export losses only while the bus sends power out (bus = grid − transformer losses).
      if (b.grid_w - b.transformer_loss_w - b.export_loss_w >= 0) CHECK(b.export_loss_w == 0);
    }
  }
}

TEST_CASE("power chain stages by hand") {
  // 10 MW IT, 2N double-conversion units of 1 MW, PDU 99 %, 4 × 2.5 MW transformers.
  const PowerChain chain(
      chain_spec("power_chain:\n  ups: {redundancy: 2N, unit_rating: 1 MW}\n"
                 "  transformer: {count: 8, unit_rating: 2.5 MW}\n  other_load: 50 kW\n"),
      sim::Watts(10e6));
  const double it = 8e6, cooling = 2e6;
  const ChainBreakdown b = chain.evaluate(it, cooling, chain.other_load_w(), 0, 0);
  const double pdu_loss = it * (1 / 0.99 - 1);
  CHECK(b.pdu_loss_w == doctest::Approx(pdu_loss));
  // UPS needed for 10 MW + PDU loss = 10.1 MW → 11 units, 2N → 22 installed.
  CHECK(chain.ups().units_needed() == 11);
  CHECK(chain.ups().units_installed() == 22);
  const double ups_out = it + pdu_loss, x = ups_out / 22e6;
  const double ups_loss = 22e6 * (0.013 + 0.008 * x + 0.015 * x * x);
  CHECK(b.ups_loss_w == doctest::Approx(ups_loss));
  const double bus = ups_out + ups_loss + cooling + 50e3;
  const double xt = bus / 20e6;
  CHECK(b.transformer_loss_w == doctest::Approx(20e6 * (0.0008 + 0.007 * xt * xt)));
  CHECK(b.grid_w == doctest::Approx(bus + b.transformer_loss_w));
  // Electrical overhead alone gives a partial PUE of a few percent.
  const double electrical_pue = (b.facility_w() - cooling - b.other_w) / it;
  CHECK(electrical_pue > 1.02);
  CHECK(electrical_pue < 1.08);
}

TEST_CASE("PDU loss: fixed + IT · (1/η − 1), the quotient made once with the same bits") {
  int points = 0;
  for (const char* eff : {"0.99", "0.97", "0.955", "0.9", "0.8", "1"})
    for (const char* fixed : {"0 W", "12 kW"}) {
      const PowerChain chain(chain_spec(std::string("power_chain:\n  pdu_efficiency: ") + eff +
                                        "\n  pdu_fixed_loss: " + fixed + "\n"),
                             sim::Watts(10e6));
      const double eta = chain.spec().pdu_efficiency;
      const double fixed_w = chain.spec().pdu_fixed_loss.value();
      for (const double it : {0.0, 1.0, 333.3, 7.77e5, 8e6, 1.0 / 3.0 * 1e7, 3.3e7}) {
        CAPTURE(eff);
        CAPTURE(it);
        CHECK(chain.pdu_loss_w(it) == fixed_w + it * (1.0 / eta - 1.0));
        CHECK(chain.evaluate(it, 0, 0, 0, 0).pdu_loss_w == fixed_w + it * (1.0 / eta - 1.0));
        ++points;
      }
    }
  CHECK(points == 6 * 2 * 7);
  // By hand: 8 MW at 99 % loses 8e6 · (1/0.99 − 1) ≈ 80.8 kW.
  const PowerChain chain(chain_spec("power_chain:\n  pdu_efficiency: 0.99\n"), sim::Watts(10e6));
  CHECK(chain.pdu_loss_w(8e6) == doctest::Approx(80808.08));
}

TEST_CASE("cooling on the UPS passes through its losses") {
  const PowerChain off(chain_spec("power_chain: {}\n"), sim::Watts(10e6), sim::Watts(3e6));
  const PowerChain on(chain_spec("power_chain: {cooling_on_ups: true}\n"), sim::Watts(10e6),
                      sim::Watts(3e6));
  CHECK(on.ups().units_installed() > off.ups().units_installed());
  const double ups_out = 6e6 * (1 / 0.99) + 2e6;
  CHECK(on.evaluate(6e6, 2e6, 0, 0, 0).ups_loss_w == doctest::Approx(on.ups().loss_w(ups_out)));
}

TEST_CASE("power_chain spec: defaults and nested sub-maps") {
  const PowerChainSpec d = chain_spec("power_chain: {}\n");
  CHECK(d.pdu_efficiency == 0.99);
  CHECK(d.ups.type == UpsType::double_conversion);
  CHECK(d.ups.redundancy == Redundancy::n_plus_1);
  CHECK(d.ups.no_load_loss == 0.013);
  CHECK_FALSE(d.battery.has_value());
  CHECK_FALSE(d.pv.has_value());

  const PowerChainSpec s = chain_spec(
      "power_chain:\n"
      "  ups: {type: eco, redundancy: N, unit_rating: 750 kW, square_loss: 0.002}\n"
      "  transformer: {unit_rating: 3 MW, count: 4, no_load_loss: 0.001}\n"
      "  battery: {capacity: 4 MWh, max_charge: 1 MW, max_discharge: 2 MW, "
      "peak_shave_above: 30 MW}\n"
      "  pv: {peak: 5 MW}\n"
      "  other_load: 120 kW\n");
  CHECK(s.ups.type == UpsType::eco);
  CHECK(s.ups.unit_rating.value() == 750e3);
  CHECK(s.ups.no_load_loss == 0.0043);  // eco default
  CHECK(s.ups.square_loss == 0.002);    // override
  CHECK(s.transformer.count == 4);
  CHECK(s.transformer.unit_rating.value() == 3e6);
  REQUIRE(s.battery.has_value());
  CHECK(s.battery->capacity.value() == doctest::Approx(4e6 * 3600));
  CHECK(s.battery->peak_shave_above->value() == 30e6);
  REQUIRE(s.pv.has_value());
  CHECK(s.pv->performance_ratio == 0.8);
  const PowerChain chain(s, sim::Watts(1e6));
  CHECK(chain.pv_w(1000) == doctest::Approx(4e6));
  CHECK(chain.pv_w(0) == 0.0);
}

TEST_CASE("power_chain spec errors point into the scenario") {
  CHECK_THROWS_WITH_AS(chain_spec("power_chain:\n  pdu_efficiency: -0.9\n"),
                       doctest::Contains("scenario.yaml:2:19: power_chain.pdu_efficiency must be "
                                         "in (0, 1], got -0.9"),
                       InputError);
  CHECK_THROWS_WITH_AS(chain_spec("power_chain:\n  ups:\n    type: double-convertion\n"),
                       doctest::Contains("scenario.yaml:3:11: power_chain.ups.type: unknown "
                                         "value 'double-convertion' (did you mean "
                                         "'double-conversion'?)"),
                       InputError);
  CHECK_THROWS_WITH_AS(chain_spec("power_chain:\n  ups: {redundancy: N+2}\n"),
                       doctest::Contains("power_chain.ups.redundancy: unknown value 'N+2'"),
                       InputError);
  CHECK_THROWS_WITH_AS(chain_spec("power_chain:\n  ups: {type: none, no_load_loss: 0.01}\n"),
                       doctest::Contains("ups.type is none"), InputError);
  // The servers' supplies belong to the nodes (cluster.node.psu): the chain has no psu key.
  CHECK_THROWS_WITH_AS(chain_spec("power_chain:\n  psu: titanium\n"),
                       doctest::Contains("unknown key 'psu'"), InputError);
  CHECK_THROWS_WITH_AS(chain_spec("power_chain:\n  transformer: {unit_rating: -2 MW}\n"),
                       doctest::Contains("scenario.yaml:2:30: power_chain.transformer.unit_rating "
                                         "must be > 0"),
                       InputError);
  CHECK_THROWS_WITH_AS(
      chain_spec("power_chain:\n  battery: {capacity: 1 MWh, max_charge: 1 MW}\n"),
      doctest::Contains("missing required key 'power_chain.battery.max_discharge'"), InputError);
  CHECK_THROWS_WITH_AS(
      chain_spec("power_chain:\n  battery: {capacity: 1 MWh, max_charge: 1 MW, max_discharge: 1 "
                 "MW, soc_min: 0.5, soc_max: 0.4}\n"),
      doctest::Contains("power_chain.battery.soc_max must be > soc_min"), InputError);
  CHECK_THROWS_WITH_AS(chain_spec("power_chain:\n  ups: double-conversion\n"),
                       doctest::Contains("power_chain.ups must be a map"), InputError);
  CHECK_THROWS_WITH_AS(chain_spec("power_chain:\n  pv: {peak: 5 MW, pr: 0.8}\n"),
                       doctest::Contains("scenario.yaml:2:20: unknown key 'pr' for power_chain "
                                         "'pv'. Valid keys: peak, performance_ratio"),
                       InputError);
  CHECK_THROWS_WITH_AS(chain_spec("power_chain:\n  other_load: 5 kWh\n"),
                       doctest::Contains("power_chain.other_load"), InputError);
}

TEST_CASE("a 2N double-conversion power chain parses and sizes its UPS") {
  const PowerChainSpec s =
      chain_spec("power_chain: {ups: {type: double-conversion, redundancy: 2N}}\n");
  CHECK(s.ups.redundancy == Redundancy::two_n);
  const PowerChain chain(s, sim::Watts(5e6));
  CHECK(chain.ups().units_installed() == 12);  // ceil(5.05 MW / 1 MW) = 6, doubled
  // Units sized to the design load: at full design IT each side of 2N carries half.
  CHECK(chain.evaluate(5e6, 0, 0, 0, 0).ups_unit_load_fraction == doctest::Approx(0.5));
}

TEST_CASE("PUE per ISO/IEC 30134-2: exporting PV surplus adds no facility load") {
  const PowerChain chain(chain_spec("power_chain: {}\n"), sim::Watts(4e6));
  const double it = 3e6, cooling = 0.6e6;
  const ChainBreakdown none = chain.evaluate(it, cooling, 0, 0, 0);
  const ChainBreakdown some = chain.evaluate(it, cooling, 0, 2e6, 0);      // PV under the load
  const ChainBreakdown surplus = chain.evaluate(it, cooling, 0, 20e6, 0);  // exporting
  // Importing: the transformer loss is the facility's (smaller with PV: less flow).
  CHECK(some.export_loss_w == 0);
  CHECK(some.transformer_loss_w < none.transformer_loss_w);
  // Exporting: only the no-load (core) loss stays with the facility.
  CHECK(surplus.grid_w < 0);
  CHECK(surplus.transformer_loss_w == doctest::Approx(chain.transformer().loss_w(0)));
  const double bus = surplus.grid_w - surplus.transformer_loss_w - surplus.export_loss_w;
  CHECK(surplus.export_loss_w ==
        doctest::Approx(chain.transformer().loss_w(bus) - chain.transformer().loss_w(0)));
  CHECK(surplus.export_loss_w > 0);
  // The facility's consumption (PUE numerator) does not grow with the PV array.
  CHECK(surplus.facility_w() <= none.facility_w());
}

TEST_CASE("UPS and transformers sized to the design load by default") {
  // A 326 kW hall (32 DGX H100): one auto-sized UPS unit per side of 2N, not 1 MW units.
  const PowerChain small(chain_spec("power_chain: {ups: {redundancy: 2N}}\n"), sim::Watts(326e3));
  const double design = 326e3 / 0.99;  // IT + PDU loss
  CHECK(small.ups().units_installed() == 2);
  CHECK(small.ups().unit_rating_w() == doctest::Approx(design));
  // At full IT load each unit carries half: x = 0.5, η ≈ 96 %.
  CHECK(small.ups().unit_load_fraction(design) == doctest::Approx(0.5));
  CHECK(small.ups().efficiency(design) > 0.955);
  // Transformer: 1.5 × 326 kW in one unit.
  CHECK(small.transformer().units() == 1);
  CHECK(small.transformer().unit_rating_w() == doctest::Approx(1.5 * 326e3));
  // A stated rating is kept, and loads past it show as a load fraction above 1.
  const PowerChain fixed(chain_spec("power_chain: {ups: {redundancy: N, unit_rating: 100 kW}}\n"),
                         sim::Watts(326e3));
  CHECK(fixed.ups().units_installed() == 4);
  CHECK(fixed.evaluate(450e3, 0, 0, 0, 0).ups_unit_load_fraction > 1.0);
}

TEST_CASE("UPS module shedding keeps the running modules loaded") {
  UpsSpec spec;
  spec.redundancy = Redundancy::n_plus_1;
  spec.unit_rating = sim::Watts(250e3);
  const UpsSystem all(spec, sim::Watts(2e6));  // 8 needed + 1 = 9 modules
  spec.shedding = true;
  const UpsSystem shed(spec, sim::Watts(2e6));
  REQUIRE(all.units_installed() == 9);
  // 400 kW: ceil(400 / (0.8 · 250)) = 2 carry it, + 1 redundant = 3 run at x = 400/750.
  CHECK(shed.units_active(400e3) == 3);
  const double x = 400.0 / 750;
  CHECK(shed.loss_w(400e3) == doctest::Approx(750e3 * (0.013 + 0.008 * x + 0.015 * x * x)));
  CHECK(shed.efficiency(400e3) > all.efficiency(400e3) + 0.02);
  CHECK(shed.units_active(2e6) == 9);  // at design every module runs
}

TEST_CASE("UPS and transformer operate(): loss and load fraction with the separate calls' bits") {
  // The chain takes each stage's loss and load fraction from one call (one division where the
  // two calls made two); they must be loss_w() and unit_load_fraction() / load_fraction() bit
  // for bit, for every UPS type, with and without shedding, at any sign of the load.
  for (const UpsType type : {UpsType::double_conversion, UpsType::eco, UpsType::none})
    for (const bool shedding : {false, true}) {
      UpsSpec spec = default_ups_spec(type);
      spec.redundancy = Redundancy::n_plus_1;
      spec.unit_rating = sim::Watts(250e3);
      spec.shedding = shedding;
      const UpsSystem ups(spec, sim::Watts(2e6));
      for (const double out_w : {-3e5, -0.0, 0.0, 1.0, 123456.7, 4e5, 1.999e6, 2e6, 3.1e6}) {
        CAPTURE(out_w);
        const UpsSystem::Operation op = ups.operate(out_w);
        CHECK(op.loss_w == ups.loss_w(out_w));
        CHECK(std::signbit(op.loss_w) == std::signbit(ups.loss_w(out_w)));
        CHECK(op.unit_load_fraction == ups.unit_load_fraction(out_w));
      }
    }
  // By hand: 400 kW on 9 modules of 250 kW (no shedding), x = 400 / 2250.
  UpsSpec spec;
  spec.redundancy = Redundancy::n_plus_1;
  spec.unit_rating = sim::Watts(250e3);
  const UpsSystem ups(spec, sim::Watts(2e6));
  const double x = 400.0 / 2250;
  CHECK(ups.operate(400e3).unit_load_fraction == doctest::Approx(x));
  CHECK(ups.operate(400e3).loss_w ==
        doctest::Approx(
            2250e3 * (spec.no_load_loss + spec.proportional_loss * x + spec.square_loss * x * x)));
  TransformerSpec ts;
  ts.count = 3;
  ts.auto_rating = false;
  ts.unit_rating = sim::Watts(2e6);
  const Transformer tx(ts, sim::Watts(3e6));
  for (const double load_w : {-2.5e6, -0.0, 0.0, 7.0, 1.5e6, 6e6, 9e6}) {
    CAPTURE(load_w);
    const Transformer::Operation op = tx.operate(load_w);
    CHECK(op.loss_w == tx.loss_w(load_w));
    CHECK(op.load_fraction == tx.load_fraction(load_w));
  }
  // 1.5 MW on 3 × 2 MW: x = 0.25, loss = 6 MW · (0.0008 + 0.007 · 0.0625).
  CHECK(tx.operate(1.5e6).load_fraction == 0.25);
  CHECK(tx.operate(1.5e6).loss_w == doctest::Approx(6e6 * (0.0008 + 0.007 * 0.0625)));
}
