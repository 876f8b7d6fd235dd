// `joule sweep` under mpirun: rank 0 hands out variant indices one at a time, on request, so
// that ranks running cheap variants come back for more while others finish expensive ones
// (dynamic load balancing; variants differ in cost by orders of magnitude). Every rank expands
// the sweep file itself (the expansion is deterministic), so only indices and results travel.
// Rank 0 also runs variants on its own worker threads while its main thread serves requests,
// and it alone writes the summary table. Outputs go to DIR, which every rank must see (a shared
// file system on a cluster).
//
// Messages: a worker sends TAG_REQUEST carrying the result of its previous variant (empty the
// first time); rank 0 answers TAG_ASSIGN with the next index, or -1 when none is left.
// Workers on a rank with several threads (-j) serialize their send+receive pairs with a mutex,
// which needs MPI_THREAD_SERIALIZED; ranks that cannot have it run one worker.
#include <hdf5.h>
#include <mpi.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <thread>

#include "app/sweep.hpp"

namespace joule::app {

namespace {

constexpr int tag_request = 1;
constexpr int tag_assign = 2;

void progress(const Sweep& sweep, const VariantResult& r, std::size_t n, std::size_t total,
              int rank, const SweepOptions& options) {
  if (options.quiet || r.status == VariantStatus::interrupted) return;
  const auto it = r.values.find("wall_s");
  const double wall = it != r.values.end() && it->second ? *it->second : 0.0;
  std::fprintf(stderr, "[%zu/%zu] %s %s (rank %d, %.2f s)%s%s\n", n, total,
               sweep.variants[r.index].name.c_str(), to_string(r.status), rank, wall,
               r.error.empty() ? "" : ": ", r.error.c_str());
}

int serve(const Sweep& sweep, const SweepOptions& options, int size, unsigned local_jobs,
          int remote_workers) {
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (!std::filesystem::is_directory(options.dir, ec)) {
    std::fprintf(stderr, "joule: cannot create the output folder %s\n", options.dir.c_str());
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  SweepTable table(sweep, options.dir, scan_outputs(sweep, options), options);
  table.write();
  std::vector<std::size_t> pending;
  for (const auto& r : table.results())
    if (r.status == VariantStatus::pending) pending.push_back(r.index);
  pending = run_order(sweep, std::move(pending));
  std::deque<std::size_t> queue(pending.begin(), pending.end());
  const std::size_t total = queue.size();
  if (!options.quiet)
    std::fprintf(stderr, "joule: sweep: %zu variants to run (%zu reused) over %d ranks into %s/\n",
                 total, sweep.variants.size() - total, size, options.dir.c_str());

  std::mutex mutex;
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> finished{0};
  auto take = [&]() -> long long {
    std::lock_guard lock(mutex);
    if (queue.empty() || stop || (options.interrupted && options.interrupted->load())) return -1;
    const std::size_t i = queue.front();
    queue.pop_front();
    return static_cast<long long>(i);
  };
  auto done = [&](const VariantResult& r, int rank) {
    if (r.status == VariantStatus::interrupted) stop = true;
    table.record(r);
    progress(sweep, r, finished.fetch_add(1) + 1, total, rank, options);
  };

  std::vector<std::thread> threads;
  for (unsigned t = 0; t < local_jobs; ++t)
    threads.emplace_back([&] {
      H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
      for (long long i = take(); i >= 0; i = take()) done(run_variant(sweep, i, options), 0);
    });

  int active = remote_workers;
  while (active > 0) {
    int flag = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, tag_request, MPI_COMM_WORLD, &flag, &status);
    if (!flag) {  // poll gently: MPI's blocking receive would spin a core
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    int count = 0;
    MPI_Get_count(&status, MPI_CHAR, &count);
    std::string message(static_cast<std::size_t>(count), '\0');
    MPI_Recv(message.data(), count, MPI_CHAR, status.MPI_SOURCE, tag_request, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
    if (!message.empty()) done(decode_result(message), status.MPI_SOURCE);
    const long long next = take();
    MPI_Send(&next, 1, MPI_LONG_LONG, status.MPI_SOURCE, tag_assign, MPI_COMM_WORLD);
    if (next < 0) --active;
  }
  for (auto& t : threads) t.join();
  table.write();

  SweepReport report;
  report.results = table.results();
  report.csv_path = table.csv_path();
  report.h5_path = table.h5_path();
  report.interrupted = stop || (options.interrupted && options.interrupted->load());
  for (const auto& r : report.results) {
    report.ran += r.status == VariantStatus::done;
    report.reused += r.status == VariantStatus::reused;
    report.failed += r.status == VariantStatus::failed;
  }
  return print_outcome(sweep, report, options);
}

void work(const Sweep& sweep, const SweepOptions& options, unsigned jobs) {
  std::mutex mpi;
  auto worker = [&] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    std::string result;  // of the previous variant
    while (true) {
      long long index = -1;
      {
        std::lock_guard lock(mpi);
        MPI_Send(result.data(), static_cast<int>(result.size()), MPI_CHAR, 0, tag_request,
                 MPI_COMM_WORLD);
        MPI_Recv(&index, 1, MPI_LONG_LONG, 0, tag_assign, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      }
      if (index < 0) return;
      result = encode_result(run_variant(sweep, static_cast<std::size_t>(index), options));
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < jobs; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
}

}  // namespace

int sweep_command_mpi(const std::string& sweep_path, SweepOptions options) {
  int provided = MPI_THREAD_SINGLE;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  struct Finalize {
    ~Finalize() { MPI_Finalize(); }
  } finalize;

  // Every rank expands the sweep; rank 0 alone validates the variants (builds their worlds).
  // Each rank honours the interrupt flag while it does (mpirun forwards SIGINT and SIGTERM);
  // the worst outcome (130 interrupted > 2 bad input > 0) is every rank's.
  const PreparedSweep prepared =
      prepare_sweep(sweep_path, rank == 0, options.interrupted, options.jobs ? options.jobs : 1);
  int outcome = 0;
  MPI_Allreduce(&prepared.code, &outcome, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (outcome != 0) {
    if (rank == 0)
      std::fprintf(stderr, "%s\n",
                   prepared.code == outcome
                       ? prepared.message.c_str()
                       : "joule: sweep interrupted while its variants were expanded and checked; "
                         "nothing run");
    return outcome;
  }
  const Sweep& sweep = prepared.sweep;
  if (options.dir.empty()) options.dir = default_sweep_dir(sweep_path);
  if (!hdf5_threadsafe()) options.processes = true;

  // One worker per rank unless -j says otherwise; several need MPI_THREAD_SERIALIZED.
  unsigned jobs = options.jobs ? options.jobs : 1;
  if (rank != 0 && provided < MPI_THREAD_SERIALIZED) jobs = 1;
  const int my_jobs = static_cast<int>(jobs);
  std::vector<int> jobs_of(static_cast<std::size_t>(size));
  MPI_Gather(&my_jobs, 1, MPI_INT, jobs_of.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  // The workers of the ranks on this machine: as many as its CPUs, each run compresses on its
  // own thread (SweepOptions::compression_threads).
  MPI_Comm local = MPI_COMM_NULL;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &local);
  int local_jobs = my_jobs;
  if (local != MPI_COMM_NULL) {
    MPI_Allreduce(&my_jobs, &local_jobs, 1, MPI_INT, MPI_SUM, local);
    MPI_Comm_free(&local);
  }
  options.compression_threads = compression_threads_for(static_cast<unsigned>(local_jobs));

  int code = 0;
  if (rank == 0) {
    int remote = 0;
    for (int r = 1; r < size; ++r) remote += jobs_of[static_cast<std::size_t>(r)];
    try {
      code = serve(sweep, options, size, jobs, remote);
    } catch (const OutputError& e) {
      std::fprintf(stderr, "joule: %s\n", e.what());
      MPI_Abort(MPI_COMM_WORLD, 2);
    }
  } else {
    work(sweep, options, jobs);
  }
  MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
  return code;
}

}  // namespace joule::app
