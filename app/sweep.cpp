// `joule sweep`, the sweep file: its keys, the axes (explicit variants, grids, Latin-hypercube
// samples), the expansion into named variants with their seeds, and each variant's scenario.
// Running: sweep_run.cpp; the summary table: sweep_table.cpp; the command and MPI:
// sweep_command.cpp.
#include "app/sweep.hpp"

#include <hdf5.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "app/docs.hpp"
#include "app/h5.hpp"
#include "app/sweep_detail.hpp"
#include "app/version.hpp"
#include "io/yaml_params.hpp"
#include "models/world/kpi.hpp"
#include "sim/input_file.hpp"
#include "sim/random.hpp"

namespace joule::app {

namespace fs = std::filesystem;
using namespace detail;

namespace fs = std::filesystem;

namespace {

// ---- the sweep file --------------------------------------------------------------------------

const sim::ModelDoc& sweep_doc() {
  static const sim::ModelDoc doc{
      "sweep",
      "sweep",
      "A sweep: a base scenario and the keys that vary",
      {{"name", "string", "-", "label"},
       {"description", "string", "-", "free text"},
       {"base", "string", "", "the base scenario, relative to this file"},
       {"set", "map", "-", "dotted keys set in every variant"},
       {"seeds", "string", "common", "common (the base seed) or per-variant"},
       {"axes", "map", "", "what varies: variants, grid and/or sample"}}};
  return doc;
}

const sim::ModelDoc& axes_doc() {
  static const sim::ModelDoc doc{
      "axes",
      "axes",
      "Factors of a sweep, combined as a product",
      {{"variants", "list", "-", "explicit variants: [{name: x, set: {key: value}}]"},
       {"grid", "map", "-", "key: [values] — every combination"},
       {"sample", "map", "-", "seeded random or Latin-hypercube sample of ranges"}}};
  return doc;
}

const sim::ModelDoc& variant_doc() {
  static const sim::ModelDoc doc{"variant",
                                 "variant",
                                 "One explicit variant",
                                 {{"name", "string", "-", "label used in the variant's name"},
                                  {"set", "map", "", "dotted keys and their values"}}};
  return doc;
}

const sim::ModelDoc& sample_doc() {
  static const sim::ModelDoc doc{
      "sample",
      "sample",
      "A sample of ranges",
      {{"method", "string", "lhs", "lhs (Latin hypercube) or random"},
       {"count", "integer", "", "number of points"},
       {"seed", "integer", "1", "seed of the sample (not of the runs)"},
       {"ranges", "map", "", "key: {min: 500 W, max: 700 W} or key: {values: [a, b]}"}}};
  return doc;
}

const sim::ModelDoc& range_doc() {
  static const sim::ModelDoc doc{"range",
                                 "range",
                                 "A sampled key",
                                 {{"min", "string", "-", "lower bound, with its unit"},
                                  {"max", "string", "-", "upper bound, in the same unit"},
                                  {"values", "list", "-", "choices, sampled evenly"}}};
  return doc;
}

sim::Location shift(sim::Location where, std::size_t offset) {
  if (where.column > 0) where.column += static_cast<int>(offset);
  return where;
}

// Checks that a key path is dotted identifiers, each optionally with one list item
// (`a.b[name].c`, split_key_path()); reports the offending character.
void check_path(const std::string& path, const sim::Location& where) {
  for (const KeyStep& step : split_key_path(path, where)) {
    const auto check = [&](const std::string& text, std::size_t offset) {
      for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'))
          throw sim::InputError(shift(where, offset + i),
                                "malformed key path '" + path + "': unexpected '" +
                                    std::string(1, c) +
                                    "' (write keys as a.b.c, a list item as "
                                    "a.b[name].c or a.b[0].c)");
      }
    };
    check(step.key, step.offset);
    if (step.item) check(*step.item, step.offset + step.key.size() + 1);
  }
}

Assignment make_assignment(const std::string& path, const sim::Location& key_where,
                           const sim::ParamNode& value) {
  check_path(path, key_where);
  Assignment a;
  a.path = path;
  a.key_where = key_where;
  a.value = value;
  a.value.path = path;
  if (value.kind == sim::ParamNode::Kind::null)
    throw sim::InputError(value.where.line ? value.where : key_where, path + " has no value");
  std::string text = to_yaml(value);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  a.text = text;
  return a;
}

std::vector<Assignment> read_set_map(const sim::ParamNode* node, const std::string& what) {
  std::vector<Assignment> out;
  if (!node || node->kind == sim::ParamNode::Kind::null) return out;
  if (!node->is_map()) throw sim::InputError(node->where, what + " must be a map of key: value");
  for (const auto& e : node->entries) out.push_back(make_assignment(e.key, e.key_where, e.value));
  return out;
}

// One factor of the product: its points (assignments) and a label for each point.
struct Factor {
  std::vector<std::vector<Assignment>> points;
  std::vector<std::string> labels;  // "" = label from the assignments
};

Factor read_variants(const sim::ParamNode& list) {
  if (!list.is_sequence() || list.items.empty())
    throw sim::InputError(list.where, "axes.variants must be a non-empty list of {name, set}");
  Factor f;
  std::set<std::string> names;
  for (const auto& item : list.items) {
    const sim::ParamReader r(&item, variant_doc(), {});
    std::string label;
    if (r.has("name")) {
      label = sanitize_name(r.string("name"));
      if (label.empty()) r.fail("name", "must contain a letter or digit");
      if (!names.insert(label).second) r.fail("name", "is used by two variants");
    }
    auto set = read_set_map(r.node("set"), "set");
    if (set.empty()) r.fail("set", "must set at least one key");
    f.points.push_back(std::move(set));
    f.labels.push_back(label);
  }
  return f;
}

Factor read_grid(const sim::ParamNode& grid) {
  if (!grid.is_map() || grid.entries.empty())
    throw sim::InputError(grid.where, "axes.grid must be a map of key: [values]");
  Factor f;
  f.points.push_back({});
  f.labels.push_back("");
  for (const auto& e : grid.entries) {
    std::vector<Assignment> values;
    if (e.value.is_sequence()) {
      if (e.value.items.empty())
        throw sim::InputError(e.value.where, e.key + ": the list of values is empty");
      for (const auto& item : e.value.items)
        values.push_back(make_assignment(e.key, e.key_where, item));
    } else {
      values.push_back(make_assignment(e.key, e.key_where, e.value));
    }
    // The first key varies slowest: extend every existing point by each value.
    if (f.points.size() * values.size() > max_variants)
      throw sim::InputError(
          e.key_where, "axes.grid makes more than " + std::to_string(max_variants) + " variants");
    Factor next;
    for (const auto& point : f.points)
      for (const auto& v : values) {
        auto p = point;
        p.push_back(v);
        next.points.push_back(std::move(p));
        next.labels.push_back("");
      }
    f = std::move(next);
  }
  return f;
}

// A number and its unit as written ("500 W" → 500, "W").
struct NumberWithUnit {
  double number = 0;
  std::string unit;
  bool integer = false;  // a bare integer ("4")
};

NumberWithUnit split_number(const sim::ParamNode& node, const std::string& what) {
  if (!node.is_scalar()) throw sim::InputError(node.where, what + " must be a value");
  try {
    (void)sim::parse_quantity(node.scalar);
  } catch (const sim::UnitError& e) {
    throw sim::InputError(shift(node.where, e.offset), what + ": " + e.message);
  }
  const std::string& s = node.scalar;
  NumberWithUnit out;
  char* end = nullptr;
  out.number = std::strtod(s.c_str(), &end);
  std::string rest(end);
  rest.erase(0, rest.find_first_not_of(' '));
  rest.erase(rest.find_last_not_of(' ') + 1);
  out.unit = rest;
  out.integer = rest.empty() && s.find_first_of(".eE") == std::string::npos;
  return out;
}

std::string format_sampled(double value, const std::string& unit) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  return unit.empty() ? std::string(buf) : std::string(buf) + " " + unit;
}

