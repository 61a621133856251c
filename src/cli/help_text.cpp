#include "cli/help_text.h"

namespace cdc::cli::help {

std::string program() {
  return R"(retainly-cdc streams row changes from PostgreSQL (logical replication, pgoutput)
or MySQL/MariaDB (row-based binlog) into Retainly: customer upserts and deletes,
customer array items and events, as described by one YAML mapping file per table.
Delivery is at least once, in commit order per customer; a restart resumes where
the last acknowledged change left off.

Start with `check`, look at what a table would send with `preview`, then `run`.
`retainly-cdc COMMAND --help` describes each command.)";
}

std::string common_footer() {
  return R"(
EXIT CODES
  0  success
  1  any other failure (status and replay-dead-letters: see their description)
  2  bad configuration or mapping; the message names file, line and key
  3  Retainly refused the credentials (sink.key, sink.secret)
  4  the source database is unreachable or not set up for change capture

CONFIGURATION
  One YAML file (-c): the source, the sink (Retainly URL and credentials), the
  mapping folder and the state folder; relative paths are relative to the file.
  ${NAME} is replaced by the environment variable NAME everywhere ($$ is a
  literal $); key_file, secret_file, dsn_file and password_file read a secret
  from a file. Keep secrets out of the file itself: a file that holds one and is
  readable by other users draws a warning. Secrets never appear in logs or dead
  letters. TLS is verified by default, to Retainly (sink.ca_path for your own
  CA) and to any database host that is not this machine (source.tls).

FILES
  /usr/share/retainly-cdc/connector.yaml   a production template (systemd unit)
  /usr/share/retainly-cdc/mappings/        example mappings; README.md there is
                                           the mapping reference
  /usr/share/retainly-cdc/operations.md    metrics, status, outages, HA
  STATE_DIR/dead-letters.jsonl             calls Retainly refused, one JSON line
                                           each)";
}

std::string run() { return "Stream changes into Retainly until stopped (the daemon)."; }

std::string run_footer() {
  return R"(
DESCRIPTION
  Stream changes forever. Connects to the source, creates the publication and
  the replication slot when they are missing (PostgreSQL), then maps every
  committed change and delivers the calls to Retainly. The initial snapshot
  (source.snapshot: initial on the first start, always on every start) is read
  beside the stream in watermark chunks. The source position and the snapshot's
  progress move only past changes whose calls were all acknowledged or
  dead-lettered, so a crash or kill loses nothing.

  SIGTERM or SIGINT stops reading, drains in-flight calls for up to
  shutdown_timeout_ms, confirms the position and exits 0. Transient failures
  (5xx, 429, timeouts, a restarted database) are retried without limit by
  default; records Retainly refuses (422) go to the dead-letter file and the
  stream goes on. Only refused credentials (exit 3), an unusable configuration
  (2) or a source that cannot continue (4, e.g. a lost slot: the message names
  the resync command) stop it.

EXAMPLES
  retainly-cdc run -c /etc/retainly-cdc/connector.yaml
      the daemon; under systemd: systemctl start retainly-cdc
  retainly-cdc run --dry-run -c connector.yaml | head
      print the calls as JSON lines instead of sending them

DRY RUN
  --dry-run writes nothing durable, so it can run beside the daemon: no slot,
  no publication change, no stored position, no watermark, no state folder.
  PostgreSQL: it streams from a temporary slot of its own (dropped when it
  exits, however it exits) from the moment it starts, and needs the publication
  to publish every mapped table already; if not, it exits 4 naming the tables
  and the CREATE/ALTER PUBLICATION that fixes it. MySQL/MariaDB: it registers
  as source.server_id with the top bit flipped.
)" + common_footer();
}

std::string check() {
  return "Validate the configuration, the mappings, the source and the credentials.";
}

std::string check_footer() {
  return R"(
DESCRIPTION
  Validate a connector before running it. Offline: the configuration file and
  every mapping file parse, every key is known, values are in range, secrets
  resolve (${ENV} set, *_file readable) and the mappings fit Retainly's static
  limits. Online (unless --offline): the source is set up for change capture
  (PostgreSQL wal_level=logical, replica identity fitting each delete mapping),
  every mapped table and column exists and its type converts, and Retainly
  accepts the credentials (an empty request that changes nothing). PostgreSQL:
  notes a publication that does not exist yet or misses a mapped table (run
  sets it; run --dry-run needs it first). Each problem is printed with what to
  do; nothing is created or sent, and the state folder is not touched.

EXAMPLES
  retainly-cdc check -c /etc/retainly-cdc/connector.yaml
  retainly-cdc check --offline -c connector.yaml
      in CI, where neither the database nor Retainly is reachable
)" + common_footer();
}

