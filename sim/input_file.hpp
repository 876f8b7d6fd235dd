// Reading a user's input file (scenario, trace, weather, carbon or price table) whole, with the
// checks every reader needs: the path must name a regular file (not a directory, a device, a
// pipe or a socket, which could block or never end) no larger than a limit, so that a mistyped
// path fails at once with a message that says why, instead of reading forever or exhausting
// memory. Errors are InputErrors at the key that named the file (or naming the file alone,
// when it came from the command line).
#pragma once

#include <cstddef>
#include <string>

#include "sim/error.hpp"

namespace joule::sim {

// Every input file Joule reads is at most this large: 256 MiB holds a year of one-second
// weather or a multi-million-row job trace; anything larger is a wrong path.
inline constexpr std::size_t max_input_file_bytes = std::size_t{256} << 20;

// Reads `path`; `what` names the kind of file in messages ("scenario file", "trace file").
// Throws InputError at `referenced_from` (or at `path` when that has no place) when the path
// does not exist, is not a regular file, is larger than `limit` bytes or cannot be read.
// An empty file is returned as "" (the caller decides whether empty is meaningful).
std::string read_bounded_file(const std::string& path, const Location& referenced_from,
                            const std::string& what, std::size_t limit = max_input_file_bytes);

}  // namespace joule::sim
