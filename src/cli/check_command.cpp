// `retainly-cdc check`: the config and mappings offline, then the source and Retainly.
#include <iostream>
#include <string>
#include <vector>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "cli/exit_code.h"
#include "ops/log.h"
#include "pipeline/last_sent.h"
#include "pipeline/source_check.h"

namespace cdc::cli {
namespace {

int exit_code_of(const pipeline::Problem& problem) {
  switch (problem.kind) {
    case pipeline::Problem::kConfig:
      return kExitConfig;
    case pipeline::Problem::kSource:
      return kExitSource;
    case pipeline::Problem::kAuth:
      return kExitAuth;
    case pipeline::Problem::kOther:
      break;
  }
  return kExitFailure;
}

}  // namespace

int check_command(const CheckArgs& args) {
  try {
    auto config = load_config(args.config);
    auto mapper = load_mapper(config);
    std::cout << "ok: " << args.config << " and " << mapper.tables().size()
              << " mapping(s) are valid\n";
    std::vector<pipeline::Problem> problems;
    const auto report = [&] {
      for (const auto& p : problems) std::cout << "problem: " << log::redact(p.message) << "\n";
      return exit_code_of(problems.front());
    };
    // Where the last-sent store would live: local to this machine, which needs no server.
    if (auto problem = pipeline::last_sent_location_problem(config)) {
      problems.push_back({pipeline::Problem::kConfig, *problem});
    }
    if (args.offline) return problems.empty() ? kExitOk : report();

    pipeline::check_source(config, mapper, problems, std::cout);
    if (auto problem = pipeline::check_credentials(config.sink)) problems.push_back(*problem);
    if (problems.empty()) {
      std::cout << "ok: source is ready for change capture and Retainly accepts the "
                   "credentials\n";
      return kExitOk;
    }
    return report();
  } catch (...) {
    return report_current_exception("check");
  }
}

}  // namespace cdc::cli
