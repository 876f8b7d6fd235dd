#include "models/world/world.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <iterator>
#include <stdexcept>

#include "models/compute/accelerator_catalog.hpp"
#include "models/network/collectives.hpp"
#include "models/scheduling/placement.hpp"

namespace joule::models::world {

namespace {

constexpr double inlet_tolerance_k = 0.25;
}  // namespace

World::World(WorldSpec spec)
    : random_(spec.seed),
      duration_(spec.duration),
      control_step_(spec.control_step),
      // Cluster: racks of identical nodes (models/compute).
      cluster_(std::move(spec.cluster)),
      network_(std::move(spec.network)),
      calibration_(std::move(spec.calibration)),
      state_(cluster_, sim_, FacilityDesign{}.initial_supply_c) {
  if (!network_.empty()) {
    network_power_w_ = network_.switch_power_w();
    hop_rows_.resize(static_cast<std::size_t>(cluster_.node_count()));
  }

  const auto n = static_cast<std::size_t>(cluster_.node_count());
  const std::size_t rack_count = cluster_.racks.size();
  gpu_hist_ = std::make_unique<compute::GpuPowerHistogram>(n, cluster_.node.accelerators);
  split_ = std::make_unique<EnergySplit>(sim_, n, network_power_w_, cluster_.storage);

  // Facility, sized from nameplate figures.
  facility_ = std::make_unique<Facility>(std::move(spec.facility), spec.design);
  // Cold plates: coolant temperature, residual fans, from the plant of each pool's zone.
  facility_->fit_node(cluster_.node, 0);
  for (std::size_t p = 0; p < cluster_.pools.size(); ++p)
    facility_->fit_node(cluster_.pools[p].node, p);
  node_model_ = std::make_unique<compute::Node>(cluster_.node, calibration_);
  build_pool_models(std::move(spec.pool_calibrations));
  if (cluster_.node.model == compute::NodePowerModel::operation && !cluster_.pooled)
    sharing_ = std::make_unique<NodeSharing>(n, cluster_.node.accelerators);

  for (std::size_t r = 0; r < rack_count; ++r) {
    const double node_max_w =
        cluster_.pools[cluster_.pool_of_rack(r)].node.type->system_max_w.value;
    state_.set_rack_inlet_c(r, facility_->inlet_c(static_cast<int>(r)));
    state_.set_rack_inlet_rise_k(r,
                                 facility_->inlet_rise_k_per_w(static_cast<int>(r)) * node_max_w);
  }
  rack_models_.resize(rack_count);
  rack_dirty_.assign(rack_count, 0);
  for (std::size_t r = 0; r < rack_count; ++r)
    if (cluster_.racks[r].power_limit) {
      const auto pool = static_cast<std::uint32_t>(cluster_.pool_of_rack(r));
      rack_models_[r] = std::make_unique<compute::Rack>(cluster_.pools[pool].node,
                                                        pool_calibration(pool), cluster_.racks[r]);
      rack_limits_ = true;
    }
  rack_idle_.resize(rack_count);
  limits_.resize(rack_count, n);
  lift_.resize(n);
  placed_.reserve(placed_capacity);
  check_limits(spec.places);
  for (std::uint32_t r = 0; r < rack_count; ++r) {
    rack_idle_[r] = pool_model(static_cast<std::uint32_t>(cluster_.pool_of_rack(r)))
                        .idle(state_.rack_inlet_c(r));
    for (std::uint32_t id = state_.rack_begin(r); id < state_.rack_end(r); ++id) set_node_idle(id);
  }
  // Network switches draw constant power, counted as IT (they sit in the white space).
  state_.add_fixed_it_power(network_power_w_ + split_->storage_w());  // + idle storage

  // Workload: the job lifecycle.
  runner_ =
      std::make_unique<JobRunner>(sim_, cluster_, &network_, state_, static_cast<JobHost&>(*this),
                                  random_, std::move(spec.workload), duration_);

  // Scheduler: the policy and the nodes' sleep/wake parameters.
  policy_name_ = spec.scheduler.policy_name;
  policy_ = std::move(spec.scheduler.policy);
  power_management_ = spec.scheduler.power_management;

  wake_handler_ = sim_.bind([this](std::uint64_t) { run_policy(); });
  control_handler_ = sim_.bind([this](std::uint64_t) { on_control_step(); });
  awake_handler_ =
      sim_.bind([this](std::uint64_t node) { on_node_awake(static_cast<std::uint32_t>(node)); });
  // Control steps run after every state change of their instant (latest priority but one:
  // the recorder's samples come last).
  sim_.every(control_step_, sim::Time::zero(), control_handler_, 0, sim::max_priority - 1);

  start_pools();
  runner_->start_arrivals();
  // The policy also runs once at t = 0, after the jobs submitted at 0 have arrived (it may
  // power nodes down before any job comes).
  sim_.at(sim::Time::zero(), wake_handler_, 0, 0);
  commit();
}

World::~World() = default;

// --- Accounting -------------------------------------------------------------------------

void World::check_finite(const compute::NodePower& p) const {
  if (!std::isfinite(p.wall_w))
    throw std::runtime_error("the node model (cluster.node, " + cluster_.node.type->id +
                             ") gave a non-finite power (" + std::to_string(p.wall_w) + " W) at " +
                             sim::to_string(sim_.now()));
}

namespace {
// Accelerators still above their cap at the lowest clock (a cap below idle power).
double cap_excess_w(const compute::NodePower& p, int busy, int accelerators) {
  const auto over = [](const compute::AcceleratorState& a) {
    return a.at_min_clock && a.throttled == compute::Throttle::power_cap ? a.over_limit_w : 0.0;
  };
  const int idle = std::max(0, accelerators - busy);
  return over(p.busy) * busy + over(p.idle) * idle;
}
}  // namespace

void World::set_node_power(std::uint32_t node, const compute::NodePower& p,
                           const EnergySplit::Parts* parts) {
  const scheduling::NodeInfo& n = state_.placement(node);
  check_finite(p);
  if (n.job >= 0) drop_held(static_cast<std::uint32_t>(n.job), node);  // its run no longer holds
  const int busy =
      n.job >= 0 ? runner_->job(static_cast<std::uint32_t>(n.job)).load.busy_accelerators : 0;
  // Caps set by a rack limit are that limit's business (enforce_rack_limit).
  limits_.set_node_cap_excess(node, enforcing_ || n.state != scheduling::NodeState::on
                                        ? 0.0
                                        : cap_excess_w(p, busy, cluster_.node.accelerators));
  gpu_hist_->set(node, sim_.now(), busy, p.busy.power_w, p.idle.power_w);
  lift_.set(node, sim_.now(), 0.0);  // place_load and reevaluate_rack set a floor's lift after
  record_split(node, p, parts);
  if (state_.set_node_power(node, p)) rack_changed(state_.placement(node).rack);
}

void World::rack_changed(std::uint32_t rack) {
  if (rack_models_[rack] && !enforcing_ && !rack_dirty_[rack]) {
    rack_dirty_[rack] = 1;
    dirty_racks_.push_back(rack);
  }
}

void World::set_run_power(std::span<const std::uint32_t> run, const Job& job,
                          const compute::NodePower& p, const EnergySplit::Parts& parts,
                          double lift_w) {
  check_finite(p);
  const sim::Time now = sim_.now();
  const int busy = job.load.busy_accelerators;
  const double excess_w = cap_excess_w(p, busy, cluster_.node.accelerators);
  for (const std::uint32_t id : run)
    limits_.set_node_cap_excess(
        id, enforcing_ || state_.placement(id).state != scheduling::NodeState::on ? 0.0 : excess_w);
  gpu_hist_->set(run, now, busy, p.busy.power_w, p.idle.power_w);
  for (const std::uint32_t id : run) {  // as set_node_power() then place_load() set it
    lift_.set(id, now, 0.0);
    lift_.set(id, now, lift_w);
  }
  split_->set_job_nodes(run, job.id, parts);
  if (state_.set_nodes_power(run, p)) rack_changed(state_.placement(run.front()).rack);
}

void World::set_node_idle(std::uint32_t node) {
  set_node_power(node, rack_idle_[state_.placement(node).rack]);
  state_.set_node_clock(node, 1.0);
}

// A rack over its limit shares it through one accelerator cap for all its nodes, found by
// bisection (compute::Rack); the rack is re-evaluated whole, once per handler, whenever one of
// its nodes changed. Sleeping and waking nodes keep their power (the rack model counts them as
// idle, which is conservative); jobs replaying a published power are not capped.
void World::enforce_rack_limit(std::uint32_t rack) {
  std::vector<compute::NodeLoad> loads;
  const std::uint32_t first = state_.rack_begin(rack), last = state_.rack_end(rack);
  for (std::uint32_t id = first; id < last; ++id) {
    loads.push_back(node_load_of(id));
  }
  const compute::RackPower rp = rack_models_[rack]->evaluate(loads, state_.rack_inlet_c(rack));
  limits_.set_rack_excess(
      rack, rp.over_limit ? rp.wall_w - cluster_.racks[rack].power_limit->value() : 0.0);
  enforcing_ = true;
  std::vector<std::int32_t> touched;
  for (std::uint32_t id = first; id < last; ++id) {
    if (state_.placement(id).state != scheduling::NodeState::on) continue;
    const std::int32_t j = state_.placement(id).job;
    if (j >= 0 && runner_->job(static_cast<std::uint32_t>(j)).model->fixed_power_per_accelerator())
      continue;
    const compute::NodePower& p = rp.nodes[id - first];
    set_node_power(id, p);
    state_.set_node_clock(
        id, j >= 0 && loads[id - first].busy_accelerators > 0 ? p.busy.throughput_factor() : 1.0);
    jobs_on(id, touched);
  }
  enforcing_ = false;
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  for (const auto j : touched) runner_->refresh(runner_->job(static_cast<std::uint32_t>(j)));
}

void World::commit() {
  while (!dirty_racks_.empty()) {
    const std::uint32_t rack = dirty_racks_.back();
    dirty_racks_.pop_back();
    rack_dirty_[rack] = 0;
    enforce_rack_limit(rack);
  }
  if (ramp_) hold_ramp();  // the test inline: a call per commit otherwise, without a ramp
  peak_it_w_ = std::max(peak_it_w_, state_.it_power_w());
  limits_.commit(sim_.now());
  facility_->set_it(sim_.now(), state_.it_power_w(), state_.chip_power_w(),
                    state_.pool_it_power_w(), state_.pool_chip_power_w());
}

void World::reset_accounts() {
  it_energy_from_j_ = state_.it_energy_j();
  split_->reset();
  lift_.reset(sim_.now());
  if (ramp_) ramp_->reset(sim_.now());
  peak_it_w_ = state_.it_power_w();
  facility_->reset_accounts(sim_.now());
}

const FacilityTotals& World::facility_totals() const {
  facility_->update_to(sim_.now());
  return facility_->totals();
}

void World::run_policy() {
  if (in_policy_) return;  // a start() inside the policy must not re-enter it
  in_policy_ = true;
  try {
    policy_->schedule(*this);
    pack_sub_node_jobs();
  } catch (...) {
    in_policy_ = false;
    throw;
  }
  in_policy_ = false;
  commit();
}

std::vector<const scheduling::JobView*> World::running() const {
  std::vector<const scheduling::JobView*> out;
  out.reserve(runner_->running().size());
  for (const auto id : runner_->running()) out.push_back(&runner_->job(id));
  return out;
}

sim::Time World::estimated_end(const scheduling::JobView& view) const {
  return runner_->estimated_end(runner_->job(view.id));
}

compute::NodePower World::node_power(const Job& job, std::uint32_t rack, double* lift_w) const {
  double lift = 0.0;
  if (lift_w) *lift_w = 0.0;
  if (const auto fixed_w = job.model->fixed_power_per_accelerator()) {
    // Replay: the published average power per accelerator, host share included.
    compute::NodePower p;
    p.wall_w = fixed_w->value() * job.load.busy_accelerators;
    p.accelerators_w = p.wall_w;
    p.busy.power_w = fixed_w->value();
    p.busy.clock_fraction = 1.0;
    return p;
  }
  const compute::Node& model = job.capped_node ? *job.capped_node : pool_model(job.model_pool);
  const double inlet_c = state_.rack_inlet_c(rack);
  const compute::NodePower p =
      with_floor(job, model, model.evaluate(job.load, inlet_c), inlet_c, lift);
  if (lift_w) *lift_w = lift;
  return p;
}

// The sums of a uniform job's phase are those placed_sums() reads (the job does not share, its
// runs are cut, it stays uniform), taken from the record at hand.
bool World::place_load(const Job& job, double& power_w, double& accelerators_w, double& clock) {
  note_ramp_drop(job, false);
  state_.add_fixed_it_power(
      split_->set_job_traffic(job.id, job.model->storage_traffic(job.activity)));
  if (shares(job)) {
    place_shared(job.nodes.front());
    refresh_others(job.nodes.front(), job.id);
    return placed_sums(job, power_w, accelerators_w, clock);
  }
  JobRuns& placed = runs_of(job);
  if (placed.uniform && place_uniform(job, placed)) {
    power_w = placed.sum_power_w;
    accelerators_w = placed.sum_accelerators_w;
    clock = placed.sum_clock;
    return true;
  }
  place_by_runs(job, placed);
  return placed_sums(job, power_w, accelerators_w, clock);
}

void World::place_by_runs(const Job& job, JobRuns& placed) {
  // Nodes of one rack share inlet air: the job's node power, its split parts and its clock are
  // evaluated once per rack. node_power() sees the rack only through its inlet, so racks at the
  // bit-identical inlet (quiet racks of one design, the hall at its start) share one
  // evaluation too; not with a power floor, whose state follows each evaluation in turn.
  const bool by_inlet = !floor_ && !ramp_floor_;
  placed_.clear();
  std::uint32_t cached_rack = UINT32_MAX;
  PlacedPower* e = nullptr;
  const sim::Time now = sim_.now();
  const std::span<const std::uint32_t> nodes(job.nodes);
  std::vector<PlacedRun>& runs = placed.runs;
  std::vector<Held>& states = placed.states;  // this phase's appended after the last one's
  const auto last_states = static_cast<std::uint32_t>(states.size());
  // Consecutive held runs that hold one state and take one new state: moved as one batch,
  // runs[batch, i), from `from` (states[from_state]) to states[to_state].
  std::size_t batch = 0;
  bool batching = false;
  std::uint32_t from_state = 0, to_state = 0;
  Held from;
  const auto flush = [&](std::size_t i) {
    if (batching && i > batch)
      move_runs(job, std::span(runs).subspan(batch, i - batch), from, states[to_state]);
    batching = false;
  };
  const std::span<const double> inlets = state_.rack_inlets_c();
  for (std::size_t i = 0; i < runs.size(); ++i) {
    // A run and a rack's inlet a few ahead fetched while this one is placed (a cache miss
    // each otherwise, the job's runs cold since its last phase).
    if (i + 4 < runs.size()) __builtin_prefetch(&runs[i + 4]);
    if (i + 2 < runs.size()) __builtin_prefetch(&inlets[runs[i + 2].rack]);
    PlacedRun& r = runs[i];
    const std::span<const std::uint32_t> run = nodes.subspan(r.begin, r.end - r.begin);
    if (r.rack != cached_rack) {
      cached_rack = r.rack;
      const double inlet_c = state_.rack_inlet_c(r.rack);
      e = nullptr;
      if (by_inlet)
        for (PlacedPower& c : placed_)
          if (std::bit_cast<std::uint64_t>(c.inlet_c) == std::bit_cast<std::uint64_t>(inlet_c)) {
            e = &c;
            break;
          }
      if (!e) {
        if (placed_.size() == placed_capacity) placed_.clear();
        PlacedPower& n = placed_.emplace_back();
        n.inlet_c = inlet_c;
        n.p = node_power(job, r.rack, &n.lift_w);
        n.parts = job_parts(job, n.p);
        n.clock = job.load.busy_accelerators > 0 ? n.p.busy.throughput_factor() : 1.0;
        check_finite(n.p);
        n.state = static_cast<std::uint32_t>(states.size());
        states.push_back(held_of(job, n));
        e = &n;
      }
    }
    if (batching && (!r.alone || !r.held || to_state != e->state || r.state != from_state))
      flush(i);
    if (!r.alone) {
      set_node_power(run.front(), e->p, &e->parts);
      lift_.set(run.front(), now, e->lift_w);
      state_.set_nodes_clock(run, e->clock);
    } else if (!r.held) {  // node by node, from whatever each node held
      if (std::all_of(run.begin(), run.end(), [&](std::uint32_t id) { return alone(job, id); })) {
        set_run_power(run, job, e->p, e->parts, e->lift_w);
        r.state = e->state;
        r.power = states[e->state].power;
        r.held = true;
        r.followed = never_followed;  // its records written: they follow it from its next move
      } else {  // a node shared since the cut: the run is set node by node while it is
        for (std::size_t k = 0; k < run.size(); ++k) {
          if (alone(job, run[k])) {
            set_run_power(run.subspan(k, 1), job, e->p, e->parts, e->lift_w);
          } else {
            set_node_power(run[k], e->p, &e->parts);
            lift_.set(run[k], now, e->lift_w);
          }
        }
      }
      state_.set_nodes_clock(run, e->clock);
    } else {
      if (!batching) {
        batching = true;
        batch = i;
        from_state = r.state;
        from = states[r.state];
        to_state = e->state;
      }
      r.state = e->state;
      r.power = states[e->state].power;
    }
  }
  flush(runs.size());
  // Every held run now holds one of this phase's states: the last phase's go.
  states.erase(states.begin(), states.begin() + last_states);
  for (PlacedRun& r : runs)
    if (r.held) r.state -= last_states;
  if (by_inlet) try_uniform(placed);
}

// --- Job phases per run -----------------------------------------------------------------
//
// A job's nodes are cut once into runs: the nodes of one rack, consecutive in job.nodes, each
// the job's alone. Every node of a run is set to the same power at every phase, so once a run
// has been set as one (set_run_power(), node by node, whatever each node held before), it is
// `held` in one state, and the next phase moves the accounts of a batch of such runs (all
// holding one state, taking one new state: the job's racks at one inlet) by count × (new −
// old): the IT and chip powers once for the batch and each rack's and pool's once per rack
// (ClusterState::move_nodes_power), the job's and the facility's parts (EnergySplit::
// move_job_nodes), the GPU histogram's bins (exact: whole GPUs), the floor's lift; the cap
// excess node by node only when a node has one. No node record is written at a phase: the
// cluster's (NodeInfo, which the policies read) follow the run's power (ClusterState::
// follow_power(): written when read, or when the run stops being held), the histogram's, the
// split's and the lift's are written when a run stops being held (write_held()). A phase is
// O(runs) and O(racks), whatever the number of nodes. Each sum takes one rounding per batch or
// rack instead of one per node: a named change of the last bits (docs/reliability.md, sixth
// part).

bool World::alone(const Job& job, std::uint32_t node) const {
  return state_.placement(node).job == static_cast<std::int32_t>(job.id) &&
         !(sharing_ && !sharing_->jobs(node).empty());
}

// The runs built out of line (once per job and placement): inline, every phase's call saved and
// restored six registers for them.
World::JobRuns& World::runs_of(const Job& job) {
  if (job.id < job_runs_.size()) [[likely]]
    if (JobRuns& placed = job_runs_[job.id]; !placed.runs.empty()) [[likely]]
      return placed;
  const auto build = [ this, &job ]() __attribute__((noinline))->JobRuns& {
    if (job.id >= job_runs_.size()) job_runs_.resize(job.id + 1);
    JobRuns& placed = job_runs_[job.id];
    std::vector<PlacedRun>& runs = placed.runs;
    const std::span<const std::uint32_t> nodes(job.nodes);
    for (std::size_t i = 0, end; i < nodes.size(); i = end) {
      // A run of the job's nodes in one rack, each the job's alone (the nodes of a job that does
      // not share are; a stray one is a run of its own, set with set_node_power()).
      const std::uint32_t rack = state_.placement(nodes[i]).rack;
      end = i;
      while (end < nodes.size() && state_.placement(nodes[end]).rack == rack &&
             alone(job, nodes[end]))
        ++end;
      PlacedRun& r = runs.emplace_back();
      r.alone = end > i;
      if (!r.alone) end = i + 1;
      r.begin = static_cast<std::uint32_t>(i);
      r.end = static_cast<std::uint32_t>(end);
      r.rack = rack;
    }
    return placed;
  };
  return build();
}

void World::write_held(const PlacedRun& run, const Held& state,
                       std::span<const std::uint32_t> nodes, std::uint32_t job) {
  const auto ids = nodes.subspan(run.begin, run.end - run.begin);
  state_.write_records(ids);
  gpu_hist_->hold_nodes(ids, state.bins);
  split_->hold_job_nodes(ids, job, state.parts);
  lift_.hold_nodes(ids, state.lift_w);
}

void World::forget_runs(std::uint32_t job, std::span<const std::uint32_t> nodes) {
  if (job >= job_runs_.size()) return;
  JobRuns& placed = job_runs_[job];
  for (const PlacedRun& r : placed.runs)
    if (r.held) write_held(r, placed.states[r.state], nodes, job);
  std::vector<PlacedRun>().swap(placed.runs);
  std::vector<Held>().swap(placed.states);
  std::vector<ClusterState::RackNodes>().swap(placed.racks);
  placed.uniform_power.reset();
  placed.followed = {};
  placed.evaluated.reset();
  placed.uniform = false;
}

void World::drop_held(std::uint32_t job, std::uint32_t node) {
  if (job >= job_runs_.size() || job_runs_[job].runs.empty()) return;
  std::vector<PlacedRun>& runs = job_runs_[job].runs;
  const std::vector<std::uint32_t>& nodes = runner_->job(job).nodes;
  if (job_runs_[job].uniform) leave_uniform(runner_->job(job), job_runs_[job]);
  // The last run whose first node is at or before `node` (job.nodes is in id order).
  const auto after =
      std::upper_bound(runs.begin(), runs.end(), node,
                       [&](std::uint32_t id, const PlacedRun& r) { return id < nodes[r.begin]; });
  if (after == runs.begin() || !std::prev(after)->held) return;
  write_held(*std::prev(after), job_runs_[job].states[std::prev(after)->state], nodes, job);
  std::prev(after)->held = false;
  std::prev(after)->followed = never_followed;
}

World::Held World::held_of(const Job& job, const PlacedPower& e) const {
  Held h;
  h.power = {e.p.wall_w, e.p.accelerators_w, std::max(e.p.busy.die_temp_c, e.p.idle.die_temp_c),
             e.clock};
  h.parts = e.parts;
  h.bins = gpu_hist_->node_bins(job.load.busy_accelerators, e.p.busy.power_w, e.p.idle.power_w);
  h.lift_w = e.lift_w;
  h.excess_w =
      enforcing_ ? 0.0 : cap_excess_w(e.p, job.load.busy_accelerators, cluster_.node.accelerators);
  return h;
}

void World::move_runs(const Job& job, std::span<PlacedRun> runs, const Held& from, const Held& to) {
  // Each rack's count (consecutive runs of one rack: one term, as node by node), and the node
  // records following each run's power (again, only after every record was written).
  batch_racks_.clear();
  const std::uint64_t written = state_.records_written();
  for (PlacedRun& r : runs) {
    const auto count = r.end - r.begin;
    if (!batch_racks_.empty() && batch_racks_.back().rack == r.rack)
      batch_racks_.back().count += count;
    else
      batch_racks_.push_back({r.rack, count});
    if (r.followed != written) {
      state_.follow_power(std::span<const std::uint32_t>(job.nodes).subspan(r.begin, count),
                          &r.power);
      r.followed = written;
    }
  }
  move_held(job,
            std::span<const std::uint32_t>(job.nodes).subspan(runs.front().begin,
                                                              runs.back().end - runs.front().begin),
            batch_racks_, from, to);
}

void World::move_held(const Job& job, std::span<const std::uint32_t> nodes,
                      std::span<const ClusterState::RackNodes> racks, const Held& from,
                      const Held& to, ClusterState::Followed* followed, std::uint32_t each) {
  const sim::Time now = sim_.now();
  if (from.excess_w > 0.0 || to.excess_w > 0.0)  // rare: node by node, as set_run_power()
    for (const std::uint32_t id : nodes)
      limits_.set_node_cap_excess(
          id, state_.placement(id).state != scheduling::NodeState::on ? 0.0 : to.excess_w);
  gpu_hist_->move(nodes.size(), now, from.bins, to.bins);
  lift_.move(nodes.size(), now, from.lift_w, to.lift_w);
  split_->move_job_nodes(nodes.size(), job.id, from.parts, to.parts);
  if (state_.move_nodes_power(racks, from.power, to.power, followed, each) && rack_limits_)
    for (const ClusterState::RackNodes& r : racks) rack_changed(r.rack);
}

// --- Uniform jobs ------------------------------------------------------------------------
//
// Nearly every phase of a job that does not share nodes finds all its racks at one inlet and
// all its runs held in one state (the 1M-GPU hall: 99.7 % of 2.6 M phases), so the phase is
// one batch of every run. A uniform job keeps what that batch needs apart from the runs: each
// run's rack and count, and one power its nodes' records follow. A phase reads those and the
// racks' inlets, evaluates once and moves the accounts as move_runs() would (the same calls,
// the same terms, in the same order), and writes nothing per run: at 64 bytes a run, the
// walk over the runs was a cache miss per run, the job's state being cold since its last
// phase.

bool World::place_uniform(const Job& job, JobRuns& placed) {
  // The racks' inlets compared again only if some rack's inlet was set since they were last
  // found bit-identical (ClusterState::at_one_inlet()).
  if (!state_.at_one_inlet(placed.racks, placed.inlets_checked)) {
    leave_uniform(job, placed);
    return false;
  }
  // The racks' accounts, read after the evaluation below.
  state_.prefetch_racks(placed.racks);
  KeptState* kept = nullptr;
  const Held& to = uniform_state(job, placed, kept);
  const std::span<const std::uint32_t> nodes = std::span<const std::uint32_t>(job.nodes).subspan(
      placed.nodes_begin, placed.nodes_end - placed.nodes_begin);
  if (placed.uniform_followed != state_.records_written()) {
    state_.follow_power(nodes, placed.uniform_power.get());
    placed.uniform_followed = state_.records_written();
  }
  move_held(job, nodes, placed.racks, placed.states.front(), to, &placed.followed, placed.each);
  placed.states.front() = to;
  *placed.uniform_power = to.power;
  // The sums over the racks depend on the power and the racks alone, and the racks stay while
  // the job is uniform: a phase back at a kept evaluation takes the sums it took there (the
  // rack-by-rack adds were a chain of dependent additions, as long as the job's rack list).
  if (kept && kept->summed) {
    placed.sum_power_w = kept->sum_power_w;
    placed.sum_accelerators_w = kept->sum_accelerators_w;
    placed.sum_clock = kept->sum_clock;
    return true;
  }
  uniform_sums(placed);
  if (kept) {
    kept->sum_power_w = placed.sum_power_w;
    kept->sum_accelerators_w = placed.sum_accelerators_w;
    kept->sum_clock = placed.sum_clock;
    kept->summed = true;
  }
  return true;
}

// Evaluated as place_load() evaluates for its first run, unless the job's last evaluations
// (world_evaluations.hpp) had the same inputs: not with a power floor or a ramp floor, whose
// state follows each evaluation, nor while a rack limit is enforced (held_of() reads that).
const World::Held& World::uniform_state(const Job& job, JobRuns& placed, KeptState*& kept) {
  const std::uint32_t first = placed.racks.front().rack;
  if (placed.inlet_read != state_.inlets_set()) {
    placed.inlet_c = state_.rack_inlet_c(first);
    placed.inlet_read = state_.inlets_set();
  }
  const bool keeps = !floor_ && !ramp_floor_ && !enforcing_;
  if (keeps)
    if (KeptState* found = placed.evaluated->find(job.load, placed.inlet_c, job.model.get(),
                                                  job.capped_node.get(), job.model_pool)) {
      kept = found;
      return found->held;
    }
  // Out of line (a phase evaluated anew is the rare case): inline, its 900-byte frame and six
  // saved registers were set up for every phase found kept.
  const auto evaluate = [&]() __attribute__((noinline))->const Held& {
    PlacedPower e;
    e.inlet_c = placed.inlet_c;
    e.p = node_power(job, first, &e.lift_w);
    e.parts = job_parts(job, e.p);
    e.clock = job.load.busy_accelerators > 0 ? e.p.busy.throughput_factor() : 1.0;
    check_finite(e.p);
    if (!keeps) {
      unkept_ = held_of(job, e);
      return unkept_;
    }
    const RecentEvaluations<KeptState>::Inputs in{job.model.get(), job.capped_node.get(),
                                                  job.model_pool, placed.inlet_c, job.load};
    kept = &placed.evaluated->keep(in, KeptState{held_of(job, e)}, job.capped_node);
    return kept->held;
  };
  return evaluate();
}

void World::uniform_sums(JobRuns& placed) {
  const ClusterState::RunPower& power = *placed.uniform_power;
  double p = 0.0, a = 0.0, c = 1.0;
  for (const ClusterState::RackNodes& r : placed.racks) {
    const auto n = static_cast<double>(r.count);
    p += n * power.wall_w;
    a += n * power.accelerators_w;
    c = std::min(c, power.clock);
  }
  placed.sum_power_w = p;
  placed.sum_accelerators_w = a;
  placed.sum_clock = c;
}

// A phase of a uniform job reads, after the JobRuns record, its rack list, its one state, its
// power and its last evaluations: separate blocks, each cold since the job's last phase, and
// each found only through the record. Asked for here, as the job's activity ends, their misses
// overlap the job model's (JobRunner::on_activity_end) and each other's instead of coming one after
// another.
void World::prefetch_phase(const Job& job) const {
  if (job.id >= job_runs_.size()) return;
  const JobRuns& placed = job_runs_[job.id];
  prefetch_lines(&placed, sizeof(JobRuns));
  if (!placed.uniform) return;
  prefetch_lines(placed.racks.data(), placed.racks.size() * sizeof(ClusterState::RackNodes));
  prefetch_lines(placed.states.data(), sizeof(Held));
  prefetch_lines(placed.uniform_power.get(), sizeof(ClusterState::RunPower));
  prefetch_lines(placed.evaluated.get(), sizeof(RecentEvaluations<KeptState>));
}

// A job with a node in a rack with a power limit stays by runs: the limit sets that rack's nodes
// on their own at most phases, and leaving uniform writes every node's record.
void World::try_uniform(JobRuns& placed) {
  const std::vector<PlacedRun>& runs = placed.runs;
  if (runs.empty() || placed.states.size() != 1) return;
  for (std::size_t i = 0; i < runs.size(); ++i)
    if (!runs[i].alone || !runs[i].held || runs[i].state != 0 ||
        (i > 0 && runs[i].rack == runs[i - 1].rack) ||
        (i > 0 && runs[i].begin != runs[i - 1].end) || rack_models_[runs[i].rack])
      return;
  placed.racks.clear();
  for (const PlacedRun& r : runs) placed.racks.push_back({r.rack, r.end - r.begin});
  placed.each = placed.racks.front().count;
  for (const ClusterState::RackNodes& r : placed.racks)
    if (r.count != placed.each) placed.each = 0;
  placed.nodes_begin = runs.front().begin;
  placed.nodes_end = runs.back().end;
  if (!placed.uniform_power) placed.uniform_power = std::make_unique<ClusterState::RunPower>();
  *placed.uniform_power = placed.states.front().power;
  placed.followed = {placed.uniform_power.get()};  // set here, not moved: nothing sampled yet
  uniform_sums(placed);
  // The nodes follow their runs' power (the same values) until the next phase follows this.
  placed.uniform_followed = never_followed;
  placed.inlets_checked = never_followed;
  placed.inlet_read = never_followed;
  if (!placed.evaluated) placed.evaluated = std::make_unique<RecentEvaluations<KeptState>>();
  placed.evaluated->clear();
  placed.uniform = true;
}

void World::leave_uniform(const Job& job, JobRuns& placed) {
  state_.write_records(std::span<const std::uint32_t>(job.nodes).subspan(
      placed.nodes_begin, placed.nodes_end - placed.nodes_begin));
  for (PlacedRun& r : placed.runs) {
    r.power = *placed.uniform_power;
    r.followed = never_followed;
  }
  placed.uniform = false;
}

bool World::placed_sums(const Job& job, double& power_w, double& accelerators_w,
                        double& clock) const {
  if (shares(job) || job.id >= job_runs_.size() || job_runs_[job.id].runs.empty()) return false;
  double p = 0.0, a = 0.0, c = 1.0;
  if (const JobRuns& placed = job_runs_[job.id]; placed.uniform) {  // the same sum, by run
    power_w = placed.sum_power_w;
    accelerators_w = placed.sum_accelerators_w;
    clock = placed.sum_clock;
    return true;
  }
  for (const PlacedRun& r : job_runs_[job.id].runs) {
    if (!r.alone || !r.held) return false;
    const auto n = static_cast<double>(r.end - r.begin);
    p += n * r.power.wall_w;
    a += n * r.power.accelerators_w;
    c = std::min(c, r.power.clock);
  }
  power_w = p;
  accelerators_w = a;
  clock = c;
  return true;
}

void World::start(const scheduling::JobView& view, std::vector<std::uint32_t> chosen) {
  Job& job = runner_->job(view.id);
  if (job.state != JobState::queued) throw std::logic_error("start(): job is not queued");
  if (const auto shared = shared_node_for(job)) {  // room on GPUs of a shared node
    runner_->start(job, {*shared});
    return;
  }
  if (job.request.elastic.enabled() && !chosen.empty()) set_elastic_size(job, chosen.size());
  const auto need = static_cast<std::size_t>(job.request.nodes);
  if (chosen.empty() && !job.request.pools.empty()) chosen = pool_nodes_for(job);
  if (chosen.empty()) {
    const auto& free = state_.free_nodes();
    if (free.size() < need) throw std::logic_error("start(): not enough free nodes");
    auto it = free.begin();
    for (std::size_t i = 0; i < need; ++i) chosen.push_back(*it++);
  }
  if (chosen.size() != need) throw std::logic_error("start(): wrong number of nodes");
  for (const auto id : chosen)
    if (id >= state_.node_count() || state_.placement(id).job >= 0 ||
        state_.placement(id).state != scheduling::NodeState::on || !state_.placement(id).in_service)
      throw std::logic_error("start(): node " + std::to_string(id) + " is not free and on");
  std::sort(chosen.begin(), chosen.end());
  if (!job.request.pools.empty()) {
    const std::uint32_t pool = state_.placement(chosen.front()).pool;
    for (const auto id : chosen)
      if (state_.placement(id).pool != pool || !scheduling::may_run_on(job, state_.placement(id)))
        throw std::logic_error("start(): node " + std::to_string(id) + " is not in a pool job '" +
                               job.request.name + "' may run in, or its nodes span pools");
    if (job.cap_w && pool != job.model_pool) {  // the cap on the chips it will run on
      auto node = std::make_shared<compute::Node>(pool_model(pool));
      node->set_accelerator_power_cap(sim::Watts(*job.cap_w));
      job.capped_node = std::move(node);
    }
  }
  start_capped_if_gated(job);
  runner_->start(job, std::move(chosen));
}

void World::occupy(const Job& job) {
  forget_runs(job.id, job.nodes);  // none left (release forgot them): cut at its first phase
  if (shares(job)) return occupy_shared(job);
  for (const auto id : job.nodes) {
    state_.assign(id, static_cast<std::int32_t>(job.id));
    set_node_state(id, scheduling::NodeState::on, false);
  }
}

void World::release(const Job& job) {
  note_ramp_drop(job, true);
  state_.add_fixed_it_power(split_->set_job_traffic(job.id, {}));
  forget_runs(job.id, job.nodes);
  if (shares(job)) return release_shared(job);
  for (const auto id : job.nodes) {
    state_.assign(id, -1);
    set_node_state(id, scheduling::NodeState::on, true);
    set_node_idle(id);
    if (!state_.placement(id).in_service) set_node_absent(id);  // its pool retired meanwhile
  }
}

void World::wake_at(sim::Time when) {
  if (when < sim_.now()) throw std::logic_error("wake_at() in the past");
  sim_.at(when, wake_handler_, 0, 1);
}

// --- Policy services ------------------------------------------------------------------

void World::set_node_state(std::uint32_t node, scheduling::NodeState state, bool free) {
  state_.set_node_state(node, state, free,
                        state == scheduling::NodeState::waking
                            ? sim_.now() + power_management_.wake_latency
                            : sim::Time::max());
}

void World::power_down(std::uint32_t node) {
  if (node >= state_.node_count()) throw std::logic_error("power_down(): no such node");
  const auto state = state_.placement(node).state;
  if (state == scheduling::NodeState::sleeping) return;
  if (state_.placement(node).job >= 0 || state == scheduling::NodeState::waking)
    throw std::logic_error("power_down(): node " + std::to_string(node) + " is busy or waking");
  set_node_state(node, scheduling::NodeState::sleeping, true);
  compute::NodePower p;
  p.wall_w = power_management_.sleep_power.value();
  set_node_power(node, p);
}

void World::power_up(std::uint32_t node) {
  if (node >= state_.node_count()) throw std::logic_error("power_up(): no such node");
  if (state_.placement(node).state != scheduling::NodeState::sleeping) return;
  if (!state_.placement(node).in_service) return;  // an absent or retired pool's node stays off
  set_node_state(node, scheduling::NodeState::waking, true);
  // Waking draws E_wake / L for exactly L.
  compute::NodePower p;
  p.wall_w = power_management_.waking_power_w();
  set_node_power(node, p);
  sim_.at(sim_.now() + power_management_.wake_latency, awake_handler_, node, -1);
}

void World::on_node_awake(std::uint32_t node) {
  set_node_state(node, scheduling::NodeState::on, true);
  set_node_idle(node);
  if (!state_.placement(node).in_service) set_node_absent(node);
  run_policy();
  commit();
}

scheduling::PowerCapRange World::power_cap_range() const {
  return pool_cap_range(0);
}

scheduling::PowerCapRange World::power_cap_range(const scheduling::JobView& view) const {
  return pool_cap_range(runner_->job(view.id).model_pool);
}

scheduling::PowerCapRange World::pool_cap_range(std::uint32_t pool) const {
  // The lowest settable board limit is not in the catalog: 30 % of TDP (H100: 210 W, close to
  // nvidia-smi's 200 W minimum) is an estimate; the highest is the node's own cap.
  const double tdp_w = cluster_.pools[pool].node.accelerator->tdp_w.value;
  return {sim::Watts(0.3 * tdp_w), sim::Watts(pool_model(pool).accelerator().power_cap_w())};
}

std::optional<sim::Watts> World::power_cap(const scheduling::JobView& view) const {
  const Job& job = runner_->job(view.id);
  if (!job.cap_w) return std::nullopt;
  return sim::Watts(*job.cap_w);
}

void World::set_power_cap(const scheduling::JobView& view, std::optional<sim::Watts> cap) {
  Job& job = runner_->job(view.id);
  if (cap) {
    const auto range = pool_cap_range(job.model_pool);
    const double cap_w = std::clamp(cap->value(), range.min.value(), range.max.value());
    job.cap_w = cap_w;
    auto node = std::make_shared<compute::Node>(pool_model(job.model_pool));
    node->set_accelerator_power_cap(sim::Watts(cap_w));
    job.capped_node = std::move(node);
  } else {
    job.cap_w.reset();
    job.capped_node.reset();
  }
  if (job.state == JobState::running) {
    runner_->reload(job);
    commit();
  }
}

scheduling::JobEstimate World::estimate(const scheduling::JobView& view,
                                        std::optional<sim::Watts> cap) const {
  const Job& job = runner_->job(view.id);
  compute::Node model = pool_model(job.model_pool);
  if (cap) {
    const auto range = pool_cap_range(job.model_pool);
    model.set_accelerator_power_cap(
        sim::Watts(std::clamp(cap->value(), range.min.value(), range.max.value())));
  }
  const compute::NodeLoad load =
      job.state == JobState::running ? job.load : runner_->typical_load(job);
  double added_w = 0.0, clock = 1.0;
  if (job.state == JobState::running) {
    for (const auto id : job.nodes) {
      const std::uint32_t rack = state_.placement(id).rack;
      const double inlet_c = state_.rack_inlet_c(rack);
      const compute::NodePower p = job.model->fixed_power_per_accelerator()
                                       ? node_power(job, rack)
                                       : model.evaluate(load, inlet_c);
      added_w += p.wall_w - rack_idle_[rack].wall_w;
      if (load.busy_accelerators > 0) clock = std::min(clock, p.busy.throughput_factor());
    }
  } else {
    double inlet_c = 0.0;
    for (std::size_t r = 0; r < state_.rack_count(); ++r) inlet_c += state_.rack_inlet_c(r);
    inlet_c /= static_cast<double>(state_.rack_count());
    const compute::NodePower p = model.evaluate(load, inlet_c);
    const double idle_w = model.idle(inlet_c).wall_w;
    const auto fixed_w = job.model->fixed_power_per_accelerator();
    const double wall_w = fixed_w ? fixed_w->value() * load.busy_accelerators : p.wall_w;
    added_w = (wall_w - idle_w) * job.request.nodes;
    if (load.busy_accelerators > 0 && !fixed_w) clock = p.busy.throughput_factor();
  }
  if (job.request.elastic.enabled()) return elastic_estimate(job, clock, added_w);
  // Remaining work on the nominal clock, then at the speed this cap allows.
  const double left_s = job.state == JobState::running
                            ? (runner_->estimated_end(job) - sim_.now()).seconds() * job.speed
                            : job.request.work.seconds();
  return {sim::seconds_or_never(std::max(0.0, left_s) / std::max(clock, 1e-6)),
          sim::Watts(std::max(0.0, added_w))};
}

int World::hops(std::uint32_t a, std::uint32_t b) const {
  // Two-tier leaf/spine with one leaf per rack where the scenario names no fabric: 0 for the
  // same node, 2 within a rack (node-leaf-node), 4 across racks (node-leaf-spine-leaf-node).
  // Between a node with a fabric and one without: network::across_fabrics_hops (fabrics.hpp).
  if (a == b) return 0;
  const bool a_served = network_.serves(static_cast<int>(a));
  if (a_served) {
    auto& row = hop_rows_[a];
    if (row.empty()) row = network_.hops_from(static_cast<int>(a));
    return row[b];
  }
  if (network_.serves(static_cast<int>(b))) return network::across_fabrics_hops;
  return state_.placement(a).rack == state_.placement(b).rack ? 2 : 4;
}

sim::CarbonIntensity World::carbon_intensity(sim::Time t) const {
  return facility_->carbon_intensity_at(t);
}

sim::UsdPerJoule World::price(sim::Time t) const {
  return facility_->price_at(t);
}

sim::Celsius World::outdoor_drybulb(sim::Time t) const {
  return sim::Celsius{facility_->outdoor_drybulb_at(t)};
}

// --- Facility control ------------------------------------------------------------------

void World::reevaluate_rack(std::uint32_t rack) {
  rack_idle_[rack] = pool_model(static_cast<std::uint32_t>(cluster_.pool_of_rack(rack)))
                         .idle(state_.rack_inlet_c(rack));
  std::int32_t cached_job = -2;
  compute::NodePower p;
  double lift_w = 0.0;
  for (std::uint32_t id = state_.rack_begin(rack); id < state_.rack_end(rack); ++id) {
    const std::int32_t j = state_.placement(id).job;
    if (j < 0) {
      if (state_.placement(id).state == scheduling::NodeState::on) set_node_idle(id);
      continue;
    }
    Job& job = runner_->job(static_cast<std::uint32_t>(j));
    if (shares(job)) {
      place_shared(id);
      continue;
    }
    if (j != cached_job) {
      p = node_power(job, rack, &lift_w);
      cached_job = j;
    }
    set_node_power(id, p);
    lift_.set(id, sim_.now(), lift_w);
    state_.set_node_clock(id, job.load.busy_accelerators > 0 ? p.busy.throughput_factor() : 1.0);
  }
}

void World::on_control_step() {
  const sim::Time now = sim_.now();
  // Sized at the first step (the racks are the cluster's, fixed): racks that never changed draw
  // 0 W.
  if (rack_w_.empty()) [[unlikely]]
    rack_w_.assign(state_.rack_count(), 0.0);
  const std::span<const std::uint32_t> changed = state_.take_changed_racks(rack_w_);
  facility_->control_step(now, control_step_, rack_w_, changed);
  if (facility_->has_thermal() || facility_->has_cooling()) {
    // The racks whose inlet moved past the tolerance since they were last evaluated (the
    // facility reports each rack's inlet when it moves so, from the inlet it was first
    // evaluated at); the others (most of them, at most steps) change nothing downstream.
    std::vector<std::uint32_t> moved;
    facility_->take_moved_inlets(inlet_tolerance_k, moved);
    std::vector<std::int32_t> touched;
    for (const std::uint32_t r : moved) {
      state_.set_rack_inlet_c(r, facility_->inlet_c(static_cast<int>(r)));
      reevaluate_rack(r);
      for (std::uint32_t id = state_.rack_begin(r); id < state_.rack_end(r); ++id)
        jobs_on(id, touched);
    }
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    for (const auto j : touched) runner_->refresh(runner_->job(static_cast<std::uint32_t>(j)));
  }
  commit();
}

}  // namespace joule::models::world
