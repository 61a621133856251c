#include "connectors/postgres/pg_admin.h"

#include <algorithm>
#include <set>

#include "core/errors.h"
#include "core/row_change.h"

namespace cdc::pg {
namespace {

// "a.b, c.d" for messages.
std::string qualified_list(const std::vector<TableId>& tables) {
  std::string list;
  for (const auto& table : tables) list += (list.empty() ? "" : ", ") + table.qualified();
  return list;
}

}  // namespace

void PgAdmin::require_logical_wal() const {
  auto result = conn_.query("SHOW wal_level");
  const std::string level = result.rows.at(0).at(0).value_or("");
  if (level != "logical") {
    throw SourceError("PostgreSQL has wal_level=" + level +
                      "; logical replication needs wal_level=logical (ALTER SYSTEM SET "
                      "wal_level = logical; then restart the server)");
  }
}

TableInfo PgAdmin::table_info(const TableId& table) const {
  auto result = conn_.query(
      "SELECT c.relreplident, EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND "
      "i.indisprimary) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')",
      {table.schema, table.name});
  TableInfo info;
  if (result.rows.empty()) return info;
  info.exists = true;
  info.replica_identity = result.rows[0][0].value_or("d").at(0);
  info.has_primary_key = result.rows[0][1].value_or("f") == "t";
  auto identity = conn_.query(
      "SELECT a.attname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "JOIN pg_index i ON i.indrelid = c.oid JOIN pg_attribute a ON a.attrelid = c.oid "
      "AND a.attnum = ANY (i.indkey) WHERE n.nspname = $1 AND c.relname = $2 AND "
      "((c.relreplident = 'd' AND i.indisprimary) OR (c.relreplident = 'i' AND "
      "i.indisreplident)) ORDER BY a.attnum",
      {table.schema, table.name});
  for (const auto& row : identity.rows) info.identity_columns.push_back(row[0].value_or(""));
  return info;
}

void PgAdmin::ensure_publication(const std::string& name, const std::vector<TableId>& tables,
                                 bool create) const {
  std::string table_list;
  std::set<std::string> wanted;
  for (const auto& table : tables) {
    TableInfo info = table_info(table);
    if (!info.exists) {
      throw SourceError("table " + table.qualified() +
                        " named by a mapping does not exist in PostgreSQL");
    }
    const bool identity_missing =
        info.replica_identity == 'n' || (info.replica_identity == 'd' && !info.has_primary_key);
    if (identity_missing) {
      throw SourceError("table " + table.qualified() +
                        " has no primary key and no replica identity: once published, "
                        "UPDATE and DELETE on it would fail. Add a primary key or run ALTER "
                        "TABLE " +
                        table.qualified() + " REPLICA IDENTITY FULL");
    }
    if (!table_list.empty()) table_list += ", ";
    table_list += quote_table(conn_, table.schema, table.name);
    wanted.insert(table.qualified());
  }
  auto existing = conn_.query("SELECT 1 FROM pg_publication WHERE pubname = $1", {name});
  if (existing.rows.empty()) {
    if (!create) {
      throw SourceError("publication " + name +
                        " does not exist and source.create_publication is false");
    }
    conn_.exec("CREATE PUBLICATION " + conn_.quote_identifier(name) + " FOR TABLE " + table_list);
    return;
  }
  auto published = conn_.query(
      "SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = $1",
      {name});
  std::set<std::string> have;
  for (const auto& row : published.rows) have.insert(row[0].value_or(""));
  if (have != wanted) {
    conn_.exec("ALTER PUBLICATION " + conn_.quote_identifier(name) + " SET TABLE " + table_list);
  }
}

std::optional<std::vector<TableId>> PgAdmin::unpublished(const std::string& name,
                                                         const std::vector<TableId>& tables) const {
  auto existing = conn_.query("SELECT 1 FROM pg_publication WHERE pubname = $1", {name});
  if (existing.rows.empty()) return std::nullopt;
  auto published = conn_.query(
      "SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = $1",
      {name});
  std::set<std::string> have;
  for (const auto& row : published.rows) have.insert(row[0].value_or(""));
  std::vector<TableId> missing;
  for (const auto& table : tables) {
    if (!have.contains(table.qualified())) missing.push_back(table);
  }
  return missing;
}

std::string PgAdmin::sql_name(const std::string& name) const {
  return conn_.query("SELECT quote_ident($1)", {name}).rows.at(0).at(0).value_or(name);
}

std::string PgAdmin::sql_name(const TableId& table) const {
  return sql_name(table.schema) + "." + sql_name(table.name);
}

void PgAdmin::require_publication(const std::string& name,
                                  const std::vector<TableId>& tables) const {
  for (const auto& table : tables) {
    if (!table_info(table).exists) {
      throw SourceError("table " + table.qualified() +
                        " named by a mapping does not exist in PostgreSQL");
    }
  }
  const auto missing = unpublished(name, tables);
  if (missing && missing->empty()) return;
  const std::string not_written =
      ". A dry run changes nothing on the source, so it does not create or alter the "
      "publication. ";
  const std::string or_run =
      ", or start `retainly-cdc run` once with these mappings (it makes the publication "
      "publish exactly the mapped tables). `retainly-cdc preview --table T` shows a "
      "mapping's calls for current rows without either";
  std::string list;
  for (const auto& table : missing ? *missing : tables) {
    list += (list.empty() ? "" : ", ") + sql_name(table);
  }
  if (!missing) {
    throw SourceError("publication " + name + " does not exist" + not_written +
                      "Create it with CREATE PUBLICATION " + sql_name(name) + " FOR TABLE " + list +
                      or_run);
  }
  const bool one = missing->size() == 1;
  throw SourceError("publication " + name + " does not publish " + qualified_list(*missing) +
                    (one ? ", which a mapping names: no change to it"
                         : ", which mappings name: no change to them") +
                    " would reach the dry run" + not_written + "Add " + (one ? "it" : "them") +
                    " with ALTER PUBLICATION " + sql_name(name) + " ADD TABLE " + list + or_run);
}

std::optional<SlotState> PgAdmin::slot(const std::string& name) const {
  auto result = conn_.query(
      "SELECT plugin, database, active, confirmed_flush_lsn, restart_lsn, wal_status "
      "FROM pg_replication_slots WHERE slot_name = $1",
      {name});
  if (result.rows.empty()) return std::nullopt;
  const auto& row = result.rows[0];
  SlotState state;
  state.plugin = row[0].value_or("");
  state.database = row[1].value_or("");
  state.active = row[2].value_or("f") == "t";
  state.confirmed_flush = PgLsn::parse(row[3].value_or("0/0")).value_or(PgLsn{});
  state.restart_lsn = PgLsn::parse(row[4].value_or("0/0")).value_or(PgLsn{});
  state.wal_status = row[5].value_or("");
  return state;
}

std::optional<SlotWal> PgAdmin::slot_wal(const std::string& name) const {
  auto result = conn_.query(
      "SELECT greatest(pg_current_wal_lsn() - restart_lsn, 0)::bigint, safe_wal_size "
      "FROM pg_replication_slots WHERE slot_name = $1",
      {name});
  if (result.rows.empty()) return std::nullopt;
  const auto& row = result.rows[0];
  SlotWal wal;
  if (row[0]) wal.retained_bytes = std::stoull(*row[0]);
  if (row[1]) wal.safe_bytes = std::stoll(*row[1]);
  return wal;
}

bool PgAdmin::ensure_slot(const std::string& name, bool create) const {
  auto state = slot(name);
  if (!state) {
    if (!create) {
      throw SourceError("replication slot " + name +
                        " does not exist and source.create_slot is false");
    }
    conn_.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", {name});
    return true;
  }
  const std::string database = conn_.query("SELECT current_database()").rows[0][0].value_or("");
  if (state->plugin != "pgoutput") {
    throw SourceError("replication slot " + name + " uses plugin " + state->plugin +
                      ", not pgoutput; drop it or configure another source.slot");
  }
  if (state->database != database) {
    throw SourceError("replication slot " + name + " belongs to database " + state->database +
                      ", not " + database);
  }
  if (state->wal_status == "lost") {
    throw SourceError("replication slot " + name +
                      " has lost the WAL it needs (wal_status=lost): changes were missed. "
                      "Resync required: drop the slot (SELECT pg_drop_replication_slot('" +
                      name + "')) and run `retainly-cdc backfill` before starting again");
  }
  return false;
}

void PgAdmin::emit_watermark(const std::string& watermark) const {
  conn_.query("SELECT pg_logical_emit_message(true, $1, $2)::text", {kWatermarkPrefix, watermark});
}

}  // namespace cdc::pg
