// The world: models wired to the engine.
//
// Built from the scenario's sections (cluster, workload, scheduler; the facility sections as
// they land), it owns the simulator, the nodes and racks, the jobs and the policy. Power is
// piecewise constant between events: whenever a node's load changes, the node's rack, the IT
// total and the node's job bring their energy up to now (energy += power × elapsed) and then
// take the new power. Nothing polls; reads call update_to(now) first, so totals are exact
// integrals, not samples.
#pragma once

#include <deque>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "models/compute/cluster.hpp"
#include "models/compute/node.hpp"
#include "models/scheduling/policy.hpp"
#include "models/world/job.hpp"
#include "models/world/job_source.hpp"
#include "sim/params.hpp"
#include "sim/random.hpp"
#include "sim/signal.hpp"
#include "sim/simulator.hpp"

namespace joule::models::world {

struct RackAccount {
  double power_w = 0.0;
  double energy_j = 0.0;
  sim::Time last_update;
  void update_to(sim::Time now) {
    energy_j += power_w * (now - last_update).seconds();
    last_update = now;
  }
};

// The scenario sections the world reads (each may be null: defaults apply).
struct WorldSections {
  const sim::ParamNode* cluster = nullptr;
  const sim::ParamNode* workload = nullptr;
  const sim::ParamNode* scheduler = nullptr;
};

const sim::ModelDoc& scheduler_doc();

class World final : private scheduling::SchedulerContext {
public:
  World(const WorldSections& sections, std::uint64_t seed, std::string base_dir);
  ~World() override;

  sim::Simulator& simulator() { return sim_; }
  const sim::Simulator& simulator() const { return sim_; }

  // Runs every event up to `until` (inclusive) and advances the clock there.
  void run_until(sim::Time until) { sim_.run_until(until); }
  // Bring energy accounts to the simulator's current time: the IT total (O(1)), every rack,
  // every running job.
  void update_it() { it_.update_to(sim_.now()); }
  void update_racks();
  void update_jobs();

  std::size_t node_count() const { return nodes_.size(); }
  std::size_t rack_count() const { return racks_.size(); }
  const std::vector<RackAccount>& racks() const { return racks_; }
  double it_power_w() const { return it_.power_w; }
  double it_energy_j() const { return it_.energy_j; }
  double peak_it_power_w() const { return peak_it_w_; }
  const std::deque<Job>& jobs() const { return jobs_; }
  const compute::Node& node_model() const { return *node_model_; }
  const compute::Calibration& calibration() const { return calibration_; }
  const compute::ClusterSpec& cluster() const { return cluster_; }
  std::string policy_name() const { return policy_name_; }

  // Emitted after a job starts and after it ends (for the job table and per-job metrics).
  sim::Signal<const Job&> job_started;
  sim::Signal<const Job&> job_finished;

private:
  struct Node {
    std::uint32_t rack = 0;
    std::int32_t job = -1;  // running job id, -1 when idle
    double power_w = 0.0;
    double throughput = 1.0;
  };

  // SchedulerContext
  sim::Time now() const override { return sim_.now(); }
  std::vector<Job*> queue() const override;
  std::vector<const Job*> running() const override;
  std::size_t free_nodes() const override { return free_.size(); }
  std::span<const scheduling::NodeInfo> nodes() const override { return node_info_; }
  sim::Time estimated_end(const Job& job) const override;
  void start(Job& job, std::vector<std::uint32_t> nodes) override;
  void wake_at(sim::Time when) override;

  void on_arrival();
  void on_job_end(std::uint32_t job_id);
  void pull_next_arrival();
  void run_policy();
  void set_node_power(std::uint32_t node, double power_w);
  void update_job(Job& job);

  sim::Simulator sim_;
  sim::RandomStreams random_;
  std::string base_dir_;

  compute::ClusterSpec cluster_;
  compute::Calibration calibration_;
  std::unique_ptr<compute::Node> node_model_;
  double idle_power_w_ = 0.0;
  double inlet_c_ = 24.0;
  std::vector<Node> nodes_;
  std::vector<scheduling::NodeInfo> node_info_;
  std::vector<RackAccount> racks_;
  std::set<std::uint32_t> free_;
  RackAccount it_;
  double peak_it_w_ = 0.0;

  std::unique_ptr<JobSource> source_;
  std::optional<JobRequest> next_request_;
  std::deque<Job> jobs_;
  std::vector<std::uint32_t> queue_;  // waiting job ids, arrival order
  std::unique_ptr<scheduling::Policy> policy_;
  std::string policy_name_;

  sim::HandlerId arrival_handler_ = 0, end_handler_ = 0, wake_handler_ = 0;
  bool in_policy_ = false;
};

}  // namespace joule::models::world
