#include "models/world/job_runner.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>

#include "models/compute/accelerator_catalog.hpp"
#include "models/network/collectives.hpp"
#include "models/world/finished_job.hpp"
#include "models/world/pools.hpp"

namespace joule::models::world {

namespace {

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

bool computing(workload::PhaseKind kind) {
  return kind != workload::PhaseKind::checkpoint && kind != workload::PhaseKind::restart &&
         kind != workload::PhaseKind::done;
}

sim::InputError too_long(const sim::Location& where, const std::string& name,
                         const std::overflow_error& e) {
  return sim::InputError(where, "job '" + name +
                                    "' cannot be simulated: one of its steps would last over "
                                    "292 years (" +
                                    e.what() + "); check params, gpus and mfu");
}

// JobRunner::node_load() written into `load` field by field. An activity's load goes straight
// into the job's record: built in a local and then copied, the copy read the fields just
// stored back as wider words, and waited for the stores (a stall at every activity).
void write_node_load(compute::NodeLoad& load, const compute::ClusterSpec& cluster, const Job& job,
                     const compute::OpRates& rates, bool computing) {
  const int per_node = std::max(1, cluster.node.accelerators);
  load.busy_accelerators = std::min(
      per_node, (job.request.gpus + job.request.nodes - 1) / std::max(1, job.request.nodes));
  load.per_accelerator = rates;
  // Host CPUs and NICs follow what the job's accelerators do (compute::host_load).
  const auto host =
      compute::host_load(*cluster.pools[job.model_pool].node.type, load.busy_accelerators, rates);
  load.cpu_util = host.cpu;
  load.utilization = computing ? job.utilization : 0.0;
  load.nic_util = host.nic;  // not beside cpu_util: paired, the two went through the stack too
}

}  // namespace

JobRunner::JobRunner(sim::Simulator& sim, const compute::ClusterSpec& cluster,
                     const network::Fabrics* network, const ClusterState& state, JobHost& host,
                     const sim::RandomStreams& streams, WorkloadSpec workload, sim::Time duration)
    : sim_(sim),
      cluster_(cluster),
      network_(network),
      state_(state),
      host_(host),
      random_(streams),
      generator_(std::move(workload.generator)),
      workload_where_(workload.where) {
  for (std::size_t p = 0; p < cluster_.pools.size(); ++p)
    pool_nodes_.push_back(cluster_.pool_node_count(p));
  probe_jobs(*workload.probe, duration);

  arrival_handler_ = sim_.bind([this](std::uint64_t) { on_arrival(); });
  // A job's activity-end and failure events carry the job's address (job_event_arg()), not
  // its id: the deque's map entry for the id would be one more cache miss before the job's.
  end_handler_ = sim_.bind([this](std::uint64_t arg) { on_activity_end(job_of_event(arg)); });
  failure_handler_ = sim_.bind([this](std::uint64_t arg) { on_failure(job_of_event(arg)); });
  reconfigured_handler_ =
      sim_.bind([this](std::uint64_t id) { on_reconfigured(static_cast<std::uint32_t>(id)); });
}

JobRunner::~JobRunner() = default;

void JobRunner::start_arrivals() {
  next_request_ = generator_->next();
  if (next_request_) sim_.at(next_request_->submit, arrival_handler_, 0, -1);
}

// --- Accounting -------------------------------------------------------------------------

void JobRunner::update(Job& job) const {
  const sim::Time now = sim_.now();
  job.energy_j += job.power_w * (now - job.last_update).seconds();
  job.accelerator_energy_j += job.accelerators_w * (now - job.last_update).seconds();
  job.last_update = now;
}

const std::deque<Job>& JobRunner::jobs() const {
  for (const auto id : running_) update(jobs_[id]);
  return jobs_;
}

// --- Building jobs ----------------------------------------------------------------------

workload::ClusterCapabilities JobRunner::capabilities(workload::Precision precision, int gpus,
                                                      std::uint32_t pool) const {
  const compute::AcceleratorSpec& chip = *cluster_.pools[pool].node.accelerator;
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
  if (network_ && pool_nodes_[pool] > 1) {
    // The path between the first accelerators of the pool's first two nodes, in the fabric
    // that serves the pool (fabrics.hpp): its narrowest link and latency.
    const auto first = static_cast<int>(state_.rack_begin(cluster_.pools[pool].first_rack));
    if (const auto link = network_->node_link(first, first + 1)) inter = *link;
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

// What a job model is built with: the cluster's reference rates and capabilities.
workload::JobEnvironment JobRunner::job_environment(int gpus, sim::Rng failure_rng,
                                                    std::uint32_t pool) const {
  workload::JobEnvironment env;
  env.reference_rates = [chip = cluster_.pools[pool].node.accelerator](double mfu) {
    return compute::reference_training_rates(*chip, mfu, fixed_job_hbm_fraction);
  };
  env.capabilities = [this, gpus, pool](workload::Precision p) {
    return capabilities(p, gpus, pool);
  };
  env.gpus = gpus;
  env.failure_rng = failure_rng;
  return env;
}

JobRequest JobRunner::to_request(const workload::JobRequest& src) const {
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
  r.pools = job_pools(cluster_, src);
  // Only whole-node jobs resize: a job below one node shares its node's GPUs.
  if (src.elastic && r.gpus == r.nodes * per_node) {
    const workload::Elasticity& e = *src.elastic;
    const int cluster_nodes = static_cast<int>(state_.node_count());
    r.elastic.reference_nodes = r.nodes;
    r.elastic.min_nodes = e.min_nodes > 0
                              ? e.min_nodes
                              : std::max(1, static_cast<int>(std::ceil(r.nodes * e.min_scale)));
    r.elastic.max_nodes = std::min(
        cluster_nodes,
        e.max_nodes > 0 ? e.max_nodes : static_cast<int>(std::floor(r.nodes * e.max_scale)));
    r.elastic.min_nodes = std::min(r.elastic.min_nodes, r.nodes);
    r.elastic.max_nodes = std::max(r.elastic.max_nodes, r.nodes);
    r.elastic.exponent = e.exponent;
    r.elastic.reconfigure = e.reconfigure;
  }
  // Only whole-node, rigid jobs move (preemptible.hpp).
  if (src.preemptible && r.gpus == r.nodes * per_node && !r.elastic.enabled()) {
    r.preemptible = true;
    r.restart = src.preemptible->restart;
  }
  return r;
}

void JobRunner::probe_jobs(workload::JobGenerator& probe, sim::Time duration) {
  // The first jobs of the run (a few hundred: enough for every deterministic mistake, cheap
  // enough to do on every load); later draws are checked as they arrive, with the same message.
  constexpr int probed_jobs = 256;
  for (int i = 0; i < probed_jobs; ++i) {
    const std::optional<workload::JobRequest> req = probe.next();
    if (!req || req->submit > duration) break;
    const JobRequest r = to_request(*req);
    if (r.nodes > static_cast<int>(state_.node_count()))
      throw sim::InputError(
          workload_where_, "job '" + r.name + "' needs " + std::to_string(r.nodes) +
                               " nodes but the cluster has " + std::to_string(state_.node_count()));
    check_pools(r);
    try {
      // The job's own model, built as on_arrival() builds it (on a stream of its own:
      // nothing the run draws changes).
      for (const std::uint32_t pool : r.pools.empty() ? std::vector<std::uint32_t>{0} : r.pools)
        (void)workload::JobModelRegistry::create(
            *req, job_environment(r.gpus, random_.stream("failures.probe"), pool))
            ->planned_work();
    } catch (const std::overflow_error& e) {
      throw too_long(workload_where_, r.name, e);
    } catch (const std::domain_error& e) {  // work the cluster's chips cannot do
      throw sim::InputError(req->where.line > 0 ? req->where : workload_where_,
                            "job '" + r.name + "': " + e.what());
    }
  }
}

// A running job's record is cold when one of its events comes (other jobs' events ran in
// between): its hot fields are asked for all at once, so that their cache misses overlap
// instead of coming one after the other as the handler reaches each field.
void JobRunner::prefetch_hot(const Job& job) {
  prefetch_lines(&job, job.hot_bytes());
}

// Jobs stay where they were built: jobs_ only grows at its end, which moves no element.
std::uint64_t JobRunner::job_event_arg(Job& job) {
  return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(&job));
}

Job& JobRunner::job_of_event(std::uint64_t arg) {
  return *reinterpret_cast<Job*>(static_cast<std::uintptr_t>(arg));
}

// --- Lifecycle --------------------------------------------------------------------------

void JobRunner::on_arrival() try {
  while (next_request_ && next_request_->submit <= sim_.now()) {
    jobs_.emplace_back();
    Job& job = jobs_.back();
    job.id = static_cast<std::uint32_t>(jobs_.size() - 1);
    job.source = std::move(*next_request_);
    job.utilization = job.source.utilization;
    job.request = to_request(job.source);
    job.last_update = sim_.now();
    if (job.request.nodes > static_cast<int>(state_.node_count()))
      throw sim::InputError(workload_where_, "job '" + job.request.name + "' needs " +
                                                 std::to_string(job.request.nodes) +
                                                 " nodes but the cluster has " +
                                                 std::to_string(state_.node_count()));
    check_pools(job.request);
    build_model(job, job.request.pools.empty() ? 0 : job.request.pools.front());
    queue_.push_back(job.id);
    next_request_ = generator_->next();
    if (next_request_ && next_request_->submit < sim_.now())
      throw std::logic_error("job generator yielded jobs out of submit order");
  }
  if (next_request_) sim_.at(next_request_->submit, arrival_handler_, 0, -1);
  host_.reschedule();
  host_.commit();
} catch (const std::overflow_error& e) {
  // A drawn job with a step or checkpoint longer than sim::Time holds (292 years): values each
  // in range (a tiny mfu on a huge model); probe_jobs() catches the first jobs while loading.
  throw too_long(workload_where_, jobs_.empty() ? "" : jobs_.back().request.name, e);
}

void JobRunner::check_pools(const JobRequest& r) const {
  if (r.pools.empty()) return;
  int largest = 0;
  for (const auto p : r.pools) largest = std::max(largest, pool_nodes_[p]);
  if (r.nodes > largest)
    throw sim::InputError(workload_where_, "job '" + r.name + "' needs " + std::to_string(r.nodes) +
                                               " nodes but the largest pool it may run in has " +
                                               std::to_string(largest));
}

void JobRunner::build_model(Job& job, std::uint32_t pool) {
  job.model = workload::JobModelRegistry::create(
      job.source, job_environment(job.request.gpus,
                                  random_.stream("failures." + std::to_string(job.id)), pool));
  job.model_pool = pool;
  job.request.work = job.model->planned_work();
}

void JobRunner::start(Job& job, std::vector<std::uint32_t> nodes) {
  update(job);
  job.state = JobState::running;
  job.start = job.sized_at = sim_.now();
  job.nodes = std::move(nodes);
  if (const std::uint32_t pool = state_.placement(job.nodes.front()).pool; pool != job.model_pool)
    build_model(job, pool);
  std::erase(queue_, job.id);
  running_.push_back(job.id);
  host_.occupy(job);
  begin_activity(job, job.model->start());
  schedule_failure(job);
}

void JobRunner::begin_activity(Job& job, const workload::Activity& activity) {
  // Field by field: the activity was just stored by the job model in its own widths, and a copy
  // of the whole record read it back as 16-byte words across those stores, each waiting for
  // them to reach the cache. The rates are read as they were stored.
  job.activity.kind = activity.kind;
  job.activity.start = activity.start;
  job.activity.end = activity.end;
  job.activity.rates = activity.rates;
  job.tau = activity.start;  // the run's handlers work on the nominal clock
  job.tau_wall = sim_.now();
  if (activity.done()) {
    finish(job);
    return;
  }
  write_node_load(job.load, cluster_, job, activity.rates, computing(activity.kind));
  apply_load(job);
  reschedule_end(job);
}

void JobRunner::apply_load(Job& job) {
  update(job);
  NodeSums sums;
  if (!host_.place_load(job, sums.power_w, sums.accelerators_w, sums.clock)) sums = node_sums(job);
  job.power_w = sums.power_w;
  job.accelerators_w = sums.accelerators_w;
  // Rebase the nominal clock, then take the new speed.
  job.tau = job.nominal(sim_.now());
  job.tau_wall = sim_.now();
  job.speed = speed_of(job, sums.clock);
}

JobRunner::NodeSums JobRunner::node_sums(const Job& job) const {
  NodeSums s;
  if (host_.placed_sums(job, s.power_w, s.accelerators_w, s.clock)) return s;
  if (!host_.shares_nodes(job)) {  // every share 1 (1 × P = P, the same sums)
    for (const auto id : job.nodes) {
      const scheduling::NodeInfo& n = state_.node(id);
      s.power_w += n.power_w;
      s.accelerators_w += n.accelerators_w;
      s.clock = std::min(s.clock, n.clock);
    }
    return s;
  }
  for (const auto id : job.nodes) {
    const double share = host_.node_share(job, id);
    s.power_w += share * state_.node(id).power_w;
    s.accelerators_w += share * state_.node(id).accelerators_w;
    s.clock = std::min(s.clock, state_.node(id).clock);
  }
  return s;
}

double JobRunner::speed_of(const Job& job, double clock) const {
  if (job.paused || job.reconfiguring) return 0.0;
  if (!(computing(job.activity.kind) && job.model->follows_clock())) return 1.0;
  if (job.request.elastic.enabled())
    return clock * job.request.elastic.speedup(static_cast<int>(job.nodes.size()));
  return clock;
}

void JobRunner::pause(Job& job) {
  if (job.state != JobState::running || job.paused) return;
  if (job.end_event.valid()) sim_.cancel(job.end_event);
  if (job.failure_event.valid()) sim_.cancel(job.failure_event);
  job.end_event = job.failure_event = {};
  job.paused = true;
  job.load = compute::NodeLoad{};
  apply_load(job);
}

void JobRunner::resume(Job& job) {
  if (job.state != JobState::running || !job.paused) return;
  job.paused = false;
  if (job.reconfiguring) return;  // on_reconfigured() puts its activity back
  write_node_load(job.load, cluster_, job, job.activity.rates, computing(job.activity.kind));
  apply_load(job);
  reschedule_end(job);
  schedule_failure(job);
}

void JobRunner::resize(Job& job, std::vector<std::uint32_t> nodes) {
  ++job.resizes;
  move(job, std::move(nodes), job.request.elastic.reconfigure);
}

void JobRunner::migrate(Job& job, std::vector<std::uint32_t> nodes) {
  ++job.moves;
  move(job, std::move(nodes), job.request.restart);
}

void JobRunner::move(Job& job, std::vector<std::uint32_t> nodes, sim::Time stall) {
  update(job);
  if (job.end_event.valid()) sim_.cancel(job.end_event);
  if (job.failure_event.valid()) sim_.cancel(job.failure_event);
  job.end_event = job.failure_event = {};
  std::vector<std::uint32_t> added, removed;
  std::set_difference(nodes.begin(), nodes.end(), job.nodes.begin(), job.nodes.end(),
                      std::back_inserter(added));
  std::set_difference(job.nodes.begin(), job.nodes.end(), nodes.begin(), nodes.end(),
                      std::back_inserter(removed));
  // The nominal clock up to now at the old speed, then stopped.
  job.tau = job.nominal(sim_.now());
  job.tau_wall = sim_.now();
  job.resized_gpu_s = job.allocated_gpu_s(sim_.now());
  job.sized_at = sim_.now();
  job.nodes = std::move(nodes);
  job.request.nodes = static_cast<int>(job.nodes.size());
  job.request.gpus = job.request.nodes * std::max(1, cluster_.node.accelerators);
  job.reconfiguring = true;
  host_.reassign(job, added, removed);
  job.load = compute::NodeLoad{};  // accelerators idle while the job reconfigures
  apply_load(job);
  job.reconfigured_at = sim::saturating_add(sim_.now(), stall);
  job.reconfigure_event = sim_.at(job.reconfigured_at, reconfigured_handler_, job.id);
}

void JobRunner::on_reconfigured(std::uint32_t job_id) {
  Job& job = jobs_[job_id];
  job.reconfigure_event = {};
  job.reconfiguring = false;
  if (job.state == JobState::running && !job.paused) {
    write_node_load(job.load, cluster_, job, job.activity.rates, computing(job.activity.kind));
    apply_load(job);
    reschedule_end(job);
    schedule_failure(job);
  }
  host_.reschedule();
  host_.commit();
}

void JobRunner::reload(Job& job) {
  apply_load(job);
  reschedule_end(job);
}

void JobRunner::refresh(Job& job) {
  const NodeSums sums = node_sums(job);
  update(job);
  job.power_w = sums.power_w;
  job.accelerators_w = sums.accelerators_w;
  const double speed = speed_of(job, sums.clock);
  if (speed != job.speed) {
    job.tau = job.nominal(sim_.now());
    job.tau_wall = sim_.now();
    job.speed = speed;
    reschedule_end(job);
  }
}

void JobRunner::reschedule_end(Job& job) {
  if (job.end_event.valid()) sim_.cancel(job.end_event);
  if (job.paused || job.reconfiguring) {
    job.end_event = {};
    return;
  }
  const double left_ns = std::max(0.0, static_cast<double>((job.activity.end - job.tau).ns()));
  // At full speed (a checkpoint, a restart, steps at the nominal clock) the division and the
  // rounding up give left_ns back, a whole number: skipped, the same bits.
  // A job slowed past the end of representable time never ends (Time::max() is never reached).
  const double wall_ns = job.speed == 1.0 ? left_ns : std::ceil(left_ns / job.speed);
  const sim::Time wall = wall_ns < 9.2e18 ? sim::Time::from_ns(static_cast<sim::Time::rep>(wall_ns))
                                          : sim::Time::max();
  job.end_event = sim_.at(sim::saturating_add(sim_.now(), wall), end_handler_, job_event_arg(job));
}

void JobRunner::on_activity_end(Job& job) {
  prefetch_hot(job);
  host_.prefetch_phase(job);
  job.end_event = {};
  const sim::Time tau = job.activity.end;  // exact: the event was timed to reach it
  begin_activity(job, job.model->advance(tau));
  if (job.request.preemptible && job.state == JobState::running && job.model->at_checkpoint()) {
    // A checkpoint boundary: the policy may move the job now (SchedulerContext::migrate).
    job.checkpoint_at = sim_.now();
    host_.reschedule();
  }
  host_.commit();
}

void JobRunner::on_failure(Job& job) {
  prefetch_hot(job);
  job.failure_event = {};
  if (job.state != JobState::running) return;
  const sim::Time tau = std::clamp(job.nominal(sim_.now()), job.activity.start, job.activity.end);
  ++job.interruptions;
  update(job);
  begin_activity(job, job.model->on_failure(tau));
  if (job.state == JobState::running) schedule_failure(job);
  host_.commit();
}

// The job's next failure, drawn by its model (none for kinds without failures).
void JobRunner::schedule_failure(Job& job) {
  const sim::Time at = job.model->next_failure();
  if (at != sim::Time::max())
    job.failure_event =
        sim_.at(sim::saturating_add(sim_.now(), at), failure_handler_, job_event_arg(job));
}

void JobRunner::finish(Job& job) {
  update(job);
  if (job.end_event.valid()) sim_.cancel(job.end_event);
  if (job.failure_event.valid()) sim_.cancel(job.failure_event);
  job.end_event = job.failure_event = {};
  job.state = JobState::done;
  job.end = sim_.now();
  job.power_w = job.accelerators_w = 0.0;
  std::erase(running_, job.id);
  host_.release(job);
  host_.reschedule();
  // Keep only what the jobs table and the KPIs read (finished_job.hpp): the full model, the
  // generator's request and the capped node model are freed.
  job.model = std::make_unique<FinishedModel>(*job.model, job.work_gpus());
  job.source = workload::JobRequest{};
  job.utilization = job.source.utilization;
  job.capped_node.reset();
}

sim::Time JobRunner::estimated_end(const Job& job) const {
  if (job.state == JobState::done) return job.end;
  if (job.state == JobState::queued) return sim::Time::max();
  if (job.request.preemptible) {
    // Any stall left (a move), then the rest of its plan at the speed it runs.
    const double rate = job.speed > 0 ? job.speed : 1.0;
    const sim::Time from = job.reconfiguring ? job.reconfigured_at : sim_.now();
    return sim::saturating_add(from, sim::seconds_or_never(nominal_left(job).seconds() / rate));
  }
  if (job.request.elastic.enabled()) {
    // Any stall left, then the rest at the speed it runs (or will run) on its nodes.
    const double rate = job.speed > 0 ? job.speed : job.request.elastic.speedup(job.request.nodes);
    const sim::Time from = job.reconfiguring ? job.reconfigured_at : sim_.now();
    return sim::saturating_add(from, sim::seconds_or_never(nominal_left(job).seconds() / rate));
  }
  if (const auto left = job.model->planned_remaining(sim_.now() - job.start))
    return sim::saturating_add(sim_.now(), *left);
  const sim::Time tau = job.nominal(sim_.now());
  const double left_s = std::max(0.0, (job.activity.end - tau).seconds());
  return sim::saturating_add(sim_.now(), sim::seconds_or_never(left_s / job.speed));
}

sim::Time JobRunner::nominal_left(const Job& job) const {
  const sim::Time tau = job.nominal(sim_.now());
  if (const auto left = job.model->planned_remaining(tau)) return *left;
  return std::max(sim::Time::zero(), job.activity.end - tau);
}

// --- Loads ------------------------------------------------------------------------------

compute::NodeLoad JobRunner::node_load(const Job& job, const compute::OpRates& rates,
                                       bool computing) const {
  compute::NodeLoad load;
  write_node_load(load, cluster_, job, rates, computing);
  return load;
}

compute::NodeLoad JobRunner::typical_load(const Job& job) const {
  return node_load(job, job.model->typical_rates(), true);
}

}  // namespace joule::models::world
