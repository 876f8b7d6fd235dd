// A hand-checkable mini cluster that implements the SchedulerContext, for policy tests.
//
// It follows the rules policy.hpp states for the World (node states, sleep/wake power, caps
// applied at once, the policy called at the start, after arrivals, job ends, wake completions
// and at requested times), with a deliberately simple power model one can check by hand:
//   node power   on, idle: P_idle;  busy: P_idle + A_j(c) (job j's added power per node at
//                its cap c);  sleeping: P_sleep;  waking: E_wake / L
//   job power    uncapped, each of a node's G accelerators draws g_idle + A_j/G; under a cap
//                c below that it draws c, so A_j(c) = G·(min(c, g_idle + A_j/G) − g_idle), and
//                the job's speed is (A_j(c)/A_j)^(1/3) (dynamic power ∝ f³, throughput ∝ f)
//   facility     P_fac = P_static + pue · P_IT
//   elastic      on n nodes a job runs S(n) = (n/n_ref)^α times as fast (job_view.hpp); a
//                resize stalls it for `reconfigure` (its nodes at P_idle, no progress)
// Energy is integrated exactly between events, per node and by state.
#pragma once

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>

#include "models/scheduling/policy.hpp"
#include "models/world/job.hpp"

namespace joule::models::scheduling::testing {

struct FakeJob {
  std::string name{};
  sim::Time submit{};
  int nodes = 1;
  sim::Time work;           // run time at full speed
  double added_w = 1000.0;  // per node, uncapped
  bool flexible = false;
  sim::Time deadline = sim::Time::max();
  int min_nodes = 0, max_nodes = 0;  // elastic when max_nodes > 0
  double exponent = 1.0;
  sim::Time reconfigure{};
};

struct FakeConfig {
  int racks = 1;
  int nodes_per_rack = 4;
  double idle_w = 1000.0;
  PowerManagementSpec power_management{};
  std::vector<double> rack_inlet_c{};        // per rack (default 24 °C)
  std::vector<double> rack_inlet_rise_k{};   // per rack: NodeInfo::inlet_rise_k (default 0)
  std::vector<double> rack_power_limit_w{};  // per rack (0 or absent: no limit; not enforced)
  // Default: 0 on the same node, 2 within a rack (host–leaf–host), 4 across racks.
  std::function<int(std::uint32_t, std::uint32_t)> hops{};
  std::function<double(sim::Time)> carbon_g_per_kwh = [](sim::Time) { return 400.0; };
  std::function<double(sim::Time)> price_usd_per_mwh = [](sim::Time) { return 80.0; };
  double facility_static_w = 0.0;
  double pue = 1.0;
  int accelerators_per_node = 8;
  double accelerator_idle_w = 70.0;
  double cap_min_w = 200.0, cap_max_w = 700.0;
};

class FakeCluster final : public SchedulerContext {
public:
  FakeCluster(FakeConfig config, std::unique_ptr<Policy> policy)
      : config_(std::move(config)), policy_(std::move(policy)) {
    const int n = config_.racks * config_.nodes_per_rack;
    if (config_.rack_inlet_c.empty()) config_.rack_inlet_c.assign(config_.racks, 24.0);
    if (!config_.hops)
      config_.hops = [per = config_.nodes_per_rack](std::uint32_t a, std::uint32_t b) {
        if (a == b) return 0;
        return a / per == b / per ? 2 : 4;
      };
    for (int i = 0; i < n; ++i) {
      NodeInfo info;
      info.id = static_cast<std::uint32_t>(i);
      info.rack = static_cast<std::uint32_t>(i / config_.nodes_per_rack);
      info.inlet_c = config_.rack_inlet_c[info.rack];
      if (!config_.rack_inlet_rise_k.empty())
        info.inlet_rise_k = config_.rack_inlet_rise_k[info.rack];
      info.power_w = config_.idle_w;
      nodes_.push_back(info);
    }
    node_job_.assign(n, -1);
    wakes_.insert(sim::Time::zero());  // the first call, at the start of the run
    energy_by_state_j_.assign(4, 0.0);
  }

  void submit(const FakeJob& spec) {
    jobs_.emplace_back();
    world::Job& job = jobs_.back();
    job.id = static_cast<std::uint32_t>(jobs_.size() - 1);
    job.request.name = spec.name;
    job.request.submit = spec.submit;
    job.request.nodes = spec.nodes;
    job.request.work = spec.work;
    job.request.flexible = spec.flexible;
    job.request.deadline = spec.deadline;
    if (spec.max_nodes > 0)
      job.request.elastic = {spec.min_nodes, spec.max_nodes, spec.nodes, spec.exponent,
                             spec.reconfigure};
    stall_until_.push_back(sim::Time::zero());
    resizes_.push_back(0);
    remaining_s_.push_back(spec.work.seconds());
    added_w_.push_back(spec.added_w);
    end_.push_back(sim::Time::max());
  }

