// The world: models wired to the engine.
//
// Built from a validated WorldSpec (world_spec.hpp: no parameter tree reaches it), it wires
// the cluster state (nodes, racks, their energy accounts: cluster_state.hpp), the job runner
// (the job lifecycle: job_runner.hpp), rack power limits and accelerator caps (limits.hpp), the
// scheduling policy (through the SchedulerContext it implements) and the facility (site, power
// chain, cooling plant, data hall). Power is piecewise constant between events: whenever a
// node's power changes, its rack and the IT total bring their energy up to now
// (energy += power × elapsed) and take the new power; at the end of each handler the facility
// sees the new IT load once. Nothing polls.
//
// The World puts each job's load on its nodes (node model, inlet air, power cap, rack limit);
// the job runner decides when jobs start, change activity, fail and end.
//
// Control steps (every `control_step`, default 60 s) advance the cooling plant and the data
// hall; a rack whose inlet air moved by more than 0.25 K since its nodes were evaluated is
// re-evaluated (fans, leakage, thermal throttling), which can change its jobs' speed.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "models/compute/cluster.hpp"
#include "models/compute/gpu_power_histogram.hpp"
#include "models/compute/node.hpp"
#include "models/network/fabrics.hpp"
#include "models/scheduling/policy.hpp"
#include "models/scheduling/scheduler.hpp"
#include "models/world/admission.hpp"
#include "models/world/cluster_state.hpp"
#include "models/world/energy_split.hpp"
#include "models/world/facility.hpp"
#include "models/world/job.hpp"
#include "models/world/job_runner.hpp"
#include "models/world/limits.hpp"
#include "models/world/node_sharing.hpp"
#include "models/world/power_floor.hpp"
#include "models/world/ramp_down.hpp"
#include "models/world/ramp_floor.hpp"
#include "models/world/world_evaluations.hpp"
#include "models/world/world_spec.hpp"
#include "sim/random.hpp"
#include "sim/simulator.hpp"

namespace joule::models::world {

class World final : private scheduling::SchedulerContext, private JobHost {
public:
  // `spec` from world_spec() (world_spec.hpp): validated, every model's keys read.
  explicit World(WorldSpec spec);
  ~World() override;

  sim::Simulator& simulator() { return sim_; }
  const sim::Simulator& simulator() const { return sim_; }

  void run_until(sim::Time until) { sim_.run_until(until); }

