// SIGHUP: the mapping folder (and mapping_defaults) read again while the daemon runs. The
// new set is loaded and checked against the database before anything changes; if it
// fails, the running set stays and the reason is returned. Config keys a reload cannot
// apply (the source, the sink, ...) are named in the log as needing a restart.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "config/connector_config.h"
#include "mapping/mapper.h"

namespace cdc::pipeline {

// A checked set of mappings to switch to, and the tables the source must read with it.
struct MappingSwitch {
  std::shared_ptr<const mapping::Mapper> mapper;
  std::vector<TableId> tables;
};

// What a reload found: a switch, or why the running mappings stay.
using ReloadOutcome = std::variant<MappingSwitch, std::string>;

class MappingReload {
 public:
  // `started`: the config the daemon runs with, read from `config_path` as
  // `started_text`; `running`: the mappings it runs with.
  MappingReload(std::filesystem::path config_path, std::string started_text,
                config::ConnectorConfig started, const mapping::Mapper& running);

  // Reads the config file and the mapping folder it names again, checks them (offline,
  // then against the source as `check` does) and says what changed: tables added (a
  // snapshot of each is requested unless source.snapshot is never), removed, and changed
  // (the log names `retainly-cdc resnapshot` to re-send their rows). On success the new
  // set becomes the one later reloads compare with.
  ReloadOutcome load();

 private:
  // A table's mapping file text, with the mapping defaults it was compiled under.
  std::map<TableId, std::string> fingerprints(const mapping::Mapper& mapper,
                                              const std::string& defaults) const;

  std::filesystem::path config_path_;
  std::string started_text_;
  config::ConnectorConfig started_;
  std::map<TableId, std::string> running_;
};

// The text of `file`; throws ConfigError naming it when it cannot be read.
std::string read_config_text(const std::filesystem::path& file);

}  // namespace cdc::pipeline
