// Example KPI (docs/design.md, "Adding a KPI"): the mean energy of the jobs that completed.
// Registered in the test binary only; a KPI of the product lives in models/world/.
#include "models/world/kpi.hpp"
#include "models/world/world.hpp"
#include "sim/units.hpp"

namespace joule::models::world {

namespace {

const bool registered = KpiRegistry::add({
    .name = "example_energy_per_job_kwh",
    .unit = "kWh",
    .label = "energy per completed job",
    .description = "Energy of the completed jobs' nodes / their number; absent when none completed",
    .topic = "jobs",
    .rank = 1000,
    .compute = [](const RunRecord& run) -> std::optional<double> {
      double energy_j = 0;
      int done = 0;
      for (const Job& job : run.world.jobs())
        if (job.state == JobState::done) {
          energy_j += job.energy_j;
          ++done;
        }
      if (done == 0) return std::nullopt;
      return energy_j / done / sim::joules_per_kwh;
    },
});

}  // namespace

}  // namespace joule::models::world
