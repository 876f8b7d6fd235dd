// The meter tables (app/meter_tables.*): an interval inside one hour adds its energies to the
// hour's bin as they are, one across an hour's end is split in proportion to time.
#include <doctest/doctest.h>

#include <array>
#include <vector>

#include "app/h5.hpp"
#include "app/meter_tables.hpp"
#include "app/output_layout.hpp"
#include "run_helpers.hpp"

using namespace joule;

TEST_CASE("meter tables: inside an hour the energies as they are, across an hour's end a share") {
  // Three meters (an odd count: the bins' vectorized sums have a last single one), energies in
  // whole kWh times powers of two, so every sum and share below is exact.
  constexpr double kwh = 3.6e6;
  app::MeterTables tables({"a", "b", "c"}, models::environment::CivilTime{2023, 1, 1});
  const auto add = [&](double t0, double t1, std::array<double, 3> kwh_each, double power_w) {
    for (double& e : kwh_each) e *= kwh;
    tables.add(t0, t1, kwh_each, power_w);
  };
  add(0, 600, {1, 2, 4}, 10e3);       // the first hour's bin made
  add(600, 1800, {8, 16, 32}, 30e3);  // inside the hour, its bin there
  add(1800, 3000, {1, 1, 1}, 20e3);
  add(3000, 4200, {2, 4, 8}, 5e3);     // half in each hour
  add(4200, 7200, {64, 64, 64}, 1e3);  // inside the second hour, up to its end
  add(7200, 7500, {0.5, 0.5, 0.5}, 2e3);

  const std::string file = (test::temp_dir("meter-tables") / "meters.h5").string();
  {
    const app::h5::Handle f = app::h5::create_file(file);
    app::Calendar calendar;
    calendar.start_local = "2023-01-01T00:00:00";
    calendar.nominal = true;
    tables.write(f.get(), calendar);
  }
  const std::array<std::vector<double>, 3> expected = {{
      {1 + 8 + 1 + 1, 1 + 64, 0.5},
      {2 + 16 + 1 + 2, 2 + 64, 0.5},
      {4 + 32 + 1 + 4, 4 + 64, 0.5},
  }};
  const char* names[] = {"a", "b", "c"};
  for (int c = 0; c < 3; ++c) {
    CAPTURE(c);
    CHECK(test::read_dataset(file, std::string("meters/hourly/") + names[c] + "_kwh") ==
          expected[static_cast<std::size_t>(c)]);
  }
  CHECK(test::read_dataset(file, "meters/hourly/peak_power_kw") == std::vector<double>{30, 5, 2});
  CHECK(test::read_dataset(file, "meters/hourly/time") == std::vector<double>{0, 3600, 7200});
}