Factor read_sample(const sim::ParamNode& node) {
  const sim::ParamReader r(&node, sample_doc(), {});
  const std::string method = r.choice("method", {"lhs", "random"});
  const auto count = static_cast<std::size_t>(
      r.integer("count", sim::Range::between(1, static_cast<double>(max_variants))));
  const auto seed = static_cast<std::uint64_t>(r.integer("seed", sim::Range::non_negative()));
  const sim::ParamNode* ranges = r.node("ranges");
  if (!ranges || !ranges->is_map() || ranges->entries.empty())
    r.fail("ranges", "must be a map of key: {min, max} or key: {values: [...]}");

  // Each range maps u in [0, 1) to a value node located at the range.
  struct Range {
    std::string path;
    sim::Location key_where;
    const sim::ParamNode* node;
    NumberWithUnit min, max;
    const sim::ParamNode* values = nullptr;
  };
  std::vector<Range> dims;
  for (const auto& e : ranges->entries) {
    const sim::ParamReader rr(&e.value, range_doc(), {});
    Range d{e.key, e.key_where, &e.value, {}, {}, nullptr};
    check_path(e.key, e.key_where);
    if (rr.has("values")) {
      if (rr.has("min") || rr.has("max")) rr.fail("values", "give either values or min/max");
      d.values = rr.node("values");
      if (!d.values->is_sequence() || d.values->items.empty())
        rr.fail("values", "must be a non-empty list");
    } else {
      if (!rr.has("min") || !rr.has("max"))
        throw sim::InputError(e.value.where, e.key + ": give min and max (or values)");
      d.min = split_number(*rr.node("min"), e.key + ".min");
      d.max = split_number(*rr.node("max"), e.key + ".max");
      if (d.min.unit != d.max.unit)
        rr.fail("max", "must be written in the unit of min ('" + d.min.unit + "'), got '" +
                           d.max.unit + "'");
      if (!(d.min.number <= d.max.number)) rr.fail("max", "must be >= min");
      d.min.integer = d.min.integer && d.max.integer;
    }
    dims.push_back(d);
  }

  const auto points = method == "lhs" ? latin_hypercube(count, dims.size(), seed)
                                      : uniform_random(count, dims.size(), seed);
  Factor f;
  for (const auto& u : points) {
    std::vector<Assignment> point;
    for (std::size_t d = 0; d < dims.size(); ++d) {
      const Range& range = dims[d];
      sim::ParamNode value;
      if (range.values) {
        const auto n = range.values->items.size();
        value = range.values->items[std::min(n - 1, static_cast<std::size_t>(u[d] * n))];
      } else {
        value.kind = sim::ParamNode::Kind::scalar;
        value.where = range.node->where;
        const double lo = range.min.number, hi = range.max.number;
        if (range.min.integer) {
          // Integers: the strata of [lo, hi + 1) floored, so each integer is equally likely.
          const double v = std::floor(lo + u[d] * (hi - lo + 1));
          value.scalar = format_sampled(std::min(v, hi), "");
        } else {
          value.scalar = format_sampled(lo + u[d] * (hi - lo), range.min.unit);
        }
      }
      point.push_back(make_assignment(range.path, range.key_where, value));
    }
    f.points.push_back(std::move(point));
    f.labels.push_back("");
  }
  return f;
}

