// CUDA-core FP32 FMA microkernel: each thread runs 8 independent FFMA chains
// x <- fma(x, m, c) with m = -1 passed at run time (so the compiler must emit real FFMAs) and
// random c: x swings between two random values, keeping bits toggling instead of settling on a
// fixed point. No memory traffic in the loop.
//
//   FLOPs per launch = blocks * threads_per_block * iters * 8 chains * 2 (one FMA = 2 FLOPs)
#include "device_util.cuh"

namespace joule::kernels {

namespace {

constexpr int kThreads = 1024;
constexpr int kChains = 8;

__global__ void __launch_bounds__(kThreads, 1)
    fma_loop_kernel(std::uint64_t iters, std::uint32_t seed, float m, float* sink) {
  float x[kChains], c[kChains];
  const std::uint32_t t = global_thread_id();
#pragma unroll
  for (int j = 0; j < kChains; ++j) {
    x[j] = random_unit(seed, t, j);
    c[j] = random_unit(seed, t, kChains + j);
  }
  for (std::uint64_t i = 0; i < iters; ++i) {
#pragma unroll
    for (int j = 0; j < kChains; ++j) x[j] = fmaf(x[j], m, c[j]);
  }
  float s = 0.0f;
#pragma unroll
  for (int j = 0; j < kChains; ++j) s += x[j];
  sink[t] = s;
}

class VectorFma final : public Microkernel {
 public:
  void setup(const DeviceInfo& dev, double intensity) override {
    blocks_ = active_sms(dev, intensity);
    smem_ = one_block_per_sm_smem(reinterpret_cast<const void*>(&fma_loop_kernel), dev);
    JOULE_CUDA(cudaMalloc(&sink_, sizeof(float) * blocks_ * kThreads));
  }
  calib::OpArray launch(cudaStream_t stream, std::uint64_t work) override {
    fma_loop_kernel<<<blocks_, kThreads, smem_, stream>>>(work, seed_, -1.0f, sink_);
    JOULE_CUDA(cudaGetLastError());
    calib::OpArray ops{};
    ops[calib::index_of(calib::OpUnit::vector_fp32)] =
        static_cast<double>(blocks_) * kThreads * static_cast<double>(work) * kChains * 2.0;
    return ops;
  }
  void teardown() override {
    if (sink_) cudaFree(sink_);
    sink_ = nullptr;
  }

 private:
  int blocks_ = 0;
  std::size_t smem_ = 0;
  float* sink_ = nullptr;
  std::uint32_t seed_ = 0x5eed0001U;
};

}  // namespace

std::unique_ptr<Microkernel> make_vector_fma() { return std::make_unique<VectorFma>(); }

}  // namespace joule::kernels
