#include "models/workload/generator.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace joule::models::workload {

namespace {

template <class Q>
double scalar_value(const sim::ParamNode& n, const sim::Range& range) {
  if (!n.is_scalar()) throw sim::InputError(n.where, n.path + " must be a single value");
  const sim::ParsedQuantity p = sim::parse_at(n.scalar, n.where, n.path);
  const sim::DimVector want = sim::DimVector::of<typename Q::dim>();
  try {
    sim::check_dimension(p, want, want == sim::DimVector{});
  } catch (const sim::UnitError& e) {
    throw sim::InputError(n.where, n.path + ": " + e.message);
  }
  if (!range.contains(p.value))
    throw sim::InputError(n.where, n.path + " must be " + range.describe() + ", got " + n.scalar);
  return p.value;
}

}  // namespace

std::unique_ptr<JobGenerator> make_job_generator(const sim::ParamNode& workload,
                                                 const GeneratorContext& ctx) {
  const sim::ParamNode* g = workload.find("generator");
  if (!g || !g->is_scalar())
    throw sim::InputError(workload.where, (workload.path.empty() ? "workload" : workload.path) +
                                              ": missing 'generator:' (one of the registered "
                                              "job generators)");
  return JobGeneratorRegistry::create(g->scalar, g->where, &workload, ctx);
}

void check_fits(const sim::ParamReader& r, const char* key, double gpus,
                const GeneratorContext& ctx) {
  if (ctx.cluster_gpus > 0 && gpus > ctx.cluster_gpus)
    r.fail(key, "asks for " + std::to_string(static_cast<long long>(gpus)) +
                    " accelerators but the cluster has " + std::to_string(ctx.cluster_gpus));
}

// --- Distribution --------------------------------------------------------------------------

Distribution Distribution::constant(double v) {
  return discrete({v}, {1.0});
}

Distribution Distribution::discrete(std::vector<double> values, std::vector<double> weights) {
  if (values.empty() || values.size() != weights.size())
    throw std::invalid_argument("Distribution::discrete: values and weights differ in length");
  Distribution d;
  d.kind_ = Kind::discrete;
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  if (!(total > 0)) throw std::invalid_argument("Distribution::discrete: weights sum to 0");
  double acc = 0;
  for (double w : weights) {
    if (w < 0) throw std::invalid_argument("Distribution::discrete: negative weight");
    acc += w / total;
    d.cumulative_.push_back(acc);
  }
  d.cumulative_.back() = 1.0;
  d.values_ = std::move(values);
  return d;
}

Distribution Distribution::lognormal(double median, double sigma) {
  if (!(median > 0) || !(sigma >= 0))
    throw std::invalid_argument("Distribution::lognormal: median > 0, sigma >= 0");
  Distribution d;
  d.kind_ = Kind::lognormal;
  d.median_ = median;
  d.sigma_ = sigma;
  return d;
}

namespace {
constexpr double lognormal_tail_sigmas = 6.0;
}

double Distribution::lowest() const {
  if (kind_ == Kind::lognormal) return median_ * std::exp(-lognormal_tail_sigmas * sigma_);
  return *std::min_element(values_.begin(), values_.end());
}

double Distribution::highest() const {
  if (kind_ == Kind::lognormal) return median_ * std::exp(lognormal_tail_sigmas * sigma_);
  return *std::max_element(values_.begin(), values_.end());
}

double Distribution::sample(sim::Rng& rng) const {
  if (kind_ == Kind::lognormal)
    return std::clamp(rng.lognormal(std::log(median_), sigma_), lowest(), highest());
  if (values_.size() == 1) return values_.front();
  const double u = rng.uniform();
  const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
  return values_[std::min<std::size_t>(it - cumulative_.begin(), values_.size() - 1)];
}

