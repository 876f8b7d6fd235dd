// The shared storage system: parallel-filesystem servers and their drives (`cluster.storage`).
// Checkpoint writes and training-data reads go through it; its power is an IT load.
//
//   u = min(1, r_read / (N_s·B_read) + r_write / (N_s·B_write))        (utilisation, 0–1)
//   P = N_s·(P_s,idle + u·(P_s,max − P_s,idle)) + N_s·n_d·(P_d,idle + u·(P_d,active − P_d,idle))
//
// r_read = Σ jobs' training tokens/s × bytes per token, r_write = Σ jobs' checkpoint bytes/s.
// Below saturation the power is linear in the traffic, so each job's share of the dynamic part
// is exactly its bytes × (dynamic power at u = 1) / bandwidth; above it the shares are scaled.
//
// Defaults, all estimates for an all-NVMe 2U parallel-filesystem appliance:
//   bandwidth    90 GB/s read, 65 GB/s write per server (DDN AI400X2 class, as DDN sells it)
//   server       400 W idle, 1,000 W at full bandwidth without drives (dual-socket 2U server
//                with 4 × 200 Gb/s NICs: CPUs 2 × 100–250 W, NICs 4 × 20 W, fans, PSU)
//   drives       24 per server; 5 W idle, 20 W active (enterprise U.2 NVMe datasheets give
//                5–8 W idle and 14–25 W active; the U.2 slot allows 25 W)
#pragma once

#include "sim/params.hpp"

namespace joule::models::compute {

struct StorageSpec {
  int servers = 0;  // 0: no storage model
  int drives_per_server = 24;
  double server_idle_w = 400, server_max_w = 1000;
  double drive_idle_w = 5, drive_active_w = 20;
  double read_bytes_per_s = 90e9, write_bytes_per_s = 65e9;  // per server
  double bytes_per_token = 4;  // training data read per token (int32 token ids)
};

const sim::ModelDoc& storage_doc();
StorageSpec storage_spec(const sim::ParamReader& r);

class StorageSystem {
public:
  explicit StorageSystem(StorageSpec spec) : spec_(spec) {}
  const StorageSpec& spec() const { return spec_; }
  bool present() const { return spec_.servers > 0; }

  // Utilisation (0–1) for aggregate read and write traffic.
  double utilisation(double read_bytes_per_s, double write_bytes_per_s) const;
  // Power at utilisation u, and its parts: idle (u = 0) and dynamic (the rest).
  double power_w(double u) const;
  double idle_w() const { return power_w(0.0); }

private:
  StorageSpec spec_;
};

}  // namespace joule::models::compute
