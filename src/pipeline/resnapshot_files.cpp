#include "pipeline/resnapshot_files.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <system_error>

#include <fmt/format.h>

#include "ops/log.h"
#include "state/atomic_file.h"

namespace cdc::pipeline {
namespace {

using nlohmann::json;

std::filesystem::path resnapshot_dir(const std::filesystem::path& state_dir) {
  return state_dir / "resnapshot";
}

std::filesystem::path requests_dir(const std::filesystem::path& dir) { return dir / "requests"; }

const char* origin_name(ResnapshotOrigin origin) {
  return origin == ResnapshotOrigin::kInitialSnapshot ? "initial" : "command";
}

std::optional<TableId> table_of(const json& doc) {
  if (!doc.is_object() || !doc.contains("schema") || !doc.contains("table") ||
      !doc["schema"].is_string() || !doc["table"].is_string()) {
    return std::nullopt;
  }
  return TableId{doc["schema"].get<std::string>(), doc["table"].get<std::string>()};
}

ResnapshotOrigin origin_of(const json& doc) {
  return doc.value("origin", "") == "initial" ? ResnapshotOrigin::kInitialSnapshot
                                              : ResnapshotOrigin::kCommand;
}

// The .json files of `dir`, by name.
std::vector<std::filesystem::path> json_files(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

json parse(const std::filesystem::path& file) {
  return json::parse(state::read_file(file).value_or(""), nullptr, /*allow_exceptions=*/false);
}

// Unique across processes and requests, and sorting by time: the wall clock in
// nanoseconds, the process id and a random number.
std::string unique_suffix() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  static thread_local std::mt19937_64 random{std::random_device{}()};
  return fmt::format("{:020}-{}-{:016x}",
                     std::chrono::duration_cast<std::chrono::nanoseconds>(now).count(), ::getpid(),
                     random());
}

}  // namespace

void request_resnapshot(const std::filesystem::path& state_dir, const TableId& table,
                        ResnapshotOrigin origin) {
  const auto file = requests_dir(resnapshot_dir(state_dir)) /
                    (table.qualified() + "." + unique_suffix() + ".json");
  state::write_file_atomically(
      file, json{{"schema", table.schema}, {"table", table.name}, {"origin", origin_name(origin)}}
                    .dump() +
                "\n");
}

ResnapshotFiles::ResnapshotFiles(const std::filesystem::path& state_dir)
    : dir_(resnapshot_dir(state_dir)) {}

std::vector<ResnapshotProgress> ResnapshotFiles::load_progress() const {
  std::vector<ResnapshotProgress> all;
  for (const auto& file : json_files(dir_)) {
    const json doc = parse(file);
    const auto table = table_of(doc);
    if (!table) {
      log::warn("re-snapshot: {} is not a progress file; ignored", file.string());
      continue;
    }
    ResnapshotProgress progress{*table, origin_of(doc), std::nullopt, doc.value("rows", 0ull)};
    if (doc.contains("last_key") && doc["last_key"].is_array()) {
      progress.last_key = doc["last_key"].get<std::vector<std::string>>();
    }
    all.push_back(std::move(progress));
  }
  return all;
}

std::vector<ResnapshotProgress> ResnapshotFiles::take_requests() const {
  std::vector<ResnapshotProgress> taken;
  for (const auto& file : json_files(requests_dir(dir_))) {
    const json doc = parse(file);
    const auto table = table_of(doc);
    if (!table) {
      log::warn("re-snapshot: {} is not a request; renamed to {}.invalid", file.string(),
                file.filename().string());
      std::filesystem::rename(file, file.string() + ".invalid");
      continue;
    }
    ResnapshotProgress fresh{*table, origin_of(doc)};
    save(fresh);
    std::filesystem::remove(file);
    taken.push_back(std::move(fresh));
  }
  return taken;
}

void ResnapshotFiles::save(const ResnapshotProgress& progress) const {
  state::write_file_atomically(
      dir_ / (progress.table.qualified() + ".json"),
      json{{"schema", progress.table.schema},
           {"table", progress.table.name},
           {"origin", origin_name(progress.origin)},
           {"last_key", progress.last_key ? json(*progress.last_key) : json(nullptr)},
           {"rows", progress.rows}}
              .dump() +
          "\n");
}

void ResnapshotFiles::remove(const TableId& table) const {
  std::filesystem::remove(dir_ / (table.qualified() + ".json"));
}

}  // namespace cdc::pipeline
