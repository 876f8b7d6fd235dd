// The netCDF-4 / CF layout of a Joule output file (docs/output-format.md): the calendar of the
// time coordinate and the writers of the tables that are not streamed (jobs).
#pragma once

#include <string>

#include "app/h5.hpp"
#include "models/world/world.hpp"

namespace joule::app {

// When the run starts on the calendar: the site's `start` (local standard time) and its UTC
// offset, or a nominal 2023-01-01 00:00 with no time zone for a scenario without a site.
struct Calendar {
  std::string start_local;  // "2023-07-10T00:00:00"
  double utc_offset_h = 0;
  bool nominal = false;
  // CF time units: "seconds since 2023-07-10T00:00:00-05:00" (ISO 8601 with the offset, so
  // readers that decode times get UTC instants); no offset when nominal.
  std::string time_units() const;
  std::string time_zone() const;  // "UTC-05:00"
};

Calendar run_calendar(const models::world::World& world);

// Writes the CF attributes of a time coordinate.
void describe_time(hid_t time_dataset, const Calendar& calendar);

// /jobs: one entry per job along the dimension `job` (its id), strings as UTF-8.
void write_jobs(hid_t file, const models::world::World& world, const Calendar& calendar);

}  // namespace joule::app
