#include "app/docs.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "app/run.hpp"
#include "models/compute/accelerator_catalog.hpp"
#include "models/compute/node.hpp"
#include "models/scheduling/scheduler.hpp"
#include "models/world/world.hpp"
#include "sim/params.hpp"

namespace joule::app {

namespace {

// Every documented model, policy and section: each registers its doc where it is defined (a
// registry's add(), or one `documented` line), so this is the one route to the listing. Shown in
// the order of a scenario file's sections; within a kind, in registration order.
std::vector<const sim::ModelDoc*> all_docs() {
  static const std::vector<std::string> order = {
      "scenario",    "output",  "site",     "cluster",       "cluster section", "node",  "network",
      "power_chain", "cooling", "workload", "workload item", "scheduler",       "policy"};
  auto rank = [](const sim::ModelDoc* d) {
    const auto it = std::find(order.begin(), order.end(), d->kind);
    return static_cast<std::size_t>(it - order.begin());
  };
  std::vector<const sim::ModelDoc*> docs = sim::model_docs();
  std::stable_sort(docs.begin(), docs.end(),
                   [&](const auto* a, const auto* b) { return rank(a) < rank(b); });
  return docs;
}

// How scenario files combine: the rules app/scenario.cpp implements (merge_params) and
// sim/units.cpp parses, stated once here for the reference.
constexpr const char* scenario_files_text = R"(
## Scenario files

**Quantities** carry their unit: `"700 W"`, `"35 degC"`, `"3.35 TB/s"`, `"0.4 kgCO2e/kWh"`.
A duration may be compound, largest unit first, each unit once: `33 d 12 h`, `1 h 30 min`,
`2 min 30 s` (the parts add up).

**`extends: base.yaml`** starts from another scenario (its path relative to this file) and
merges this file over it, the same way in every section:

- a map merges key by key, recursively; any other value (a number, a string, a list) replaces
  the base's;
- a map that chooses another model replaces the base's map whole: a different `type:` (cooling
  plant, UPS, network, node...), `generator:` (workload), `policy:` (scheduler) or `process:`
  (arrivals), since each model has keys of its own;
- `!replace` before a value replaces the base's value whole, whatever it is:
  `workload: !replace {generator: llm-training, ...}` drops the base's `failures:` and
  `arrivals:` along with everything else it set there;
- `key: !replace` with no value removes the base's key: `power_chain: {battery: !replace}`,
  `cooling: !replace`. Removing a key the base does not set is an error (a typo would
  otherwise go unnoticed), as is any other tag.

`--set path.to.key=value` applies the same rules (`--set 'power_chain.battery=!replace'`).
A step of the path may pick one item of a list, by its `name:` or its 0-based index:
`--set 'cluster.pools[blackwell].racks.count=32'`, `--set 'cluster.pools[0].node.gpu_power_cap=600 W'`.
The item must exist (a `--set` changes it; it never adds or removes an item); sweeps and the
`uncertainty:` section take the same paths.
The output file records the merged scenario (attribute `scenario`), without `extends`.
)";

