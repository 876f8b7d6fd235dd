#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "io/yaml_params.hpp"
#include "models/workload/generator.hpp"
#include "models/workload/trace.hpp"

using namespace joule;
using namespace joule::models::workload;

namespace {

sim::ParamNode yaml(const std::string& text) {
  return io::parse_yaml_text(text, "scenario.yaml", "workload");
}

std::vector<JobRequest> drain(JobGenerator& g, std::size_t limit = 100000) {
  std::vector<JobRequest> out;
  while (out.size() < limit)
    if (auto j = g.next())
      out.push_back(*j);
    else
      break;
  return out;
}

// A generator's context with its random streams seeded by `seed`, named "<prefix>.…".
GeneratorContext context(std::uint64_t seed, const std::string& prefix) {
  GeneratorContext ctx;
  ctx.streams = sim::RandomStreams(seed);
  ctx.stream_prefix = prefix;
  return ctx;
}

const std::string sample_trace =
    std::string(JOULE_SOURCE_DIR) + "/scenarios/traces/synthetic_sample.csv";

}  // namespace

TEST_CASE("ISO 8601 and Unix seconds agree") {
  double s = 0;
  REQUIRE(parse_iso8601("2020-04-01T00:00:00Z", s));
  CHECK(s == 1585699200.0);
  REQUIRE(parse_iso8601("2020-04-01 08:00:00+08:00", s));
  CHECK(s == 1585699200.0);
  REQUIRE(parse_iso8601("2024-02-29T12:00:00.5", s));
  CHECK(s == doctest::Approx(1709208000.5));
  CHECK_FALSE(parse_iso8601("2023-02-29T00:00:00", s));
  CHECK_FALSE(parse_iso8601("2020-04-01", s));
  CHECK_FALSE(parse_iso8601("2020-04-01T00:00:00Q", s));
}

TEST_CASE("trace replay reproduces the trace's GPU-hours exactly") {
  const Trace t = read_trace_csv(sample_trace);
  REQUIRE(t.jobs.size() == 12);
  // Σ gpu_num × duration, by hand from the file: 8·7200 + 64·21600 + 1·600 + 0·300 + 16·10800
  // + 4·0 + 32·7200 (end − start) + 2·3600 + 128·14400 + 8·1800 + 1·60 + 256·3600.
  const double gpu_s = 8 * 7200 + 64 * 21600 + 600 + 0 + 16 * 10800 + 0 + 32 * 7200 + 2 * 3600 +
                       128 * 14400 + 8 * 1800 + 60 + 256 * 3600;
  CHECK(t.gpu_hours() == gpu_s / 3600);
  // Submit times relative to the earliest (1585699200 = 2020-04-01T00:00:00Z).
  CHECK(t.origin_s == 1585699200.0);
  CHECK(t.jobs[4].submit == sim::hours(1));  // ISO row
  CHECK(t.jobs[6].duration == sim::hours(2));
  CHECK(t.jobs[5].state == "CANCELLED");
  CHECK(t.jobs[5].duration == sim::Time::zero());

  // Through the registered generator: every row but the CPU-only one (syn-004, gpu_num 0, left
  // out on request) comes back, in submit order; its 0 GPU-hours leave the total unchanged.
  const auto node = yaml("generator: trace\nfile: traces/synthetic_sample.csv\ncpu_jobs: skip\n");
  GeneratorContext ctx;
  ctx.base_dir = std::string(JOULE_SOURCE_DIR) + "/scenarios";
  auto g = make_job_generator(node, ctx);
  const auto jobs = drain(*g);
  REQUIRE(jobs.size() == 11);
  std::int64_t gpu_ns = 0;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    gpu_ns += jobs[i].gpus * jobs[i].duration.ns();
    if (i > 0) CHECK(jobs[i - 1].submit <= jobs[i].submit);
    CHECK_FALSE(jobs[i].training.has_value());
    CHECK(jobs[i].gpus >= 1);
    CHECK(jobs[i].id != "syn-004");
  }
  CHECK(static_cast<double>(gpu_ns) * 1e-9 == gpu_s);
}