std::string preview() { return "Print the API calls the current rows of one table would produce."; }

std::string preview_footer() {
  return R"(
DESCRIPTION
  Print, as JSON lines on stdout, the API calls that the current rows of one
  mapped table would produce, in key order, after the mapping's `where`. Nothing
  is sent to Retainly and no slot or publication is created: one ordinary,
  read-only connection reads the rows. Use it to see what a new or changed
  mapping would do before running it.

EXAMPLES
  retainly-cdc preview -c connector.yaml --table public.users --limit 3
  retainly-cdc preview -c connector.yaml --table public.orders | jq .
)" + common_footer();
}

std::string backfill() {
  return "Send the current rows of the mapped tables (all, or --table) through the same "
         "mappings and delivery as streaming, honouring each mapping's `where`; rows count as "
         "snapshot reads, so no insert events fire. Tables are read in parallel "
         "(backfill.connections), each in one consistent snapshot, in key order, page by page "
         "(backfill.page_rows); a progress line per table shows rows, the estimated total, the "
         "rate and the ETA. Each table's last acknowledged key is checkpointed in the state "
         "folder: --resume continues an interrupted backfill. Exit 0 when every call was "
         "acknowledged or dead-lettered; 3 when Retainly refuses the credentials. "
         "MySQL/MariaDB tables need a primary key. With `send: changed` (the default) only "
         "fields that differ from what Retainly holds from us (the last-sent store) are sent, "
         "so a second backfill of an unchanged table sends nothing; --full sends everything "
         "and refreshes the store. --mirror then deletes the customers (on_delete: delete) and "
         "array items we sent that no row backs any more; it refuses to delete more than "
         "backfill.mirror_max_delete_share (10%) of a table's entries without --force; "
         "--dry-run prints the counts and a sample first. It refuses to run beside a daemon "
         "streaming the same source (its rows could overwrite the stream's newer changes; "
         "`resnapshot` sends a table beside the stream), and a daemon started during it "
         "waits for it as a standby.";
}

std::string forget() {
  return "Drop what the last-sent store remembers (everything, or what one --table sent), so "
         "the next changes and backfills send every field again. For when Retainly was "
         "changed outside the connector; `backfill --full` does the same and resends at once. "
         "Stop the daemon first: it refuses to run beside one streaming the same source.";
}

std::string resnapshot() {
  return "Ask the running daemon (same config and state folder) to send one table's current "
         "rows again (every mapped table's without --table), e.g. after a mapping change or "
         "a resync, without stopping the stream. It reads the "
         "table in chunks of backfill.page_rows between a low and a high watermark written "
         "into the source log (PostgreSQL: a logical message; MySQL: a row of "
         "source.watermark_table), and drops chunk rows that changed in between, so no stale "
         "row overwrites a newer change. The request survives restarts and continues where it "
         "was.";
}

std::string replay_dead_letters() {
  return "Resend the calls Retainly refused (the dead-letter file in the state folder), after "
         "the cause is fixed, e.g. a field's type in Retainly. Lines that are delivered leave "
         "the file; lines that fail again stay, with Retainly's new answer; mapping rejections "
         "(values the mapping refused, no call to resend) stay as they are. Stop the daemon "
         "and any backfill on this state folder first: beside them it refuses (exit 1), "
         "since its records would race their newer calls. The last-sent store forgets the "
         "fields and items the resent calls change first, so that their next change sends "
         "them. Exit 0 when everything resent was "
         "delivered, 1 when some failed again or the file is in use, 3 when Retainly "
         "refuses the credentials.";
}

std::string status() {
  return "Print where the connector stands, read from the source and the state folder: the "
         "committed position, the lag in bytes and seconds, the slot's state (PostgreSQL "
         "wal_status, active, WAL it retains) and the dead-letter count. Exit 0 when healthy; "
         "1 when no daemon streams from the slot or the slot may soon lose WAL; 4 when the "
         "source is unreachable, the slot is missing, or it lost WAL and a resync is needed. "
         "MySQL: the stored binlog position, the binlog written since, and whether a replica "
         "with source.server_id is connected; 4 when no position is stored or its file was "
         "purged. Suits scripts and probes.";
}

std::string scaffold() {
  return "Write a starter mapping file for one table, read from the source's catalog: the "
         "primary key as the id, every column as a field with the type the connector would "
         "send, columns Retainly cannot take (binary, geometry, text longer than 1,000 "
         "characters) commented out with the reason, and what old row images the mapping "
         "needs (replica identity, binlog_row_image). `check` passes on it as written, unless "
         "its first comment says a table setting is needed. Writes to stdout, or to --out "
         "(never over an existing file).";
}

}  // namespace cdc::cli::help
