// Where the energy goes: E = E_compute + E_transfer + E_storage + E_auxiliary, for the facility
// and per job, integrated lazily like every other account (energy += power × elapsed).
//
// Boundaries (docs/output-format.md, "The four-way split"):
//   compute    accelerators less their link I/O, CPUs, DRAM, the rest of the board
//   transfer   accelerators' link I/O  n_busy · (e_nvlink·r_nvlink + e_pcie·r_pcie) · x
//              (per-byte energies of the accelerator catalog, r at the nominal clock, x the
//              work rate), NICs, network switches
//   storage    the storage system (compute/storage_system.hpp): its idle power for the
//              facility; each job its dynamic share, its bytes × the marginal power
//   auxiliary  server fans and PSU losses (inside IT at the ISO/IEC 30134-2 boundary), cooling,
//              power-chain losses, offices, lighting, block heaters
// A node's parts add up to its wall power exactly (server overhead = wall − compute −
// transfer), so compute + transfer + storage + server overhead = IT, and the facility's
// auxiliary = facility energy − compute − transfer − storage. A job's auxiliary is its servers'
// overhead plus its IT energy's share of the facility overhead (cooling, losses, other) at the
// run's average; what no job drew (idle nodes, switches, idle storage) stays with the facility.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <utility>
#include <vector>

#include "models/compute/accelerator.hpp"
#include "models/compute/node.hpp"
#include "models/compute/storage_system.hpp"
#include "models/workload/job_model.hpp"
#include "sim/simulator.hpp"

namespace joule::models::world {

class EnergySplit {
public:
  // Parts measured at the IT boundary; auxiliary adds the facility's overhead to
  // `server_overhead`.
  enum Part : std::size_t { compute, transfer, storage, server_overhead, part_count };
  using Parts = std::array<double, part_count>;

  EnergySplit(const sim::Simulator& sim, std::size_t nodes, double switches_w,
              compute::StorageSpec storage);

  // The parts of a node's wall power `p`, its accelerators' link I/O being `link_io_w`.
  static Parts node_parts(const compute::NodePower& p, double link_io_w);
  // Link I/O power of one accelerator at `rates` (nominal clock): Σ e_k·r_k over NVLink, PCIe.
  static double link_io_w(const compute::Accelerator& accelerator, const compute::OpRates& rates);

  // Node `node` now draws `parts`, shared among `owners` (job id, share; the shares add up to 1;
  // empty: no job).
  using Owners = std::vector<std::pair<std::uint32_t, double>>;
  void set_node(std::uint32_t node, const Owners& owners, const Parts& parts);
  // set_node(node, {{job, 1}}, parts) on each of `nodes` in turn (a job phase on its whole
  // nodes): every account takes the same terms in the same order, with the job's and the
  // facility's accounts brought up to now once.
  void set_job_nodes(std::span<const std::uint32_t> nodes, std::uint32_t job, const Parts& parts);
  // `count` nodes, each running `job` alone with `from` (the caller knows: set as one since),
  // now draw `to`: the job's and the facility's parts move by count × Δ, one term for the nodes
  // (set_job_nodes() takes count terms; the last bits differ). O(1): the nodes' own records are
  // not touched, and the caller writes them (hold_job_nodes()) before any set_node() or
  // set_job_nodes() on one of them.
  void move_job_nodes(std::size_t count, std::uint32_t job, const Parts& from, const Parts& to);
  // The records of `nodes`, each running `job` alone, written as `parts`; no account moves.
  void hold_job_nodes(std::span<const std::uint32_t> nodes, std::uint32_t job, const Parts& parts);
  // Job `job`'s storage traffic now; returns the change of the storage system's power (W), an
  // IT load the caller adds. A job phase calls it first: it also prefetches the job's account.
  double set_job_traffic(std::uint32_t job, const workload::StorageTraffic& traffic);

  bool has_storage() const { return storage_.present(); }
  double storage_w() const { return storage_w_; }
  // Energies up to the simulator's time, J: the facility's (since the last reset) and a job's.
  Parts facility_j() const;
  Parts job_j(std::uint32_t job) const;
  // The facility's accounts start afresh now (the end of a warmup); the jobs' do not.
  void reset();

private:
  struct Account {
    Parts power_w{}, energy_j{};
    sim::Time last;
    void update_to(sim::Time now);
  };
  Account& job_account(std::uint32_t job) const;

  const sim::Simulator& sim_;
  compute::StorageSystem storage_;
  mutable Account facility_;
  mutable std::vector<Account> jobs_;
  // Each node's parts and owners: a node runs one job or none, kept in place; the owners of a
  // node shared by several jobs are kept in `shared_owners_`.
  struct NodeSplit {
    Parts parts{};
    double share = 0.0;
    std::uint32_t job = 0;
    std::uint32_t owners = 0;  // 0: none; 1: `job`, `share`; more: shared_owners_[node]
  };
  std::vector<NodeSplit> nodes_;
  std::map<std::uint32_t, Owners> shared_owners_;
  std::map<std::uint32_t, workload::StorageTraffic> traffic_;
  std::map<std::uint32_t, double> job_storage_w_;
  double storage_w_ = 0;
};

}  // namespace joule::models::world
