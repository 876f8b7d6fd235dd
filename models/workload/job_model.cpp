#include "models/workload/job_model.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "sim/error.hpp"

namespace joule::models::workload {

namespace {

std::map<std::string, JobModelFactory>& table() {
  static std::map<std::string, JobModelFactory> t;
  return t;
}

}  // namespace

Activity JobModel::on_failure(sim::Time) {
  throw std::logic_error("on_failure(): this kind of job has no failures");
}

WorkDone JobModel::work(sim::Time tau, int gpus) const {
  WorkDone w;
  w.useful_gpu_s = gpus * std::min(tau, planned_work()).seconds();
  return w;
}

bool JobModelRegistry::add(const std::string& kind, JobModelFactory factory) {
  if (!table().emplace(kind, std::move(factory)).second)
    throw std::logic_error("job kind registered twice: " + kind);
  return true;
}

std::unique_ptr<JobModel> JobModelRegistry::create(const JobRequest& request, JobEnvironment env) {
  const std::string kind = job_kind(request);
  const auto it = table().find(kind);
  if (it == table().end()) {
    std::string valid;
    for (const auto& [name, factory] : table()) valid += (valid.empty() ? "" : ", ") + name;
    throw sim::InputError(sim::Location{}, "job '" + request.id + "': unknown kind of work '" +
                                               kind + "'. Valid: " + valid);
  }
  std::unique_ptr<JobModel> model = it->second(request, std::move(env));
  model->fixed_power_ = request.power_per_accelerator;
  return model;
}

std::vector<std::string> JobModelRegistry::kinds() {
  std::vector<std::string> out;
  for (const auto& [name, factory] : table()) out.push_back(name);
  return out;
}

std::string job_kind(const JobRequest& request) {
  if (!request.kind.empty()) return request.kind;
  if (request.training) return "training";
  if (request.inference) return "inference";
  return "fixed";
}

}  // namespace joule::models::workload
