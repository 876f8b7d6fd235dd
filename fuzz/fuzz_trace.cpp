// Fuzz target: the job-trace reader (models::workload::parse_trace_csv).
// Expected outcomes: jobs with non-negative GPU counts, submit times and durations, or a
// sim::InputError.
#include "fuzz_common.hpp"
#include "models/workload/trace.hpp"

using namespace joule;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  models::workload::Trace trace;
  if (!fuzz::accepts(
          [&] { trace = models::workload::parse_trace_csv(fuzz::as_text(data, size), "f.csv"); }))
    return 0;
  for (const auto& job : trace.jobs) {
    fuzz::require(job.gpus >= 0);
    fuzz::require(job.submit >= sim::Time::zero());
    fuzz::require(job.duration >= sim::Time::zero());
    fuzz::require(!job.id.empty());
  }
  const double gpu_h = trace.gpu_hours();
  fuzz::require(gpu_h >= 0);
  return 0;
}
