#include "models/cooling/plant.hpp"

namespace joule::models::cooling {

std::unique_ptr<CoolingPlant> make_cooling_plant(const sim::ParamNode* node,
                                                 const PlantSizing& sizing) {
  std::string type = "chilled-water";
  sim::Location where = node ? node->where : sim::Location{};
  if (node && node->is_map())
    if (const auto* t = node->find("type")) {
      type = t->scalar;
      where = t->where;
    }
  return CoolingPlantRegistry::create(type, where, node, sizing);
}

}  // namespace joule::models::cooling
