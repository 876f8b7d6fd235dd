#pragma once

namespace joule::app {
const char* version();  // e.g. "0.1.0"
// The revision of the source the binary was built from (short hash, or "unknown"), and whether
// that source had uncommitted changes: both taken at build time (app/revision.cmake).
const char* git_revision();
bool git_dirty();
}  // namespace joule::app
