// retainly-cdc: stream database changes into Retainly. See PRODUCT.md for the commands.
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/exit_code.h"
#include "cli/help_text.h"

int main(int argc, char** argv) {
  CLI::App app{cdc::cli::help::program()};
  // Set before the subcommands are added, so every one of them inherits it.
  app.footer(cdc::cli::help::common_footer());
  app.require_subcommand(1);
  app.set_version_flag("--version", "retainly-cdc 0.1.0");

  cdc::cli::RunArgs run;
  auto* run_cmd = app.add_subcommand("run", cdc::cli::help::run());
  run_cmd->footer(cdc::cli::help::run_footer());
  run_cmd->add_option("-c,--config", run.config, "connector configuration file")
      ->required()
      ->check(CLI::ExistingFile);
  run_cmd->add_flag("--dry-run", run.dry_run,
                    "print each API call as a JSON line on stdout instead of sending it; no "
                    "offset moves");

  cdc::cli::CheckArgs check;
  auto* check_cmd = app.add_subcommand("check", cdc::cli::help::check());
  check_cmd->footer(cdc::cli::help::check_footer());
  check_cmd->add_option("-c,--config", check.config, "connector configuration file")
      ->required()
      ->check(CLI::ExistingFile);
  check_cmd->add_flag("--offline", check.offline,
                      "only the checks that need no connection: files, keys, secrets, mappings");

  cdc::cli::PreviewArgs preview;
  auto* preview_cmd = app.add_subcommand("preview", cdc::cli::help::preview());
  preview_cmd->footer(cdc::cli::help::preview_footer());
  preview_cmd->add_option("-c,--config", preview.config, "connector configuration file")
      ->required()
      ->check(CLI::ExistingFile);
  preview_cmd->add_option("--table", preview.table, "mapped table, as schema.table")->required();
  preview_cmd
      ->add_option("--limit", preview.limit,
                   "how many rows to show: rows the mapping skips (its `where`) are read past "
                   "and not counted")
      ->capture_default_str()
      ->check([](const std::string& text) {
        const bool positive = !text.empty() &&
                              text.find_first_not_of("0123456789") == std::string::npos &&
                              text.find_first_not_of('0') != std::string::npos;
        return positive ? std::string() : "must be a whole number of rows, at least 1";
      });

  cdc::cli::BackfillArgs backfill;
  auto* backfill_cmd = app.add_subcommand(
      "backfill",
      "Send the current rows of the mapped tables (all, or --table) through the same mappings "
      "and delivery as streaming, honouring each mapping's `where`; rows count as snapshot "
      "reads, so no insert events fire. Tables are read in parallel (backfill.connections), "
      "each in one consistent snapshot, in key order, page by page (backfill.page_rows); a "
      "progress line per table shows rows, the estimated total, the rate and the ETA. Each "
      "table's last acknowledged key is checkpointed in the state folder: --resume continues "
      "an interrupted backfill. Exit 0 when every call was acknowledged or dead-lettered; 3 "
      "when Retainly refuses the credentials. MySQL/MariaDB tables need a primary key.");
  backfill_cmd->add_option("-c,--config", backfill.config, "connector configuration file")
      ->required()
      ->check(CLI::ExistingFile);
  backfill_cmd->add_option("--table", backfill.table, "only this mapped table, as schema.table");
  backfill_cmd->add_flag("--resume", backfill.resume,
                         "continue each table after its checkpoint instead of starting over");

  cdc::cli::ResnapshotArgs resnapshot;
  auto* resnapshot_cmd = app.add_subcommand(
      "resnapshot",
      "Ask the running daemon (same config and state folder) to send one table's current rows "
      "again, e.g. after a mapping change, without stopping the stream. It reads the table in "
      "chunks of backfill.page_rows between a low and a high watermark written into the "
      "source log (PostgreSQL: a logical message; MySQL: a row of source.watermark_table), "
      "and drops chunk rows that changed in between, so no stale row overwrites a newer "
      "change. The request survives restarts and continues where it was.");
  resnapshot_cmd->add_option("-c,--config", resnapshot.config, "connector configuration file")
      ->required()
      ->check(CLI::ExistingFile);
  resnapshot_cmd->add_option("--table", resnapshot.table, "mapped table, as schema.table")
      ->required();

  cdc::cli::ReplayArgs replay;
  auto* replay_cmd = app.add_subcommand(
      "replay-dead-letters",
      "Resend the calls Retainly refused (the dead-letter file in the state folder), after "
      "the cause is fixed, e.g. a field's type in Retainly. Lines that are delivered leave "
      "the file; lines that fail again stay, with Retainly's new answer; mapping rejections "
      "(values the mapping refused, no call to resend) stay as they are. Stop the daemon "
      "and any backfill on this state folder first: beside them it refuses (exit 1), "
      "since its records would race their newer calls. Exit 0 when everything resent was "
      "delivered, 1 when some failed again or the file is in use, 3 when Retainly "
      "refuses the credentials.");
  replay_cmd->add_option("-c,--config", replay.config, "connector configuration file")
      ->required()
      ->check(CLI::ExistingFile);
  replay_cmd->add_option("--table", replay.table, "only lines of this table, as schema.table");
  replay_cmd->add_option("--kind", replay.kind,
                         "only calls of this kind: customer_upsert, customer_delete, "
                         "array_upsert, array_delete or event");

  cdc::cli::StatusArgs status;
  auto* status_cmd = app.add_subcommand(
      "status",
      "Print where the connector stands, read from the source and the state folder: the "
      "committed position, the lag in bytes and seconds, the slot's state (PostgreSQL "
      "wal_status, active, WAL it retains) and the dead-letter count. Exit 0 when healthy; 1 "
      "when no daemon streams from the slot or the slot may soon lose WAL; 4 when the source "
      "is unreachable, the slot is missing, or it lost WAL and a resync is needed. MySQL: the "
      "stored binlog position, the binlog written since, and whether a replica with "
      "source.server_id is connected; 4 when no position is stored or its file was purged. "
      "Suits scripts and probes.");
  status_cmd->add_option("-c,--config", status.config, "connector configuration file")
      ->required()
      ->check(CLI::ExistingFile);
  status_cmd->add_flag("--json", status.json, "one JSON object instead of key: value lines");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : cdc::cli::kExitConfig;
  }
  if (run_cmd->parsed()) return cdc::cli::run_command(run);
  if (check_cmd->parsed()) return cdc::cli::check_command(check);
  if (preview_cmd->parsed()) return cdc::cli::preview_command(preview);
  if (status_cmd->parsed()) return cdc::cli::status_command(status);
  if (replay_cmd->parsed()) return cdc::cli::replay_command(replay);
  if (backfill_cmd->parsed()) return cdc::cli::backfill_command(backfill);
  if (resnapshot_cmd->parsed()) return cdc::cli::resnapshot_command(resnapshot);
  return cdc::cli::kExitFailure;
}
