// The retainly-cdc subcommands. Each returns the process exit code.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace cdc::cli {

struct RunArgs {
  std::string config;
  bool dry_run = false;
};
int run_command(const RunArgs& args);

struct CheckArgs {
  std::string config;
  bool offline = false;
};
int check_command(const CheckArgs& args);

struct PreviewArgs {
  std::string config;
  std::string table;
  size_t limit = 10;
};
int preview_command(const PreviewArgs& args);

struct BackfillArgs {
  std::string config;
  std::string table;  // empty: every mapped table
  bool resume = false;
  bool full = false;     // send every field, whatever the last-sent store holds
  bool mirror = false;   // then delete what no row backs any more
  bool dry_run = false;  // count, send nothing
  bool force = false;    // --mirror past backfill.mirror_max_delete_share
};
int backfill_command(const BackfillArgs& args);

struct ForgetArgs {
  std::string config;
  std::string table;  // empty: everything
};
int forget_command(const ForgetArgs& args);

struct ResnapshotArgs {
  std::string config;
  std::string table;  // empty: every mapped table
};
int resnapshot_command(const ResnapshotArgs& args);

struct ReplayArgs {
  std::string config;
  std::string table;  // empty: every table
  std::string kind;   // empty: every kind of call
};
int replay_command(const ReplayArgs& args);

struct StatusArgs {
  std::string config;
  bool json = false;
};
int status_command(const StatusArgs& args);

struct ScaffoldArgs {
  std::string config;
  std::string table;              // schema.table
  std::string kind = "customer";  // customer | array | events
  std::string customer_id;        // arrays and events: the customer id column; empty: guessed
  std::string out;                // empty: stdout
};
int scaffold_command(const ScaffoldArgs& args);

}  // namespace cdc::cli
