#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "config/connector_config.h"
#include "core/errors.h"
#include "fake_env.h"
#include "support/temp_dir.h"

using cdc::ConfigError;
using cdc::config::parse_connector_config;
using cdc::test::fake_env;

namespace {

const char* kMinimal = R"(source:
  type: postgres
  dsn: "host=127.0.0.1 dbname=app user=cdc password=${PG_PASSWORD}"
sink:
  url: http://127.0.0.1:8080/
  key: ${RETAINLY_KEY}
  secret: ${RETAINLY_SECRET}
)";

auto kEnv = fake_env({{"PG_PASSWORD", "pgpw"}, {"RETAINLY_KEY", "k1"}, {"RETAINLY_SECRET", "s1"}});

std::string error_of(const std::string& yaml, const cdc::config::EnvLookup& env = kEnv) {
  try {
    parse_connector_config(yaml, "connector.yaml", "/etc/cdc", env);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("connector config: the minimal file gets every documented default") {
  auto c = parse_connector_config(kMinimal, "connector.yaml", "/etc/cdc", kEnv);
  CHECK(c.source.type == cdc::config::SourceType::kPostgres);
  CHECK(c.source.postgres.dsn == "host=127.0.0.1 dbname=app user=cdc password=pgpw");
  CHECK(c.source.postgres.slot == "retainly_cdc");
  CHECK(c.source.postgres.publication == "retainly_cdc");
  CHECK(c.source.snapshot == cdc::config::SnapshotMode::kInitial);
  CHECK(c.sink.url == "http://127.0.0.1:8080");
  CHECK(c.sink.key == "k1");
  CHECK(c.sink.secret == "s1");
  CHECK(c.sink.batch_max_records == 10000);
  CHECK(c.mappings_dir == "/etc/cdc/mappings");
  CHECK(c.state_dir == "/etc/cdc/state");
  CHECK(c.last_sent_dir.empty());  // state_dir/last-sent (pipeline::last_sent_directory)
  CHECK(c.sink.dead_letter_path == "/etc/cdc/state/dead-letters.jsonl");
  CHECK(c.metrics_address.empty());
}

TEST_CASE("connector config: an unknown key is named with its line and column") {
  std::string yaml = std::string(kMinimal) + "  batch_size: 5\n";
  CHECK(error_of(yaml) ==
        "connector.yaml:8:3: sink.batch_size: unknown key; expected one of: url, key, key_file, "
        "secret, secret_file, key_header, secret_header, batch_max_records, batch_max_bytes, "
        "flush_interval_ms, concurrency, request_timeout_ms, retry_initial_backoff_ms, "
        "retry_max_backoff_ms, retry_max_attempts, max_pending_calls, dead_letter_max_count, "
        "dead_letter_window_s, tls_verify, ca_path");
}

TEST_CASE("connector config: an unset environment variable names the key and line") {
  auto env = fake_env({{"PG_PASSWORD", "pgpw"}, {"RETAINLY_SECRET", "s1"}});
  CHECK(error_of(kMinimal, env) ==
        "connector.yaml:6:8: sink.key: environment variable RETAINLY_KEY is not set");
}

TEST_CASE("connector config: values out of range and bad choices are refused") {
  CHECK(error_of(std::string(kMinimal) + "  batch_max_records: 10001\n") ==
        "connector.yaml:8:22: sink.batch_max_records: must be between 1 and 10000, got 10001");
  std::string bad_snapshot = kMinimal;
  bad_snapshot.insert(bad_snapshot.find("sink:"), "  snapshot: sometimes\n");
  CHECK(error_of(bad_snapshot) ==
        "connector.yaml:4:13: source.snapshot: expected one of initial, never, always, got "
        "\"sometimes\"");
  std::string bad_url = kMinimal;
  bad_url.replace(bad_url.find("http://"), 7, "ftp://");
  CHECK(error_of(bad_url) == "connector.yaml:5:8: sink.url: must start with http:// or https://");
}

TEST_CASE("connector config: memory_budget_mb defaults to 32 and must be a positive size") {
  CHECK(parse_connector_config(kMinimal, "connector.yaml", "/etc/cdc", kEnv).memory_budget_mb ==
        32);
  CHECK(parse_connector_config(std::string(kMinimal) + "memory_budget_mb: 8\n", "connector.yaml",
                               "/etc/cdc", kEnv)
            .memory_budget_mb == 8);
  CHECK(error_of(std::string(kMinimal) + "memory_budget_mb: 0\n") ==
        "connector.yaml:8:19: memory_budget_mb: must be between 1 and 1048576, got 0");
  CHECK(error_of(std::string(kMinimal) + "memory_budget_mb: lots\n")
            .find("connector.yaml:8:19: memory_budget_mb:") == 0);
}

TEST_CASE("connector config: last_sent_dir places the store, relative to the file") {
  const auto with = [](const std::string& line) {
    return parse_connector_config(std::string(kMinimal) + line, "connector.yaml", "/etc/cdc", kEnv);
  };
  CHECK(with("last_sent_dir: /var/lib/cdc-store\n").last_sent_dir == "/var/lib/cdc-store");
  CHECK(with("last_sent_dir: store\n").last_sent_dir == "/etc/cdc/store");
  CHECK(with("state_dir: /srv/cdc\nlast_sent_dir: /var/lib/cdc-store\n").state_dir == "/srv/cdc");
  CHECK(error_of(std::string(kMinimal) + "last_sent_dir: \"\"\n") ==
        "connector.yaml:8:16: last_sent_dir: must not be empty");
}

TEST_CASE("connector config: a missing section is required") {
  CHECK(error_of("source:\n  type: postgres\n  dsn: dbname=x\n") ==
        "connector.yaml: sink: is required");
  CHECK(error_of("sink: {}\n") == "connector.yaml: source: is required");
}

TEST_CASE("connector config: *_file reads a secret from a file") {
  const cdc::test::TempDir dir("config");
  const auto secret = dir.write_file("secret.txt", "from-file\n");
  std::string yaml = kMinimal;
  yaml.replace(yaml.find("secret: ${RETAINLY_SECRET}"), 26, "secret_file: " + secret.string());
  auto c = parse_connector_config(yaml, "connector.yaml", "/etc/cdc", kEnv);
  CHECK(c.sink.secret == "from-file");
}

TEST_CASE("connector config: mysql sources need a server id") {
  const char* yaml = R"(source:
  type: mysql
  host: 127.0.0.1
  user: cdc
  password: pw
sink:
  key: k
  secret: s
)";
  CHECK(error_of(yaml) == "connector.yaml:2:3: source.server_id: is required for mysql sources");
}

TEST_CASE("connector config: invalid YAML gives the position") {
  CHECK(error_of("source: [\n").rfind("connector.yaml:2:1: invalid YAML", 0) == 0);
}

TEST_CASE("connector config: metrics takes host:port; heartbeats have a default") {
  auto c = parse_connector_config(std::string(kMinimal) + "metrics: 127.0.0.1:9464\n",
                                  "connector.yaml", "/etc/cdc", kEnv);
  CHECK(c.metrics_address == "127.0.0.1:9464");
  CHECK(c.source.postgres.heartbeat_interval == std::chrono::milliseconds(60000));
  CHECK(error_of(std::string(kMinimal) + "metrics: 9464\n") ==
        "connector.yaml:8:10: metrics: expected host:port, e.g. 127.0.0.1:9464 (port 0: any "
        "free port)");
  CHECK(error_of(std::string(kMinimal) + "metrics: localhost:99999\n").find("expected host:port") !=
        std::string::npos);
}

TEST_CASE("connector config: the dead-letter rate limit is read") {
  auto defaults = parse_connector_config(kMinimal, "connector.yaml", "/etc/cdc", kEnv);
  CHECK(defaults.sink.dead_letter_max_count == 0);
  CHECK(defaults.sink.dead_letter_window == std::chrono::seconds(60));
  auto c = parse_connector_config(
      std::string(kMinimal) + "  dead_letter_max_count: 100\n  dead_letter_window_s: 300\n",
      "connector.yaml", "/etc/cdc", kEnv);
  CHECK(c.sink.dead_letter_max_count == 100);
  CHECK(c.sink.dead_letter_window == std::chrono::seconds(300));
  CHECK(error_of(std::string(kMinimal) + "  dead_letter_window_s: 0\n") ==
        "connector.yaml:8:25: sink.dead_letter_window_s: must be between 1 and 86400, got 0");
}

TEST_CASE("connector config: literal secrets are listed, ${ENV} and *_file ones are not") {
  auto from_env = parse_connector_config(kMinimal, "connector.yaml", "/etc/cdc", kEnv);
  CHECK(from_env.literal_secret_keys.empty());  // the DSN's password comes from ${ENV}
  std::string literal = kMinimal;
  literal.replace(literal.find("${RETAINLY_SECRET}"), 18, "s3cr3t-literal");
  literal.replace(literal.find("password=${PG_PASSWORD}"), 23, "password=pw");
  auto c = parse_connector_config(literal, "connector.yaml", "/etc/cdc", kEnv);
  CHECK(c.literal_secret_keys == std::vector<std::string>{"source.dsn", "sink.secret"});
  std::string plain_dsn = kMinimal;
  plain_dsn.replace(plain_dsn.find(" password=${PG_PASSWORD}"), 24, "");
  CHECK(parse_connector_config(plain_dsn, "connector.yaml", "/etc/cdc", kEnv)
            .literal_secret_keys.empty());
}

TEST_CASE("connector config: high_availability defaults, values, and a lease that fences") {
  auto defaults = parse_connector_config(kMinimal, "connector.yaml", "/etc/cdc", kEnv);
  CHECK(defaults.lock_check_interval == std::chrono::milliseconds(1000));
  CHECK(defaults.lock_lease == std::chrono::milliseconds(3000));
  CHECK(defaults.takeover_delay == std::chrono::milliseconds(5000));
  auto c = parse_connector_config(
      std::string(kMinimal) +
          "high_availability: {check_interval_ms: 200, lease_ms: 900, takeover_delay_ms: 2000}\n",
      "connector.yaml", "/etc/cdc", kEnv);
  CHECK(c.lock_check_interval == std::chrono::milliseconds(200));
  CHECK(c.lock_lease == std::chrono::milliseconds(900));
  CHECK(c.takeover_delay == std::chrono::milliseconds(2000));
  // A takeover within the lease would let two instances send at once.
  const std::string unsafe = error_of(std::string(kMinimal) +
                                      "high_availability: {lease_ms: 3000, takeover_delay_ms: "
                                      "3000}\n");
  CHECK(unsafe.find("high_availability.takeover_delay_ms") != std::string::npos);
  CHECK(unsafe.find("two instances may send at once") != std::string::npos);
  CHECK(error_of(std::string(kMinimal) + "high_availability: {check_interval_ms: 3000}\n")
            .find("high_availability.lease_ms") != std::string::npos);
  CHECK(error_of(std::string(kMinimal) + "high_availability: {lease: 3}\n").find("lease") !=
        std::string::npos);
}

TEST_CASE("connector config: the DSN's password is a secret however the DSN spells it") {
  auto c = parse_connector_config(kMinimal, "connector.yaml", "/etc/cdc", kEnv);
  CHECK(c.secrets == std::vector<std::string>{"pgpw", "k1", "s1"});
  CHECK(c.sink.redacted == c.secrets);  // dead letters redact the same values
  const std::string key_value = "host=127.0.0.1 dbname=app user=cdc password=${PG_PASSWORD}";
  std::string uri = kMinimal;
  uri.replace(uri.find(key_value), key_value.size(), "postgresql://cdc:uri-pw@127.0.0.1/app");
  auto from_uri = parse_connector_config(uri, "connector.yaml", "/etc/cdc", kEnv);
  CHECK(from_uri.secrets == std::vector<std::string>{"uri-pw", "k1", "s1"});
  CHECK(from_uri.literal_secret_keys == std::vector<std::string>{"source.dsn"});
}

TEST_CASE("connector config: a DSN that only mentions \"password\" holds no secret") {
  const std::string with_password = "dbname=app user=cdc password=${PG_PASSWORD}";
  std::string yaml = kMinimal;
  yaml.replace(yaml.find(with_password), with_password.size(), "dbname=password_vault user=cdc");
  auto c = parse_connector_config(yaml, "connector.yaml", "/etc/cdc", kEnv);
  CHECK(c.literal_secret_keys.empty());
  CHECK(c.secrets == std::vector<std::string>{"k1", "s1"});
}

TEST_CASE("connector config: mapping_defaults and geometry load as enums") {
  auto defaults = parse_connector_config(kMinimal, "connector.yaml", "/etc/cdc", kEnv);
  CHECK(defaults.mapping.string_policy == cdc::mapping::StringPolicy::kTruncate);
  CHECK(defaults.source.mysql.geometry == cdc::config::GeometryFormat::kWkb);
  auto c = parse_connector_config(
      std::string(kMinimal) + "mapping_defaults:\n  string_policy: dead_letter\n", "connector.yaml",
      "/etc/cdc", kEnv);
  CHECK(c.mapping.string_policy == cdc::mapping::StringPolicy::kDeadLetter);
  CHECK(defaults.mapping.send_changed);
  CHECK_FALSE(parse_connector_config(std::string(kMinimal) + "mapping_defaults:\n  send: all\n",
                                     "connector.yaml", "/etc/cdc", kEnv)
                  .mapping.send_changed);
  CHECK_THROWS_WITH_AS(
      parse_connector_config(std::string(kMinimal) + "mapping_defaults:\n  send: some\n",
                             "connector.yaml", "/etc/cdc", kEnv),
      doctest::Contains("mapping_defaults.send"), cdc::ConfigError);
  const std::string mysql =
      "source:\n  type: mysql\n  user: cdc\n  server_id: 7\n  geometry: wkb_hex\n"
      "sink:\n  key: ${RETAINLY_KEY}\n  secret: ${RETAINLY_SECRET}\n";
  CHECK(parse_connector_config(mysql, "connector.yaml", "/etc/cdc", kEnv).source.mysql.geometry ==
        cdc::config::GeometryFormat::kWkbHex);
}

// Fuzz findings: yaml-cpp threw its own exceptions (no file, no line) for these.
TEST_CASE("connector config: a section that is not a mapping, or a key that is a list") {
  CHECK(error_of("source: postgres\nsink: {}\n") ==
        "connector.yaml:1:9: source: expected a mapping of keys to values");
  CHECK(error_of("source:\n  type: postgres\n  tls: [verify-full]\n  dsn: dbname=x\nsink: {}\n") ==
        "connector.yaml:3:8: source.tls: expected a mapping of keys to values");
  CHECK(error_of("? [a, b]\n: 1\n") ==
        "connector.yaml:1:3: (top level): keys must be plain names, not lists or mappings");
}
