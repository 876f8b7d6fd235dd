#include "models/world/work.hpp"

#include "models/world/world.hpp"

namespace joule::models::world {

workload::WorkDone job_work(const Job& job, sim::Time now) {
  if (job.start == sim::Time::max() || !job.model) return {};
  const sim::Time tau = job.state == JobState::done ? sim::Time::max() : job.nominal(now);
  return job.model->work(tau, job.work_gpus());
}

double facility_per_it(const World& world) {
  const Facility& f = world.facility();
  const double it_j = world.it_energy_j();
  if (!(f.has_power_chain() || f.has_cooling()) || !(it_j > 0)) return 1.0;
  return world.facility_totals().facility_j / it_j;
}

std::optional<double> co2e_kg_per_it_j(const World& world) {
  const Facility& f = world.facility();
  const double it_j = world.it_energy_j();
  if (!f.has_site() || !(it_j > 0)) return std::nullopt;
  const double kg = world.facility_totals().co2e_kg + f.battery_settlement().co2e_kg;
  return kg / it_j;
}

namespace {

void add(workload::WorkDone& to, const workload::WorkDone& w) {
  to.useful_gpu_s += w.useful_gpu_s;
  to.model_flop += w.model_flop;
  to.training_tokens += w.training_tokens;
  to.requests_offered += w.requests_offered;
  to.requests_served += w.requests_served;
  to.prompt_tokens += w.prompt_tokens;
  to.output_tokens += w.output_tokens;
  to.saturated_s += w.saturated_s;
  to.service_s += w.service_s;
}

}  // namespace

WorkSummary summarize_work(const World& world) {
  WorkSummary s;
  const sim::Time now = world.simulator().now();
  for (const auto& job : world.jobs()) {
    const workload::WorkDone w = job_work(job, now);
    WorkSummary::Kind* kind = w.trains ? &s.training : w.serves ? &s.inference : nullptr;
    for (WorkSummary::Kind* k : {&s.all, kind}) {
      if (!k) continue;
      ++k->jobs;
      k->it_j += job.energy_j;
      add(k->work, w);
    }
    if (job.state == JobState::done) {
      ++s.completed;
      s.completed_it_j += job.energy_j;
    }
  }
  return s;
}

std::array<double, 4> job_split_j(const World& world, const Job& job) {
  const EnergySplit::Parts p = world.energy_split().job_j(job.id);
  const double it_j = p[0] + p[1] + p[2] + p[3];
  return {p[EnergySplit::compute], p[EnergySplit::transfer], p[EnergySplit::storage],
          p[EnergySplit::server_overhead] + it_j * (facility_per_it(world) - 1.0)};
}

}  // namespace joule::models::world
