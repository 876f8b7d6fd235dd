// Shared by the libFuzzer targets: the input as text, and the one rule every reader must keep.
//
// A reader given arbitrary bytes may only return a result or throw sim::InputError (whose
// message, with its quoted line and caret, must format without fault). Any other exception
// escapes the target and libFuzzer reports it as a crash, as it does every sanitizer report.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sim/error.hpp"

namespace joule::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Runs `f`; an InputError is the expected outcome for bad input: format it and return false.
template <class F>
bool accepts(F&& f) {
  try {
    f();
    return true;
  } catch (const sim::InputError& e) {
    const std::string message = e.what();
    if (message.empty()) std::abort();  // an error must say something
    return false;
  }
}

// An invariant of an accepted input; a violation is a finding.
inline void require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace joule::fuzz
