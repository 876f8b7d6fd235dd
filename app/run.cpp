#include "app/run.hpp"

#include <unistd.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <numeric>
#include <sstream>
#include <utility>

#include "app/h5.hpp"
#include "app/meter_tables.hpp"
#include "app/output_layout.hpp"
#include "app/swing_output.hpp"
#include "app/uncertainty.hpp"
#include "app/version.hpp"
#include "app/zone_output.hpp"
#include "io/yaml_params.hpp"
#include "models/world/kpi.hpp"
#include "models/world/world.hpp"
#include "sim/input_files.hpp"
#include "sim/units.hpp"

namespace joule::app {

namespace fs = std::filesystem;
using models::world::World;

const std::vector<std::string>& summary_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> out;
    for (const auto& k : models::world::KpiRegistry::all()) out.push_back(k.name);
    return out;
  }();
  return keys;
}

models::world::WorldSections world_sections(const Scenario& sc) {
  models::world::WorldSections s;
  s.cluster = sc.root.find("cluster");
  s.workload = sc.root.find("workload");
  s.scheduler = sc.root.find("scheduler");
  s.facility.site = sc.root.find("site");
  s.facility.power_chain = sc.root.find("power_chain");
  s.facility.cooling = sc.root.find("cooling");
  s.duration = sc.duration;
  s.control_step = sc.control_step;
  // A node's calibration: a file's tree, or the map given inline (null: none).
  const auto calibration_of =
      [&](const sim::ParamNode* node) -> std::shared_ptr<const sim::ParamNode> {
    const sim::ParamNode* cal = node && node->is_map() ? node->find("calibration") : nullptr;
    if (cal && cal->is_scalar() && cal->scalar != "none") {
      const fs::path p = fs::path(cal->scalar).is_absolute()
                             ? fs::path(cal->scalar)
                             : fs::path(sim::directory_of(cal->where, sc.base_dir)) / cal->scalar;
      return std::make_shared<const sim::ParamNode>(
          io::parse_yaml_text(sim::read_input_file(p.string(), cal->where), p.string()));
    }
    if (cal && cal->is_map()) return std::make_shared<const sim::ParamNode>(*cal);
    return nullptr;
  };
  const sim::ParamNode* cluster = sc.root.find("cluster");
  s.calibration = calibration_of(cluster ? cluster->find("node") : nullptr);
  if (const sim::ParamNode* pools = cluster ? cluster->find("pools") : nullptr;
      pools && pools->is_sequence())
    for (const auto& pool : pools->items)
      s.pool_calibrations.push_back(calibration_of(pool.is_map() ? pool.find("node") : nullptr));
  return s;
}

