#include "mysql_expect.h"

#include <doctest/doctest.h>

#include <chrono>

#include "support/connector_run.h"
#include "support/wait_until.h"

namespace cdc::test {

std::map<std::string, nlohmann::json> mysql_rows_by_id(MysqlTestDb& db, const std::string& select) {
  std::map<std::string, nlohmann::json> rows;
  // JSON_ARRAYAGG stops at group_concat_max_len (1 MiB by default).
  db.exec("SET SESSION group_concat_max_len = 1073741824");
  const auto text =
      db.query_value("SELECT IFNULL(JSON_ARRAYAGG(docs.doc), '[]') FROM (" + select + ") AS docs");
  for (const auto& row : nlohmann::json::parse(text.value_or("[]"))) {
    const auto& id = row.at("id");
    rows[id.is_string() ? id.get<std::string>() : id.dump()] = row;
  }
  return rows;
}

void wait_for_mock_to_equal(MysqlTestDb& db, const MockServer& mock, const std::string& select,
                            const std::string& what, int timeout_seconds) {
  const auto expected = mysql_rows_by_id(db, select);
  std::map<std::string, nlohmann::json> actual;
  const bool equal = poll_until(
      [&] {
        actual = customers_by_id(mock);
        return actual == expected;
      },
      std::chrono::seconds(timeout_seconds));
  if (equal) return;
  size_t missing = 0, different = 0, extra = 0;
  for (const auto& [id, row] : expected) {
    auto it = actual.find(id);
    if (it == actual.end()) {
      ++missing;
    } else if (it->second != row && different++ < 3) {
      MESSAGE("customer " << id << ": table " << row.dump() << ", mock " << it->second.dump());
    }
  }
  for (const auto& [id, row] : actual) extra += expected.contains(id) ? 0 : 1;
  FAIL("mock differs from " << what << ": " << missing << " missing, " << different
                            << " different, " << extra << " extra of " << expected.size());
}

}  // namespace cdc::test
