// Durable whole-file replacement, as LevelDB's SetCurrentFile does it: write a temp
// file, fsync it, rename it over the target, fsync the directory. A crash at any point
// leaves either the old content or the new, never a mix.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace cdc::state {

// Replaces `path` with `content` durably. Creates the parent directory if needed. The
// temp file beside it has a name unique to the process and call (`path`.tmp.PID.N), so
// concurrent writers never share one; a crash may leave it behind.
// Throws std::system_error naming the path on any failure.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

// The whole file, or nullopt if it does not exist. Throws std::system_error on other
// read failures.
std::optional<std::string> read_file(const std::filesystem::path& path);

}  // namespace cdc::state
