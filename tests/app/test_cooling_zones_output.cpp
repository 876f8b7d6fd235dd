// /cooling_zones (app/zone_output.hpp): each cooling zone's accounts, written when a pool has its
// own `cooling`, on the shipped mixed-cooling scenario (an H100 hall on the shared chilled-water
// plant, a B200 hall on cold plates with its own liquid plant) for half a day.
#include <doctest/doctest.h>
#include <hdf5.h>

#include "app/h5.hpp"
#include "app/run.hpp"
#include "app/scenario.hpp"
#include "run_helpers.hpp"

using namespace joule;

TEST_CASE("/cooling_zones: the zones' IT adds up to the run's; partial PUE = (IT + cooling) / IT") {
  const auto dir = test::temp_dir("zones");
  app::LoadOptions load;
  load.sets = {"duration=12 h"};
  const auto sc = app::load_scenario(
      std::string(JOULE_SOURCE_DIR) + "/scenarios/levers/mixed-cooling.yaml", load);
  app::RunOptions opt;
  opt.output = (dir / "zones.h5").string();
  const auto summary = app::run(sc, opt);
  const auto& v = summary.values;
  // `joule summary` lists the zones, from the run and from the file alike.
  REQUIRE(summary.cooling_zones.size() == 2);
  CHECK(summary.cooling_zones[0].rfind("shared: 16 racks, IT ", 0) == 0);
  CHECK(summary.cooling_zones[1].rfind("blackwell: 16 racks, IT ", 0) == 0);
  CHECK(app::read_summary(opt.output).cooling_zones == summary.cooling_zones);
  auto file = app::h5::open_file_readonly(opt.output);
  const hid_t zones = file.get();
  const auto it = app::h5::read_doubles(zones, "cooling_zones/it_energy_kwh");
  const auto cooling = app::h5::read_doubles(zones, "cooling_zones/cooling_energy_kwh");
  const auto ppue = app::h5::read_doubles(zones, "cooling_zones/partial_pue");
  REQUIRE(it.size() == 2);  // the shared zone (hopper), then blackwell's
  CHECK(it[0] + it[1] == doctest::Approx(*v.at("it_energy_kwh")).epsilon(1e-9));
  for (std::size_t z = 0; z < 2; ++z) {
    CHECK(ppue[z] == doctest::Approx((it[z] + cooling[z]) / it[z]).epsilon(1e-12));
    CHECK(ppue[z] > 1.0);
  }
  // The plants' energy is the cooling energy less the electrical rooms' DX units.
  CHECK(cooling[0] + cooling[1] < *v.at("cooling_energy_kwh"));
  // Cold plates on 32 degC water with dry coolers take the B200 hall's chip heat for less than
  // the chilled-water plant takes the H100 hall's.
  CHECK(ppue[1] < ppue[0]);

  // One zone: no /cooling_zones (the file is as it was before zones).
  load.sets = {"duration=1 h"};
  const auto one =
      app::load_scenario(std::string(JOULE_SOURCE_DIR) + "/scenarios/levers/refresh.yaml", load);
  opt.output = (dir / "one.h5").string();
  CHECK(app::run(one, opt).cooling_zones.empty());
  auto f = app::h5::open_file_readonly(opt.output);
  CHECK(H5Lexists(f.get(), "cooling_zones", H5P_DEFAULT) == 0);
}