std::string cell(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

// A catalog number with an SI prefix where its unit takes one: "989 TFLOP/s", "80 GB", "0.35 pJ/B".
std::string with_prefix(double v, const std::string& unit) {
  static const std::vector<std::string> prefixed = {"W",  "B",      "B/s", "FLOP/s",
                                                    "Hz", "J/FLOP", "J/B"};
  char buf[64];
  if (v == 0 || std::find(prefixed.begin(), prefixed.end(), unit) == prefixed.end()) {
    std::snprintf(buf, sizeof buf, "%.4g", v);
    return unit.empty() ? std::string(buf) : std::string(buf) + " " + unit;
  }
  static const char* names[] = {"f", "p", "n", "u", "m", "", "k", "M", "G", "T", "P"};
  int e = static_cast<int>(std::floor(std::log10(std::abs(v)) / 3));
  e = std::clamp(e, -5, 5);
  std::snprintf(buf, sizeof buf, "%.4g", v / std::pow(10.0, 3 * e));
  return std::string(buf) + " " + names[e + 5] + unit;
}

std::string field_value(const std::vector<models::compute::CatalogField>& fields,
                        const std::string& name) {
  for (const auto& f : fields)
    if (f.name == name) return f.value->value == 0 ? "-" : with_prefix(f.value->value, f.unit);
  return "-";
}

// One entry's numbers: value, kind (spec, measurement, estimate) and source.
void markdown_fields(std::ostream& out, const std::string& title,
                     const std::vector<models::compute::CatalogField>& fields) {
  out << "\n<details><summary>" << title << "</summary>\n\n"
      << "| number | value | kind | source |\n|---|---|---|---|\n";
  for (const auto& f : fields)
    out << "| `" << f.name << "` | " << with_prefix(f.value->value, f.unit) << " | "
        << models::compute::to_string(f.value->kind) << " | " << cell(f.value->source) << " |\n";
  out << "\n</details>\n";
}

// The hardware catalogs `node.type` and `accelerator:` choose from (a user catalog adds to them:
// see 'catalog').
void markdown_catalogs(std::ostream& out) {
  using namespace models::compute;
  out << "\n## Hardware catalog\n\n"
         "What `cluster.node.type` and `accelerator:` choose from (a user catalog adds entries: "
         "see 'catalog'). Every number is a vendor spec, a measurement or an estimate, with its "
         "source; `joule list-models` prints the same.\n\n"
         "### Accelerators\n\n"
         "| id | name | TDP | idle | HBM | BF16 dense | HBM bandwidth |\n"
         "|---|---|---|---|---|---|---|\n";
  for (const auto& c : accelerator_catalog()) {
    const auto f = catalog_fields(c);
    out << "| `" << c.id << "` | " << cell(c.name) << " | " << field_value(f, "tdp") << " | "
        << field_value(f, "idle") << " | " << field_value(f, "hbm_capacity") << " | "
        << field_value(f, "peak.tensor_bf16") << " | " << field_value(f, "peak.hbm") << " |\n";
  }
  for (const auto& c : accelerator_catalog())
    markdown_fields(out, "<code>" + c.id + "</code>: " + c.name, catalog_fields(c));
  out << "\n### Nodes\n\n"
         "| id | name | accelerators | cooling | PSU | system max |\n"
         "|---|---|---|---|---|---|\n";
  for (const auto& t : node_catalog()) {
    const auto f = catalog_fields(t);
    out << "| `" << t.id << "` | " << cell(t.name) << " | " << field_value(f, "accelerators")
        << " × `" << t.accelerator << "` | " << to_string(t.cooling) << " | " << t.psu_curve
        << " | " << field_value(f, "system_max") << " |\n";
  }
  for (const auto& t : node_catalog())
    markdown_fields(out, "<code>" + t.id + "</code>: " + t.name, catalog_fields(t));
}

}  // namespace

std::string list_models(bool markdown) {
  std::ostringstream out;
  if (markdown)
    out << "# Scenario reference\n\nGenerated by `joule list-models --markdown` from the model "
           "registry. Units: any unit of the same dimension is accepted (\"1.2 MW\" for W).\n"
        << scenario_files_text;
  for (const auto* d : all_docs()) {
    if (markdown) {
      out << "\n## " << d->kind << ": `" << d->name << "`\n\n" << d->summary << "\n\n";
      if (d->keys.empty()) {
        out << "No keys.\n";
        continue;
      }
      out << "| key | unit | default | help |\n|---|---|---|---|\n";
      for (const auto& k : d->keys) {
        out << "| `" << k.name << "` | " << cell(k.unit) << " | ";
        if (k.default_value.empty())
          out << "required";
        else
          out << '`' << cell(k.default_value) << '`';
        out << " | " << cell(k.help) << " |\n";
      }
    } else {
      out << d->kind << " '" << d->name << "': " << d->summary << "\n";
      for (const auto& k : d->keys)
        out << "    " << k.name << " [" << k.unit
            << "] = " << (k.default_value.empty() ? "(required)" : k.default_value) << "  "
            << k.help << "\n";
    }
  }
  // The hardware catalogs `node.type` and `accelerator:` choose from, every number with its
  // kind (vendor spec, measurement, estimate) and source.
  if (markdown) {
    markdown_catalogs(out);
  } else {
    out << "\naccelerator catalog:\n";
    models::compute::print_accelerator_catalog(out);
    out << "\nnode catalog:\n";
    models::compute::print_node_catalog(out);
  }
  return out.str();
}

Validation check_scenario(const Scenario& sc) {
  // The same World `run` builds: every load-time check (keys, ranges, files, job feasibility,
  // limits that cannot be met) runs here too.
  models::world::World world(models::world::world_spec(world_sections(sc), sc.seed, sc.base_dir));
  return {world.warnings(), static_cast<double>(world.node_count()) * sc.duration.seconds()};
}

void validate(const Scenario& sc) {
  for (const auto& w : check_scenario(sc).warnings)
    std::fprintf(stderr, "joule: warning: %s\n", w.c_str());
}

}  // namespace joule::app
