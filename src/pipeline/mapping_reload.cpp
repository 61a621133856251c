#include "pipeline/mapping_reload.h"

#include <fstream>
#include <sstream>

#include "config/restart_keys.h"
#include "core/errors.h"
#include "mapping/compiled_mapping.h"
#include "ops/log.h"
#include "pipeline/resnapshot_files.h"
#include "pipeline/source_check.h"

namespace cdc::pipeline {
namespace {

std::string defaults_text(const mapping::MappingOptions& options) {
  return options.timezone + "|" +
         (options.string_policy == mapping::StringPolicy::kTruncate ? "truncate" : "dead_letter") +
         "|" + (options.decimal_as_string ? "1" : "0") + "|" + options.event_key_field + "|" +
         (options.send_changed ? "changed" : "all");
}

std::string join(const std::vector<TableId>& tables) {
  std::string out;
  for (const auto& table : tables) out += (out.empty() ? "" : ", ") + table.qualified();
  return out;
}

}  // namespace

std::string read_config_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(file.string() + ": cannot read the configuration file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

MappingReload::MappingReload(std::filesystem::path config_path, std::string started_text,
                             config::ConnectorConfig started, const mapping::Mapper& running)
    : config_path_(std::move(config_path)),
      started_text_(std::move(started_text)),
      started_(std::move(started)),
      running_(fingerprints(running, defaults_text(started_.mapping))) {}

std::map<TableId, std::string> MappingReload::fingerprints(const mapping::Mapper& mapper,
                                                           const std::string& defaults) const {
  std::map<TableId, std::string> out;
  for (const auto& mapping : mapper.mappings()) {
    const auto& compiled = mapping.compiled();
    std::string text;
    try {
      text = read_config_text(compiled.file);
    } catch (const ConfigError&) {
      // Gone since it was loaded: it then counts as changed.
    }
    out[compiled.table] = defaults + "\n" + text;
  }
  return out;
}

ReloadOutcome MappingReload::load() {
  config::ConnectorConfig now;
  std::string now_text;
  try {
    now_text = read_config_text(config_path_);
    now = config::load_connector_config(config_path_);
    for (const auto& secret : now.secrets) log::add_secret(secret);
  } catch (const ConfigError& error) {
    return std::string(error.what());
  }
  try {
    for (const auto& key : config::keys_needing_restart(started_text_, now_text)) {
      log::warn("reload: {} changed in {}: that needs a restart, so the running value stays", key,
                config_path_.string());
    }
  } catch (const ConfigError&) {
    // Parsed above already; nothing more to say.
  }

  // Everything but the mappings stays as the daemon started.
  config::ConnectorConfig next = started_;
  next.mappings_dir = now.mappings_dir;
  next.mapping = now.mapping;
  std::shared_ptr<const mapping::Mapper> mapper;
  try {
    auto mappings = mapping::load_mapping_dir(next.mappings_dir, next.mapping);
    if (mappings.empty()) {
      return config_path_.string() + ": mappings: no mapping files (*.yaml) in " +
             next.mappings_dir.string();
    }
    mapper = std::make_shared<const mapping::Mapper>(std::move(mappings));
  } catch (const ConfigError& error) {
    return std::string(error.what());
  }
  std::vector<Problem> problems;
  std::ostringstream notes;
  try {
    check_source(next, *mapper, problems, notes);
  } catch (const SourceError& error) {
    return std::string("cannot check the new mappings against the source: ") + error.what();
  }
  if (!problems.empty()) {
    std::string message = "the new mappings fail their check:";
    for (const auto& problem : problems) message += "\n  - " + problem.message;
    return message;
  }
  // What the check accepts with a warning (a mapping's allow_partial) is worth the log.
  std::istringstream note_lines(notes.str());
  for (std::string line; std::getline(note_lines, line);) {
    if (line.starts_with("warning: ")) log::warn("reload: {}", line.substr(9));
  }

  auto fresh = fingerprints(*mapper, defaults_text(next.mapping));
  std::vector<TableId> added, removed, changed;
  for (const auto& [table, text] : fresh) {
    auto was = running_.find(table);
    if (was == running_.end()) {
      added.push_back(table);
    } else if (was->second != text) {
      changed.push_back(table);
    }
  }
  for (const auto& [table, text] : running_) {
    if (!fresh.contains(table)) removed.push_back(table);
  }
  log::info(
      "reload: {} mapping(s) apply from the next transaction on ({} added, {} changed, {} "
      "removed)",
      fresh.size(), added.size(), changed.size(), removed.size());
  if (!changed.empty()) {
    log::info(
        "reload: the mappings of {} changed; rows already sent keep the old mapping's values: "
        "`retainly-cdc resnapshot --table T` re-sends a table's rows",
        join(changed));
  }
  if (!removed.empty()) log::info("reload: {} no longer mapped", join(removed));
  for (const auto& table : added) {
    if (started_.source.snapshot == config::SnapshotMode::kNever) {
      log::info(
          "reload: {} is newly mapped; source.snapshot is never, so only its changes from "
          "now on are sent (`retainly-cdc resnapshot --table {}` sends its rows)",
          table.qualified(), table.qualified());
      continue;
    }
    request_resnapshot(started_.state_dir, table, ResnapshotOrigin::kInitialSnapshot);
    log::info("reload: {} is newly mapped; its current rows are sent beside the stream",
              table.qualified());
  }
  running_ = std::move(fresh);
  MappingSwitch next_set{mapper, mapper->tables()};
  return next_set;
}

}  // namespace cdc::pipeline
