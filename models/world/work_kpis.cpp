// KPIs of energy per unit of work (work.hpp): tokens, requests and useful accelerator-hours
// beside the energy they took, so that designs that finish different work can be compared.
// Energies per token are the jobs' own IT energy (J/token) or their attributed facility energy
// and emissions (per million tokens); each is absent when no job of that kind ran or did the
// work it divides by.
#include <cmath>

#include "models/world/kpi.hpp"
#include "models/world/work.hpp"
#include "models/world/world.hpp"
#include "sim/units.hpp"

namespace joule::models::world {

namespace {

using Value = std::optional<double>;

constexpr double tokens_per_mtok = 1e6;

Value ratio(double num, double den) {
  if (!(den > 0)) return std::nullopt;
  return num / den;
}

// Attributed facility kWh and kgCO2e per million tokens of `k`'s jobs.
Value kwh_per_mtok(const RunRecord& r, const WorkSummary::Kind& k, double tokens) {
  return ratio(k.it_j * facility_per_it(r.world) / sim::joules_per_kwh, tokens / tokens_per_mtok);
}
Value kg_per_mtok(const RunRecord& r, const WorkSummary::Kind& k, double tokens) {
  const std::optional<double> kg_per_j = co2e_kg_per_it_j(r.world);
  if (!kg_per_j) return std::nullopt;
  return ratio(k.it_j * *kg_per_j, tokens / tokens_per_mtok);
}

const bool registered = [] {
  auto add = [](int rank, const char* name, const char* unit, const char* label,
                const char* description, auto compute) {
    KpiRegistry::add(
        {name, unit, label, description, "work", rank,
         [compute](const RunRecord& r) -> Value { return compute(r, summarize_work(r.world)); },
         ""});
  };
  add(600, "useful_gpu_h", "GPU-h", "useful accelerator time",
      "Accelerator-hours of useful work: training steps done (t_step·G each; lost work, "
      "checkpoints and restarts excluded) and G × run time of other jobs; absent without jobs",
      [](const RunRecord&, const WorkSummary& s) -> Value {
        if (s.all.jobs == 0) return std::nullopt;
        return s.all.work.useful_gpu_s / sim::seconds_per_hour;
      });
  add(605, "kwh_per_useful_gpu_h", "kWh/GPU-h", "energy per useful GPU-hour",
      "Facility energy (IT energy without a facility) / useful_gpu_h: everything the site drew, "
      "idle time and overheads included, per hour of useful accelerator work; absent without "
      "useful work",
      [](const RunRecord& r, const WorkSummary& s) -> Value {
        const double it_j = r.world.it_energy_j();
        return ratio(it_j * facility_per_it(r.world) / sim::joules_per_kwh,
                     s.all.work.useful_gpu_s / sim::seconds_per_hour);
      });
  add(610, "kwh_per_job", "kWh", "energy per completed job",
      "Mean attributed facility energy of the completed jobs: IT energy × the run's PUE (IT "
      "energy alone without a facility); absent when no job completed",
      [](const RunRecord& r, const WorkSummary& s) -> Value {
        return ratio(s.completed_it_j * facility_per_it(r.world) / sim::joules_per_kwh,
                     s.completed);
      });
  add(615, "co2e_t_per_job", "tCO2e", "emissions per completed job",
      "Mean attributed emissions of the completed jobs: IT energy × the run's CUE; absent "
      "without a site or a completed job",
      [](const RunRecord& r, const WorkSummary& s) -> Value {
        const std::optional<double> kg_per_j = co2e_kg_per_it_j(r.world);
        if (!kg_per_j) return std::nullopt;
        return ratio(s.completed_it_j * *kg_per_j / 1e3, s.completed);
      });
  add(620, "training_tokens", "1", "training tokens",
      "Tokens of the training steps done (a failure takes back the steps since the last "
      "checkpoint); absent without training jobs",
      [](const RunRecord&, const WorkSummary& s) -> Value {
        if (s.training.jobs == 0) return std::nullopt;
        return s.training.work.training_tokens;
      });
  add(625, "training_j_per_token", "J/token", "training energy per token",
      "IT energy of the training jobs (lost work, checkpoints and restarts included) / "
      "training_tokens; absent without training tokens",
      [](const RunRecord&, const WorkSummary& s) -> Value {
        return ratio(s.training.it_j, s.training.work.training_tokens);
      });
  add(630, "training_kwh_per_mtok", "kWh/Mtoken", "training facility energy per Mtoken",
      "Attributed facility energy of the training jobs (IT × the run's PUE) per million "
      "training tokens; absent without training tokens",
      [](const RunRecord& r, const WorkSummary& s) -> Value {
        return kwh_per_mtok(r, s.training, s.training.work.training_tokens);
      });
  add(635, "training_co2e_kg_per_mtok", "kgCO2e/Mtoken", "training emissions per Mtoken",
      "Attributed emissions of the training jobs (IT × the run's CUE) per million training "
      "tokens; absent without a site or training tokens",
      [](const RunRecord& r, const WorkSummary& s) -> Value {
        return kg_per_mtok(r, s.training, s.training.work.training_tokens);
      });
  add(640, "training_flop_per_j", "FLOP/J", "training model FLOP per joule",
      "Model FLOPs of the training steps done (6N + attention per token) / the training jobs' "
      "IT energy; absent without training tokens",
      [](const RunRecord&, const WorkSummary& s) -> Value {
        if (!(s.training.work.model_flop > 0)) return std::nullopt;
        return ratio(s.training.work.model_flop, s.training.it_j);
      });
  add(650, "inference_requests_served", "1", "requests served",
      "Requests the inference services served (arrivals beyond a saturated service's capacity "
      "are not); absent without inference services",
      [](const RunRecord&, const WorkSummary& s) -> Value {
        if (s.inference.jobs == 0) return std::nullopt;
        return s.inference.work.requests_served;
      });
  add(652, "inference_served_share", "1", "requests served share",
      "inference_requests_served / requests offered; absent without offered requests",
      [](const RunRecord&, const WorkSummary& s) -> Value {
        return ratio(s.inference.work.requests_served, s.inference.work.requests_offered);
      });
  add(654, "inference_saturated_share", "1", "time saturated",
      "Share of the services' running time at saturation (the offered rate beyond what the "
      "replicas serve within the latency target); absent without inference services",
      [](const RunRecord&, const WorkSummary& s) -> Value {
        return ratio(s.inference.work.saturated_s, s.inference.work.service_s);
      });
  add(656, "inference_tokens_served", "1", "output tokens served",
      "Output tokens generated for the served requests (prompt tokens not counted); absent "
      "without inference services",
      [](const RunRecord&, const WorkSummary& s) -> Value {
        if (s.inference.jobs == 0) return std::nullopt;
        return s.inference.work.output_tokens;
      });
  add(660, "inference_j_per_token", "J/token", "inference energy per output token",
      "IT energy of the inference services (idle replicas included) / output tokens served; "
      "absent without served tokens",
      [](const RunRecord&, const WorkSummary& s) -> Value {
        return ratio(s.inference.it_j, s.inference.work.output_tokens);
      });
  add(665, "inference_kwh_per_mtok", "kWh/Mtoken", "inference facility energy per Mtoken",
      "Attributed facility energy of the inference services (IT × the run's PUE) per million "
      "output tokens; absent without served tokens",
      [](const RunRecord& r, const WorkSummary& s) -> Value {
        return kwh_per_mtok(r, s.inference, s.inference.work.output_tokens);
      });
  add(670, "inference_co2e_kg_per_mtok", "kgCO2e/Mtoken", "inference emissions per Mtoken",
      "Attributed emissions of the inference services (IT × the run's CUE) per million output "
      "tokens; absent without a site or served tokens",
      [](const RunRecord& r, const WorkSummary& s) -> Value {
        return kg_per_mtok(r, s.inference, s.inference.work.output_tokens);
      });
  add(675, "inference_flop_per_j", "FLOP/J", "inference model FLOP per joule",
      "Model FLOPs of the served requests (2N per prompt and output token) / the services' IT "
      "energy; absent without served tokens",
      [](const RunRecord&, const WorkSummary& s) -> Value {
        if (!(s.inference.work.model_flop > 0)) return std::nullopt;
        return ratio(s.inference.work.model_flop, s.inference.it_j);
      });
  return true;
}();

}  // namespace

}  // namespace joule::models::world