std::string value_label(const Assignment& a) {
  std::string text = flow_text(a.value);
  if (a.value.is_scalar() && text.find('/') != std::string::npos)
    text = fs::path(text).filename().string();  // file paths: their name
  return sanitize_name(text);
}

[[noreturn]] void relocate_error(const sim::InputError& e, const std::vector<Assignment>& sets) {
  const auto& source = e.where().source;
  if (source && source->name == "--set") {
    for (const auto& a : sets) {
      if (source->text != a.path + "=" + a.text) continue;
      const std::string& message = e.message();
      const auto column = static_cast<std::size_t>(std::max(e.where().column, 1));
      if (column <= a.path.size()) throw sim::InputError(shift(a.key_where, column - 1), message);
      throw sim::InputError(a.value.where, message);
    }
  }
  throw e;
}

// After `apply_set`, the nodes it touched point into the --set text; point them back into the
// sweep file (the keys along the path at their component, the value as written).
void overlay_locations(sim::ParamNode& target, const sim::ParamNode& from) {
  target.where = from.where;
  if (target.is_map() && from.is_map()) {
    for (const auto& e : from.entries)
      if (auto* t = const_cast<sim::ParamNode::Entry*>(target.find_entry(e.key))) {
        t->key_where = e.key_where;
        overlay_locations(t->value, e.value);
      }
  } else if (target.is_sequence() && from.is_sequence()) {
    for (std::size_t i = 0; i < std::min(target.items.size(), from.items.size()); ++i)
      overlay_locations(target.items[i], from.items[i]);
  }
}

