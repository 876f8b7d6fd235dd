// Generator "llm-training": LLM pre-training jobs arriving by an arrival process, with model
// size, GPU count and MFU drawn from the scenario's mixes.
//
// Per job: N ~ params; D = N · tokens_per_param (Chinchilla-optimal ≈ 20 tokens/param,
// Hoffmann et al. 2022); G ~ gpus; mfu ~ mfu. Shape (L, d) from N (training_job.hpp).
// Parallel layout (an estimate following Megatron-LM/Llama 3 practice): tp = min(8, G);
// pp = the smallest power of two with N/(tp·pp) ≤ max_params_per_gpu (405B → 16, as Llama 3;
// 70B → 4; 7B → 1), halved until tp·pp divides G; dp = G/(tp·pp). The global batch is
// batch_tokens/seq_len sequences (at least dp), one sequence per micro-batch.
//
// Job classes (`classes: {pretraining: w, fine-tuning: w, evaluation: w, debugging: w}`): each
// job draws its class by weight, then its end-to-end MFU from the class's distribution (unless
// `mfu` is given, which then holds for every class). Defaults, equal weights over the values:
//   pretraining  0.35, 0.40, 0.45   reported end-to-end MFU of large runs: Llama 3 405B 38–43 %
//                                   (Dubey et al. 2024, Table 4), PaLM 46.2 % (Chowdhery et al.
//                                   2022), OPT-175B ~36 % (Zhang et al. 2022, 147 TFLOP/s/A100)
//   fine-tuning  0.20, 0.30, 0.40   estimate: shorter sequences, smaller batches; 1 % of the
//                                   pre-training tokens
//   evaluation   0.10, 0.20, 0.30   estimate: forward passes only (forward_only), small batches;
//                                   0.05 % of the pre-training tokens, at most one node of GPUs
//   debugging    0.05, 0.10, 0.20   estimate: short runs with profiling and restarts; 0.05 % of
//                                   the tokens, at most one node of GPUs
// Without `classes` every job is pre-training at `mfu` (default 0.4), as before.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "models/workload/generator.hpp"
#include "models/workload/pool_request.hpp"