double Distribution::mean() const {
  if (kind_ == Kind::lognormal) return median_ * std::exp(0.5 * sigma_ * sigma_);
  double m = 0, prev = 0;
  for (std::size_t i = 0; i < values_.size(); ++i) {
    m += values_[i] * (cumulative_[i] - prev);
    prev = cumulative_[i];
  }
  return m;
}

template <class Q>
Distribution read_distribution(const sim::ParamNode& node, sim::Range range) {
  if (node.is_scalar()) return Distribution::constant(scalar_value<Q>(node, range));
  if (node.is_sequence()) {
    if (node.items.empty()) throw sim::InputError(node.where, node.path + " is an empty list");
    std::vector<double> v;
    for (const auto& item : node.items) v.push_back(scalar_value<Q>(item, range));
    return Distribution::discrete(v, std::vector<double>(v.size(), 1.0));
  }
  if (node.is_map()) {
    if (const sim::ParamNode* ln = node.find("lognormal")) {
      if (node.entries.size() != 1 || !ln->is_map())
        throw sim::InputError(node.where,
                              node.path + ": write {lognormal: {median: ..., sigma: ...}}");
      for (const auto& e : ln->entries)
        if (e.key != "median" && e.key != "sigma")
          throw sim::InputError(e.key_where,
                                "unknown key '" + e.key + "' in lognormal (valid: median, sigma)");
      const sim::ParamNode* med = ln->find("median");
      const sim::ParamNode* sig = ln->find("sigma");
      if (!med || !sig) throw sim::InputError(ln->where, ln->path + " needs median and sigma");
      const double m = scalar_value<Q>(*med, sim::Range::positive());
      const double s = scalar_value<sim::Ratio>(*sig, sim::Range::non_negative());
      return Distribution::lognormal(m, s);
    }
    const sim::ParamNode* values = node.find("values");
    const sim::ParamNode* weights = node.find("weights");
    for (const auto& e : node.entries)
      if (e.key != "values" && e.key != "weights")
        throw sim::InputError(e.key_where, "unknown key '" + e.key +
                                               "' in a distribution (valid: values, weights, "
                                               "lognormal)");
    if (!values || !values->is_sequence() || values->items.empty())
      throw sim::InputError(node.where, node.path + " needs values: [...]");
    std::vector<double> v, w;
    for (const auto& item : values->items) v.push_back(scalar_value<Q>(item, range));
    if (weights) {
      if (!weights->is_sequence() || weights->items.size() != v.size())
        throw sim::InputError(weights->where, weights->path + " must list one weight per value (" +
                                                  std::to_string(v.size()) + ")");
      for (const auto& item : weights->items)
        w.push_back(scalar_value<sim::Ratio>(item, sim::Range::non_negative()));
      if (std::accumulate(w.begin(), w.end(), 0.0) <= 0)
        throw sim::InputError(weights->where, weights->path + " must not all be 0");
    } else {
      w.assign(v.size(), 1.0);
    }
    return Distribution::discrete(v, w);
  }
  throw sim::InputError(node.where, node.path + " must be a value, a list or a map");
}

template Distribution read_distribution<sim::Ratio>(const sim::ParamNode&, sim::Range);
template Distribution read_distribution<sim::Seconds>(const sim::ParamNode&, sim::Range);

// --- Arrivals ------------------------------------------------------------------------------

const sim::ModelDoc& arrivals_doc() {
  static const sim::ModelDoc doc{
      "workload",
      "arrivals",
      "Job arrival process: poisson, mmpp (bursty, two-state) or batch Poisson.",
      {
          {"process", "string", "poisson", "poisson, mmpp or batch"},
          {"mean_interarrival", "s", "6 h", "mean gap (poisson; mmpp calm state; batch: batches)"},
          {"burst_interarrival", "s", "30 min", "mmpp: mean gap in the burst state"},
          {"calm_duration", "s", "24 h", "mmpp: mean time in the calm state"},
          {"burst_duration", "s", "2 h", "mmpp: mean time in the burst state"},
          {"mean_batch_size", "number", "4", "batch: mean jobs per batch (>= 1)"},
      }};
  return doc;
}

