// The connector configuration file (PRODUCT.md "Connector config"), parsed into plain
// immutable data. Every key has a type and a default; unknown keys are errors.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "config/env_expand.h"
#include "config/source_tls.h"
#include "core/table_schema.h"
#include "mapping/mapping_options.h"
#include "sink/sink_options.h"

namespace cdc::config {

enum class SourceType { kPostgres, kMysql };
enum class SnapshotMode { kInitial, kNever, kAlways };
enum class LogFormat { kAuto, kText, kJson };
// How GEOMETRY columns reach the mapping: WKB bytes (base64 in Retainly), WKB as hex
// text, or left out of the row.
enum class GeometryFormat { kWkb, kWkbHex, kSkip };

struct PostgresSourceConfig {
  // libpq connection string with `tls` applied (sslmode, sslrootcert), so every connection
  // made from it gets TLS right; the replication connection adds replication=database.
  std::string dsn;
  // source.tls as resolved: verify-full against the system CAs unless the host is this
  // machine, source.tls says otherwise, or the dsn sets sslmode itself.
  SourceTls tls;
  std::string slot = "retainly_cdc";
  std::string publication = "retainly_cdc";
  // Create the slot / publication when missing (with an explicit table list from the
  // mappings). Off: a missing one is a configuration error.
  bool create_slot = true;
  bool create_publication = true;
  // Status updates to the server at least this often (below wal_sender_timeout).
  std::chrono::milliseconds status_interval{10000};
  // While nothing is in flight, a transactional pg_logical_emit_message this often, so
  // the slot's confirmed position moves (and WAL is released) even when no mapped table
  // and no other database changes. 0: off.
  std::chrono::milliseconds heartbeat_interval{60000};
};

struct MysqlSourceConfig {
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string user;
  std::string password;
  std::string database;
  uint32_t server_id = 0;
  // The server sends a heartbeat event this often while the binlog is idle; a stream
  // silent for four of them (at least 10 s) counts as lost and is reconnected.
  std::chrono::milliseconds heartbeat_interval{5000};
  // Where snapshots and re-snapshots write their watermarks (DBLog's watermark table):
  // rows the binlog carries to the reader. Created on first use; needs CREATE, INSERT
  // and UPDATE on it.
  TableId watermark_table{"retainly_cdc", "watermarks"};
  // Accepted for old configs and ignored: snapshots no longer take FLUSH TABLES WITH
  // READ LOCK (they read in watermark chunks beside the stream).
  bool snapshot_lock = false;
  // `check` warns when the server keeps binlogs for less than this (0: never warns).
  int64_t min_binlog_retention_hours = 24;
  // source.geometry: "wkb", "wkb_hex" or "skip".
  GeometryFormat geometry = GeometryFormat::kWkb;
  // source.tls as resolved (verify-full against the system CAs unless `host` is this
  // machine or source.tls says otherwise). MariaDB Connector/C expresses it as:
  //   disable      no TLS option set
  //   prefer       the library's default (Connector/C 3.3: no TLS unless an SSL option
  //                is set), so the same as disable
  //   require      MYSQL_OPT_SSL_ENFORCE=1
  //   verify-ca,   MYSQL_OPT_SSL_ENFORCE=1, MYSQL_OPT_SSL_VERIFY_SERVER_CERT=1 (CA and
  //   verify-full  host name: Connector/C checks both) and MYSQL_OPT_SSL_CA=ca_path
  SourceTls tls;
};

struct SourceConfig {
  SourceType type = SourceType::kPostgres;
  PostgresSourceConfig postgres;
  MysqlSourceConfig mysql;
  SnapshotMode snapshot = SnapshotMode::kInitial;
};

struct LogConfig {
  LogFormat format = LogFormat::kAuto;  // auto: text on a terminal, JSON lines otherwise
  std::string level = "info";           // trace | debug | info | warn | error
};

struct BackfillConfig {
  size_t connections = 2;   // tables read at once, one connection each
  size_t page_rows = 5000;  // rows per page; two pages per table are in flight
  // backfill --mirror deletes at most this share of what the last-sent store holds of a
  // table without --force.
  double mirror_max_delete_share = 0.10;
};

struct ConnectorConfig {
  std::filesystem::path file;
  SourceConfig source;
  sink::SinkOptions sink;
  std::filesystem::path mappings_dir;  // absolute, resolved against the config's folder
  std::filesystem::path state_dir;     // absolute, resolved against the config's folder
  // The last-sent store's folder (LMDB), absolute; empty: state_dir/last-sent (see
  // pipeline::last_sent_directory). It must be on a local disk, so a pair that shares
  // state_dir on a network volume gives each instance one of its own
  // (docs/last-sent-store.md).
  std::filesystem::path last_sent_dir;
  std::string metrics_address;  // host:port, empty = no metrics endpoint
  // mapping_defaults: what the mapping engine applies to every mapping file.
  mapping::MappingOptions mapping;
  LogConfig log;
  BackfillConfig backfill;
  // How long SIGTERM waits for in-flight calls before exiting without them.
  std::chrono::milliseconds shutdown_timeout{30000};
  // high_availability: the instance lock as a lease (pipeline/lock_lease.h). Both
  // instances of a pair need the same values.
  std::chrono::milliseconds lock_check_interval{1000};
  std::chrono::milliseconds lock_lease{3000};
  std::chrono::milliseconds takeover_delay{5000};
  // Reader-to-pipeline buffer, in items.
  size_t source_buffer = 10000;
  // Memory for transactions held until their commit (PostgreSQL, all open transactions
  // together) or their XA COMMIT (MySQL prepared XA transactions, which always go to
  // disk); what exceeds it spills to files under state_dir/spill.
  size_t memory_budget_mb = 32;
  // Secret values found in the file (the database password, also one inside the DSN, the
  // sink key and secret), to be redacted from every log line and error. sink.redacted
  // holds the same values, since dead letters carry row data that may hold any of them.
  std::vector<std::string> secrets;
  // Secret keys written as literals in the file (not ${ENV}, not *_file): the file itself
  // must then be private. source.dsn is listed only when it holds a password.
  std::vector<std::string> literal_secret_keys;
};

// Reads and validates `file` into complete data: nothing is added or re-parsed after it.
// Throws cdc::ConfigError naming file, line, column and key.
ConnectorConfig load_connector_config(const std::filesystem::path& file,
                                      const EnvLookup& env = process_env());

// The same, from text (tests); relative paths resolve against `base_dir`.
ConnectorConfig parse_connector_config(const std::string& yaml, const std::string& file_name,
                                       const std::filesystem::path& base_dir,
                                       const EnvLookup& env = process_env());

}  // namespace cdc::config
