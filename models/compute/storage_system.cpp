#include "models/compute/storage_system.hpp"

#include <algorithm>

namespace joule::models::compute {

const sim::ModelDoc& storage_doc() {
  static const sim::ModelDoc doc{
      "cluster section",
      "storage",
      "Parallel-filesystem servers and drives: checkpoint writes and training-data reads go "
      "through them (estimates for an all-NVMe 2U appliance)",
      {{"servers", "integer", "0", "storage servers (0: no storage model)"},
       {"drives_per_server", "integer", "24", "NVMe drives in each server"},
       {"server_idle_power", "W", "400 W", "server power without drives, idle (estimate)"},
       {"server_max_power", "W", "1000 W",
        "server power without drives at full bandwidth (estimate)"},
       {"drive_idle_power", "W", "5 W", "drive power, idle (estimate: U.2 NVMe 5–8 W)"},
       {"drive_active_power", "W", "20 W", "drive power at full bandwidth (estimate: 14–25 W)"},
       {"read_bandwidth", "B/s", "90 GB/s", "read bandwidth of each server (DDN AI400X2 class)"},
       {"write_bandwidth", "B/s", "65 GB/s", "write bandwidth of each server (DDN AI400X2 class)"},
       {"bytes_per_token", "number", "4",
        "training data read per token trained, bytes (int32 token ids)"}}};
  return doc;
}

namespace {
// In the scenario reference (`joule list-models`).
const bool documented = (sim::model_docs().push_back(&storage_doc()), true);
}  // namespace

StorageSpec storage_spec(const sim::ParamReader& r) {
  StorageSpec s;
  s.servers = static_cast<int>(r.integer("servers", sim::Range::between(0, 1e6)));
  s.drives_per_server =
      static_cast<int>(r.integer("drives_per_server", sim::Range::between(0, 1e4)));
  s.server_idle_w = r.quantity<sim::Watts>("server_idle_power", sim::Range::non_negative()).value();
  s.server_max_w = r.quantity<sim::Watts>("server_max_power", sim::Range::non_negative()).value();
  if (s.server_max_w < s.server_idle_w)
    r.fail("server_max_power", "must be at least server_idle_power");
  s.drive_idle_w = r.quantity<sim::Watts>("drive_idle_power", sim::Range::non_negative()).value();
  s.drive_active_w =
      r.quantity<sim::Watts>("drive_active_power", sim::Range::non_negative()).value();
  if (s.drive_active_w < s.drive_idle_w)
    r.fail("drive_active_power", "must be at least drive_idle_power");
  s.read_bytes_per_s =
      r.quantity<sim::BytesPerSecond>("read_bandwidth", sim::Range::positive()).value();
  s.write_bytes_per_s =
      r.quantity<sim::BytesPerSecond>("write_bandwidth", sim::Range::positive()).value();
  s.bytes_per_token = r.number("bytes_per_token", sim::Range::non_negative());
  return s;
}

double StorageSystem::utilisation(double read_bytes_per_s, double write_bytes_per_s) const {
  if (!present()) return 0.0;
  const double n = spec_.servers;
  return std::min(1.0, read_bytes_per_s / (n * spec_.read_bytes_per_s) +
                           write_bytes_per_s / (n * spec_.write_bytes_per_s));
}

double StorageSystem::power_w(double u) const {
  const double n = spec_.servers;
  const double drives = n * spec_.drives_per_server;
  return n * (spec_.server_idle_w + u * (spec_.server_max_w - spec_.server_idle_w)) +
         drives * (spec_.drive_idle_w + u * (spec_.drive_active_w - spec_.drive_idle_w));
}

}  // namespace joule::models::compute
