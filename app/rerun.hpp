// `joule rerun FILE -o NEW`: regenerates a run from its output file alone: the recorded
// scenario, seed and inputs (embedded ones, else the recorded files, checked by SHA-256).
#pragma once

#include <string>

#include "app/run.hpp"

namespace joule::app {

// `inputs_dir`: the folder the recorded input paths are relative to, when the file does not
// embed them ("" = the recorded scenario folder, relative to FILE's folder). Throws OutputError
// when an input is missing or differs from the recorded one.
Summary rerun(const std::string& file, RunOptions options, const std::string& inputs_dir = "");

}  // namespace joule::app
