// Python policies: the SchedulerContext and JobView bound read-only (times in seconds, power in
// watts, as floats), and a Policy that calls a Python object's schedule(ctx).
//
// Crossing into Python costs one call per scheduling decision point plus one per context
// method; docs/tutorials/writing-a-policy-in-python.md gives the measured rate.
#include "python/policy.hpp"

#include <pybind11/stl.h>

#include <memory>

#include "models/scheduling/policy.hpp"
#include "sim/registry.hpp"

namespace py = pybind11;

namespace joule::python {

using models::scheduling::JobEstimate;
using models::scheduling::JobState;
using models::scheduling::JobView;
using models::scheduling::NodeInfo;
using models::scheduling::NodeState;
using models::scheduling::Policy;
using models::scheduling::PolicyRegistry;
using models::scheduling::SchedulerContext;

PolicyError::PolicyError(const std::string& name, sim::Time when, const std::string& error)
    : std::runtime_error("Python policy '" + name + "' raised at simulated time " +
                         sim::to_string(when) + " (" + std::to_string(when.seconds()) +
                         " s): " + error),
      policy(name),
      time_s(when.seconds()) {}

namespace {

double seconds_or_inf(sim::Time t) {
  return t == sim::Time::max() ? std::numeric_limits<double>::infinity() : t.seconds();
}

std::optional<sim::Watts> watts(std::optional<double> w) {
  if (!w) return std::nullopt;
  return sim::Watts(*w);
}

class PythonPolicy final : public Policy {
public:
  PythonPolicy(std::string name, py::object instance)
      : name_(std::move(name)), instance_(std::move(instance)) {}
  ~PythonPolicy() override {
    py::gil_scoped_acquire gil;
    instance_ = py::object();
  }

