// Energy per unit of work: what the jobs of a run did (training tokens, served requests and
// tokens, model FLOPs, useful accelerator-hours) beside the energy they took.
//
// A job's energy is its IT energy (its nodes' wall power, job.hpp). Its facility energy and
// emissions are attributed at the run's averages:
//   E_fac,job = E_IT,job · E_facility / E_IT           (the run's PUE; 1 without a facility)
//   m_CO2,job = E_IT,job · m_CO2 / E_IT                (the run's CUE, battery settlement in)
// so that the jobs' shares add up to the facility's energy less what no job drew (idle nodes,
// network switches and their overheads). Work is counted up to the end of the run: a job still
// running counts the steps or requests it finished; a failure takes back the steps since the
// last checkpoint, whose energy stays spent.
#pragma once

#include <array>
#include <optional>

#include "models/workload/job_model.hpp"
#include "models/world/job.hpp"

namespace joule::models::world {

class World;

// The work `job` has done by `now` (nothing while queued).
workload::WorkDone job_work(const Job& job, sim::Time now);

// Facility energy per IT joule over the run (its PUE), 1 without a facility.
double facility_per_it(const World& world);
// Emissions per IT joule over the run (kg/J), nullopt without a site.
std::optional<double> co2e_kg_per_it_j(const World& world);

// The work and energy of a run's jobs, by kind.
struct WorkSummary {
  struct Kind {
    int jobs = 0;
    double it_j = 0;  // IT energy of the jobs of this kind
    workload::WorkDone work;
  };
  Kind training, inference, all;
  int completed = 0;
  double completed_it_j = 0;  // IT energy of the completed jobs
};
WorkSummary summarize_work(const World& world);

// A job's four-way split, J: compute, transfer, storage, auxiliary (energy_split.hpp): its
// nodes' parts and storage share, its servers' overhead plus its IT energy × (PUE − 1).
std::array<double, 4> job_split_j(const World& world, const Job& job);

}  // namespace joule::models::world
