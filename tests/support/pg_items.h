// The PostgreSQL `items` table the backfill and snapshot tests share: rows written before
// any slot, and what the mock must hold for a mapping that keeps rows with n < 90.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace cdc::test {

class PgTestDb;

// A fresh `schema` with items (id bigint PRIMARY KEY, name, n = id % 97) holding ids
// 1..rows, analysed, REPLICA IDENTITY FULL (the `where` reads old rows of updates and
// deletes).
void create_pg_items(PgTestDb& db, const std::string& schema, int rows);

// The mapping of `schema`.items those rows are for: customers by id with name and n,
// rows with n < 90 only, deleted with their row.
std::string pg_items_mapping(const std::string& schema);

// The rows the mapping's `where` (n < 90) keeps, as the mock should hold them, by SQL.
std::map<std::string, nlohmann::json> pg_items_expected(PgTestDb& db, const std::string& schema);

}  // namespace cdc::test
