#include "app/estimate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_set>

#include "app/h5.hpp"
#include "app/run.hpp"
#include "models/scheduling/deferral.hpp"
#include "models/world/world.hpp"

namespace joule::app {

namespace {

using models::scheduling::Deferral;
using models::scheduling::JobView;
using models::scheduling::SchedulerContext;

// Starts nothing; estimates every job the first time it sees it queued (at its arrival).
class Estimator final : public models::scheduling::Policy {
public:
  Estimator(std::vector<JobPrediction>& out, int per_node, bool has_price)
      : out_(out),
        per_node_(std::max(1, per_node)),
        has_price_(has_price),
        carbon_(sim::hours(1), [](const SchedulerContext& c,
                                  sim::Time t) { return c.carbon_intensity(t).value(); }),
        price_(sim::hours(1),
               [](const SchedulerContext& c, sim::Time t) { return c.price(t).value(); }) {}

  void schedule(SchedulerContext& ctx) override {
    for (const JobView* job : ctx.queue()) {
      if (!seen_.insert(job->id).second) continue;
      const models::scheduling::JobEstimate e = ctx.estimate(*job, std::nullopt);
      const double r_s = e.run_time.seconds();
      double idle_w = 0.0;  // a free, on node's wall power (mean over the nodes)
      for (const auto& n : ctx.nodes()) idle_w += n.power_w;
      idle_w /= static_cast<double>(std::max<std::size_t>(1, ctx.nodes().size()));
      const int n = job->request.nodes;
      const double share = std::min(1.0, static_cast<double>(job->request.gpus) / (n * per_node_));
      const double own_idle_w = share * n * idle_w;
      const double added_w = e.added_power.value();
      const double p_w = ctx.it_power().value();
      const double f_w = ctx.facility_power().value();
      const double marginal_w = ctx.facility_power_at(sim::Watts(p_w + added_w)).value() - f_w;
      const double facility_w = own_idle_w * (p_w > 0 ? f_w / p_w : 1.0) + marginal_w;

      JobPrediction p;
      p.name = job->request.name;
      p.submit_s = job->request.submit.seconds();
      p.nodes = n;
      p.gpus = job->request.gpus;
      p.run_s = r_s;
      p.it_kwh = (added_w + own_idle_w) * r_s / sim::joules_per_kwh;
      p.facility_kwh = facility_w * r_s / sim::joules_per_kwh;
      const double facility_j = facility_w * r_s;
      p.co2e_kg = facility_j * carbon_.mean_signal(ctx, job->request.submit, e.run_time);
      if (has_price_)
        p.cost_usd = facility_j * price_.mean_signal(ctx, job->request.submit, e.run_time);
      out_.push_back(p);
    }
  }

private:
  std::vector<JobPrediction>& out_;
  int per_node_;
  bool has_price_;
  Deferral carbon_, price_;  // only their window means are used
  std::unordered_set<std::uint32_t> seen_;
};

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const std::size_t i = static_cast<std::size_t>(std::ceil(q * v.size())) - 1;
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

std::vector<JobPrediction> estimate_jobs(const Scenario& sc) {
  models::world::WorldSpec spec =
      models::world::world_spec(world_sections(sc), sc.seed, sc.base_dir);
  std::vector<JobPrediction> out;
  const sim::ParamNode* site = sc.root.find("site");
  const sim::ParamNode* price = site ? site->find("price") : nullptr;
  const bool has_price =
      (price && !(price->is_scalar() && price->scalar == "none")) || (site && site->find("tariff"));
  spec.scheduler.policy_name = "estimate";
  spec.scheduler.policy =
      std::make_unique<Estimator>(out, spec.cluster.node.accelerators, has_price);
  models::world::World world(std::move(spec));
  world.run_until(sc.duration);
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.submit_s < b.submit_s; });
  return out;
}

EstimateError compare_with_run(const std::vector<JobPrediction>& predictions,
                               const std::string& run_file) {
  h5::Handle file = h5::open_file_readonly(run_file);
  const auto submit = h5::read_doubles(file.get(), "jobs/submit_s");
  const auto start = h5::read_doubles(file.get(), "jobs/start_s");
  const auto end = h5::read_doubles(file.get(), "jobs/end_s");
  const auto energy = h5::read_doubles(file.get(), "jobs/energy_kwh");
  std::vector<double> energy_err, time_err;
  double predicted_kwh = 0, simulated_kwh = 0;
  const std::size_t n = std::min(predictions.size(), submit.size());
  for (std::size_t i = 0; i < n; ++i) {
    const JobPrediction& p = predictions[i];
    if (std::fabs(submit[i] - p.submit_s) > 1e-6)
      throw sim::InputError(sim::Location{nullptr, run_file, 0, 0},
                            "job " + std::to_string(i) + " of the run was submitted at " +
                                std::to_string(submit[i]) + " s, the scenario's at " +
                                std::to_string(p.submit_s) +
                                " s: not a run of this scenario and seed");
    if (!std::isfinite(start[i]) || !std::isfinite(end[i]) || end[i] <= start[i]) continue;
    const double sim_s = end[i] - start[i];
    if (energy[i] <= 0 || sim_s <= 0) continue;
    energy_err.push_back(100.0 * std::fabs(p.it_kwh - energy[i]) / energy[i]);
    time_err.push_back(100.0 * std::fabs(p.run_s - sim_s) / sim_s);
    predicted_kwh += p.it_kwh;
    simulated_kwh += energy[i];
  }
  EstimateError e;
  e.jobs = energy_err.size();
  if (e.jobs == 0) return e;
  auto mean = [](const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return s / static_cast<double>(v.size());
  };
  e.energy_mean_abs_pct = mean(energy_err);
  e.energy_p95_abs_pct = percentile(energy_err, 0.95);
  e.energy_total_pct = 100.0 * (predicted_kwh - simulated_kwh) / simulated_kwh;
  e.time_mean_abs_pct = mean(time_err);
  e.time_p95_abs_pct = percentile(time_err, 0.95);
  return e;
}