  // Every read below is up to the simulator's current time: accounts bring themselves up to
  // date (energy += power × elapsed) before they answer.
  const ClusterState& cluster_state() const { return state_; }
  std::size_t node_count() const { return state_.node_count(); }
  std::size_t rack_count() const { return state_.rack_count(); }
  const std::vector<RackAccount>& racks() const { return state_.rack_accounts(); }
  double rack_inlet_c(std::size_t rack) const { return state_.rack_inlet_c(rack); }
  // Accelerator state of a rack now: hottest die (degC) and mean clock fraction of its busy
  // accelerators (1 when none is busy).
  std::pair<double, double> rack_accelerators(std::size_t rack) const {
    return state_.rack_accelerators(rack);
  }
  // rack_accelerators() of every rack, by rack (ClusterState::racks_accelerators()).
  std::span<const std::pair<double, double>> racks_accelerators() const {
    return state_.racks_accelerators();
  }
  double it_power_w() const { return state_.it_power_w(); }
  double it_energy_j() const { return state_.it_energy_j() - it_energy_from_j_; }
  double peak_it_power_w() const { return peak_it_w_; }
  // Starts the accounts (IT energy, its peak, the facility's) afresh now: the end of a warmup.
  void reset_accounts();
  const Facility& facility() const { return *facility_; }
  // A controller moving the cooling plant's set-points (python/step.cpp; Facility).
  cooling::Setpoints set_cooling_setpoints(const cooling::Setpoints& want) {
    return facility_->set_cooling_setpoints(want);
  }
  // Compute, transfer, storage and server overhead, for the facility and each job.
  const EnergySplit& energy_split() const { return *split_; }
  // The facility's accounts (energy by component, carbon, cost, water) up to now.
  const FacilityTotals& facility_totals() const;
  // Every job so far, its energy up to now.
  const std::deque<Job>& jobs() const { return runner_->jobs(); }
  const compute::Node& node_model() const { return *node_model_; }
  const compute::ClusterSpec& cluster() const { return cluster_; }
  const compute::Calibration& calibration() const { return calibration_; }  // the first pool's
  // A pool's calibration (the catalog's figures overlaid by its calibration file's).
  const compute::Calibration& pool_calibration(std::uint32_t pool) const {
    return pool == 0 ? calibration_ : pool_calibrations_[pool];
  }
  double network_power_w() const { return network_power_w_; }
  // Per-GPU power distribution: bin edges, and GPU-seconds per bin since the last take.
  const std::vector<double>& gpu_power_bin_edges_w() const { return gpu_hist_->bin_edges_w(); }
  std::vector<double> take_gpu_power_histogram() { return gpu_hist_->take(sim_.now()); }
  std::string policy_name() const { return policy_name_; }
  // Rack power limits and accelerator caps the models could not meet (limits.hpp).
  // Brought up to the simulator's time on every read.
  const LimitMonitor& limits() const {
    limits_.update_to(sim_.now());
    return limits_;
  }
  // What the scenario asks that cannot be met, found while building (one line each, with the
  // place in the file): the application prints them (stderr) and records them.
  const std::vector<std::string>& warnings() const { return warnings_; }
  // The services the policies use (caps, power estimates), for controllers outside the
  // scheduler (models/swing/grid_control.hpp).
  scheduling::SchedulerContext& control() { return *this; }
  // A floor under busy accelerators' power (power_floor.hpp), set before the run; and the wall
  // energy it has added so far (since the accounts started).
  void set_power_floor(std::shared_ptr<const PowerFloor> floor) { floor_ = std::move(floor); }
  double power_floor_energy_j() const { return lift_.energy_j(sim_.now()); }
  // Accelerator-seconds of the accelerators present so far (since the start of the run): a
  // pool's count from its `from` until each node goes out of service (at the pool's `until`,
  // or when the job it still runs then ends).
  double present_accelerator_s() const;
  // A meter target the facility battery discharges toward (demand response; none: unset).
  void set_meter_target(std::optional<double> target_w) { facility_->set_meter_target(target_w); }
  // Pauses a running job in place and resumes it (demand response: job_runner.hpp).
  void pause_job(std::uint32_t id);
  void resume_job(std::uint32_t id);
  // A gate on job starts (admission.hpp), set before the run.
  void set_admission(std::shared_ptr<AdmissionGate> gate) { gate_ = std::move(gate); }
  // A ramp limit (W/s) held at job ends and failures by a decaying filler load (ramp_down.hpp),
  // set before the run; its events and energy (none: not set).
  void set_ramp_down(double limit_w_per_s);
  std::optional<RampDownReport> ramp_down_report() const;
  // A ramp limit (W/s) held on phase swings by raising the in-run floor (ramp_floor.hpp), set
  // before the run; the jobs it lifted or could not hold (none: not set).
  void set_ramp_floor(double limit_w_per_s);
  std::optional<RampFloorReport> ramp_floor_report() const;

private:
  // SchedulerContext
  sim::Time now() const override { return sim_.now(); }
  std::vector<const scheduling::JobView*> queue() const override;
  std::vector<const scheduling::JobView*> running() const override;
  std::size_t free_nodes() const override { return state_.free_nodes().size(); }
  std::span<const scheduling::NodeInfo> nodes() const override { return state_.nodes(); }
  sim::Time estimated_end(const scheduling::JobView& job) const override;
  scheduling::JobEstimate estimate(const scheduling::JobView& job,
                                   std::optional<sim::Watts> cap) const override;
  int hops(std::uint32_t a, std::uint32_t b) const override;
  sim::Watts it_power() const override { return sim::Watts(state_.it_power_w()); }
  sim::Watts facility_power() const override { return sim::Watts(facility_->facility_power_w()); }
  sim::Watts facility_power_at(sim::Watts it) const override {
    return sim::Watts(facility_->facility_power_at(it.value()));
  }
  scheduling::PowerCapRange power_cap_range() const override;
  scheduling::PowerCapRange power_cap_range(const scheduling::JobView& job) const override;
  std::optional<sim::Watts> power_cap(const scheduling::JobView& job) const override;
  const scheduling::PowerManagementSpec& power_management() const override {
    return power_management_;
  }
  sim::CarbonIntensity carbon_intensity(sim::Time t) const override;
  sim::UsdPerJoule price(sim::Time t) const override;
  sim::Celsius outdoor_drybulb(sim::Time t) const override;
  void start(const scheduling::JobView& job, std::vector<std::uint32_t> nodes) override;
  void set_power_cap(const scheduling::JobView& job, std::optional<sim::Watts> cap) override;
  void power_down(std::uint32_t node) override;
  void power_up(std::uint32_t node) override;
  void wake_at(sim::Time when) override;
  void resize(const scheduling::JobView& job, int nodes) override;  // world_elastic.cpp
  // world_migration.cpp
  std::optional<sim::Watts> rack_power_limit(std::uint32_t rack) const override;
  std::optional<sim::Watts> idle_power(std::uint32_t node) const override;
  void migrate(const scheduling::JobView& job, std::vector<std::uint32_t> nodes) override;
  // Elastic jobs (world_elastic.cpp): a queued job's size at start (checked against its
  // range), and estimate()'s answer from its clock and added power.
  void set_elastic_size(Job& job, std::size_t nodes);
  scheduling::JobEstimate elastic_estimate(const Job& job, double clock, double added_w) const;