namespace joule::models::workload {

namespace {

const sim::ModelDoc& jobs_doc() {
  static const sim::ModelDoc doc{
      "workload",
      "llm-training.jobs",
      "Job mix of the llm-training generator (each key a value, a list or a distribution).",
      {
          {"params", "list", "", "model parameters N: value, list, or {values, weights}"},
          {"tokens_per_param", "list", "20", "training tokens per parameter (Chinchilla: 20)"},
          {"gpus", "list", "", "accelerators per job"},
          {"mfu", "list", "0.4",
           "end-to-end model FLOPs utilisation: value, list or {values, weights}; with "
           "`classes`, each class's default unless given"},
          {"classes", "map", "",
           "job-class weights {pretraining, fine-tuning, evaluation, debugging}; each class "
           "draws its own MFU, token share and size (defaults in llm_training_generator.cpp)"},
          {"seq_len", "integer", "4096", "sequence length"},
          {"batch_tokens", "number", "4e6", "tokens per optimizer step"},
          {"precision", "string", "bf16", "bf16, fp16, fp8, tf32"},
          {"max_params_per_gpu", "number", "4e9", "pipeline depth target (params per tp·pp rank)"},
      }};
  return doc;
}

// In the scenario reference (`joule list-models`), where other sections point to it.
const bool jobs_documented = (sim::model_docs().push_back(&jobs_doc()), true);

const sim::ModelDoc& generator_doc() {
  static const sim::ModelDoc doc = with_pool_keys(
      {"workload",
       "llm-training",
       "LLM pre-training jobs: arrivals × size mix × failures (Llama 3 defaults).",
       {
           {"generator", "string", "", "llm-training"},
           {"arrivals", "map", "", "arrival process (see 'arrivals')"},
           {"jobs", "map", "", "job mix (see 'llm-training.jobs')"},
           {"failures", "map", "", "failure model (see 'failures'); absent: Llama 3 defaults"},
           {"max_jobs", "integer", "0", "stop after this many jobs (0: unlimited)"},
           {"fidelity", "string", "steady",
            "steady (phase-averaged blocks of steps) or iteration (every phase as an event)"},
       }});
  return doc;
}

// One job class: its MFU distribution, share of the pre-training tokens, whether it is a
// forward-only pass, and whether it is held to one node.
struct JobClass {
  std::string name;
  Distribution mfu;
  double token_share = 1.0;
  bool forward_only = false;
  bool one_node = false;
};

std::vector<JobClass> class_defaults() {
  auto even = [](std::vector<double> v) {
    std::vector<double> w(v.size(), 1.0);
    return Distribution::discrete(std::move(v), std::move(w));
  };
  return {{"pretraining", even({0.35, 0.40, 0.45}), 1.0, false, false},
          {"fine-tuning", even({0.20, 0.30, 0.40}), 0.01, false, false},
          {"evaluation", even({0.10, 0.20, 0.30}), 0.0005, true, true},
          {"debugging", even({0.05, 0.10, 0.20}), 0.0005, false, true}};
}

// The generator's keys, as read and checked by llm_training_spec().
struct LlmTrainingSpec {
  ArrivalSpec arrivals;
  Distribution params, tokens_per_param, gpus, mfu;
  std::vector<JobClass> classes;                        // empty: every job is pre-training at `mfu`
  Distribution class_pick = Distribution::constant(0);  // index into `classes`
  int per_node = 8;                                     // accelerators per node
  std::int64_t seq_len = 4096;
  double batch_tokens = 4e6;
  Precision precision = Precision::bf16;
  double max_params_per_gpu = 4e9;
  FailureSpec failures;
  std::int64_t max_jobs = 0;  // 0: unlimited
  Fidelity fidelity = Fidelity::steady;
  JobRequest where;  // the pools every job may run in (pool_request.hpp)
};

LlmTrainingSpec llm_training_spec(const sim::ParamReader& r, const GeneratorContext& ctx) {
  LlmTrainingSpec spec;
  spec.arrivals = arrival_spec(sim::ParamReader(r.node("arrivals"), arrivals_doc()));
  const sim::ParamNode* jobs = r.node("jobs");
  if (!jobs) r.fail("jobs", "is required: {params: [...], gpus: [...]}");
  const sim::ParamReader j(jobs, jobs_doc());
  auto dist = [&](const char* key, sim::Range range) {
    if (const sim::ParamNode* n = j.node(key)) return read_distribution<sim::Ratio>(*n, range);
    return Distribution::constant(j.number(key, range));  // the documented default
  };
  spec.params = dist("params", max_params_range);
  if (!(spec.params.highest() <= max_params_range.max))
    j.fail("params", "reaches more than 1e15 parameters (a lognormal's one-in-10^9 draw)");
  spec.tokens_per_param = dist("tokens_per_param", sim::Range::positive());
  spec.gpus = dist("gpus", sim::Range::between(1, 1e8));
  for (double g : spec.gpus.values()) {
    if (g != std::floor(g)) j.fail("gpus", "must be whole numbers");
    check_fits(j, "gpus", g, ctx);
  }
  const bool explicit_mfu = j.has("mfu");
  spec.mfu = dist("mfu", {0, 1, true, false});
  if (const sim::ParamNode* c = j.node("classes")) {
    if (!c->is_map())
      j.fail("classes", "must be a map of class weights, e.g. {pretraining: 1, evaluation: 3}");
    const std::vector<JobClass> defaults = class_defaults();
    std::vector<double> weights;
    for (const auto& entry : c->entries) {
      const std::string& name = entry.key;
      const sim::ParamNode& node = entry.value;
      const auto it = std::find_if(defaults.begin(), defaults.end(),
                                   [&](const JobClass& d) { return d.name == name; });
      if (it == defaults.end())
        throw sim::InputError(entry.key_where, "unknown job class '" + name +
                                                   "'. Valid: pretraining, fine-tuning, "
                                                   "evaluation, debugging");
      char* end = nullptr;
      const double w = node.is_scalar() ? std::strtod(node.scalar.c_str(), &end) : -1.0;
      if (!(w >= 0) || (end && *end != '\0'))
        throw sim::InputError(node.where, "classes." + name + " must be a weight >= 0");
      spec.classes.push_back(*it);
      if (explicit_mfu) spec.classes.back().mfu = spec.mfu;
      weights.push_back(w);
    }
    std::vector<double> index(weights.size());
    for (std::size_t i = 0; i < index.size(); ++i) index[i] = static_cast<double>(i);
    double total = 0;
    for (double w : weights) total += w;
    if (!(total > 0)) j.fail("classes", "needs at least one positive weight");
    spec.class_pick = Distribution::discrete(index, weights);
  }
  spec.per_node = std::max(1, ctx.cluster_nodes > 0 ? ctx.cluster_gpus / ctx.cluster_nodes : 8);
  spec.seq_len = j.integer("seq_len", sim::Range::between(1, 1e9));
  spec.batch_tokens = j.number("batch_tokens", sim::Range::positive());
  if (!(spec.batch_tokens / static_cast<double>(spec.seq_len) <= 1e9))
    j.fail("batch_tokens", "makes more than 1e9 sequences per step (batch_tokens / seq_len)");
  // The most optimizer steps any job can have: the largest model and token ratio (a
  // lognormal's one-in-10^9 draw, to which draws are clamped) over the smallest step.
  {
    const double min_step_tokens =
        std::max(1.0, std::round(spec.batch_tokens / static_cast<double>(spec.seq_len))) *
        static_cast<double>(spec.seq_len);
    const double steps = spec.params.highest() * spec.tokens_per_param.highest() / min_step_tokens;
    if (!(steps <= static_cast<double>(max_training_steps))) {
      char text[32];
      std::snprintf(text, sizeof text, "%.3g", steps);
      j.fail(j.has("tokens_per_param") ? "tokens_per_param" : "params",
             "gives jobs of up to " + std::string(text) +
                 " optimizer steps (params × tokens_per_param / batch); a job may have at most "
                 "1e15");
    }
  }
  const std::string prec = j.choice("precision", {"bf16", "fp16", "fp8", "tf32"});
  spec.precision = prec == "fp16"   ? Precision::fp16
                   : prec == "fp8"  ? Precision::fp8
                   : prec == "tf32" ? Precision::tf32
                                    : Precision::bf16;
  spec.max_params_per_gpu = j.number("max_params_per_gpu", sim::Range::positive());
  // Absent: the documented defaults (Llama 3 rates, Young's interval).
  spec.failures = failure_spec(sim::ParamReader(r.node("failures"), failures_doc()));
  spec.max_jobs = r.integer("max_jobs", sim::Range::non_negative());
  spec.fidelity = r.choice("fidelity", {"steady", "iteration"}) == "iteration" ? Fidelity::iteration
                                                                               : Fidelity::steady;
  read_pool_request(r, spec.where, ctx,
                    static_cast<int>(std::ceil(spec.gpus.highest() / spec.per_node)));
  return spec;
}

class LlmTrainingGenerator final : public JobGenerator {
public:
  // Draws from the streams "<prefix>.arrivals" and "<prefix>.jobs" of `ctx`.
  LlmTrainingGenerator(LlmTrainingSpec spec, const GeneratorContext& ctx)
      : arrivals_(spec.arrivals, ctx.streams.stream(ctx.stream_prefix + ".arrivals")),
        rng_(ctx.streams.stream(ctx.stream_prefix + ".jobs")),
        spec_(std::move(spec)) {}

