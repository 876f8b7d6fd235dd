// The world: models wired to the engine.
//
// Built from the scenario's sections, it owns the simulator, the nodes and racks (compute),
// the jobs from the workload generator and their training runs (workload), the scheduling
// policy (scheduling) and the facility (site, power chain, cooling plant, data hall). Power is
// piecewise constant between events: whenever a node's power changes, its rack, the IT total
// and its job bring their energy up to now (energy += power × elapsed) and take the new power;
// at the end of each handler the facility sees the new IT load once. Nothing polls.
//
// Control steps (every `control_step`, default 60 s) advance the cooling plant and the data
// hall; a rack whose inlet air moved by more than 0.25 K since its nodes were evaluated is
// re-evaluated (fans, leakage, thermal throttling), which can change its jobs' speed.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "models/compute/cluster.hpp"
#include "models/compute/gpu_power_histogram.hpp"
#include "models/compute/node.hpp"
#include "models/network/topology.hpp"
#include "models/scheduling/policy.hpp"
#include "models/scheduling/scheduler.hpp"
#include "models/world/facility.hpp"
#include "models/world/job.hpp"
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
  FacilitySections facility;
  // A calibration file's tree (cluster.node.calibration), read by the application.
  std::shared_ptr<const sim::ParamNode> calibration;
  sim::Time duration = sim::days(1);
  sim::Time control_step = sim::minutes(1);
};

class World final : private scheduling::SchedulerContext {
public:
  World(const WorldSections& sections, std::uint64_t seed, std::string base_dir);
  ~World() override;

  sim::Simulator& simulator() { return sim_; }
  const sim::Simulator& simulator() const { return sim_; }

  void run_until(sim::Time until) { sim_.run_until(until); }
  // Bring accounts to the simulator's current time.
  void update_it() {
    it_.update_to(sim_.now());
    facility_->update_to(sim_.now());
  }
  void update_racks();
  void update_jobs();

  std::size_t node_count() const { return nodes_.size(); }
  std::size_t rack_count() const { return racks_.size(); }
  const std::vector<RackAccount>& racks() const { return racks_; }
  double rack_inlet_c(std::size_t rack) const { return rack_inlet_c_[rack]; }
  // Accelerator state of a rack now: hottest die (degC) and mean clock fraction of its busy
  // accelerators (1 when none is busy).
  std::pair<double, double> rack_accelerators(std::size_t rack) const;
  double it_power_w() const { return it_.power_w; }
  double it_energy_j() const { return it_.energy_j; }
  double peak_it_power_w() const { return peak_it_w_; }
  const Facility& facility() const { return *facility_; }
  const std::deque<Job>& jobs() const { return jobs_; }
  const compute::Node& node_model() const { return *node_model_; }
  const compute::ClusterSpec& cluster() const { return cluster_; }
  const compute::Calibration& calibration() const { return calibration_; }
  double network_power_w() const { return network_power_w_; }
  // Per-GPU power distribution: bin edges, and GPU-seconds per bin since the last take.
  const std::vector<double>& gpu_power_bin_edges_w() const { return gpu_hist_->bin_edges_w(); }
  std::vector<double> take_gpu_power_histogram() { return gpu_hist_->take(sim_.now()); }
  std::string policy_name() const { return policy_name_; }

  sim::Signal<const Job&> job_started;
  sim::Signal<const Job&> job_finished;

private:
  struct Node {
    std::uint32_t rack = 0;
    std::int32_t job = -1;  // running job id, -1 when idle
    double power_w = 0.0;
    double accelerators_w = 0.0;
    double clock = 1.0;  // clock fraction of its busy accelerators
    double die_c = 0.0;  // hottest accelerator die
    scheduling::NodeState state = scheduling::NodeState::on;
  };

