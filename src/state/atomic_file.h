// Durable whole-file replacement, as LevelDB's SetCurrentFile does it: write a temp
// file, fsync it, rename it over the target, fsync the directory. A crash at any point
// leaves either the old content or the new, never a mix.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "state/file_io.h"

namespace cdc::state {

// Replaces `path` with `content` durably, writing through `io`. Creates the parent
// directory if needed. The temp file, "<path>.tmp-XXXXXX", has a name of its own for
// each write (mkstemp), so writers of one file never meet in it; it is removed when the
// write fails. Throws std::system_error naming the path on any failure, leaving `path`
// as it was.
void write_file_atomically(const std::filesystem::path& path, std::string_view content,
                           FileIo& io = system_file_io());

// The whole file, or nullopt if it does not exist. Throws std::system_error on other
// read failures.
std::optional<std::string> read_file(const std::filesystem::path& path);

}  // namespace cdc::state
