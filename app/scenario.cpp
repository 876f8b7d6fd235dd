#include "app/scenario.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>

#include "io/yaml_params.hpp"
#include "models/compute/user_catalog.hpp"
#include "sim/input_file.hpp"
#include "sim/input_files.hpp"

namespace joule::app {

namespace fs = std::filesystem;

const sim::ModelDoc& scenario_doc() {
  static const sim::ModelDoc doc{
      "scenario",
      "scenario",
      "Top level of a scenario file",
      {{"name", "string", "unnamed", "label recorded in the output"},
       {"description", "string", "-", "free text"},
       {"extends", "string", "-", "a base scenario (path relative to this file) to override"},
       {"seed", "integer", "42", "seed of every random stream"},
       {"duration", "s", "1 d", "simulated time"},
       {"control_step", "s", "1 min", "step of the cooling plant and thermal network"},
       {"warmup", "s", "0 s",
        "start of the accounting: energy, carbon, cost, water, peaks and PUE count from here "
        "(a multiple of output.facility_interval; traces cover the whole run)"},
       {"site", "map", "-", "weather, grid carbon and price"},
       {"catalog", "string", "-",
        "user hardware catalog file (chips and nodes, path relative to this file; see "
        "'catalog.accelerators[]' and 'catalog.nodes[]')"},
       {"cluster", "map", "-", "racks and node model"},
       {"power_chain", "map", "-", "PSU, PDU, UPS, transformer, battery, PV"},
       {"cooling", "map", "-", "cooling plant"},
       {"workload", "map", "", "where jobs come from (`generator` selects the source)"},
       {"scheduler", "map", "-", "scheduling policy"},
       {"output", "map", "-", "output file and trace intervals"},
       {"swing", "map", "-", "sub-second power windows, swing metrics and mitigations"},
       {"grid", "map", "-", "interconnection limit, ramp limit, demand-response events"},
       {"uncertainty", "map", "-",
        "spreads of coefficients for `joule run --uncertainty N` (see 'uncertainty')"}}};
  return doc;
}

const sim::ModelDoc& output_doc() {
  static const sim::ModelDoc doc{
      "output",
      "output",
      "What is written, and how often",
      {{"file", "string", "-", "HDF5 output path (the command line's -o wins)"},
       {"facility_interval", "s", "1 min", "facility trace interval"},
       {"rack_interval", "s", "15 min", "per-rack trace interval"},
       {"compression", "string", "fast",
        "fast (ISA-L: its bytes may differ between CPUs, and now and then between runs) or "
        "portable (libdeflate, 3-5x the compression CPU: the same bytes every run, on every CPU); "
        "the same values either way"}}};
  return doc;
}

namespace {
const bool documented = [] {
  sim::model_docs().push_back(&scenario_doc());
  sim::model_docs().push_back(&output_doc());
  return true;
}();
}  // namespace

namespace {

// The keys that choose which model reads a map: a cooling plant's or a component's `type:`, the
// workload's `generator:`, the scheduler's `policy:`, an arrival `process:`. Each model has keys
// of its own, so a map that chooses another model starts afresh.
constexpr std::array<std::string_view, 4> selector_keys = {"type", "generator", "policy",
                                                           "process"};

bool selects_another_model(const sim::ParamNode& base, const sim::ParamNode& over) {
  if (!base.is_map() || !over.is_map()) return false;
  for (const std::string_view key : selector_keys) {
    const sim::ParamNode* a = base.find(key);
    const sim::ParamNode* b = over.find(key);
    if (a && b && a->is_scalar() && b->is_scalar() && a->scalar != b->scalar) return true;
  }
  return false;
}

// `key: !replace` with no value: the key is removed from the base.
bool is_removal(const sim::ParamNode& n) {
  return n.replace && n.kind == sim::ParamNode::Kind::null;
}

// A removal where there is nothing to remove from: an error, not a silent no-op.
void reject_removals(const sim::ParamNode& n) {
  for (const auto& e : n.entries) {
    if (is_removal(e.value))
      throw sim::InputError(e.key_where, "'" + e.key +
                                             ": !replace' with no value removes a key the "
                                             "extended scenario sets, but there is none here "
                                             "to remove");
    reject_removals(e.value);
  }
  for (const auto& item : n.items) reject_removals(item);
}

std::vector<std::string> keys_of(const sim::ParamNode& map) {
  std::vector<std::string> out;
  for (const auto& e : map.entries) out.push_back(e.key);
  return out;
}

}  // namespace

void merge_params(sim::ParamNode& base, const sim::ParamNode& over) {
  if (base.is_map() && over.is_map() && !over.replace && !selects_another_model(base, over)) {
    for (const auto& e : over.entries) {
      auto* existing = const_cast<sim::ParamNode::Entry*>(base.find_entry(e.key));
      if (is_removal(e.value)) {
        if (!existing) {
          std::string msg = "'" + e.key +
                            ": !replace' removes an inherited key, but the base "
                            "sets no '" +
                            e.key + "'" + (base.path.empty() ? std::string() : " in " + base.path);
          const std::string hint = sim::closest_match(e.key, keys_of(base));
          if (!hint.empty()) msg += " (did you mean '" + hint + "'?)";
          throw sim::InputError(e.key_where, msg);
        }
        base.entries.erase(base.entries.begin() + (existing - base.entries.data()));
        continue;
      }
      if (existing) {
        merge_params(existing->value, e.value);
        existing->key_where = e.key_where;
      } else {
        reject_removals(e.value);
        base.entries.push_back(e);
      }
    }
    base.where = over.where;
    return;
  }
  reject_removals(over);
  const std::string path = base.path;
  base = over;
  base.path = path;
}

namespace {

void repath(sim::ParamNode& node, const std::string& path) {
  node.path = path;
  for (auto& e : node.entries) repath(e.value, path.empty() ? e.key : path + "." + e.key);
  for (std::size_t i = 0; i < node.items.size(); ++i)
    repath(node.items[i], path + "[" + std::to_string(i) + "]");
}

YAML::Node to_yaml_node(const sim::ParamNode& node) {
  switch (node.kind) {
    case sim::ParamNode::Kind::null:
      return YAML::Node(YAML::NodeType::Null);
    case sim::ParamNode::Kind::scalar:
      return YAML::Node(node.scalar);
    case sim::ParamNode::Kind::sequence: {
      YAML::Node out(YAML::NodeType::Sequence);
      for (const auto& item : node.items) out.push_back(to_yaml_node(item));
      return out;
    }
    case sim::ParamNode::Kind::map: {
      YAML::Node out(YAML::NodeType::Map);
      for (const auto& e : node.entries) out[e.key] = to_yaml_node(e.value);
      return out;
    }
  }
  return {};
}

// The parsed trees of the last files read (`extends` bases, scenario files), by path, with the
// text they were parsed from: a file read again with the same bytes (a sweep loads its base once
// per variant; every scenario of a what-if family extends the same base) is not parsed again.
// The file is still read each time, so an edited file is parsed afresh. Any thread.
sim::ParamNode parse_file_text(const std::string& text, const std::string& name) {
  struct Parsed {
    std::string text;
    sim::ParamNode node;
  };
  static std::mutex mutex;
  static std::map<std::string, Parsed> parsed;
  constexpr std::size_t max_files = 32, max_text_bytes = std::size_t{1} << 20;
  {
    std::lock_guard lock(mutex);
    const auto it = parsed.find(name);
    if (it != parsed.end() && it->second.text == text) return it->second.node;
  }
  sim::ParamNode node = io::parse_yaml_text(text, name);
  if (text.size() <= max_text_bytes) {
    std::lock_guard lock(mutex);
    if (parsed.size() >= max_files) parsed.clear();
    parsed[name] = Parsed{text, node};
  }
  return node;
}

// Loads a scenario's text and its extends chain, base first. `from_file`: the text is a file's
// (and may be parsed from the cache above); otherwise text given directly (the fuzzer, tests).
sim::ParamNode load_chain(const std::string& text, const std::string& name,
                          const std::string& base_dir, std::set<std::string>& seen,
                          bool from_file) {
  sim::ParamNode node = from_file ? parse_file_text(text, name) : io::parse_yaml_text(text, name);
  if (node.kind == sim::ParamNode::Kind::null) {
    // An empty file (or /dev/null, or only comments) is a mistake, not a scenario of defaults.
    node.where.source = std::make_shared<const sim::SourceText>(sim::SourceText{name, text});
    node.where.line = node.where.column = 1;
    throw sim::InputError(node.where,
                          "the scenario is empty (it needs at least 'cluster:' and "
                          "'workload:' sections)");
  }
  if (!node.is_map()) throw sim::InputError(node.where, "a scenario must be a map of sections");
  const sim::ParamNode::Entry* ext = node.find_entry("extends");
  if (!ext) {
    reject_removals(node);
    return node;
  }
  if (!ext->value.is_scalar())
    throw sim::InputError(ext->value.where, "extends must be a file path");
  const fs::path base_path = fs::path(base_dir) / ext->value.scalar;
  // A path the file system cannot resolve (a component too long, ...) is not an exception here:
  // it is compared as written, and reported as unreadable just below.
  std::error_code ec;
  const fs::path resolved = fs::weakly_canonical(base_path, ec);
  const std::string canonical = (ec ? base_path.lexically_normal() : resolved).string();
  if (!seen.insert(canonical).second)
    throw sim::InputError(ext->value.where,
                          "extends forms a cycle through '" + ext->value.scalar + "'");
  if (!fs::is_regular_file(base_path, ec))
    throw sim::InputError(ext->value.where,
                          "extends: cannot read file '" + base_path.string() + "'");
  const std::string base_text =
      sim::read_bounded_file(base_path.string(), ext->value.where, "file");
  sim::ParamNode merged =
      load_chain(base_text, base_path.string(), base_path.parent_path().string(), seen, true);
  node.entries.erase(std::remove_if(node.entries.begin(), node.entries.end(),
                                    [](const auto& e) { return e.key == "extends"; }),
                     node.entries.end());
  merge_params(merged, node);
  return merged;
}

Scenario finish(sim::ParamNode root, const std::string& name, const std::string& base_dir,
                const LoadOptions& options) {
  for (const auto& s : options.sets) apply_set(root, s);
  repath(root, "");
  Scenario sc;
  sc.source_name = name;
  sc.base_dir = base_dir;
  const sim::ParamReader top(&root, scenario_doc(), {});
  // The sections every world needs, reported at the top of the file rather than, later, at
  // no place at all.
  for (const char* section : {"cluster", "workload"}) {
    const sim::ParamNode* n = root.find(section);
    if (!n || n->kind == sim::ParamNode::Kind::null) {
      sim::Location at = root.where;
      if (at.line <= 0) at.line = at.column = 1;
      throw sim::InputError(at, "the scenario has no '" + std::string(section) + ":' section");
    }
  }
  sc.name = top.string("name");
  if (top.has("description")) sc.description = top.string("description");
  sc.seed = static_cast<std::uint64_t>(top.integer("seed", sim::Range::non_negative()));
  if (options.seed) sc.seed = *options.seed;
  sc.duration = top.duration("duration", sim::Range::positive());
  sc.control_step = top.duration("control_step", sim::Range::between(1, 3600));
  sc.warmup = top.duration("warmup");
  if (sc.warmup >= sc.duration)
    throw sim::InputError(top.location("warmup"),
                          "warmup (" + sim::to_string(sc.warmup) +
                              ") must be shorter than the duration (" +
                              sim::to_string(sc.duration) + ")",
                          top.location("duration"), "the duration is set here");
  if (top.has("catalog")) {
    // User chips and nodes, registered before the cluster section names them.
    const fs::path file = top.string("catalog");
    const fs::path p = file.is_absolute()
                           ? file
                           : fs::path(sim::directory_of(top.location("catalog"), base_dir)) / file;
    models::compute::load_user_catalog(io::parse_yaml_file(p.string(), top.location("catalog")));
  }
  const sim::ParamReader out(top.node("output"), output_doc());
  if (out.has("file")) sc.output.file = out.string("file");
  sc.output.facility_interval = out.duration("facility_interval", sim::Range::positive());
  sc.output.rack_interval = out.duration("rack_interval", sim::Range::positive());
  if (out.has("compression"))
    sc.output.compression = out.choice("compression", {"fast", "portable"}) == "portable"
                                ? Compression::portable
                                : Compression::fast;
  if (sc.warmup.ns() % sc.output.facility_interval.ns() != 0)
    top.fail("warmup", "must be a multiple of output.facility_interval (" +
                           sim::to_string(sc.output.facility_interval) + ")");
  // Traces of at most 1e8 rows (a century at one minute is 5e7): a typo in an interval ("1 ns")
  // would otherwise fill the disk.
  for (const char* key : {"facility_interval", "rack_interval"}) {
    const sim::Time step = std::string(key) == "facility_interval" ? sc.output.facility_interval
                                                                   : sc.output.rack_interval;
    if (sc.duration / step <= 100'000'000) continue;
    const std::string why = "gives " + std::to_string(sc.duration / step) + " samples over " +
                            sim::to_string(sc.duration) +
                            "; at most 1e8 (choose a longer interval)";
    if (out.has(key)) out.fail(key, why);
    top.fail("duration",
             std::string("with output.") + key + " " + sim::to_string(step) + " " + why);
  }
  // Record the seed actually used.
  if (options.seed) apply_set(root, "seed=" + std::to_string(*options.seed));
  sc.root = std::move(root);
  return sc;
}

}  // namespace

void register_embedded_data() {
  static const bool registered = [] {
    for (const auto& f : embedded_data_files())
      sim::register_builtin_file(
          (fs::path(embedded_scenario_dir) / std::string(f.path)).lexically_normal().string(),
          f.bytes);
    return true;
  }();
  (void)registered;
}

void apply_set(sim::ParamNode& root, const std::string& assignment) {
  const auto eq = assignment.find('=');
  sim::Location where;
  where.source = std::make_shared<const sim::SourceText>(sim::SourceText{"--set", assignment});
  where.line = 1;
  where.column = 1;
  if (eq == std::string::npos || eq == 0)
    throw sim::InputError(where, "--set expects path.to.key=value, got '" + assignment + "'");
  const std::string path = assignment.substr(0, eq);
  sim::ParamNode value = io::parse_yaml_text(assignment.substr(eq + 1), "--set");
  // Point every location of the value into the --set text, after the '='.
  std::function<void(sim::ParamNode&)> relocate = [&](sim::ParamNode& n) {
    const int column = n.where.column;
    n.where = where;
    n.where.column = static_cast<int>(eq) + 1 + std::max(column, 1);
    for (auto& e : n.entries) {
      e.key_where = n.where;
      relocate(e.value);
    }
    for (auto& item : n.items) relocate(item);
  };
  relocate(value);
  // yaml-cpp drops the tag of a document that is a lone "!replace".
  if (assignment.substr(eq + 1) == "!replace") {
    value.kind = sim::ParamNode::Kind::null;
    value.replace = true;
  }
  if (value.kind == sim::ParamNode::Kind::null && !value.replace) {
    value.kind = sim::ParamNode::Kind::scalar;
    value.scalar = "";
  }
  const std::vector<KeyStep> steps = split_key_path(path, where);
  const auto error_at = [&](std::size_t offset, const std::string& message) {
    sim::Location at = where;
    at.column = static_cast<int>(offset) + 1;
    return sim::InputError(at, message);
  };
  sim::ParamNode* node = &root;
  for (std::size_t s = 0; s < steps.size(); ++s) {
    const KeyStep& step = steps[s];
    const bool last = s + 1 == steps.size();
    const std::string so_far = path.substr(0, step.offset == 0 ? 0 : step.offset - 1);
    if (node->kind == sim::ParamNode::Kind::null) node->kind = sim::ParamNode::Kind::map;
    if (!node->is_map()) throw error_at(step.offset, "'" + so_far + "' is not a map");
    auto* entry = const_cast<sim::ParamNode::Entry*>(node->find_entry(step.key));
    if (!entry && last && !step.item && is_removal(value))
      throw sim::InputError(where, "'" + path +
                                       "=!replace' removes a key, but the "
                                       "scenario sets no '" +
                                       path + "'");
    const std::string key_path = path.substr(0, step.offset + step.key.size());
    if (!entry && step.item)
      throw error_at(step.offset, "the scenario sets no list '" + key_path + "'");
    if (!entry) {
      sim::ParamNode::Entry e;
      e.key = step.key;
      e.key_where = where;
      e.key_where.column = static_cast<int>(step.offset) + 1;
      e.value.where = e.key_where;
      node->entries.push_back(std::move(e));
      entry = &node->entries.back();
    }
    entry->key_where = where;
    entry->key_where.column = static_cast<int>(step.offset) + 1;
    sim::ParamNode* target = &entry->value;
    if (step.item) {
      if (!target->is_sequence()) throw error_at(step.offset, "'" + key_path + "' is not a list");
      target = const_cast<sim::ParamNode*>(select_item(*target, *step.item));
      if (!target) {
        std::string names;
        for (std::size_t k = 0; k < entry->value.items.size(); ++k) {
          const sim::ParamNode* name =
              entry->value.items[k].is_map() ? entry->value.items[k].find("name") : nullptr;
          names += (k ? ", " : "") + (name && name->is_scalar() ? name->scalar : std::to_string(k));
        }
        throw error_at(step.offset + step.key.size() + 1,
                       "'" + key_path + "' has no item '" + *step.item +
                           "' (its items: " + (names.empty() ? "none" : names) + ")");
      }
    }
    if (last) {
      if (is_removal(value) && step.item)
        throw error_at(step.offset, "'!replace' cannot remove a list item");
      if (is_removal(value))
        node->entries.erase(node->entries.begin() + (entry - node->entries.data()));
      else if (target->is_map() && value.is_map())
        merge_params(*target, value);
      else
        *target = value;
      return;
    }
    node = target;
  }
}

std::vector<KeyStep> split_key_path(const std::string& path, const sim::Location& at) {
  const auto error = [&](std::size_t offset, const std::string& message) {
    sim::Location w = at;
    w.column = at.column + static_cast<int>(offset);
    return sim::InputError(w, "malformed key path '" + path + "': " + message);
  };
  std::vector<KeyStep> steps;
  std::size_t i = 0;
  while (true) {
    KeyStep step;
    step.offset = i;
    while (i < path.size() && path[i] != '.' && path[i] != '[' && path[i] != ']') ++i;
    step.key = path.substr(step.offset, i - step.offset);
    if (step.key.empty()) throw error(i, "empty component");
    if (i < path.size() && path[i] == ']') throw error(i, "']' without '['");
    if (i < path.size() && path[i] == '[') {
      const std::size_t close = path.find(']', i);
      if (close == std::string::npos) throw error(i, "'[' without ']'");
      step.item = path.substr(i + 1, close - i - 1);
      if (step.item->empty() || step.item->find_first_of(".[") != std::string::npos)
        throw error(i + 1, "'[...]' takes one list item's index or name");
      i = close + 1;
      if (i < path.size() && path[i] != '.') throw error(i, "expected '.' after ']'");
    }
    steps.push_back(std::move(step));
    if (i == path.size()) return steps;
    ++i;  // the '.'
  }
}

const sim::ParamNode* select_item(const sim::ParamNode& list, const std::string& selector) {
  if (!list.is_sequence()) return nullptr;
  if (!selector.empty() && selector.find_first_not_of("0123456789") == std::string::npos) {
    if (selector.size() > 9) return nullptr;
    const std::size_t index = std::stoul(selector);
    return index < list.items.size() ? &list.items[index] : nullptr;
  }
  for (const auto& item : list.items)
    if (const sim::ParamNode* name = item.is_map() ? item.find("name") : nullptr)
      if (name->is_scalar() && name->scalar == selector) return &item;
  return nullptr;
}

const sim::ParamNode* find_key_path(const sim::ParamNode& root, const std::string& path) {
  std::vector<KeyStep> steps;
  try {
    steps = split_key_path(path, {});
  } catch (const sim::InputError&) {
    return nullptr;
  }
  const sim::ParamNode* node = &root;
  for (const KeyStep& step : steps) {
    node = node->is_map() ? node->find(step.key) : nullptr;
    if (node && step.item) node = select_item(*node, *step.item);
    if (!node) return nullptr;
  }
  return node;
}

std::string Scenario::text() const {
  return to_yaml(root);
}

std::string to_yaml(const sim::ParamNode& node) {
  YAML::Emitter out;
  out << to_yaml_node(node);
  return std::string(out.c_str()) + "\n";
}

Scenario load_scenario_text(const std::string& text, const std::string& name,
                            const std::string& base_dir, const LoadOptions& options) {
  std::set<std::string> seen;
  return finish(load_chain(text, name, base_dir, seen, false), name, base_dir, options);
}

Scenario load_scenario(const std::string& path, const LoadOptions& options) {
  if (path.empty()) {
    // The embedded default reads the data compiled into the binary, or the scenarios folder
    // $JOULE_SCENARIO_DIR names.
    const char* env = std::getenv("JOULE_SCENARIO_DIR");
    if (env && *env)
      return load_scenario_text(embedded_default_scenario(), "<embedded default.yaml>", env,
                                options);
    register_embedded_data();
    return load_scenario_text(embedded_default_scenario(), "<embedded default.yaml>",
                              embedded_scenario_dir, options);
  }
  const std::string text = sim::read_bounded_file(path, {}, "file");
  std::set<std::string> seen{fs::weakly_canonical(path).string()};
  const std::string base_dir = fs::absolute(path).parent_path().string();
  return finish(load_chain(text, path, base_dir, seen, true), path, base_dir, options);
}

}  // namespace joule::app
