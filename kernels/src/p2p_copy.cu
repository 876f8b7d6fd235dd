// NVLink/P2P microkernel: cudaMemcpyPeerAsync of 256 MiB buffers between GPU 0 (measured) and
// GPU 1. Intensity 0.5 = GPU 0 -> GPU 1 only; 1.0 = both directions at once (a second stream
// on GPU 1 copies back; the measured stream waits on it, so the window covers both).
//
//   nvlink bytes on GPU 0 = bytes sent + bytes received
//   hbm bytes on GPU 0    = the same (sent data is read from, received data written to HBM)
//
// Counting the HBM side too lets the fit attribute only the link's increment to e_nvlink, with
// e_hbm pinned by the HBM kernels. Peer access can run over PCIe where there is no NVLink; the
// README says to check `nvidia-smi topo -m` before trusting the nvlink coefficient.
#include "device_util.cuh"

namespace joule::kernels {

namespace {

constexpr std::size_t kBytes = std::size_t{256} << 20;

class P2pCopy final : public Microkernel {
 public:
  void setup(const DeviceInfo& dev, double intensity) override {
    if (dev.device_count < 2) throw std::runtime_error("p2p: needs two GPUs");
    self_ = dev.index;
    peer_ = dev.index == 0 ? 1 : 0;
    int can01 = 0, can10 = 0;
    JOULE_CUDA(cudaDeviceCanAccessPeer(&can01, dev.index, peer_));
    JOULE_CUDA(cudaDeviceCanAccessPeer(&can10, peer_, dev.index));
    if (!can01 || !can10) throw std::runtime_error("p2p: GPUs cannot access each other");
    bidirectional_ = intensity > 0.75;
    enable_peer(self_, peer_);
    enable_peer(peer_, self_);
    JOULE_CUDA(cudaMalloc(&src_, kBytes));
    JOULE_CUDA(cudaMalloc(&dst_back_, kBytes));
    fill_random(static_cast<std::uint32_t*>(src_), kBytes / 4, 0x9292U);
    JOULE_CUDA(cudaSetDevice(peer_));
    JOULE_CUDA(cudaMalloc(&peer_dst_, kBytes));
    JOULE_CUDA(cudaMalloc(&peer_src_, kBytes));
    fill_random(static_cast<std::uint32_t*>(peer_src_), kBytes / 4, 0x2929U);
    JOULE_CUDA(cudaStreamCreateWithFlags(&peer_stream_, cudaStreamNonBlocking));
    JOULE_CUDA(cudaEventCreateWithFlags(&done_, cudaEventDisableTiming));
    JOULE_CUDA(cudaDeviceSynchronize());
    JOULE_CUDA(cudaSetDevice(self_));
    JOULE_CUDA(cudaDeviceSynchronize());
  }

  calib::OpArray launch(cudaStream_t stream, std::uint64_t work) override {
    for (std::uint64_t i = 0; i < work; ++i) {
      JOULE_CUDA(cudaMemcpyPeerAsync(peer_dst_, peer_, src_, self_, kBytes, stream));
      if (bidirectional_) {
        JOULE_CUDA(cudaMemcpyPeerAsync(dst_back_, self_, peer_src_, peer_, kBytes, peer_stream_));
      }
    }
    if (bidirectional_) {
      JOULE_CUDA(cudaEventRecord(done_, peer_stream_));
      JOULE_CUDA(cudaStreamWaitEvent(stream, done_, 0));
    }
    const double bytes = static_cast<double>(work) * kBytes * (bidirectional_ ? 2.0 : 1.0);
    calib::OpArray ops{};
    ops[calib::index_of(calib::OpUnit::nvlink)] = bytes;
    ops[calib::index_of(calib::OpUnit::hbm)] = bytes;
    return ops;
  }

  void teardown() override {
    cudaSetDevice(peer_);
    cudaDeviceSynchronize();
    if (peer_dst_) cudaFree(peer_dst_);
    if (peer_src_) cudaFree(peer_src_);
    if (peer_stream_) cudaStreamDestroy(peer_stream_);
    cudaSetDevice(self_);
    if (src_) cudaFree(src_);
    if (dst_back_) cudaFree(dst_back_);
    if (done_) cudaEventDestroy(done_);
    src_ = dst_back_ = peer_dst_ = peer_src_ = nullptr;
    peer_stream_ = nullptr;
    done_ = nullptr;
  }

 private:
  static void enable_peer(int from, int to) {
    JOULE_CUDA(cudaSetDevice(from));
    const cudaError_t rc = cudaDeviceEnablePeerAccess(to, 0);
    if (rc == cudaErrorPeerAccessAlreadyEnabled) {
      cudaGetLastError();  // clear the sticky-free error
    } else {
      JOULE_CUDA(rc);
    }
  }

  int self_ = 0;
  int peer_ = 1;
  bool bidirectional_ = false;
  void* src_ = nullptr;
  void* dst_back_ = nullptr;
  void* peer_dst_ = nullptr;
  void* peer_src_ = nullptr;
  cudaStream_t peer_stream_ = nullptr;
  cudaEvent_t done_ = nullptr;
};

}  // namespace

std::unique_ptr<Microkernel> make_p2p_copy() { return std::make_unique<P2pCopy>(); }

}  // namespace joule::kernels
