#include "models/world/world.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "models/compute/accelerator_catalog.hpp"

namespace joule::models::world {

const sim::ModelDoc& scheduler_doc() {
  static const sim::ModelDoc doc{"scheduler",
                                 "scheduler",
                                 "Which policy decides what runs where",
                                 {{"policy", "string", "fifo", "a registered policy name"}}};
  return doc;
}

namespace {

const sim::ParamNode* child(const sim::ParamReader& r, const char* key) {
  return r.node(key);
}

}  // namespace

World::World(const WorldSections& sections, std::uint64_t seed, std::string base_dir)
    : random_(seed), base_dir_(std::move(base_dir)) {
  // Cluster: racks of identical nodes (models/compute).
  {
    const sim::ParamReader cluster(sections.cluster, compute::cluster_doc());
    cluster_ = compute::cluster_spec(cluster);
  }
  calibration_ = compute::default_calibration(*cluster_.node.accelerator);
  node_model_ = std::make_unique<compute::Node>(cluster_.node, calibration_);
  idle_power_w_ = node_model_->idle(inlet_c_).wall_w;
  const auto n = static_cast<std::size_t>(cluster_.node_count());
  nodes_.resize(n);
  node_info_.resize(n);
  racks_.resize(cluster_.racks.size());
  {
    std::uint32_t i = 0;
    for (std::uint32_t r = 0; r < cluster_.racks.size(); ++r)
      for (int k = 0; k < cluster_.racks[r].nodes; ++k, ++i) {
        nodes_[i].rack = r;
        nodes_[i].power_w = idle_power_w_;
        node_info_[i] = {i, r, true, idle_power_w_, inlet_c_};
        racks_[r].power_w += idle_power_w_;
        free_.insert(free_.end(), i);
      }
  }
  it_.power_w = idle_power_w_ * static_cast<double>(n);
  peak_it_w_ = it_.power_w;

  // Workload.
  {
    const sim::ParamNode* workload = sections.workload;
    std::string generator = "list";
    sim::Location where = workload ? workload->where : sim::Location{};
    if (workload && workload->is_map())
      if (const sim::ParamNode* g = workload->find("generator")) {
        generator = g->scalar;
        where = g->where;
      }
    SourceContext ctx{&random_, base_dir_, &cluster_.node, static_cast<int>(n)};
    if (!workload || workload->kind == sim::ParamNode::Kind::null)
      throw sim::InputError(where, "missing required section 'workload'");
    source_ = JobSourceRegistry::create(generator, where, workload, ctx);
  }

  // Scheduler.
  {
    const sim::ParamReader sched(sections.scheduler, scheduler_doc(), {"type"});
    policy_name_ = sched.string("policy");
    // The policy's own keys sit beside `policy`; it reads them from the same node.
    policy_ = scheduling::PolicyRegistry::create(policy_name_, sched.location("policy"), nullptr);
  }

  arrival_handler_ = sim_.bind([this](std::uint64_t) { on_arrival(); });
  end_handler_ =
      sim_.bind([this](std::uint64_t id) { on_job_end(static_cast<std::uint32_t>(id)); });
  wake_handler_ = sim_.bind([this](std::uint64_t) { run_policy(); });
  pull_next_arrival();
}

World::~World() = default;

void World::pull_next_arrival() {
  next_request_ = source_->next();
  if (next_request_) {
    const sim::Time when = std::max(next_request_->submit, sim_.now());
    sim_.at(when, arrival_handler_, 0, -1);
  }
}

void World::on_arrival() {
  // Every request due now joins the queue, then the policy runs once.
  while (next_request_ && next_request_->submit <= sim_.now()) {
    Job job;
    job.id = static_cast<std::uint32_t>(jobs_.size());
    job.request = std::move(*next_request_);
    job.remaining_work_s = job.request.work.seconds();
    job.last_update = sim_.now();
    jobs_.push_back(std::move(job));
    queue_.push_back(jobs_.back().id);
    next_request_ = source_->next();
    if (next_request_ && next_request_->submit < sim_.now())
      throw std::logic_error("job source yielded jobs out of submit order");
  }
  if (next_request_) sim_.at(next_request_->submit, arrival_handler_, 0, -1);
  run_policy();
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
}

std::vector<Job*> World::queue() const {
  std::vector<Job*> out;
  out.reserve(queue_.size());
  for (const auto id : queue_) out.push_back(const_cast<Job*>(&jobs_[id]));
  return out;
}

std::vector<const Job*> World::running() const {
  std::vector<const Job*> out;
  for (const auto& job : jobs_)
    if (job.state == JobState::running) out.push_back(&job);
  return out;
}

sim::Time World::estimated_end(const Job& job) const {
  if (job.state != JobState::running) return job.end;
  const double elapsed_s = (sim_.now() - job.last_update).seconds();
  const double left_s = std::max(0.0, job.remaining_work_s - elapsed_s * job.speed);
  return sim_.now() + sim::seconds(left_s / job.speed);
}

void World::update_job(Job& job) {
  const sim::Time now = sim_.now();
  const double dt_s = (now - job.last_update).seconds();
  job.energy_j += job.power_w * dt_s;
  if (job.state == JobState::running) job.remaining_work_s -= dt_s * job.speed;
  job.last_update = now;
}

void World::set_node_power(std::uint32_t node, double power_w) {
  Node& n = nodes_[node];
  const double delta_w = power_w - n.power_w;
  if (delta_w == 0.0) return;
  const sim::Time now = sim_.now();
  RackAccount& rack = racks_[n.rack];
  rack.update_to(now);
  rack.power_w += delta_w;
  it_.update_to(now);
  it_.power_w += delta_w;
  peak_it_w_ = std::max(peak_it_w_, it_.power_w);
  n.power_w = power_w;
  node_info_[node].power_w = power_w;
}

void World::start(Job& job, std::vector<std::uint32_t> chosen) {
  if (job.state != JobState::queued) throw std::logic_error("start(): job is not queued");
  const auto need = static_cast<std::size_t>(job.request.nodes);
  if (chosen.empty()) {
    if (free_.size() < need) throw std::logic_error("start(): not enough free nodes");
    auto it = free_.begin();
    for (std::size_t i = 0; i < need; ++i) chosen.push_back(*it++);
  }
  if (chosen.size() != need) throw std::logic_error("start(): wrong number of nodes");
  for (const auto id : chosen)
    if (id >= nodes_.size() || nodes_[id].job >= 0)
      throw std::logic_error("start(): node " + std::to_string(id) + " is not free");

  update_job(job);
  job.state = JobState::running;
  job.start = sim_.now();
  job.nodes = std::move(chosen);
  queue_.erase(std::find(queue_.begin(), queue_.end(), job.id));
  double power_w = 0.0, speed = 1.0;
  for (const auto id : job.nodes) {
    free_.erase(id);
    nodes_[id].job = static_cast<std::int32_t>(job.id);
    node_info_[id].free = false;
    const compute::NodePower p = node_model_->evaluate(job.request.load, inlet_c_);
    const double throughput = job.request.load.busy_accelerators > 0 ? p.busy.clock_fraction : 1.0;
    set_node_power(id, p.wall_w);
    nodes_[id].throughput = throughput;
    power_w += p.wall_w;
    speed = std::min(speed, throughput);
  }
  job.power_w = power_w;
  job.speed = speed;
  sim_.at(sim_.now() + sim::seconds(job.remaining_work_s / job.speed), end_handler_, job.id);
  job_started.emit(job);
}

void World::on_job_end(std::uint32_t job_id) {
  Job& job = jobs_[job_id];
  update_job(job);
  job.remaining_work_s = 0.0;
  job.state = JobState::done;
  job.end = sim_.now();
  job.power_w = 0.0;
  for (const auto id : job.nodes) {
    nodes_[id].job = -1;
    nodes_[id].throughput = 1.0;
    node_info_[id].free = true;
    free_.insert(id);
    set_node_power(id, idle_power_w_);
  }
  job_finished.emit(job);
  run_policy();
}

void World::wake_at(sim::Time when) {
  if (when < sim_.now()) throw std::logic_error("wake_at() in the past");
  sim_.at(when, wake_handler_, 0, 1);
}

void World::update_racks() {
  for (auto& rack : racks_) rack.update_to(sim_.now());
}

void World::update_jobs() {
  for (auto& job : jobs_)
    if (job.state == JobState::running) update_job(job);
}

}  // namespace joule::models::world
