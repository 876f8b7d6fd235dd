#include "models/world/energy_split.hpp"

#include <algorithm>
#include <bit>

namespace joule::models::world {

void EnergySplit::Account::update_to(sim::Time now) {
  // Again at the same instant: energy += power × 0 leaves every (finite) energy as it is.
  if (now == last) return;
  const double dt_s = (now - last).seconds();
  for (std::size_t i = 0; i < part_count; ++i) energy_j[i] += power_w[i] * dt_s;
  last = now;
}

EnergySplit::EnergySplit(const sim::Simulator& sim, std::size_t nodes, double switches_w,
                         compute::StorageSpec storage_spec)
    : sim_(sim), storage_(storage_spec), nodes_(nodes) {
  facility_.last = sim.now();
  facility_.power_w[transfer] = switches_w;
  storage_w_ = storage_.present() ? storage_.idle_w() : 0.0;
  facility_.power_w[storage] = storage_w_;
}

EnergySplit::Parts EnergySplit::node_parts(const compute::NodePower& p, double link_io_w) {
  Parts parts{};
  const double io_w = std::clamp(link_io_w, 0.0, p.accelerators_w);
  parts[compute] = p.accelerators_w - io_w + p.cpu_w + p.dram_w + p.other_w;
  parts[transfer] = io_w + p.nic_w;
  parts[server_overhead] = p.wall_w - parts[compute] - parts[transfer];  // fans + PSU loss
  return parts;
}

double EnergySplit::link_io_w(const compute::Accelerator& accelerator,
                              const compute::OpRates& rates) {
  compute::OpRates io;
  io[compute::Op::nvlink] = rates[compute::Op::nvlink];
  io[compute::Op::pcie] = rates[compute::Op::pcie];
  return accelerator.op_power_w(io);
}

namespace {

// The jobs' accounts grown to `size`, new ones from `now`: apart from job_account(), whose
// every call (several per phase) otherwise saved and restored six registers for this rare path.
template <class Accounts>
[[gnu::noinline]] void grow_accounts(Accounts& accounts, std::size_t size, sim::Time now) {
  accounts.resize(size, typename Accounts::value_type{{}, {}, now});
}

}  // namespace

EnergySplit::Account& EnergySplit::job_account(std::uint32_t job) const {
  if (job >= jobs_.size()) [[unlikely]]
    grow_accounts(jobs_, std::size_t{job} + 1, sim_.now());
  Account& a = jobs_[job];
  a.update_to(sim_.now());
  return a;
}

void EnergySplit::set_node(std::uint32_t node, const Owners& owners, const Parts& parts) {
  facility_.update_to(sim_.now());
  NodeSplit& n = nodes_[node];
  const Parts& old = n.parts;
  const auto take_off = [&](std::uint32_t job, double share) {
    Account& a = job_account(job);
    for (std::size_t i = 0; i < part_count; ++i) a.power_w[i] -= old[i] * share;
  };
  if (n.owners == 1)
    take_off(n.job, n.share);
  else if (n.owners > 1)
    for (const auto& [job, share] : shared_owners_.at(node)) take_off(job, share);
  for (const auto& [job, share] : owners) {
    Account& a = job_account(job);
    for (std::size_t i = 0; i < part_count; ++i) a.power_w[i] += parts[i] * share;
  }
  for (std::size_t i = 0; i < part_count; ++i) facility_.power_w[i] += parts[i] - old[i];
  n.parts = parts;
  if (n.owners > 1 && owners.size() <= 1) shared_owners_.erase(node);
  n.owners = static_cast<std::uint32_t>(owners.size());
  if (owners.size() == 1) {
    n.job = owners.front().first;
    n.share = owners.front().second;
  } else if (owners.size() > 1) {
    shared_owners_[node] = owners;
  }
}

void EnergySplit::set_job_nodes(std::span<const std::uint32_t> nodes, std::uint32_t job,
                                const Parts& parts) {
  facility_.update_to(sim_.now());
  job_account(job);  // sized and brought up to now
  // The job's and the facility's powers kept in registers over the run, written back before
  // any other form touches them.
  Parts facility_w = facility_.power_w, job_w = jobs_[job].power_w;
  const auto write_back = [&] {
    facility_.power_w = facility_w;
    jobs_[job].power_w = job_w;
  };
  for (const std::uint32_t id : nodes) {
    NodeSplit& n = nodes_[id];
    if (n.owners > 1) {  // a node that was shared: set_node()'s general form
      write_back();
      set_node(id, Owners{{job, 1.0}}, parts);
      facility_w = facility_.power_w;
      job_w = jobs_[job].power_w;
      continue;
    }
    const Parts old = n.parts;
    if (n.owners == 1 && n.job == job) {
      for (std::size_t i = 0; i < part_count; ++i) job_w[i] -= old[i] * n.share;
    } else if (n.owners == 1) {  // another job's account (job_account() may grow jobs_)
      Account& o = job_account(n.job);
      for (std::size_t i = 0; i < part_count; ++i) o.power_w[i] -= old[i] * n.share;
    }
    for (std::size_t i = 0; i < part_count; ++i) job_w[i] += parts[i];  // share 1
    for (std::size_t i = 0; i < part_count; ++i) facility_w[i] += parts[i] - old[i];
    n.parts = parts;
    n.owners = 1;
    n.job = job;
    n.share = 1.0;
  }
  write_back();
}

void EnergySplit::move_job_nodes(std::size_t count, std::uint32_t job, const Parts& from,
                                 const Parts& to) {
  if (count == 0 || std::equal(from.begin(), from.end(), to.begin(), [](double a, double b) {
        return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
      }))
    return;
  facility_.update_to(sim_.now());
  // job_account() inline (a call per phase otherwise); after its growth, the account is at now
  // already and update_to() returns at once.
  Account& a = job < jobs_.size() ? jobs_[job] : job_account(job);
  a.update_to(sim_.now());
  // The moves taken into a local first, then added to each account: the job's account (in
  // jobs_) and the facility's never overlap, nor do they overlap `from` and `to`, but added in
  // one loop GCC tested at run time whether they did (twenty instructions a phase).
  const auto n = static_cast<double>(count);
  Parts delta_w;
  for (std::size_t i = 0; i < part_count; ++i) delta_w[i] = n * (to[i] - from[i]);
  for (std::size_t i = 0; i < part_count; ++i) a.power_w[i] += delta_w[i];
  for (std::size_t i = 0; i < part_count; ++i) facility_.power_w[i] += delta_w[i];
}

void EnergySplit::hold_job_nodes(std::span<const std::uint32_t> nodes, std::uint32_t job,
                                 const Parts& parts) {
  for (const std::uint32_t id : nodes) {
    NodeSplit& n = nodes_[id];
    n.parts = parts;
    n.owners = 1;
    n.job = job;
    n.share = 1.0;
  }
}

double EnergySplit::set_job_traffic(std::uint32_t job, const workload::StorageTraffic& traffic) {
  // Called first in each of the job's phases, before its nodes move (move_job_nodes()): the
  // job's account, cold since its last phase, is asked for now so that the miss overlaps with
  // the host's walk over the job's nodes.
  if (job < jobs_.size()) {
    const char* const account = reinterpret_cast<const char*>(&jobs_[job]);
    __builtin_prefetch(account, 1);
    __builtin_prefetch(account + sizeof(Account) - 1, 1);
  }
  if (!storage_.present()) return 0.0;
  if (traffic.write_bytes_per_s > 0 || traffic.read_tokens_per_s > 0)
    traffic_[job] = traffic;
  else if (!traffic_.erase(job))
    return 0.0;  // no traffic before, none now
  // Each job's share of the utilisation; the dynamic power split in proportion (exact below
  // saturation, where the power is linear in the traffic).
  const compute::StorageSpec& s = storage_.spec();
  const double n = s.servers;
  double read = 0, write = 0, u_sum = 0;
  std::map<std::uint32_t, double> u_job;
  for (const auto& [id, t] : traffic_) {
    const double r = t.read_tokens_per_s * s.bytes_per_token;
    read += r;
    write += t.write_bytes_per_s;
    const double u = r / (n * s.read_bytes_per_s) + t.write_bytes_per_s / (n * s.write_bytes_per_s);
    u_job[id] = u;
    u_sum += u;
  }
  const double total_w = storage_.power_w(storage_.utilisation(read, write));
  const double dynamic_w = total_w - storage_.idle_w();
  facility_.update_to(sim_.now());
  for (auto& [id, w] : job_storage_w_) job_account(id).power_w[storage] -= w;
  job_storage_w_.clear();
  for (const auto& [id, u] : u_job) {
    const double w = u_sum > 0 ? dynamic_w * u / u_sum : 0.0;
    job_account(id).power_w[storage] += w;
    job_storage_w_[id] = w;
  }
  const double delta_w = total_w - storage_w_;
  facility_.power_w[storage] = total_w;
  storage_w_ = total_w;
  return delta_w;
}

EnergySplit::Parts EnergySplit::facility_j() const {
  facility_.update_to(sim_.now());
  return facility_.energy_j;
}

EnergySplit::Parts EnergySplit::job_j(std::uint32_t job) const {
  if (job >= jobs_.size()) return Parts{};
  return job_account(job).energy_j;
}

void EnergySplit::reset() {
  facility_.update_to(sim_.now());
  facility_.energy_j = Parts{};
}

}  // namespace joule::models::world