TEST_CASE("a trace row with gpu_num 0 is an error at its cell unless cpu_jobs: skip") {
  GeneratorContext ctx;
  ctx.base_dir = std::string(JOULE_SOURCE_DIR) + "/scenarios";
  // syn-004 is line 11 of the sample; its gpu_num cell starts at column 9.
  CHECK_THROWS_WITH_AS(
      make_job_generator(yaml("generator: trace\nfile: traces/synthetic_sample.csv\n"), ctx),
      doctest::Contains("synthetic_sample.csv:11:9: job syn-004 has gpu_num 0, a CPU-only job (1 "
                        "such row in this trace)"),
      sim::InputError);
  CHECK_THROWS_WITH_AS(
      make_job_generator(yaml("generator: trace\nfile: traces/synthetic_sample.csv\n"), ctx),
      doctest::Contains("cpu_jobs: skip"), sim::InputError);
  // Only `error` and `skip` are accepted.
  CHECK_THROWS_AS(make_job_generator(yaml("generator: trace\nfile: traces/synthetic_sample.csv\n"
                                          "cpu_jobs: keep\n"),
                                     ctx),
                  sim::InputError);
  // max_jobs counts the jobs that are simulated: the first 4 by submit time without syn-004.
  auto g = make_job_generator(yaml("generator: trace\nfile: traces/synthetic_sample.csv\n"
                                   "cpu_jobs: skip\nmax_jobs: 4\n"),
                              ctx);
  const auto jobs = drain(*g);
  REQUIRE(jobs.size() == 4);
  CHECK(jobs[3].id == "syn-005");
}

TEST_CASE("trace: pool, chip and prefer send every replayed job where they say") {
  // Two pools of 8-GPU nodes; the sample's largest job asks for 256 GPUs = 32 nodes.
  GeneratorContext ctx;
  ctx.base_dir = std::string(JOULE_SOURCE_DIR) + "/scenarios";
  ctx.cluster_nodes = 96;
  ctx.cluster_gpus = 96 * 8;
  ctx.pools = {{"hopper", "h100-sxm", 64}, {"blackwell", "b200", 32}};
  const std::string trace = "generator: trace\nfile: traces/synthetic_sample.csv\ncpu_jobs: skip\n";
  auto pinned = make_job_generator(yaml(trace + "pool: blackwell\n"), ctx);
  const auto jobs = drain(*pinned);
  REQUIRE(jobs.size() == 11);
  for (const auto& job : jobs) {
    CHECK(job.pool == "blackwell");
    CHECK(job.chip.empty());
  }
  auto by_chip = make_job_generator(yaml(trace + "chip: h100-sxm\nprefer: hopper\n"), ctx);
  for (const auto& job : drain(*by_chip)) {
    CHECK(job.pool.empty());
    CHECK(job.chip == "h100-sxm");
    CHECK(job.prefer == "hopper");
  }
  // Without the keys a job may run in any pool.
  for (const auto& job : drain(*make_job_generator(yaml(trace), ctx))) {
    CHECK(job.pool.empty());
    CHECK(job.chip.empty());
    CHECK(job.prefer.empty());
  }
  // Errors at the key: an unknown pool, and a pool smaller than the trace's largest job.
  CHECK_THROWS_WITH_AS(make_job_generator(yaml(trace + "pool: volta\n"), ctx),
                       doctest::Contains("scenario.yaml:4:7: workload.pool names no pool"),
                       sim::InputError);
  ctx.pools[1].nodes = 16;
  CHECK_THROWS_WITH_AS(make_job_generator(yaml(trace + "pool: blackwell\n"), ctx),
                       doctest::Contains("at most 16 nodes but the job needs 32"), sim::InputError);
}