  // JobHost
  void occupy(const Job& job) override;
  bool place_load(const Job& job, double& power_w, double& accelerators_w, double& clock) override;
  void release(const Job& job) override;
  void reassign(const Job& job, const std::vector<std::uint32_t>& added,
                const std::vector<std::uint32_t>& removed) override;
  void reschedule() override { run_policy(); }
  void commit() override;  // hands the IT load to the facility; called at the end of every handler
  double node_share(const Job& job, std::uint32_t node) const override;
  bool shares_nodes(const Job& job) const override { return shares(job); }
  void prefetch_phase(const Job& job) const override;

  // GPU-granular allocation (node_sharing.hpp; world_sharing.cpp).
  bool shares(const Job& job) const;
  std::optional<std::uint32_t> shared_node_for(const Job& job) const;
  void occupy_shared(const Job& job);
  void release_shared(const Job& job);
  void place_shared(std::uint32_t node);  // every job's load on a shared node
  void refresh_others(std::uint32_t node, std::uint32_t except);
  void pack_sub_node_jobs();  // queued sub-node jobs onto free GPUs of shared nodes
  // Appends the jobs on `node` (one, or several sharing it) to `out`.
  void jobs_on(std::uint32_t node, std::vector<std::int32_t>& out) const;
  // What `node` runs, as one load (a shared node's jobs merged, GPU-weighted).
  compute::NodeLoad node_load_of(std::uint32_t node) const;

