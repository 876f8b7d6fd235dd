#include "app/version.hpp"

namespace joule::app {
const char* version() {
  return JOULE_VERSION;
}
}  // namespace joule::app
