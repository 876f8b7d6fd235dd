// User-defined hardware: chips and nodes declared in a YAML file that a scenario names
// (`catalog: my-hardware.yaml`), validated and sourced like the built-in catalog.
//
//   accelerators:
//     - id: my-gpu                 # new id (a built-in id is an error)
//       base: h100-sxm             # built-in chip the entry starts from (every number kept,
//       name: "My GPU"             # with its source, unless given here)
//       tdp:  {value: 600 W, kind: spec, source: "vendor datasheet, table 2"}
//       peak_bf16: {value: 800 TFLOP/s, kind: spec, source: "..."}
//       energy_bf16: {value: 0.9 pJ/FLOP, kind: estimate, source: "..."}
//   nodes:
//     - id: my-server
//       base: dgx-h100
//       accelerator: my-gpu        # built-in or declared above
//       accelerators: {value: 4, kind: spec, source: "..."}
//       cpu_max: {value: 500 W, kind: spec, source: "..."}
//
// Every number is {value, kind (spec | measurement | estimate), source}; a value without a
// source is an error. A number may state its own spread for `joule run --uncertainty`
// (docs/uncertainty.md) with its justification, instead of the rule for its kind:
//
//       idle: {value: 72 W, kind: measurement, source: "our 16 boards",
//              spread: {range: [69 W, 75 W], source: "min and max of the 16 boards"}}
//       energy_bf16: {value: 0.9 pJ/FLOP, kind: estimate, source: "...",
//                     spread: {relative: 20 %, source: "two derivations differ by 35 %"}}
//
// `range` (uniform between, in the number's unit, containing the value), `relative` (uniform
// within ± that share, under 100 %) or `sd` (normal, that relative standard deviation, under
// 100 %), and `source`, which is required. Checks: positive values; idle ≤ idle with context ≤ TDP;
// each idle ≤ its maximum; the node at everything's maximum (operation model, 35 °C inlet) under
// its system maximum. A chip whose TDP or idle power changes gets its DVFS fit and thermal
// resistances re-derived as the catalog derives them (accelerator_catalog.cpp). Errors are
// InputErrors at the file's line and column. The application parses the YAML (models never
// include yaml-cpp) and hands the tree to load_user_catalog().
#pragma once

#include <optional>
#include <string>

#include "sim/params.hpp"

namespace joule::models::compute {

// A spread a user catalog states for one of its numbers (in base units).
struct StatedSpread {
  enum class Shape { range, relative, sd };
  Shape shape = Shape::range;
  double lo = 0, hi = 0;  // range
  double share = 0;       // relative half-width or relative standard deviation
  std::string source;     // its justification
};

// The spread the loaded user catalog states for number `key` (a file key: idle, energy_bf16,
// fan_max...) of entry `id`, if any. Thread-safe; reloading an entry replaces its spreads.
std::optional<StatedSpread> user_catalog_spread(const std::string& id, const std::string& key);

// Reads and registers the file's entries; find_accelerator() and find_node_type() then know
// them. Loading the same ids again replaces them (a sweep reloads its scenario).
void load_user_catalog(const sim::ParamNode& root);

// Keys of the file, for `joule list-models`.
const sim::ModelDoc& user_accelerator_doc();
const sim::ModelDoc& user_node_doc();

}  // namespace joule::models::compute
