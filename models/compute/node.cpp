// Node catalog, `cluster.node` spec and node power (equations in node.hpp).
//
// DGX H100 budget check (estimates below must stay under the 10.2 kW system maximum):
//   8 × 700 W GPUs + 700 W CPUs + 320 W DRAM + 500 W NICs/DPUs + 700 W other + 1200 W fans
//   = 9,020 W DC; at 46 % of 6 × 3.3 kW the Titanium PSUs run at ~95.8 % ⇒ ~9.4 kW wall.
// Host utilisations follow the job (host_load): a training job's launch and data-loader
// threads keep ~20 % of the CPUs busy, and the NICs carry only the inter-node all-reduce and
// checkpoint bytes. The node-level comparison with measurements (Latif et al., IEEE Access
// 2025: ~8.4 kW peak on an 8×H100 node in training) is a validation case
// (validation/compute/), not a fit: nothing here is tuned to it.
#include "models/compute/node.hpp"

#include <algorithm>
#include <deque>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <tuple>

namespace joule::models::compute {

namespace {

Sourced<double> cpu_per_accelerator_estimate() {
  return estimate(0.2,
                  "estimate: per busy accelerator one launcher process polling the device plus "
                  "2–4 data-loader workers (PyTorch DataLoader practice) ≈ 3 of the ~14 host cores "
                  "per accelerator on 8-GPU servers");
}

NodeType dgx_h100() {
  NodeType n;
  n.id = "dgx-h100";
  n.name = "NVIDIA DGX H100 (HGX H100 8-GPU)";
  n.accelerator = "h100-sxm";
  const std::string ds = "NVIDIA DGX H100 datasheet";
  n.accelerators = spec(8.0, ds + ": 8× H100 SXM5");
  n.cpu_idle_w = estimate(180.0, "estimate: 2× Xeon Platinum 8480C idling at ~90 W each");
  n.cpu_max_w = spec(700.0, ds + ": 2× Xeon Platinum 8480C, 350 W TDP each");
  n.dram_idle_w = estimate(96.0, "estimate: 32 × 64 GB DDR5 RDIMM (2 TB, spec) at ~3 W idle");
  n.dram_max_w = estimate(320.0, "estimate: 32 DIMMs at ~10 W under load");
  n.nic_idle_w = estimate(270.0,
                          "estimate: 8× ConnectX-7 400G at ~15 W + 2× BlueField-3 at "
                          "~75 W (adapters per datasheet)");
  n.nic_max_w = estimate(500.0,
                         "estimate: 8× ConnectX-7 at ~25 W with optics + 2× BlueField-3 "
                         "at ~150 W");
  n.other_idle_w = estimate(450.0, "estimate: 4× NVSwitch, 10 NVMe drives, BMC, board, VRMs");
  n.other_max_w = estimate(700.0,
                           "estimate: 4× NVSwitch at ~100 W each under full NVLink traffic "
                           "(first-generation NVSwitch 100 W, NVIDIA GTC 2018 via WikiChip), "
                           "10 NVMe drives at ~12 W, BMC and board ~50 W, CPU VRM losses ~70 W");
  n.fan_max_w = estimate(1200.0, "estimate: all fan modules at full speed");
  n.fan_min_speed = estimate(0.3, "estimate: firmware minimum fan duty");
  n.fan_low_c = estimate(20.0, "estimate: fans at minimum below 20 °C inlet");
  n.fan_high_c = estimate(30.0,
                          "estimate: full speed at the 30 °C top of the 5–30 °C operating "
                          "range (datasheet)");
  n.psus = spec(6.0, ds + ": 6 power supplies");
  n.psu_rating_w = spec(3300.0, ds + ": 3.3 kW each");
  n.psu_curve = "titanium-230v";
  n.cooling = Cooling::air;
  n.system_max_w = spec(10200.0, ds + ": ~10.2 kW max");
  n.nic_bandwidth_bps = spec(400e9, ds + ": 8× ConnectX-7 at 400 Gb/s (compute fabric)");
  n.host_memory_bps = spec(614e9,
                           "Intel Xeon Platinum 8480C: 8 channels DDR5-4800 per socket, 2 "
                           "sockets = 2 × 307 GB/s");
  n.cpu_per_accelerator = cpu_per_accelerator_estimate();
  return n;
}

NodeType hgx_b200() {
  NodeType n = dgx_h100();
  n.id = "hgx-b200";
  n.name = "NVIDIA HGX B200 8-GPU (DGX B200 class)";
  n.accelerator = "b200";
  const std::string ds = "NVIDIA DGX B200 datasheet";
  n.accelerators = spec(8.0, ds + ": 8× B200");
  n.cpu_max_w = spec(700.0, ds + ": 2× Xeon Platinum 8570, 350 W TDP each");
  n.other_idle_w = estimate(500.0, "estimate: 2× NVLink 5 switch chips, NVMe, BMC, board, VRMs");
  n.other_max_w = estimate(1100.0, "estimate: as idle at full NVLink traffic and VRM losses");
  n.fan_max_w = estimate(1500.0, "estimate: all fan modules at full speed (10U chassis)");
  n.psus = estimate(6.0, "estimate: 6 power supplies");
  n.psu_rating_w = estimate(3300.0, "estimate: 3.3 kW each");
  n.system_max_w = spec(14300.0, ds + ": ~14.3 kW max");
  n.nic_bandwidth_bps = spec(400e9, ds + ": 8× ConnectX-7 at 400 Gb/s (compute fabric)");
  n.host_memory_bps = spec(717e9,
                           "Intel Xeon Platinum 8570: 8 channels DDR5-5600 per socket, 2 "
                           "sockets = 2 × 358 GB/s");
  return n;
}

NodeType dgx_a100() {
  NodeType n;
  n.id = "dgx-a100";
  n.name = "NVIDIA DGX A100 640GB";
  n.accelerator = "a100-sxm-80gb";
  const std::string ds = "NVIDIA DGX A100 datasheet";
  n.accelerators = spec(8.0, ds + ": 8× A100 80GB");
  n.cpu_idle_w = estimate(140.0, "estimate: 2× AMD EPYC 7742 idling at ~70 W each");
  n.cpu_max_w = spec(450.0, ds + ": 2× AMD EPYC 7742, 225 W TDP each");
  n.dram_idle_w = estimate(80.0, "estimate: 2 TB DDR4 (spec) as 32 DIMMs at ~2.5 W idle");
  n.dram_max_w = estimate(256.0, "estimate: 32 DIMMs at ~8 W under load");
  n.nic_idle_w = estimate(100.0, "estimate: 8× ConnectX-6 200G + 2× dual-port ConnectX-6 at ~10 W");
  n.nic_max_w = estimate(200.0, "estimate: 10 adapters at ~20 W with optics");
  n.other_idle_w = estimate(350.0, "estimate: 6× NVSwitch, NVMe, BMC, board, VRMs");
  n.other_max_w = estimate(700.0, "estimate: as idle at full NVLink traffic and VRM losses");
  n.fan_max_w = estimate(900.0, "estimate: all fan modules at full speed");
  n.fan_min_speed = estimate(0.3, "estimate: firmware minimum fan duty");
  n.fan_low_c = estimate(20.0, "estimate: fans at minimum below 20 °C inlet");
  n.fan_high_c = estimate(30.0, "estimate: full speed at the 30 °C top of the operating range");
  n.psus = spec(6.0, ds + ": 6 power supplies");
  n.psu_rating_w = spec(3000.0, ds + ": 3 kW each");
  n.psu_curve = "titanium-230v";
  n.cooling = Cooling::air;
  n.system_max_w = spec(6500.0, ds + ": 6.5 kW max");
  n.nic_bandwidth_bps = spec(200e9, ds + ": 8× ConnectX-6 at 200 Gb/s (compute fabric)");
  n.host_memory_bps = spec(410e9,
                           "AMD EPYC 7742: 8 channels DDR4-3200 per socket, 2 sockets = 2 × "
                           "204.8 GB/s");
  n.cpu_per_accelerator = cpu_per_accelerator_estimate();
  return n;
}

// NVIDIA DGX-1 with V100 (datasheet): 8× V100 SXM2 in a hybrid cube-mesh (no NVSwitch),
// 2× Xeon E5-2698 v4, 512 GB DDR4, 4× 100 Gb/s InfiniBand EDR, 3,500 W maximum. Budget at
// everything's maximum: 8 × 300 + 270 + 112 + 60 + 150 + 250 fans = 3,242 W DC, ~3.45 kW wall.
NodeType dgx1_v100() {
  NodeType n;
  n.id = "dgx-1";
  n.name = "NVIDIA DGX-1 (8× V100 SXM2)";
  n.accelerator = "v100-sxm2";
  const std::string ds = "NVIDIA DGX-1 with Tesla V100 datasheet";
  n.accelerators = spec(8.0, ds + ": 8× Tesla V100 SXM2");
  n.cpu_idle_w = estimate(80.0, "estimate: 2× Xeon E5-2698 v4 idling at ~40 W each");
  n.cpu_max_w = spec(270.0, ds + ": 2× Xeon E5-2698 v4, 135 W TDP each");
  n.dram_idle_w = estimate(40.0, "estimate: 512 GB as 16 × 32 GB DDR4 RDIMM at ~2.5 W idle");
  n.dram_max_w = estimate(112.0, "estimate: 16 DIMMs at ~7 W under load");
  n.nic_idle_w = estimate(40.0, "estimate: 4× ConnectX EDR adapters at ~10 W");
  n.nic_max_w = estimate(60.0, "estimate: 4 adapters at ~15 W with cables");
  n.other_idle_w = estimate(80.0, "estimate: 4× 1.92 TB SSD, BMC, board, PCIe switches");
  n.other_max_w = estimate(150.0, "estimate: as idle with PCIe switch traffic and VRM losses");
  n.fan_max_w = estimate(250.0, "estimate: 3U chassis fans at full speed");
  n.fan_min_speed = estimate(0.3, "estimate: firmware minimum fan duty");
  n.fan_low_c = estimate(20.0, "estimate: fans at minimum below 20 °C inlet");
  n.fan_high_c = estimate(30.0, "estimate: full speed at the 30 °C top of the 10–35 °C range");
  n.psus = spec(4.0, ds + ": 4 power supplies");
  n.psu_rating_w = estimate(1600.0, "estimate: 1.6 kW each (2+2 redundant for 3.2–3.5 kW)");
  n.psu_curve = "platinum-230v";
  n.cooling = Cooling::air;
  n.system_max_w = spec(3500.0, ds + ": 3,500 W max");
  n.nic_bandwidth_bps = spec(50e9, ds + ": 4× 100 Gb/s InfiniBand EDR");
  n.host_memory_bps = spec(154e9,
                           "Intel Xeon E5-2698 v4: 4 channels DDR4-2400 per socket, 2 sockets "
                           "= 2 × 76.8 GB/s");
  n.cpu_per_accelerator = cpu_per_accelerator_estimate();
  return n;
}

// NVIDIA DGX-2 (datasheet): 16× V100 SXM3 32GB on 12 NVSwitches, 2× Xeon Platinum 8168,
// 1.5 TB DDR4, 8× 100 Gb/s InfiniBand EDR, 10 kW maximum. Budget at everything's maximum:
// 16 × 350 + 410 + 336 + 160 + 1,500 + 1,300 fans = 9,306 W DC, ~9.9 kW wall.
NodeType dgx2() {
  NodeType n = dgx1_v100();
  n.id = "dgx-2";
  n.name = "NVIDIA DGX-2 (16× V100 SXM3)";
  n.accelerator = "v100-sxm3";
  const std::string ds = "NVIDIA DGX-2 datasheet";
  n.accelerators = spec(16.0, ds + ": 16× Tesla V100 32GB");
  n.cpu_idle_w = estimate(120.0, "estimate: 2× Xeon Platinum 8168 idling at ~60 W each");
  n.cpu_max_w = spec(410.0, ds + ": 2× Xeon Platinum 8168, 205 W TDP each");
  n.dram_idle_w = estimate(120.0, "estimate: 1.5 TB as 48 × 32 GB DDR4 RDIMM at ~2.5 W idle");
  n.dram_max_w = estimate(336.0, "estimate: 48 DIMMs at ~7 W under load");
  n.nic_idle_w = estimate(100.0, "estimate: 8× ConnectX EDR + 2 Ethernet adapters at ~10 W");
  n.nic_max_w = estimate(160.0, "estimate: 10 adapters at ~16 W with cables");
  n.other_idle_w = estimate(700.0,
                            "estimate: 12× NVSwitch at ~50 W idle (first-generation NVSwitch "
                            "100 W at full traffic, NVIDIA GTC 2018 via WikiChip), NVMe, BMC");
  n.other_max_w = estimate(1500.0, "estimate: 12 NVSwitches at ~100 W, NVMe, BMC, VRM losses");
  n.fan_max_w = estimate(1300.0, "estimate: 10U chassis fans at full speed");
  n.psus = spec(6.0, ds + ": 6 power supplies");
  n.psu_rating_w = estimate(3000.0, "estimate: 3 kW each");
  n.system_max_w = spec(10000.0, ds + ": 10 kW max");
  n.nic_bandwidth_bps = spec(100e9, ds + ": 8× 100 Gb/s InfiniBand EDR");
  n.host_memory_bps = spec(256e9,
                           "Intel Xeon Platinum 8168: 6 channels DDR4-2666 per socket, 2 sockets "
                           "= 2 × 128 GB/s");
  return n;
}

// Google TPU host: 4 chips per host VM (Cloud TPU docs), two server sockets, cold-plate chips
// (TPU v3 onwards are liquid cooled, Jouppi et al. 2020), fans for the rest of the board.
struct TpuHost {
  std::string id, chip;
  double cpu_max_w;        // two sockets (vCPU count per TPU docs)
  double system_max_w;     // estimate: sum of component maxima plus PSU loss
  double host_memory_bps;  // two sockets' DRAM channels
  std::string memory_why;
  double nic_bps;  // data-center network NICs
  Cooling cooling = Cooling::cold_plate;
  bool optical_ici = true;  // TPU v4 onwards: optical ICI transceivers on the host's board
};

NodeType tpu_host(const TpuHost& h) {
  NodeType n;
  n.id = h.id;
  n.name = "Google " + h.chip + " host (4 chips)";
  n.accelerator = h.chip;
  n.accelerators = spec(4.0, "Google Cloud TPU docs: 4 chips per host VM");
  n.cpu_idle_w = estimate(0.3 * h.cpu_max_w, "estimate: 30 % of max for two idle server sockets");
  n.cpu_max_w = estimate(h.cpu_max_w, "estimate: two server sockets (vCPU count per TPU docs)");
  n.dram_idle_w = estimate(40.0, "estimate: ~400 GB DDR4/5 at ~2.5 W per 32 GB DIMM idle");
  n.dram_max_w = estimate(140.0, "estimate: ~400 GB at ~9 W per DIMM under load");
  n.nic_idle_w = estimate(30.0, "estimate: data-center network NICs");
  n.nic_max_w = estimate(50.0, "estimate: data-center network NICs at full rate");
  if (h.optical_ici) {
    n.other_idle_w = estimate(100.0, "estimate: ICI optics, board, BMC, VRMs");
    n.other_max_w = estimate(250.0, "estimate: as idle at full ICI traffic and VRM losses");
  } else {
    // TPU v2/v3 pods are cabled electrically; optical ICI links and switches came with TPU v4
    // (Jouppi et al., ISCA 2023).
    n.other_idle_w = estimate(50.0, "estimate: board, BMC, drives, host VRMs (electrical ICI)");
    n.other_max_w = estimate(120.0, "estimate: as idle with the host VRM losses at full load");
  }
  n.fan_max_w =
      estimate(200.0, h.cooling == Cooling::cold_plate
                          ? "estimate: liquid-cooled chips; fans for the rest of the board"
                          : "estimate: air-cooled chips and board");
  n.fan_min_speed = estimate(0.3, "estimate: firmware minimum fan duty");
  n.fan_low_c = estimate(20.0, "estimate: fans at minimum below 20 °C inlet");
  n.fan_high_c = estimate(35.0, "estimate: full speed at 35 °C inlet");
  n.psus = estimate(2.0, "estimate: 2 power supplies");
  n.psu_rating_w = estimate(3000.0, "estimate: 3 kW each");
  n.psu_curve = "titanium-230v";
  n.cooling = h.cooling;
  n.system_max_w = estimate(h.system_max_w, "estimate: sum of component maxima plus PSU loss");
  n.nic_bandwidth_bps = estimate(h.nic_bps, "estimate: host data-center network links");
  n.host_memory_bps = estimate(h.host_memory_bps, h.memory_why);
  n.cpu_per_accelerator = cpu_per_accelerator_estimate();
  return n;
}

const sim::ModelDoc& node_doc_impl() {
  static const sim::ModelDoc doc = [] {
    std::string types;
    for (const auto& t : node_catalog()) types += (types.empty() ? "" : ", ") + t.id;
    return sim::ModelDoc{
        "node",
        "node",
        "Compute node from the catalog (" + types + ") with overrides",
        {{"type", "string", "", "catalog node type: " + types},
         {"model", "string", "operation",
          "operation (per-op accelerator power) | linear "
          "(P_idle + u·(P_max − P_idle), CloudSim baseline)"},
         {"accelerator", "string", "(from type)", "accelerator catalog id"},
         {"gpus", "integer", "(from type)", "accelerators per node"},
         {"gpu_power_cap", "W", "(TDP)", "power cap of each accelerator (<= TDP)"},
         {"calibration", "string", "none",
          "calibration file (joule-calibration/1, measured by kernels/) overriding the catalog's "
          "estimates; relative to the scenario; or the file's content inline as a map"},
         {"cooling", "string", "(from type)", "air | cold-plate (selects the die R_th)"},
         {"r_th", "K/W", "(from catalog)", "die-to-coolant thermal resistance"},
         {"throttle_temp", "degC", "(from catalog)", "die temperature above which clocks drop"},
         {"psu", "string", "(from type)",
          "80 PLUS curve of the node's supplies: titanium | platinum | gold (230 V internal "
          "redundant; models/power/psu.hpp)"},
         {"psus", "integer", "(from type)", "number of PSUs sharing the load"},
         {"psu_rating", "W", "(from type)", "rating of each PSU"},
         {"psu_loss_scale", "number", "1",
          "multiplies the PSU curve's loss 1/eta - 1 (below 1: supplies better than their 80 PLUS "
          "minimum)"},
         {"fan_max_power", "W", "(from type)", "all fans at full speed"},
         {"cpu_idle_power", "W", "(from type)", "all CPU sockets idle"},
         {"cpu_max_power", "W", "(from type)", "all CPU sockets fully loaded"},
         {"dram_idle_power", "W", "(from type)", "all DIMMs idle"},
         {"dram_max_power", "W", "(from type)", "all DIMMs fully loaded"},
         {"nic_idle_power", "W", "(from type)", "all NICs and DPUs idle, with their optics"},
         {"nic_max_power", "W", "(from type)", "all NICs and DPUs at full rate"},
         {"other_idle_power", "W", "(from type)",
          "switch chips, drives, BMC, board and VRMs with idle accelerators"},
         {"other_max_power", "W", "(from type)", "the same with the accelerators at TDP"},
         {"fan_min_speed", "number", "(from type)", "firmware minimum fan speed (0-1)"},
         {"cpu_per_accelerator", "number", "(from type)",
          "share of the CPUs one busy accelerator's job keeps busy (0-1)"},
         {"idle_power", "W", "(operation-model idle at 25 degC)", "linear model: idle wall power"},
         {"max_power", "W", "(system max)", "linear model: maximum wall power"}}};
  }();
  return doc;
}

const bool documented = (sim::model_docs().push_back(&node_doc_impl()), true);

}  // namespace

const std::vector<NodeType>& node_catalog() {
  static const std::string skylake_memory =
      "estimate: 2 Skylake-SP sockets × 6 channels DDR4-2666 (128 GB/s each)";
  static const std::vector<NodeType> catalog = {
      dgx_h100(), hgx_b200(), dgx_a100(), dgx1_v100(), dgx2(),
      // TPU v2/v3 VM: 96 vCPUs (2 sockets, ~165 W each est.); v3: 4 × 450 W + 330 + 140 + 50 +
      // 120 + 200 W fans = 2640 W DC, ~2.8 kW at the wall; v2 (280 W chips): ~1.7 kW. TPU v4 VM:
      // 240 vCPUs (2 sockets, ~280 W each est.); v5p VM: 208 vCPUs, 448 GB.
      tpu_host({"tpu-v2-host", "tpu-v2", 330.0, 1900.0, 256e9, skylake_memory, 25e9, Cooling::air,
                false}),
      tpu_host({"tpu-v3-host", "tpu-v3", 330.0, 2800.0, 256e9, skylake_memory, 25e9,
                Cooling::cold_plate, false}),
      tpu_host({"tpu-v4-host", "tpu-v4", 560.0, 2200.0, 410e9,
                "estimate: 2 sockets × 8 channels DDR4-3200 (204.8 GB/s each)", 50e9}),
      tpu_host({"tpu-v5p-host", "tpu-v5p", 600.0, 2900.0, 614e9,
                "estimate: 2 sockets × 8 channels DDR5-4800 (307 GB/s each)", 50e9})};
  return catalog;
}

HostUtilisation host_load(const NodeType& type, int busy, const OpRates& rates) {
  HostUtilisation u;
  const int n = static_cast<int>(type.accelerators.value);
  busy = std::clamp(busy, 0, n);
  if (busy == 0) return u;
  const double off_node_bps = busy * rates[Op::pcie];  // device ↔ host ↔ NIC
  const double copies =
      type.host_memory_bps.value > 0 ? off_node_bps / type.host_memory_bps.value : 0.0;
  u.cpu = std::clamp(type.cpu_per_accelerator.value * busy / n + copies, 0.0, 1.0);
  u.nic = type.nic_bandwidth_bps.value > 0
              ? std::clamp(off_node_bps / type.nic_bandwidth_bps.value, 0.0, 1.0)
              : 0.0;
  return u;
}

namespace {
std::deque<NodeType>& user_node_types() {
  static std::deque<NodeType> types;  // a deque: pointers stay valid as it grows
  return types;
}
}  // namespace

const NodeType* add_user_node_type(NodeType type) {
  user_node_types().push_back(std::move(type));
  return &user_node_types().back();
}

bool is_builtin_node_type(std::string_view id) {
  for (const auto& t : node_catalog())
    if (t.id == id) return true;
  return false;
}

const NodeType* find_node_type(std::string_view id) {
  const auto& user = user_node_types();
  for (auto it = user.rbegin(); it != user.rend(); ++it)
    if (it->id == id) return &*it;
  for (const auto& t : node_catalog())
    if (t.id == id) return &t;
  return nullptr;
}

std::vector<std::string> node_type_ids() {
  std::vector<std::string> out;
  for (const auto& t : node_catalog()) out.push_back(t.id);
  for (const auto& t : user_node_types())
    if (std::find(out.begin(), out.end(), t.id) == out.end()) out.push_back(t.id);
  return out;
}

const sim::ModelDoc& node_doc() {
  return node_doc_impl();
}

std::span<const NodeOverride> node_overrides() {
  static const NodeOverride overrides[] = {
      {"cpu_idle_power", "cpu_idle", "W", &NodeType::cpu_idle_w},
      {"cpu_max_power", "cpu_max", "W", &NodeType::cpu_max_w},
      {"dram_idle_power", "dram_idle", "W", &NodeType::dram_idle_w},
      {"dram_max_power", "dram_max", "W", &NodeType::dram_max_w},
      {"nic_idle_power", "nic_idle", "W", &NodeType::nic_idle_w},
      {"nic_max_power", "nic_max", "W", &NodeType::nic_max_w},
      {"other_idle_power", "other_idle", "W", &NodeType::other_idle_w},
      {"other_max_power", "other_max", "W", &NodeType::other_max_w},
      {"fan_min_speed", "fan_min_speed", "number", &NodeType::fan_min_speed},
      {"cpu_per_accelerator", "cpu_per_accelerator", "number", &NodeType::cpu_per_accelerator},
  };
  return overrides;
}

NodeSpec node_spec(const NodeType& type) {
  NodeSpec s;
  s.type = &type;
  s.accelerator = find_accelerator(type.accelerator);
  s.accelerators = static_cast<int>(type.accelerators.value);
  s.accelerator_settings.cooling = type.cooling;
  s.psu = NodePsu{&power::psu_curve(type.psu_curve), static_cast<int>(type.psus.value),
                  type.psu_rating_w.value};
  s.fan_max_w = type.fan_max_w.value;
  return s;
}

NodeSpec node_spec(const sim::ParamReader& r) {
  if (!r.has("type"))
    r.fail(
        "type", "is required (one of: " + [] {
          std::string v;
          for (const auto& id : node_type_ids()) v += (v.empty() ? "" : ", ") + id;
          return v;
        }() + ")");
  const std::string type_id = r.string("type");
  const NodeType* type = find_node_type(type_id);
  if (!type) r.choice("type", node_type_ids());  // throws: unknown value, did you mean, valid
  NodeSpec s = node_spec(*type);

  s.model = r.choice("model", {"operation", "linear"}) == "linear" ? NodePowerModel::linear
                                                                   : NodePowerModel::operation;
  if (r.has("accelerator")) {
    const std::string id = r.string("accelerator");
    if (!find_accelerator(id)) r.choice("accelerator", accelerator_ids());
    s.accelerator = find_accelerator(id);
  }
  if (r.has("gpus"))
    s.accelerators = static_cast<int>(r.integer("gpus", sim::Range::between(1, 64)));
  if (r.has("gpu_power_cap")) {
    const auto cap = r.quantity<sim::Watts>("gpu_power_cap", sim::Range::positive());
    if (cap.value() > s.accelerator->tdp_w.value)
      r.fail("gpu_power_cap", "must be <= the " + s.accelerator->id + " TDP of " +
                                  std::to_string(static_cast<int>(s.accelerator->tdp_w.value)) +
                                  " W, got " + std::to_string(cap.value()) + " W");
    s.accelerator_settings.power_cap = cap;
  }
  if (r.has("cooling"))
    s.accelerator_settings.cooling =
        r.choice("cooling", {"air", "cold-plate"}) == "air" ? Cooling::air : Cooling::cold_plate;
  if (r.has("r_th"))
    s.accelerator_settings.r_th = r.quantity<sim::KelvinsPerWatt>("r_th", sim::Range::positive());
  if (r.has("throttle_temp"))
    s.accelerator_settings.throttle_temp = r.celsius("throttle_temp", sim::Range::between(40, 150));
  if (r.has("psu")) {
    const std::string curve = r.choice(
        "psu", {"titanium", "platinum", "gold", "titanium-230v", "platinum-230v", "gold-230v"});
    s.psu.curve =
        &power::psu_curve(curve.find("-230v") == std::string::npos ? curve + "-230v" : curve);
  }
  if (r.has("psus")) s.psu.count = static_cast<int>(r.integer("psus", sim::Range::between(1, 64)));
  if (r.has("psu_rating"))
    s.psu.rating_w = r.quantity<sim::Watts>("psu_rating", sim::Range::positive()).value();
  if (r.has("psu_loss_scale"))
    s.psu.loss_scale = r.number("psu_loss_scale", sim::Range::non_negative());
  if (r.has("fan_max_power"))
    s.fan_max_w = r.quantity<sim::Watts>("fan_max_power", sim::Range::non_negative()).value();
  {
    // Catalog numbers set in the scenario: a copy of the type carries them, so that every reader
    // of the type (node power, the cold-plate fan share) sees the same numbers.
    NodeType own = *s.type;
    bool any = false;
    for (const NodeOverride& o : node_overrides()) {
      if (!r.has(o.key)) continue;
      const double v = std::string_view(o.unit) == "W"
                           ? r.quantity<sim::Watts>(o.key, sim::Range::non_negative()).value()
                           : r.number(o.key, sim::Range::unit_interval());
      own.*o.field =
          Sourced<double>{v, (own.*o.field).kind, std::string("scenario: cluster.node.") + o.key};
      any = true;
    }
    if (any) {
      for (const auto& [idle, max, name] :
           {std::tuple{&NodeType::cpu_idle_w, &NodeType::cpu_max_w, "cpu"},
            std::tuple{&NodeType::dram_idle_w, &NodeType::dram_max_w, "dram"},
            std::tuple{&NodeType::nic_idle_w, &NodeType::nic_max_w, "nic"},
            std::tuple{&NodeType::other_idle_w, &NodeType::other_max_w, "other"}})
        if ((own.*idle).value > (own.*max).value) {
          const auto watts = [](double w) {
            std::ostringstream o;
            o << w << " W";
            return o.str();
          };
          const std::string idle_key = std::string(name) + "_idle_power";
          const std::string max_key = std::string(name) + "_max_power";
          if (r.has(max_key))
            r.fail(max_key, "must be >= " + idle_key + " (" + watts((own.*idle).value) + "), got " +
                                watts((own.*max).value));
          r.fail(idle_key, "must be <= " + max_key + " (" + watts((own.*max).value) + "), got " +
                               watts((own.*idle).value));
        }
      s.overridden_type = std::make_shared<const NodeType>(std::move(own));
      s.type = s.overridden_type.get();
    }
  }
  if (r.has("idle_power"))
    s.linear_idle = r.quantity<sim::Watts>("idle_power", sim::Range::non_negative());
  if (r.has("max_power"))
    s.linear_max = r.quantity<sim::Watts>("max_power", sim::Range::positive());
  if (s.model == NodePowerModel::linear && s.linear_idle && s.linear_max &&
      *s.linear_max < *s.linear_idle)
    r.fail("max_power", "must be >= idle_power");
  if (s.accelerator_settings.r_th) {
    const double coupling = s.accelerator->idle_w.value * s.accelerator->leakage_per_kelvin.value *
                            s.accelerator_settings.r_th->value();
    if (coupling >= 1.0)
      r.fail("r_th", "is so large that leakage would run away (idle·λ·R_th >= 1)");
  }
  return s;
}

Node::Node(const NodeSpec& spec) : Node(spec, default_calibration(*spec.accelerator)) {}

Node::Node(const NodeSpec& spec, const Calibration& calibration)
    : spec_(spec), accel_(*spec.accelerator, calibration, spec.accelerator_settings) {
  if (spec_.model == NodePowerModel::linear) {
    NodeSpec op = spec_;
    op.model = NodePowerModel::operation;
    linear_idle_w_ =
        spec_.linear_idle ? spec_.linear_idle->value() : Node(op, calibration).idle(25.0).wall_w;
    linear_max_w_ = spec_.linear_max ? spec_.linear_max->value() : spec_.type->system_max_w.value;
  }
}

double Node::fan_speed(double inlet_c, double heat_fraction) const {
  const NodeType& t = *spec_.type;
  const double v_min = t.fan_min_speed.value;
  const double ramp = std::clamp(
      (inlet_c - t.fan_low_c.value) / (t.fan_high_c.value - t.fan_low_c.value), 0.0, 1.0);
  const double v_inlet = v_min + (1.0 - v_min) * ramp;
  const double v_heat = v_min + (1.0 - v_min) * std::clamp(heat_fraction, 0.0, 1.0);
  return std::max(v_inlet, v_heat);
}

NodePower Node::evaluate(const NodeLoad& load, double inlet_c) const {
  if (spec_.model == NodePowerModel::operation) return evaluate_operation(load, inlet_c);
  NodePower out;
  const double u =
      load.utilization >= 0
          ? std::clamp(load.utilization, 0.0, 1.0)
          : static_cast<double>(std::clamp(load.busy_accelerators, 0, spec_.accelerators)) /
                spec_.accelerators;
  out.other_w = linear_idle_w_ + u * (linear_max_w_ - linear_idle_w_);
  out.wall_w = out.other_w;
  out.busy.clock_fraction = out.idle.clock_fraction = 1.0;
  return out;
}

double Node::coolant_c(double inlet_c) const {
  // Cold-plate accelerators run on the liquid plant's coolant when it has one.
  return spec_.accelerator_settings.cooling == Cooling::cold_plate && spec_.coolant_c
             ? *spec_.coolant_c
             : inlet_c;
}

NodePower Node::evaluate_operation(const NodeLoad& load, double inlet_c) const {
  NodePower out;
  const int n = spec_.accelerators;
  const int busy = std::clamp(load.busy_accelerators, 0, n);
  const double coolant = coolant_c(inlet_c);
  out.idle = accel_.idle(coolant);
  if (busy > 0) out.busy = accel_.evaluate(load.per_accelerator, coolant, true);
  out.accelerators_w = busy * out.busy.power_w + (n - busy) * out.idle.power_w;
  add_host(out, load.cpu_util, load.nic_util, inlet_c);
  return out;
}

NodePower Node::evaluate_shared(std::span<const Group> groups, double cpu_util, double nic_util,
                                double inlet_c) const {
  if (spec_.model != NodePowerModel::operation)
    throw std::logic_error("Node::evaluate_shared: operation node model only");
  NodePower out;
  const int n = spec_.accelerators;
  out.idle = accel_.idle(coolant_c(inlet_c));
  int busy = 0;
  bool first = true;
  for (const auto& g : groups) {
    if (g.count <= 0) continue;
    busy += g.count;
    out.accelerators_w += g.count * g.state.power_w;
    if (first || g.state.clock_fraction < out.busy.clock_fraction) out.busy = g.state;
    first = false;
  }
  if (busy > n)
    throw std::logic_error("Node::evaluate_shared: " + std::to_string(busy) +
                           " busy accelerators on a node of " + std::to_string(n));
  out.accelerators_w += (n - busy) * out.idle.power_w;
  add_host(out, cpu_util, nic_util, inlet_c);
  return out;
}

void Node::add_host(NodePower& out, double cpu_util, double nic_util, double inlet_c) const {
  const NodeType& t = *spec_.type;
  const int n = spec_.accelerators;
  const double u_cpu = std::clamp(cpu_util, 0.0, 1.0);
  const double u_nic = std::clamp(nic_util, 0.0, 1.0);
  const double accel_idle_w = n * accel_.idle_power_w(), accel_max_w = n * accel_.tdp_w();
  const double activity =
      std::clamp((out.accelerators_w - accel_idle_w) / (accel_max_w - accel_idle_w), 0.0, 1.0);
  out.cpu_w = t.cpu_idle_w.value + u_cpu * (t.cpu_max_w.value - t.cpu_idle_w.value);
  out.dram_w = t.dram_idle_w.value + u_cpu * (t.dram_max_w.value - t.dram_idle_w.value);
  out.nic_w = t.nic_idle_w.value + u_nic * (t.nic_max_w.value - t.nic_idle_w.value);
  out.other_w = t.other_idle_w.value + activity * (t.other_max_w.value - t.other_idle_w.value);

  const double rest_idle_w = accel_idle_w + t.cpu_idle_w.value + t.dram_idle_w.value +
                             t.nic_idle_w.value + t.other_idle_w.value;
  const double rest_max_w = accel_max_w + t.cpu_max_w.value + t.dram_max_w.value +
                            t.nic_max_w.value + t.other_max_w.value;
  const double rest_w = out.accelerators_w + out.cpu_w + out.dram_w + out.nic_w + out.other_w;
  out.fan_speed = fan_speed(inlet_c, (rest_w - rest_idle_w) / (rest_max_w - rest_idle_w));
  out.fans_w = spec_.fan_max_w * out.fan_speed * out.fan_speed * out.fan_speed;

  out.psu_loss_w = spec_.psu.loss_w(out.dc_w());
  out.wall_w = out.dc_w() + out.psu_loss_w;
}

std::vector<CatalogField> catalog_fields(const NodeType& t) {
  return {{"accelerators", &t.accelerators, ""},
          {"cpu_idle", &t.cpu_idle_w, "W"},
          {"cpu_max", &t.cpu_max_w, "W"},
          {"dram_idle", &t.dram_idle_w, "W"},
          {"dram_max", &t.dram_max_w, "W"},
          {"nic_idle", &t.nic_idle_w, "W"},
          {"nic_max", &t.nic_max_w, "W"},
          {"other_idle", &t.other_idle_w, "W"},
          {"other_max", &t.other_max_w, "W"},
          {"fan_max", &t.fan_max_w, "W"},
          {"fan_min_speed", &t.fan_min_speed, ""},
          {"fan_low", &t.fan_low_c, "degC"},
          {"fan_high", &t.fan_high_c, "degC"},
          {"psus", &t.psus, ""},
          {"psu_rating", &t.psu_rating_w, "W"},
          {"system_max", &t.system_max_w, "W"},
          {"nic_bandwidth", &t.nic_bandwidth_bps, "B/s"},
          {"host_memory_bw", &t.host_memory_bps, "B/s"},
          {"cpu_per_accel", &t.cpu_per_accelerator, ""}};
}

void print_node_catalog(std::ostream& out) {
  for (const auto& t : node_catalog()) {
    out << t.id << "  (" << t.name << "; " << t.accelerator << ", " << to_string(t.cooling)
        << ", PSU " << t.psu_curve << ")\n";
    for (const auto& f : catalog_fields(t))
      out << "    " << std::left << std::setw(16) << f.name << std::right << std::setw(10)
          << f.value->value << ' ' << std::left << std::setw(6) << f.unit << std::setw(12)
          << to_string(f.value->kind) << f.value->source << '\n';
  }
}

}  // namespace joule::models::compute
