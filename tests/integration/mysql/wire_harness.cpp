#include "wire_harness.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>

#include "support/wait_until.h"

using namespace std::chrono_literals;

namespace cdc::test {

std::filesystem::path wire_fixture(const std::string& name) {
  return std::filesystem::path(CDC_FIXTURES_DIR) / "mysql8" / name;
}

ConnectorSetup wire_setup(const MysqlWireServer& server, uint32_t server_id,
                          std::map<std::string, std::string> mappings) {
  ConnectorSetup setup;
  setup.slot = "wire" + std::to_string(server_id);
  setup.mappings = std::move(mappings);
  setup.mysql_server_id = server_id;
  setup.mysql_host = "127.0.0.1";
  setup.mysql_port = server.port();
  setup.mysql_user = server.options().user;
  setup.mysql_password = server.options().password;
  return setup;
}

void script_catalog(MysqlWireServer& server, const std::string& schema, const std::string& table,
                    const std::vector<CatalogRow>& columns) {
  wire::ResultSet result{{"COLUMN_NAME", "COLUMN_TYPE", "CHARACTER_SET_NAME", "COLUMN_KEY"}, {}};
  for (const auto& c : columns) {
    result.rows.push_back(
        {c.name, c.type, c.charset.empty() ? std::nullopt : std::optional(c.charset), c.key});
  }
  server.answer(
      "SELECT COLUMN_NAME, COLUMN_TYPE, CHARACTER_SET_NAME, COLUMN_KEY FROM "
      "information_schema.COLUMNS WHERE TABLE_SCHEMA = '" +
          schema + "' AND TABLE_NAME = '" + table + "' ORDER BY ORDINAL_POSITION",
      result);
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

std::vector<nlohmann::json> sorted_events(const MockServer& mock) {
  const nlohmann::json state = mock.state();
  std::vector<nlohmann::json> events(state.at("events").begin(), state.at("events").end());
  // The event key is the change's binlog position: where the stream was, not what it
  // carried.
  for (auto& e : events) e.at("data").erase("event_key");
  std::sort(events.begin(), events.end(),
            [](const auto& a, const auto& b) { return a.dump() < b.dump(); });
  return events;
}

void check_events(const MockServer& mock, ConnectorRun& connector,
                  std::vector<nlohmann::json> expected) {
  const bool arrived =
      poll_until([&] { return mock.state().at("events").size() >= expected.size(); }, 60s);
  REQUIRE_MESSAGE(arrived, "expected " << expected.size() << " events; the mock has "
                                       << mock.state().dump() << "\n"
                                       << connector.process().describe());
  std::sort(expected.begin(), expected.end(),
            [](const auto& a, const auto& b) { return a.dump() < b.dump(); });
  const auto events = sorted_events(mock);
  INFO("the mock's events: ", nlohmann::json(events).dump(1));
  CHECK(events.size() == expected.size());
  for (size_t i = 0; i < std::min(events.size(), expected.size()); ++i) {
    CHECK(events[i] == expected[i]);
  }
}

void check_conversation(const MysqlWireServer& server) {
  INFO("queries the connector sent:\n", joined(server.queries()));
  CHECK_MESSAGE(server.unscripted().empty(), "unscripted: " << joined(server.unscripted()));
  CHECK(server.refused_logins() == 0);
}

}  // namespace cdc::test
