// The `joule._core` extension: scenarios, runs, sweeps and the registries, reached through the
// application layer exactly as the `joule` command reaches them (app/run.hpp, app/scenario.hpp,
// app/sweep.hpp, app/docs.hpp). python/joule/__init__.py wraps it; policy.cpp binds the
// scheduler's view for policies written in Python; step.cpp holds the step environment's core.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <signal.h>

#include <atomic>

#include "app/docs.hpp"
#include "app/h5.hpp"
#include "app/output_file.hpp"
#include "app/run.hpp"
#include "app/scenario.hpp"
#include "app/sweep.hpp"
#include "models/world/kpi.hpp"
#include "python/policy.hpp"
#include "python/step.hpp"
#include "sim/error.hpp"
#include "sim/params.hpp"

namespace py = pybind11;

namespace joule::python {

namespace {

py::dict summary_dict(const app::Summary& s) {
  py::dict values;
  for (const auto& [key, value] : s.values) values[py::str(key)] = value;
  py::dict out;
  out["values"] = values;
  out["notes"] = s.notes;
  out["tariff"] = s.tariff;
  out["output_file"] = s.output_file;
  out["interrupted"] = s.interrupted;
  return out;
}

// Ctrl-C during a run or a sweep: Python's own SIGINT handler only acts between bytecodes,
// and the run is in C++, so while it lasts (on the main thread) a C handler raises the flag
// that app::run and app::run_sweep look at, as `joule run` does; Python's handler comes back
// after, and the interruption is raised as KeyboardInterrupt (no output is left: the run
// removes its partial file).
std::atomic<bool> interrupted{false};
extern "C" void on_sigint(int) {
  interrupted.store(true);
}

class SigintGuard {
public:
  SigintGuard() {
    interrupted.store(false);
    py::module_ threading = py::module_::import("threading");
    if (!threading.attr("current_thread")().is(threading.attr("main_thread")())) return;
    struct sigaction action {};
    action.sa_handler = on_sigint;
    sigemptyset(&action.sa_mask);
    installed_ = sigaction(SIGINT, &action, &previous_) == 0;
  }
  ~SigintGuard() {
    if (installed_) sigaction(SIGINT, &previous_, nullptr);
  }
  SigintGuard(const SigintGuard&) = delete;
  SigintGuard& operator=(const SigintGuard&) = delete;
  // Raises KeyboardInterrupt when the flag went up.
  static void check() {
    if (!interrupted.load()) return;
    PyErr_SetNone(PyExc_KeyboardInterrupt);
    throw py::error_already_set();
  }

private:
  struct sigaction previous_ {};
  bool installed_ = false;
};

}  // namespace

void bind_app(py::module_& m) {
  // Errors: an input error keeps its place (file, line, column) as attributes.
  static py::exception<sim::InputError> scenario_error(m, "ScenarioError", PyExc_ValueError);
  static py::exception<app::OutputError> output_error(m, "OutputError", PyExc_OSError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const sim::InputError& e) {
      py::object exc = py::reinterpret_borrow<py::object>(scenario_error.ptr())(e.what());
      exc.attr("file") = e.where().name();
      exc.attr("line") = e.where().line;
      exc.attr("column") = e.where().column;
      exc.attr("message") = e.message();
      PyErr_SetObject(scenario_error.ptr(), exc.ptr());
    } catch (const app::OutputError& e) {
      output_error(e.what());
    } catch (const app::h5::Error& e) {
      output_error((std::string("cannot write the output: ") + e.what()).c_str());
    }
  });

  py::class_<app::Scenario>(m, "Scenario", "A loaded, merged scenario (app/scenario.hpp)")
      .def_readonly("name", &app::Scenario::name)
      .def_readonly("description", &app::Scenario::description)
      .def_readonly("seed", &app::Scenario::seed)
      .def_property_readonly("duration_s",
                             [](const app::Scenario& s) { return s.duration.seconds(); })
      .def_property_readonly("control_step_s",
                             [](const app::Scenario& s) { return s.control_step.seconds(); })
      .def_readonly("source_name", &app::Scenario::source_name)
      .def_readonly("base_dir", &app::Scenario::base_dir)
      .def_property_readonly("text", &app::Scenario::text)
      .def("__repr__", [](const app::Scenario& s) {
        return "<joule.Scenario '" + s.name + "' from " + s.source_name + ", " +
               sim::to_string(s.duration) + ">";
      });

  m.def(
      "load_file",
      [](const std::string& path, std::vector<std::string> sets,
         std::optional<std::uint64_t> seed) {
        app::LoadOptions o;
        o.sets = std::move(sets);
        o.seed = seed;
        return app::load_scenario(path, o);
      },
      py::arg("path"), py::arg("set") = std::vector<std::string>{}, py::arg("seed") = py::none());
  m.def(
      "load_text",
      [](const std::string& text, const std::string& name, const std::string& base_dir,
         std::vector<std::string> sets, std::optional<std::uint64_t> seed) {
        app::LoadOptions o;
        o.sets = std::move(sets);
        o.seed = seed;
        return app::load_scenario_text(text, name, base_dir, o);
      },
      py::arg("text"), py::arg("name"), py::arg("base_dir"),
      py::arg("set") = std::vector<std::string>{}, py::arg("seed") = py::none());
  m.def("validate", &app::validate, py::arg("scenario"),
        "Builds the world (every section is checked) without running it");

  m.def(
      "run",
      [](const app::Scenario& sc, const std::string& output, bool force) {
        app::RunOptions o;
        o.output = output;
        o.force = force;
        o.interrupted = &interrupted;
        SigintGuard guard;
        // The run keeps the GIL: policies written in Python are called from inside it.
        const app::Summary s = app::run(sc, o);
        SigintGuard::check();
        return summary_dict(s);
      },
      py::arg("scenario"), py::arg("output"), py::arg("force") = false);
  m.def(
      "read_summary", [](const std::string& file) { return summary_dict(app::read_summary(file)); },
      py::arg("file"));

  m.def("list_models_text", &app::list_models, py::arg("markdown") = false);
  m.def("model_docs", [] {
    py::list out;
    for (const sim::ModelDoc* d : sim::model_docs()) {
      py::list keys;
      for (const auto& k : d->keys) {
        py::dict key;
        key["name"] = k.name;
        key["unit"] = k.unit;
        key["default"] = k.default_value;
        key["help"] = k.help;
        keys.append(key);
      }
      py::dict doc;
      doc["kind"] = d->kind;
      doc["name"] = d->name;
      doc["summary"] = d->summary;
      doc["keys"] = keys;
      out.append(doc);
    }
    return out;
  });
  m.def("kpi_registry_json", &models::world::kpi_registry_json);

  m.def(
      "run_sweep",
      [](const std::string& path, const std::string& dir, unsigned jobs, bool force, bool check) {
        // As `joule sweep` prepares it (app::prepare_sweep), with input errors raised located.
        app::Sweep sweep = app::load_sweep(path);
        // One thread: a Python policy in a variant takes the GIL, which this thread holds.
        if (check) app::validate_sweep(sweep, nullptr, 1);
        app::SweepOptions o;
        o.dir = dir.empty() ? app::default_sweep_dir(path) : dir;
        o.jobs = jobs;
        o.force = force;
        o.quiet = true;
        if (!app::hdf5_threadsafe()) o.jobs = 1;  // serial HDF5: one variant at a time
        o.interrupted = &interrupted;
        SigintGuard guard;
        app::SweepReport report;
        {
          // Variants run on worker threads; a Python policy takes the GIL when it is called.
          py::gil_scoped_release release;
          report = app::run_sweep(sweep, o);
        }
        SigintGuard::check();
        py::list rows;
        for (const auto& r : report.results) {
          const auto& v = sweep.variants.at(r.index);
          py::dict row;
          row["index"] = r.index;
          row["name"] = v.name;
          row["seed"] = v.seed;
          row["status"] = app::to_string(r.status);
          row["error"] = r.error;
          py::dict params;
          for (const auto& a : v.assignments) params[py::str(a.path)] = a.text;
          row["parameters"] = params;
          py::dict values;
          for (const auto& [key, value] : r.values) values[py::str(key)] = value;
          row["values"] = values;
          row["output"] = app::variant_output(o.dir, v);
          rows.append(row);
        }
        py::dict out;
        out["variants"] = rows;
        out["csv"] = report.csv_path;
        out["h5"] = report.h5_path;
        out["ran"] = report.ran;
        out["reused"] = report.reused;
        out["failed"] = report.failed;
        return out;
      },
      py::arg("path"), py::arg("dir") = "", py::arg("jobs") = 1, py::arg("force") = false,
      py::arg("check") = true);
}

}  // namespace joule::python

PYBIND11_MODULE(_core, m) {
  m.doc() = "Joule's simulator core (C++); use the `joule` package that wraps it";
  joule::python::bind_app(m);
  joule::python::bind_policies(m);
  joule::python::bind_step(m);
}