TEST_CASE("malformed trace rows are errors at file:line:column") {
  const std::string header = "job_id,gpu_num,submit_time,duration,state\n";
  auto fails_with = [&](const std::string& rows, const std::string& expect) {
    CHECK_THROWS_WITH_AS(parse_trace_csv(header + rows, "t.csv"), doctest::Contains(expect.c_str()),
                         sim::InputError);
  };
  fails_with("a,8,0,10,COMPLETED\nb,x,5,10,COMPLETED\n",
             "t.csv:3:3: gpu_num must be a whole number");
  fails_with("a,8,0,10,COMPLETED\nb,8,yesterday,10,FAILED\n",
             "t.csv:3:5: submit_time must be seconds or an ISO 8601 timestamp");
  fails_with("a,8,0,-4,COMPLETED\n", "t.csv:2:7: duration must be seconds >= 0");
  fails_with("a,8,0,10\n", "t.csv:2:9: row has 4 fields, the header (line 1) has 5");
  fails_with("a,8,0,10,OK,extra\n", "t.csv:2:13: row has 6 fields");
  fails_with("a,8,0,10,OK\na,8,0,10,OK\n", "t.csv:3:1: duplicate job_id 'a' (first on line 2)");
  fails_with("a,8,2020-13-01T00:00:00,10,OK\n", "t.csv:2:5: submit_time");
  CHECK_THROWS_WITH_AS(parse_trace_csv("job_id,gpu_num,submit_time\n", "t.csv"),
                       doctest::Contains("t.csv:1:1: trace header needs a 'duration' column"),
                       sim::InputError);
  CHECK_THROWS_WITH_AS(
      parse_trace_csv("job_id,gpu_num,submit_time,start_time,end_time\na,1,0,100,50\n", "t.csv"),
      doctest::Contains("t.csv:2:11: end_time is before start_time"), sim::InputError);
  CHECK_THROWS_WITH_AS(
      parse_trace_csv("job_id,gpu_num,submit_time,start_time,end_time\na,1,0,,50\n", "t.csv"),
      doctest::Contains("t.csv:2:7: no duration"), sim::InputError);
  // Comments, blank lines, CRLF and quoted cells are fine.
  const Trace ok =
      parse_trace_csv("# synthetic\r\n" + header + "\r\n\"a,1\",2,0,10,\"DONE\"\r\n", "t.csv");
  REQUIRE(ok.jobs.size() == 1);
  CHECK(ok.jobs[0].id == "a,1");
  CHECK(ok.jobs[0].line == 4);
  // A missing trace file is reported at the key that named it.
  const auto node = yaml("generator: trace\nfile: nowhere.csv\n");
  CHECK_THROWS_WITH_AS(make_job_generator(node, GeneratorContext{}),
                       doctest::Contains("scenario.yaml:2:7: cannot read file 'nowhere.csv'"),
                       sim::InputError);
}

TEST_CASE("llm-training generator: the DESIGN example, reproducible per seed and stream") {
  const std::string text =
      "generator: llm-training\n"
      "arrivals: {process: poisson, mean_interarrival: \"6 h\"}\n"
      "jobs: {params: [7e9, 70e9, 405e9], tokens_per_param: 20, gpus: [256, 1024, 4096], mfu: "
      "0.40}\n"
      "failures: {mtbf_per_gpu: \"50000 h\", restart: \"10 min\", checkpoint_every: \"30 min\"}\n"
      "max_jobs: 2000\n";
  const auto node = yaml(text);
  GeneratorContext ctx = context(42, "workload");
  auto a = make_job_generator(node, ctx);
  auto b = make_job_generator(node, ctx);
  const auto ja = drain(*a), jb = drain(*b);
  REQUIRE(ja.size() == 2000);
  REQUIRE(jb.size() == 2000);
  double gap_sum = 0;
  int n405 = 0;
  for (std::size_t i = 0; i < ja.size(); ++i) {
    CHECK(ja[i].submit == jb[i].submit);
    CHECK(ja[i].training->params == jb[i].training->params);
    CHECK(ja[i].gpus == jb[i].gpus);
    const auto& s = *ja[i].training;
    CHECK(s.gpus() == ja[i].gpus);  // dp·tp·pp·cp = G
    CHECK(s.tokens_per_step() * s.steps >= 20 * s.params);
    if (s.params == 405e9) {
      ++n405;
      if (ja[i].gpus >= 1024) CHECK(s.parallel.pipeline == 16);  // 405e9/(8·16) ≤ 4e9
    }
    gap_sum += (ja[i].submit - (i ? ja[i - 1].submit : sim::Time::zero())).seconds();
  }
  CHECK(ja[0].failures->checkpoint_every == sim::minutes(30));
  // Mean gap 6 h within 4 SE (SE of the mean of n exponentials = mean/√n).
  const double mean_gap = gap_sum / 2000;
  CHECK(std::fabs(mean_gap - 6 * 3600.0) < 4 * 6 * 3600.0 / std::sqrt(2000.0));
  // Equal weights: 405B share 1/3 within 4 SE.
  CHECK(std::fabs(n405 / 2000.0 - 1.0 / 3) < 4 * std::sqrt(2.0 / 9 / 2000));

  // Another seed gives other jobs.
  GeneratorContext other = context(43, "workload");
  auto c = make_job_generator(node, other);
  CHECK(c->next()->submit != ja[0].submit);

  // Streams are independent: changing the size mix leaves the arrival times untouched.
  const auto node2 = yaml(
      "generator: llm-training\narrivals: {process: poisson, mean_interarrival: \"6 h\"}\n"
      "jobs: {params: {values: [1e9, 2e9], weights: [1, 3]}, gpus: 64}\nmax_jobs: 50\n");
  auto d = make_job_generator(node2, ctx);
  const auto jd = drain(*d);
  for (std::size_t i = 0; i < jd.size(); ++i) CHECK(jd[i].submit == ja[i].submit);
}

