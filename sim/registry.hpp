// Registries of models and policies by name.
//
// Registering is one line in the model's own file:
//   const bool registered = Registry<CoolingPlant, const World&>::add(doc, factory);
// The table is a static local (no initialisation-order issues); adding a model never touches a
// central enum or switch. An unknown name lists the valid ones.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "sim/error.hpp"
#include "sim/params.hpp"

namespace joule::sim {

template <class Product, class... Args>
class Registry {
public:
  using Factory = std::function<std::unique_ptr<Product>(const ParamReader&, Args...)>;

  static bool add(const ModelDoc& doc, Factory factory) {
    auto& t = table();
    auto [it, inserted] = t.emplace(doc.name, Entry{doc, std::move(factory)});
    if (!inserted) throw std::logic_error("model registered twice: " + doc.name);
    model_docs().push_back(&it->second.doc);
    return true;
  }

  static bool contains(const std::string& name) { return table().count(name) != 0; }

  // Creates the model named by `name`, reading its keys from `node`. `where` locates the name
  // for the "unknown ..." error.
  static std::unique_ptr<Product> create(const std::string& name, const Location& where,
                                         const ParamNode* node, Args... args) {
    auto& t = table();
    auto it = t.find(name);
    if (it == t.end()) {
      std::string valid;
      std::vector<std::string> names;
      for (const auto& [n, e] : t) {
        valid += (valid.empty() ? "" : ", ") + n;
        names.push_back(n);
      }
      std::string msg = "unknown " + kind_name() + " '" + name + "'";
      const std::string hint = closest_match(name, names);
      if (!hint.empty()) msg += " (did you mean '" + hint + "'?)";
      msg += ". Valid: " + valid;
      throw InputError(where, msg);
    }
    ParamReader reader(node, it->second.doc);
    return it->second.factory(reader, args...);
  }

  static const ModelDoc* doc(const std::string& name) {
    auto it = table().find(name);
    return it == table().end() ? nullptr : &it->second.doc;
  }

  static std::vector<std::string> names() {
    std::vector<std::string> out;
    for (const auto& [n, e] : table()) out.push_back(n);
    return out;
  }

private:
  struct Entry {
    ModelDoc doc;
    Factory factory;
  };
  static std::map<std::string, Entry>& table() {
    static std::map<std::string, Entry> t;
    return t;
  }
  static std::string kind_name() {
    auto& t = table();
    return t.empty() ? std::string("model") : t.begin()->second.doc.kind;
  }
};

}  // namespace joule::sim
