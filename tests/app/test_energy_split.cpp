// The four-way split E = compute + transfer + storage + auxiliary (models/world/energy_split.hpp):
// it adds up to the facility's energy, every interval and for the run; a job's parts add up to
// its nodes' energy plus its storage share and facility overhead; the storage system's power
// follows its idle and active figures.
#include <doctest/doctest.h>

#include "app/h5.hpp"
#include "app/run.hpp"
#include "app/scenario.hpp"
#include "run_helpers.hpp"

using namespace joule;
using test::read_dataset;

TEST_CASE("the four-way split adds up to the facility total, per interval and per job") {
  const auto dir = test::temp_dir("split");
  const std::string scenario_path =
      std::string(JOULE_SOURCE_DIR) + "/scenarios/ledger/train-and-serve.yaml";
  app::LoadOptions load;
  load.sets = {"duration=12 h"};
  const auto sc = app::load_scenario(scenario_path, load);
  app::RunOptions opt;
  opt.output = (dir / "split.h5").string();
  const auto s = app::run(sc, opt);
  const auto& v = s.values;
  const double sum = *v.at("compute_energy_kwh") + *v.at("transfer_energy_kwh") +
                     *v.at("storage_energy_kwh") + *v.at("auxiliary_energy_kwh");
  CHECK(sum == doctest::Approx(*v.at("facility_energy_kwh")).epsilon(1e-9));
  // Auxiliary holds cooling, power-chain losses and other loads, plus the servers' fans and
  // PSU losses (IT at the PUE boundary): strictly more than the three facility accounts.
  const double facility_overhead =
      *v.at("cooling_energy_kwh") + *v.at("power_chain_loss_kwh") + *v.at("other_energy_kwh");
  CHECK(*v.at("auxiliary_energy_kwh") > facility_overhead);
  CHECK(*v.at("auxiliary_energy_kwh") - facility_overhead < 0.2 * *v.at("it_energy_kwh"));
  // Two servers idle all the time at least: 2 × (400 W + 24 × 5 W) over 12 h = 12.48 kWh.
  CHECK(*v.at("storage_energy_kwh") >= 2 * (400 + 24 * 5) * 12 / 1e3 - 1e-9);
  CHECK(*v.at("storage_energy_kwh") < 2 * (1000 + 24 * 20) * 12 / 1e3);
  CHECK(*v.at("training_storage_kwh") > 0);      // its checkpoints and data reads
  CHECK(*v.at("inference_storage_kwh") == 0.0);  // a service reads nothing from storage
  CHECK(*v.at("training_transfer_kwh") > 0);     // its all-reduce over NVLink and the NICs

  // Every interval: the four traces add up to the facility's consumption.
  const auto total = read_dataset(opt.output, "facility/total_power_w");
  const auto c = read_dataset(opt.output, "facility/compute_power_w");
  const auto t = read_dataset(opt.output, "facility/transfer_power_w");
  const auto st = read_dataset(opt.output, "facility/storage_power_w");
  const auto a = read_dataset(opt.output, "facility/auxiliary_power_w");
  REQUIRE(total.size() == 12 * 12);  // 5-min intervals
  double storage_kwh = 0;
  for (std::size_t i = 0; i < total.size(); ++i) {
    CHECK(c[i] + t[i] + st[i] + a[i] == doctest::Approx(total[i]).epsilon(1e-6));
    storage_kwh += st[i] * 300 / 3.6e6;
  }
  CHECK(storage_kwh == doctest::Approx(*v.at("storage_energy_kwh")).epsilon(1e-6));

  // Per job: compute + transfer + auxiliary − its share of the facility's overhead is the
  // job's IT energy at its nodes; the storage share comes on top.
  const auto energy = read_dataset(opt.output, "jobs/energy_kwh");
  const auto jc = read_dataset(opt.output, "jobs/compute_kwh");
  const auto jt = read_dataset(opt.output, "jobs/transfer_kwh");
  const auto js = read_dataset(opt.output, "jobs/storage_kwh");
  const auto ja = read_dataset(opt.output, "jobs/auxiliary_kwh");
  const double pue = *v.at("pue");
  REQUIRE(energy.size() == 2);
  for (std::size_t j = 0; j < energy.size(); ++j) {
    // aux = overhead + (IT + storage) × (PUE − 1), IT = c + t + overhead
    const double it_plus_storage = (jc[j] + jt[j] + js[j] + ja[j]) / pue;
    CHECK(it_plus_storage - js[j] == doctest::Approx(energy[j]).epsilon(1e-9));
  }
}

TEST_CASE("without a storage system there is no storage energy; the split adds up to IT") {
  const auto dir = test::temp_dir("split-it");
  const auto sc = app::load_scenario_text(R"(name: it
duration: 2 h
cluster:
  racks: {count: 1, nodes_per_rack: 2}
  node: {type: dgx-h100}
workload:
  generator: list
  jobs: [{name: a, nodes: 1, duration: 1 h, mfu: 0.4}]
)",
                                          "it.yaml", dir.string());
  app::RunOptions opt;
  opt.output = (dir / "it.h5").string();
  const auto v = app::run(sc, opt).values;
  CHECK_FALSE(v.at("storage_energy_kwh").has_value());
  CHECK(*v.at("compute_energy_kwh") + *v.at("transfer_energy_kwh") +
            *v.at("auxiliary_energy_kwh") ==
        doctest::Approx(*v.at("it_energy_kwh")).epsilon(1e-9));
}

TEST_CASE("jobs sharing a node split its parts by the GPUs they hold") {
  // Two 4-GPU jobs on one DGX H100 (no facility): the node's compute, transfer and overhead
  // go to the jobs 1:1 while both run; each job's parts add up to its charged energy.
  const auto dir = test::temp_dir("split-shared");
  const auto sc = app::load_scenario_text(R"(name: shared
duration: 2 h
cluster:
  racks: {count: 1, nodes_per_rack: 1}
  node: {type: dgx-h100}
workload:
  generator: list
  jobs: [{name: a, nodes: 1, gpus: 4, duration: 1 h, mfu: 0.4},
         {name: b, nodes: 1, gpus: 4, duration: 1 h, mfu: 0.2}]
)",
                                          "shared.yaml", dir.string());
  app::RunOptions opt;
  opt.output = (dir / "shared.h5").string();
  const auto v = app::run(sc, opt).values;
  const auto energy = read_dataset(opt.output, "jobs/energy_kwh");
  const auto jc = read_dataset(opt.output, "jobs/compute_kwh");
  const auto jt = read_dataset(opt.output, "jobs/transfer_kwh");
  const auto ja = read_dataset(opt.output, "jobs/auxiliary_kwh");
  const auto start = read_dataset(opt.output, "jobs/start_s");
  REQUIRE(energy.size() == 2);
  CHECK(start[0] == start[1]);  // they share the node from the start
  for (std::size_t j = 0; j < 2; ++j)
    CHECK(jc[j] + jt[j] + ja[j] == doctest::Approx(energy[j]).epsilon(1e-9));
  CHECK(jc[0] == doctest::Approx(jc[1]).epsilon(1e-9));  // equal GPU shares of one node
  // The idle second hour stays with the facility.
  CHECK(jc[0] + jc[1] < *v.at("compute_energy_kwh"));
}
