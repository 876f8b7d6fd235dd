// Job-trace import: CSV job tables in the column layout of the public cluster traces
// (Helios, Hu et al. SC'21; Acme, Hu et al. NSDI'24; Philly, Jeon et al. ATC'19, as
// re-tabulated by the Helios/Acme tooling): one job per row.
//
// Columns, found by header name (order free; unknown columns ignored):
//   job_id       required, unique
//   gpu_num      required, integer ≥ 0 (0: a CPU-only job; kept here, refused or left out by
//                the trace generator: see its `cpu_jobs` key)
//   submit_time  required
//   start_time, end_time   optional; used for the duration when `duration` is absent/empty
//   duration     seconds of run time (preferred when present)
//   state        optional text (COMPLETED, FAILED, CANCELLED, TIMEOUT, ...)
// Times are seconds (a number, possibly fractional) or ISO 8601 timestamps
// ("2020-04-01 08:15:00", "2020-04-01T08:15:00Z", "...+08:00"; no zone = UTC); both may be
// mixed. Submit times are replayed relative to the earliest submit in the file.
//
// Nothing is dropped here: every data row becomes a job. FAILED/CANCELLED/TIMEOUT rows are replayed
// with their recorded duration (the GPUs were held that long, which is what energy needs); a
// row with duration 0 (e.g. cancelled while queued) is a zero-length job. Blank lines and lines
// starting with '#' are not rows. A row that cannot be read (missing cell, bad number or
// timestamp, end before start, negative value, duplicate id, wrong field count) is an
// sim::InputError at file:line:column of the offending cell.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/error.hpp"
#include "sim/time.hpp"

namespace joule::models::workload {

struct TraceJob {
  std::string id;
  int gpus = 0;
  sim::Time submit;     // relative to the trace's earliest submit
  sim::Time duration;   // run time to replay
  std::string state;    // as written, "" when the column is absent
  int line = 0;         // in the trace file
  int gpus_column = 0;  // of the gpu_num cell
};

struct Trace {
  std::string name;            // file path as given
  std::vector<TraceJob> jobs;  // in file order
  double origin_s = 0;         // the earliest submit, in the file's time base (s or Unix s)
  double gpu_hours() const;
};

// Parses trace text; `name` is the file name used in errors.
Trace parse_trace_csv(std::string_view text, const std::string& name);
// Reads a file; a missing file is an InputError at `referenced_from`.
Trace read_trace_csv(const std::string& path, const sim::Location& referenced_from = {});

// Seconds since 1970-01-01T00:00:00Z of an ISO 8601 timestamp; false when malformed.
bool parse_iso8601(std::string_view text, double& seconds_out);

}  // namespace joule::models::workload
