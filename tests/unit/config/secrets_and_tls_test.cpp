// Every secret of the connector config from ${ENV} or a *_file, with file:line:key errors
// when either is missing; TLS settings of the source and the sink.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "config/connector_config.h"
#include "core/errors.h"
#include "fake_env.h"
#include "support/temp_dir.h"

using cdc::config::parse_connector_config;
using cdc::config::TlsMode;
using cdc::test::fake_env;

namespace {

const auto kEnv = fake_env({{"PG_DSN", "host=127.0.0.1 dbname=app password=pg-pw"},
                            {"MY_PASSWORD", "my-pw"},
                            {"RETAINLY_KEY", "the-key"},
                            {"RETAINLY_SECRET", "the-secret"}});

std::string postgres(const std::string& source_lines) {
  return "source:\n  type: postgres\n" + source_lines +
         "sink:\n  key: ${RETAINLY_KEY}\n  secret: ${RETAINLY_SECRET}\n";
}

std::string mysql(const std::string& source_lines) {
  return "source:\n  type: mysql\n  user: cdc\n  server_id: 7\n" + source_lines +
         "sink:\n  key: ${RETAINLY_KEY}\n  secret: ${RETAINLY_SECRET}\n";
}

std::string error_of(const std::string& yaml, const std::filesystem::path& base = "/etc/cdc",
                     const cdc::config::EnvLookup& env = kEnv) {
  try {
    parse_connector_config(yaml, "connector.yaml", base, env);
  } catch (const cdc::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("secrets: every secret can come from ${ENV} and is registered for redaction") {
  auto pg =
      parse_connector_config(postgres("  dsn: ${PG_DSN}\n"), "connector.yaml", "/etc/cdc", kEnv);
  CHECK(pg.source.postgres.dsn == "host=127.0.0.1 dbname=app password=pg-pw");
  CHECK(pg.sink.key == "the-key");
  CHECK(pg.sink.secret == "the-secret");
  CHECK(pg.literal_secret_keys.empty());
  auto my = parse_connector_config(mysql("  password: ${MY_PASSWORD}\n"), "connector.yaml",
                                   "/etc/cdc", kEnv);
  CHECK(my.source.mysql.password == "my-pw");
  CHECK(my.secrets == std::vector<std::string>{"my-pw", "the-key", "the-secret"});
}

TEST_CASE("secrets: an unset variable names file, line, column and key for every secret") {
  const auto no_env = fake_env({});
  CHECK(error_of(postgres("  dsn: ${PG_DSN}\n"), "/etc/cdc", no_env) ==
        "connector.yaml:3:8: source.dsn: environment variable PG_DSN is not set");
  CHECK(error_of(mysql("  password: ${MY_PASSWORD}\n"), "/etc/cdc", no_env) ==
        "connector.yaml:5:13: source.password: environment variable MY_PASSWORD is not set");
  const auto pg_only = fake_env({{"PG_DSN", "dbname=app"}});
  CHECK(error_of(postgres("  dsn: ${PG_DSN}\n"), "/etc/cdc", pg_only) ==
        "connector.yaml:5:8: sink.key: environment variable RETAINLY_KEY is not set");
  const auto no_secret = fake_env({{"PG_DSN", "dbname=app"}, {"RETAINLY_KEY", "k"}});
  CHECK(error_of(postgres("  dsn: ${PG_DSN}\n"), "/etc/cdc", no_secret) ==
        "connector.yaml:6:11: sink.secret: environment variable RETAINLY_SECRET is not set");
}

TEST_CASE("secrets: every *_file is read, relative to the config's folder") {
  cdc::test::TempDir dir("config-secrets");
  dir.write_file("secrets/dsn", "host=127.0.0.1 dbname=app password=file-pw\n");
  dir.write_file("secrets/key", "file-key\n");
  dir.write_file("secrets/secret", "file-secret");
  dir.write_file("secrets/mysql", "file-my-pw\n");
  const std::string sink =
      "sink:\n  key_file: secrets/key\n  secret_file: " + (dir.path() / "secrets/secret").string() +
      "\n";
  auto pg = parse_connector_config("source:\n  type: postgres\n  dsn_file: secrets/dsn\n" + sink,
                                   "connector.yaml", dir.path(), kEnv);
  CHECK(pg.source.postgres.dsn == "host=127.0.0.1 dbname=app password=file-pw");
  CHECK(pg.sink.key == "file-key");
  CHECK(pg.sink.secret == "file-secret");
  CHECK(pg.literal_secret_keys.empty());
  auto my = parse_connector_config(
      "source:\n  type: mysql\n  user: cdc\n  server_id: 7\n  password_file: secrets/mysql\n" +
          sink,
      "connector.yaml", dir.path(), kEnv);
  CHECK(my.source.mysql.password == "file-my-pw");
}

TEST_CASE("secrets: a missing *_file names file, line, column, key and path") {
  const std::string base = "/nonexistent-cdc";
  CHECK(error_of(postgres("  dsn_file: pg.dsn\n"), base) ==
        "connector.yaml:3:13: source.dsn_file: cannot read \"/nonexistent-cdc/pg.dsn\"");
  CHECK(error_of(mysql("  password_file: /nonexistent-cdc/pw\n")) ==
        "connector.yaml:5:18: source.password_file: cannot read \"/nonexistent-cdc/pw\"");
  const std::string key_file =
      "source:\n  type: postgres\n  dsn: dbname=app\nsink:\n  key_file: k\n  secret: s\n";
  CHECK(error_of(key_file, base) ==
        "connector.yaml:5:13: sink.key_file: cannot read \"/nonexistent-cdc/k\"");
  const std::string secret_file =
      "source:\n  type: postgres\n  dsn: dbname=app\nsink:\n  key: k\n  secret_file: s\n";
  CHECK(error_of(secret_file, base) ==
        "connector.yaml:6:16: sink.secret_file: cannot read \"/nonexistent-cdc/s\"");
}

TEST_CASE("tls: a remote PostgreSQL is verified by default; source.tls changes it") {
  auto remote = parse_connector_config(postgres("  dsn: host=db.example.com dbname=app\n"),
                                       "connector.yaml", "/etc/cdc", kEnv);
  CHECK(remote.source.postgres.tls.mode == TlsMode::kVerifyFull);
  CHECK(remote.source.postgres.dsn.find("sslmode='verify-full'") != std::string::npos);

  cdc::test::TempDir dir("config-tls");
  dir.write_file("db-ca.pem", "not parsed at load\n");
  auto custom = parse_connector_config(
      postgres("  dsn: host=db.example.com\n  tls:\n    mode: verify-ca\n    ca_path: db-ca.pem\n"),
      "connector.yaml", dir.path(), kEnv);
  CHECK(custom.source.postgres.tls.mode == TlsMode::kVerifyCa);
  CHECK(custom.source.postgres.tls.ca_path == (dir.path() / "db-ca.pem").string());
  CHECK(custom.source.postgres.dsn == "host='db.example.com' sslmode='verify-ca' sslrootcert='" +
                                          (dir.path() / "db-ca.pem").string() + "'");
}

TEST_CASE("tls: bad source.tls settings are refused with their line") {
  CHECK(error_of(postgres("  dsn: host=db\n  tls:\n    mode: verify_full\n")) ==
        "connector.yaml:5:11: source.tls.mode: expected one of disable, prefer, require, "
        "verify-ca, verify-full, got \"verify_full\"");
  CHECK(error_of(postgres("  dsn: host=db\n  tls:\n    ca_path: missing.pem\n")) ==
        "connector.yaml:5:14: source.tls.ca_path: cannot read \"/etc/cdc/missing.pem\"");
  CHECK(error_of(postgres("  dsn: host=db\n  tls:\n    verify: true\n")) ==
        "connector.yaml:5:5: source.tls.verify: unknown key; expected one of: mode, ca_path");
  CHECK(error_of(postgres("  dsn: host=db sslmode=require\n  tls:\n    mode: verify-full\n")) ==
        "connector.yaml:5:11: source.tls.mode: the dsn sets sslmode too; set the TLS mode in one "
        "place");
  CHECK(error_of(postgres("  dsn: \"host=db password='unterminated\"\n")) ==
        "connector.yaml:3:8: source.dsn: is not a valid libpq connection string (key=value pairs "
        "or a postgresql:// URI)");
}

TEST_CASE("tls: MySQL settings are resolved the same way for the binlog connection") {
  auto local = parse_connector_config(mysql(""), "connector.yaml", "/etc/cdc", kEnv);
  CHECK(local.source.mysql.tls.mode == TlsMode::kPrefer);
  auto remote = parse_connector_config(mysql("  host: mariadb.example.com\n"), "connector.yaml",
                                       "/etc/cdc", kEnv);
  CHECK(remote.source.mysql.tls.mode == TlsMode::kVerifyFull);
  CHECK(remote.source.mysql.tls.ca_path == cdc::config::kSystemCaBundle);
  auto off =
      parse_connector_config(mysql("  host: mariadb.example.com\n  tls: { mode: disable }\n"),
                             "connector.yaml", "/etc/cdc", kEnv);
  CHECK(off.source.mysql.tls.mode == TlsMode::kDisable);
}

TEST_CASE("tls: Retainly is verified unless told otherwise; sink.ca_path must be readable") {
  auto c =
      parse_connector_config(postgres("  dsn: dbname=app\n"), "connector.yaml", "/etc/cdc", kEnv);
  CHECK(c.sink.tls_verify);
  CHECK(c.sink.ca_path.empty());
  cdc::test::TempDir dir("config-sink-ca");
  dir.write_file("proxy-ca.pem", "-----BEGIN CERTIFICATE-----\n");
  auto with_ca =
      parse_connector_config(postgres("  dsn: dbname=app\n") + "  ca_path: proxy-ca.pem\n",
                             "connector.yaml", dir.path(), kEnv);
  CHECK(with_ca.sink.ca_path == (dir.path() / "proxy-ca.pem").string());
  CHECK(error_of(postgres("  dsn: dbname=app\n") + "  ca_path: nope.pem\n") ==
        "connector.yaml:7:12: sink.ca_path: cannot read \"/etc/cdc/nope.pem\"");
}
