#include "connectors/postgres/pg_row_fetcher.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>
#include <unordered_map>
#include <vector>

#include "connectors/postgres/pg_decoded_transactions.h"
#include "connectors/postgres/pg_key_text.h"
#include "connectors/postgres/pg_types.h"
#include "connectors/postgres/pg_value_parser.h"
#include "core/errors.h"
#include "ops/log.h"

namespace cdc::pg {
namespace {

// Joins a key's parts into one map key; the separator cannot occur in PostgreSQL text.
constexpr char kKeySeparator = '\0';

std::string error_text(const PGresult* result, PGconn* conn) {
  std::string message = result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  return message;
}

}  // namespace

PgRowFetcher::PgRowFetcher(std::string dsn, size_t keys_per_query)
    : dsn_(std::move(dsn)), keys_per_query_(std::max<size_t>(keys_per_query, 1)) {}

const PgConnection& PgRowFetcher::connection() {
  if (!conn_) conn_.emplace(PgConnection::connect(dsn_, PgConnection::Mode::kNormal));
  return *conn_;
}

PgResultPtr PgRowFetcher::run(const std::string& sql, const std::string& table) {
  for (int attempt = 0;; ++attempt) {
    PGconn* conn = connection().raw();
    PgResultPtr result(PQexec(conn, sql.c_str()));
    if (PQresultStatus(result.get()) == PGRES_TUPLES_OK) return result;
    const std::string message = error_text(result.get(), conn);
    if (PQstatus(conn) == CONNECTION_BAD) {
      conn_.reset();
      if (attempt == 0) {
        log::warn("re-reading rows of {}: the connection broke ({}); connecting again", table,
                  message);
        continue;
      }
      throw SourceDisconnected("re-reading rows of " + table + ": " + message);
    }
    const char* sqlstate = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
    const std::string state = sqlstate != nullptr ? sqlstate : "";
    if (state == "42P01" || state == "42703") {
      log::warn("re-reading rows of {}: {} (the table changed since); their changes go as sent",
                table, message);
      return nullptr;
    }
    throw SourceError("re-reading rows of " + table + " failed: " + message +
                      (state.empty() ? "" : " (SQLSTATE " + state + ")"));
  }
}

RowFetchCounts PgRowFetcher::fill(std::span<RowChange* const> changes,
                                  std::span<const size_t> columns) {
  RowFetchCounts counts;
  if (changes.empty()) return counts;
  const TableSchema& schema = *changes.front()->table;
  const std::string table = schema.id.qualified();

  // The columns to read: those asked for that some change left out.
  std::vector<size_t> wanted;
  for (const size_t c : columns) {
    if (c >= schema.columns.size()) continue;
    const bool lacking = std::any_of(changes.begin(), changes.end(), [&](const RowChange* change) {
      return c < change->after.size() && change->after[c].is_unchanged();
    });
    if (lacking) wanted.push_back(c);
  }
  std::vector<size_t> keys;
  for (size_t c = 0; c < schema.columns.size(); ++c) {
    if (schema.columns[c].is_key) keys.push_back(c);
  }
  if (wanted.empty()) return counts;
  if (keys.empty()) {
    log::warn("cannot re-read rows of {}: its replica identity has no key columns", table);
    counts.rows_gone = changes.size();
    return counts;
  }

  // Distinct keys, in first-seen order, each with the changes that name it.
  std::unordered_map<std::string, std::vector<RowChange*>> by_key;
  std::vector<std::vector<std::string>> distinct;
  for (RowChange* change : changes) {
    std::string joined;
    std::vector<std::string> parts;
    parts.reserve(keys.size());
    for (const size_t k : keys) {
      auto text = k < change->after.size() ? pg_key_text(change->after[k]) : std::nullopt;
      if (!text) break;
      joined += *text;
      joined += kKeySeparator;
      parts.push_back(std::move(*text));
    }
    if (parts.size() != keys.size()) {
      log::warn("cannot re-read a row of {}: its key has a value a lookup cannot name", table);
      ++counts.rows_gone;
      continue;
    }
    auto [it, inserted] = by_key.try_emplace(std::move(joined));
    it->second.push_back(change);
    if (inserted) distinct.push_back(std::move(parts));
  }

  wait_until_visible(changes);
  const PgConnection& conn = connection();
  std::string select = "SELECT ";
  for (const size_t c : wanted) select += conn.quote_identifier(schema.columns[c].name) + ", ";
  std::string key_list;
  for (const size_t k : keys) {
    if (!key_list.empty()) key_list += ", ";
    key_list += conn.quote_identifier(schema.columns[k].name);
  }
  select += key_list + " FROM " + quote_table(conn, schema.id.schema, schema.id.name) + " WHERE " +
            (keys.size() > 1 ? "(" + key_list + ")" : key_list) + " IN (";
  std::vector<uint32_t> wanted_oids;
  for (const size_t c : wanted) wanted_oids.push_back(pg_parse_oid(schema.columns[c].type_name));
  std::vector<uint32_t> key_oids;
  for (const size_t k : keys) key_oids.push_back(pg_parse_oid(schema.columns[k].type_name));

  uint64_t found = 0;
  for (size_t first = 0; first < distinct.size(); first += keys_per_query_) {
    const size_t last = std::min(distinct.size(), first + keys_per_query_);
    std::string sql = select;
    for (size_t i = first; i < last; ++i) {
      if (i > first) sql += ", ";
      if (keys.size() > 1) sql += '(';
      const auto& parts = distinct[i];
      for (size_t p = 0; p < parts.size(); ++p) {
        if (p > 0) sql += ", ";
        sql += conn.quote_literal(parts[p]);
      }
      if (keys.size() > 1) sql += ')';
    }
    sql += ")";
    PgResultPtr result = run(sql, table);
    ++counts.queries;
    if (!result) continue;
    const int rows = PQntuples(result.get());
    const int key_field = static_cast<int>(wanted.size());
    for (int r = 0; r < rows; ++r) {
      std::string joined;
      bool named = true;
      for (size_t k = 0; k < keys.size() && named; ++k) {
        const int field = key_field + static_cast<int>(k);
        if (PQgetisnull(result.get(), r, field)) {
          named = false;
          break;
        }
        const std::string_view text(PQgetvalue(result.get(), r, field),
                                    static_cast<size_t>(PQgetlength(result.get(), r, field)));
        const auto key_text = pg_key_text(parse_pg_value(key_oids[k], text));
        named = key_text.has_value();
        if (named) joined += *key_text + kKeySeparator;
      }
      const auto it = named ? by_key.find(joined) : by_key.end();
      if (it == by_key.end()) continue;
      for (size_t w = 0; w < wanted.size(); ++w) {
        const int field = static_cast<int>(w);
        Value value = Null{};
        if (!PQgetisnull(result.get(), r, field)) {
          const std::string_view text(PQgetvalue(result.get(), r, field),
                                      static_cast<size_t>(PQgetlength(result.get(), r, field)));
          try {
            value = parse_pg_value(wanted_oids[w], text);
          } catch (const ProtocolError& e) {
            throw ProtocolError(std::string(e.what()) + " in column " + table + "." +
                                schema.columns[wanted[w]].name + " (re-read by key)");
          }
        }
        for (RowChange* change : it->second) fill_unchanged(*change, wanted[w], value);
      }
      found += it->second.size();
      it->second.clear();  // a second row with the same key is not ours to take
    }
  }
  const uint64_t keyed = changes.size() - counts.rows_gone;
  counts.rows_found = found;
  counts.rows_gone += keyed - found;
  return counts;
}

void PgRowFetcher::wait_until_visible(std::span<RowChange* const> changes) {
  using namespace std::chrono_literals;
  std::vector<uint32_t> xids;
  for (const RowChange* change : changes) {
    const auto* position = std::get_if<PgPosition>(&change->position);
    if (position == nullptr) continue;
    const auto xid = DecodedTransactions::instance().xid(position->commit_end);
    if (xid && std::find(xids.begin(), xids.end(), *xid) == xids.end()) xids.push_back(*xid);
  }
  for (const uint32_t xid : xids) {
    // The committing session leaves the running set microseconds after its commit record
    // is flushed; polling backs off from 1 ms. A bound keeps a stuck check from stalling
    // the stream: the read then may see older values, as a read right after the commit.
    auto pause = 1ms;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!visible(xid)) {
      if (std::chrono::steady_clock::now() >= deadline) {
        log::warn(
            "transaction {} is still not visible to a new snapshot after 10 s; reading "
            "its rows anyway",
            xid);
        break;
      }
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, 50ms);
    }
  }
}

bool PgRowFetcher::visible(uint32_t xid) {
  // pg_visible_in_snapshot() takes the 64-bit xid8: the epoch comes from the snapshot's
  // xmax, one less when the xid is above xmax's low half (it was assigned before the
  // counter wrapped).
  const std::string x = std::to_string(xid);
  const std::string sql =
      "SELECT pg_visible_in_snapshot(((CASE WHEN " + x +
      " >= (m & 4294967295) THEN (m >> 32) - 1 ELSE m >> 32 END << 32) | " + x +
      ")::text::xid8, s) FROM (SELECT s, pg_snapshot_xmax(s)::text::bigint AS m FROM "
      "pg_current_snapshot() AS s) AS current";
  PgResultPtr result = run(sql, "pg_current_snapshot()");
  return result && PQntuples(result.get()) == 1 && PQgetvalue(result.get(), 0, 0)[0] == 't';
}

}  // namespace cdc::pg