void relocate_assignment(sim::ParamNode& root, const Assignment& a) {
  sim::ParamNode* node = &root;
  const std::vector<KeyStep> steps = split_key_path(a.path, a.key_where);
  for (std::size_t s = 0; s < steps.size(); ++s) {
    if (!node->is_map()) return;
    auto* entry = const_cast<sim::ParamNode::Entry*>(node->find_entry(steps[s].key));
    if (!entry) return;
    entry->key_where = shift(a.key_where, steps[s].offset);
    sim::ParamNode* target = &entry->value;
    if (steps[s].item) {
      target = const_cast<sim::ParamNode*>(select_item(*target, *steps[s].item));
      if (!target) return;
    }
    if (s + 1 == steps.size()) {
      overlay_locations(*target, a.value);
      return;
    }
    if (target->where.name() == "--set") target->where = entry->key_where;
    node = target;
  }
}

}  // namespace

// ---- loading and expansion -------------------------------------------------------------------

std::string sanitize_name(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == ' ' || c == '\t' || c == '"' || c == '\'') continue;
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                    c == '=' || c == '+' || c == '-';
    const char k = ok ? c : '_';
    if (k == '_' && !out.empty() && out.back() == '_') continue;
    out += k;
  }
  while (!out.empty() && (out.back() == '_' || out.back() == '.')) out.pop_back();
  while (!out.empty() && (out.front() == '_' || out.front() == '.')) out.erase(0, 1);
  return out;
}

std::vector<std::vector<double>> latin_hypercube(std::size_t count, std::size_t dims,
                                                 std::uint64_t seed) {
  sim::Rng rng = sim::RandomStreams(seed).stream("sweep.lhs");
  std::vector<std::vector<double>> points(count, std::vector<double>(dims));
  std::vector<std::size_t> strata(count);
  for (std::size_t d = 0; d < dims; ++d) {
    for (std::size_t i = 0; i < count; ++i) strata[i] = i;
    for (std::size_t i = count; i > 1; --i)  // Fisher–Yates
      std::swap(strata[i - 1], strata[rng.below(i)]);
    for (std::size_t i = 0; i < count; ++i)
      points[i][d] = (static_cast<double>(strata[i]) + rng.uniform()) / static_cast<double>(count);
  }
  return points;
}

std::vector<std::vector<double>> uniform_random(std::size_t count, std::size_t dims,
                                                std::uint64_t seed) {
  sim::Rng rng = sim::RandomStreams(seed).stream("sweep.random");
  std::vector<std::vector<double>> points(count, std::vector<double>(dims));
  for (auto& p : points)
    for (auto& x : p) x = rng.uniform();
  return points;
}

