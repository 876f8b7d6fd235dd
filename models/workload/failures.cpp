#include "models/workload/failures.hpp"

#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace joule::models::workload {

std::string_view failure_class_name(FailureClass c) {
  switch (c) {
    case FailureClass::gpu:
      return "gpu";
    case FailureClass::hbm:
      return "hbm";
    case FailureClass::network:
      return "network";
    case FailureClass::host:
      return "host";
    case FailureClass::software:
      return "software";
    case FailureClass::count:
      break;
  }
  return "?";
}

double FailureSpec::rate_per_gpu_total() const {
  return std::accumulate(rate_per_gpu_s.begin(), rate_per_gpu_s.end(), 0.0);
}

FailureSpec FailureSpec::llama3() {
  FailureSpec s;
  for (std::size_t c = 0; c < failure_class_count; ++c)
    s.rate_per_gpu_s[c] = llama3_interruptions[c] / (llama3_gpu_hours * sim::seconds_per_hour);
  return s;
}

const sim::ModelDoc& failures_doc() {
  // Default shares are the Llama 3 Table 5 counts / 419, to 4 digits.
  static const sim::ModelDoc doc{
      "workload",
      "failures",
      "Poisson failures per component class; restart from the last checkpoint.",
      {
          {"enabled", "bool", "true", "draw failures at all"},
          {"mtbf_per_gpu", "h", "50677 h",
           "mean time between job-stopping failures per accelerator (Llama 3: 50,677 GPU-h)"},
          {"gpu", "number", "0.4678", "share of failures from the GPU die (Llama 3: 196/419)"},
          {"hbm", "number", "0.1718", "share from HBM (72/419)"},
          {"network", "number", "0.0835", "share from switches and cables (35/419)"},
          {"host", "number", "0.1265", "share from hosts: CPU, NIC, SSD, PSU... (53/419)"},
          {"software", "number", "0.1504", "share from software and timeouts (63/419)"},
          {"restart", "s", "10 min", "delay from a failure to resumed training (estimate)"},
          {"checkpoint_every", "s", "young",
           "compute time between checkpoints, or 'young' / 'daly' for the optimum"},
      }};
  return doc;
}

// In the scenario reference (`joule list-models`), where other sections point to it.
namespace {
const bool documented_failures = (sim::model_docs().push_back(&failures_doc()), true);
}  // namespace

FailureSpec failure_spec(const sim::ParamReader& r) {
  FailureSpec s;
  s.enabled = r.boolean("enabled");
  const double mtbf_s = r.quantity<sim::Seconds>("mtbf_per_gpu", sim::Range::positive()).value();
  const std::array<const char*, failure_class_count> keys = {"gpu", "hbm", "network", "host",
                                                             "software"};
  std::array<double, failure_class_count> share{};
  double total = 0;
  for (std::size_t c = 0; c < failure_class_count; ++c)
    total += share[c] = r.number(keys[c], sim::Range::non_negative());
  if (!(total > 0)) r.fail("gpu", "and the other class shares must not all be 0");
  // Shares are normalised, so "gpu: 3, hbm: 1" means 75 % / 25 %.
  for (std::size_t c = 0; c < failure_class_count; ++c)
    s.rate_per_gpu_s[c] = s.enabled ? share[c] / total / mtbf_s : 0.0;
  s.restart = r.duration("restart");
  const std::string every = r.string("checkpoint_every");
  if (every == "young")
    s.checkpoint_rule = CheckpointRule::young;
  else if (every == "daly")
    s.checkpoint_rule = CheckpointRule::daly;
  else {
    s.checkpoint_rule = CheckpointRule::fixed;
    s.checkpoint_every = r.duration("checkpoint_every", sim::Range::positive());
  }
  return s;
}

sim::Time young_interval(sim::Time checkpoint_cost, sim::Time mtbf) {
  return sim::seconds(std::sqrt(2.0 * checkpoint_cost.seconds() * mtbf.seconds()));
}

sim::Time daly_interval(sim::Time checkpoint_cost, sim::Time mtbf) {
  const double d = checkpoint_cost.seconds(), m = mtbf.seconds();
  if (d >= 2.0 * m) return mtbf;
  const double x = d / (2.0 * m);
  return sim::seconds(std::sqrt(2.0 * d * m) * (1.0 + std::sqrt(x) / 3.0 + x / 9.0) - d);
}

double expected_segment_s(double work_s, double restart_s, double rate_per_s) {
  if (rate_per_s <= 0) return work_s;
  return std::exp(rate_per_s * restart_s) * std::expm1(rate_per_s * work_s) / rate_per_s;
}

FailureProcess::FailureProcess(const FailureSpec& spec, int gpus) {
  if (gpus < 0) throw std::invalid_argument("FailureProcess: negative GPU count");
  for (std::size_t c = 0; c < failure_class_count; ++c) {
    class_rate_[c] = spec.rate_per_gpu_s[c] * gpus;
    rate_per_s_ += class_rate_[c];
  }
}

sim::Time FailureProcess::mtbf() const {
  // An MTBF beyond what a simulation can span (292 years) is "never" for every purpose here.
  constexpr double longest_s = 9e9;
  return rate_per_s_ > 1.0 / longest_s ? sim::seconds(1.0 / rate_per_s_) : sim::Time::max();
}

Failure FailureProcess::next(sim::Time now, sim::Rng& rng) const {
  if (rate_per_s_ <= 0) return {sim::Time::max(), FailureClass::gpu};
  const double wait_s = rng.exponential(1.0 / rate_per_s_);
  // Pick the class by inverse CDF over the class rates.
  double u = rng.uniform() * rate_per_s_;
  std::size_t c = 0;
  while (c + 1 < failure_class_count && u >= class_rate_[c]) u -= class_rate_[c++];
  const double horizon_s = (sim::Time::max() - now).seconds() * 0.5;
  return {wait_s < horizon_s ? now + sim::seconds(wait_s) : sim::Time::max(),
          static_cast<FailureClass>(c)};
}

}  // namespace joule::models::workload
