// Process-wide structured logging: text lines on a terminal, JSON lines otherwise.
// Every line passes through redaction, so registered secrets never reach the output.
// Written here rather than on spdlog: redaction of every finished line and the JSON-line
// format would each need a custom spdlog formatter and sink, which leaves spdlog little
// to do but add a dependency (and a runtime library to the Debian package).
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace cdc::log {

enum class Level { kTrace, kDebug, kInfo, kWarn, kError };
enum class Format { kAuto, kText, kJson };

// Thread-safe; may be called again (tests, CLI after reading the config).
void init(Format format, Level level);
Level parse_level(std::string_view name);  // "info" -> kInfo; unknown -> kInfo

// Registers a value that must never appear in output (keys, secrets, passwords).
// Values shorter than 4 characters are ignored: redacting them would mangle ordinary
// text, and no real credential is that short.
void add_secret(std::string value);

// `text` with every registered secret replaced by "***".
std::string redact(std::string_view text);

bool enabled(Level level);
void write(Level level, std::string_view message);

template <typename... Args>
void trace(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kTrace)) write(Level::kTrace, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kDebug)) write(Level::kDebug, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kInfo)) write(Level::kInfo, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kWarn)) write(Level::kWarn, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kError)) write(Level::kError, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace cdc::log
