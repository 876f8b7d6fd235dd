// The interface every calibration microkernel implements, and the registry of kernels.
//
// A microkernel stresses one unit (or, for held-out kernels, a known mix). The measurement
// protocol launches it back to back for a whole energy window; each launch returns the exact
// op counts it enqueued, counted from the kernel's own loop structure (never from a profiler
// or a library), so op rates = counted ops / window seconds.
//
// Intensity: for SM-bound kernels the fraction of SMs that get a block (one block per SM,
// enforced by requesting more than half an SM's shared memory), so the fit sees several rates
// per unit at the same clock; P2P uses 0.5 = one direction, 1.0 = both directions.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "calib/op_units.hpp"
#include "calib/window.hpp"

namespace joule::kernels {

struct DeviceInfo {
  int index = 0;
  std::string name;
  int sm_count = 0;
  int compute_capability = 0;  // major*10 + minor
  std::size_t l2_bytes = 0;
  std::size_t smem_per_sm = 0;
  std::size_t smem_per_block_optin = 0;
  std::size_t free_bytes = 0;
  int device_count = 0;
};

class Microkernel {
 public:
  virtual ~Microkernel() = default;
  // Allocate buffers and random operands on the current device; `intensity` as above.
  virtual void setup(const DeviceInfo& dev, double intensity) = 0;
  // Enqueue one launch doing `work` loop iterations; return the ops it performs.
  virtual calib::OpArray launch(cudaStream_t stream, std::uint64_t work) = 0;
  virtual void teardown() = 0;
};

struct KernelSpec {
  std::string name;
  std::string stresses;  // one line for --list-kernels and the README
  calib::Phase phase = calib::Phase::fit;
  std::vector<double> intensities;
  int min_compute_capability = 80;
  bool needs_two_gpus = false;
  std::function<std::unique_ptr<Microkernel>()> make;  // empty for idle
};

// All kernels in measurement order (idle first). Pure data: usable without a GPU.
const std::vector<KernelSpec>& all_kernels();

// Factories defined in the kernel files.
std::unique_ptr<Microkernel> make_tensor_gemm(calib::OpUnit precision);
std::unique_ptr<Microkernel> make_vector_fma();
std::unique_ptr<Microkernel> make_hbm_read();
std::unique_ptr<Microkernel> make_hbm_write();
std::unique_ptr<Microkernel> make_l2_read();
std::unique_ptr<Microkernel> make_shared_memory();
std::unique_ptr<Microkernel> make_p2p_copy();
std::unique_ptr<Microkernel> make_gemm_stream_mix();

}  // namespace joule::kernels
