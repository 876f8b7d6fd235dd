// A World advanced step by step under a controller's action (python/joule/env.py).
//
// The scenario's own policy still decides which jobs start and where; the controller acts
// around it through a gate that replaces `scheduler.policy` for the run:
//   admit   true: the scenario's policy runs; false: nothing starts this step (jobs wait);
//   cap_w   a per-accelerator power cap on every running job (None: none from the controller;
//           the caps it set are removed);
// both applied at the start of each step (the gate is woken then) and at every scheduling
// call inside it, so a job that starts mid-step runs under the step's cap;
//   supply_air_c, chilled_water_c   the cooling plant's set-points (None: left as they are),
//           clamped to the plant's range (models/cooling/plant.hpp: CoolingPlant::set_setpoints)
//           and acting from the plant's next control step. A liquid plant's facility water is
//           not an action (the nodes take their coolant temperature from it when built).
//           With cooling zones (a pool with its own `cooling`) every zone's plant moves, each
//           clamped to its own range; the observation's set-points are the first zone's.
#include "python/step.hpp"

#include <pybind11/stl.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "app/run.hpp"
#include "app/scenario.hpp"
#include "models/scheduling/policy.hpp"
#include "models/world/world.hpp"
#include "sim/registry.hpp"

namespace py = pybind11;

namespace joule::python {

namespace {

using models::scheduling::JobView;
using models::scheduling::Policy;
using models::scheduling::PolicyRegistry;
using models::scheduling::SchedulerContext;
using models::world::World;

constexpr const char* gate_name = "joule-env-gate";
constexpr double j_per_kwh = 3.6e6;

struct Action {
  std::optional<double> cap_w;
  bool admit = true;
};

class StepWorld;
thread_local StepWorld* being_built = nullptr;  // the StepWorld whose World is being built

class StepWorld {
public:
  StepWorld(const app::Scenario& scenario, double step_s)
      : scenario_(scenario), step_(sim::Time::from_ns(static_cast<std::int64_t>(step_s * 1e9))) {
    if (step_ <= sim::Time::zero()) throw py::value_error("step must be positive");
    // The scenario's scheduler, kept for the gate to build the real policy from; the World
    // gets the gate with the same power management.
    sim::ParamNode& root = scenario_.root;
    sim::ParamNode* sched = nullptr;
    for (auto& e : root.entries)
      if (e.key == "scheduler") sched = &e.value;
    if (sched && sched->is_map()) {
      inner_ = *sched;
      inner_where_ = sched->where;
      if (const sim::ParamNode* p = sched->find("policy")) {
        inner_name_ = p->scalar;
        inner_where_ = p->where;
      }
      std::vector<sim::ParamNode::Entry> kept;
      for (auto& e : sched->entries)
        if (e.key == "power_management") kept.push_back(e);
      sched->entries = std::move(kept);
    }
    if (inner_name_.empty()) inner_name_ = "fifo";
    app::apply_set(root, std::string("scheduler.policy=") + gate_name);
  }

  py::dict reset(std::optional<std::uint64_t> seed) {
    world_.reset();
    action_ = Action{};
    capped_ = false;
    being_built = this;
    try {
      world_ = std::make_unique<World>(models::world::world_spec(
          app::world_sections(scenario_), seed.value_or(scenario_.seed), scenario_.base_dir));
    } catch (...) {
      being_built = nullptr;
      throw;
    }
    being_built = nullptr;
    last_ = world_->facility_totals();
    last_it_j_ = world_->it_energy_j();
    last_wait_s_ = waited_s();
    py::dict obs = observe();
    obs["warnings"] = world_->warnings();
    return obs;
  }

  py::dict step(std::optional<double> cap_w, bool admit, std::optional<double> supply_air_c,
                std::optional<double> chilled_water_c) {
    if (!world_) throw py::value_error("call reset() before step()");
    if (done()) throw py::value_error("the episode has ended: call reset()");
    if (supply_air_c || chilled_water_c) {
      models::cooling::Setpoints want;
      if (supply_air_c) want.supply_air_c = *supply_air_c;
      if (chilled_water_c) want.chilled_water_c = *chilled_water_c;
      world_->set_cooling_setpoints(want);
    }
    action_.cap_w = cap_w;
    action_.admit = admit;
    SchedulerContext& ctx = world_->control();
    apply_caps(ctx);
    ctx.wake_at(ctx.now());  // the policy (behind the gate) sees the new action now
    world_->run_until(std::min(scenario_.duration, ctx.now() + step_));
    return observe();
  }

  // Called by the gate at every scheduling point.
  void schedule(SchedulerContext& ctx) {
    if (action_.admit) inner_policy_->schedule(ctx);
    apply_caps(ctx);
  }

  std::unique_ptr<Policy> make_inner() {
    return PolicyRegistry::create(inner_name_, inner_where_, &inner_);
  }
  void set_inner(Policy* p) { inner_policy_ = p; }

private:
  bool done() const { return world_->simulator().now() >= scenario_.duration; }

  void apply_caps(SchedulerContext& ctx) {
    if (!action_.cap_w && !capped_) return;  // the policy's own caps stand
    std::optional<double> cap_w = action_.cap_w;
    if (cap_w) {  // as the World clamps it, so that an unchanged cap is left alone
      const auto range = ctx.power_cap_range();
      cap_w = std::clamp(*cap_w, range.min.value(), range.max.value());
    }
    for (const JobView* job : ctx.running()) {
      const auto now = ctx.power_cap(*job);
      if (cap_w) {
        if (!now || now->value() != *cap_w) ctx.set_power_cap(*job, sim::Watts(*cap_w));
      } else if (now) {
        ctx.set_power_cap(*job, std::nullopt);
      }
    }
    capped_ = cap_w.has_value();
  }