namespace {

using sim::joules_per_kwh;

// The per-rack matrices and the GPU power histogram: float32 (relative rounding error ≤ 2^-24
// ≈ 6e-8, far below any model's accuracy; half the bytes to compress and store), without the
// shuffle filter (docs/reliability.md, "Round two (#20), fourth part: output"), at libdeflate's
// level 4: smaller than zlib's level 3 was (−10 % over a 100k-GPU year) for less CPU (−20 %);
// level 1 would cost 45 % less but store 14 % more (bench/bench_output.py; docs/reliability.md,
// "seventh part: deflate"). Chunks of 256 time rows × 128 racks (32,768 values, 128 KiB): a
// rack's next value lies 512 bytes on, within deflate's window, where a chunk of whole rows at
// 31,250 racks puts it 125 KB on, out of reach. Against 16 rows × all racks, the matrices store
// 36 % (100k-GPU year) to 43 % (1M GPUs, 30 days) smaller, and a busy hall's deflate 25 % faster
// ("ninth part: chunks"); levels 1–3 stay larger than level 4 in any shape.
constexpr h5::Storage matrix_storage{h5::Precision::float32, false, 4, true, 128, 32768};

// The facility traces (interval powers, temperatures, PUE, carbon, price, water): float32 as
// well, shuffled, at level 4. A year of 10,240 GPUs at 1-minute intervals: 27 such traces
// deflate in 0.32 s of CPU instead of 1.0 s as float64 at level 5, into 16.9 MiB instead of
// 37.9 MiB; level 5 stores 1 % less for 12 % more CPU, and without shuffle they store 17 %
// more (bench/bench_output.py --repeat 3; docs/reliability.md, "eleventh part: facility
// traces"). A trace's integral equals the summary's total to float32's rounding (≤ 6e-8
// relative).
constexpr h5::Storage trace_storage{h5::Precision::float32, true, 4};
// The cumulative counters (it_energy_kwh, energy_kwh) and the time: float64, shuffled, at level
// 5 (h5::Storage's default). A float32 counter of a year's energy would hold it to ~8 kWh, where
// a minute adds ~160 kWh (10k GPUs): a minute's difference would be off by up to 5 %.
constexpr h5::Storage counter_storage{};

// The three storages above (output.compression: portable) deflated by ISA-L at its level 1
// instead (fast, the default): the same values, a third to a fifth of the compression CPU, from
// 5 % fewer to 8 % more bytes than libdeflate's levels (docs/reliability.md, "twenty-fourth
// part: ISA-L"). ISA-L's level 0 stores 25–60 % more, level 2 about as much as level 1 for a
// little more CPU, and level 3 more than libdeflate, slower. Precision, shuffle and chunk shape
// stay as chosen above.
struct TraceStorages {
  h5::Storage matrix, trace, counter;
};
TraceStorages storages_for(Compression compression) {
  if (compression == Compression::portable) return {matrix_storage, trace_storage, counter_storage};
  const auto isal = [](h5::Storage s) {
    s.deflater = h5::Deflater::isal;
    s.level = 1;
    return s;
  };
  return {isal(matrix_storage), isal(trace_storage), isal(counter_storage)};
}

// Writes the traces while the world runs. Samples are engine events at the latest priority, so
// they see every change at their instant; each sample is the interval's energy delta divided by
// its length, so Σ sample × interval equals the total energy to rounding.
class Recorder {
public:
  Recorder(World& world, hid_t file, const Scenario& sc, const Calendar& calendar,
           bool compression_thread)
      : worker_(compression_thread),
        world_(world),
        storages_(storages_for(sc.output.compression)),
        duration_(sc.duration),
        warmup_(sc.warmup),
        calendar_(calendar),
        file_(file) {
    const auto& fac = world.facility();
    has_facility_ = fac.has_power_chain() || fac.has_cooling();
    {
      std::vector<std::string> meters = {"it", "compute", "transfer", "storage", "auxiliary"};
      if (has_facility_)
        for (const char* m :
             {"facility", "cooling", "losses", "other", "grid_import", "grid_export"})
          meters.emplace_back(m);
      if (fac.has_pv()) meters.emplace_back("pv");
      const models::environment::CivilTime start =
          fac.has_site() ? fac.site()->local_time(sim::Time::zero())
                         : models::environment::CivilTime{2023, 1, 1, 0, 0, 0};
      meters_ = std::make_unique<MeterTables>(std::move(meters), start);
    }
    facility_group_ = h5::create_group(file, "facility");
    racks_group_ = h5::create_group(file, "racks");
    const hid_t g = facility_group_.get();
    add(g, "time_s", "time from the start of the run (end of the interval)", "s",
        storages_.counter);
    add(g, "it_power_w", "IT power (server input)", "W");
    add(g, "it_energy_kwh", "cumulative IT energy", "kWh", storages_.counter);
    if (has_facility_) {
      add(g, "total_power_w", "facility consumption (before on-site PV and battery)", "W");
      add(g, "grid_import_w", "power drawn from the grid at the meter", "W");
      add(g, "grid_export_w", "power sent to the grid at the meter", "W");
      add(g, "losses_w", "power-chain losses", "W");
      add(g, "cooling_power_w", "cooling power", "W");
      add(g, "other_power_w", "other facility loads (offices, lighting, block heaters)", "W");
      add(g, "pue", "power usage effectiveness of the interval", "1");
      add(g, "energy_kwh", "cumulative facility energy", "kWh", storages_.counter);
    }
    if (fac.has_site()) {
      add(g, "outdoor_drybulb_c", "outdoor dry-bulb temperature", "degC");
      add(g, "wetbulb_c", "outdoor wet-bulb temperature", "degC");
      add(g, "carbon_gco2_per_kwh", "grid carbon intensity", "gCO2e/kWh");
      if (fac.site()->has_price()) add(g, "price_usd_per_mwh", "grid energy price", "USD/MWh");
    }
    for (const auto* part : {"compute", "transfer", "storage", "auxiliary"})
      add(g, std::string(part) + "_power_w",
          std::string(part) + " power of the four-way split (docs/output-format.md)", "W");
    if (fac.has_cooling()) {
      add(g, "water_l", "water used in the interval", "L");
      cooling_group_ = h5::create_group(g, "cooling");
      for (const auto name : models::cooling::component_names)
        add(cooling_group_.get(), std::string(name) + "_w",
            "cooling component power: " + std::string(name), "W");
      add(cooling_group_.get(), "rooms_w",
          "DX cooling of the UPS room and offices (loss heat of the spaces)", "W");
    }
    if (fac.has_pv()) {
      add(g, "pv_power_w", "on-site PV delivered to the bus (after curtailment)", "W");
      add(g, "pv_curtailed_w", "on-site PV curtailed at the export limit", "W");
    }
    if (fac.has_battery()) {
      add(g, "battery_charge_w", "AC power into the battery", "W");
      add(g, "battery_discharge_w", "AC power out of the battery", "W");
      add(g, "battery_soc", "battery state of charge at the end of the interval", "1");
    }
    if (fac.has_power_chain()) {
      losses_group_ = h5::create_group(g, "losses");
      for (const auto name : models::world::loss_stage_names)
        add(losses_group_.get(), std::string(name) + "_w",
            "power-chain stage loss: " + std::string(name), "W");
    }
    h5::set_attr(g, "interval_s", sc.output.facility_interval.seconds());
    h5::set_attr(g, "description",
                 std::string("Interval averages; time_s is the end of each interval; weather, "
                             "carbon and price are the values at that instant"));
    const std::size_t racks = world.rack_count();
    const hid_t rg = racks_group_.get();
    r_coord_ = h5::Series::coordinate(rg, "time", {}, &worker_, storages_.counter);
    describe_time(r_coord_->id(), calendar_);
    std::vector<std::int64_t> rack_ids(racks);
    for (std::size_t i = 0; i < racks; ++i) rack_ids[i] = static_cast<std::int64_t>(i);
    rack_scale_ = h5::write_coordinate(rg, "rack", rack_ids, {"rack index", "1"});
    const h5::Dimension time = r_coord_->dimension(), rack{"rack", rack_scale_.get()};
    const std::vector<const h5::Dimension*> matrix{&time, &rack};
    r_time_ = std::make_unique<h5::Series>(
        rg, "time_s", h5::Meta{"time from the start of the run (end of the interval)", "s"},
        std::vector<const h5::Dimension*>{&time}, 0, storages_.counter, &worker_);
    r_power_ = std::make_unique<h5::Series>(rg, "power_w", h5::Meta{"rack IT power", "W"}, matrix,
                                            racks, storages_.matrix, &worker_);
    if (fac.has_thermal())
      r_inlet_ = std::make_unique<h5::Series>(rg, "inlet_c", h5::Meta{"rack inlet air", "degC"},
                                              matrix, racks, storages_.matrix, &worker_);
    r_die_ = std::make_unique<h5::Series>(rg, "gpu_die_c",
                                          h5::Meta{"hottest accelerator die in the rack", "degC"},
                                          matrix, racks, storages_.matrix, &worker_);
    r_clock_ = std::make_unique<h5::Series>(
        rg, "gpu_clock",
        h5::Meta{"mean work rate of the rack's busy accelerators (1 = nominal; under a cap, the "
                 "core-bound share slows by f/f_nom)",
                 "1"},
        matrix, racks, storages_.matrix, &worker_);
    h5::set_attr(racks_group_.get(), "interval_s", sc.output.rack_interval.seconds());
    // Per-GPU power distribution, per rack interval (models/compute/gpu_power_histogram.hpp).
    // Dimensions: `time`, `bin` (its lower edge, W) and `bin_edges_w` (the n + 1 edges).
    gpu_group_ = h5::create_group(file, "gpu_power");
    const hid_t gg = gpu_group_.get();
    const auto& edges = world.gpu_power_bin_edges_w();
    g_coord_ = h5::Series::coordinate(gg, "time", {}, &worker_, storages_.counter);
    describe_time(g_coord_->id(), calendar_);
    edge_scale_ = h5::write_coordinate(gg, "bin_edges_w", edges, {"power bin edges", "W"});
    bin_scale_ =
        h5::write_coordinate(gg, "bin", std::vector<double>(edges.begin(), edges.end() - 1),
                             {"lower edge of the power bin (the last bin is open)", "W"});
    const h5::Dimension gtime = g_coord_->dimension(), bin{"bin", bin_scale_.get()};
    g_time_ = std::make_unique<h5::Series>(
        gg, "time_s", h5::Meta{"time from the start of the run (end of the interval)", "s"},
        std::vector<const h5::Dimension*>{&gtime}, 0, storages_.counter, &worker_);
    g_hist_ = std::make_unique<h5::Series>(
        gg, "gpu_seconds", h5::Meta{"accelerator time spent in the power bin", "GPU-s"},
        std::vector<const h5::Dimension*>{&gtime, &bin}, edges.size() - 1, storages_.matrix,
        &worker_);
    h5::set_attr(gpu_group_.get(), "description",
                 std::string("GPU-seconds per power bin [edge_i, edge_i+1) of every accelerator, "
                             "busy or idle, per rack interval; the last bin is open"));
    rack_energy_.assign(racks, 0.0);
    rack_row_.assign(racks, 0.0);
    // The columns of a facility sample's row: the groups' time coordinates, then the series in
    // the order the sample puts them (absent ones get none), so that their blocks are handed off
    // in the order single appends did.
    for (auto& [group, coord] : coords_) {
      columns_.push_back({coord.get(), group + "time"});
      block_rows_ = std::gcd(block_rows_, coord->free_rows());
    }
    for (auto& [key, series] : series_) block_rows_ = std::gcd(block_rows_, series->free_rows());
    const auto opt = [&](const std::string& key) {
      if (!series_.count(key)) return Slot{};
      h5::Series* series = series_.at(key).get();
      columns_.push_back({series, key});
      return Slot{static_cast<std::uint32_t>((columns_.size() - 1) * block_rows_)};
    };
    s_.time_s = opt("time_s");
    s_.it_power_w = opt("it_power_w");
    s_.it_energy_kwh = opt("it_energy_kwh");
    s_.total_power_w = opt("total_power_w");
    s_.losses_w = opt("losses_w");
    s_.cooling_power_w = opt("cooling_power_w");
    s_.other_power_w = opt("other_power_w");
    s_.pue = opt("pue");
    s_.energy_kwh = opt("energy_kwh");
    s_.grid_import_w = opt("grid_import_w");
    s_.grid_export_w = opt("grid_export_w");
    s_.pv_power_w = opt("pv_power_w");
    s_.pv_curtailed_w = opt("pv_curtailed_w");
    s_.battery_charge_w = opt("battery_charge_w");
    s_.battery_discharge_w = opt("battery_discharge_w");
    s_.battery_soc = opt("battery_soc");
    s_.outdoor_drybulb_c = opt("outdoor_drybulb_c");
    s_.wetbulb_c = opt("wetbulb_c");
    s_.carbon_gco2_per_kwh = opt("carbon_gco2_per_kwh");
    s_.price_usd_per_mwh = opt("price_usd_per_mwh");
    for (std::size_t i = 0; i < 4; ++i) s_.split[i] = opt(split_names[i]);
    s_.water_l = opt("water_l");
    for (std::size_t i = 0; i < models::cooling::component_count; ++i)
      s_.components[i] = opt("cooling/" + std::string(models::cooling::component_names[i]) + "_w");
    s_.cooling_rooms_w = opt("cooling/rooms_w");
    for (std::size_t i = 0; i < models::world::loss_stage_count; ++i)
      s_.stages[i] = opt("losses/" + std::string(models::world::loss_stage_names[i]) + "_w");
    if (s_.pue.column != no_column) pue_ = &columns_[s_.pue.column / block_rows_];
    for (const Column& c : columns_)
      overflow_.push_back(c.series->stores_float32() ? float32_overflow
                                                     : std::numeric_limits<double>::infinity());
    checked_columns_ = (columns_.size() + 3) / 4 * 4;
    overflow_.resize(checked_columns_, std::numeric_limits<double>::infinity());
    rows_.resize(block_rows_ * checked_columns_);
    row_ = rows_.data();
    // One facility power per sample (for the p99 KPI), its count known: reserved once, not
    // grown by doubling (each doubling copied the samples into fresh, page-faulted memory). At
    // most 2^24 samples (64 MiB) ahead: a longer record grows as it goes.
    if (has_facility_)
      facility_samples_.reserve(std::min<std::size_t>(
          std::size_t{1} << 24,
          static_cast<std::size_t>(sc.duration.ns() / sc.output.facility_interval.ns()) + 1));

    auto& sim = world.simulator();
    const sim::HandlerId f = sim.bind([this](std::uint64_t) { sample_facility(); });
    const sim::HandlerId r = sim.bind([this](std::uint64_t) { sample_racks(); });
    sim.every(sc.output.facility_interval, sc.output.facility_interval, f, 0, sim::max_priority);
    sim.every(sc.output.rack_interval, sc.output.rack_interval, r, 0, sim::max_priority);
  }

