// Waiting until the mock holds exactly what a MariaDB query says it should.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "support/mock_server.h"
#include "support/mysql_test_db.h"

namespace cdc::test {

// `select` returns one JSON object per row, in a column named `doc`, with an `id` key
// (built with JSON_OBJECT);
// the result is keyed by the id as text.
std::map<std::string, nlohmann::json> mysql_rows_by_id(MysqlTestDb& db, const std::string& select);

// Polls until the mock's customers equal `select`'s rows (see above); fails the test case
// with the first differences after `timeout_seconds`.
void wait_for_mock_to_equal(MysqlTestDb& db, const MockServer& mock, const std::string& select,
                            const std::string& what, int timeout_seconds = 120);

}  // namespace cdc::test