  // SchedulerContext
  sim::Time now() const override { return sim_.now(); }
  std::vector<Job*> queue() const override;
  std::vector<const Job*> running() const override;
  std::size_t free_nodes() const override { return free_.size(); }
  std::span<const scheduling::NodeInfo> nodes() const override { return node_info_; }
  sim::Time estimated_end(const Job& job) const override;
  scheduling::JobEstimate estimate(const Job& job, std::optional<sim::Watts> cap) const override;
  int hops(std::uint32_t a, std::uint32_t b) const override;
  sim::Watts it_power() const override { return sim::Watts(it_.power_w); }
  sim::Watts facility_power() const override { return sim::Watts(facility_->facility_power_w()); }
  sim::Watts facility_power_at(sim::Watts it) const override {
    return sim::Watts(facility_->facility_power_at(it.value()));
  }
  scheduling::PowerCapRange power_cap_range() const override;
  std::optional<sim::Watts> power_cap(const Job& job) const override;
  const scheduling::PowerManagementSpec& power_management() const override {
    return power_management_;
  }
  sim::CarbonIntensity carbon_intensity(sim::Time t) const override;
  sim::UsdPerJoule price(sim::Time t) const override;
  sim::Celsius outdoor_drybulb(sim::Time t) const override;
  void start(Job& job, std::vector<std::uint32_t> nodes) override;
  void set_power_cap(const Job& job, std::optional<sim::Watts> cap) override;
  void power_down(std::uint32_t node) override;
  void power_up(std::uint32_t node) override;
  void wake_at(sim::Time when) override;

  void on_node_awake(std::uint32_t node);
  void set_node_state(std::uint32_t node, scheduling::NodeState state, bool free);
  compute::NodeLoad typical_load(const Job& job) const;
  compute::NodeLoad node_load(const Job& job, const compute::OpRates& rates, bool computing) const;

  void on_arrival();
  void on_activity_end(std::uint32_t job_id);
  void on_failure(std::uint32_t job_id);
  void on_control_step();
  void run_policy();
  void begin_activity(Job& job, const workload::Activity& activity);
  void finish_job(Job& job);
  void apply_load(Job& job);
  void reschedule_end(Job& job);
  void set_node_power(std::uint32_t node, const compute::NodePower& p);
  void set_node_idle(std::uint32_t node);
  void reevaluate_rack(std::uint32_t rack);
  void update_job(Job& job);
  void commit();  // hands the IT load to the facility; called at the end of every handler
  void enforce_rack_limit(std::uint32_t rack);
  void refresh_job(Job& job);  // power and speed from its nodes' current state
  compute::NodePower node_power(const Job& job, std::uint32_t rack) const;
  JobRequest to_request(const workload::JobRequest& src) const;
  workload::ClusterCapabilities capabilities(workload::Precision precision, int gpus) const;
  workload::Activity inference_activity(const Job& job, sim::Time t) const;

  sim::Simulator sim_;
  sim::RandomStreams random_;
  std::string base_dir_;
  sim::Time duration_;
  sim::Time control_step_;

  compute::ClusterSpec cluster_;
  // `cluster.network` when given: switch power (an IT load) and hop counts.
  std::unique_ptr<network::Topology> topology_;
  double network_power_w_ = 0.0;
  mutable std::vector<std::vector<int>> hop_rows_;  // BFS rows by source node, on demand
  compute::Calibration calibration_;
  std::unique_ptr<compute::Node> node_model_;
  std::vector<Node> nodes_;
  std::unique_ptr<compute::GpuPowerHistogram> gpu_hist_;
  std::vector<scheduling::NodeInfo> node_info_;
  std::vector<RackAccount> racks_;
  std::vector<std::uint32_t> rack_first_node_;
  std::vector<double> rack_inlet_c_;           // inlet the rack's nodes were last evaluated at
  std::vector<compute::NodePower> rack_idle_;  // idle node power at that inlet
  std::vector<double> rack_w_;                 // rack powers handed to the facility each step
  std::set<std::uint32_t> free_;
  // Racks with a power limit: their model (uniform GPU cap by bisection) and which need
  // re-evaluating at the end of the current handler.
  std::vector<std::unique_ptr<compute::Rack>> rack_models_;
  std::vector<std::uint32_t> dirty_racks_;
  std::vector<char> rack_dirty_;
  bool enforcing_ = false;
  RackAccount it_;
  double chip_w_ = 0.0;
  double peak_it_w_ = 0.0;
  std::unique_ptr<Facility> facility_;

  std::unique_ptr<workload::JobGenerator> generator_;
  std::optional<workload::JobRequest> next_request_;
  std::deque<Job> jobs_;
  std::vector<std::uint32_t> queue_;
  std::vector<std::uint32_t> running_;
  std::unique_ptr<scheduling::Policy> policy_;
  std::string policy_name_;
  scheduling::PowerManagementSpec power_management_;

  sim::HandlerId arrival_handler_ = 0, end_handler_ = 0, failure_handler_ = 0, wake_handler_ = 0,
                 control_handler_ = 0, awake_handler_ = 0;
  bool in_policy_ = false;
};

}  // namespace joule::models::world
