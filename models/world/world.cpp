#include "models/world/world.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "models/compute/accelerator_catalog.hpp"
#include "models/network/collectives.hpp"

namespace joule::models::world {

namespace {

constexpr double inlet_tolerance_k = 0.25;
// A fixed-duration job (a trace row, a listed job) runs dense tensor work at its `mfu` and
// streams HBM at this fraction of peak bandwidth: the catalog's reference training mix
// (compute/accelerator_catalog.hpp), an estimate.
constexpr double fixed_job_hbm_fraction = 0.40;
// Inter-node fabric per accelerator when the scenario does not say: one 400 Gb/s NDR
// InfiniBand NIC per GPU (DGX H100 reference architecture; an estimate for other nodes), and
// collective latencies of 5 µs across nodes and 1 µs over NVLink (estimates).
constexpr double default_nic_bytes_per_s = 50e9;
constexpr double inter_node_latency_s = 5e-6;
constexpr double intra_node_latency_s = 1e-6;
// Checkpoint storage share of a job, per accelerator: Llama 3's checkpoint storage sustains
// 2 TB/s (Dubey et al. 2024, "The Llama 3 Herd of Models", §3.3.1; 7 TB/s peak) for its
// 16,384-GPU training job, ≈ 122 MB/s per GPU; a job's `checkpoint_bandwidth` key overrides
// it (an estimate for other clusters).
constexpr double storage_write_bytes_per_s_per_gpu = 2e12 / 16384;

compute::ClusterSpec read_cluster(const sim::ParamNode* node) {
  const sim::ParamReader cluster(node, compute::cluster_doc());
  return compute::cluster_spec(cluster);
}

bool computing(workload::PhaseKind kind) {
  return kind != workload::PhaseKind::checkpoint && kind != workload::PhaseKind::restart &&
         kind != workload::PhaseKind::done;
}

}  // namespace

World::World(const WorldSections& sections, std::uint64_t seed, std::string base_dir)
    : random_(seed),
      base_dir_(std::move(base_dir)),
      duration_(sections.duration),
      control_step_(sections.control_step),
      // Cluster: racks of identical nodes (models/compute).
      cluster_(read_cluster(sections.cluster)),
      state_(cluster_, sim_, FacilityDesign{}.initial_supply_c) {
  if (cluster_.network && cluster_.network->kind != sim::ParamNode::Kind::null) {
    const network::ClusterShape shape{cluster_.node_count(),
                                      std::max(1, cluster_.node.accelerators)};
    topology_ = network::topology_from_params(*cluster_.network, shape);
    if (topology_->host_count() < shape.hosts())
      throw sim::InputError(cluster_.network->where,
                            "cluster.network has " + std::to_string(topology_->host_count()) +
                                " host ports for " + std::to_string(shape.hosts()) +
                                " accelerators; choose a larger radix");
    network_power_w_ = topology_->switch_power_w();
    hop_rows_.resize(static_cast<std::size_t>(cluster_.node_count()));
  }
  calibration_ = compute::default_calibration(*cluster_.node.accelerator);
  if (sections.calibration) {
    const compute::Calibration file = compute::calibration_from_params(*sections.calibration);
    if (file.chip != cluster_.node.accelerator->id)
      throw sim::InputError(sections.calibration->where, "calibration is for chip '" + file.chip +
                                                             "' but the nodes carry '" +
                                                             cluster_.node.accelerator->id + "'");
    calibration_ = compute::overlay(calibration_, file);
  }

  const auto n = static_cast<std::size_t>(cluster_.node_count());
  const std::size_t rack_count = cluster_.racks.size();
  gpu_hist_ = std::make_unique<compute::GpuPowerHistogram>(n, cluster_.node.accelerators);

  // Facility, sized from nameplate figures.
  FacilityDesign design;
  const double node_max_w = cluster_.node.type->system_max_w.value;
  design.it_w = node_max_w * static_cast<double>(n);
  design.chip_heat_w =
      static_cast<double>(cluster_.accelerator_count()) * cluster_.node.accelerator->tdp_w.value;
  design.racks = static_cast<int>(rack_count);
  int max_per_rack = 1;
  for (const auto& r : cluster_.racks) max_per_rack = std::max(max_per_rack, r.nodes);
  design.rack_design_power_w = node_max_w * max_per_rack;
  facility_ = std::make_unique<Facility>(sections.facility, base_dir_, duration_, design);
  facility_->fit_node(cluster_.node);  // cold plates: coolant temperature, residual fans
  node_model_ = std::make_unique<compute::Node>(cluster_.node, calibration_);

  for (std::size_t r = 0; r < rack_count; ++r)
    state_.set_rack_inlet_c(r, facility_->supply_air_c());
  rack_models_.resize(rack_count);
  rack_dirty_.assign(rack_count, 0);
  for (std::size_t r = 0; r < rack_count; ++r)
    if (cluster_.racks[r].power_limit)
      rack_models_[r] =
          std::make_unique<compute::Rack>(cluster_.node, calibration_, cluster_.racks[r]);
  rack_idle_.resize(rack_count);
  limits_.resize(rack_count, n);
  check_limits(sections);
  for (std::uint32_t r = 0; r < rack_count; ++r) {
    rack_idle_[r] = node_model_->idle(state_.rack_inlet_c(r));
    for (std::uint32_t id = state_.rack_begin(r); id < state_.rack_end(r); ++id) set_node_idle(id);
  }
  // Network switches draw constant power, counted as IT (they sit in the white space).
  state_.add_fixed_it_power(network_power_w_);

  // Workload.
  {
    const sim::ParamNode* workload = sections.workload;
    if (!workload || workload->kind == sim::ParamNode::Kind::null)
      throw sim::InputError(sim::Location{}, "missing required section 'workload'");
    workload_where_ = workload->where;
    workload::GeneratorContext ctx;
    ctx.streams = random_;
    ctx.base_dir = base_dir_;
    ctx.cluster_nodes = cluster_.node_count();
    ctx.cluster_gpus = cluster_.accelerator_count();
    generator_ = workload::make_job_generator(*workload, ctx);
    probe_jobs(*workload, ctx);
  }

  // Scheduler: the policy and the nodes' sleep/wake parameters.
  {
    scheduling::Scheduler sched = scheduling::make_scheduler(sections.scheduler);
    policy_name_ = sched.policy_name;
    policy_ = std::move(sched.policy);
    power_management_ = sched.power_management;
  }

  arrival_handler_ = sim_.bind([this](std::uint64_t) { on_arrival(); });
  end_handler_ =
      sim_.bind([this](std::uint64_t id) { on_activity_end(static_cast<std::uint32_t>(id)); });
  failure_handler_ =
      sim_.bind([this](std::uint64_t id) { on_failure(static_cast<std::uint32_t>(id)); });
  wake_handler_ = sim_.bind([this](std::uint64_t) { run_policy(); });
  control_handler_ = sim_.bind([this](std::uint64_t) { on_control_step(); });
  awake_handler_ =
      sim_.bind([this](std::uint64_t node) { on_node_awake(static_cast<std::uint32_t>(node)); });
  // Control steps run after every state change of their instant (latest priority but one:
  // the recorder's samples come last).
  sim_.every(control_step_, sim::Time::zero(), control_handler_, 0, sim::max_priority - 1);

  next_request_ = generator_->next();
  if (next_request_) sim_.at(next_request_->submit, arrival_handler_, 0, -1);
  // The policy also runs once at t = 0, after the jobs submitted at 0 have arrived (it may
  // power nodes down before any job comes).
  sim_.at(sim::Time::zero(), wake_handler_, 0, 0);
  commit();
}

World::~World() = default;

// --- Accounting -------------------------------------------------------------------------

void World::set_node_power(std::uint32_t node, const compute::NodePower& p) {
  const scheduling::NodeInfo& n = state_.node(node);
  if (!std::isfinite(p.wall_w))
    throw std::runtime_error("the node model (cluster.node, " + cluster_.node.type->id +
                             ") gave a non-finite power (" + std::to_string(p.wall_w) + " W) at " +
                             sim::to_string(sim_.now()));
  {
    // Accelerators still above their cap at the lowest clock (a cap below idle power). Caps
    // set by a rack limit are that limit's business (enforce_rack_limit).
    const auto over = [](const compute::AcceleratorState& a) {
      return a.at_min_clock && a.throttled == compute::Throttle::power_cap ? a.over_limit_w : 0.0;
    };
    const int busy = n.job >= 0 ? jobs_[static_cast<std::size_t>(n.job)].load.busy_accelerators : 0;
    const int idle = std::max(0, cluster_.node.accelerators - busy);
    limits_.set_node_cap_excess(node, enforcing_ || n.state != scheduling::NodeState::on
                                          ? 0.0
                                          : over(p.busy) * busy + over(p.idle) * idle);
  }
  const std::int32_t job = state_.node(node).job;
  gpu_hist_->set(node, sim_.now(), job >= 0 ? jobs_[job].load.busy_accelerators : 0, p.busy.power_w,
                 p.idle.power_w);
  if (!state_.set_node_power(node, p)) return;
  const std::uint32_t rack = state_.node(node).rack;
  if (rack_models_[rack] && !enforcing_ && !rack_dirty_[rack]) {
    rack_dirty_[rack] = 1;
    dirty_racks_.push_back(rack);
  }
}

void World::set_node_idle(std::uint32_t node) {
  set_node_power(node, rack_idle_[state_.node(node).rack]);
  state_.set_node_clock(node, 1.0);
}

void World::refresh_job(Job& job) {
  double power_w = 0.0, accelerators_w = 0.0, clock = 1.0;
  for (const auto id : job.nodes) {
    power_w += state_.node(id).power_w;
    accelerators_w += state_.node(id).accelerators_w;
    clock = std::min(clock, state_.node(id).clock);
  }
  update_job(job);
  job.power_w = power_w;
  job.accelerators_w = accelerators_w;
  const double speed = computing(job.activity.kind) && job.model->follows_clock() ? clock : 1.0;
  if (speed != job.speed) {
    job.tau = job.nominal(sim_.now());
    job.tau_wall = sim_.now();
    job.speed = speed;
    reschedule_end(job);
  }
}

// A rack over its limit shares it through one accelerator cap for all its nodes, found by
// bisection (compute::Rack); the rack is re-evaluated whole, once per handler, whenever one of
// its nodes changed. Sleeping and waking nodes keep their power (the rack model counts them as
// idle, which is conservative); jobs replaying a published power are not capped.
void World::enforce_rack_limit(std::uint32_t rack) {
  std::vector<compute::NodeLoad> loads;
  const std::uint32_t first = state_.rack_begin(rack), last = state_.rack_end(rack);
  for (std::uint32_t id = first; id < last; ++id) {
    const std::int32_t j = state_.node(id).job;
    loads.push_back(j >= 0 ? jobs_[static_cast<std::size_t>(j)].load : compute::NodeLoad{});
  }
  const compute::RackPower rp = rack_models_[rack]->evaluate(loads, state_.rack_inlet_c(rack));
  limits_.set_rack_excess(
      rack, rp.over_limit ? rp.wall_w - cluster_.racks[rack].power_limit->value() : 0.0);
  enforcing_ = true;
  std::vector<std::int32_t> touched;
  for (std::uint32_t id = first; id < last; ++id) {
    if (state_.node(id).state != scheduling::NodeState::on) continue;
    const std::int32_t j = state_.node(id).job;
    if (j >= 0 && jobs_[static_cast<std::size_t>(j)].model->fixed_power_per_accelerator()) continue;
    const compute::NodePower& p = rp.nodes[id - first];
    set_node_power(id, p);
    state_.set_node_clock(
        id, j >= 0 && loads[id - first].busy_accelerators > 0 ? p.busy.throughput_factor() : 1.0);
    if (j >= 0) touched.push_back(j);
  }
  enforcing_ = false;
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  for (const auto j : touched) refresh_job(jobs_[static_cast<std::size_t>(j)]);
}

void World::commit() {
  while (!dirty_racks_.empty()) {
    const std::uint32_t rack = dirty_racks_.back();
    dirty_racks_.pop_back();
    rack_dirty_[rack] = 0;
    enforce_rack_limit(rack);
  }
  peak_it_w_ = std::max(peak_it_w_, state_.it_power_w());
  limits_.commit(sim_.now());
  facility_->set_it(sim_.now(), state_.it_power_w(), state_.chip_power_w());
}

void World::update_job(Job& job) const {
  const sim::Time now = sim_.now();
  job.energy_j += job.power_w * (now - job.last_update).seconds();
  job.accelerator_energy_j += job.accelerators_w * (now - job.last_update).seconds();
  job.last_update = now;
}

const std::deque<Job>& World::jobs() const {
  for (const auto id : running_) update_job(jobs_[id]);
  return jobs_;
}

const FacilityTotals& World::facility_totals() const {
  facility_->update_to(sim_.now());
  return facility_->totals();
}

// --- Jobs -----------------------------------------------------------------------------

workload::ClusterCapabilities World::capabilities(workload::Precision precision, int gpus) const {
  const compute::AcceleratorSpec& chip = *cluster_.node.accelerator;
  workload::ClusterCapabilities caps;
  caps.peak_tensor = sim::FlopsPerSecond(chip.peak_rate(workload::tensor_op(precision)));
  caps.hbm_bandwidth = sim::BytesPerSecond(chip.peak_rate(compute::Op::hbm));
  caps.storage_write = sim::BytesPerSecond(storage_write_bytes_per_s_per_gpu * std::max(1, gpus));
  caps.gpus_per_node = cluster_.node.accelerators;
  const network::CollectiveLink intra{chip.interconnect_bidir_bps.value / 2, intra_node_latency_s};
  network::CollectiveLink inter{default_nic_bytes_per_s, inter_node_latency_s};
  caps.pod_interconnect = chip.pod_interconnect.value > 0;
  caps.gemm_efficiency = chip.gemm_efficiency.value;
  if (caps.pod_interconnect) inter = intra;  // TPU ICI spans the hosts of a pod
  if (topology_ && cluster_.node_count() > 1) {
    // The path between two nodes' first accelerators: its narrowest link and latency.
    inter = topology_->ring_link({0, cluster_.node.accelerators});
  }
  const int per_node = cluster_.node.accelerators;
  caps.allreduce_s = [intra, inter, per_node](double bytes, int gpus) {
    if (gpus <= 1) return 0.0;
    if (gpus <= per_node) return network::ring_allreduce_s(bytes, gpus, intra);
    return network::hierarchical_allreduce_s(bytes, per_node, (gpus + per_node - 1) / per_node,
                                             intra, inter);
  };
  return caps;
}

JobRequest World::to_request(const workload::JobRequest& src) const {
  JobRequest r;
  r.name = src.id;
  r.submit = src.submit;
  const int per_node = std::max(1, cluster_.node.accelerators);
  r.gpus = src.gpus;
  r.nodes = src.nodes > 0 ? src.nodes : (src.gpus + per_node - 1) / per_node;
  if (r.gpus == 0) r.gpus = r.nodes * per_node;
  r.flexible = src.flexible;
  r.deadline = src.deadline;
  r.work = src.duration;
  return r;
}

void World::on_arrival() try {
  while (next_request_ && next_request_->submit <= sim_.now()) {
    jobs_.emplace_back();
    Job& job = jobs_.back();
    job.id = static_cast<std::uint32_t>(jobs_.size() - 1);
    job.source = std::move(*next_request_);
    job.request = to_request(job.source);
    job.last_update = sim_.now();
    if (job.request.nodes > static_cast<int>(state_.node_count()))
      throw sim::InputError(workload_where_, "job '" + job.request.name + "' needs " +
                                                 std::to_string(job.request.nodes) +
                                                 " nodes but the cluster has " +
                                                 std::to_string(state_.node_count()));
    job.model = workload::JobModelRegistry::create(
        job.source,
        job_environment(job.request.gpus, random_.stream("failures." + std::to_string(job.id))));
    job.request.work = job.model->planned_work();
    queue_.push_back(job.id);
    next_request_ = generator_->next();
    if (next_request_ && next_request_->submit < sim_.now())
      throw std::logic_error("job generator yielded jobs out of submit order");
  }
  if (next_request_) sim_.at(next_request_->submit, arrival_handler_, 0, -1);
  run_policy();
  commit();
} catch (const std::overflow_error& e) {
  // A drawn job with a step or checkpoint longer than sim::Time holds (292 years): values each
  // in range (a tiny mfu on a huge model); probe_jobs() catches the first jobs while loading.
  throw sim::InputError(workload_where_, "job '" +
                                             (jobs_.empty() ? "" : jobs_.back().request.name) +
                                             "' cannot be simulated: one of its steps would "
                                             "last over 292 years (" +
                                             e.what() + "); check params, gpus and mfu");
}

// What a job model is built with: the cluster's reference rates and capabilities.
workload::JobEnvironment World::job_environment(int gpus, sim::Rng failure_rng) const {
  workload::JobEnvironment env;
  env.reference_rates = [chip = cluster_.node.accelerator](double mfu) {
    return compute::reference_training_rates(*chip, mfu, fixed_job_hbm_fraction);
  };
  env.capabilities = [this, gpus](workload::Precision p) { return capabilities(p, gpus); };
  env.gpus = gpus;
  env.failure_rng = failure_rng;
  return env;
}

void World::run_policy() {
  if (in_policy_) return;  // a start() inside the policy must not re-enter it
  in_policy_ = true;
  try {
    policy_->schedule(*this);
  } catch (...) {
    in_policy_ = false;
    throw;
  }
  in_policy_ = false;
  commit();
}

std::vector<const scheduling::JobView*> World::queue() const {
  std::vector<const scheduling::JobView*> out;
  out.reserve(queue_.size());
  for (const auto id : queue_) out.push_back(&jobs_[id]);
  return out;
}

std::vector<const scheduling::JobView*> World::running() const {
  std::vector<const scheduling::JobView*> out;
  out.reserve(running_.size());
  for (const auto id : running_) out.push_back(&jobs_[id]);
  return out;
}

sim::Time World::estimated_end(const scheduling::JobView& view) const {
  const Job& job = jobs_[view.id];
  if (job.state == JobState::done) return job.end;
  if (job.state == JobState::queued) return sim::Time::max();
  if (const auto left = job.model->planned_remaining(sim_.now() - job.start))
    return sim::saturating_add(sim_.now(), *left);
  const sim::Time tau = job.nominal(sim_.now());
  const double left_s = std::max(0.0, (job.activity.end - tau).seconds());
  return sim::saturating_add(sim_.now(), sim::seconds_or_never(left_s / job.speed));
}

compute::NodePower World::node_power(const Job& job, std::uint32_t rack) const {
  if (const auto fixed_w = job.model->fixed_power_per_accelerator()) {
    // Replay: the published average power per accelerator, host share included.
    compute::NodePower p;
    p.wall_w = fixed_w->value() * job.load.busy_accelerators;
    p.accelerators_w = p.wall_w;
    p.busy.power_w = fixed_w->value();
    p.busy.clock_fraction = 1.0;
    return p;
  }
  const compute::Node& model = job.capped_node ? *job.capped_node : *node_model_;
  return model.evaluate(job.load, state_.rack_inlet_c(rack));
}

void World::apply_load(Job& job) {
  update_job(job);
  double power_w = 0.0, accelerators_w = 0.0, clock = 1.0;
  std::uint32_t cached_rack = UINT32_MAX;
  compute::NodePower p;
  for (const auto id : job.nodes) {
    const std::uint32_t rack = state_.node(id).rack;
    if (rack != cached_rack) {  // nodes of one rack share inlet air: evaluate once
      p = node_power(job, rack);
      cached_rack = rack;
    }
    set_node_power(id, p);
    state_.set_node_clock(id, job.load.busy_accelerators > 0 ? p.busy.throughput_factor() : 1.0);
    power_w += p.wall_w;
    accelerators_w += p.accelerators_w;
    clock = std::min(clock, state_.node(id).clock);
  }
  job.power_w = power_w;
  job.accelerators_w = accelerators_w;
  // Rebase the nominal clock, then take the new speed.
  job.tau = job.nominal(sim_.now());
  job.tau_wall = sim_.now();
  job.speed = computing(job.activity.kind) && job.model->follows_clock() ? clock : 1.0;
}

void World::reschedule_end(Job& job) {
  if (job.end_event.valid()) sim_.cancel(job.end_event);
  const double left_ns = static_cast<double>((job.activity.end - job.tau).ns());
  // A job slowed past the end of representable time never ends (Time::max() is never reached).
  const double wall_ns = std::ceil(std::max(0.0, left_ns) / job.speed);
  const sim::Time wall = wall_ns < 9.2e18 ? sim::Time::from_ns(static_cast<sim::Time::rep>(wall_ns))
                                          : sim::Time::max();
  job.end_event = sim_.at(sim::saturating_add(sim_.now(), wall), end_handler_, job.id);
}

void World::begin_activity(Job& job, const workload::Activity& activity) {
  job.activity = activity;
  job.tau = activity.start;  // the run's handlers work on the nominal clock
  job.tau_wall = sim_.now();
  if (activity.done()) {
    finish_job(job);
    return;
  }
  job.load = node_load(job, activity.rates, computing(activity.kind));
  apply_load(job);
  reschedule_end(job);
}

void World::start(const scheduling::JobView& view, std::vector<std::uint32_t> chosen) {
  Job& job = jobs_[view.id];
  if (job.state != JobState::queued) throw std::logic_error("start(): job is not queued");
  const auto need = static_cast<std::size_t>(job.request.nodes);
  if (chosen.empty()) {
    const auto& free = state_.free_nodes();
    if (free.size() < need) throw std::logic_error("start(): not enough free nodes");
    auto it = free.begin();
    for (std::size_t i = 0; i < need; ++i) chosen.push_back(*it++);
  }
  if (chosen.size() != need) throw std::logic_error("start(): wrong number of nodes");
  for (const auto id : chosen)
    if (id >= state_.node_count() || state_.node(id).job >= 0 ||
        state_.node(id).state != scheduling::NodeState::on)
      throw std::logic_error("start(): node " + std::to_string(id) + " is not free and on");
  std::sort(chosen.begin(), chosen.end());

  update_job(job);
  job.state = JobState::running;
  job.start = sim_.now();
  job.nodes = std::move(chosen);
  std::erase(queue_, job.id);
  running_.push_back(job.id);
  for (const auto id : job.nodes) {
    state_.assign(id, static_cast<std::int32_t>(job.id));
    set_node_state(id, scheduling::NodeState::on, false);
  }
  begin_activity(job, job.model->start());
  schedule_failure(job);
}

void World::on_activity_end(std::uint32_t job_id) {
  Job& job = jobs_[job_id];
  job.end_event = {};
  const sim::Time tau = job.activity.end;  // exact: the event was timed to reach it
  begin_activity(job, job.model->advance(tau));
  commit();
}

void World::on_failure(std::uint32_t job_id) {
  Job& job = jobs_[job_id];
  job.failure_event = {};
  if (job.state != JobState::running) return;
  const sim::Time tau = std::clamp(job.nominal(sim_.now()), job.activity.start, job.activity.end);
  ++job.interruptions;
  update_job(job);
  begin_activity(job, job.model->on_failure(tau));
  if (job.state == JobState::running) schedule_failure(job);
  commit();
}

// The job's next failure, drawn by its model (none for kinds without failures).
void World::schedule_failure(Job& job) {
  const sim::Time at = job.model->next_failure();
  if (at != sim::Time::max())
    job.failure_event = sim_.at(sim::saturating_add(sim_.now(), at), failure_handler_, job.id);
}

void World::finish_job(Job& job) {
  update_job(job);
  if (job.end_event.valid()) sim_.cancel(job.end_event);
  if (job.failure_event.valid()) sim_.cancel(job.failure_event);
  job.end_event = job.failure_event = {};
  job.state = JobState::done;
  job.end = sim_.now();
  job.power_w = job.accelerators_w = 0.0;
  std::erase(running_, job.id);
  for (const auto id : job.nodes) {
    state_.assign(id, -1);
    set_node_state(id, scheduling::NodeState::on, true);
    set_node_idle(id);
  }
  run_policy();
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
  const auto state = state_.node(node).state;
  if (state == scheduling::NodeState::sleeping) return;
  if (state_.node(node).job >= 0 || state == scheduling::NodeState::waking)
    throw std::logic_error("power_down(): node " + std::to_string(node) + " is busy or waking");
  set_node_state(node, scheduling::NodeState::sleeping, true);
  compute::NodePower p;
  p.wall_w = power_management_.sleep_power.value();
  set_node_power(node, p);
}

void World::power_up(std::uint32_t node) {
  if (node >= state_.node_count()) throw std::logic_error("power_up(): no such node");
  if (state_.node(node).state != scheduling::NodeState::sleeping) return;
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
  run_policy();
  commit();
}

scheduling::PowerCapRange World::power_cap_range() const {
  // The lowest settable board limit is not in the catalog: 30 % of TDP (H100: 210 W, close to
  // nvidia-smi's 200 W minimum) is an estimate; the highest is the node's own cap.
  const double tdp_w = cluster_.node.accelerator->tdp_w.value;
  return {sim::Watts(0.3 * tdp_w), sim::Watts(node_model_->accelerator().power_cap_w())};
}

std::optional<sim::Watts> World::power_cap(const scheduling::JobView& view) const {
  const Job& job = jobs_[view.id];
  if (!job.cap_w) return std::nullopt;
  return sim::Watts(*job.cap_w);
}

void World::set_power_cap(const scheduling::JobView& view, std::optional<sim::Watts> cap) {
  Job& job = jobs_[view.id];
  if (cap) {
    const auto range = power_cap_range();
    const double cap_w = std::clamp(cap->value(), range.min.value(), range.max.value());
    job.cap_w = cap_w;
    auto node = std::make_shared<compute::Node>(*node_model_);
    node->set_accelerator_power_cap(sim::Watts(cap_w));
    job.capped_node = std::move(node);
  } else {
    job.cap_w.reset();
    job.capped_node.reset();
  }
  if (job.state == JobState::running) {
    apply_load(job);
    reschedule_end(job);
    commit();
  }
}

compute::NodeLoad World::node_load(const Job& job, const compute::OpRates& rates,
                                   bool computing) const {
  compute::NodeLoad load;
  const int per_node = std::max(1, cluster_.node.accelerators);
  load.busy_accelerators = std::min(
      per_node, (job.request.gpus + job.request.nodes - 1) / std::max(1, job.request.nodes));
  load.per_accelerator = rates;
  // Host CPUs and NICs follow what the job's accelerators do (compute::host_load).
  const auto host = compute::host_load(*cluster_.node.type, load.busy_accelerators, rates);
  load.cpu_util = host.cpu;
  load.nic_util = host.nic;
  load.utilization = computing ? job.source.utilization : 0.0;
  return load;
}

compute::NodeLoad World::typical_load(const Job& job) const {
  return node_load(job, job.model->typical_rates(), true);
}

scheduling::JobEstimate World::estimate(const scheduling::JobView& view,
                                        std::optional<sim::Watts> cap) const {
  const Job& job = jobs_[view.id];
  compute::Node model = *node_model_;
  if (cap) {
    const auto range = power_cap_range();
    model.set_accelerator_power_cap(
        sim::Watts(std::clamp(cap->value(), range.min.value(), range.max.value())));
  }
  const compute::NodeLoad load = job.state == JobState::running ? job.load : typical_load(job);
  double added_w = 0.0, clock = 1.0;
  if (job.state == JobState::running) {
    for (const auto id : job.nodes) {
      const std::uint32_t rack = state_.node(id).rack;
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
  // Remaining work on the nominal clock, then at the speed this cap allows.
  const double left_s = job.state == JobState::running
                            ? (estimated_end(job) - sim_.now()).seconds() * job.speed
                            : job.request.work.seconds();
  return {sim::seconds_or_never(std::max(0.0, left_s) / std::max(clock, 1e-6)),
          sim::Watts(std::max(0.0, added_w))};
}

int World::hops(std::uint32_t a, std::uint32_t b) const {
  // Two-tier leaf/spine with one leaf per rack unless the scenario names a topology: 0 for the
  // same node, 2 within a rack (node-leaf-node), 4 across racks (node-leaf-spine-leaf-node).
  if (a == b) return 0;
  if (topology_) {
    const int per_node = std::max(1, cluster_.node.accelerators);
    auto& row = hop_rows_[a];
    if (row.empty()) row = topology_->hops_from(static_cast<int>(a) * per_node);
    return row[static_cast<std::size_t>(b) * static_cast<std::size_t>(per_node)];
  }
  return state_.node(a).rack == state_.node(b).rack ? 2 : 4;
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
  rack_idle_[rack] = node_model_->idle(state_.rack_inlet_c(rack));
  std::int32_t cached_job = -2;
  compute::NodePower p;
  for (std::uint32_t id = state_.rack_begin(rack); id < state_.rack_end(rack); ++id) {
    const std::int32_t j = state_.node(id).job;
    if (j < 0) {
      if (state_.node(id).state == scheduling::NodeState::on) set_node_idle(id);
      continue;
    }
    Job& job = jobs_[static_cast<std::size_t>(j)];
    if (j != cached_job) {
      p = node_power(job, rack);
      cached_job = j;
    }
    set_node_power(id, p);
    state_.set_node_clock(id, job.load.busy_accelerators > 0 ? p.busy.throughput_factor() : 1.0);
  }
}

void World::on_control_step() {
  const sim::Time now = sim_.now();
  rack_w_.resize(state_.rack_count());
  for (std::size_t r = 0; r < state_.rack_count(); ++r) rack_w_[r] = state_.rack_power_w(r);
  facility_->control_step(now, control_step_, rack_w_);
  if (facility_->has_thermal() || facility_->has_cooling()) {
    std::vector<std::int32_t> touched;
    for (std::uint32_t r = 0; r < state_.rack_count(); ++r) {
      const double inlet = facility_->inlet_c(static_cast<int>(r));
      if (std::fabs(inlet - state_.rack_inlet_c(r)) <= inlet_tolerance_k) continue;
      state_.set_rack_inlet_c(r, inlet);
      reevaluate_rack(r);
      for (std::uint32_t id = state_.rack_begin(r); id < state_.rack_end(r); ++id)
        if (state_.node(id).job >= 0) touched.push_back(state_.node(id).job);
    }
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    for (const auto j : touched) refresh_job(jobs_[static_cast<std::size_t>(j)]);
  }
  commit();
}

}  // namespace joule::models::world
