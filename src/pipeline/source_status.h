// Where a connector stands, read from the source and the state folder without a running
// daemon's help: the committed position, lag, whether a daemon streams, and a verdict.
// What `retainly-cdc status` prints.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "config/connector_config.h"

namespace cdc::pipeline {

struct SourceHealth {
  enum Level {
    kHealthy,
    kNotStreaming,  // the position is fine, but no instance streams from it now
    kBroken,        // the source cannot resume (slot or binlog gone): a resync is needed
  };
  Level level = kHealthy;
  std::string verdict = "healthy";
};

struct SourceStatusReport {
  // Flat fields for people and scripts: source, committed_position, lag_bytes, active, ...
  nlohmann::json fields;
  SourceHealth health;
};

// Connects to the source named by `config` (SourceError / SourceDisconnected when it
// cannot) and reads its state; writes nothing.
SourceStatusReport read_source_status(const config::ConnectorConfig& config);

}  // namespace cdc::pipeline
