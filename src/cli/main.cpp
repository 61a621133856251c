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
  auto* backfill_cmd = app.add_subcommand("backfill", cdc::cli::help::backfill());
  backfill_cmd->add_option("-c,--config", backfill.config, "connector configuration file")
      ->required()
      ->check(CLI::ExistingFile);
  backfill_cmd->add_option("--table", backfill.table, "only this mapped table, as schema.table");
  backfill_cmd->add_flag("--resume", backfill.resume,
                         "continue each table after its checkpoint instead of starting over");
  backfill_cmd->add_flag("--full", backfill.full,
                         "send every field of every row, even what Retainly holds from us "
                         "already (after Retainly was changed outside the connector)");
  auto* mirror_flag = backfill_cmd->add_flag(
      "--mirror", backfill.mirror,
      "then delete the customers (on_delete: delete) and array items we sent that no row "
      "backs any more");
  backfill_cmd->add_flag("--dry-run", backfill.dry_run,
                         "read and map, print what would be sent, skipped and mirrored; send "
                         "and write nothing");
  backfill_cmd
      ->add_flag("--force", backfill.force,
                 "--mirror: delete even more than backfill.mirror_max_delete_share of "
                 "a table's entries, or past rows the mapping refused")
      ->needs(mirror_flag);
  mirror_flag->excludes(backfill_cmd->get_option("--resume"));

  cdc::cli::ForgetArgs forget;
  auto* forget_cmd = app.add_subcommand("forget", cdc::cli::help::forget());
  forget_cmd->add_option("-c,--config", forget.config, "connector configuration file")
      ->required()
      ->check(CLI::ExistingFile);
  forget_cmd->add_option("--table", forget.table,
                         "only what this table sent, as schema.table (default: everything)");

  cdc::cli::ResnapshotArgs resnapshot;
  auto* resnapshot_cmd = app.add_subcommand("resnapshot", cdc::cli::help::resnapshot());
  resnapshot_cmd->add_option("-c,--config", resnapshot.config, "connector configuration file")
      ->required()
      ->check(CLI::ExistingFile);
  resnapshot_cmd->add_option("--table", resnapshot.table,
                             "mapped table, as schema.table (default: every mapped table)");

  cdc::cli::ReplayArgs replay;
  auto* replay_cmd =
      app.add_subcommand("replay-dead-letters", cdc::cli::help::replay_dead_letters());
  replay_cmd->add_option("-c,--config", replay.config, "connector configuration file")
      ->required()
      ->check(CLI::ExistingFile);
  replay_cmd->add_option("--table", replay.table, "only lines of this table, as schema.table");
  replay_cmd->add_option("--kind", replay.kind,
                         "only calls of this kind: customer_upsert, customer_delete, "
                         "array_upsert, array_delete or event");

  cdc::cli::StatusArgs status;
  auto* status_cmd = app.add_subcommand("status", cdc::cli::help::status());
  status_cmd->add_option("-c,--config", status.config, "connector configuration file")
      ->required()
      ->check(CLI::ExistingFile);
  status_cmd->add_flag("--json", status.json, "one JSON object instead of key: value lines");

  cdc::cli::ScaffoldArgs scaffold;
  auto* scaffold_cmd = app.add_subcommand("scaffold", cdc::cli::help::scaffold());
  scaffold_cmd->add_option("-c,--config", scaffold.config, "connector configuration file")
      ->required()
      ->check(CLI::ExistingFile);
  scaffold_cmd->add_option("--table", scaffold.table, "the table, as schema.table")->required();
  scaffold_cmd->add_option("--as", scaffold.kind, "what each row becomes")
      ->capture_default_str()
      ->check(CLI::IsMember({"customer", "array", "events"}));
  scaffold_cmd->add_option("--customer-id", scaffold.customer_id,
                           "array and events: the column holding the customer id (default: a "
                           "foreign key, or a column named customer_id or user_id)");
  scaffold_cmd->add_option("--out", scaffold.out, "write the mapping to this new file");

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
  if (scaffold_cmd->parsed()) return cdc::cli::scaffold_command(scaffold);
  if (forget_cmd->parsed()) return cdc::cli::forget_command(forget);
  return cdc::cli::kExitFailure;
}
