#include "ops/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <vector>

#include "core/json_string.h"

namespace cdc::log {
namespace {

std::mutex g_mutex;
std::atomic<Level> g_level{Level::kInfo};
bool g_json = false;
std::vector<std::string> g_secrets;

const char* level_name(Level level) {
  switch (level) {
    case Level::kTrace:
      return "trace";
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

std::string now_utc() {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto secs = time_point_cast<seconds>(now);
  auto millis = duration_cast<milliseconds>(now - secs).count();
  std::time_t t = system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(millis));
  return buf;
}

std::string redact_locked(std::string_view text) {
  std::string out(text);
  for (const auto& secret : g_secrets) {
    for (size_t pos = out.find(secret); pos != std::string::npos; pos = out.find(secret, pos + 3)) {
      out.replace(pos, secret.size(), "***");
    }
  }
  return out;
}

}  // namespace

void init(Format format, Level level) {
  std::lock_guard lock(g_mutex);
  g_level = level;
  g_json = format == Format::kJson || (format == Format::kAuto && !isatty(STDERR_FILENO));
}

Level parse_level(std::string_view name) {
  if (name == "trace") return Level::kTrace;
  if (name == "debug") return Level::kDebug;
  if (name == "warn") return Level::kWarn;
  if (name == "error") return Level::kError;
  return Level::kInfo;
}

void add_secret(std::string value) {
  if (value.size() < 4) return;
  std::lock_guard lock(g_mutex);
  for (const auto& s : g_secrets) {
    if (s == value) return;
  }
  g_secrets.push_back(std::move(value));
}

std::string redact(std::string_view text) {
  std::lock_guard lock(g_mutex);
  return redact_locked(text);
}

bool enabled(Level level) { return level >= g_level.load(std::memory_order_relaxed); }

void write(Level level, std::string_view message) {
  std::lock_guard lock(g_mutex);
  std::string clean = redact_locked(message);
  std::string line;
  if (g_json) {
    line = "{\"time\":\"" + now_utc() + "\",\"level\":\"" + level_name(level) + "\",\"msg\":";
    append_json_string(line, clean);
    line += "}\n";
  } else {
    line = now_utc() + " " + level_name(level) + " " + clean + "\n";
  }
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace cdc::log