  // CPU seconds the chunk worker's thread has used: compressing the traces (h5::ChunkWorker).
  std::optional<double> compression_cpu_s() { return worker_.cpu_seconds(); }

  // Final (possibly partial) intervals at the end of the run.
  void finish() {
    const sim::Time now = world_.simulator().now();
    if (now > last_facility_) sample_facility();
    if (now > last_rack_) sample_racks();
    drain_rows();
    for (auto& [group, coord] : coords_) coord->flush();
    for (auto& [name, series] : series_) series->flush();
    r_coord_->flush();
    r_time_->flush();
    r_power_->flush();
    if (r_inlet_) r_inlet_->flush();
    r_die_->flush();
    r_clock_->flush();
    g_coord_->flush();
    g_time_->flush();
    g_hist_->flush();
    meters_->write(file_, calendar_);
  }

  // Interval-average facility power, for percentiles.
  const std::vector<float>& facility_samples_w() const { return facility_samples_; }
  bool has_facility() const { return has_facility_; }

private:
  // A 1-D series along its group's time coordinate (created with the group's first series).
  void add(hid_t group, const std::string& name, const std::string& long_name,
           const std::string& units) {
    add(group, name, long_name, units, storages_.trace);
  }
  void add(hid_t group, const std::string& name, const std::string& long_name,
           const std::string& units, const h5::Storage& storage) {
    const std::string prefix = group == facility_group_.get()  ? ""
                               : group == cooling_group_.get() ? "cooling/"
                                                               : "losses/";
    auto& coord = coords_[prefix];
    if (!coord) {
      coord = h5::Series::coordinate(group, "time", {}, &worker_, storages_.counter);
      describe_time(coord->id(), calendar_);
    }
    const h5::Dimension time = coord->dimension();
    series_[prefix + name] = std::make_unique<h5::Series>(group, name, h5::Meta{long_name, units},
                                                          std::vector<const h5::Dimension*>{&time},
                                                          0, storage, &worker_);
  }
  // A facility series as a sample sees it: where its column of `rows_` starts.
  static constexpr std::uint32_t no_column = std::numeric_limits<std::uint32_t>::max();
  struct Slot {
    std::uint32_t column = no_column;  // absent from the scenario: never put
  };
  // The magnitude from which a value no longer reads back finite (holds()): +inf for a double;
  // for float32 the midpoint between FLT_MAX = 2^128 − 2^104 and 2^128, 2^128 − 2^103, which
  // rounds to inf (to even: FLT_MAX's last bit is 1), as does any double beyond it.
  static constexpr double float32_overflow = 0x1.ffffffp127;
  // A facility sample writes its ~40 values to `rows_`, a column of block_rows_ values per
  // series, and every block_rows_ samples each column goes to its series in one append
  // (drain_rows()), where an append per value touched each series' fields and block, out of
  // cache by the next sample (docs/reliability.md, "fourteenth part").
  [[gnu::always_inline]] void put(const Slot& s, double v) { row_[s.column] = v; }
  // Whether every value of the sample's row is below its column's overflow (false for NaN):
  // tested once the row is made, four columns a pass, two a compare, so a bad value still stops
  // the run at its sample, where a test as each value was put moved a flag each time. The
  // columns are padded to a multiple of four with ones that stay 0 (`checked_columns_`): every
  // column goes through the same pass, without a tail.
  bool row_holds() const {
    const double* v = row_;
    const double* over = overflow_.data();
    const std::size_t stride = block_rows_;
#if defined(__SSE2__)
    const __m128d magnitude = _mm_castsi128_pd(_mm_set1_epi64x(0x7fffffffffffffff));
    __m128d bad = _mm_setzero_pd();
    const auto check = [&](const double* at, const double* limit) {
      const __m128d pair = _mm_loadh_pd(_mm_load_sd(at), at + stride);
      bad = _mm_or_pd(bad, _mm_cmpnlt_pd(_mm_and_pd(pair, magnitude), _mm_loadu_pd(limit)));
    };
    for (std::size_t k = 0; k < checked_columns_; k += 4, v += 4 * stride) {
      check(v, over + k);
      check(v + 2 * stride, over + k + 2);
    }
    return _mm_movemask_pd(bad) == 0;
#else
    for (std::size_t k = 0; k < checked_columns_; ++k, v += stride)
      if (!(std::abs(*v) < over[k])) return false;
    return true;
#endif
  }
  // The end of a sample: a bad value stops the run (naming the first), a full block is drained.
  void end_row() {
    if (!row_holds()) [[unlikely]] {
      for (std::size_t k = 0; k < columns_.size(); ++k) {
        const double v = row_[k * block_rows_];
        // The PUE of an interval without IT load is NaN, and allowed.
        if (!columns_[k].series->holds(v) && !(&columns_[k] == pue_ && std::isnan(v)))
          non_finite(columns_[k].key, v);
      }
    }
    ++row_;
    if (++filled_ == block_rows_) drain_rows();
  }
  void drain_rows() {
    if (filled_ == 0) return;
    for (std::size_t k = 0; k < columns_.size(); ++k)  // tested as they were put
      columns_[k].series->append_values(rows_.data() + k * block_rows_, filled_);
    filled_ = 0;
    row_ = rows_.data();
  }
  // A non-finite value is a bug (or an input no check caught): stop, naming the model.
  [[noreturn]] void non_finite(const std::string& key, double v) const {
    const auto starts = [&](const char* p) { return key.rfind(p, 0) == 0; };
    const char* model = "the facility (power_chain, cooling)";
    if (starts("cooling") || starts("water") || starts("racks/inlet"))
      model = "the cooling plant (cooling)";
    else if (starts("it_") || starts("racks/"))
      model = "the node model (cluster.node)";
    else if (starts("losses"))
      model = "the power chain (power_chain)";
    else if (starts("outdoor") || starts("wetbulb") || starts("carbon") || starts("price"))
      model = "the site data (site)";
    const char* what = std::isfinite(v) ? " gave a value beyond the output's float32 range ("
                                        : " gave a non-finite value (";
    throw std::runtime_error(model + std::string(what) + std::to_string(v) + ") for " + key +
                             " at " + sim::to_string(world_.simulator().now()));
  }
  // A row of a matrix, `n` values, value i at row[i * stride]: finite, and within the series'
  // type (float32's range: matrix_storage). The series tests the values as it stores them; the
  // first bad one is looked for only then.
  void put_row(h5::Series& series, const char* key, const double* row, std::size_t n,
               std::size_t stride = 1) {
    if (series.append_row(row, stride)) return;
    for (std::size_t i = 0; i < n; ++i)
      if (!series.holds(row[i * stride])) non_finite(key, row[i * stride]);
  }

