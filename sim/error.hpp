// Errors that point into the user's input.
//
// Every value read from a scenario, weather file, CSV or trace carries a Location; an
// InputError formats as
//   scenarios/x.yaml:42:7: cooling.chiller.cop must be > 0, got -3
//      42 |     cop: -3
//         |          ^
// so the user sees the file, line, column and the offending line. The CLI maps InputError to
// exit code 2; anything else escaping is an internal error (exit 1).
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace joule::sim {

// The text of one input (a file, the embedded default scenario, a --set override), kept so
// that errors can quote the offending line after the file was parsed.
struct SourceText {
  std::string name;  // path as the user gave it, or "<embedded default.yaml>", "--set"
  std::string text;
};

struct Location {
  std::shared_ptr<const SourceText> source;  // may be null for generated values
  std::string file;                          // used when `source` is null
  int line = 0;                              // 1-based; 0 = unknown
  int column = 0;                            // 1-based; 0 = unknown

  std::string name() const { return source ? source->name : file; }
  // "file:line:column" (omitting unknown parts).
  std::string to_string() const;
};

class InputError : public std::runtime_error {
public:
  InputError(Location where, std::string message);
  // Attach a second place, for conflicts ("... also set here").
  InputError(Location where, std::string message, Location also, std::string also_message);

  const Location& where() const { return where_; }
  const std::string& message() const { return message_; }

private:
  static std::string format(const Location& where, const std::string& message);
  Location where_;
  std::string message_;
};

// The offending line and a caret under `column`, or "" when the text is unavailable.
std::string quote_line(const Location& where);

// Suggestion for an unknown name: the closest candidate by edit distance, or "" if none is
// close enough. Used for "did you mean ...".
std::string closest_match(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace joule::sim
