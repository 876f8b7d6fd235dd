// Accelerator catalog: numbers, sources and the derivation of every estimate.
//
// How the default energies are estimated (no calibration measurement exists yet):
//   The anchor is the "reference training mix": dense BF16 at 45 % MFU plus HBM traffic at 40 %
//   of peak bandwidth, with a live context. Its power must sit just below TDP, as measured on
//   training nodes (a DGX H100 peaks at ~8.4 kW in training, GPUs ~600–700 W each):
//     P_mix = P_context + e_bf16·0.45·peak_bf16 + e_hbm·0.40·peak_hbm
//   e_hbm is set first from the memory technology (HBM3 ≈ 3.5–4 pJ/bit at the DRAM and PHY, i.e.
//   ≈ 30 pJ/B, roughly doubled by the controller, network-on-chip and L2 fills ⇒ 60 pJ/B on
//   H100; within the 30–150 pJ/B sanity bound), then e_bf16 fills the rest of the budget.
//   Other precisions follow from their rates at comparable power (TF32 runs at half the BF16
//   rate ⇒ ≈ 2·e_bf16; FP8 at twice the rate ⇒ ≈ 0.58·e_bf16 so FP8 GEMMs run near the cap, as
//   observed). Tensor energies are board level and include GEMM operand staging through
//   shared memory and L2; the l2/smem energies count only traffic beyond that.
//   DVFS: P(f) = β·f³ + τ·f + P_const through (f_nom, TDP) with P_const = idle and a 60 % cubic
//   share at nominal (V ∝ f in the upper DVFS range, AccelWattch, Kandiah et al. MICRO 2021).
//   Die-to-coolant resistance: the die sits 45 K above inlet air at TDP when air-cooled, 25 K
//   above supply water with a cold plate (estimates: DGX H100 GPUs run ~65–75 °C at 25 °C inlet).
#include "models/compute/accelerator_catalog.hpp"

#include <algorithm>
#include <deque>
#include <iomanip>
#include <ostream>