  // Job-seconds spent waiting so far (every arrived job, up to now).
  double waited_s() const {
    const sim::Time now = world_->simulator().now();
    double total = 0.0;
    for (const auto& job : world_->jobs()) {
      const sim::Time until = std::min(job.start, now);
      if (until > job.request.submit) total += (until - job.request.submit).seconds();
    }
    return total;
  }

  py::dict observe() {
    SchedulerContext& ctx = world_->control();
    const auto& t = world_->facility_totals();
    const double it_j = world_->it_energy_j();
    const bool facility = world_->facility().has_power_chain() || world_->facility().has_cooling();
    const double wait_s = waited_s();
    py::dict o;
    o["time_s"] = ctx.now().seconds();
    o["it_power_w"] = ctx.it_power().value();
    o["facility_power_w"] = facility ? ctx.facility_power().value() : ctx.it_power().value();
    std::vector<double> inlet(world_->rack_count());
    for (std::size_t i = 0; i < inlet.size(); ++i) inlet[i] = world_->rack_inlet_c(i);
    o["inlet_c"] = inlet;
    std::vector<double> rack_w(world_->rack_count());
    for (std::size_t i = 0; i < rack_w.size(); ++i) rack_w[i] = world_->racks()[i].power_w;
    o["rack_power_w"] = rack_w;
    o["outdoor_drybulb_c"] = ctx.outdoor_drybulb(ctx.now()).value;
    o["price_usd_per_mwh"] = ctx.price(ctx.now()).value() * 1e3 * j_per_kwh;
    o["carbon_g_per_kwh"] = ctx.carbon_intensity(ctx.now()).value() * 1e3 * j_per_kwh;
    o["queue_length"] = ctx.queue().size();
    o["running"] = ctx.running().size();
    o["free_nodes"] = ctx.free_nodes();
    const auto range = ctx.power_cap_range();
    o["cap_min_w"] = range.min.value();
    o["cap_max_w"] = range.max.value();
    // Cooling set-points in force and their range (NaN: the plant has none of that kind).
    const auto& facility_now = world_->facility();
    const auto held = facility_now.cooling_setpoints();
    const auto lo = facility_now.cooling_setpoint_min(), hi = facility_now.cooling_setpoint_max();
    o["supply_air_c"] = held.supply_air_c;
    o["chilled_water_c"] = held.chilled_water_c;
    o["supply_air_range_c"] = py::make_tuple(lo.supply_air_c, hi.supply_air_c);
    o["chilled_water_range_c"] = py::make_tuple(lo.chilled_water_c, hi.chilled_water_c);
    // What happened during the step (zero after reset).
    const double facility_j = facility ? t.facility_j - last_.facility_j : it_j - last_it_j_;
    o["it_energy_kwh"] = (it_j - last_it_j_) / j_per_kwh;
    o["facility_energy_kwh"] = facility_j / j_per_kwh;
    o["co2e_kg"] = t.co2e_kg - last_.co2e_kg;
    o["cost_usd"] = t.cost_usd - last_.cost_usd;
    o["queue_wait_h"] = (wait_s - last_wait_s_) / 3600.0;
    o["terminated"] = done();
    last_ = t;
    last_it_j_ = it_j;
    last_wait_s_ = wait_s;
    return o;
  }

  app::Scenario scenario_;
  sim::Time step_;
  sim::ParamNode inner_;
  std::string inner_name_;
  sim::Location inner_where_;
  Action action_;
  bool capped_ = false;
  Policy* inner_policy_ = nullptr;
  std::unique_ptr<World> world_;
  models::world::FacilityTotals last_;
  double last_it_j_ = 0.0, last_wait_s_ = 0.0;
};

// The scenario's policy behind the controller's action.
class Gate final : public Policy {
public:
  explicit Gate(StepWorld& env) : env_(env), inner_(env.make_inner()) {
    env.set_inner(inner_.get());
  }
  void schedule(SchedulerContext& ctx) override { env_.schedule(ctx); }

private:
  StepWorld& env_;
  std::unique_ptr<Policy> inner_;
};

const bool registered = PolicyRegistry::add(
    models::scheduling::policy_doc(gate_name,
                                   "Internal to joule.Env (python/step.cpp): the scenario's policy "
                                   "behind a controller's admit/cap action; not for scenarios"),
    [](const sim::ParamReader& r) -> std::unique_ptr<Policy> {
      if (!being_built) r.fail("policy", std::string(gate_name) + " is used only by joule.Env");
      return std::make_unique<Gate>(*being_built);
    });

}  // namespace

void bind_step(py::module_& m) {
  py::class_<StepWorld>(m, "StepWorld", "The step environment's core (python/step.cpp)")
      .def(py::init<const app::Scenario&, double>(), py::arg("scenario"), py::arg("step_s"))
      .def("reset", &StepWorld::reset, py::arg("seed") = py::none())
      .def("step", &StepWorld::step, py::arg("cap_w") = py::none(), py::arg("admit") = true,
           py::arg("supply_air_c") = py::none(), py::arg("chilled_water_c") = py::none());
}

}  // namespace joule::python