Sweep load_sweep_text(const std::string& text, const std::string& name, const std::string& base_dir,
                      const std::atomic<bool>* interrupted) {
  Sweep sweep;
  sweep.source = name;
  sweep.text = text;
  const sim::ParamNode root = io::parse_yaml_text(text, name);
  if (!root.is_map())
    throw sim::InputError(root.where, "a sweep file is a map with base: and axes:");
  const sim::ParamReader r(&root, sweep_doc(), {});

  const std::string base = r.string("base");
  sweep.base_path = (fs::path(base_dir) / base).lexically_normal().string();
  std::error_code ec;
  if (!fs::is_regular_file(sweep.base_path, ec))
    r.fail("base", "cannot read the scenario '" + sweep.base_path + "'");
  sweep.common = read_set_map(r.node("set"), "set");
  sweep.seeds = r.choice("seeds", {"common", "per-variant"}) == "common" ? SeedPolicy::common
                                                                         : SeedPolicy::per_variant;

  const sim::ParamReader axes(r.node("axes"), axes_doc(), {});
  std::vector<Factor> factors;
  if (axes.has("variants")) factors.push_back(read_variants(*axes.node("variants")));
  if (axes.has("grid")) factors.push_back(read_grid(*axes.node("grid")));
  if (axes.has("sample")) factors.push_back(read_sample(*axes.node("sample")));
  if (factors.empty()) r.fail("axes", "must hold variants, grid or sample");

  // Columns: every path, in order of appearance; a path set by two factors is ambiguous.
  std::map<std::string, std::pair<std::size_t, sim::Location>> owner;
  for (std::size_t f = 0; f < factors.size(); ++f)
    for (const auto& point : factors[f].points)
      for (const auto& a : point) {
        const auto [it, fresh] = owner.emplace(a.path, std::make_pair(f, a.key_where));
        if (fresh)
          sweep.parameters.push_back(a.path);
        else if (it->second.first != f)
          throw sim::InputError(a.key_where, a.path + " is varied by two axes", it->second.second,
                                "also varied here");
      }
  for (const auto& c : sweep.common)
    if (owner.count(c.path))
      throw sim::InputError(c.key_where, c.path + " is both set for every variant and varied",
                            owner.at(c.path).second, "varied here");

  // Short labels (the last component) unless two parameters share it.
  std::map<std::string, std::string> label_of;
  std::map<std::string, int> last_count;
  auto last = [](const std::string& p) { return p.substr(p.rfind('.') + 1); };
  for (const auto& p : sweep.parameters) ++last_count[last(p)];
  for (const auto& p : sweep.parameters) label_of[p] = last_count[last(p)] > 1 ? p : last(p);

  // The base scenario (with the common sets): its seed, and the values the table shows for
  // parameters a variant leaves alone.
  LoadOptions base_options;
  for (const auto& c : sweep.common) base_options.sets.push_back(c.path + "=" + c.text);
  Scenario base_sc;
  try {
    base_sc = load_scenario(sweep.base_path, base_options);
  } catch (const sim::InputError& e) {
    relocate_error(e, sweep.common);
  }
  sweep.base_seed = base_sc.seed;
  for (const auto& p : sweep.parameters) {
    const sim::ParamNode* n = find_key_path(base_sc.root, p);
    sweep.base_values.push_back(n ? flow_text(*n) : "");
  }

  std::size_t total = 1;
  for (const auto& f : factors) {
    total *= f.points.size();  // each factor ≤ max_variants: no overflow before the check
    if (total > max_variants)
      r.fail("axes", "make more than " + std::to_string(max_variants) + " variants");
  }
  const int width = std::max<int>(4, static_cast<int>(std::to_string(total - 1).size()));
  for (std::size_t index = 0; index < total; ++index) {
    if (interrupted && interrupted->load()) throw SweepInterrupted();
    Variant v;
    v.index = index;
    const std::string digits = std::to_string(index);
    v.name = "v" + std::string(static_cast<std::size_t>(width) - digits.size(), '0') + digits;
    // Mixed radix, the first factor slowest.
    std::size_t rest = index, stride = total;
    for (const auto& f : factors) {
      stride /= f.points.size();
      const std::size_t k = rest / stride;
      rest %= stride;
      v.assignments.insert(v.assignments.end(), f.points[k].begin(), f.points[k].end());
      if (!f.labels[k].empty()) {
        v.name += "-" + f.labels[k];
      } else {
        for (const auto& a : f.points[k]) v.name += "-" + label_of[a.path] + "=" + value_label(a);
      }
    }
    if (v.name.size() > 120) v.name.resize(120);  // the index prefix keeps names unique
    const auto sets = all_sets(sweep, v);
    if (sets_seed(sets)) {
      const auto& a =
          *std::find_if(sets.begin(), sets.end(), [](const auto& s) { return s.path == "seed"; });
      v.seed = std::strtoull(a.text.c_str(), nullptr, 10);
    } else if (sweep.seeds == SeedPolicy::per_variant) {
      std::string key = std::to_string(sweep.base_seed);
      for (const auto& a : v.assignments) key += "\n" + a.path + "=" + a.text;
      v.seed = sim::stable_hash(key) & ((std::uint64_t{1} << 53) - 1);  // exact as a double
    } else {
      v.seed = sweep.base_seed;
    }
    sweep.variants.push_back(std::move(v));
  }
  return sweep;
}

Sweep load_sweep(const std::string& path, const std::atomic<bool>* interrupted) {
  const std::string text = sim::read_bounded_file(path, {}, "file");
  return load_sweep_text(text, path, fs::absolute(path).parent_path().string(), interrupted);
}

std::vector<std::string> variant_sets(const Sweep& sweep, const Variant& variant) {
  std::vector<std::string> out;
  for (const auto& a : all_sets(sweep, variant)) out.push_back(a.path + "=" + a.text);
  return out;
}

Scenario variant_scenario(const Sweep& sweep, const Variant& variant) {
  const auto sets = all_sets(sweep, variant);
  LoadOptions options;
  options.sets = variant_sets(sweep, variant);
  if (sweep.seeds == SeedPolicy::per_variant && !sets_seed(sets)) options.seed = variant.seed;
  Scenario sc;
  try {
    sc = load_scenario(sweep.base_path, options);
  } catch (const sim::InputError& e) {
    relocate_error(e, sets);
  }
  for (const auto& a : sets) relocate_assignment(sc.root, a);
  return sc;
}

