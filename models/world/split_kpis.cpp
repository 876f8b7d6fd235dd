// KPIs of the four-way split (energy_split.hpp): E = compute + transfer + storage + auxiliary,
// for the facility (adding up to facility_energy_kwh, or to it_energy_kwh without a facility)
// and for the training jobs and the inference services.
#include "models/world/energy_split.hpp"
#include "models/world/kpi.hpp"
#include "models/world/work.hpp"
#include "models/world/world.hpp"
#include "sim/units.hpp"

namespace joule::models::world {

namespace {

using Value = std::optional<double>;
using Parts = EnergySplit::Parts;

enum Share : std::size_t { compute, transfer, storage, auxiliary, share_count };
using Split = std::array<double, share_count>;

bool has_facility(const World& w) {
  return w.facility().has_power_chain() || w.facility().has_cooling();
}

// The facility's split (J): auxiliary is what the meter saw beyond the three IT parts.
Split facility_split(const World& w) {
  const Parts p = w.energy_split().facility_j();
  Split s{p[EnergySplit::compute], p[EnergySplit::transfer], p[EnergySplit::storage],
          p[EnergySplit::server_overhead]};
  if (has_facility(w))
    s[auxiliary] = w.facility_totals().facility_j - s[compute] - s[transfer] - s[storage];
  return s;
}

// The split of the jobs that train (trains) or serve (!trains).
std::optional<Split> kind_split(const World& w, bool trains) {
  Split s{};
  bool any = false;
  const sim::Time now = w.simulator().now();
  for (const auto& job : w.jobs()) {
    const workload::WorkDone work = job_work(job, now);
    if (!(trains ? work.trains : work.serves)) continue;
    any = true;
    const auto j = job_split_j(w, job);
    for (std::size_t i = 0; i < share_count; ++i) s[i] += j[i];
  }
  if (!any) return std::nullopt;
  return s;
}

const char* const share_names[] = {"compute", "transfer", "storage", "auxiliary"};
const char* const share_help[] = {
    "accelerators (less their link I/O), CPUs, DRAM and the rest of the boards",
    "accelerators' NVLink and PCIe traffic at the catalog's per-byte energies, NICs, network "
    "switches",
    "the storage system (cluster.storage): servers and drives",
    "server fans and PSU losses, cooling, power-chain losses, offices, lighting and block "
    "heaters"};

const bool registered = [] {
  for (std::size_t i = 0; i < share_count; ++i) {
    const std::string name = share_names[i];
    KpiRegistry::add(
        {name + "_energy_kwh", "kWh", name + " energy",
         "Facility energy of the split E = compute + transfer + storage + auxiliary (they add up "
         "to facility_energy_kwh; to it_energy_kwh without a facility): " +
             std::string(share_help[i]) + (i == storage ? "; absent without a storage system" : ""),
         "split", static_cast<int>(700 + 10 * i),
         [i](const RunRecord& r) -> Value {
           if (i == storage && !r.world.energy_split().has_storage()) return std::nullopt;
           return facility_split(r.world)[i] / sim::joules_per_kwh;
         },
         ""});
    for (const bool trains : {true, false}) {
      const std::string kind = trains ? "training" : "inference";
      KpiRegistry::add(
          {kind + "_" + name + "_kwh", "kWh", kind + " " + name,
           "The " + name + " part of the " + (trains ? "training jobs'" : "inference services'") +
               " energy: their own nodes' (and storage traffic's) " + name +
               (i == auxiliary ? " plus their IT energy × (PUE − 1), their share of the "
                                 "facility's overhead"
                               : "") +
               "; absent without such jobs",
           "split", static_cast<int>((trains ? 740 : 780) + 10 * i),
           [i, trains](const RunRecord& r) -> Value {
             const auto s = kind_split(r.world, trains);
             if (!s) return std::nullopt;
             return (*s)[i] / sim::joules_per_kwh;
           },
           ""});
    }
  }
  return true;
}();

}  // namespace

}  // namespace joule::models::world