  std::optional<JobRequest> next() override {
    if (spec_.max_jobs > 0 && count_ >= spec_.max_jobs) return std::nullopt;
    JobRequest req;
    req.submit = arrivals_.next();
    req.id = "llm-" + std::to_string(++count_);
    TrainingJobSpec s;
    s.name = req.id;
    s.params = spec_.params.sample(rng_);
    double tokens = s.params * spec_.tokens_per_param.sample(rng_);
    int gpus = static_cast<int>(spec_.gpus.sample(rng_));
    if (spec_.classes.empty()) {
      s.mfu = spec_.mfu.sample(rng_);
    } else {
      const JobClass& c = spec_.classes[static_cast<std::size_t>(spec_.class_pick.sample(rng_))];
      req.id = "llm-" + std::to_string(count_) + "-" + c.name;
      s.name = req.id;
      s.mfu = c.mfu.sample(rng_);
      tokens *= c.token_share;
      s.forward_only = c.forward_only;
      if (c.one_node) gpus = std::min(gpus, spec_.per_node);
    }
    s.seq_len = spec_.seq_len;
    s.precision = spec_.precision;
    const ModelShape shape = shape_from_params(s.params);
    s.layers = shape.layers;
    s.d_model = shape.d_model;

    auto& p = s.parallel;
    p.tensor = std::min(8, gpus);
    while (gpus % p.tensor != 0) --p.tensor;
    p.pipeline = 1;
    while (s.params / (p.tensor * p.pipeline) > spec_.max_params_per_gpu &&
           p.tensor * p.pipeline * 2 <= gpus)
      p.pipeline *= 2;
    while (gpus % (p.tensor * p.pipeline) != 0) p.pipeline /= 2;
    p.data = gpus / (p.tensor * p.pipeline);
    s.global_batch = std::max<std::int64_t>(
        p.data, static_cast<std::int64_t>(std::llround(spec_.batch_tokens / spec_.seq_len)));
    p.microbatches = static_cast<int>(std::max<std::int64_t>(1, s.global_batch / p.data));
    s.steps = std::max<std::int64_t>(
        1, static_cast<std::int64_t>(std::ceil(tokens / s.tokens_per_step())));

    req.gpus = gpus;
    req.training = s;
    req.failures = spec_.failures;
    if (s.forward_only) req.failures->enabled = false;  // an evaluation pass keeps no state
    req.fidelity = spec_.fidelity;
    req.pool = spec_.where.pool;
    req.chip = spec_.where.chip;
    req.prefer = spec_.where.prefer;
    return req;
  }

private:
  ArrivalProcess arrivals_;
  sim::Rng rng_;
  LlmTrainingSpec spec_;
  std::int64_t count_ = 0;
};

const bool registered = JobGeneratorRegistry::add(
    generator_doc(), [](const sim::ParamReader& r, const GeneratorContext& ctx) {
      return std::make_unique<LlmTrainingGenerator>(llm_training_spec(r, ctx), ctx);
    });

}  // namespace

}  // namespace joule::models::workload
