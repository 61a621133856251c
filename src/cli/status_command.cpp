// `retainly-cdc status`: where the connector stands, read from the source and the state
// folder, without a running daemon's help, for operators, scripts and probes.
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "cli/exit_code.h"
#include "pipeline/source_status.h"

namespace cdc::cli {
namespace {

void print_text(const nlohmann::json& status) {
  for (const auto& [key, value] : status.items()) {
    std::cout << key << ": " << (value.is_string() ? value.get<std::string>() : value.dump())
              << "\n";
  }
}

int exit_code_of(const pipeline::SourceHealth& health) {
  switch (health.level) {
    case pipeline::SourceHealth::kHealthy:
      return kExitOk;
    case pipeline::SourceHealth::kNotStreaming:
      return kExitFailure;
    case pipeline::SourceHealth::kBroken:
      return kExitSource;
  }
  return kExitFailure;
}

}  // namespace

int status_command(const StatusArgs& args) {
  try {
    const auto config = load_config(args.config);
    const auto report = pipeline::read_source_status(config);
    if (args.json) {
      std::cout << report.fields.dump() << "\n";
    } else {
      print_text(report.fields);
    }
    return exit_code_of(report.health);
  } catch (...) {
    return report_current_exception("status");
  }
}

}  // namespace cdc::cli