  void sample_facility() {
    const sim::Time now = world_.simulator().now();
    if (now > duration_) return;
    const double dt_s = (now - last_facility_).seconds();
    const auto& fac = world_.facility();
    const auto& t = world_.facility_totals();
    // An account's energy since the last sample; its total now is kept for the next (each
    // account once, read where the sample reads it: no copy of all the totals).
    const auto since = [](double now_j, double& last_j) {
      const double j = now_j - last_j;
      last_j = now_j;
      return j;
    };
    const double it_j = world_.it_energy_j();
    // The meter energies (MeterTables::add): IT, the four parts, the facility's six, PV, in
    // place as they are taken (at most meter_j_.size(), the constructor's).
    double* const meter_j = meter_j_.data();
    std::size_t meters = 5;
    meter_j[0] = since(it_j, last_.it_j);
    const double it_w = meter_j[0] / dt_s;
    for (std::size_t k = 0; k < coords_.size(); ++k) row_[k * block_rows_] = now.seconds();
    put(s_.time_s, now.seconds());
    put(s_.it_power_w, it_w);
    put(s_.it_energy_kwh, it_j / joules_per_kwh);
    double fac_w = it_w;  // the meter tables' power: the facility's, else the IT's
    if (has_facility_) {
      models::power::LedgerTotals& l = last_.ledger;
      const models::power::LedgerTotals& m = t.ledger;
      meter_j[5] = since(t.facility_j, last_.facility_j);
      meter_j[6] = since(t.cooling_j, last_.cooling_j);
      meter_j[7] = since(t.losses_j, last_.losses_j);
      meter_j[8] = since(t.other_j, last_.other_j);
      meter_j[9] = since(m.import_j, l.import_j);
      meter_j[10] = since(m.export_j, l.export_j);
      meters = 11;
      fac_w = meter_j[5] / dt_s;
      put(s_.total_power_w, fac_w);
      put(s_.losses_w, meter_j[7] / dt_s);
      put(s_.cooling_power_w, meter_j[6] / dt_s);
      put(s_.other_power_w, meter_j[8] / dt_s);
      if (it_w > 0)
        put(s_.pue, fac_w / it_w);
      else
        row_[s_.pue.column] = std::nan("");  // no IT load: undefined, as documented
      put(s_.energy_kwh, t.facility_j / joules_per_kwh);
      facility_samples_.push_back(static_cast<float>(fac_w));
      put(s_.grid_import_w, meter_j[9] / dt_s);
      put(s_.grid_export_w, meter_j[10] / dt_s);
      if (fac.has_pv()) {
        meter_j[meters] = since(m.pv_j, l.pv_j);
        put(s_.pv_power_w, meter_j[meters++] / dt_s);
        put(s_.pv_curtailed_w, since(m.pv_curtailed_j, l.pv_curtailed_j) / dt_s);
      }
      if (fac.has_battery()) {
        put(s_.battery_charge_w, since(m.charge_j, l.charge_j) / dt_s);
        put(s_.battery_discharge_w, since(m.discharge_j, l.discharge_j) / dt_s);
        put(s_.battery_soc, fac.battery_soc());
      }
    }
    if (fac.has_site()) {
      put(s_.outdoor_drybulb_c, fac.outdoor().dry_bulb.value);
      put(s_.wetbulb_c, fac.outdoor().wet_bulb.value);
      put(s_.carbon_gco2_per_kwh, fac.carbon_intensity().value() * 1e3 * joules_per_kwh);
      if (fac.site()->has_price())
        put(s_.price_usd_per_mwh, fac.price().value() * (1e3 * joules_per_kwh));
    }
    {
      // The four-way split: IT parts from the split's accounts, auxiliary the rest of the meter.
      const auto p = world_.energy_split().facility_j();
      const double io_j = p[0] + p[1] + p[2];
      const double aux_j = has_facility_ ? t.facility_j - io_j : p[3];
      const std::array<double, 4> now_j{p[0], p[1], p[2], aux_j};
      for (std::size_t i = 0; i < 4; ++i) {
        meter_j[1 + i] = since(now_j[i], last_split_j_[i]);
        put(s_.split[i], meter_j[1 + i] / dt_s);
      }
      meters_->add(last_facility_.seconds(), now.seconds(), {meter_j, meters}, fac_w);
    }
    if (fac.has_cooling()) {
      put(s_.water_l, since(t.water_m3, last_.water_m3) * 1e3);
      for (std::size_t i = 0; i < models::cooling::component_count; ++i)
        put(s_.components[i], since(t.component_j[i], last_.component_j[i]) / dt_s);
      put(s_.cooling_rooms_w, since(t.room_cooling_j, last_.room_cooling_j) / dt_s);
    }
    if (fac.has_power_chain())
      for (std::size_t i = 0; i < models::world::loss_stage_count; ++i)
        put(s_.stages[i], since(t.stage_j[i], last_.stage_j[i]) / dt_s);
    end_row();
    last_facility_ = now;
    if (now == warmup_) {  // the end of the warmup: the accounts (KPIs) start now
      world_.reset_accounts();
      last_ = models::world::FacilityTotals{};
      last_split_j_ = {};
      facility_samples_.clear();
    }
  }