  void on_node_awake(std::uint32_t node);
  void set_node_state(std::uint32_t node, scheduling::NodeState state, bool free);
  void on_control_step();
  void run_policy();
  // `parts`, when given, are the node's parts in the four-way split (job_parts() of the one job
  // on it), computed once for the nodes that draw the same power.
  void set_node_power(std::uint32_t node, const compute::NodePower& p,
                      const EnergySplit::Parts* parts = nullptr);
  // set_node_power(id, p, &parts) then a floor's lift of `lift_w` on each of `run`, nodes of
  // one rack that all run `job` alone, in turn (a job phase, place_load()): each account takes
  // the same terms in the same order, with the per-node work cut to what each node's own record
  // needs.
  void set_run_power(std::span<const std::uint32_t> run, const Job& job,
                     const compute::NodePower& p, const EnergySplit::Parts& parts, double lift_w);
  void check_finite(const compute::NodePower& p) const;  // a non-finite wall power throws
  void rack_changed(std::uint32_t rack);  // a node's wall power changed: its limit re-checked
  void set_node_idle(std::uint32_t node);
  // The node's power in the four-way split, shared among its jobs (world_split.cpp).
  void record_split(std::uint32_t node, const compute::NodePower& p,
                    const EnergySplit::Parts* parts);
  // The parts of `p` on a node that runs `job` alone (what record_split() computes for it).
  EnergySplit::Parts job_parts(const Job& job, const compute::NodePower& p) const;
  EnergySplit::Owners split_owners_;
  // A job's placement as runs (world.cpp, "Job phases per run"): its nodes cut once, when it
  // is placed after taking them, into runs of one rack (job.nodes[begin, end), in id order),
  // each with what every one of its nodes holds since it was last set as one (`held`). A phase
  // moves the accounts of consecutive held runs that hold one state and take one new state by
  // count × Δ at once (ClusterState::move_nodes_power, EnergySplit::move_job_nodes,
  // GpuPowerHistogram::move, LiftAccount::move): O(1) per account and per rack, no store per
  // node. The histogram's, the split's and the lift's own node
  // records are written only when the run stops being held: a node set on its own (a rack
  // limit, a moved inlet, a shared node, a pool retired: set_node_power()) drops its run's
  // `held`, writing them first (drop_held()), and the next phase sets that run node by node
  // (set_run_power()), which holds it again; the job's end or new nodes forget its runs. The
  // NodeInfo records of a held run's nodes follow its state (ClusterState::follow_power()):
  // written when a reader asks for them, or when the run stops being held.
  struct Held {  // what each node of a run holds in each account
    ClusterState::RunPower power;
    EnergySplit::Parts parts{};
    compute::GpuPowerHistogram::NodeBins bins;
    double lift_w = 0.0;
    double excess_w = 0.0;  // cap excess (LimitMonitor)
  };
  // A run: what a phase walks, small (a phase's walk over a job's runs reads each once); what
  // its nodes hold is one of the job's states (the runs set from one evaluation share it), its
  // power kept in the run too, for its nodes' records to follow.
  struct PlacedRun {
    std::uint32_t begin = 0, end = 0;  // indices into job.nodes
    std::uint32_t rack = 0;
    std::uint32_t state = 0;  // what every node holds (held runs): JobRuns::states[state]
    bool alone = false;       // every node is the job's alone (else one stray node, set on its own)
    bool held = false;        // every node holds `state`
    // The ClusterState::records_written() at which its nodes' records began to follow `power`
    // (held runs only; never: they are written).
    std::uint64_t followed = never_followed;
    ClusterState::RunPower power;  // states[state].power
  };
  static constexpr std::uint64_t never_followed = UINT64_MAX;
  // A uniform job's kept evaluation: what its nodes hold, and the job's sums over its racks at
  // that power (JobRuns::sum_*), taken at the first phase that moves to it (`summed`).
  struct KeptState {
    Held held;
    bool summed = false;
    double sum_power_w = 0.0, sum_accelerators_w = 0.0, sum_clock = 1.0;
  };
  // Aligned to a cache line, and 192 bytes with `uniform` in the padding after the node range: a
  // phase of a uniform job reads nearly every field, its record cold since the job's last
  // phase, and a record at 200 bytes spanned four or five lines where this spans three.
  struct alignas(64) JobRuns {
    std::vector<PlacedRun> runs;  // empty: not cut yet
    std::vector<Held> states;     // those of its latest phase (its held runs')
    std::unique_ptr<ClusterState::RunPower> uniform_power;  // a stable address to follow
    // uniform_power as its nodes' racks' accelerators see it (ClusterState::move_nodes_power()).
    ClusterState::Followed followed;
    std::uint64_t uniform_followed = never_followed;
    std::vector<ClusterState::RackNodes> racks;
    std::uint32_t each = 0;  // every rack's count when they are all one (nearly always), else 0
    std::uint32_t nodes_begin = 0, nodes_end = 0;  // job.nodes[begin, end): every run's
    // Uniform: every run alone and held in states[0], each in a rack of its own (so a batch of
    // all of them has one entry per run), and the nodes' records following *uniform_power (from
    // the first phase after the stamp `uniform_followed` differs from records_written()). A
    // phase then reads `racks` (each run's rack and node count, in order) and the racks'
    // inlets, not the runs: their `state` (0) holds, their `power` is stale until the job
    // leaves uniform (leave_uniform()).
    bool uniform = false;
    // placed_sums() of a uniform job: count × *uniform_power added rack by rack, in order, each
    // time *uniform_power is written (the sums read right after every phase).
    double sum_power_w = 0.0, sum_accelerators_w = 0.0, sum_clock = 1.0;
    // The ClusterState::inlets_set() at which every rack's inlet was found bit-identical (never:
    // not since the job became uniform).
    std::uint64_t inlets_checked = never_followed;
    // The first rack's inlet as read at the ClusterState::inlets_set() `inlet_read` (never: not
    // since the job became uniform); while no inlet is set, a phase does not read it again.
    double inlet_c = 0.0;
    std::uint64_t inlet_read = never_followed;
    // Its last evaluations (world_evaluations.hpp): a phase with the inputs of one of them takes
    // its state, and its sums once they are taken. Emptied when the job becomes uniform (its
    // racks are set then, and stay while it is uniform).
    std::unique_ptr<RecentEvaluations<KeptState>> evaluated;
  };
  // (Where a vector is three pointers, as in libstdc++ and libc++.)
  static_assert(sizeof(JobRuns) == 192 || sizeof(std::vector<int>) != 3 * sizeof(void*),
                "a phase's record in three cache lines");
  // Sets the JobRuns::sum_* of a uniform job from *uniform_power and its racks.
  static void uniform_sums(JobRuns& placed);
  std::vector<ClusterState::RackNodes> batch_racks_;     // move_runs()' racks, reused
  std::vector<JobRuns> job_runs_;                        // by job id
  JobRuns& runs_of(const Job& job);                      // cut on first use
  bool alone(const Job& job, std::uint32_t node) const;  // the job's, and not shared
  // The job's runs forgotten (its end, new nodes), their nodes' records written first; `nodes`:
  // the job's nodes the runs were cut from.
  void forget_runs(std::uint32_t job, std::span<const std::uint32_t> nodes);
  void drop_held(std::uint32_t job, std::uint32_t node);  // `node` set on its own
  void write_held(const PlacedRun& run, const Held& state, std::span<const std::uint32_t> nodes,
                  std::uint32_t job);
  // place_load()'s evaluations of one job, by rack inlet (at most placed_capacity, so that the
  // search stays short; reserved once, so that the entries never move).
  struct PlacedPower {
    double inlet_c = 0.0;
    compute::NodePower p;
    double lift_w = 0.0;
    EnergySplit::Parts parts{};
    double clock = 1.0;
    std::uint32_t state = 0;  // what each node set to it holds (held_of()): JobRuns::states
  };
  static constexpr std::size_t placed_capacity = 16;
  std::vector<PlacedPower> placed_;
  Held held_of(const Job& job, const PlacedPower& e) const;
  // Runs job.nodes[begin, end), consecutive and held in `from`, to `to` by count × Δ.
  void move_runs(const Job& job, std::span<PlacedRun> runs, const Held& from, const Held& to);
  // move_runs()' accounts: `nodes`, in `racks` (rack and count, in order), from `from` to `to`;
  // `followed`: the one power those nodes' records follow (a uniform job's), if there is one;
  // `each`: every rack's count, if they are all one (ClusterState::move_nodes_power()).
  void move_held(const Job& job, std::span<const std::uint32_t> nodes,
                 std::span<const ClusterState::RackNodes> racks, const Held& from, const Held& to,
                 ClusterState::Followed* followed = nullptr, std::uint32_t each = 0);
  // A phase of a uniform job (JobRuns::uniform) when its racks' inlets are bit-identical: one
  // evaluation, the accounts moved as move_runs() moves them for one batch of every run.
  // Otherwise the job leaves uniform, and false.
  bool place_uniform(const Job& job, JobRuns& placed);
  // place_load()'s phase by runs, out of line: inline, its frame was set up for every phase.
  [[gnu::noinline]] void place_by_runs(const Job& job, JobRuns& placed);
  // What each node of a uniform job holds after its phase: evaluated at its first rack, or, when
  // the job's last evaluations had the same inputs, theirs; `kept`: the evaluation kept for
  // those inputs (null when none is kept), whose sums the phase may take. Returned in place:
  // the kept evaluation's, or (none kept) unkept_, until the next call.
  const Held& uniform_state(const Job& job, JobRuns& placed, KeptState*& kept);
  Held unkept_;
  // After a phase set by runs: the job becomes uniform if it can (JobRuns::uniform).
  void try_uniform(JobRuns& placed);
  // Back to runs: each run's power current, and its nodes' records written (they followed
  // *uniform_power), to follow the run's power from its next move.
  void leave_uniform(const Job& job, JobRuns& placed);
  bool placed_sums(const Job& job, double& power_w, double& accelerators_w,
                   double& clock) const override;
  void reevaluate_rack(std::uint32_t rack);
  void enforce_rack_limit(std::uint32_t rack);
  // `lift_w`, when given, receives the wall power a power floor adds to the node.
  compute::NodePower node_power(const Job& job, std::uint32_t rack, double* lift_w = nullptr) const;
  // `p` (the node model's power for the job's load) with the power floor applied, and the wall
  // power that adds (world_floor.cpp).
  compute::NodePower with_floor(const Job& job, const compute::Node& model, compute::NodePower p,
                                double inlet_c, double& lift_w) const;
  std::shared_ptr<const PowerFloor> floor_;
  std::unique_ptr<RampFloorState> ramp_floor_;
  // `q` lifted so that the node falls at most its share of the ramp limit below its wall power
  // in the job's latest compute phase (`lifted_to`: the node at a busy accelerator power).
  compute::NodePower with_ramp_floor(
      const Job& job, const compute::NodePower& q, double cap_w,
      const std::function<compute::NodePower(double)>& lifted_to) const;
  std::shared_ptr<AdmissionGate> gate_;
  void start_capped_if_gated(Job& job);  // the gate's cap for a job it let through
  mutable std::map<std::uint32_t, double> admission_cap_w_;  // caps the gate chose (queue())
  LiftAccount lift_;
  // Ramp-down at job ends and failures (world_ramp.cpp).
  std::unique_ptr<RampDown> ramp_;
  sim::HandlerId ramp_handler_ = 0;
  void note_ramp_drop(const Job& job, bool ended);  // a job ended, or failed (restart)
  void hold_ramp();                                 // at commit: hold a drop that is too fast
  void ramp_stair();                                // the hold's next stair

