#include "app/provenance.hpp"

#include <filesystem>
#include <set>

#include "app/run.hpp"
#include "app/version.hpp"

namespace joule::app {

namespace fs = std::filesystem;

namespace {

// The scenario's folder or the output's, as an absolute path (relative paths are computed
// between absolute ones).
fs::path absolute_dir(const std::string& dir) {
  std::error_code ec;
  const fs::path p = fs::absolute(dir.empty() ? fs::path(".") : fs::path(dir), ec);
  return (ec ? fs::path(dir) : p).lexically_normal();
}

// `target` relative to `from` ("." when equal); both made absolute first.
std::string relative_to(const std::string& target, const std::string& from) {
  const fs::path rel = absolute_dir(target).lexically_relative(absolute_dir(from));
  return rel.empty() ? absolute_dir(target).string() : rel.string();
}

// Rewrites every scalar of the scenario that names an input file to its path relative to the
// scenario's folder, so that the recorded scenario reads the same files from one folder (an
// `extends` base in another folder named them relative to itself). Returns path → key.
std::map<std::string, std::string> relocate_inputs(sim::ParamNode& node, const Scenario& sc,
                                                   const std::set<std::string>& inputs) {
  std::map<std::string, std::string> keys;
  if (node.is_scalar() && !node.scalar.empty()) {
    std::error_code ec;
    const fs::path p(node.scalar);
    const fs::path resolved =
        (p.is_absolute() ? p : fs::path(sim::directory_of(node.where, sc.base_dir)) / p)
            .lexically_normal();
    if (inputs.count(resolved.string())) {
      node.scalar = input_path(resolved.string(), sc.base_dir);
      keys[resolved.string()] = node.path;
    }
  }
  for (auto& e : node.entries) keys.merge(relocate_inputs(e.value, sc, inputs));
  for (auto& item : node.items) keys.merge(relocate_inputs(item, sc, inputs));
  return keys;
}

}  // namespace

std::string input_path(const std::string& resolved, const std::string& base_dir) {
  const fs::path p(resolved);
  return p.lexically_relative(absolute_dir(base_dir)).string();
}

void check_rerun_inputs(const std::vector<sim::InputFile>& inputs, const Scenario& sc,
                        const RerunSource& rerun) {
  for (const auto& f : inputs) {
    const std::string path = input_path(f.path, sc.base_dir);
    const auto it = rerun.sha256.find(path);
    if (it == rerun.sha256.end())
      throw OutputError("rerun: the scenario read '" + path + "', which " + rerun.file +
                        " does not record");
    if (it->second != f.sha256)
      throw OutputError("rerun: input '" + f.path + "' differs from the one " + rerun.file +
                        " recorded for '" + path + "' (SHA-256 " + f.sha256.substr(0, 12) +
                        "... here, " + it->second.substr(0, 12) + "... there)");
  }
}

void write_provenance(hid_t file, const Scenario& sc, const std::vector<sim::InputFile>& inputs,
                      const ProvenanceOptions& options, const std::string& output_path) {
  std::set<std::string> paths;
  for (const auto& f : inputs) paths.insert(f.path);
  sim::ParamNode root = sc.root;
  const auto keys = relocate_inputs(root, sc, paths);
  const std::string text = to_yaml(root);

  const std::string out_dir = absolute_dir(output_path).parent_path().string();
  // The embedded default's folder names no machine's folder: recorded as it is.
  std::string source = sc.source_name, scenario_dir = sc.base_dir == embedded_scenario_dir
                                                          ? sc.base_dir
                                                          : relative_to(sc.base_dir, out_dir);
  if (!source.empty() && source.front() != '<') source = relative_to(source, out_dir);
  if (options.rerun) {
    source = options.rerun->scenario_source;
    scenario_dir = options.rerun->scenario_dir;
  }

  h5::set_attr(file, "scenario", text);
  h5::set_attr(file, "scenario_source", source);
  h5::set_attr(file, "joule_version", std::string(version()));
  h5::set_attr(file, "git_revision", std::string(git_revision()));
  h5::set_attr(file, "git_dirty", static_cast<std::int64_t>(git_dirty()));
  h5::set_attr(file, "source",
               "joule " + std::string(version()) + " (" + git_revision() +
                   (git_dirty() ? ", uncommitted changes" : "") + ")");

  h5::Handle group = h5::create_group(file, "provenance");
  const hid_t g = group.get();
  h5::set_attr(g, "description",
               std::string("What regenerates this run: `joule rerun FILE -o NEW`. Input paths "
                           "are relative to the scenario's folder (scenario_dir, relative to "
                           "this file's folder)"));
  h5::set_attr(g, "scenario_source", source);
  h5::set_attr(g, "scenario_dir", scenario_dir);
  h5::set_attr(g, "scenario_sha256", sim::sha256_hex(text));
  h5::set_attr(g, "joule_version", std::string(version()));
  h5::set_attr(g, "git_revision", std::string(git_revision()));
  h5::set_attr(g, "git_dirty", static_cast<std::int64_t>(git_dirty()));
  h5::set_attr(g, "embedded_inputs", static_cast<std::int64_t>(options.embed_inputs));
  h5::set_attr(g, "catalog",
               "built in: joule " + std::string(version()) + " (" + git_revision() + ")");
  h5::set_attr(
      g, "sweep",
      options.rerun || options.sweep.empty() ? options.sweep : relative_to(options.sweep, out_dir));
  h5::set_attr(g, "variant", options.variant);
  h5::set_attr(g, "variant_index", options.variant_index);

  std::vector<std::int64_t> index, size;
  std::vector<std::string> path, key, sha;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    index.push_back(static_cast<std::int64_t>(i));
    path.push_back(input_path(inputs[i].path, sc.base_dir));
    const auto k = keys.find(inputs[i].path);
    key.push_back(k == keys.end() ? "" : k->second);
    size.push_back(static_cast<std::int64_t>(inputs[i].size));
    sha.push_back(inputs[i].sha256);
  }
  h5::Handle input_scale = h5::write_coordinate(g, "input", index, {"input file index", "1"});
  const h5::Dimension input{"input", input_scale.get()};
  h5::write_strings(g, "path", path, input, {"path relative to the scenario's folder", ""});
  h5::write_strings(g, "key", key, input, {"scenario key that names the file", ""});
  h5::write_variable(g, "size_bytes", size, {&input}, {"file size", "byte"});
  h5::write_strings(g, "sha256", sha, input, {"SHA-256 of the file's bytes", ""});
  if (options.embed_inputs) {
    h5::Handle files = h5::create_group(g, "files");
    for (std::size_t i = 0; i < inputs.size(); ++i)
      h5::write_bytes(files.get(), "input_" + std::to_string(i), inputs[i].contents,
                      {"bytes of " + path[i], "byte"});
  }
}

