// The /swing and /grid groups of the output file (docs/output-format.md): the sub-second
// windows with their phase and cause codes, the spectra, the per-window ranges, the mitigated
// grid import, and the demand-response events.
#pragma once

#include <memory>
#include <optional>

#include "app/h5.hpp"
#include "app/output_layout.hpp"
#include "models/swing/grid_control.hpp"
#include "models/swing/swing_monitor.hpp"

namespace joule::app {

// The swing monitor and grid controller of a run, built from the scenario's `swing:` and
// `grid:` sections (each may be absent).
struct SwingRun {
  std::unique_ptr<models::swing::SwingMonitor> monitor;
  std::unique_ptr<models::swing::GridControl> grid;
  std::optional<models::swing::SwingReport> swing_report;
  std::optional<models::swing::GridReport> grid_report;
  // Computes the reports at the end of the run.
  void finish();
};

SwingRun make_swing_run(models::world::World& world, const sim::ParamNode* swing,
                        const sim::ParamNode* grid, sim::Time duration,
                        const std::string& base_dir);

void write_swing(hid_t file, const SwingRun& run, const Calendar& calendar);

}  // namespace joule::app
