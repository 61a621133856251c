// The PostgreSQL RowFetcher: reads the current rows of updates that left values out
// (unchanged TOAST) through an ordinary connection of its own, many keys per statement.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "connectors/postgres/pg_connection.h"
#include "core/row_fetcher.h"

namespace cdc::pg {

// One statement per up to `keys_per_query` distinct keys of a fill():
//
//   SELECT <columns left out>, <key columns> FROM t WHERE (k1, k2) IN ((..), (..))
//
// with the keys as literals the server converts to the columns' types (pg_key_text.h).
// Values are parsed as the replication stream parses them (the type chosen from the
// change's schema, pg_parse_oid), so a value read equals the one the stream would have
// sent. Connects on first use with the source's connection string (TLS as it says; the
// string, which may hold a password, is never logged) and again after the connection
// broke: one more try, then SourceDisconnected. A table or column dropped since the change
// (SQLSTATE 42P01, 42703) counts its rows as gone; other failures throw SourceError.
// Before it reads, it waits until the changes' transactions are visible to its own
// snapshots (DecodedTransactions).
// Not thread-safe.
class PgRowFetcher final : public RowFetcher {
 public:
  explicit PgRowFetcher(std::string dsn, size_t keys_per_query = 500);

  RowFetchCounts fill(std::span<RowChange* const> changes,
                      std::span<const size_t> columns) override;

 private:
  // Runs `sql`, reconnecting once if the connection broke; nullptr when the table or a
  // column is gone.
  PgResultPtr run(const std::string& sql, const std::string& table);
  const PgConnection& connection();
  // Waits until this connection's snapshots see the transactions of `changes`
  // (DecodedTransactions says why), up to a bound; then reads show them or newer.
  void wait_until_visible(std::span<RowChange* const> changes);
  // The transaction `xid` (32 bits, as pgoutput gives it) visible to a new snapshot.
  bool visible(uint32_t xid);

  std::string dsn_;
  size_t keys_per_query_;
  std::optional<PgConnection> conn_;
};

}  // namespace cdc::pg
