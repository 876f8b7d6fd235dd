// Shared-memory microkernel: each thread reads four 16-byte slots and writes one per iteration
// (ld.shared.v4 / st.shared.v4 in inline PTX, so none is cached in registers or dropped). Slot
// index = (thread + k * blockDim) mod 4096: consecutive threads hit consecutive 16-byte slots,
// which is bank-conflict free, so the bytes counted are the bytes moved.
//
//   bytes per launch = blocks * threads * iters * (4 loads + 1 store) * 16 B
//
// The XORs that combine loaded values are integer ops (not a modeled unit).
#include "device_util.cuh"

namespace joule::kernels {

namespace {

constexpr int kThreads = 1024;
constexpr std::uint32_t kSlots = 4096;  // 64 KiB of the (>= half-SM) dynamic allocation
constexpr int kLoads = 4;

__device__ __forceinline__ uint4 lds(std::uint32_t addr) {
  uint4 v;
  asm volatile("ld.shared.v4.u32 {%0,%1,%2,%3}, [%4];"
               : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
               : "r"(addr));
  return v;
}

__device__ __forceinline__ void sts(std::uint32_t addr, uint4 v) {
  asm volatile("st.shared.v4.u32 [%0], {%1,%2,%3,%4};" ::"r"(addr), "r"(v.x), "r"(v.y), "r"(v.z),
               "r"(v.w)
               : "memory");
}

__global__ void __launch_bounds__(kThreads, 1)
    smem_kernel(std::uint64_t iters, std::uint32_t seed, std::uint32_t* sink) {
  extern __shared__ uint4 slots[];
  const std::uint32_t t = threadIdx.x;
  for (std::uint32_t s = t; s < kSlots; s += blockDim.x) {
    slots[s] = make_uint4(hash32(seed ^ s), hash32(seed + s), hash32(~s), hash32(s * 3 + seed));
  }
  __syncthreads();
  const std::uint32_t base = static_cast<std::uint32_t>(__cvta_generic_to_shared(slots));
  uint4 acc = make_uint4(t, ~t, seed, 0);
  std::uint32_t k = t;
  for (std::uint64_t i = 0; i < iters; ++i) {
#pragma unroll
    for (int l = 0; l < kLoads; ++l) {
      const uint4 v = lds(base + ((k + l * kThreads) & (kSlots - 1)) * 16);
      acc.x ^= v.y;
      acc.y ^= v.z;
      acc.z ^= v.w;
      acc.w ^= v.x;
    }
    sts(base + ((k + kLoads * kThreads) & (kSlots - 1)) * 16, acc);
    k += kThreads;  // next iteration: the next 1024 slots, same conflict-free pattern
  }
  sink[global_thread_id()] = acc.x ^ acc.y ^ acc.z ^ acc.w;
}

class SharedMemory final : public Microkernel {
 public:
  void setup(const DeviceInfo& dev, double intensity) override {
    blocks_ = active_sms(dev, intensity);
    smem_ = one_block_per_sm_smem(reinterpret_cast<const void*>(&smem_kernel), dev);
    if (smem_ < kSlots * sizeof(uint4)) throw std::runtime_error("smem kernel needs 64 KiB");
    JOULE_CUDA(cudaMalloc(&sink_, sizeof(std::uint32_t) * blocks_ * kThreads));
  }
  calib::OpArray launch(cudaStream_t stream, std::uint64_t work) override {
    smem_kernel<<<blocks_, kThreads, smem_, stream>>>(work, 0xa5a5U, sink_);
    JOULE_CUDA(cudaGetLastError());
    calib::OpArray ops{};
    ops[calib::index_of(calib::OpUnit::smem)] =
        static_cast<double>(blocks_) * kThreads * static_cast<double>(work) * (kLoads + 1) * 16.0;
    return ops;
  }
  void teardown() override {
    if (sink_) cudaFree(sink_);
    sink_ = nullptr;
  }

 private:
  int blocks_ = 0;
  std::size_t smem_ = 0;
  std::uint32_t* sink_ = nullptr;
};

}  // namespace

std::unique_ptr<Microkernel> make_shared_memory() { return std::make_unique<SharedMemory>(); }

}  // namespace joule::kernels
