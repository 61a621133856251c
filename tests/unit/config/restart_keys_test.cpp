#include "config/restart_keys.h"

#include <doctest/doctest.h>

#include "core/errors.h"

using cdc::config::keys_needing_restart;

namespace {

const std::string kStarted = R"(source:
  type: postgres
  dsn: "host=a dbname=app"
sink:
  url: https://track.retainly.app
  key: ${RETAINLY_KEY}
mappings: ./mappings
mapping_defaults: { timezone: UTC }
)";

}  // namespace

TEST_CASE("restart keys: nothing when only layout, comments, mappings or defaults change") {
  CHECK(keys_needing_restart(kStarted, kStarted).empty());
  CHECK(keys_needing_restart(kStarted, "# a comment\n" + kStarted).empty());
  std::string moved = kStarted;
  moved.replace(moved.find("./mappings"), 10, "/etc/mappings");
  moved.replace(moved.find("UTC"), 3, "Europe/Berlin");
  CHECK(keys_needing_restart(kStarted, moved).empty());
  const std::string flow = R"(sink: { url: "https://track.retainly.app", key: "${RETAINLY_KEY}" }
source: { type: postgres, dsn: "host=a dbname=app" }
mappings: ./mappings
mapping_defaults: { timezone: UTC }
)";
  CHECK(keys_needing_restart(kStarted, flow).empty());
}

TEST_CASE("restart keys: each changed key of a section, and whole new or removed keys") {
  std::string changed = kStarted;
  changed.replace(changed.find("https://track.retainly.app"), 26, "https://eu.retainly.app");
  changed.replace(changed.find("host=a"), 6, "host=b");
  changed += "metrics: 127.0.0.1:9464\n";
  CHECK(keys_needing_restart(kStarted, changed) ==
        std::vector<std::string>{"metrics", "sink.url", "source.dsn"});
  std::string fewer = kStarted;
  fewer.erase(fewer.find("sink:"), fewer.find("mappings:") - fewer.find("sink:"));
  CHECK(keys_needing_restart(kStarted, fewer) == std::vector<std::string>{"sink"});
  CHECK_THROWS_AS(keys_needing_restart(kStarted, "source: [\n"), cdc::ConfigError);
}