  // Runs every event up to `end` (the policy is called once per distinct event time).
  void run_until(sim::Time end) {
    for (;;) {
      sim::Time next = sim::Time::max();
      for (const auto& job : jobs_) {
        if (job.state == world::JobState::queued && !arrived_.count(job.id))
          next = std::min(next, job.request.submit);
        if (job.state == world::JobState::running) next = std::min(next, end_[job.id]);
      }
      for (const auto& n : nodes_)
        if (n.state == NodeState::waking) next = std::min(next, n.ready_at);
      if (!wakes_.empty()) next = std::min(next, *wakes_.begin());
      for (const auto& job : jobs_)
        if (job.reconfiguring) next = std::min(next, stall_until_[job.id]);
      if (next > end) {
        advance(end);
        return;
      }
      advance(next);
      for (auto& job : jobs_)
        if (job.state == world::JobState::running && end_[job.id] <= now_) finish(job);
      for (auto& job : jobs_)
        if (job.reconfiguring && stall_until_[job.id] <= now_) {
          job.reconfiguring = false;
          retime(job);
        }
      for (auto& n : nodes_)
        if (n.state == NodeState::waking && n.ready_at <= now_) {
          n.state = NodeState::on;
          n.ready_at = sim::Time::max();
          n.since = now_;
          refresh_power(n.id);
        }
      for (auto& job : jobs_)
        if (job.state == world::JobState::queued && job.request.submit <= now_ &&
            arrived_.insert(job.id).second)
          queue_.push_back(job.id);
      wakes_.erase(wakes_.begin(), wakes_.upper_bound(now_));
      policy_->schedule(*this);
      ++calls_;
    }
  }

  // Results.
  const std::deque<world::Job>& jobs() const { return jobs_; }
  const world::Job& job(const std::string& name) const {
    for (const auto& j : jobs_)
      if (j.request.name == name) return j;
    throw std::out_of_range("no job " + name);
  }
  double energy_j() const {
    double sum = 0;
    for (double e : energy_by_state_j_) sum += e;
    return sum;
  }
  // Energy by node condition: 0 on and idle, 1 busy, 2 sleeping, 3 waking.
  double energy_j(int condition) const { return energy_by_state_j_[condition]; }
  double node_seconds(int condition) const { return time_by_state_s_[condition]; }
  double peak_facility_w() const { return peak_facility_w_; }
  int max_running() const { return max_running_; }
  int wakes() const { return wakes_started_; }
  int resizes(const std::string& name) const { return resizes_[job(name).id]; }

  // SchedulerContext
  sim::Time now() const override { return now_; }
  std::vector<const JobView*> queue() const override {
    std::vector<const JobView*> out;
    for (const auto id : queue_) out.push_back(&jobs_[id]);
    return out;
  }
  std::vector<const JobView*> running() const override {
    std::vector<const JobView*> out;
    for (const auto& j : jobs_)
      if (j.state == world::JobState::running) out.push_back(&j);
    return out;
  }
  std::size_t free_nodes() const override {
    return static_cast<std::size_t>(std::count_if(
        nodes_.begin(), nodes_.end(), [](auto& n) { return n.free && n.state == NodeState::on; }));
  }
  std::span<const NodeInfo> nodes() const override { return nodes_; }
  sim::Time estimated_end(const JobView& job) const override { return end_[job.id]; }
  JobEstimate estimate(const JobView& job, std::optional<sim::Watts> cap) const override {
    const double speed = speed_at(job.id, cap) * scale(job);
    const double stall_s = job.reconfiguring ? (stall_until_[job.id] - now_).seconds() : 0.0;
    return {sim::seconds(stall_s + remaining_s_[job.id] / speed),
            sim::Watts(job.request.nodes * added_at(job.id, cap))};
  }
  int hops(std::uint32_t a, std::uint32_t b) const override { return config_.hops(a, b); }
  std::optional<sim::Watts> idle_power(std::uint32_t) const override {
    return sim::Watts(config_.idle_w);
  }
  std::optional<sim::Watts> rack_power_limit(std::uint32_t rack) const override {
    if (rack >= config_.rack_power_limit_w.size() || !(config_.rack_power_limit_w[rack] > 0))
      return std::nullopt;
    return sim::Watts(config_.rack_power_limit_w[rack]);
  }
  sim::Watts it_power() const override {
    double sum = 0;
    for (const auto& n : nodes_) sum += n.power_w;
    return sim::Watts(sum);
  }
  sim::Watts facility_power() const override { return facility_power_at(it_power()); }
  sim::Watts facility_power_at(sim::Watts it) const override {
    return sim::Watts(config_.facility_static_w + config_.pue * it.value());
  }
  PowerCapRange power_cap_range() const override {
    return {sim::Watts(config_.cap_min_w), sim::Watts(config_.cap_max_w)};
  }
  std::optional<sim::Watts> power_cap(const JobView& job) const override {
    const auto it = caps_.find(job.id);
    if (it == caps_.end()) return std::nullopt;
    return it->second;
  }
  const PowerManagementSpec& power_management() const override { return config_.power_management; }
  sim::CarbonIntensity carbon_intensity(sim::Time t) const override {
    return sim::CarbonIntensity(config_.carbon_g_per_kwh(t) * 1e-3 / sim::joules_per_kwh);
  }
  sim::UsdPerJoule price(sim::Time t) const override {
    return sim::UsdPerJoule(config_.price_usd_per_mwh(t) / (1e3 * sim::joules_per_kwh));
  }
  sim::Celsius outdoor_drybulb(sim::Time) const override { return sim::Celsius{20.0}; }

