// What the tests of the real connector against tests/support/mysql_wire_server share: the
// recorded files, a connector set up for the server, scripted catalog answers, and the
// checks every such test ends with.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/connector_run.h"
#include "support/mysql_wire_server.h"

namespace cdc::test {

// tests/fixtures/mysql-binlog/mysql8/<name>.
std::filesystem::path wire_fixture(const std::string& name);

// A mysql source on `server` as replica `server_id`, with `mappings` (file name to text).
ConnectorSetup wire_setup(const MysqlWireServer& server, uint32_t server_id,
                          std::map<std::string, std::string> mappings);

// One row of information_schema.COLUMNS as the binlog reader's catalog query selects it:
// name, COLUMN_TYPE, CHARACTER_SET_NAME (empty: NULL), COLUMN_KEY.
struct CatalogRow {
  std::string name;
  std::string type;
  std::string charset;
  std::string key;
};
// Scripts the catalog query the binlog reader sends for `schema`.`table`.
void script_catalog(MysqlWireServer& server, const std::string& schema, const std::string& table,
                    const std::vector<CatalogRow>& columns);

std::string joined(const std::vector<std::string>& lines);

// The events the mock recorded ({customer_id, event, data}), sorted by their JSON text:
// the sink keeps one customer's events in order, not those of different customers.
std::vector<nlohmann::json> sorted_events(const MockServer& mock);
// Waits for as many events as `expected` holds, then checks they are those (in any order;
// the event key, the change's binlog position, left out).
void check_events(const MockServer& mock, ConnectorRun& connector,
                  std::vector<nlohmann::json> expected);

// Every query the connector sent was scripted (what it sent is shown if not), and no
// login was refused.
void check_conversation(const MysqlWireServer& server);

}  // namespace cdc::test
