// `joule estimate SCENARIO`: each job's energy, time, carbon and cost predicted before it runs,
// from the same models a run uses, without simulating the queue.
//
// The scenario's world is built as `joule run` builds it, and its arrivals run with a policy
// that starts nothing: every job is estimated when it arrives, on the otherwise idle
// facility, as if it started at its submission:
//   run time  r = SchedulerContext::estimate(job).run_time (the node model's clock at the job's
//             typical load and the present mean inlet; fixed-duration jobs: their duration);
//   IT energy E = (a + s·n·P_idle)·r, with a the power the job adds over idle on its n nodes
//             (estimate(job).added_power), P_idle a free node's wall power and s the share of
//             each node it uses (its GPUs over the nodes' GPUs; 1 for whole nodes);
//   facility  E_fac = (s·n·P_idle · F(P)/P + F(P + a) − F(P))·r, with P the IT power now and F
//             the facility meter at an IT power (facility_power_at: power chain and cooling);
//   carbon    E_fac · mean grid intensity over [submit, submit + r] (hourly series);
//   cost      E_fac · mean energy price over the same window (no price: none).
// What it leaves out: the queue (a job's real start, and so the weather, carbon and price at
// that time), other jobs' heat raising the inlets, failures and restarts of training jobs
// beyond what their model plans, and GPU sharing. `--compare RUN.h5` reports the error of the
// energy and time predictions against a finished run of the same scenario, job by job.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/scenario.hpp"

namespace joule::app {

struct JobPrediction {
  std::string name;
  double submit_s = 0;
  int nodes = 0, gpus = 0;
  double run_s = 0;
  double it_kwh = 0, facility_kwh = 0;
  double co2e_kg = 0;
  std::optional<double> cost_usd;  // none without a price
};

// Every job the scenario submits within its duration, in submit order.
std::vector<JobPrediction> estimate_jobs(const Scenario& scenario);

// Error of the predictions against a finished run's job table (jobs matched in submit order;
// only jobs that ended inside the run count).
struct EstimateError {
  std::size_t jobs = 0;
  double energy_mean_abs_pct = 0, energy_p95_abs_pct = 0, energy_total_pct = 0;
  double time_mean_abs_pct = 0, time_p95_abs_pct = 0;
};
EstimateError compare_with_run(const std::vector<JobPrediction>& predictions,
                               const std::string& run_file);

std::string estimate_table(const std::vector<JobPrediction>& predictions, std::size_t rows);
std::string estimate_json(const std::vector<JobPrediction>& predictions);
std::string error_table(const EstimateError& error);

}  // namespace joule::app