void validate_sweep(Sweep& sweep, const std::atomic<bool>* interrupted, unsigned jobs) {
  const std::size_t n = sweep.variants.size();
  struct Outcome {
    Validation found;
    std::exception_ptr error;
  };
  std::vector<Outcome> outcomes(n);
  std::atomic<std::size_t> next{0};
  // Lowest index that failed so far: no worker starts a variant past it, and every variant
  // before it is checked, so the error thrown is the same for any number of threads.
  std::atomic<std::size_t> first_error{n};
  std::atomic<bool> stopped{false};
  auto worker = [&] {
    for (std::size_t k = next.fetch_add(1); k < first_error.load(); k = next.fetch_add(1)) {
      if (interrupted && interrupted->load()) {
        stopped = true;
        return;
      }
      const Variant& v = sweep.variants[k];
      try {
        const Scenario sc = variant_scenario(sweep, v);
        try {
          outcomes[k].found = check_scenario(sc);
          // The `uncertainty:` section, as `joule validate` checks it.
          if (sc.root.find("uncertainty")) (void)scenario_coefficients(sc);
        } catch (const sim::InputError& e) {
          relocate_error(e, all_sets(sweep, v));
        }
      } catch (...) {
        outcomes[k].error = std::current_exception();
        for (std::size_t e = first_error.load(); k < e;)
          if (first_error.compare_exchange_weak(e, k)) break;
      }
    }
  };
  on_threads(worker_count(jobs, n), worker);
  const std::size_t failed = first_error.load();
  for (std::size_t k = 0; k < std::min(failed + 1, n); ++k) {
    for (const auto& w : outcomes[k].found.warnings)
      std::fprintf(stderr, "joule: warning: %s: %s\n", sweep.variants[k].name.c_str(), w.c_str());
    sweep.variants[k].cost = outcomes[k].found.cost;
  }
  if (failed < n) std::rethrow_exception(outcomes[failed].error);
  if (stopped) throw SweepInterrupted();
}

std::vector<std::size_t> run_order(const Sweep& sweep, std::vector<std::size_t> indices) {
  std::stable_sort(indices.begin(), indices.end(), [&](std::size_t a, std::size_t b) {
    return sweep.variants[a].cost > sweep.variants[b].cost;
  });
  return indices;
}

PreparedSweep prepare_sweep(const std::string& sweep_path, bool check,
                            const std::atomic<bool>* interrupted, unsigned jobs) {
  PreparedSweep p;
  try {
    p.sweep = load_sweep(sweep_path, interrupted);
    if (check) validate_sweep(p.sweep, interrupted, jobs);
  } catch (const sim::InputError& e) {
    p.code = 2;
    p.message = e.what();
  } catch (const SweepInterrupted&) {
    p.code = 130;
    p.message =
        "joule: sweep interrupted while its variants were expanded and checked; nothing run";
  }
  return p;
}

namespace detail {

// A value on one line: scalars as written, lists and maps in flow style.
std::string flow_text(const sim::ParamNode& node) {
  switch (node.kind) {
    case sim::ParamNode::Kind::null:
      return "";
    case sim::ParamNode::Kind::scalar:
      return node.scalar;
    case sim::ParamNode::Kind::sequence: {
      std::string out = "[";
      for (std::size_t i = 0; i < node.items.size(); ++i)
        out += (i ? ", " : "") + flow_text(node.items[i]);
      return out + "]";
    }
    case sim::ParamNode::Kind::map: {
      std::string out = "{";
      for (std::size_t i = 0; i < node.entries.size(); ++i)
        out += (i ? ", " : "") + node.entries[i].key + ": " + flow_text(node.entries[i].value);
      return out + "}";
    }
  }
  return "";
}

std::vector<Assignment> all_sets(const Sweep& sweep, const Variant& v) {
  std::vector<Assignment> sets = sweep.common;
  sets.insert(sets.end(), v.assignments.begin(), v.assignments.end());
  return sets;
}

bool sets_seed(const std::vector<Assignment>& sets) {
  return std::any_of(sets.begin(), sets.end(), [](const auto& a) { return a.path == "seed"; });
}

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string number_text(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest exact form
  return std::string(buf, r.ptr);
}

}  // namespace detail

}  // namespace joule::app