  void start(const JobView& view, std::vector<std::uint32_t> chosen) override {
    world::Job& job = jobs_[view.id];
    if (job.state != world::JobState::queued) throw std::logic_error("start(): not queued");
    if (job.request.elastic.enabled() && !chosen.empty()) {
      if (chosen.size() < static_cast<std::size_t>(job.request.elastic.min_nodes) ||
          chosen.size() > static_cast<std::size_t>(job.request.elastic.max_nodes))
        throw std::logic_error("start(): out of the elastic range");
      job.request.nodes = static_cast<int>(chosen.size());
    }
    const auto need = static_cast<std::size_t>(job.request.nodes);
    if (chosen.empty())
      for (const auto& n : nodes_)
        if (chosen.size() < need && n.free && n.state == NodeState::on) chosen.push_back(n.id);
    if (chosen.size() != need) throw std::logic_error("start(): wrong number of nodes");
    for (const auto id : chosen)
      if (id >= nodes_.size() || !nodes_[id].free || nodes_[id].state != NodeState::on)
        throw std::logic_error("start(): node " + std::to_string(id) + " is not free and on");
    job.state = world::JobState::running;
    job.start = now_;
    job.nodes = chosen;
    queue_.erase(std::find(queue_.begin(), queue_.end(), job.id));
    for (const auto id : chosen) {
      nodes_[id].free = false;
      nodes_[id].since = now_;
      node_job_[id] = static_cast<int>(job.id);
    }
    retime(job);
    max_running_ = std::max(max_running_, static_cast<int>(running().size()));
  }
  void set_power_cap(const JobView& job, std::optional<sim::Watts> cap) override {
    if (cap)
      caps_[job.id] = sim::Watts(std::clamp(cap->value(), config_.cap_min_w, config_.cap_max_w));
    else
      caps_.erase(job.id);
    if (job.state == world::JobState::running) retime(jobs_[job.id]);
  }
  void power_down(std::uint32_t id) override {
    NodeInfo& n = nodes_.at(id);
    if (n.state == NodeState::sleeping) return;
    if (!n.free || n.state != NodeState::on)
      throw std::logic_error("power_down(): node is busy or waking");
    n.state = NodeState::sleeping;
    n.since = now_;
    refresh_power(id);
  }
  void power_up(std::uint32_t id) override {
    NodeInfo& n = nodes_.at(id);
    if (n.state != NodeState::sleeping) return;
    n.state = NodeState::waking;
    n.since = now_;
    n.ready_at = now_ + config_.power_management.wake_latency;
    ++wakes_started_;
    refresh_power(id);
  }
  void resize(const JobView& view, int count) override {
    world::Job& job = jobs_[view.id];
    const auto& e = job.request.elastic;
    if (!e.enabled() || job.state != world::JobState::running || job.reconfiguring)
      throw std::logic_error("resize(): not a running elastic job");
    if (count < e.min_nodes || count > e.max_nodes)
      throw std::logic_error("resize(): out of the elastic range");
    const auto n = static_cast<std::size_t>(count);
    if (n == job.nodes.size()) return;
    std::vector<std::uint32_t> dropped;
    while (job.nodes.size() > n) {  // frees the highest-numbered
      dropped.push_back(job.nodes.back());
      job.nodes.pop_back();
    }
    for (auto& node : nodes_)
      if (job.nodes.size() < n && node.free && node.state == NodeState::on) {
        node.free = false;
        node.since = now_;
        node_job_[node.id] = static_cast<int>(job.id);
        job.nodes.push_back(node.id);
      }
    if (job.nodes.size() != n) throw std::logic_error("resize(): not enough free nodes");
    std::sort(job.nodes.begin(), job.nodes.end());
    for (const auto id : dropped) {
      nodes_[id].free = true;
      nodes_[id].since = now_;
      node_job_[id] = -1;
      refresh_power(id);
    }
    job.request.nodes = count;
    job.reconfiguring = true;
    stall_until_[job.id] = now_ + e.reconfigure;
    ++resizes_[job.id];
    retime(job);
    wakes_.insert(stall_until_[job.id]);  // the policy is called when the stall ends
  }
  void wake_at(sim::Time when) override {
    if (when < now_) throw std::logic_error("wake_at() in the past");
    wakes_.insert(when);
  }

private:
  double added_at(std::uint32_t job, std::optional<sim::Watts> cap) const {
    const double g = config_.accelerators_per_node, g_idle = config_.accelerator_idle_w;
    const double per_accel_w = g_idle + added_w_[job] / g;
    const double drawn_w = cap ? std::min(cap->value(), per_accel_w) : per_accel_w;
    return g * (drawn_w - g_idle);
  }
  double speed_at(std::uint32_t job, std::optional<sim::Watts> cap) const {
    if (added_w_[job] <= 0) return 1.0;
    return std::cbrt(added_at(job, cap) / added_w_[job]);
  }
  double scale(const JobView& job) const {
    return job.request.elastic.enabled() ? job.request.elastic.speedup(job.request.nodes) : 1.0;
  }
  void retime(world::Job& job) {
    const double speed = speed_at(job.id, power_cap(job)) * scale(job);
    job.speed = job.reconfiguring ? 0.0 : speed;
    const sim::Time from = job.reconfiguring ? stall_until_[job.id] : now_;
    end_[job.id] = from + sim::seconds(remaining_s_[job.id] / speed);
    for (const auto id : job.nodes) refresh_power(id);
  }
  void refresh_power(std::uint32_t id) {
    NodeInfo& n = nodes_[id];
    const auto& pm = config_.power_management;
    switch (n.state) {
      case NodeState::sleeping:
        n.power_w = pm.sleep_power.value();
        break;
      case NodeState::waking:
        n.power_w = pm.waking_power_w();
        break;
      case NodeState::on:
        n.power_w = config_.idle_w;
        if (!n.free) {
          const auto& job = jobs_[node_job_[id]];
          if (!job.reconfiguring) n.power_w += added_at(job.id, power_cap(job));
        }
    }
    peak_facility_w_ = std::max(peak_facility_w_, facility_power().value());
  }
  int condition(const NodeInfo& n) const {
    if (n.state == NodeState::sleeping) return 2;
    if (n.state == NodeState::waking) return 3;
    return n.free ? 0 : 1;
  }
  void advance(sim::Time t) {
    const double dt_s = (t - now_).seconds();
    for (const auto& n : nodes_) {
      energy_by_state_j_[condition(n)] += n.power_w * dt_s;
      time_by_state_s_[condition(n)] += dt_s;
    }
    for (auto& job : jobs_)
      if (job.state == world::JobState::running) remaining_s_[job.id] -= dt_s * job.speed;
    now_ = t;
  }
  void finish(world::Job& job) {
    job.state = world::JobState::done;
    job.end = now_;
    remaining_s_[job.id] = 0;
    for (const auto id : job.nodes) {
      nodes_[id].free = true;
      nodes_[id].since = now_;
      node_job_[id] = -1;
      refresh_power(id);
    }
  }

  FakeConfig config_;
  std::unique_ptr<Policy> policy_;
  sim::Time now_;
  std::vector<NodeInfo> nodes_;
  std::vector<int> node_job_;
  std::deque<world::Job> jobs_;
  std::vector<double> remaining_s_;  // work left per job, at nominal speed
  std::vector<double> added_w_;
  std::vector<sim::Time> end_;
  std::vector<sim::Time> stall_until_;  // elastic: end of the resize in progress
  std::vector<int> resizes_;
  std::set<std::uint32_t> arrived_;
  std::vector<std::uint32_t> queue_;
  std::map<std::uint32_t, sim::Watts> caps_;
  std::set<sim::Time> wakes_;
  std::vector<double> energy_by_state_j_;
  double time_by_state_s_[4] = {0, 0, 0, 0};
  double peak_facility_w_ = 0.0;
  int max_running_ = 0;
  int wakes_started_ = 0;
  int calls_ = 0;
};

// A registered policy by name with its keys from inline YAML (e.g. "{policy: fifo}").
std::unique_ptr<Policy> make_policy(const std::string& yaml);

}  // namespace joule::models::scheduling::testing