  sim::Simulator sim_;
  sim::RandomStreams random_;
  sim::Time duration_;
  sim::Time control_step_;

  compute::ClusterSpec cluster_;
  // `cluster.network` and the pools' `network`: switch power (an IT load) and hop counts.
  network::Fabrics network_;
  double network_power_w_ = 0.0;
  mutable std::vector<std::vector<int>> hop_rows_;  // BFS rows by source node, on demand
  compute::Calibration calibration_;
  std::unique_ptr<compute::Node> node_model_;
  std::unique_ptr<NodeSharing> sharing_;  // null: the node model cannot share (linear)
  ClusterState state_;
  std::unique_ptr<compute::GpuPowerHistogram> gpu_hist_;
  std::unique_ptr<EnergySplit> split_;
  std::vector<compute::NodePower> rack_idle_;  // idle node power at each rack's inlet
  std::vector<double> rack_w_;                 // rack powers handed to the facility each step
  // Racks with a power limit: their model (uniform GPU cap by bisection) and which need
  // re-evaluating at the end of the current handler.
  std::vector<std::unique_ptr<compute::Rack>> rack_models_;
  bool rack_limits_ = false;  // any rack_models_
  std::vector<std::uint32_t> dirty_racks_;
  std::vector<char> rack_dirty_;
  bool enforcing_ = false;
  double peak_it_w_ = 0.0;
  double it_energy_from_j_ = 0.0;  // IT energy before the accounts started (warmup)
  std::unique_ptr<Facility> facility_;

