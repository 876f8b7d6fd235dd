// A warning when inference services are overloaded: requests offered beyond what the replicas
// serve within their latency target (inference.hpp: a saturated replica serves
// λ_s = B_max / (T_out·t_it(B_max) + t_pf·B_max) and the rest goes unserved). A run that offers
// 1,000 requests/s to a 70B model on 64 GPUs serves a fraction of them; the summary says so.
#include "models/world/kpi.hpp"
#include "models/world/work.hpp"
#include "models/world/world.hpp"

namespace joule::models::world {

namespace {

const bool registered = [] {
  KpiRegistry::add(
      {"inference_unserved_requests", "1", "inference requests not served",
       "Requests offered to the inference services beyond what their replicas serve within the "
       "latency target (offered − served); absent without inference services",
       "work", 653,
       [](const RunRecord& r) -> std::optional<double> {
         const WorkSummary s = summarize_work(r.world);
         if (s.inference.jobs == 0) return std::nullopt;
         return std::max(0.0, s.inference.work.requests_offered - s.inference.work.requests_served);
       },
       "inference overloaded: more requests were offered than the replicas serve within the "
       "latency target (add replicas or lower the rate)"});
  return true;
}();

}  // namespace

}  // namespace joule::models::world
