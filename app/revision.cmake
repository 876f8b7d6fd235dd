# Run by the build (`cmake -P`), every time: the source tree's git revision and whether it has
# changes not committed (tracked or untracked files), written to OUT only when they changed, so
# that a build records the revision it was built from, not the one it was configured at.
#   cmake -DSOURCE_DIR=... -DOUT=.../revision.cpp -P revision.cmake
execute_process(COMMAND git rev-parse --short=12 HEAD WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE revision OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR revision STREQUAL "")
  set(revision "unknown")
  set(dirty "false")
else()
  execute_process(COMMAND git status --porcelain WORKING_DIRECTORY ${SOURCE_DIR}
                  OUTPUT_VARIABLE status ERROR_QUIET)
  if(status STREQUAL "")
    set(dirty "false")
  else()
    set(dirty "true")
  endif()
endif()
set(text "// Generated at build time by app/revision.cmake.
namespace joule::app {
const char* git_revision() { return \"${revision}\"; }
bool git_dirty() { return ${dirty}; }
}  // namespace joule::app
")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
endif()
if(NOT old STREQUAL text)
  file(WRITE ${OUT} "${text}")
endif()
