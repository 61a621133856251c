#include "support/mysql_items.h"

#include <random>

#include "support/mysql_test_db.h"

namespace cdc::test {

std::string mysql_items_mapping(const std::string& database) {
  return "table: " + database + R"(.items
where: n < 90
customer:
  id: id
  fields: { name: name, n: n }
  on_delete: delete
events:
  - name: item_created
    on: insert
    data: { name: name }
)";
}

void create_mysql_items(MysqlTestDb& db, const std::string& database, long long rows) {
  db.fresh_database(database);
  db.exec("CREATE TABLE " + database +
          ".items (id BIGINT PRIMARY KEY, name VARCHAR(200) NOT NULL, n INT NOT NULL)");
  db.exec("SET SESSION sql_log_bin = 0; INSERT INTO " + database +
          ".items SELECT seq, CONCAT('item ', seq), seq % 97 FROM " + database + ".seq_1_to_" +
          std::to_string(rows) + "; SET SESSION sql_log_bin = 1");
  db.exec("ANALYZE TABLE " + database + ".items");
}

std::string mysql_items_select(const std::string& database) {
  return "SELECT JSON_OBJECT('id', id, 'name', name, 'n', n) AS doc FROM " + database +
         ".items WHERE n < 90";
}

MysqlItemsWriter::MysqlItemsWriter(std::string database, long long rows, unsigned seed)
    : thread_([this, database = std::move(database), rows, seed] { write(database, rows, seed); }) {
}

void MysqlItemsWriter::stop() {
  writing_ = false;
  if (thread_.joinable()) thread_.join();
}

void MysqlItemsWriter::write(const std::string& database, long long rows, unsigned seed) {
  MysqlTestDb db;
  std::mt19937 rng(seed);
  long long next_id = rows + 1;
  const std::string table = database + ".items";
  while (writing_.load()) {
    const auto id = std::to_string(1 + rng() % rows);
    switch (rng() % 4) {
      case 0:
        db.exec("INSERT INTO " + table + " VALUES (" + std::to_string(next_id++) + ", 'new', " +
                std::to_string(rng() % 97) + ")");
        break;
      case 1:
        db.exec("DELETE FROM " + table + " WHERE id = " + id);
        break;
      default:
        db.exec("UPDATE " + table +
                " SET n = (n + 7) % 97, name = CONCAT(name, '+') WHERE id = " + id);
    }
    ++transactions_;
  }
}

}  // namespace cdc::test