  void sample_racks() {
    const sim::Time now = world_.simulator().now();
    if (now > duration_) return;
    const double dt_s = (now - last_rack_).seconds();
    const auto& racks = world_.racks();
    // Both loops are vectorized two racks a pass; unrolled, the pass's pointer steps and test
    // are shared by more racks (the 100k scenario's 3,136 racks, 35,040 samples a year).
#pragma GCC unroll 4
    for (std::size_t i = 0; i < racks.size(); ++i) {
      const double energy_j = racks[i].energy_j;  // read once: the stores may alias it
      rack_row_[i] = (energy_j - rack_energy_[i]) / dt_s;
      rack_energy_[i] = energy_j;
    }
    r_coord_->append(now.seconds());
    r_time_->append(now.seconds());
    put_row(*r_power_, "racks/power_w", rack_row_.data(), racks.size());
    if (r_inlet_) {
      // Into the power row, stored now and still in cache, not into the facility's own copy
      // of the inlets, last written a sample ago (Facility::copy_inlets_c).
      world_.facility().copy_inlets_c(rack_row_);
      put_row(*r_inlet_, "racks/inlet_c", rack_row_.data(), racks.size());
    }
    // Instantaneous accelerator state at the sample: hottest die, mean clock of busy GPUs.
    // The rows read the (die, clock) pairs in place, every second double (no copy into two
    // rows: ~4 instructions a rack).
    const auto accelerators = world_.racks_accelerators();
    using Pair = std::pair<double, double>;
    static_assert(sizeof(Pair) == 2 * sizeof(double) && offsetof(Pair, second) == sizeof(double));
    const auto* const pairs = reinterpret_cast<const double*>(accelerators.data());
    put_row(*r_die_, "racks/gpu_die_c", pairs, racks.size(), 2);
    put_row(*r_clock_, "racks/gpu_clock", pairs + 1, racks.size(), 2);
    const std::vector<double> hist = world_.take_gpu_power_histogram();
    g_coord_->append(now.seconds());
    g_time_->append(now.seconds());
    put_row(*g_hist_, "gpu_power/gpu_seconds", hist.data(), hist.size());
    last_rack_ = now;
  }