namespace joule::models::compute {

namespace {

constexpr double tera = 1e12, giga = 1e9, pico = 1e-12, mega = 1e6;

std::size_t idx(Op op) {
  return static_cast<std::size_t>(op);
}

// DVFS estimate: β·f³ + τ·f = TDP − idle at f_nom, cubic share 60 %.
void dvfs_estimate(AcceleratorSpec& c) {
  const double f_ghz = c.nominal_clock_hz.value / giga;
  const double dyn_w = c.tdp_w.value - c.idle_w.value;
  const std::string why =
      "estimate: fit through (f_nom, TDP) with P_const = idle and a 60 % "
      "cubic share at nominal; dynamic = TDP − idle = " +
      std::to_string(static_cast<int>(dyn_w)) + " W";
  c.beta_w_per_ghz3 = estimate(0.6 * dyn_w / (f_ghz * f_ghz * f_ghz), why);
  c.tau_w_per_ghz = estimate(0.4 * dyn_w / f_ghz, why);
  c.p_const_w = estimate(c.idle_w.value, "estimate: P_const = idle power");
}

// Inlet air of the idle readings: not recorded with them; taken as Joule's default CRAH supply
// air (cooling.supply_air, 22 degC), so an idle device in the default hall draws its idle power.
constexpr double idle_reading_inlet_c = 22.0;

void common_thermal(AcceleratorSpec& c) {
  c.r_th_air_k_per_w = estimate(45.0 / c.tdp_w.value, "estimate: die 45 K above inlet air at TDP");
  c.r_th_cold_plate_k_per_w =
      estimate(25.0 / c.tdp_w.value, "estimate: die 25 K above supply water at TDP");
  // T_ref is the die temperature of the idle reading, so it must be the model's own idle die
  // temperature there: T_die = T_inlet + R_th,air·P_idle (accelerator.hpp). Then the leakage
  // term vanishes at idle and an idle device draws exactly P_idle at that inlet.
  c.reference_temp_c = estimate(
      idle_reading_inlet_c + c.r_th_air_k_per_w.value * c.idle_w.value,
      "estimate: the model's idle die temperature, 22 degC inlet air + R_th,air x idle power");
  c.leakage_per_kelvin =
      estimate(0.008,
               "estimate: 0.8 %/K linearized leakage growth (leakage roughly doubles "
               "per 60–90 K), as in the example calibration file");
}

Sourced<double> none(const std::string& why) {
  return spec(0.0, why);
}
Sourced<double> pj(double v, const std::string& why) {
  return estimate(v * pico, why);
}

AcceleratorSpec h100() {
  AcceleratorSpec c;
  c.id = "h100-sxm";
  c.name = "NVIDIA H100 SXM5 80GB";
  const std::string ds = "NVIDIA H100 Tensor Core GPU datasheet (SXM5), dense";
  c.peak[idx(Op::tensor_fp64)] = spec(67 * tera, ds);
  c.peak[idx(Op::tensor_tf32)] = spec(494.7 * tera, ds);
  c.peak[idx(Op::tensor_bf16)] = spec(989.4 * tera, ds);
  c.peak[idx(Op::tensor_fp16)] = spec(989.4 * tera, ds);
  c.peak[idx(Op::tensor_fp8)] = spec(1978.9 * tera, ds);
  c.peak[idx(Op::tensor_int8)] = spec(1978.9 * tera, ds + ": INT8 3,958 TOPS with sparsity");
  c.peak[idx(Op::tensor_fp4)] = none("not supported on Hopper (FP4 tensor cores from Blackwell)");
  c.peak[idx(Op::vector_fp32)] = spec(66.9 * tera, ds);
  c.peak[idx(Op::hbm)] = spec(3.35 * tera, ds + " (HBM3)");
  c.peak[idx(Op::l2)] = none("not catalogued");
  c.peak[idx(Op::smem)] = none("not catalogued");
  c.peak[idx(Op::nvlink)] = spec(450 * giga, ds + ": NVLink 900 GB/s bidirectional, 450 sent");
  c.peak[idx(Op::pcie)] = spec(64 * giga, "PCIe Gen5 x16, per direction");
  c.hbm_capacity_b = spec(80 * giga, ds);
  c.interconnect_bidir_bps = spec(900 * giga, ds + " (NVLink 4)");
  c.tdp_w = spec(700.0, ds + ": max TDP up to 700 W");
  c.idle_w = measured(70.0, "measured idle without context 67–71 W (docs/design.md §8)");
  c.context_w = measured(145.0, "measured idle with a live context ~145 W (docs/design.md §8)");
  c.nominal_clock_hz = spec(1980 * mega, "H100 SXM5 max boost clock 1980 MHz");
  c.min_clock_hz = estimate(990 * mega, "estimate: cap governor floor ≈ half the boost clock");
  // Reference mix: 145 + e_bf16·445 TFLOP/s + 60 pJ/B·1.34 TB/s = 145 + 423 + 80 = 648 W with
  // e_bf16 = 0.95 pJ/FLOP (601 W at 40 % MFU, 695 W at 50 %); ≥ 0.71 pJ/FLOP board-level bound.
  const std::string mix = "estimate: reference mix 45 % MFU + 40 % HBM ⇒ 648 W (600–700 W)";
  c.energy_j[idx(Op::tensor_bf16)] = pj(0.95, mix);
  c.energy_j[idx(Op::tensor_fp16)] = pj(0.95, "estimate: same datapath and rate as BF16");
  c.energy_j[idx(Op::tensor_fp8)] =
      pj(0.55, "estimate: 0.58·e_bf16; FP8 at 45 % MFU ⇒ 145 + 490 + 80 = 715 W, at the cap");
  c.energy_j[idx(Op::tensor_int8)] = pj(0.55, "estimate: as FP8 (same rate, 8-bit operands)");
  c.energy_j[idx(Op::tensor_fp4)] = pj(0.0, "not supported on Hopper");
  c.energy_j[idx(Op::tensor_tf32)] = pj(1.9, "estimate: half the BF16 rate at similar power");
  c.energy_j[idx(Op::tensor_fp64)] =
      pj(7.5, "estimate: DGEMM at 90 % of 67 TFLOP/s ⇒ 145 + 452 = 597 W, below TDP");
  c.energy_j[idx(Op::vector_fp32)] =
      pj(5.0, "estimate: FFMA-bound at 67 TFLOP/s ⇒ 145 + 335 = 480 W, below TDP");
  c.energy_j[idx(Op::hbm)] = pj(60, "estimate: HBM3 ≈ 30 pJ/B at DRAM+PHY, ×2 for controller/NoC");
  c.energy_j[idx(Op::l2)] = pj(15, "estimate: on-chip SRAM + wires (example calibration)");
  c.energy_j[idx(Op::smem)] = pj(5, "estimate: SRAM access (example calibration)");
  c.energy_j[idx(Op::nvlink)] = pj(10.4, "estimate: NVLink ~1.3 pJ/bit (docs/design.md §8)");
  c.energy_j[idx(Op::pcie)] = pj(40, "estimate: PCIe Gen5 ~5 pJ/bit PHY + controller");
  c.throttle_temp_c = estimate(87.0,
                               "estimate: 'GPU Max Operating Temp' 87 C as nvidia-smi "
                               "reports it for H100 SXM (not a datasheet value)");
  c.gemm_efficiency =
      measured(0.79,
               "measured: 780 TFLOP/s of 989 in a BF16 torch.mm (4224×8192×2048) on H100 SXM "
               "(H. He, 'H100 peak matmul FLOPS', "
               "gist.github.com/Chillee/2ec89696db8b7ed1c24461159e325405)");
  dvfs_estimate(c);
  common_thermal(c);
  return c;
}

AcceleratorSpec h200() {
  AcceleratorSpec c = h100();
  c.id = "h200";
  c.name = "NVIDIA H200 SXM 141GB";
  const std::string ds = "NVIDIA H200 Tensor Core GPU datasheet (SXM), dense";
  for (Op op : {Op::tensor_fp64, Op::tensor_tf32, Op::tensor_bf16, Op::tensor_fp16, Op::tensor_fp8,
                Op::tensor_int8, Op::vector_fp32})
    c.peak[idx(op)].source = ds + " (same GH100 compute as H100)";
  c.peak[idx(Op::hbm)] = spec(4.8 * tera, ds + " (HBM3e)");
  c.hbm_capacity_b = spec(141 * giga, ds);
  c.tdp_w = spec(700.0, ds + ": max TDP up to 700 W");
  c.idle_w = measured(75.0, "measured idle without context 73–76 W (docs/design.md §8)");
  c.context_w = estimate(150.0, "estimate: H100's 145 W + 5 W for the larger HBM3e stacks");
  c.gemm_efficiency = estimate(0.79, "estimate: the H100's measured GEMM share (same GH100 die)");
  // Reference mix: 150 + 423 + 55 pJ/B·1.92 TB/s (106) = 679 W.
  c.energy_j[idx(Op::hbm)] =
      pj(55, "estimate: HBM3e ~10 % below HBM3 per bit; reference mix ⇒ 679 W");
  dvfs_estimate(c);
  common_thermal(c);
  return c;
}

AcceleratorSpec a100() {
  AcceleratorSpec c;
  c.id = "a100-sxm-80gb";
  c.name = "NVIDIA A100 SXM4 80GB";
  const std::string ds = "NVIDIA A100 Tensor Core GPU datasheet (SXM4 80GB), dense";
  c.peak[idx(Op::tensor_fp64)] = spec(19.5 * tera, ds);
  c.peak[idx(Op::tensor_tf32)] = spec(156 * tera, ds);
  c.peak[idx(Op::tensor_bf16)] = spec(312 * tera, ds);
  c.peak[idx(Op::tensor_fp16)] = spec(312 * tera, ds);
  c.peak[idx(Op::tensor_fp8)] = none("not supported on A100");
  c.peak[idx(Op::tensor_int8)] = spec(624 * tera, ds + ": INT8 624 TOPS (1,248 with sparsity)");
  c.peak[idx(Op::tensor_fp4)] = none("not supported on A100");
  c.peak[idx(Op::vector_fp32)] = spec(19.5 * tera, ds);
  c.peak[idx(Op::hbm)] = spec(2.039 * tera, ds + " (HBM2e)");
  c.peak[idx(Op::l2)] = none("not catalogued");
  c.peak[idx(Op::smem)] = none("not catalogued");
  c.peak[idx(Op::nvlink)] = spec(300 * giga, ds + ": NVLink 600 GB/s bidirectional, 300 sent");
  c.peak[idx(Op::pcie)] = spec(32 * giga, "PCIe Gen4 x16, per direction");
  c.hbm_capacity_b = spec(80 * giga, ds);
  c.interconnect_bidir_bps = spec(600 * giga, ds + " (NVLink 3)");
  c.tdp_w = spec(400.0, ds + ": max TDP 400 W");
  c.idle_w = measured(46.0, "measured idle without context 42–51 W (docs/design.md §8), midpoint");
  c.context_w = estimate(85.0, "estimate: context roughly doubles idle, as on H100 (70→145 W)");
  c.nominal_clock_hz = spec(1410 * mega, "A100 SXM4 boost clock 1410 MHz");
  c.min_clock_hz = estimate(705 * mega, "estimate: cap governor floor ≈ half the boost clock");
  // Reference mix: 85 + 1.45 pJ·140 TFLOP/s (203) + 70 pJ/B·0.82 TB/s (57) = 345 W
  // (322 W at 40 % MFU, 368 W at 50 %), below the 400 W TDP as A100 training runs.
  c.energy_j[idx(Op::tensor_bf16)] = pj(1.45, "estimate: reference mix ⇒ 345 W of 400 W TDP");
  c.energy_j[idx(Op::tensor_fp16)] = pj(1.45, "estimate: same datapath and rate as BF16");
  c.energy_j[idx(Op::tensor_fp8)] = pj(0.0, "not supported on A100");
  c.energy_j[idx(Op::tensor_int8)] =
      pj(0.84, "estimate: 0.58·e_bf16, H100's FP8/BF16 ratio at twice the BF16 rate");
  c.energy_j[idx(Op::tensor_fp4)] = pj(0.0, "not supported on A100");
  c.energy_j[idx(Op::tensor_tf32)] = pj(2.9, "estimate: half the BF16 rate at similar power");
  c.energy_j[idx(Op::tensor_fp64)] =
      pj(14, "estimate: DGEMM at 90 % of 19.5 TFLOP/s ⇒ 85 + 246 = 331 W");
  c.energy_j[idx(Op::vector_fp32)] =
      pj(11, "estimate: FFMA-bound at 19.5 TFLOP/s ⇒ 85 + 215 = 300 W");
  c.energy_j[idx(Op::hbm)] = pj(70, "estimate: HBM2e, 7 nm controller; 30–150 pJ/B bound");
  c.energy_j[idx(Op::l2)] = pj(18, "estimate: 1.2× H100 (7 nm vs 4N)");
  c.energy_j[idx(Op::smem)] = pj(6, "estimate: 1.2× H100 (7 nm vs 4N)");
  c.energy_j[idx(Op::nvlink)] = pj(12, "estimate: NVLink 3 ~1.5 pJ/bit");
  c.energy_j[idx(Op::pcie)] = pj(48, "estimate: PCIe Gen4 ~6 pJ/bit PHY + controller");
  c.throttle_temp_c = estimate(85.0, "estimate: A100 'GPU Max Operating Temp' ~85 C");
  dvfs_estimate(c);
  common_thermal(c);
  return c;
}

AcceleratorSpec b200() {
  AcceleratorSpec c;
  c.id = "b200";
  c.name = "NVIDIA B200 (HGX, 1000 W)";
  const std::string ds = "NVIDIA HGX B200 datasheet, per GPU, dense";
  c.peak[idx(Op::tensor_fp64)] = spec(40 * tera, ds);
  c.peak[idx(Op::tensor_tf32)] = spec(1.1e15, ds);
  c.peak[idx(Op::tensor_bf16)] = spec(2.25e15, ds);
  c.peak[idx(Op::tensor_fp16)] = spec(2.25e15, ds);
  c.peak[idx(Op::tensor_fp8)] = spec(4.5e15, ds);
  c.peak[idx(Op::tensor_int8)] = spec(4.5e15, ds + ": INT8 72 POPS per 8 GPUs with sparsity");
  c.peak[idx(Op::tensor_fp4)] = spec(9e15, ds + ": FP4 144 PFLOPS per 8 GPUs with sparsity");
  c.peak[idx(Op::vector_fp32)] =
      estimate(75 * tera, "estimate: ≈ 2 dies × H100-class FP32 at lower clock; not in table");
  c.peak[idx(Op::hbm)] = spec(8 * tera, ds + " (HBM3e, ~8 TB/s)");
  c.peak[idx(Op::l2)] = none("not catalogued");
  c.peak[idx(Op::smem)] = none("not catalogued");
  c.peak[idx(Op::nvlink)] = spec(900 * giga, ds + ": NVLink 5 1.8 TB/s bidirectional, 900 sent");
  c.peak[idx(Op::pcie)] = estimate(64 * giga, "estimate: PCIe Gen5 x16 to the host, per direction");
  c.hbm_capacity_b = spec(180 * giga, "DGX B200 datasheet: 1,440 GB over 8 GPUs");
  c.interconnect_bidir_bps = spec(1800 * giga, ds + " (NVLink 5)");
  c.tdp_w = spec(1000.0, "docs/design.md §8: B200 (HGX) 1000 W");
  c.idle_w = estimate(130.0,
                      "estimate: two dies, ≈ 2× H100 idle minus shared I/O (no published "
                      "measurement)");
  c.context_w = estimate(250.0, "estimate: context roughly doubles idle, as on H100");
  c.nominal_clock_hz = estimate(1965 * mega, "estimate: boost clock not in the datasheet");
  c.min_clock_hz = estimate(980 * mega, "estimate: cap governor floor ≈ half the boost clock");
  // FLOP/J at TDP: B200 2.25 PF/1000 W = 2.25 TF/W vs H100 1.41 TF/W ⇒ e ≈ 0.95/1.6 ≈ 0.6; a
  // little lower so the reference mix stays under TDP: 250 + 0.55 pJ·1.01 PFLOP/s (557) +
  // 45 pJ/B·3.2 TB/s (144) = 951 W (895 W at 40 % MFU; at 50 % the 1000 W cap binds).
  c.energy_j[idx(Op::tensor_bf16)] = pj(0.55, "estimate: reference mix ⇒ 951 W of 1000 W TDP");
  c.energy_j[idx(Op::tensor_fp16)] = pj(0.55, "estimate: same datapath and rate as BF16");
  c.energy_j[idx(Op::tensor_fp8)] = pj(0.32, "estimate: 0.58·e_bf16, as for H100");
  c.energy_j[idx(Op::tensor_int8)] = pj(0.32, "estimate: as FP8 (same rate, 8-bit operands)");
  c.energy_j[idx(Op::tensor_fp4)] =
      pj(0.19, "estimate: 0.58·e_fp8, the FP8/BF16 ratio again at twice the FP8 rate");
  c.energy_j[idx(Op::tensor_tf32)] = pj(1.1, "estimate: half the BF16 rate at similar power");
  c.energy_j[idx(Op::tensor_fp64)] = pj(7.5, "estimate: as H100 (same process family)");
  c.energy_j[idx(Op::vector_fp32)] = pj(5.0, "estimate: as H100 (same process family)");
  c.energy_j[idx(Op::hbm)] = pj(45, "estimate: HBM3e at 8 TB/s, ~25 % below H100's HBM3");
  c.energy_j[idx(Op::l2)] = pj(15, "estimate: as H100");
  c.energy_j[idx(Op::smem)] = pj(5, "estimate: as H100");
  c.energy_j[idx(Op::nvlink)] = pj(10.4, "estimate: NVLink ~1.3 pJ/bit (docs/design.md §8)");
  c.energy_j[idx(Op::pcie)] = pj(40, "estimate: PCIe Gen5 ~5 pJ/bit PHY + controller");
  c.throttle_temp_c = estimate(87.0, "estimate: as H100");
  dvfs_estimate(c);
  common_thermal(c);
  return c;
}

AcceleratorSpec v100() {
  AcceleratorSpec c;
  c.id = "v100-sxm2";
  c.name = "NVIDIA V100 SXM2 32GB";
  const std::string ds = "NVIDIA Tesla V100 datasheet (SXM2)";
  c.peak[idx(Op::tensor_fp64)] =
      spec(7.8 * tera, ds + ": FP64 on CUDA cores (no FP64 tensor cores; this class counts all "
                            "FP64 FLOPs)");
  c.peak[idx(Op::tensor_tf32)] = none("not supported on V100");
  c.peak[idx(Op::tensor_bf16)] = none("not supported on V100 (use tensor_fp16)");
  c.peak[idx(Op::tensor_fp16)] = spec(125 * tera, ds + ": 125 TFLOPS tensor (FP16)");
  c.peak[idx(Op::tensor_fp8)] = none("not supported on V100");
  c.peak[idx(Op::tensor_int8)] = none("no INT8 tensor cores on Volta (from Turing on)");
  c.peak[idx(Op::tensor_fp4)] = none("not supported on V100");
  c.peak[idx(Op::vector_fp32)] = spec(15.7 * tera, ds);
  c.peak[idx(Op::hbm)] = spec(900 * giga, ds + " (HBM2)");
  c.peak[idx(Op::l2)] = none("not catalogued");
  c.peak[idx(Op::smem)] = none("not catalogued");
  c.peak[idx(Op::nvlink)] = spec(150 * giga, ds + ": NVLink 300 GB/s bidirectional, 150 sent");
  c.peak[idx(Op::pcie)] = spec(16 * giga, "PCIe Gen3 x16, per direction");
  c.hbm_capacity_b = spec(32 * giga, ds);
  c.interconnect_bidir_bps = spec(300 * giga, ds + " (NVLink 2)");
  c.tdp_w = spec(300.0, ds + ": 300 W");
  c.idle_w = estimate(40.0, "estimate: V100 SXM2 idles at ~35–45 W in nvidia-smi logs");
  c.context_w = estimate(55.0, "estimate: idle + ~15 W with clocks held up");
  c.nominal_clock_hz = spec(1530 * mega, ds + ": boost clock 1530 MHz");
  c.min_clock_hz = estimate(765 * mega, "estimate: cap governor floor ≈ half the boost clock");
  // Reference mix (FP16): 55 + 3.0 pJ·56 TFLOP/s (169) + 90 pJ/B·0.36 TB/s (32) = 256 W
  // (237 W at 40 % MFU, 275 W at 50 %); 125 TF/300 W is 3.4× fewer FLOP/J than H100.
  c.energy_j[idx(Op::tensor_bf16)] = pj(0.0, "not supported on V100");
  c.energy_j[idx(Op::tensor_fp16)] = pj(3.0, "estimate: reference mix ⇒ 256 W of 300 W TDP");
  c.energy_j[idx(Op::tensor_fp8)] = pj(0.0, "not supported on V100");
  c.energy_j[idx(Op::tensor_int8)] = pj(0.0, "not supported on V100");
  c.energy_j[idx(Op::tensor_fp4)] = pj(0.0, "not supported on V100");
  c.energy_j[idx(Op::tensor_tf32)] = pj(0.0, "not supported on V100");
  c.energy_j[idx(Op::tensor_fp64)] =
      pj(25, "estimate: DGEMM at 90 % of 7.8 TFLOP/s ⇒ 55 + 176 = 231 W");
  c.energy_j[idx(Op::vector_fp32)] =
      pj(14, "estimate: FFMA-bound at 15.7 TFLOP/s ⇒ 55 + 220 = 275 W");
  c.energy_j[idx(Op::hbm)] = pj(90, "estimate: HBM2, 12 nm controller; 30–150 pJ/B bound");
  c.energy_j[idx(Op::l2)] = pj(25, "estimate: 12 nm SRAM");
  c.energy_j[idx(Op::smem)] = pj(8, "estimate: 12 nm SRAM");
  c.energy_j[idx(Op::nvlink)] = pj(16, "estimate: NVLink 2 ~2 pJ/bit");
  c.energy_j[idx(Op::pcie)] = pj(56, "estimate: PCIe Gen3 ~7 pJ/bit PHY + controller");
  c.throttle_temp_c = estimate(83.0, "estimate: V100 'GPU Max Operating Temp' ~83 C");
  c.gemm_efficiency = measured(
      0.66,
      "measured: cuBLAS mixed-precision GEMM up to 83 of 125 TFLOP/s on Tesla V100 (Markidis, "
      "Chien, Laure, Peng, Vetter, 'NVIDIA Tensor Core Programmability, Performance & "
      "Precision', IPDPSW 2018, arXiv 1803.04014, abstract)");
  dvfs_estimate(c);
  common_thermal(c);
  return c;
}

// V100 SXM3 32GB (DGX-2, HGX-2): the V100 SXM2 die at a 350 W board limit.
AcceleratorSpec v100_sxm3() {
  AcceleratorSpec c = v100();
  c.id = "v100-sxm3";
  c.name = "NVIDIA V100 SXM3 32GB";
  const std::string ds = "NVIDIA DGX-2 datasheet: 16× Tesla V100 32GB (SXM3)";
  c.tdp_w = spec(350.0, ds + ", 350 W each");
  c.peak[idx(Op::tensor_fp16)] = spec(125 * tera, "NVIDIA Tesla V100 datasheet: 125 TFLOPS");
  dvfs_estimate(c);
  common_thermal(c);
  return c;
}

AcceleratorSpec tpu(const std::string& id, const std::string& name) {
  AcceleratorSpec c;
  c.id = id;
  c.name = name;
  for (Op op : {Op::tensor_fp64, Op::tensor_tf32, Op::tensor_fp16, Op::tensor_fp8, Op::tensor_int8,
                Op::tensor_fp4})
    c.peak[idx(op)] = none("not supported by the MXU");
  c.peak[idx(Op::vector_fp32)] = none("not catalogued");
  c.peak[idx(Op::l2)] = none("no L2 on TPUs");
  c.peak[idx(Op::smem)] = none("not catalogued (CMEM/VMEM)");
  c.peak[idx(Op::pcie)] = estimate(16 * giga, "estimate: PCIe Gen3 x16 to the host");
  for (auto& e : c.energy_j) e = pj(0.0, "not used");
  c.energy_j[idx(Op::pcie)] = pj(56, "estimate: PCIe Gen3 ~7 pJ/bit");
  c.energy_j[idx(Op::nvlink)] = pj(12, "estimate: ICI SerDes ~1.5 pJ/bit");
  c.throttle_temp_c = estimate(85.0, "estimate: no published TPU throttle limit");
  c.pod_interconnect = spec(1.0,
                            "ICI links the chips of a pod across hosts in a 2D/3D torus "
                            "(Jouppi et al., CACM 2020; ISCA 2023)");
  return c;
}

// TPU v3, re-anchored on measured chip power. Jouppi et al., "TPU v4: An Optically
// Reconfigurable Supercomputer ...", ISCA 2023, compare TPU v3 and v4 chips measured in
// production: TPU v3 min / mean / max 123 / 220 / 262 W per chip (v4: 90 / 170 / 192 W, the
// v4 entry's maximum). The 450 W TDP (Patterson et al. 2021) is the board limit, far above
// what the chip draws. As for v4, the reference mix (45 % MFU + 40 % HBM) is put at ~90 % of
// the measured maximum: 123 + e_bf16·55.4 TFLOP/s + 90 pJ/B·0.36 TB/s (32) = 236 W ⇒
// e_bf16 = 1.46 pJ/FLOP; a dense GEMM at 90 % of peak then draws 123 + 162 + 32 = 317 W, under
// the 450 W limit. Nothing here uses Patterson's per-chip system power (310 W for T5, 289 W
// for Meena): those are the validation cases.
AcceleratorSpec tpu_v3() {
  AcceleratorSpec c = tpu("tpu-v3", "Google TPU v3");
  const std::string ds = "Google Cloud TPU system architecture (TPU v3)";
  const std::string isca =
      "Jouppi et al., ISCA 2023 (TPU v4 paper), measured TPU v3 chip power; the same "
      "123/220/262 W as 'Measured min/mean/max power' in Google Cloud's TPU v3 documentation "
      "(cloud.google.com/tpu/docs/v3)";
  c.peak[idx(Op::tensor_bf16)] = spec(123 * tera, ds + ": 123 TFLOPS bf16 per chip (2 cores)");
  c.peak[idx(Op::hbm)] = spec(900 * giga, ds + ": HBM2 900 GB/s per chip");
  c.peak[idx(Op::nvlink)] = estimate(
      330 * giga, "estimate: 4 ICI links × 656 Gbit/s (Jouppi et al., CACM 2020) ≈ 330 GB/s");
  c.hbm_capacity_b = spec(32 * giga, ds + ": 32 GiB HBM per chip (16 GiB per core)");
  c.interconnect_bidir_bps = estimate(660 * giga, "estimate: 2 × the per-direction ICI rate");
  c.tdp_w = spec(450.0, "Patterson et al. 2021 (arXiv 2104.10350), Table 4: TPU v3 TDP 450 W");
  c.idle_w = estimate(100.0, "estimate: below the 123 W minimum measured in production (" + isca +
                                 "), chips there always hold a program");
  c.context_w = measured(123.0, isca + ": minimum 123 W (a chip holding a program)");
  c.nominal_clock_hz = spec(940 * mega, "Jouppi et al., CACM 2020: TPU v3 clock 940 MHz");
  c.min_clock_hz = estimate(470 * mega, "estimate: half nominal");
  c.energy_j[idx(Op::tensor_bf16)] = pj(
      1.46, "estimate: reference mix ⇒ 236 W, 90 % of the 262 W maximum measured (" + isca + ")");
  c.energy_j[idx(Op::hbm)] = pj(90, "estimate: HBM2, 16 nm controller (as V100)");
  dvfs_estimate(c);
  common_thermal(c);
  return c;
}

// TPU v2 (Jouppi et al., "A Domain-Specific Supercomputer for Training Deep Neural Networks",
// CACM 63(7), 2020, Table 3): 46 TFLOPS bf16, 16 GiB HBM at 700 GB/s, 700 MHz, 280 W TDP,
// air-cooled. No measured chip power is published: the energies scale the TPU v3 estimates
// by process and clock (both 16 nm; v3 runs 940 vs 700 MHz at higher voltage).
AcceleratorSpec tpu_v2() {
  AcceleratorSpec c = tpu("tpu-v2", "Google TPU v2");
  const std::string cacm = "Jouppi et al., CACM 2020, Table 3 (TPUv2)";
  c.peak[idx(Op::tensor_bf16)] = spec(46 * tera, cacm + ": 46 TFLOPS bf16 per chip");
  c.peak[idx(Op::hbm)] = spec(700 * giga, cacm + ": 700 GB/s HBM per chip");
  c.peak[idx(Op::nvlink)] =
      estimate(310 * giga, "estimate: 4 ICI links × ~496 Gbit/s (CACM 2020) ≈ 250–310 GB/s");
  c.peak[idx(Op::pcie)] = estimate(16 * giga, "estimate: PCIe Gen3 x16 to the host");
  c.hbm_capacity_b = spec(16 * giga, cacm + ": 16 GiB HBM per chip");
  c.interconnect_bidir_bps = estimate(620 * giga, "estimate: 2 × the per-direction ICI rate");
  c.tdp_w = spec(280.0, cacm + ": TDP 280 W");
  c.idle_w = estimate(56.0, "estimate: ~20 % of TDP (no published idle power)");
  c.context_w = estimate(80.0, "estimate: idle + ~25 W with clocks up (as TPU v3, scaled)");
  c.nominal_clock_hz = spec(700 * mega, cacm + ": 700 MHz");
  c.min_clock_hz = estimate(350 * mega, "estimate: half nominal");
  // Reference mix: 80 + 1.3 pJ·20.7 TFLOP/s (27) + 90 pJ/B·0.28 TB/s (25) = 132 W.
  c.energy_j[idx(Op::tensor_bf16)] =
      pj(1.3, "estimate: TPU v3's 1.46 pJ at the lower v2 clock/voltage (same 16 nm process)");
  c.energy_j[idx(Op::hbm)] = pj(90, "estimate: HBM, 16 nm controller (as TPU v3)");
  dvfs_estimate(c);
  common_thermal(c);
  return c;
}

AcceleratorSpec tpu_v4() {
  AcceleratorSpec c = tpu("tpu-v4", "Google TPU v4");
  const std::string ds = "Google Cloud TPU v4 documentation";
  c.peak[idx(Op::tensor_bf16)] = spec(275 * tera, ds + ": 275 TFLOPS bf16");
  c.peak[idx(Op::tensor_int8)] = spec(275 * tera, ds + ": 275 TOPS int8 (the bf16 rate)");
  c.peak[idx(Op::hbm)] = spec(1.2 * tera, ds + ": HBM2 1200 GB/s");
  c.peak[idx(Op::nvlink)] = estimate(
      300 * giga, "estimate: 6 ICI links × ~50 GB/s per direction (Jouppi et al., ISCA 2023)");
  c.hbm_capacity_b = spec(32 * giga, ds + ": 32 GiB HBM2");
  c.interconnect_bidir_bps = estimate(600 * giga, "estimate: 2 × the per-direction ICI rate");
  c.tdp_w = measured(192.0,
                     "Jouppi et al., ISCA 2023: max measured chip power 192 W; Google Cloud's TPU "
                     "v4 documentation, 'Measured min/mean/max power 90/170/192 W' "
                     "(cloud.google.com/tpu/docs/v4); no published TDP");
  c.idle_w = estimate(60.0, "estimate: no published idle power");
  c.context_w = estimate(75.0, "estimate: idle + 15 W with clocks up");
  c.nominal_clock_hz = estimate(1050 * mega, "estimate: 1050 MHz as reported by Jouppi 2023");
  c.min_clock_hz = estimate(525 * mega, "estimate: half nominal");
  // Reference mix: 75 + 0.5 pJ·124 TFLOP/s (62) + 70 pJ/B·0.48 TB/s (34) = 171 W of 192 W.
  c.energy_j[idx(Op::tensor_bf16)] = pj(0.5, "estimate: reference mix ⇒ 171 W of 192 W max");
  c.energy_j[idx(Op::tensor_int8)] = pj(0.5, "estimate: int8 runs at the bf16 rate on v4");
  c.energy_j[idx(Op::hbm)] = pj(70, "estimate: HBM2, 7 nm controller");
  dvfs_estimate(c);
  common_thermal(c);
  return c;
}

AcceleratorSpec tpu_v5e() {
  AcceleratorSpec c = tpu("tpu-v5e", "Google TPU v5e");
  const std::string ds = "Google Cloud TPU v5e documentation";
  c.peak[idx(Op::tensor_bf16)] = spec(197 * tera, ds + ": 197 TFLOPS bf16");
  c.peak[idx(Op::tensor_int8)] = spec(394 * tera, ds + ": 394 TOPS int8");
  c.peak[idx(Op::hbm)] = spec(819 * giga, ds + ": HBM2e 819 GB/s");
  c.peak[idx(Op::nvlink)] = spec(200 * giga, ds + ": ICI 400 GB/s (docs/design.md §8), 200 sent");
  c.hbm_capacity_b = spec(16 * giga, ds + ": 16 GB HBM2e");
  c.interconnect_bidir_bps = spec(400 * giga, ds + " (docs/design.md §8)");
  c.tdp_w = estimate(160.0, "estimate: not published; ~v4's FLOP/W at 197 TFLOPS");
  c.idle_w = estimate(45.0, "estimate: not published");
  c.context_w = estimate(60.0, "estimate: idle + 15 W with clocks up");
  c.nominal_clock_hz = estimate(1500 * mega, "estimate: not published");
  c.min_clock_hz = estimate(750 * mega, "estimate: half nominal");
  // Reference mix: 60 + 0.5 pJ·88.7 TFLOP/s (44) + 65 pJ/B·0.33 TB/s (21) = 125 W.
  c.energy_j[idx(Op::tensor_bf16)] = pj(0.5, "estimate: as TPU v4; reference mix ⇒ 125 W");
  c.energy_j[idx(Op::tensor_int8)] =
      pj(0.29, "estimate: 0.58·e_bf16 at twice the bf16 rate (H100's FP8/BF16 ratio)");
  c.energy_j[idx(Op::hbm)] = pj(65, "estimate: HBM2e");
  dvfs_estimate(c);
  common_thermal(c);
  return c;
}

AcceleratorSpec tpu_v5p() {
  AcceleratorSpec c = tpu("tpu-v5p", "Google TPU v5p");
  const std::string ds = "Google Cloud TPU v5p documentation";
  c.peak[idx(Op::tensor_bf16)] = spec(459 * tera, ds + ": 459 TFLOPS bf16");
  c.peak[idx(Op::tensor_fp8)] = spec(459 * tera, ds + ": 459 TFLOPS fp8");
  c.peak[idx(Op::tensor_int8)] = spec(918 * tera, ds + ": 918 TOPS int8");
  c.peak[idx(Op::hbm)] = spec(2.765 * tera, ds + ": HBM2e 2765 GB/s");
  c.peak[idx(Op::nvlink)] =
      spec(600 * giga, ds + ": bidirectional ICI 1200 GB/s per chip, 600 sent");
  c.hbm_capacity_b = spec(95 * giga, ds + ": 95 GB HBM2e");
  c.interconnect_bidir_bps = spec(1200 * giga, ds);
  c.tdp_w = estimate(350.0,
                     "estimate: not published; v4's 192 W × 1.67 (peak ratio) ≈ 320 W, "
                     "rounded up for the larger HBM");
  c.idle_w = estimate(90.0, "estimate: not published");
  c.context_w = estimate(120.0, "estimate: idle + 30 W with clocks up");
  c.nominal_clock_hz = estimate(1750 * mega, "estimate: not published");
  c.min_clock_hz = estimate(875 * mega, "estimate: half nominal");
  // Reference mix: 120 + 0.5 pJ·207 TFLOP/s (103) + 60 pJ/B·1.1 TB/s (66) = 289 W of 350 W.
  c.energy_j[idx(Op::tensor_bf16)] = pj(0.5, "estimate: as TPU v4; reference mix ⇒ 289 W");
  c.energy_j[idx(Op::tensor_fp8)] = pj(0.5, "estimate: fp8 runs at the bf16 rate on v5p");
  c.energy_j[idx(Op::tensor_int8)] =
      pj(0.29, "estimate: 0.58·e_bf16 at twice the bf16 rate (H100's FP8/BF16 ratio)");
  c.energy_j[idx(Op::hbm)] = pj(60, "estimate: HBM2e");
  dvfs_estimate(c);
  common_thermal(c);
  return c;
}

}  // namespace

const std::vector<AcceleratorSpec>& accelerator_catalog() {
  static const std::vector<AcceleratorSpec> catalog = {h100(),   h200(),      a100(),   b200(),
                                                       v100(),   v100_sxm3(), tpu_v2(), tpu_v3(),
                                                       tpu_v4(), tpu_v5e(),   tpu_v5p()};
  return catalog;
}

namespace {
std::deque<AcceleratorSpec>& user_accelerators() {
  static std::deque<AcceleratorSpec> chips;  // a deque: pointers stay valid as it grows
  return chips;
}
}  // namespace

const AcceleratorSpec* add_user_accelerator(AcceleratorSpec chip) {
  user_accelerators().push_back(std::move(chip));
  return &user_accelerators().back();
}

void derive_estimates(AcceleratorSpec& chip) {
  dvfs_estimate(chip);
  common_thermal(chip);
}

bool is_builtin_accelerator(std::string_view id) {
  for (const auto& c : accelerator_catalog())
    if (c.id == id) return true;
  return false;
}

const AcceleratorSpec* find_accelerator(std::string_view id) {
  const auto& user = user_accelerators();
  for (auto it = user.rbegin(); it != user.rend(); ++it)
    if (it->id == id) return &*it;
  for (const auto& c : accelerator_catalog())
    if (c.id == id) return &c;
  return nullptr;
}

std::vector<std::string> accelerator_ids() {
  std::vector<std::string> out;
  for (const auto& c : accelerator_catalog()) out.push_back(c.id);
  for (const auto& c : user_accelerators())
    if (std::find(out.begin(), out.end(), c.id) == out.end()) out.push_back(c.id);
  return out;
}

Calibration default_calibration(const AcceleratorSpec& chip) {
  Calibration c;
  c.chip = chip.id;
  c.device = chip.name;
  c.kind = SourceKind::estimate;
  c.source = "Joule catalog estimates (models/compute/accelerator_catalog.cpp)";
  c.method = "derived from vendor specs and published measurements; no calibration run";
  c.static_power.idle_power = sim::Watts(chip.idle_w.value);
  c.static_power.reference_temp = sim::Celsius{chip.reference_temp_c.value};
  c.static_power.leakage_per_kelvin = chip.leakage_per_kelvin.value;
  c.static_power.context_power = sim::Watts(chip.context_w.value);
  for (std::size_t k = 0; k < op_count; ++k) c.energy_per_op[k] = chip.energy_j[k].value;
  c.dvfs = Calibration::Dvfs{sim::Hertz(chip.nominal_clock_hz.value), chip.beta_w_per_ghz3.value,
                             chip.tau_w_per_ghz.value, chip.p_const_w.value};
  return c;
}

double core_bound_share(const AcceleratorSpec& chip, double tensor_fraction) {
  const double eta_gemm = chip.gemm_efficiency.value;
  if (!(eta_gemm > 0)) return 1.0;
  return std::clamp(tensor_fraction / eta_gemm, 0.0, 1.0);
}

OpRates reference_training_rates(const AcceleratorSpec& chip, double mfu, double hbm_fraction) {
  OpRates r;
  r.core_bound = core_bound_share(chip, mfu);
  const Op matmul = chip.peak_rate(Op::tensor_bf16) > 0 ? Op::tensor_bf16 : Op::tensor_fp16;
  r[matmul] = mfu * chip.peak_rate(matmul);
  r[Op::hbm] = hbm_fraction * chip.peak_rate(Op::hbm);
  return r;
}

std::vector<CatalogField> catalog_fields(const AcceleratorSpec& c) {
  std::vector<CatalogField> out;
  for (std::size_t k = 0; k < op_count; ++k)
    out.push_back(
        {"peak." + std::string(op_names[k]), &c.peak[k], is_bytes(Op(k)) ? "B/s" : "FLOP/s"});
  out.push_back({"hbm_capacity", &c.hbm_capacity_b, "B"});
  out.push_back({"interconnect (bidir)", &c.interconnect_bidir_bps, "B/s"});
  out.push_back({"tdp", &c.tdp_w, "W"});
  out.push_back({"idle", &c.idle_w, "W"});
  out.push_back({"idle_with_context", &c.context_w, "W"});
  out.push_back({"reference_temp", &c.reference_temp_c, "degC"});
  out.push_back({"leakage_per_kelvin", &c.leakage_per_kelvin, "1/K"});
  out.push_back({"nominal_clock", &c.nominal_clock_hz, "Hz"});
  out.push_back({"min_clock", &c.min_clock_hz, "Hz"});
  for (std::size_t k = 0; k < op_count; ++k)
    out.push_back(
        {"energy." + std::string(op_names[k]), &c.energy_j[k], is_bytes(Op(k)) ? "J/B" : "J/FLOP"});
  out.push_back({"dvfs.beta", &c.beta_w_per_ghz3, "W/GHz3"});
  out.push_back({"dvfs.tau", &c.tau_w_per_ghz, "W/GHz"});
  out.push_back({"dvfs.p_const", &c.p_const_w, "W"});
  out.push_back({"throttle_temp", &c.throttle_temp_c, "degC"});
  out.push_back({"r_th_air", &c.r_th_air_k_per_w, "K/W"});
  out.push_back({"r_th_cold_plate", &c.r_th_cold_plate_k_per_w, "K/W"});
  out.push_back({"pod_interconnect", &c.pod_interconnect, ""});
  out.push_back({"gemm_efficiency", &c.gemm_efficiency, ""});
  return out;
}

void print_accelerator_catalog(std::ostream& out) {
  for (const auto& c : accelerator_catalog()) {
    out << c.id << "  (" << c.name << ")\n";
    for (const auto& f : catalog_fields(c))
      out << "    " << std::left << std::setw(24) << f.name << std::right << std::setw(12)
          << std::setprecision(4) << f.value->value << ' ' << std::left << std::setw(8) << f.unit
          << std::setw(12) << to_string(f.value->kind) << f.value->source << '\n';
  }
}

}  // namespace joule::models::compute
