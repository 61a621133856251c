// Opening the daemon's last-sent store, and CDC_STORE_MAP_BYTES, the size of its map that
// running the connector under valgrind needs (docs/benchmarks.md, "Profiles").
#include "pipeline/last_sent.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>

#include "pipeline/changed_filter.h"
#include "state/atomic_file.h"
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

TEST_CASE(
    "last-sent store: a replay renames the owner file that names another instance's store, "
    "and only then") {
  const cdc::test::TempDir dir("cdc_last_sent_replay_owner");
  const auto config = config_in(dir);
  const auto owner_file = cdc::pipeline::last_sent_owner_file(config);
  cdc::retainly::Call upsert;
  upsert.customer_id = "1";
  upsert.attributes = {{"email", "\"a@x\""}};
  cdc::retainly::Call event = upsert;
  event.kind = cdc::retainly::CallKind::kEvent;
  const auto owner = [&] { return cdc::pipeline::read_owner_file(owner_file); };

  // No store here; the other host's streamed last.
  cdc::state::write_file_atomically(owner_file, "other\n");
  CHECK(cdc::pipeline::forget_replayed(config, std::span(&event, 1)) == 0);
  CHECK(owner() == "other");  // events change nothing Retainly keeps
  CHECK(cdc::pipeline::forget_replayed(config, std::span(&upsert, 1)) == 0);
  REQUIRE(owner().has_value());
  CHECK(owner() != "other");
  CHECK(owner()->size() == 32);
  CHECK_FALSE(std::filesystem::exists(dir.path() / "last-sent"));  // none made

  // This host's store streamed last (check_resume names it): the owner file stays.
  std::string ours;
  {
    const auto store = cdc::pipeline::open_last_sent_store(config);
    cdc::pipeline::ChangedFilter filter(*store);
    filter.set_owner_file(owner_file);
    filter.check_resume(std::nullopt);
    ours = filter.store_name().value_or("");
  }
  REQUIRE(owner() == ours);
  cdc::pipeline::forget_replayed(config, std::span(&upsert, 1));
  CHECK(owner() == ours);
}
