#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "cli/exit_code.h"
#include "core/errors.h"
#include "ops/log.h"
#include "pipeline/scaffold_catalog.h"

namespace cdc::cli {
namespace {

TableId parse_table(const std::string& text) {
  const auto dot = text.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == text.size()) {
    throw ConfigError("--table: expected schema.table (MySQL: database.table), found \"" + text +
                      "\"");
  }
  return {text.substr(0, dot), text.substr(dot + 1)};
}

pipeline::ScaffoldKind parse_kind(const std::string& text) {
  if (text == "customer") return pipeline::ScaffoldKind::kCustomer;
  if (text == "array") return pipeline::ScaffoldKind::kArray;
  if (text == "events") return pipeline::ScaffoldKind::kEvents;
  throw ConfigError("--as: expected customer, array or events, found \"" + text + "\"");
}

}  // namespace

int scaffold_command(const ScaffoldArgs& args) {
  try {
    // Only the source section matters: the mappings folder may be empty or missing yet.
    const auto config = load_config(args.config);
    const TableId table = parse_table(args.table);
    const auto described = pipeline::describe_table(config, table);
    const std::string text =
        pipeline::scaffold_mapping(described, {parse_kind(args.kind), args.customer_id});
    if (args.out.empty()) {
      std::cout << text;
      std::cout.flush();
      return kExitOk;
    }
    if (std::filesystem::exists(args.out)) {
      throw ConfigError("--out: " + args.out + " exists; scaffold does not overwrite a mapping");
    }
    std::ofstream out(args.out, std::ios::binary);
    out << text;
    out.close();
    if (!out) throw ConfigError("--out: cannot write " + args.out);
    log::info("wrote a starter mapping for {} to {}", table.qualified(), args.out);
    return kExitOk;
  } catch (...) {
    return report_current_exception("scaffold");
  }
}

}  // namespace cdc::cli
