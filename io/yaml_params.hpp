// YAML → ParamNode: the only place where yaml-cpp meets the parameter tree (io/, below app/:
// the application and the model tests read YAML through it). Every node keeps
// its file, line and column so errors can point into the user's file.
#pragma once

#include <memory>
#include <string>

#include "sim/error.hpp"
#include "sim/params.hpp"

namespace joule::io {

// Parses YAML text; `name` is how errors name the source (a path, "--set", ...).
// Malformed YAML is an InputError at the parser's position.
sim::ParamNode parse_yaml_text(const std::string& text, const std::string& name,
                               const std::string& root_path = "");

// Reads and parses a file. A missing or unreadable file is an InputError at `referenced_from`
// (the key that named it), or without location when the user named it on the command line.
sim::ParamNode parse_yaml_file(const std::string& path, const sim::Location& referenced_from = {});

}  // namespace joule::io
