#include "models/workload/pool_request.hpp"

#include <algorithm>

namespace joule::models::workload {

std::vector<sim::KeyDoc> pool_request_keys() {
  return {{"pool", "string", "any", "node pool the job runs in (cluster.pools), or any"},
          {"chip", "string", "-", "run in any pool whose nodes carry this accelerator"},
          {"prefer", "string", "-", "pool tried first among those allowed"}};
}

sim::ModelDoc with_pool_keys(sim::ModelDoc doc) {
  for (auto& k : pool_request_keys()) doc.keys.push_back(std::move(k));
  return doc;
}

namespace {

std::string names(const GeneratorContext& ctx, bool chips) {
  std::vector<std::string> seen;
  for (const auto& p : ctx.pools) {
    const std::string& n = chips ? p.chip : p.name;
    if (std::find(seen.begin(), seen.end(), n) == seen.end()) seen.push_back(n);
  }
  std::string out;
  for (const auto& n : seen) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

void read_pool_request(const sim::ParamReader& r, JobRequest& req, const GeneratorContext& ctx,
                       int nodes) {
  if (r.has("pool")) {
    req.pool = r.string("pool");
    if (req.pool == "any") req.pool.clear();
  }
  if (r.has("chip")) req.chip = r.string("chip");
  if (r.has("prefer")) req.prefer = r.string("prefer");
  if (ctx.pools.empty()) return;  // the cluster is not known: nothing to check against
  if (!req.pool.empty() && std::none_of(ctx.pools.begin(), ctx.pools.end(),
                                        [&](const auto& p) { return p.name == req.pool; }))
    r.fail("pool", "names no pool of the cluster: '" + req.pool + "' (pools: " + names(ctx, false) +
                       ", or any)");
  if (!req.chip.empty() && std::none_of(ctx.pools.begin(), ctx.pools.end(),
                                        [&](const auto& p) { return p.chip == req.chip; }))
    r.fail("chip", "is carried by no pool of the cluster: '" + req.chip +
                       "' (chips: " + names(ctx, true) + ")");
  auto allowed = [&](const GeneratorContext::Pool& p) {
    return (req.pool.empty() || p.name == req.pool) && (req.chip.empty() || p.chip == req.chip);
  };
  int largest = 0;
  for (const auto& p : ctx.pools)
    if (allowed(p)) largest = std::max(largest, p.nodes);
  const char* key = r.has("pool") ? "pool" : "chip";
  if (largest == 0) r.fail(key, "allows no pool: pool '" + req.pool + "' has no chip " + req.chip);
  if (!req.prefer.empty()) {
    const auto it = std::find_if(ctx.pools.begin(), ctx.pools.end(),
                                 [&](const auto& p) { return p.name == req.prefer; });
    if (it == ctx.pools.end())
      r.fail("prefer", "names no pool of the cluster: '" + req.prefer +
                           "' (pools: " + names(ctx, false) + ")");
    if (!allowed(*it))
      r.fail("prefer", "names pool '" + req.prefer + "', which the job may not use");
  }
  if (nodes > largest && (r.has("pool") || r.has("chip") || ctx.pools.size() > 1))
    r.fail(r.has("pool") || r.has("chip") ? key : "pool",
           "allows pools of at most " + std::to_string(largest) + " nodes but the job needs " +
               std::to_string(nodes));
}

}  // namespace joule::models::workload
