#pragma once

namespace joule::app {
const char* version();       // e.g. "0.1.0"
const char* git_revision();  // short hash of the build's source, or "unknown"
}  // namespace joule::app
