// Opening the daemon's last-sent store, and CDC_STORE_MAP_BYTES, the size of its map that
// running the connector under valgrind needs (docs/benchmarks.md, "Profiles").
#include "pipeline/last_sent.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "support/temp_dir.h"

namespace {

// Sets the variable for one test and restores its absence after.
struct MapBytesVariable {
  explicit MapBytesVariable(const char* value) { setenv("CDC_STORE_MAP_BYTES", value, 1); }
  ~MapBytesVariable() { unsetenv("CDC_STORE_MAP_BYTES"); }
};

cdc::config::ConnectorConfig config_in(const cdc::test::TempDir& dir) {
  cdc::config::ConnectorConfig config;
  config.state_dir = dir.path();
  return config;
}

}  // namespace

TEST_CASE("last-sent store: CDC_STORE_MAP_BYTES sizes the map; nonsense is refused by name") {
  const cdc::test::TempDir dir("cdc_last_sent_open");
  const auto config = config_in(dir);

  SUBCASE("a size in bytes opens the store") {
    MapBytesVariable variable("1073741824");
    CHECK(cdc::pipeline::open_last_sent_store(config) != nullptr);
  }
  for (const char* bad : {"4G", "-1", "1024", "12 ", "99999999999999999999999"}) {
    CAPTURE(bad);
    MapBytesVariable variable(bad);
    try {
      cdc::pipeline::open_last_sent_store(config);
      FAIL("opened with CDC_STORE_MAP_BYTES=" << bad);
    } catch (const std::runtime_error& error) {
      const std::string message = error.what();
      CHECK(message.find("CDC_STORE_MAP_BYTES") != std::string::npos);
      CHECK(message.find(std::string("\"") + bad + "\"") != std::string::npos);
    }
  }
}

TEST_CASE("last-sent store: last_sent_dir places it apart from state_dir, which keeps the owner") {
  const cdc::test::TempDir dir("cdc_last_sent_open");
  auto config = config_in(dir);
  CHECK(cdc::pipeline::last_sent_directory(config) == dir.path() / "last-sent");
  config.last_sent_dir = dir.path() / "local" / "store";
  CHECK(cdc::pipeline::open_last_sent_store(config) != nullptr);
  CHECK(std::filesystem::exists(dir.path() / "local" / "store" / "data.mdb"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "last-sent"));
  CHECK(cdc::pipeline::last_sent_owner_file(config) == dir.path() / "last-sent-owner");
  // A local folder is fine with `check` (a network one cannot be made here).
  CHECK_FALSE(cdc::pipeline::last_sent_location_problem(config).has_value());
}