RecordedRun read_recorded_run(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw OutputError(path + " does not exist");
  h5::Handle file;
  try {
    file = h5::open_file_readonly(path);
  } catch (const std::exception&) {
    throw OutputError(path + " is not an HDF5 file Joule can read");
  }
  if (H5Lexists(file.get(), "provenance", H5P_DEFAULT) <= 0 ||
      !h5::has_attr(file.get(), "scenario"))
    throw OutputError(path + " has no /provenance: written by a Joule too old to rerun it");
  RecordedRun r;
  r.scenario_text = h5::get_string_attr(file.get(), "scenario");
  h5::Handle g = h5::open_group(file.get(), "provenance");
  r.source.file = path;
  r.source.scenario_source = h5::get_string_attr(g.get(), "scenario_source");
  r.source.scenario_dir = h5::get_string_attr(g.get(), "scenario_dir");
  r.embedded = h5::get_double_attr(g.get(), "embedded_inputs") != 0;
  r.sweep = h5::get_string_attr(g.get(), "sweep");
  r.variant = h5::get_string_attr(g.get(), "variant");
  r.variant_index = static_cast<std::int64_t>(h5::get_double_attr(g.get(), "variant_index"));
  const auto paths = h5::read_strings(g.get(), "path");
  const auto shas = h5::read_strings(g.get(), "sha256");
  for (std::size_t i = 0; i < paths.size(); ++i) {
    r.source.sha256[paths[i]] = shas.at(i);
    if (r.embedded)
      r.contents[paths[i]] = h5::read_bytes(g.get(), "files/input_" + std::to_string(i));
  }
  return r;
}

}  // namespace joule::app
