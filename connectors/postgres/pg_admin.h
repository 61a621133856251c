// Set-up and inspection of the server side of logical replication: wal_level, the
// publication, the replication slot. Runs on an ordinary (non-replication) connection.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "connectors/postgres/pg_connection.h"
#include "core/position.h"
#include "core/table_schema.h"

namespace cdc::pg {

struct SlotState {
  std::string plugin;
  std::string database;
  bool active = false;
  PgLsn confirmed_flush;
  PgLsn restart_lsn;
  std::string wal_status;  // reserved | extended | unreserved | lost
};

// How much WAL a slot holds the server to keep, in bytes.
struct SlotWal {
  // From the slot's restart_lsn to the server's current WAL position.
  uint64_t retained_bytes = 0;
  // PostgreSQL's safe_wal_size: what can still be written before the slot is in danger
  // of losing WAL to max_slot_wal_keep_size; nullopt when that setting is -1 (no limit).
  std::optional<int64_t> safe_bytes;
};

// What a table offers logical replication.
struct TableInfo {
  bool exists = false;
  // 'd' default (primary key), 'f' full, 'i' index, 'n' nothing.
  char replica_identity = 'd';
  bool has_primary_key = false;
  // The columns an UPDATE/DELETE's old image carries besides FULL: the primary key's
  // ('d') or the replica identity index's ('i'). Empty for 'f' and 'n'.
  std::vector<std::string> identity_columns;
};

class PgAdmin {
 public:
  explicit PgAdmin(const PgConnection& conn) : conn_(conn) {}

  // Throws SourceError unless wal_level is logical, saying how to change it.
  void require_logical_wal() const;

  TableInfo table_info(const TableId& table) const;

  // Makes the publication publish exactly `tables` (creating it when `create` allows,
  // else throwing SourceError). Refuses tables whose UPDATE/DELETE would start failing
  // once published (no primary key and no replica identity).
  void ensure_publication(const std::string& name, const std::vector<TableId>& tables,
                          bool create) const;

  // The tables of `tables` that publication `name` does not publish; nullopt when the
  // publication does not exist. Only reads.
  std::optional<std::vector<TableId>> unpublished(const std::string& name,
                                                  const std::vector<TableId>& tables) const;

  // For dry runs, which change nothing on the server: throws SourceError unless the
  // publication exists and publishes every table of `tables` (each of which must exist),
  // naming what is missing and the statement that would add it. Only reads.
  void require_publication(const std::string& name, const std::vector<TableId>& tables) const;

  // A name, or schema.table, as the server's quote_ident() writes it: quoted only where
  // SQL needs it, so a statement in a message can be pasted as it is.
  std::string sql_name(const std::string& name) const;
  std::string sql_name(const TableId& table) const;

  std::optional<SlotState> slot(const std::string& name) const;
  // nullopt when the slot does not exist.
  std::optional<SlotWal> slot_wal(const std::string& name) const;

  // Creates the pgoutput slot when missing (if `create`), else throws SourceError.
  // Returns true if it created it. A slot with another plugin, in another database, or
  // whose WAL was removed ("lost") is an error that says how to resync.
  bool ensure_slot(const std::string& name, bool create) const;

  // Writes a snapshot watermark: a transactional logical message with prefix
  // kWatermarkPrefix, which pgoutput hands to the stream in commit order (PostgreSQL 14+,
  // protocol version 2 with messages). Committed when this returns.
  void emit_watermark(const std::string& watermark) const;

 private:
  const PgConnection& conn_;
};

}  // namespace cdc::pg