TEST_CASE("generator spec errors point into the scenario") {
  GeneratorContext ctx;
  CHECK_THROWS_WITH_AS(make_job_generator(yaml("generator: llm-trainng\n"), ctx),
                       doctest::Contains("did you mean 'llm-training'"), sim::InputError);
  CHECK_THROWS_WITH_AS(
      make_job_generator(yaml("generator: llm-training\njobs: {params: [7e9, -1], gpus: 8}\n"),
                         ctx),
      doctest::Contains(
          "scenario.yaml:2:22: workload.jobs.params[1] must be in (0, 1e+15], got -1"),
      sim::InputError);
  CHECK_THROWS_WITH_AS(
      make_job_generator(
          yaml("generator: gpu-jobs\ngpus: 8\nduration: {lognormal: {median: 2 h, sigma: 1}}\n"
               "arrivals: {process: fifo}\n"),
          ctx),
      doctest::Contains("scenario.yaml:4:21: workload.arrivals.process"), sim::InputError);
  CHECK_THROWS_WITH_AS(
      make_job_generator(yaml("generator: gpu-jobs\ngpus: 8\nduration: \"2 kg\"\n"), ctx),
      doctest::Contains("scenario.yaml:3:11"), sim::InputError);
}

TEST_CASE("gpu-jobs generator: lognormal durations and weighted sizes") {
  const auto node = yaml(
      "generator: gpu-jobs\narrivals: {mean_interarrival: 10 min}\n"
      "gpus: {values: [1, 8], weights: [3, 1]}\n"
      "duration: {lognormal: {median: 2 h, sigma: 1.0}}\nmax_jobs: 20000\n");
  auto g = make_job_generator(node, context(1, "w"));
  const auto jobs = drain(*g);
  REQUIRE(jobs.size() == 20000);
  int eight = 0;
  std::vector<double> logs;
  double sum_log = 0;
  for (const auto& j : jobs) {
    eight += j.gpus == 8;
    sum_log += std::log(j.duration.seconds());
  }
  const double n = jobs.size();
  // P(8 GPUs) = 1/4; mean of ln(duration) = ln(7200 s), σ = 1: both within 4 SE.
  CHECK(std::fabs(eight / n - 0.25) < 4 * std::sqrt(0.25 * 0.75 / n));
  CHECK(std::fabs(sum_log / n - std::log(7200.0)) < 4 * 1.0 / std::sqrt(n));
}

TEST_CASE("gpu-jobs and trace generators mark a share of jobs flexible with deadlines") {
  const std::string base =
      "generator: gpu-jobs\narrivals: {mean_interarrival: 10 min}\ngpus: [1, 8]\n"
      "duration: {lognormal: {median: 2 h, sigma: 1.0}}\nmax_jobs: 20000\n";
  const GeneratorContext ctx = context(1, "w");
  auto plain = make_job_generator(yaml(base), ctx);
  auto marked = make_job_generator(yaml(base + "flexible: {share: 0.3, slack: 6 h}\n"), ctx);
  const auto a = drain(*plain), b = drain(*marked);
  REQUIRE(a.size() == b.size());
  int flexible = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    // The flexible draws have their own stream: arrivals, sizes and run times are unchanged.
    CHECK(a[i].submit == b[i].submit);
    CHECK(a[i].duration == b[i].duration);
    CHECK_FALSE(a[i].flexible);
    if (b[i].flexible) {
      ++flexible;
      CHECK(b[i].deadline == b[i].submit + b[i].duration + sim::hours(6));
    } else {
      CHECK(b[i].deadline == sim::Time::max());
    }
  }
  // P(flexible) = 0.3: within 4 standard errors.
  const double n = b.size();
  CHECK(std::fabs(flexible / n - 0.3) < 4 * std::sqrt(0.3 * 0.7 / n));

  // A trace: share 1 marks every row, with the default slack of 12 h.
  auto trace = make_job_generator(
      yaml("generator: trace\nfile: " + sample_trace + "\ncpu_jobs: skip\nflexible: {share: 1}\n"),
      ctx);
  for (const auto& j : drain(*trace)) {
    CHECK(j.flexible);
    CHECK(j.deadline == j.submit + j.duration + sim::hours(12));
  }

  CHECK_THROWS_WITH_AS(
      make_job_generator(yaml(base + "flexible: {share: 1.5}\n"), ctx),
      doctest::Contains("scenario.yaml:6:19: workload.flexible.share must be in [0, 1]"),
      sim::InputError);
  CHECK_THROWS_WITH_AS(make_job_generator(yaml(base + "flexible: {shares: 0.5}\n"), ctx),
                       doctest::Contains("did you mean 'share'"), sim::InputError);
}

