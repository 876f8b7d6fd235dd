#include "app/swing_output.hpp"

#include <string>

#include "models/workload/training_job.hpp"

namespace joule::app {

namespace swing = models::swing;

void SwingRun::finish() {
  const double ramp_limit = grid ? grid->spec().ramp_limit_w_per_s : 0.0;
  if (monitor) swing_report = monitor->report(ramp_limit);
  if (grid) grid_report = grid->report();
}

SwingRun make_swing_run(models::world::World& world, const sim::ParamNode* swing_node,
                        const sim::ParamNode* grid_node, sim::Time duration,
                        const std::string& base_dir) {
  SwingRun r;
  if (swing_node && swing_node->kind != sim::ParamNode::Kind::null)
    r.monitor =
        std::make_unique<swing::SwingMonitor>(world, swing::swing_spec(*swing_node), duration);
  if (grid_node && grid_node->kind != sim::ParamNode::Kind::null)
    r.grid = std::make_unique<swing::GridControl>(world, swing::grid_spec(*grid_node, base_dir),
                                                  duration);
  return r;
}

namespace {

void write_spectrum(hid_t g, const std::string& name, const swing::ChannelMetrics& c,
                    const h5::Dimension& freq, const std::string& what) {
  if (c.spectrum.psd_w2_hz.empty()) return;
  h5::write_variable(
      g, name, c.spectrum.psd_w2_hz, {&freq},
      {"power spectral density of the " + what + " (Welch, Hann, one-sided)", "W2/Hz"});
}

}  // namespace

void write_swing(hid_t file, const SwingRun& run, const Calendar& calendar) {
  if (run.swing_report && !run.swing_report->windows.empty()) {
    const swing::SwingReport& s = *run.swing_report;
    h5::Handle group = h5::create_group(file, "swing");
    const hid_t g = group.get();
    std::vector<double> t, it, fac, grid, cooling;
    std::array<std::vector<double>, swing::stage_count> stage;
    std::vector<std::int64_t> window, phase, cause;
    for (std::size_t k = 0; k < s.windows.size(); ++k) {
      const auto& w = s.windows[k];
      for (std::size_t i = 0; i < w.size(); ++i) {
        t.push_back(w.start_s + w.dt_s * static_cast<double>(i + 1));
        window.push_back(static_cast<std::int64_t>(k));
        phase.push_back(w.phase[i]);
        cause.push_back(static_cast<std::int64_t>(w.cause[i]));
      }
      it.insert(it.end(), w.it_w.begin(), w.it_w.end());
      fac.insert(fac.end(), w.facility_w.begin(), w.facility_w.end());
      grid.insert(grid.end(), w.grid_w.begin(), w.grid_w.end());
      cooling.insert(cooling.end(), w.cooling_w.begin(), w.cooling_w.end());
      for (std::size_t j = 0; j < swing::stage_count; ++j)
        stage[j].insert(stage[j].end(), w.stage_w[j].begin(), w.stage_w[j].end());
    }
    h5::Handle time = h5::write_coordinate(g, "time", t, {"end of the interval", "s"});
    describe_time(time.get(), calendar);
    const h5::Dimension dim{"time", time.get()};
    h5::write_variable(g, "time_s", t, {&dim},
                       {"time from the start of the run (end of the interval)", "s"});
    h5::write_variable(g, "window", window, {&dim}, {"window index", "1"});
    h5::write_variable(g, "it_power_w", it, {&dim}, {"IT power", "W"});
    h5::write_variable(g, "facility_power_w", fac, {&dim}, {"facility power", "W"});
    h5::write_variable(g, "grid_power_w", grid, {&dim}, {"grid import at the meter", "W"});
    h5::write_variable(g, "cooling_power_w", cooling, {&dim}, {"cooling power", "W"});
    const char* stage_names[] = {"pdu", "ups", "transformer"};
    for (std::size_t j = 0; j < swing::stage_count; ++j)
      h5::write_variable(g, std::string(stage_names[j]) + "_loss_w", stage[j], {&dim},
                         {std::string("power-chain stage loss: ") + stage_names[j], "W"});
    std::string phase_values, phase_meanings;
    for (int k = 0; k <= static_cast<int>(models::workload::PhaseKind::done); ++k) {
      if (k) {
        phase_values += ' ';
        phase_meanings += ' ';
      }
      phase_values += std::to_string(k);
      phase_meanings += models::workload::phase_name(static_cast<models::workload::PhaseKind>(k));
      h5::set_attr(g,
                   "phase_share_" + std::string(models::workload::phase_name(
                                        static_cast<models::workload::PhaseKind>(k))),
                   s.phase_share[static_cast<std::size_t>(k)]);
    }
    h5::write_variable(g, "phase", phase, {&dim},
                       {"phase of the dominant job at the start of the interval (-1: none)", "1"});
    {
      // CF flag attributes on the phase and cause codes.
      hid_t d = H5Dopen2(g, "phase", H5P_DEFAULT);
      h5::set_attr(d, "flag_values", phase_values);
      h5::set_attr(d, "flag_meanings", phase_meanings);
      H5Dclose(d);
    }
    h5::write_variable(g, "cause", cause, {&dim},
                       {"what changed during the interval (flag_meanings)", "1"});
    {
      std::string meanings;
      for (std::size_t k = 0; k < swing::cause_names.size(); ++k)
        meanings.append(k ? " " : "").append(swing::cause_names[k]);
      hid_t d = H5Dopen2(g, "cause", H5P_DEFAULT);
      h5::set_attr(d, "flag_values", std::string("0 1 2 3 4 5"));
      h5::set_attr(d, "flag_meanings", meanings);
      H5Dclose(d);
    }
    for (const auto& m : s.mitigations)
      h5::write_variable(g, "grid_power_" + m.name + "_w", m.grid_w, {&dim},
                         {"grid import with the mitigation swing." + m.name, "W"});
    h5::set_attr(g, "resolution_s", s.windows.front().dt_s);
    h5::set_attr(g, "largest_step_cause",
                 std::string(swing::cause_names[static_cast<std::size_t>(s.grid.step_cause)]));
    h5::set_attr(g, "largest_step_time_s", s.grid.step_time_s);
    if (s.step_period_s) h5::set_attr(g, "step_period_s", *s.step_period_s);
    h5::set_attr(g, "description",
                 std::string("Sub-second windows: interval averages at resolution_s (energy "
                             "delta / interval); time_s is the end of each interval; the "
                             "steady traces are in /facility (docs/power-swings.md)"));
    // Spectra along `frequency`.
    const auto& spec = s.grid.spectrum.psd_w2_hz.empty() ? s.it.spectrum : s.grid.spectrum;
    std::vector<double> f;
    for (std::size_t k = 0; k < spec.psd_w2_hz.size(); ++k) f.push_back(spec.frequency_hz(k));
    if (!f.empty()) {
      h5::Handle sg = h5::create_group(g, "spectrum");
      h5::Handle fc = h5::write_coordinate(sg.get(), "frequency", f, {"frequency", "Hz"});
      const h5::Dimension freq{"frequency", fc.get()};
      write_spectrum(sg.get(), "it_psd", s.it, freq, "IT power");
      write_spectrum(sg.get(), "facility_psd", s.facility, freq, "facility power");
      write_spectrum(sg.get(), "grid_psd", s.grid, freq, "grid import");
      for (const auto& m : s.mitigations)
        if (m.grid.spectrum.psd_w2_hz.size() == f.size())
          write_spectrum(sg.get(), "grid_psd_" + m.name, m.grid, freq,
                         "grid import with swing." + m.name);
    }
    // Per-window dynamic range.
    h5::Handle wg = h5::create_group(g, "windows");
    std::vector<std::int64_t> ids;
    std::vector<double> starts;
    for (std::size_t k = 0; k < s.windows.size(); ++k) {
      ids.push_back(static_cast<std::int64_t>(k));
      starts.push_back(s.windows[k].start_s);
    }
    h5::Handle wc = h5::write_coordinate(wg.get(), "window", ids, {"window index", "1"});
    const h5::Dimension wd{"window", wc.get()};
    h5::write_variable(wg.get(), "start_s", starts, {&wd}, {"window start", "s"});
    h5::write_variable(wg.get(), "it_range_w", s.it.window_range_w, {&wd},
                       {"dynamic range of the IT power", "W"});
    h5::write_variable(wg.get(), "facility_range_w", s.facility.window_range_w, {&wd},
                       {"dynamic range of the facility power", "W"});
    h5::write_variable(wg.get(), "grid_range_w", s.grid.window_range_w, {&wd},
                       {"dynamic range of the grid import", "W"});
  }
  if (run.grid_report && !run.grid_report->events.empty()) {
    const swing::GridReport& r = *run.grid_report;
    h5::Handle group = h5::create_group(file, "grid");
    const hid_t g = group.get();
    std::vector<std::int64_t> ids, met;
    std::vector<double> at, base, target, achieved;
    for (std::size_t k = 0; k < r.events.size(); ++k) {
      ids.push_back(static_cast<std::int64_t>(k));
      at.push_back(r.events[k].at_s);
      base.push_back(r.events[k].baseline_w);
      target.push_back(r.events[k].target_w);
      achieved.push_back(r.events[k].achieved_w);
      met.push_back(r.events[k].met ? 1 : 0);
    }
    h5::Handle ec = h5::write_coordinate(g, "event", ids, {"demand-response event", "1"});
    const h5::Dimension ed{"event", ec.get()};
    h5::write_variable(g, "at_s", at, {&ed}, {"notification time", "s"});
    h5::write_variable(g, "baseline_w", base, {&ed}, {"baseline meter power", "W"});
    h5::write_variable(g, "target_w", target, {&ed}, {"baseline − curtailment", "W"});
    h5::write_variable(g, "achieved_w", achieved, {&ed},
                       {"mean meter power over the hold period", "W"});
    h5::write_variable(g, "met", met, {&ed}, {"1: met, 0: missed", "1"});
  }
}

}  // namespace joule::app
