#include "io/yaml_params.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

namespace joule::io {

namespace {

sim::Location at(const std::shared_ptr<const sim::SourceText>& source, const YAML::Mark& mark) {
  sim::Location loc;
  loc.source = source;
  if (mark.line >= 0) loc.line = mark.line + 1;
  if (mark.column >= 0) loc.column = mark.column + 1;
  return loc;
}

sim::ParamNode convert(const YAML::Node& node, const std::shared_ptr<const sim::SourceText>& src,
                       const std::string& path) {
  sim::ParamNode out;
  out.where = at(src, node.Mark());
  out.path = path;
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      out.kind = sim::ParamNode::Kind::null;
      break;
    case YAML::NodeType::Scalar:
      out.kind = sim::ParamNode::Kind::scalar;
      out.scalar = node.Scalar();
      break;
    case YAML::NodeType::Sequence: {
      out.kind = sim::ParamNode::Kind::sequence;
      std::size_t i = 0;
      for (const auto& item : node)
        out.items.push_back(convert(item, src, path + "[" + std::to_string(i++) + "]"));
      break;
    }
    case YAML::NodeType::Map:
      out.kind = sim::ParamNode::Kind::map;
      for (const auto& kv : node) {
        if (!kv.first.IsScalar())
          throw sim::InputError(at(src, kv.first.Mark()), "map keys must be plain names");
        const std::string key = kv.first.Scalar();
        if (out.find_entry(key))
          throw sim::InputError(
              at(src, kv.first.Mark()),
              "duplicate key '" + key + "'" + (path.empty() ? std::string() : " in " + path),
              out.find_entry(key)->key_where, "first set here");
        sim::ParamNode::Entry entry;
        entry.key = key;
        entry.key_where = at(src, kv.first.Mark());
        entry.value = convert(kv.second, src, path.empty() ? key : path + "." + key);
        // A value's mark is unreliable for null values: point at the key instead.
        if (entry.value.kind == sim::ParamNode::Kind::null) entry.value.where = entry.key_where;
        out.entries.push_back(std::move(entry));
      }
      break;
  }
  return out;
}

}  // namespace

sim::ParamNode parse_yaml_text(const std::string& text, const std::string& name,
                               const std::string& root_path) {
  auto source = std::make_shared<const sim::SourceText>(sim::SourceText{name, text});
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw sim::InputError(at(source, e.mark), "malformed YAML: " + e.msg);
  }
  return convert(root, source, root_path);
}

sim::ParamNode parse_yaml_file(const std::string& path, const sim::Location& referenced_from) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    sim::Location where = referenced_from;
    if (!where.source && where.file.empty()) where.file = path;
    throw sim::InputError(where, "cannot read file '" + path + "'");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_yaml_text(text.str(), path);
}

}  // namespace joule::io