  static constexpr const char* split_names[4] = {"compute_power_w", "transfer_power_w",
                                                 "storage_power_w", "auxiliary_power_w"};
  // The facility series, by name (those a scenario lacks stay empty and are never written).
  struct FacilitySlots {
    Slot time_s, it_power_w, it_energy_kwh, total_power_w, grid_import_w, grid_export_w, losses_w,
        cooling_power_w, other_power_w, pue, energy_kwh, outdoor_drybulb_c, wetbulb_c,
        carbon_gco2_per_kwh, price_usd_per_mwh, water_l, pv_power_w, pv_curtailed_w,
        battery_charge_w, battery_discharge_w, battery_soc, cooling_rooms_w;
    std::array<Slot, 4> split;
    std::array<Slot, models::cooling::component_count> components;
    std::array<Slot, models::world::loss_stage_count> stages;
  } s_;
  std::array<double, 4> last_split_j_{};
  // Compresses the chunks of every series below while the simulation goes on; declared before
  // them, so it outlives them.
  h5::ChunkWorker worker_;
  World& world_;
  TraceStorages storages_;  // by output.compression
  sim::Time duration_;
  sim::Time warmup_;
  Calendar calendar_;
  hid_t file_;
  std::unique_ptr<MeterTables> meters_;
  bool has_facility_ = false;
  h5::Handle facility_group_, racks_group_, cooling_group_, losses_group_, rack_scale_;
  h5::Handle gpu_group_, bin_scale_, edge_scale_;
  std::map<std::string, std::unique_ptr<h5::Series>> coords_;  // time, by group prefix
  std::map<std::string, std::unique_ptr<h5::Series>> series_;
  std::unique_ptr<h5::Series> r_coord_, r_time_, r_power_, r_inlet_, r_die_, r_clock_;
  std::unique_ptr<h5::Series> g_coord_, g_time_, g_hist_;
  std::vector<double> rack_energy_, rack_row_;
  // A facility sample's meter energies (MeterTables::add): IT, the four parts, the facility's
  // six, PV; filled in place, where a vector's appends each tested its capacity.
  std::array<double, 12> meter_j_{};
  // The facility samples' values (put(), end_row(), drain_rows()): each column's series and key
  // (for messages); the columns, block_rows_ values each, one after the other; where the sample
  // being taken goes in the first column; the samples held.
  struct Column {
    h5::Series* series;
    std::string key;
  };
  std::vector<Column> columns_;
  std::size_t block_rows_ = 256;  // divides every series' chunk length (gcd with each)
  const Column* pue_ = nullptr;   // NaN where there is no IT load (sample_facility)
  std::vector<double> rows_;
  double* row_ = nullptr;
  std::size_t filled_ = 0;
  // Each column's overflow (row_holds()), and the columns it tests: the padded count.
  std::vector<double> overflow_;
  std::size_t checked_columns_ = 0;
  std::vector<float> facility_samples_;
  // The accounts' totals at the last facility sample: those a sample reads, each kept as it is
  // read (sample_facility()).
  models::world::FacilityTotals last_;
  sim::Time last_facility_, last_rack_;
};

std::string resolve_output(const Scenario& sc, const RunOptions& opt) {
  if (!opt.output.empty()) return opt.output;
  if (!sc.output.file.empty()) {
    const fs::path p(sc.output.file);
    return p.is_absolute() ? p.string() : (fs::path(sc.base_dir) / p).string();
  }
  std::string name = sc.name;
  for (auto& c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) c = '_';
  return name + ".h5";
}

class Progress {
public:
  Progress(bool enabled, sim::Time duration) : enabled_(enabled), duration_(duration) {}
  void update(sim::Time now, bool final = false) {
    if (!enabled_) return;
    const auto wall = std::chrono::steady_clock::now();
    if (!final && wall - last_ < std::chrono::milliseconds(200)) return;
    last_ = wall;
    const double elapsed = std::chrono::duration<double>(wall - start_).count();
    const double done = now.seconds() / duration_.seconds();
    const double days_per_s = elapsed > 0 ? now.seconds() / 86400.0 / elapsed : 0.0;
    const double eta = done > 0 ? elapsed * (1 - done) / done : 0.0;
    std::fprintf(stderr, "\r  %s / %s  %5.1f%%  %.1f sim-days/s  ETA %.0f s   ",
                 sim::to_string(now).c_str(), sim::to_string(duration_).c_str(), 100 * done,
                 days_per_s, eta);
    if (final) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  }

private:
  bool enabled_;
  sim::Time duration_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace

namespace {

// Where the accelerators' figures come from: the node's calibration, or with `pools:` each
// pool's in turn ("pool 'a': …; pool 'b': …"), and their kind: `measurement` or `estimate` when
// every pool's is that, else `mixed`.
void write_calibration(hid_t root, const World& world) {
  const models::compute::ClusterSpec& cluster = world.cluster();
  const std::size_t pools = cluster.pooled ? cluster.pools.size() : 1;
  std::string source;
  std::size_t measured = 0;
  for (std::size_t p = 0; p < pools; ++p) {
    const models::compute::Calibration& c = world.pool_calibration(static_cast<std::uint32_t>(p));
    if (pools > 1) source += (p ? "; pool '" : "pool '") + cluster.pools[p].name + "': ";
    source += c.source;
    measured += c.kind == models::compute::SourceKind::measurement;
  }
  h5::set_attr(root, "calibration_source", source);
  h5::set_attr(root, "calibration_kind",
               std::string(measured == pools ? "measurement"
                           : measured == 0   ? "estimate"
                                             : "mixed"));
}

}  // namespace

Summary run(const Scenario& sc, const RunOptions& opt) {
  const auto wall_start = std::chrono::steady_clock::now();
  Summary summary;
  const std::string final_path = resolve_output(sc, opt);
  summary.output_file = final_path;
  OutputFile::check_final(final_path, opt.force);

  // Build (and so validate) everything before touching the disk. Every data file the models
  // read is recorded for the provenance (or served from a regenerated run's recorded inputs).
  sim::InputCapture inputs(opt.provenance.embed_inputs);
  for (const auto& [path, bytes] : opt.served_inputs) inputs.serve(path, bytes);
  World world(models::world::world_spec(world_sections(sc), sc.seed, sc.base_dir));
  // Sub-second windows and grid control (models/swing), validated before the disk is touched.
  SwingRun swing =
      make_swing_run(world, sc.root.find("swing"), sc.root.find("grid"), sc.duration, sc.base_dir);
  if (opt.provenance.rerun) check_rerun_inputs(inputs.files(), sc, *opt.provenance.rerun);
  if (!opt.announce.empty()) std::fprintf(stderr, "%s\n", opt.announce.c_str());
  std::vector<std::string> limit_notes = world.warnings();
  for (const auto& w : limit_notes) std::fprintf(stderr, "joule: warning: %s\n", w.c_str());

  // The partial file is clearly named, in the target folder (so the rename is atomic), and is
  // created now so an unwritable target is reported before the simulation starts. `out`
  // removes it on every way out but success; `file` is declared after it, so closes first.
  OutputFile out(final_path, opt.force);
  const std::string& partial = out.partial_path();
  h5::Handle file;
  try {
    file = h5::create_file(partial);
  } catch (const std::exception&) {
    throw OutputError("cannot write " + partial + " (is the folder writable and present?)");
  }

  const Calendar calendar = run_calendar(world);
  Recorder recorder(world, file.get(), sc, calendar, opt.compression_thread);
  Progress progress(opt.progress, sc.duration);
  auto& sim = world.simulator();
  // The engine looks at the flag after every event; slices draw the progress.
  sim.set_interrupt(opt.interrupted);
  const sim::Time slice = std::max(sim::minutes(1), sim::Time::from_ns(sc.duration.ns() / 1000));
  while (sim.now() < sc.duration) {
    if (opt.interrupted && opt.interrupted->load()) {
      summary.interrupted = true;
      return summary;  // the guard removes the partial file
    }
    const sim::Time next = std::min(sc.duration, sim.now() + slice);
    world.run_until(next);
    progress.update(sim.now());
  }
  progress.update(sim.now(), true);
  recorder.finish();
  summary.compression_cpu_s = recorder.compression_cpu_s();  // every chunk is written now

  {
    // Recorded in the file too (limit_violations), where `joule summary` shows them.
    const auto& fac = world.facility();
    char line[320];
    if (fac.has_cooling() && fac.over_capacity()) {
      std::snprintf(line, sizeof line,
                    "cooling capacity exceeded (%s) first at %s, in %lld control steps; unmet "
                    "heat %s kWh",
                    fac.over_capacity()->component.c_str(),
                    sim::to_string(fac.over_capacity()->first).c_str(),
                    static_cast<long long>(fac.over_capacity()->steps),
                    format_number(world.facility_totals().unmet_heat_j / joules_per_kwh).c_str());
      std::fprintf(stderr, "joule: warning: %s\n", line);
      limit_notes.push_back(line);
    }
    if (fac.has_power_chain() && world.facility_totals().overload_s > 0) {
      std::snprintf(
          line, sizeof line,
          "a power-chain stage (UPS or transformer) ran above its rating for %s h",
          format_number(world.facility_totals().overload_s / sim::seconds_per_hour).c_str());
      std::fprintf(stderr, "joule: warning: %s\n", line);
      limit_notes.push_back(line);
    }
  }
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  swing.finish();
  const models::world::RunRecord record{world,
                                        recorder.facility_samples_w(),
                                        sc.duration,
                                        wall_s,
                                        swing.swing_report ? &*swing.swing_report : nullptr,
                                        swing.grid_report ? &*swing.grid_report : nullptr};
  for (auto& [key, value] : models::world::compute_kpis(record)) summary.values[key] = value;
  const auto& v = summary.values;

  {
    // Limits the models could not meet (models/world/limits.hpp); their KPIs are in the registry.
    const auto& lim = world.limits();
    const auto report = [&](const char* what, const models::world::ViolationAccount& a) {
      if (a.seconds() <= 0) return;
      char line[320];
      std::snprintf(line, sizeof line,
                    "%s not met for %.6g s from %s: %.6g kWh drawn above it (peak excess %.4g kW)",
                    what, a.seconds(), sim::to_string(*a.first()).c_str(),
                    a.energy_j() / joules_per_kwh, a.peak_excess_w() / 1e3);
      std::fprintf(stderr, "joule: warning: %s\n", line);
      limit_notes.push_back(line);
    };
    report("rack power limit", lim.rack_limit());
    report("accelerator power cap", lim.gpu_cap());
  }
  for (const auto& [key, value] : v)
    if (value && !std::isfinite(*value) && key != "wall_s")
      throw std::runtime_error("the run's KPI " + key + " is " + std::to_string(*value) +
                               " (non-finite); the model that produced it has a bug or was given "
                               "values no check caught");

  write_jobs(file.get(), world, calendar);
  write_swing(file.get(), swing, calendar);
  summary.cooling_zones = write_cooling_zones(file.get(), world);
  const hid_t root = file.get();
  h5::set_attr(root, "Conventions", std::string("CF-1.8"));
  h5::set_attr(root, "title", "Joule simulation: " + sc.name);
  h5::set_attr(root, "scenario_name", sc.name);
  h5::set_attr(root, "seed", static_cast<std::int64_t>(sc.seed));
  write_provenance(root, sc, inputs.files(), opt.provenance, final_path);
  write_calibration(root, world);
  h5::set_attr(root, "policy", world.policy_name());
  h5::set_attr(root, "warmup_s", sc.warmup.seconds());
  h5::set_attr(root, "kpi_registry", models::world::kpi_registry_json());
  {
    std::string notes;
    for (const auto& n : limit_notes) notes += (notes.empty() ? "" : "\n") + n;
    h5::set_attr(root, "limit_violations", notes.empty() ? std::string("none") : notes);
    summary.notes = limit_notes;
  }
  {
    h5::Handle group = h5::create_group(root, "summary");
    for (const auto& [key, value] : v)
      if (value) h5::set_attr(group.get(), key, *value);
    summary.tariff = world.facility().site()->tariff_text();
    h5::set_attr(root, "tariff", summary.tariff);
  }
  h5::close_file(file);  // flush + close, checked: a full disk often shows up only here
  out.commit();
  return summary;
}

Summary read_summary(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw OutputError(path + " does not exist");
  Summary s;
  s.output_file = path;
  h5::Handle file;
  try {
    file = h5::open_file_readonly(path);
  } catch (const std::exception&) {
    throw OutputError(path + " is not an HDF5 file Joule can read");
  }
  if (H5Lexists(file.get(), "summary", H5P_DEFAULT) <= 0)
    throw OutputError(path + " has no /summary: not a finished Joule run");
  h5::Handle group(h5::check(H5Gopen2(file.get(), "summary", H5P_DEFAULT), "opening /summary"),
                   H5Gclose);
  for (const auto& key : summary_keys())
    s.values[key] = h5::has_attr(group.get(), key)
                        ? std::optional<double>(h5::get_double_attr(group.get(), key))
                        : std::nullopt;
  if (h5::has_attr(file.get(), "limit_violations")) {
    std::istringstream notes(h5::get_string_attr(file.get(), "limit_violations"));
    for (std::string line; std::getline(notes, line);)
      if (!line.empty() && line != "none") s.notes.push_back(line);
  }
  if (h5::has_attr(file.get(), "tariff")) s.tariff = h5::get_string_attr(file.get(), "tariff");
  s.cooling_zones = read_cooling_zones(file.get());
  group.reset();
  file.reset();
  for (const auto& [kpi, band] : read_bands(path)) s.bands[kpi] = {band.p5, band.p95};
  return s;
}

std::string summary_json(const Summary& s) {
  std::ostringstream out;
  out << "{";
  bool first = true;
  for (const auto& key : summary_keys()) {
    const auto it = s.values.find(key);
    out << (first ? "\n  " : ",\n  ") << '"' << key << "\": ";
    first = false;
    if (it == s.values.end() || !it->second || !std::isfinite(*it->second)) {
      out << "null";
    } else {
      char num[64];
      std::snprintf(num, sizeof num, "%.17g", *it->second);
      out << num;
    }
  }
  // P5/P50/P95 per KPI when the file holds `joule run --uncertainty` bands.
  if (!s.bands.empty() && !s.output_file.empty()) out << ",\n  " << bands_json(s.output_file);
  out << "\n}\n";
  return out.str();
}

std::string kpi_table() {
  std::ostringstream out;
  for (const auto& k : models::world::KpiRegistry::all()) {
    char line[160];
    std::snprintf(line, sizeof line, "  %-24s %-11s %-12s %s\n", k.name.c_str(), k.unit.c_str(),
                  k.topic.c_str(), k.label.c_str());
    out << line << "      " << k.description << "\n";
  }
  return out.str();
}

}  // namespace joule::app
