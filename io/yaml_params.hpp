// YAML → ParamNode: the only place where yaml-cpp meets the parameter tree (io/, below app/:
// the application and the model tests read YAML through it). Every node keeps
// its file, line and column so errors can point into the user's file.
//
// YAML aliases (`*a`) share nodes: a few hundred bytes of nested aliases can stand for billions
// of nodes, and an alias inside its own anchor (`a: &a [*a]`) for an infinite tree. The tree is
// expanded here under limits, each an InputError at the node where it was passed: an alias that
// refers to a node containing it, nesting deeper than `max_depth`, more than `max_nodes` nodes
// or more than `max_scalar_bytes` of scalar text after expansion. A scenario needs a few
// thousand nodes at most (a job list of thousands of rows is the largest case).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "sim/error.hpp"
#include "sim/params.hpp"

namespace joule::io {

struct YamlLimits {
  int max_depth = 64;
  std::size_t max_nodes = 250'000;
  std::size_t max_scalar_bytes = std::size_t{64} << 20;
};

// Parses YAML text; `name` is how errors name the source (a path, "--set", ...).
// Malformed YAML is an InputError at the parser's position.
sim::ParamNode parse_yaml_text(const std::string& text, const std::string& name,
                               const std::string& root_path = "", const YamlLimits& limits = {});

// Reads and parses a file (sim::read_bounded_file: a regular file of bounded size). A missing or
// unreadable file is an InputError at `referenced_from` (the key that named it), or naming the
// file alone when the user named it on the command line.
sim::ParamNode parse_yaml_file(const std::string& path, const sim::Location& referenced_from = {},
                               const YamlLimits& limits = {});

}  // namespace joule::io
