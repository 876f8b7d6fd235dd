#include "models/scheduling/scheduler.hpp"

#include <utility>

namespace joule::models::scheduling {

namespace {

const std::vector<sim::KeyDoc>& shared_keys() {
  static const std::vector<sim::KeyDoc> keys{
      {"policy", "string", "fifo", "the scheduling policy (joule list-models shows them)"},
      {"power_management", "map", "-",
       "sleep/wake model of powered-down nodes (see 'power_management')"}};
  return keys;
}

}  // namespace

sim::ModelDoc policy_doc(std::string name, std::string summary, std::vector<sim::KeyDoc> keys) {
  std::vector<sim::KeyDoc> all = shared_keys();
  all.insert(all.end(), std::make_move_iterator(keys.begin()), std::make_move_iterator(keys.end()));
  return {"policy", std::move(name), std::move(summary), std::move(all)};
}

const sim::ModelDoc& scheduler_doc() {
  static const sim::ModelDoc doc{"scheduler", "scheduler",
                                 "Which policy decides what runs where, and how nodes sleep",
                                 shared_keys()};
  return doc;
}

namespace {
const bool documented = (sim::model_docs().push_back(&scheduler_doc()), true);
}  // namespace

Scheduler make_scheduler(const sim::ParamNode* node) {
  if (node && node->kind == sim::ParamNode::Kind::null) node = nullptr;
  if (node && !node->is_map())
    throw sim::InputError(node->where, node->path + " must be a map, e.g. {policy: fifo}");
  Scheduler s;
  s.policy_name = "fifo";
  sim::Location where = node ? node->where : sim::Location{};
  if (node)
    if (const sim::ParamNode* p = node->find("policy")) {
      if (!p->is_scalar()) throw sim::InputError(p->where, p->path + " must be a policy name");
      s.policy_name = p->scalar;
      where = p->where;
    }
  s.policy = PolicyRegistry::create(s.policy_name, where, node);
  const sim::ParamNode* pm = node ? node->find("power_management") : nullptr;
  s.power_management = power_management_spec(
      sim::ParamReader(pm, power_management_doc(), std::vector<std::string>{}));
  return s;
}

}  // namespace joule::models::scheduling
