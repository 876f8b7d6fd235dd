#include "models/world/finished_job.hpp"

#include <stdexcept>
#include <string>

namespace joule::models::world {

FinishedModel::FinishedModel(const workload::JobModel& model, int gpus)
    : planned_work_(model.planned_work()),
      typical_rates_(model.typical_rates()),
      follows_clock_(model.follows_clock()),
      gpus_(gpus),
      work_(model.work(sim::Time::max(), gpus)),
      end_to_end_mfu_(model.end_to_end_mfu()),
      kernel_efficiency_(model.kernel_efficiency()) {
  if (const workload::RunStats* s = model.stats()) stats_ = *s;
}

workload::Activity FinishedModel::start() {
  throw std::logic_error("a finished job was started again");
}

workload::Activity FinishedModel::advance(sim::Time /*tau*/) {
  throw std::logic_error("a finished job was advanced");
}

workload::Activity FinishedModel::on_failure(sim::Time /*tau*/) {
  throw std::logic_error("a finished job failed");
}

workload::WorkDone FinishedModel::work(sim::Time /*tau*/, int gpus) const {
  if (gpus != gpus_)
    throw std::logic_error("work of a finished job asked on " + std::to_string(gpus) +
                           " accelerators; it ran on " + std::to_string(gpus_));
  return work_;
}

}  // namespace joule::models::world
