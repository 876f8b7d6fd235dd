// Shared input/output of the validation probes (validation/README.md): a JSON list of input
// objects on standard input, a JSON list of numbers on standard output, exit 2 with a message
// on standard error for an input the probe does not understand.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace joule::validation {

// One point's inputs, with typed reads that fail with the key's name.
class Inputs {
public:
  Inputs(YAML::Node node, std::size_t index) : node_(std::move(node)), index_(index) {}
  std::string string(const std::string& key) const { return get(key).as<std::string>(); }
  std::string string(const std::string& key, const std::string& fallback) const {
    return node_[key] ? string(key) : fallback;
  }
  double number(const std::string& key) const { return get(key).as<double>(); }
  double number(const std::string& key, double fallback) const {
    return node_[key] ? number(key) : fallback;
  }

private:
  YAML::Node get(const std::string& key) const {
    if (!node_[key])
      throw std::invalid_argument("point " + std::to_string(index_) + ": missing input '" + key +
                                  "'");
    return node_[key];
  }
  YAML::Node node_;
  std::size_t index_;
};

// Reads the points, evaluates each, prints the list; returns the process exit status.
inline int run_probe(const char* name, const std::function<double(const Inputs&)>& evaluate) {
  try {
    const std::string text{std::istreambuf_iterator<char>(std::cin),
                           std::istreambuf_iterator<char>()};
    const YAML::Node points = YAML::Load(text);
    if (!points.IsSequence()) throw std::invalid_argument("input must be a JSON list of objects");
    std::vector<double> out;
    for (std::size_t i = 0; i < points.size(); ++i) {
      if (!points[i].IsMap())
        throw std::invalid_argument("point " + std::to_string(i) + " is not an object");
      out.push_back(evaluate(Inputs(points[i], i)));
    }
    std::printf("[");
    for (std::size_t i = 0; i < out.size(); ++i) std::printf("%s%.17g", i ? ", " : "", out[i]);
    std::printf("]\n");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "probe_%s: %s\n", name, e.what());
    return 2;
  }
}

}  // namespace joule::validation