  void schedule(SchedulerContext& ctx) override {
    py::gil_scoped_acquire gil;
    try {
      instance_.attr("schedule")(py::cast(&ctx, py::return_value_policy::reference));
    } catch (py::error_already_set& e) {
      throw PolicyError(name_, ctx.now(), e.what());
    }
  }

private:
  std::string name_;
  py::object instance_;
};

// A key the policy declares: its default decides how the scenario's value is read (an integer,
// a number, or text; a quantity with a unit stays text for the policy to parse).
py::object read_key(const sim::ParamReader& r, const sim::KeyDoc& key) {
  const std::string& d = key.default_value;
  char* end = nullptr;
  if (!d.empty()) {
    (void)std::strtoll(d.c_str(), &end, 10);
    if (*end == '\0') return py::int_(r.integer(key.name));
    (void)std::strtod(d.c_str(), &end);
    if (*end == '\0') return py::float_(r.number(key.name));
  }
  if (d == "true" || d == "false") return py::bool_(r.boolean(key.name));
  return py::str(r.string(key.name));
}

}  // namespace

void bind_policies(py::module_& m) {
  static py::exception<PolicyError> policy_error(m, "PolicyError", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const PolicyError& e) {
      py::object exc = py::reinterpret_borrow<py::object>(policy_error.ptr())(e.what());
      exc.attr("policy") = e.policy;
      exc.attr("time_s") = e.time_s;
      PyErr_SetObject(policy_error.ptr(), exc.ptr());
    }
  });

  py::enum_<JobState>(m, "JobState")
      .value("queued", JobState::queued)
      .value("running", JobState::running)
      .value("done", JobState::done);
  py::enum_<NodeState>(m, "NodeState")
      .value("on", NodeState::on)
      .value("sleeping", NodeState::sleeping)
      .value("waking", NodeState::waking);

  // Views are valid during the schedule() call that handed them out.
  py::class_<JobView>(m, "Job", "A job as a policy sees it (models/scheduling/job_view.hpp)")
      .def_readonly("id", &JobView::id)
      .def_property_readonly("name", [](const JobView& j) { return j.request.name; })
      .def_property_readonly("submit_s",
                             [](const JobView& j) { return j.request.submit.seconds(); })
      .def_property_readonly("nodes", [](const JobView& j) { return j.request.nodes; })
      .def_property_readonly("gpus", [](const JobView& j) { return j.request.gpus; })
      .def_property_readonly("work_s", [](const JobView& j) { return j.request.work.seconds(); })
      .def_property_readonly("flexible", [](const JobView& j) { return j.request.flexible; })
      .def_property_readonly("deadline_s",
                             [](const JobView& j) { return seconds_or_inf(j.request.deadline); })
      .def_readonly("state", &JobView::state)
      .def_property_readonly("start_s", [](const JobView& j) { return seconds_or_inf(j.start); })
      .def_property_readonly("end_s", [](const JobView& j) { return seconds_or_inf(j.end); })
      .def_readonly("node_ids", &JobView::nodes)
      .def("__repr__", [](const JobView& j) {
        return "<joule.Job " + std::to_string(j.id) + " '" + j.request.name + "' " +
               std::to_string(j.request.nodes) + " nodes>";
      });

  py::class_<NodeInfo>(m, "Node", "A node as a policy sees it (models/scheduling/policy.hpp)")
      .def_readonly("id", &NodeInfo::id)
      .def_readonly("rack", &NodeInfo::rack)
      .def_readonly("free", &NodeInfo::free)
      .def_readonly("power_w", &NodeInfo::power_w)
      .def_readonly("inlet_c", &NodeInfo::inlet_c)
      .def_readonly("inlet_rise_k", &NodeInfo::inlet_rise_k)
      .def_readonly("state", &NodeInfo::state)
      .def_property_readonly("since_s", [](const NodeInfo& n) { return n.since.seconds(); })
      .def_property_readonly("ready_at_s",
                             [](const NodeInfo& n) { return seconds_or_inf(n.ready_at); })
      .def_readonly("job", &NodeInfo::job)
      .def_readonly("accelerators_w", &NodeInfo::accelerators_w)
      .def_readonly("clock", &NodeInfo::clock)
      .def_readonly("die_c", &NodeInfo::die_c);

  py::class_<JobEstimate>(m, "JobEstimate")
      .def_property_readonly("run_time_s",
                             [](const JobEstimate& e) { return e.run_time.seconds(); })
      .def_property_readonly("added_power_w",
                             [](const JobEstimate& e) { return e.added_power.value(); });

  const auto ref = py::return_value_policy::reference;
  py::class_<SchedulerContext>(m, "SchedulerContext",
                               "What a policy sees and does (models/scheduling/policy.hpp)")
      .def_property_readonly("now_s", [](const SchedulerContext& c) { return c.now().seconds(); })
      .def("queue", &SchedulerContext::queue, ref, "waiting jobs, in arrival order")
      .def("running", &SchedulerContext::running, ref)
      .def("free_nodes", &SchedulerContext::free_nodes, "nodes a job could start on now")
      .def(
          "nodes",
          [](const SchedulerContext& c) {
            const auto s = c.nodes();
            return std::vector<const NodeInfo*>([&] {
              std::vector<const NodeInfo*> v;
              for (const auto& n : s) v.push_back(&n);
              return v;
            }());
          },
          ref, "every node, indexed by id")
      .def(
          "estimated_end_s",
          [](const SchedulerContext& c, const JobView& j) {
            return seconds_or_inf(c.estimated_end(j));
          },
          py::arg("job"))
      .def(
          "estimate",
          [](const SchedulerContext& c, const JobView& j, std::optional<double> cap_w) {
            return c.estimate(j, watts(cap_w));
          },
          py::arg("job"), py::arg("cap_w") = py::none(),
          "run time and added power of a job at a per-accelerator cap (None: uncapped)")
      .def("hops", &SchedulerContext::hops, py::arg("a"), py::arg("b"))
      .def("it_power_w", [](const SchedulerContext& c) { return c.it_power().value(); })
      .def("facility_power_w", [](const SchedulerContext& c) { return c.facility_power().value(); })
      .def(
          "facility_power_at_w",
          [](const SchedulerContext& c, double it_w) {
            return c.facility_power_at(sim::Watts(it_w)).value();
          },
          py::arg("it_power_w"))
      .def("power_cap_range_w",
           [](const SchedulerContext& c) {
             const auto r = c.power_cap_range();
             return std::make_pair(r.min.value(), r.max.value());
           })
      .def(
          "power_cap_w",
          [](const SchedulerContext& c, const JobView& j) -> std::optional<double> {
            const auto cap = c.power_cap(j);
            if (!cap) return std::nullopt;
            return cap->value();
          },
          py::arg("job"))
      .def(
          "carbon_g_per_kwh",
          [](const SchedulerContext& c, std::optional<double> t_s) {
            const sim::Time t =
                t_s ? sim::Time::from_ns(static_cast<std::int64_t>(*t_s * 1e9)) : c.now();
            return c.carbon_intensity(t).value() * 1e3 * 3.6e6;
          },
          py::arg("t_s") = py::none(), "grid carbon intensity at t (default now), gCO2e/kWh")
      .def(
          "price_usd_per_mwh",
          [](const SchedulerContext& c, std::optional<double> t_s) {
            const sim::Time t =
                t_s ? sim::Time::from_ns(static_cast<std::int64_t>(*t_s * 1e9)) : c.now();
            return c.price(t).value() * 3.6e9;
          },
          py::arg("t_s") = py::none(), "grid energy price at t (default now), USD/MWh")
      .def(
          "outdoor_drybulb_c",
          [](const SchedulerContext& c, std::optional<double> t_s) {
            const sim::Time t =
                t_s ? sim::Time::from_ns(static_cast<std::int64_t>(*t_s * 1e9)) : c.now();
            return c.outdoor_drybulb(t).value;
          },
          py::arg("t_s") = py::none())
      .def(
          "start",
          [](SchedulerContext& c, const JobView& j, std::vector<std::uint32_t> nodes) {
            c.start(j, std::move(nodes));
          },
          py::arg("job"), py::arg("nodes") = std::vector<std::uint32_t>{},
          "start a queued job (nodes: [] = the lowest-numbered free, on nodes)")
      .def(
          "set_power_cap",
          [](SchedulerContext& c, const JobView& j, std::optional<double> cap_w) {
            c.set_power_cap(j, watts(cap_w));
          },
          py::arg("job"), py::arg("cap_w"), "per-accelerator cap in W (None removes it)")
      .def("power_down", &SchedulerContext::power_down, py::arg("node"))
      .def("power_up", &SchedulerContext::power_up, py::arg("node"))
      .def(
          "wake_at",
          [](SchedulerContext& c, double t_s) {
            c.wake_at(sim::Time::from_ns(static_cast<std::int64_t>(t_s * 1e9)));
          },
          py::arg("t_s"), "call the policy again at t (seconds, no earlier than now)");

  m.def(
      "register_policy",
      [](const std::string& name, py::object cls, const std::string& summary,
         std::vector<std::tuple<std::string, std::string, std::string, std::string>> keys) {
        if (PolicyRegistry::contains(name))
          throw py::value_error("a policy named '" + name + "' is already registered");
        std::vector<sim::KeyDoc> docs;
        for (auto& [key, unit, def, help] : keys) docs.push_back({key, unit, def, help});
        // Kept for the life of the process (the registry is a static): never released, so that
        // nothing touches Python after the interpreter has finalized.
        auto* held = new py::object(std::move(cls));
        PolicyRegistry::add(models::scheduling::policy_doc(
                                name, summary.empty() ? "(Python policy)" : summary, docs),
                            [name, held](const sim::ParamReader& r) -> std::unique_ptr<Policy> {
                              py::gil_scoped_acquire gil;
                              py::dict kwargs;
                              // The doc's own keys follow the shared ones (policy,
                              // power_management).
                              const auto& all = r.doc().keys;
                              for (const auto& key : all)
                                if (key.name != "policy" && key.name != "power_management")
                                  kwargs[py::str(key.name)] = read_key(r, key);
                              try {
                                return std::make_unique<PythonPolicy>(name, (*held)(**kwargs));
                              } catch (py::error_already_set& e) {
                                throw PolicyError(name, sim::Time{},
                                                  std::string("constructing it: ") + e.what());
                              }
                            });
      },
      py::arg("name"), py::arg("cls"), py::arg("summary") = "",
      py::arg("keys") =
          std::vector<std::tuple<std::string, std::string, std::string, std::string>>{});
  m.def("policy_names", &PolicyRegistry::names);
}

}  // namespace joule::python