std::string estimate_table(const std::vector<JobPrediction>& p, std::size_t rows) {
  std::string out;
  char line[512];
  // The name column is as wide as the longest name shown (names longer than 48 characters
  // push their own row's columns right rather than being cut).
  int name_width = 3;
  for (std::size_t i = 0; i < p.size() && i < rows; ++i)
    name_width = std::max(name_width, std::min(48, static_cast<int>(p[i].name.size())));
  std::snprintf(line, sizeof line, "%-*s %10s %5s %5s %10s %10s %12s %10s %10s\n", name_width,
                "job", "submit h", "nodes", "gpus", "run h", "IT kWh", "facility kWh", "kgCO2e",
                "cost USD");
  out += line;
  double it = 0, fac = 0, co2 = 0, cost = 0, gpu_h = 0;
  bool priced = false;
  for (std::size_t i = 0; i < p.size(); ++i) {
    it += p[i].it_kwh;
    fac += p[i].facility_kwh;
    co2 += p[i].co2e_kg;
    gpu_h += p[i].gpus * p[i].run_s / 3600;
    if (p[i].cost_usd) {
      cost += *p[i].cost_usd;
      priced = true;
    }
    if (i >= rows) continue;
    std::snprintf(line, sizeof line, "%-*s %10.2f %5d %5d %10.2f %10s %12s %10s %10s\n", name_width,
                  p[i].name.c_str(), p[i].submit_s / 3600, p[i].nodes, p[i].gpus, p[i].run_s / 3600,
                  format_number(p[i].it_kwh).c_str(), format_number(p[i].facility_kwh).c_str(),
                  format_number(p[i].co2e_kg).c_str(),
                  p[i].cost_usd ? format_number(*p[i].cost_usd).c_str() : "-");
    out += line;
  }
  if (p.size() > rows) out += "... (" + std::to_string(p.size() - rows) + " more; --rows N)\n";
  std::snprintf(
      line, sizeof line, "%zu jobs: %s GPU-h, IT %s kWh, facility %s kWh, %s kgCO2e, cost %s USD\n",
      p.size(), format_number(gpu_h).c_str(), format_number(it).c_str(), format_number(fac).c_str(),
      format_number(co2).c_str(), priced ? format_number(cost).c_str() : "-");
  out += line;
  return out;
}

std::string estimate_json(const std::vector<JobPrediction>& p) {
  std::string out = "[\n";
  char line[512];
  for (std::size_t i = 0; i < p.size(); ++i) {
    std::string cost = "null";
    if (p[i].cost_usd) {
      char c[64];
      std::snprintf(c, sizeof c, "%.17g", *p[i].cost_usd);
      cost = c;
    }
    std::snprintf(line, sizeof line,
                  "  {\"name\": \"%s\", \"submit_s\": %.17g, \"nodes\": %d, \"gpus\": %d, "
                  "\"run_s\": %.17g, \"it_kwh\": %.17g, \"facility_kwh\": %.17g, "
                  "\"co2e_kg\": %.17g, \"cost_usd\": %s}%s\n",
                  p[i].name.c_str(), p[i].submit_s, p[i].nodes, p[i].gpus, p[i].run_s, p[i].it_kwh,
                  p[i].facility_kwh, p[i].co2e_kg, cost.c_str(), i + 1 < p.size() ? "," : "");
    out += line;
  }
  return out + "]\n";
}

std::string error_table(const EstimateError& e) {
  char text[512];
  std::snprintf(text, sizeof text,
                "prediction error against the run (%zu jobs that ended in it):\n"
                "  IT energy per job   mean |error| %.2f %%, p95 %.2f %%; total %+.2f %%\n"
                "  run time per job    mean |error| %.2f %%, p95 %.2f %%\n",
                e.jobs, e.energy_mean_abs_pct, e.energy_p95_abs_pct, e.energy_total_pct,
                e.time_mean_abs_pct, e.time_p95_abs_pct);
  return text;
}

}  // namespace joule::app
