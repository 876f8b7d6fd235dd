#include "app/output_layout.hpp"

#include <array>
#include <cmath>
#include <cstdio>

#include "models/world/work.hpp"
#include "sim/units.hpp"

namespace joule::app {

namespace {

std::string offset_text(double hours, const char* sep) {
  const long minutes = std::lround(std::abs(hours) * 60);
  char out[48];
  std::snprintf(out, sizeof out, "%c%02ld%s%02ld", hours < 0 ? '-' : '+', minutes / 60, sep,
                minutes % 60);
  return out;
}
}  // namespace

std::string Calendar::time_units() const {
  // Without a site no time zone is known: the nominal start carries no offset.
  return "seconds since " + start_local + (nominal ? "" : offset_text(utc_offset_h, ":"));
}

std::string Calendar::time_zone() const {
  return "UTC" + offset_text(utc_offset_h, ":");
}

Calendar run_calendar(const models::world::World& world) {
  Calendar c;
  models::environment::CivilTime start{2023, 1, 1, 0, 0, 0};
  const auto* site = world.facility().site();
  if (site && world.facility().has_site()) {
    start = site->local_time(sim::Time::zero());
    c.utc_offset_h = site->utc_offset_h();
  } else {
    c.nominal = true;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d", start.year, start.month,
                start.day, start.hour, start.minute, start.second);
  c.start_local = text;
  return c;
}

void describe_time(hid_t time_dataset, const Calendar& calendar) {
  h5::set_attr(time_dataset, "standard_name", std::string("time"));
  h5::set_attr(time_dataset, "long_name", std::string("end of the interval"));
  h5::set_attr(time_dataset, "units", calendar.time_units());
  h5::set_attr(time_dataset, "calendar", std::string("standard"));
  if (!calendar.nominal) h5::set_attr(time_dataset, "time_zone", calendar.time_zone());
  if (calendar.nominal)
    h5::set_attr(time_dataset, "comment",
                 std::string("the scenario has no site: the calendar start is nominal"));
}

void write_jobs(hid_t file, const models::world::World& world, const Calendar& calendar) {
  const auto& jobs = world.jobs();
  std::vector<std::int64_t> id, nodes, gpus, interruptions;
  std::vector<double> submit, start, end, wait, energy, accel_energy, lost, goodput, mfu, kernel;
  std::vector<double> useful_h, train_tokens, served, out_tokens;
  std::array<std::vector<double>, 4> split;
  std::vector<std::string> name, state;
  const auto secs = [](sim::Time t) { return t == sim::Time::max() ? std::nan("") : t.seconds(); };
  for (const auto& job : jobs) {
    id.push_back(job.id);
    name.push_back(job.request.name);
    submit.push_back(job.request.submit.seconds());
    start.push_back(secs(job.start));
    end.push_back(secs(job.end));
    wait.push_back(job.start == sim::Time::max() ? std::nan("")
                                                 : (job.start - job.request.submit).seconds());
    nodes.push_back(job.request.nodes);
    gpus.push_back(job.request.gpus);
    energy.push_back(job.energy_j / sim::joules_per_kwh);
    accel_energy.push_back(job.accelerator_energy_j / sim::joules_per_kwh);
    interruptions.push_back(job.interruptions);
    const models::workload::RunStats* stats = job.model->stats();
    lost.push_back(stats ? stats->lost_gpu_hours() : 0.0);
    goodput.push_back(stats ? stats->goodput() : std::nan(""));
    mfu.push_back(job.model->end_to_end_mfu());
    kernel.push_back(job.model->kernel_efficiency());
    const auto work = models::world::job_work(job, world.simulator().now());
    useful_h.push_back(work.useful_gpu_s / sim::seconds_per_hour);
    train_tokens.push_back(work.training_tokens);
    served.push_back(work.requests_served);
    out_tokens.push_back(work.output_tokens);
    const auto parts = models::world::job_split_j(world, job);
    for (std::size_t i = 0; i < 4; ++i) split[i].push_back(parts[i] / sim::joules_per_kwh);
    state.push_back(job.state == models::world::JobState::done      ? "done"
                    : job.state == models::world::JobState::running ? "running"
                                                                    : "queued");
  }
  h5::Handle group = h5::create_group(file, "jobs");
  const hid_t g = group.get();
  h5::set_attr(g, "description",
               std::string("One entry per job; times are seconds from the start of the run (" +
                           calendar.time_units() + "); NaN = did not happen"));
  h5::Handle job_ids = h5::write_coordinate(g, "job", id, {"job id", "1"});
  const h5::Dimension job{"job", job_ids.get()};
  h5::write_strings(g, "name", name, job, {"job name", ""});
  h5::write_variable(g, "submit_s", submit, {&job}, {"submit time from the start of the run", "s"});
  h5::write_variable(g, "start_s", start, {&job}, {"start time from the start of the run", "s"});
  h5::write_variable(g, "end_s", end, {&job}, {"end time from the start of the run", "s"});
  h5::write_variable(g, "wait_s", wait, {&job}, {"queue wait", "s"});
  h5::write_variable(g, "nodes", nodes, {&job}, {"nodes requested", "1"});
  h5::write_variable(g, "gpus", gpus, {&job}, {"accelerators requested", "1"});
  h5::write_variable(g, "energy_kwh", energy, {&job}, {"IT energy of the job", "kWh"});
  h5::write_variable(g, "accelerator_energy_kwh", accel_energy, {&job},
                     {"energy of the accelerators of the job's nodes (no host)", "kWh"});
  h5::write_variable(g, "interruptions", interruptions, {&job},
                     {"failures that interrupted the job", "1"});
  h5::write_variable(g, "lost_gpu_h", lost, {&job},
                     {"accelerator time lost to failures (recomputed work and restarts)", "h"});
  h5::write_variable(g, "goodput", goodput, {&job},
                     {"useful over total accelerator time (training jobs)", "1"});
  h5::write_variable(g, "mfu", mfu, {&job},
                     {"end-to-end model FLOPs utilisation (training jobs)", "1"});
  h5::write_variable(g, "kernel_efficiency", kernel, {&job},
                     {"tensor throughput while computing over peak (training jobs)", "1"});
  h5::write_strings(g, "state", state, job, {"state at the end of the run", ""});
  h5::write_variable(g, "useful_gpu_h", useful_h, {&job},
                     {"accelerator-hours of useful work (training: steps done)", "h"});
  h5::write_variable(g, "training_tokens", train_tokens, {&job},
                     {"tokens of the training steps done (training jobs)", "1"});
  h5::write_variable(g, "requests_served", served, {&job},
                     {"requests served (inference services)", "1"});
  h5::write_variable(g, "output_tokens", out_tokens, {&job},
                     {"output tokens generated (inference services)", "1"});
  const char* const parts[] = {"compute", "transfer", "storage", "auxiliary"};
  for (std::size_t i = 0; i < 4; ++i)
    h5::write_variable(g, std::string(parts[i]) + "_kwh", split[i], {&job},
                       {std::string(parts[i]) + " energy of the job's four-way split", "kWh"});
}

}  // namespace joule::app
