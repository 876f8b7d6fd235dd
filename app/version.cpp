#include "app/version.hpp"

namespace joule::app {
const char* version() {
  return JOULE_VERSION;
}
const char* git_revision() {
  return JOULE_GIT_REVISION;
}
}  // namespace joule::app
