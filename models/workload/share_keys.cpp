#include "models/workload/share_keys.hpp"

namespace joule::models::workload {

sim::ModelDoc with_share_keys(sim::ModelDoc doc) {
  doc.keys.push_back({"flexible", "map", "-",
                      "share of jobs policies may defer, with deadlines (see 'flexible')"});
  doc.keys.push_back({"elastic", "map", "-",
                      "share of jobs policies may resize, their node range and scaling (see "
                      "'elastic')"});
  doc.keys.push_back({"preemptible", "map", "-",
                      "share of jobs policies may move at checkpoints, and the cost (see "
                      "'preemptible')"});
  return doc;
}

}  // namespace joule::models::workload
