#include "cli/command_support.h"

#include <iostream>

#include <fmt/format.h>

#include "core/errors.h"
#include "ops/log.h"
#include "pipeline/source_factory.h"

namespace cdc::cli {
namespace {

// A file holding literal secrets that others can read leaks them; say so, with the fix.
void warn_if_readable(const config::ConnectorConfig& config) {
  if (config.literal_secret_keys.empty()) return;
  std::error_code error;
  const auto permissions = std::filesystem::status(config.file, error).permissions();
  using std::filesystem::perms;
  if (error || (permissions & (perms::group_read | perms::others_read)) == perms::none) return;
  std::string keys;
  for (const auto& key : config.literal_secret_keys) keys += (keys.empty() ? "" : ", ") + key;
  log::warn(
      "{} holds literal secrets ({}) and is readable by other users; chmod 600 it, or use "
      "${{ENV}} references or *_file keys",
      config.file.string(), keys);
}

}  // namespace

config::ConnectorConfig load_config(const std::string& path) {
  auto config = config::load_connector_config(path);
  const auto format = config.log.format == config::LogFormat::kText   ? log::Format::kText
                      : config.log.format == config::LogFormat::kJson ? log::Format::kJson
                                                                      : log::Format::kAuto;
  log::init(format, log::parse_level(config.log.level));
  for (const auto& secret : config.secrets) log::add_secret(secret);
  warn_if_readable(config);
  return config;
}

mapping::Mapper load_mapper(const config::ConnectorConfig& config) {
  auto mappings = mapping::load_mapping_dir(config.mappings_dir, config.mapping);
  if (mappings.empty()) {
    throw ConfigError(config.file.string() + ": mappings: no mapping files (*.yaml) in " +
                      config.mappings_dir.string());
  }
  return mapping::Mapper(std::move(mappings));
}

TableId mapped_table(const mapping::Mapper& mapper, const std::string& name) {
  const auto tables = mapper.tables();
  std::vector<TableId> matches;
  for (const auto& table : tables) {
    if (table.qualified() == name) return table;
    if (table.name == name) matches.push_back(table);
  }
  if (matches.size() == 1 && name.find('.') == std::string::npos) return matches[0];
  std::string known;
  for (const auto& table : tables) {
    if (!known.empty()) known += ", ";
    known += table.qualified();
  }
  throw ConfigError("--table " + name +
                    (matches.size() > 1 ? ": ambiguous, qualify it with its schema"
                                        : ": no mapping file maps this table") +
                    "; mapped tables: " + known);
}

std::unique_ptr<InstanceLock> lock_out_daemon(const config::ConnectorConfig& config,
                                              std::string_view command, std::string_view why) {
  auto lock = pipeline::make_instance_lock(config);
  if (lock->try_acquire()) return lock;
  std::cerr << fmt::format("{}: a daemon streams from this source (it holds the {}); {}\n", command,
                           lock->describe(), why);
  return nullptr;
}

}  // namespace cdc::cli