TEST_CASE("bursty arrivals keep their long-run mean rate") {
  for (const auto process : {ArrivalSpec::Process::mmpp, ArrivalSpec::Process::batch}) {
    ArrivalSpec s;
    s.process = process;
    s.mean_interarrival = sim::hours(1);
    s.burst_interarrival = sim::minutes(5);
    s.calm_duration = sim::hours(20);
    s.burst_duration = sim::hours(4);
    s.mean_batch_size = 5;
    ArrivalProcess p(s, sim::RandomStreams(3).stream("arrivals"));
    const int n = 200000;
    sim::Time last;
    bool ordered = true;
    for (int i = 0; i < n; ++i) {
      const sim::Time t = p.next();
      ordered = ordered && !(t < last);
      last = t;
    }
    CHECK(ordered);
    // mmpp: (20+4)/(20/1 + 4·12) h = 0.353 h; batch: 1 h / 5. Tolerance 3 % (bursts make the
    // gaps correlated, so the plain i.i.d. SE would understate the error; 200k jobs span ~1400
    // regime cycles for mmpp, giving a relative SE near 1 %).
    CHECK(last.seconds() / n == doctest::Approx(p.mean_interarrival_s()).epsilon(0.03));
  }
}

TEST_CASE("llm-training job classes: each class draws its own MFU, tokens and size") {
  const std::string text =
      "generator: llm-training\n"
      "arrivals: {process: poisson, mean_interarrival: \"1 h\"}\n"
      "jobs: {params: 7e9, gpus: 64, classes: {pretraining: 1, evaluation: 1}}\n"
      "max_jobs: 400\n";
  const auto node = yaml(text);
  GeneratorContext ctx = context(3, "workload");
  ctx.cluster_nodes = 16;
  ctx.cluster_gpus = 128;
  auto g = make_job_generator(node, ctx);
  int pre = 0, eval = 0;
  for (const auto& j : drain(*g)) {
    const auto& s = *j.training;
    if (j.id.find("evaluation") != std::string::npos) {
      ++eval;
      CHECK(s.forward_only);
      CHECK(j.gpus == 8);  // held to one node of the 8-GPU cluster
      CHECK((s.mfu == 0.10 || s.mfu == 0.20 || s.mfu == 0.30));
      CHECK_FALSE(j.failures->enabled);
      // 0.05 % of the 20 tokens/param of pre-training, in whole steps.
      CHECK(s.steps ==
            static_cast<std::int64_t>(std::ceil(20 * 7e9 * 0.0005 / s.tokens_per_step())));
    } else {
      ++pre;
      CHECK(j.id.find("pretraining") != std::string::npos);
      CHECK_FALSE(s.forward_only);
      CHECK(j.gpus == 64);
      CHECK((s.mfu == 0.35 || s.mfu == 0.40 || s.mfu == 0.45));
    }
  }
  CHECK(pre > 150);
  CHECK(eval > 150);
  // An unknown class is an error at its key.
  const auto bad = yaml(
      "generator: llm-training\narrivals: {process: poisson, mean_interarrival: \"1 h\"}\n"
      "jobs: {params: 7e9, gpus: 8, classes: {pretrain: 1}}\n");
  CHECK_THROWS_WITH_AS(make_job_generator(bad, GeneratorContext{}),
                       doctest::Contains("unknown job class 'pretrain'"), sim::InputError);
}
