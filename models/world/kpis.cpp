// The built-in KPIs. Energies are the lazily integrated accounts of the world and the facility
// (exact to rounding: Σ P·Δt over every piecewise-constant interval), converted at the end.
// Each entry says when it is absent: a KPI of a model the scenario does not have is nullopt,
// never zero.
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <span>
#include <utility>

#include "models/world/kpi.hpp"
#include "models/world/world.hpp"
#include "sim/units.hpp"

namespace joule::models::world {

namespace {

using Value = std::optional<double>;

double kwh(double j) {
  return j / sim::joules_per_kwh;
}
double it_kwh(const RunRecord& r) {
  return kwh(r.world.it_energy_j());
}
// The recorder writes facility traces when the scenario has a power chain or a cooling plant.
bool has_facility(const Facility& f) {
  return f.has_power_chain() || f.has_cooling();
}

// Emissions and cost at the meter plus the battery's settlement (facility.hpp).
double co2e_kg(const RunRecord& r) {
  const double metered = r.world.facility_totals().co2e_kg;  // brings the accounts up to now
  return metered + r.world.facility().battery_settlement().co2e_kg;
}
double cost_usd(const RunRecord& r) {
  const double metered = r.world.facility_totals().cost_usd;
  return metered + r.world.facility().battery_settlement().cost_usd;
}

// The index of the nearest-rank q-quantile among n values: ceil(q·n) − 1 (n > 0).
std::size_t nearest_rank_index(std::size_t n, double q) {
  return std::min(n - 1, static_cast<std::size_t>(std::ceil(q * n)) - 1);
}

// q-quantile by the nearest-rank method: the ceil(q·n)-th smallest value, of values it owns.
template <class T>
T nearest_rank_of(std::vector<T> v, double q) {
  const std::size_t k = nearest_rank_index(v.size(), q);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// Queue wait of every job submitted: start − submit, or (still waiting) end of run − submit.
std::vector<double> queue_waits_s(const RunRecord& r) {
  const sim::Time end = r.world.simulator().now();
  std::vector<double> waits;
  for (const auto& job : r.world.jobs())
    waits.push_back(
        ((job.start == sim::Time::max() ? end : job.start) - job.request.submit).seconds());
  return waits;
}

// Σ count(job) over the jobs, or no value when no job `applies` (a KPI of a kind of job the
// run does not have is absent, not 0).
template <class Applies, class Count>
Value count_over_jobs(const RunRecord& r, Applies applies, Count count) {
  bool any = false;
  double n = 0;
  for (const auto& job : r.world.jobs()) {
    any = any || applies(job);
    n += static_cast<double>(count(job));
  }
  return any ? Value(n) : std::nullopt;
}

const bool registered = [] {
  // `warning`: what a positive value means, for a KPI that reports a limit not met.
  auto add = [](int rank, const char* name, const char* unit, const char* label, const char* topic,
                const char* description, auto compute, const char* warning = "") {
    KpiRegistry::add({name, unit, label, description, topic, rank, compute, warning});
  };
  // Energy.
  add(10, "it_energy_kwh", "kWh", "IT energy", "energy",
      "Energy at the server inputs plus network switches, integrated exactly over the run",
      [](const RunRecord& r) -> Value { return it_kwh(r); });
  add(20, "facility_energy_kwh", "kWh", "facility energy", "energy",
      "IT + power-chain losses + cooling + other loads, before on-site PV and battery; absent "
      "without a power chain or cooling plant",
      [](const RunRecord& r) -> Value {
        if (!has_facility(r.world.facility())) return std::nullopt;
        return kwh(r.world.facility_totals().facility_j);
      });
  add(30, "cooling_energy_kwh", "kWh", "cooling energy", "energy",
      "Electricity of the cooling plant (chillers, towers, pumps, fans, CDUs); absent without "
      "cooling",
      [](const RunRecord& r) -> Value {
        if (!r.world.facility().has_cooling()) return std::nullopt;
        return kwh(r.world.facility_totals().cooling_j);
      });
  add(40, "power_chain_loss_kwh", "kWh", "power-chain losses", "energy",
      "Losses of the PDUs, UPS and transformer; absent without a power chain",
      [](const RunRecord& r) -> Value {
        if (!r.world.facility().has_power_chain()) return std::nullopt;
        return kwh(r.world.facility_totals().losses_j);
      });
  add(50, "pue", "1", "PUE", "energy",
      "Power usage effectiveness: facility energy / IT energy over the run (NaN when no IT "
      "energy); absent without a facility",
      [](const RunRecord& r) -> Value {
        if (!has_facility(r.world.facility())) return std::nullopt;
        const double it = it_kwh(r);
        return it > 0 ? kwh(r.world.facility_totals().facility_j) / it : std::nan("");
      });
  // Power.
  add(60, "peak_it_power_kw", "kW", "peak IT power", "power",
      "Highest instantaneous IT power (power is piecewise constant between events)",
      [](const RunRecord& r) -> Value { return r.world.peak_it_power_w() / 1e3; });
  add(70, "peak_facility_power_kw", "kW", "peak facility power", "power",
      "Highest instantaneous facility power; absent without a facility",
      [](const RunRecord& r) -> Value {
        if (!has_facility(r.world.facility())) return std::nullopt;
        return r.world.facility().peak_facility_w() / 1e3;
      });
  // Environment and cost.
  add(80, "co2e_t", "tCO2e", "emissions", "environment",
      "Grid imports × the site's hourly carbon intensity, plus the battery's settlement, in "
      "tonnes CO2e; absent without a site",
      [](const RunRecord& r) -> Value {
        if (!r.world.facility().has_site()) return std::nullopt;
        return co2e_kg(r) / 1e3;
      });
  add(90, "water_m3", "m3", "water", "environment",
      "Water evaporated and blown down by the cooling towers; absent without cooling",
      [](const RunRecord& r) -> Value {
        if (!r.world.facility().has_cooling()) return std::nullopt;
        return r.world.facility_totals().water_m3;
      });
  add(100, "cost_usd", "USD", "energy cost", "cost",
      "Net grid energy × the site's price (flat, hourly or time-of-use: the summary's tariff "
      "line says which), plus the battery's settlement; absent without a site price",
      [](const RunRecord& r) -> Value {
        const Facility& f = r.world.facility();
        if (!f.has_site() || !f.site()->has_price()) return std::nullopt;
        return cost_usd(r);
      });
  // Jobs.
  add(110, "jobs_submitted", "1", "jobs submitted", "jobs", "Jobs that arrived during the run",
      [](const RunRecord& r) -> Value { return static_cast<double>(r.world.jobs().size()); });
  add(120, "jobs_completed", "1", "jobs completed", "jobs", "Jobs that finished during the run",
      [](const RunRecord& r) -> Value {
        int completed = 0;
        for (const auto& job : r.world.jobs()) completed += job.state == JobState::done;
        return completed;
      });
  add(130, "mean_wait_s", "s", "mean queue wait", "jobs",
      "Mean queue wait over every job submitted: start − submit, or end of run − submit for "
      "a job still waiting (a lower bound); absent when no job was submitted",
      [](const RunRecord& r) -> Value {
        const std::vector<double> waits = queue_waits_s(r);
        if (waits.empty()) return std::nullopt;
        double sum = 0;
        for (const double w : waits) sum += w;
        return sum / static_cast<double>(waits.size());
      });
  add(135, "jobs_waiting", "1", "jobs still waiting", "jobs",
      "Jobs submitted that had not started when the run ended", [](const RunRecord& r) -> Value {
        int waiting = 0;
        for (const auto& job : r.world.jobs()) waiting += job.start == sim::Time::max();
        return waiting;
      });
  add(136, "job_resizes", "1", "elastic resizes", "jobs",
      "Resizes of running elastic jobs made by the policy (each stalls the job for its "
      "`reconfigure` time); absent when no job is elastic",
      [](const RunRecord& r) -> Value {
        return count_over_jobs(
            r, [](const Job& j) { return j.request.elastic.enabled(); },
            [](const Job& j) { return j.resizes; });
      });
  add(137, "job_moves", "1", "moves at checkpoints", "jobs",
      "Moves of preemptible jobs to other nodes at their checkpoints (each stalls the job for "
      "its `restart` time); absent when no job is preemptible",
      [](const RunRecord& r) -> Value {
        return count_over_jobs(
            r, [](const Job& j) { return j.request.preemptible; },
            [](const Job& j) { return j.moves; });
      });
  // The run itself.
  add(140, "simulated_s", "s", "simulated time", "run", "The scenario's duration",
      [](const RunRecord& r) -> Value { return r.simulated.seconds(); });
  add(150, "wall_s", "s", "wall-clock time", "engine",
      "Wall-clock time of the simulation (differs between runs of the same scenario)",
      [](const RunRecord& r) -> Value { return r.wall_s; });
  add(160, "events", "1", "events", "engine", "Events the engine processed",
      [](const RunRecord& r) -> Value {
        return static_cast<double>(r.world.simulator().events_processed());
      });
  add(170, "p99_facility_power_kw", "kW", "p99 facility power", "power",
      "99th percentile (nearest rank) of the recorded interval-average facility power; absent "
      "without a facility",
      [](const RunRecord& r) -> Value {
        if (!has_facility(r.world.facility()) || r.facility_samples_w.empty()) return std::nullopt;
        return nearest_rank(r.facility_samples_w, 0.99) / 1e3;
      });
  add(180, "wue_l_per_kwh", "L/kWh", "WUE", "environment",
      "Water usage effectiveness: site water (L) / IT energy (kWh); absent without cooling or "
      "IT energy",
      [](const RunRecord& r) -> Value {
        const double it = it_kwh(r);
        if (!r.world.facility().has_cooling() || !(it > 0)) return std::nullopt;
        return r.world.facility_totals().water_m3 * 1e3 / it;
      });
  add(190, "cue_kg_per_kwh", "kgCO2e/kWh", "CUE", "environment",
      "Carbon usage effectiveness: emissions (kgCO2e) / IT energy (kWh); absent without a site "
      "or IT energy",
      [](const RunRecord& r) -> Value {
        const double it = it_kwh(r);
        if (!r.world.facility().has_site() || !(it > 0)) return std::nullopt;
        return co2e_kg(r) / it;
      });
  add(200, "goodput", "1", "goodput", "jobs",
      "Useful accelerator-seconds / all accelerator-seconds of jobs that report progress "
      "(training: lost work, checkpoints and restarts are not useful); absent when none does",
      [](const RunRecord& r) -> Value {
        double useful = 0, total = 0;
        for (const auto& job : r.world.jobs())
          if (const workload::RunStats* stats = job.model->stats()) {
            useful += stats->useful_gpu_s;
            total += stats->total_gpu_s();
          }
        if (!(total > 0)) return std::nullopt;
        return useful / total;
      });
  add(
      210, "cooling_unmet_heat_kwh", "kWh", "unmet cooling heat", "environment",
      "Heat the cooling plant could not remove (beyond its capacity); absent when the plant "
      "always kept up",
      [](const RunRecord& r) -> Value {
        const Facility& f = r.world.facility();
        if (!f.has_cooling() || !f.over_capacity()) return std::nullopt;
        return kwh(r.world.facility_totals().unmet_heat_j);
      },
      "the cooling plant could not remove all the heat: its PUE and cooling energy "
      "describe a plant that could not carry the load");
  add(220, "p95_wait_s", "s", "p95 queue wait", "jobs",
      "95th percentile (nearest rank) of the queue wait over every job submitted, a job still "
      "waiting counting its wait so far; absent when no job was submitted",
      [](const RunRecord& r) -> Value {
        std::vector<double> waits = queue_waits_s(r);
        if (waits.empty()) return std::nullopt;
        return nearest_rank_of(std::move(waits), 0.95);
      });
  add(230, "makespan_s", "s", "makespan", "jobs",
      "From the first submission to the last completion; absent when no job completed",
      [](const RunRecord& r) -> Value {
        double first_submit = -1, last_end = -1;
        for (const auto& job : r.world.jobs()) {
          if (first_submit < 0) first_submit = job.request.submit.seconds();
          if (job.start != sim::Time::max() && job.end != sim::Time::max())
            last_end = std::max(last_end, job.end.seconds());
        }
        if (last_end < 0) return std::nullopt;
        return last_end - first_submit;
      });
  add(240, "gpu_utilization", "1", "GPU utilization", "jobs",
      "Accelerator-seconds allocated to running jobs / accelerator-seconds present (a pool "
      "counts from its `from` until its nodes go out of service), over the whole run",
      [](const RunRecord& r) -> Value {
        const double present_s = r.world.present_accelerator_s();
        if (!(present_s > 0)) return std::nullopt;
        const sim::Time end = r.world.simulator().now();
        double busy_gpu_s = 0;
        for (const auto& job : r.world.jobs()) {
          if (job.start == sim::Time::max()) continue;
          const sim::Time stop = job.end == sim::Time::max() ? end : job.end;
          busy_gpu_s += job.allocated_gpu_s(stop);
        }
        return busy_gpu_s / present_s;
      });
  // Facility detail.
  add(250, "other_energy_kwh", "kWh", "other loads", "energy",
      "Lighting, offices, block heaters and other loads beside IT and cooling; absent without "
      "a power chain",
      [](const RunRecord& r) -> Value {
        if (!r.world.facility().has_power_chain()) return std::nullopt;
        return kwh(r.world.facility_totals().other_j);
      });
  add(260, "export_loss_kwh", "kWh", "export losses", "energy",
      "Transformer losses caused by exporting on-site generation (not in facility energy); "
      "absent without a power chain",
      [](const RunRecord& r) -> Value {
        if (!r.world.facility().has_power_chain()) return std::nullopt;
        return kwh(r.world.facility_totals().export_loss_j);
      });
  add(270, "renewable_energy_factor", "1", "REF", "energy",
      "Renewable energy factor (ISO/IEC 30134-3): on-site renewable energy used, max(0, PV − "
      "exported − export losses), over facility energy; absent without a power chain",
      [](const RunRecord& r) -> Value {
        if (!r.world.facility().has_power_chain()) return std::nullopt;
        const FacilityTotals& t = r.world.facility_totals();
        if (!(t.facility_j > 0)) return std::nullopt;
        return std::max(0.0, t.pv_j - t.exported_j - t.export_loss_j) / t.facility_j;
      });
  add(
      280, "power_chain_overload_h", "h", "power-chain overload", "power",
      "Time any power-chain stage (UPS or transformer) ran above its rating; absent without a "
      "power chain",
      [](const RunRecord& r) -> Value {
        if (!r.world.facility().has_power_chain()) return std::nullopt;
        return r.world.facility_totals().overload_s / 3600;
      },
      "a power-chain stage (UPS or transformer) ran above its rating");
  add(290, "max_inlet_c", "degC", "hottest rack inlet", "environment",
      "Highest rack inlet air temperature of the data hall over the run; absent without a "
      "thermal model of the hall",
      [](const RunRecord& r) -> Value {
        if (!r.world.facility().has_thermal()) return std::nullopt;
        return r.world.facility().max_inlet_c();
      });
  add(300, "mean_max_inlet_c", "degC", "mean hottest rack inlet", "environment",
      "Time average of the hottest rack inlet temperature; absent without a thermal model of "
      "the hall",
      [](const RunRecord& r) -> Value {
        if (!r.world.facility().has_thermal()) return std::nullopt;
        return r.world.facility().mean_max_inlet_c();
      });
  add(302, "crah_bypass_share", "1", "CRAH bypass share", "environment",
      "Share of the CRAH supply air that bypassed the servers over the run (the CRAH airflow "
      "follows the servers' at cooling.airflow_ratio, never below its minimum speed); absent "
      "without CRAHs",
      [](const RunRecord& r) -> Value {
        const double v = r.world.facility().crah_bypass_share();
        if (!std::isfinite(v)) return std::nullopt;
        return v;
      });
  add(304, "crah_recirculation_share", "1", "server recirculation share", "environment",
      "Share of the servers' intake air that was hot room air because the CRAH supply fell "
      "short of the servers' airflow; absent without CRAHs",
      [](const RunRecord& r) -> Value {
        const double v = r.world.facility().crah_recirculation_share();
        if (!std::isfinite(v)) return std::nullopt;
        return v;
      });
  add(310, "pue_without_power_chain", "1", "PUE without the power chain", "energy",
      "(IT + cooling + other loads) / IT: PUE at a meter boundary without the electrical "
      "chain's own losses, as facilities that meter IT at the floor publish it; absent without "
      "a power chain and a cooling plant",
      [](const RunRecord& r) -> Value {
        const Facility& f = r.world.facility();
        if (!f.has_power_chain() || !f.has_cooling()) return std::nullopt;
        const double it = it_kwh(r);
        if (!(it > 0)) return std::nullopt;
        const FacilityTotals& t = r.world.facility_totals();
        return (it + kwh(t.cooling_j + t.other_j)) / it;
      });
  add(
      320, "rack_limit_violation_s", "s", "rack limit not met", "power",
      "Time any rack drew more than its power_limit because even its lowest clocks could not "
      "meet it (a limit below the nodes' idle draw)",
      [](const RunRecord& r) -> Value { return r.world.limits().rack_limit().seconds(); },
      "a rack drew more than its power_limit (even at its lowest clocks)");
  add(
      330, "rack_limit_violation_kwh", "kWh", "energy above rack limits", "power",
      "Energy racks drew above their power_limit while it could not be met",
      [](const RunRecord& r) -> Value { return kwh(r.world.limits().rack_limit().energy_j()); },
      "a rack drew more than its power_limit (even at its lowest clocks)");
  add(
      340, "gpu_cap_violation_s", "s", "GPU cap not met", "power",
      "Time any accelerator drew more than its power cap at its lowest clock (a cap below its "
      "idle draw)",
      [](const RunRecord& r) -> Value { return r.world.limits().gpu_cap().seconds(); },
      "an accelerator drew more than its power cap (even at its lowest clock)");
  add(
      350, "gpu_cap_violation_kwh", "kWh", "energy above GPU caps", "power",
      "Energy accelerators drew above their caps while the caps could not be met",
      [](const RunRecord& r) -> Value { return kwh(r.world.limits().gpu_cap().energy_j()); },
      "an accelerator drew more than its power cap (even at its lowest clock)");
  return true;
}();

}  // namespace

// A year of minute samples is 525,600 floats: a copy of them was 2 MB of fresh pages (~500 page
// faults, each costly on a virtual machine) before std::nth_element went over it. Here three
// passes count the samples by the bits of an order-preserving key, 11, 11 and 10 bits at a time,
// each pass among those that share the bits found so far, which leaves the key of the k-th
// smallest. Keys order floats as `<` does but for −0 before +0 (and NaNs apart), and no two
// other floats that compare equal differ in their bits; so when no sample is a NaN and the value
// found is not a zero, every value std::nth_element could leave at k is this one, to the bit.
// Otherwise the copy and std::nth_element, as before.
float nearest_rank(std::span<const float> samples, double q) {
  const std::size_t k = nearest_rank_index(samples.size(), q);
  const auto key = [](float x) {
    const auto bits = std::bit_cast<std::uint32_t>(x);
    return (bits & 0x80000000u) ? ~bits : bits | 0x80000000u;
  };
  std::array<std::size_t, 2048> count{};
  bool nan = false;
  for (const float x : samples) {
    nan |= x != x;
    ++count[key(x) >> 21];
  }
  std::size_t rank = k;  // among the samples whose keys begin with `prefix`
  const auto pick = [&]() {
    std::uint32_t bin = 0;
    while (rank >= count[bin]) rank -= count[bin++];
    return bin;
  };
  std::uint32_t prefix = pick();
  if (!nan) {
    count.fill(0);
    for (const float x : samples)
      if (const std::uint32_t kx = key(x); kx >> 21 == prefix) ++count[(kx >> 10) & 0x7ff];
    prefix = prefix << 11 | pick();
    count.fill(0);
    for (const float x : samples)
      if (const std::uint32_t kx = key(x); kx >> 10 == prefix) ++count[kx & 0x3ff];
    prefix = prefix << 10 | pick();
    const float v = std::bit_cast<float>((prefix & 0x80000000u) ? prefix & 0x7fffffffu : ~prefix);
    if (v != 0.0f) return v;
  }
  return nearest_rank_of(std::vector<float>(samples.begin(), samples.end()), q);
}

}  // namespace joule::models::world