// In the scenario reference (`joule list-models`), where other sections point to it.
namespace {
const bool documented_arrivals = (sim::model_docs().push_back(&arrivals_doc()), true);
}  // namespace

ArrivalSpec arrival_spec(const sim::ParamReader& r) {
  ArrivalSpec s;
  const std::string p = r.choice("process", {"poisson", "mmpp", "batch"});
  s.process = p == "mmpp"    ? ArrivalSpec::Process::mmpp
              : p == "batch" ? ArrivalSpec::Process::batch
                             : ArrivalSpec::Process::poisson;
  s.mean_interarrival = r.duration("mean_interarrival", sim::Range::positive());
  s.burst_interarrival = r.duration("burst_interarrival", sim::Range::positive());
  s.calm_duration = r.duration("calm_duration", sim::Range::positive());
  s.burst_duration = r.duration("burst_duration", sim::Range::positive());
  s.mean_batch_size = r.number("mean_batch_size", sim::Range::between(1, 1e6));
  return s;
}

namespace {
// `now` plus a drawn gap; past the end of representable time (a mean gap of centuries) the
// arrival is never (Time::max(), which no run reaches), not an overflow.
sim::Time later(sim::Time now, double gap_s) {
  return sim::saturating_add(now, sim::seconds_or_never(gap_s));
}
}  // namespace

ArrivalProcess::ArrivalProcess(ArrivalSpec spec, sim::Rng rng) : spec_(spec), rng_(rng) {
  if (spec_.process == ArrivalSpec::Process::mmpp)
    state_ends_ = sim::seconds_or_never(rng_.exponential(spec_.calm_duration.seconds()));
}

double ArrivalProcess::mean_interarrival_s() const {
  const double m = spec_.mean_interarrival.seconds();
  switch (spec_.process) {
    case ArrivalSpec::Process::poisson:
      return m;
    case ArrivalSpec::Process::batch:
      return m / spec_.mean_batch_size;
    case ArrivalSpec::Process::mmpp: {
      const double tc = spec_.calm_duration.seconds(), tb = spec_.burst_duration.seconds();
      return (tc + tb) / (tc / m + tb / spec_.burst_interarrival.seconds());
    }
  }
  return m;
}

sim::Time ArrivalProcess::next() {
  switch (spec_.process) {
    case ArrivalSpec::Process::poisson:
      now_ = later(now_, rng_.exponential(spec_.mean_interarrival.seconds()));
      return now_;
    case ArrivalSpec::Process::batch:
      if (batch_left_ > 0) {
        --batch_left_;
        return now_;
      }
      now_ = later(now_, rng_.exponential(spec_.mean_interarrival.seconds()));
      // Batch size 1 + Geometric(p) on {0, 1, ...} with mean b − 1: p = 1/b.
      {
        const double p = 1.0 / spec_.mean_batch_size;
        batch_left_ = p >= 1.0 ? 0
                               : static_cast<std::int64_t>(std::floor(
                                     std::log(1.0 - rng_.uniform()) / std::log(1.0 - p)));
      }
      return now_;
    case ArrivalSpec::Process::mmpp:
      // Memorylessness: draw a gap at the current state's rate; if the state ends first, move
      // to the switch, change state and draw again.
      while (true) {
        const double mean = (burst_ ? spec_.burst_interarrival : spec_.mean_interarrival).seconds();
        const sim::Time candidate = later(now_, rng_.exponential(mean));
        if (candidate == sim::Time::max()) return now_ = candidate;
        if (candidate <= state_ends_) {
          now_ = candidate;
          return now_;
        }
        now_ = state_ends_;
        burst_ = !burst_;
        state_ends_ = later(
            now_,
            rng_.exponential((burst_ ? spec_.burst_duration : spec_.calm_duration).seconds()));
      }
  }
  return now_;
}

}  // namespace joule::models::workload
