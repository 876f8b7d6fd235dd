// Helpers shared by the microkernels: error checks, a counter-based hash for random operands
// (zeros and constants draw less power than random data: every kernel seeds its operands from
// hash(seed, thread, element)), and the one-block-per-SM launch shape.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "microkernel.hpp"

namespace joule::kernels {

inline void cuda_check(cudaError_t rc, const char* what) {
  if (rc != cudaSuccess) {
    throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(rc));
  }
}
#define JOULE_CUDA(call) ::joule::kernels::cuda_check((call), #call)

// lowbias32 (C. Wellons' hash-prospector): a well-mixed 32-bit hash, one per element.
__host__ __device__ inline std::uint32_t hash32(std::uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

// Uniform in [-1, 1) from (seed, a, b).
__device__ inline float random_unit(std::uint32_t seed, std::uint32_t a, std::uint32_t b) {
  const std::uint32_t h = hash32(seed ^ hash32(a * 0x9e3779b9U ^ hash32(b + 0x632be5abU)));
  return static_cast<float>(h >> 8) * (2.0f / 16777216.0f) - 1.0f;
}

__device__ inline std::uint32_t global_thread_id() {
  return blockIdx.x * blockDim.x + threadIdx.x;
}

// Blocks that request more than half an SM's shared memory cannot share an SM, so a grid of
// n <= sm_count such blocks keeps exactly n SMs busy. Returns the dynamic smem to request and
// raises the kernel's limit when that exceeds the default 48 KB.
inline std::size_t one_block_per_sm_smem(const void* kernel, const DeviceInfo& dev) {
  std::size_t bytes = dev.smem_per_sm / 2 + 1024;
  if (bytes > dev.smem_per_block_optin) bytes = dev.smem_per_block_optin;
  JOULE_CUDA(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                  static_cast<int>(bytes)));
  return bytes;
}

inline int active_sms(const DeviceInfo& dev, double intensity) {
  int n = static_cast<int>(intensity * dev.sm_count + 0.5);
  return n < 1 ? 1 : (n > dev.sm_count ? dev.sm_count : n);
}

// Fill a device buffer with random 32-bit words.
void fill_random(std::uint32_t* buf, std::size_t words, std::uint32_t seed, cudaStream_t s = 0);

// The register-blocked tensor-core loop of the GEMM kernels: per iteration, 2 x 2 fragment MMAs
// c += a·b and then 2 x 2 with the negated A (c += (−a)·b), so the accumulators stay bounded while
// the tensor cores see random operands at every step; 8 MMAs per iteration and warp. Returns the
// sum of the accumulators, which the caller stores so the MMAs stay live.
template <class FragA, class FragB, class FragC, class Mma>
__device__ __forceinline__ float blocked_mma_loop(std::uint64_t iters, const FragA (&a)[2],
                                                  const FragA (&an)[2], const FragB (&b)[2],
                                                  FragC (&c)[2][2], Mma mma) {
  for (std::uint64_t it = 0; it < iters; ++it) {
#pragma unroll
    for (int x = 0; x < 2; ++x)
#pragma unroll
      for (int y = 0; y < 2; ++y) mma(c[x][y], a[x], b[y]);
#pragma unroll
    for (int x = 0; x < 2; ++x)
#pragma unroll
      for (int y = 0; y < 2; ++y) mma(c[x][y], an[x], b[y]);
  }
  float s = 0.0f;
#pragma unroll
  for (int x = 0; x < 2; ++x)
#pragma unroll
    for (int y = 0; y < 2; ++y)
#pragma unroll
      for (int e = 0; e < c[x][y].num_elements; ++e) s += static_cast<float>(c[x][y].x[e]);
  return s;
}

}  // namespace joule::kernels
