#include "io/yaml_params.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <unordered_map>
#include <vector>

#include "sim/input_file.hpp"

namespace joule::io {

namespace {

sim::Location at(const std::shared_ptr<const sim::SourceText>& source, const YAML::Mark& mark) {
  sim::Location loc;
  loc.source = source;
  if (mark.line >= 0) loc.line = mark.line + 1;
  if (mark.column >= 0) loc.column = mark.column + 1;
  return loc;
}

// Expands the yaml-cpp graph (where aliases share nodes) into a tree, counting what it makes.
class Converter {
public:
  Converter(std::shared_ptr<const sim::SourceText> source, const YamlLimits& limits)
      : src_(std::move(source)), limits_(limits) {}

  sim::ParamNode convert(const YAML::Node& node, const std::string& path) {
    const sim::Location where = at(src_, node.Mark());
    for (const YAML::Node& ancestor : ancestors_)
      if (ancestor.is(node))
        throw sim::InputError(where, "YAML alias refers to a node that contains it" + in(path) +
                                         ": the data would be infinite");
    if (static_cast<int>(ancestors_.size()) >= limits_.max_depth)
      throw sim::InputError(where, "YAML nested deeper than " + std::to_string(limits_.max_depth) +
                                       " levels" + in(path));
    if (++nodes_ > limits_.max_nodes)
      throw sim::InputError(
          where, "YAML expands to more than " + std::to_string(limits_.max_nodes) +
                     " values (aliases are expanded: nested aliases multiply)" + in(path));
    sim::ParamNode out;
    out.where = where;
    out.path = path;
    ancestors_.push_back(node);
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        out.kind = sim::ParamNode::Kind::null;
        break;
      case YAML::NodeType::Scalar:
        out.kind = sim::ParamNode::Kind::scalar;
        out.scalar = node.Scalar();
        count_bytes(out.scalar.size(), where, path);
        break;
      case YAML::NodeType::Sequence: {
        out.kind = sim::ParamNode::Kind::sequence;
        out.items.reserve(bounded(node.size()));
        std::size_t i = 0;
        for (const auto& item : node)
          out.items.push_back(convert(item, path + "[" + std::to_string(i++) + "]"));
        break;
      }
      case YAML::NodeType::Map: {
        out.kind = sim::ParamNode::Kind::map;
        out.entries.reserve(bounded(node.size()));
        // Keys seen so far, for the duplicate check: a scan of the entries for small maps, an
        // index for large ones (a scan would make them quadratic).
        constexpr std::size_t scan_up_to = 16;
        std::unordered_map<std::string, std::size_t> index;
        const auto first_set = [&](const std::string& key) -> const sim::ParamNode::Entry* {
          if (out.entries.size() <= scan_up_to)
            return out.entries.empty() ? nullptr : out.find_entry(key);
          if (index.empty())
            for (std::size_t k = 0; k < out.entries.size(); ++k)
              index.emplace(out.entries[k].key, k);
          const auto it = index.find(key);
          return it == index.end() ? nullptr : &out.entries[it->second];
        };
        for (const auto& kv : node) {
          if (!kv.first.IsScalar())
            throw sim::InputError(at(src_, kv.first.Mark()), "map keys must be plain names");
          const std::string key = kv.first.Scalar();
          count_bytes(key.size(), at(src_, kv.first.Mark()), path);
          if (const sim::ParamNode::Entry* first = first_set(key))
            throw sim::InputError(
                at(src_, kv.first.Mark()),
                "duplicate key '" + key + "'" + (path.empty() ? std::string() : " in " + path),
                first->key_where, "first set here");
          sim::ParamNode::Entry entry;
          entry.key = key;
          entry.key_where = at(src_, kv.first.Mark());
          entry.value = convert(kv.second, path.empty() ? key : path + "." + key);
          // A value's mark is unreliable for null values: point at the key instead.
          if (entry.value.kind == sim::ParamNode::Kind::null) entry.value.where = entry.key_where;
          out.entries.push_back(std::move(entry));
          if (!index.empty()) index.emplace(out.entries.back().key, out.entries.size() - 1);
        }
        break;
      }
    }
    ancestors_.pop_back();
    // Local tags: `!replace` is the one Joule reads (app/scenario.hpp); a typo in it would
    // otherwise merge silently. Standard tags (!!str) and the non-specific "!" of a quoted
    // scalar pass.
    const std::string& tag = node.Tag();
    if (tag == "!replace") {
      out.replace = true;
      if (out.is_scalar() && (out.scalar.empty() || out.scalar == "~" || out.scalar == "null"))
        out.kind = sim::ParamNode::Kind::null;
    } else if (tag.size() > 1 && tag[0] == '!' && tag[1] != '!') {
      throw sim::InputError(where, "unknown YAML tag '" + tag + "'" + in(path) +
                                       ": the one tag Joule reads is !replace (replace the "
                                       "extended scenario's value instead of merging into it)");
    }
    return out;
  }

private:
  // Room to reserve for `n` children: no more than the node limit leaves (a sequence of a
  // million items fails at the limit without first reserving for all of them).
  std::size_t bounded(std::size_t n) const {
    return std::min(n, limits_.max_nodes - std::min(nodes_, limits_.max_nodes));
  }
  static std::string in(const std::string& path) {
    return path.empty() ? std::string() : " (at " + path + ")";
  }
  void count_bytes(std::size_t n, const sim::Location& where, const std::string& path) {
    bytes_ += n;
    if (bytes_ > limits_.max_scalar_bytes)
      throw sim::InputError(where, "YAML expands to more than " +
                                       std::to_string(limits_.max_scalar_bytes >> 20) +
                                       " MiB of text (aliases are expanded)" + in(path));
  }

  std::shared_ptr<const sim::SourceText> src_;
  YamlLimits limits_;
  std::vector<YAML::Node> ancestors_;
  std::size_t nodes_ = 0, bytes_ = 0;
};

}  // namespace

sim::ParamNode parse_yaml_text(const std::string& text, const std::string& name,
                               const std::string& root_path, const YamlLimits& limits) {
  auto source = std::make_shared<const sim::SourceText>(sim::SourceText{name, text});
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw sim::InputError(at(source, e.mark), "malformed YAML: " + e.msg);
  }
  Converter converter(source, limits);
  return converter.convert(root, root_path);
}

sim::ParamNode parse_yaml_file(const std::string& path, const sim::Location& referenced_from,
                               const YamlLimits& limits) {
  return parse_yaml_text(sim::read_bounded_file(path, referenced_from, "file"), path, "", limits);
}

}  // namespace joule::io
