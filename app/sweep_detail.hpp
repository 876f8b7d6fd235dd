// Helpers the `joule sweep` files share (internal to app/sweep*.cpp).
#pragma once

#include <string>
#include <thread>
#include <vector>

#include "app/sweep.hpp"
#include "sim/params.hpp"

namespace joule::app::detail {

// A value on one line: scalars as written, lists and maps in flow style.
std::string flow_text(const sim::ParamNode& node);
// The sweep-wide sets followed by the variant's own assignments.
std::vector<Assignment> all_sets(const Sweep& sweep, const Variant& v);
// Whether the assignments set the seed.
bool sets_seed(const std::vector<Assignment>& sets);
std::string first_line(const std::string& text);
// Seconds on the steady clock.
double now_s();
// The shortest text that reads back as exactly `v`.
std::string number_text(double v);
// Runs `worker` on `threads` threads (on the calling thread when 1) and waits for them all.
template <class Worker>
void on_threads(unsigned threads, Worker&& worker) {
  if (threads <= 1) {
    worker();
    return;
  }
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
}

}  // namespace joule::app::detail
