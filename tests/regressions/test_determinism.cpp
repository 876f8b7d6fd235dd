// Determinism of the `joule` binary: the same scenario and seed, run by two processes, give
// byte-identical datasets (every dataset of the file: facility and rack traces, per-component
// traces, the job table). Only the wall-clock attribute of /summary may differ.
#include <doctest/doctest.h>

#include "reliability_helpers.hpp"

using namespace joule;

namespace {

// Two days of the default scenario (512 DGX H100 nodes, LLM training with failures, weather,
// grid data, chilled water + economizer, 2N UPS), so that every random stream and every
// recorded component is exercised.
std::string run_default(const std::filesystem::path& dir, const std::string& name,
                        const std::string& seed) {
  const auto out = dir / name;
  const auto r = test::shell(test::joule_binary() + " run -q --set duration='2 d' --seed " + seed +
                             " -o " + out.string());
  INFO(r.output);
  REQUIRE(r.code == 0);
  return out.string();
}

}  // namespace

TEST_CASE("two runs of the binary with the same seed write byte-identical datasets") {
  const auto dir = test::private_dir("determinism");
  const auto a = test::dataset_bytes(run_default(dir, "a.h5", "11"));
  const auto b = test::dataset_bytes(run_default(dir, "b.h5", "11"));
  REQUIRE(a.size() >= 20);  // facility, cooling/*, losses/*, racks/*, jobs
  CHECK(a.count("jobs") == 1);
  CHECK(a.count("racks/power_w") == 1);
  for (const auto& [name, bytes] : a) {
    CAPTURE(name);
    REQUIRE(b.count(name) == 1);
    CHECK(bytes.size() > 0);
    CHECK(bytes == b.at(name));
  }
  CHECK(a.size() == b.size());
  // The check can fail: another seed changes the job stream and so the traces.
  const auto c = test::dataset_bytes(run_default(dir, "c.h5", "12"));
  CHECK(c.at("facility/it_power_w") != a.at("facility/it_power_w"));
  CHECK(c.at("jobs") != a.at("jobs"));
  std::filesystem::remove_all(dir);
}