  void check_limits(const WorldPlaces& places);  // warnings_, calibration sanity
  mutable LimitMonitor limits_;  // read through limits(), which brings it up to date
  std::vector<std::string> warnings_;

  std::unique_ptr<JobRunner> runner_;  // the job lifecycle
  std::unique_ptr<scheduling::Policy> policy_;
  std::string policy_name_;
  scheduling::PowerManagementSpec power_management_;

  sim::HandlerId wake_handler_ = 0, control_handler_ = 0, awake_handler_ = 0;
  bool in_policy_ = false;

  // Node pools (pools.hpp; world_pools.cpp): each pool's node model (pool 0's is node_model_),
  // absent and retired pools, the refresh events.
  std::vector<compute::Calibration> pool_calibrations_;
  std::vector<std::unique_ptr<compute::Node>> pool_models_;
  sim::HandlerId pool_handler_ = 0;
  const compute::Node& pool_model(std::uint32_t pool) const {
    return pool == 0 ? *node_model_ : *pool_models_[pool];
  }
  // A pool's accelerator cap range (power_cap_range() is the first pool's, power_cap_range(job)
  // the job's pool's).
  scheduling::PowerCapRange pool_cap_range(std::uint32_t pool) const;
  // Each pool's node model, from `calibrations` (the spec's; a missing one: the catalog's).
  void build_pool_models(std::vector<compute::Calibration> calibrations);
  void start_pools();                        // absent pools off, refresh events scheduled
  void on_pool_event(std::uint32_t pool);    // a pool's `from` or `until`
  void set_node_absent(std::uint32_t node);  // out of service: 0 W, not free
  // Accelerators present (nodes not absent) and their integral over time.
  void set_present(std::uint32_t node, bool present);
  std::vector<char> absent_;
  double present_accelerators_ = 0;
  mutable double present_accelerator_s_ = 0;
  mutable sim::Time present_since_;
  std::vector<std::uint32_t> pool_nodes_for(const Job& job) const;  // start() with no nodes
};

}  // namespace joule::models::world
