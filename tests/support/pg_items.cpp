#include "support/pg_items.h"

#include "support/pg_test_db.h"

namespace cdc::test {

void create_pg_items(PgTestDb& db, const std::string& schema, int rows) {
  db.fresh_schema(schema);
  db.exec("CREATE TABLE " + schema +
          ".items (id bigint PRIMARY KEY, name text NOT NULL, n int NOT NULL)");
  db.exec("INSERT INTO " + schema +
          ".items SELECT g, 'item ' || g, g % 97 FROM generate_series(1, " + std::to_string(rows) +
          ") g");
  db.exec("ANALYZE " + schema + ".items");
  db.exec("ALTER TABLE " + schema + ".items REPLICA IDENTITY FULL");
}

std::string pg_items_mapping(const std::string& schema) {
  return "table: " + schema + R"(.items
where: n < 90
customer:
  id: id
  fields: { name: name, n: n }
  on_delete: delete
)";
}

std::map<std::string, nlohmann::json> pg_items_expected(PgTestDb& db, const std::string& schema) {
  return db.rows_by_id("SELECT id, name, n FROM " + schema + ".items WHERE n < 90");
}

}  // namespace cdc::test
