// The `items` workload the MySQL backfill, snapshot and re-snapshot tests share: a table
// of `rows` rows, a mapping with a `where` that moves rows in and out as they change, and
// a writer that keeps changing the table while a test runs.
#pragma once

#include <atomic>
#include <string>
#include <thread>

namespace cdc::test {

class MysqlTestDb;

// database.items as customers (id; name, n) where n < 90, deleted with the row, and an
// item_created event on insert.
std::string mysql_items_mapping(const std::string& database);

// A fresh `database` with items (id BIGINT PRIMARY KEY, name, n) holding ids 1..rows,
// loaded from MariaDB's Sequence engine outside the binlog: no stream reads them, and a
// million of them would only make other tests' binlog readers skip them.
void create_mysql_items(MysqlTestDb& db, const std::string& database, long long rows);

// One JSON document per row the mapping keeps, as the mock should hold it (for
// wait_for_mock_to_equal and mysql_rows_by_id).
std::string mysql_items_select(const std::string& database);

// Inserts of new ids, updates that move rows in and out of the `where`, and deletes of
// database.items (ids 1..rows at the start), one per transaction, on a thread of its own
// until stop().
class MysqlItemsWriter {
 public:
  MysqlItemsWriter(std::string database, long long rows, unsigned seed);
  ~MysqlItemsWriter() { stop(); }
  void stop();
  int transactions() const { return transactions_.load(); }

 private:
  void write(const std::string& database, long long rows, unsigned seed);

  std::atomic<bool> writing_{true};
  std::atomic<int> transactions_{0};
  std::thread thread_;
};

}  // namespace cdc::test
