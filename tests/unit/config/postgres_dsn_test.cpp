#include "config/postgres_dsn.h"

#include <doctest/doctest.h>

#include <map>
#include <stdexcept>

#include "fake_env.h"

using cdc::config::apply_postgres_tls;
using cdc::config::parse_postgres_dsn;
using cdc::config::TlsMode;
using cdc::config::TlsSettings;
using cdc::test::fake_env;

namespace {

cdc::config::PostgresDsn applied(const std::string& dsn, const TlsSettings& given = {},
                                 const cdc::config::EnvLookup& env = fake_env()) {
  return apply_postgres_tls(dsn, parse_postgres_dsn(dsn), given, env);
}

}  // namespace

TEST_CASE("postgres dsn: a remote host is verified against the system CAs by default") {
  auto out = applied("host=db.example.com dbname=app user=cdc password=pw");
  CHECK(out.tls.mode == TlsMode::kVerifyFull);
  CHECK(out.tls.ca_path == cdc::config::kSystemCaBundle);
  CHECK(out.dsn ==
        "user='cdc' password='pw' dbname='app' host='db.example.com' sslmode='verify-full' "
        "sslrootcert='/etc/ssl/certs/ca-certificates.crt'");
}

TEST_CASE("postgres dsn: a URI is rewritten as key='value' pairs, in libpq's order, quoted") {
  auto out = applied("postgresql://cdc:p%27w%5C@db.example.com:6432/app");
  CHECK(out.dsn ==
        "user='cdc' password='p\\'w\\\\' dbname='app' host='db.example.com' port='6432' "
        "sslmode='verify-full' sslrootcert='/etc/ssl/certs/ca-certificates.crt'");
}

TEST_CASE("postgres dsn: connections that stay on this machine keep libpq's default") {
  for (const char* dsn :
       {"host=127.0.0.1 dbname=app", "host=localhost", "host=::1", "host=/var/run/postgresql",
        "dbname=app", "host=db.example.com hostaddr=127.0.0.1", "host=127.0.0.1,localhost"}) {
    INFO(dsn);
    auto out = applied(dsn);
    CHECK(out.tls.mode == TlsMode::kPrefer);
    CHECK(out.dsn == dsn);
  }
  // One remote host in a multi-host list is enough to verify.
  CHECK(applied("host=127.0.0.1,db.example.com").tls.mode == TlsMode::kVerifyFull);
  // PGHOST counts where the string names no host.
  CHECK(applied("dbname=app", {}, fake_env({{"PGHOST", "db.example.com"}})).tls.mode ==
        TlsMode::kVerifyFull);
}

TEST_CASE("postgres dsn: source.tls sets the mode and the CA") {
  auto out = applied("host=db.example.com", {.mode = TlsMode::kVerifyCa, .ca_path = "/etc/ca.pem"});
  CHECK(out.tls.mode == TlsMode::kVerifyCa);
  CHECK(out.dsn == "host='db.example.com' sslmode='verify-ca' sslrootcert='/etc/ca.pem'");
  auto off = applied("host=db.example.com", {.mode = TlsMode::kDisable});
  CHECK(off.dsn == "host='db.example.com' sslmode='disable'");
  CHECK(off.tls.ca_path.empty());
  // Asked for on loopback too, and the config file wins over PGSSLMODE.
  auto local =
      applied("host=127.0.0.1", {.mode = TlsMode::kRequire}, fake_env({{"PGSSLMODE", "disable"}}));
  CHECK(local.dsn == "host='127.0.0.1' sslmode='require'");
}

TEST_CASE("postgres dsn: TLS settings in the string or libpq's environment are kept") {
  const std::string dsn = "host=db.example.com sslmode=require";
  auto out = applied(dsn);
  CHECK(out.dsn == dsn);
  CHECK(out.tls.mode == TlsMode::kRequire);
  auto from_env = applied("host=db.example.com", {},
                          fake_env({{"PGSSLMODE", "verify-ca"}, {"PGSSLROOTCERT", "/ca.pem"}}));
  CHECK(from_env.dsn == "host=db.example.com");
  CHECK(from_env.tls.mode == TlsMode::kVerifyCa);
  CHECK(from_env.tls.ca_path == "/ca.pem");
  // sslmode in the string, the CA from source.tls.
  auto ca_only = applied("host=db.example.com sslmode=verify-full", {.ca_path = "/etc/ca.pem"});
  CHECK(ca_only.dsn == "host='db.example.com' sslmode='verify-full' sslrootcert='/etc/ca.pem'");
}

TEST_CASE("postgres dsn: an unparsable string is refused without quoting it") {
  try {
    parse_postgres_dsn("host=db password=hunter2-secret dbname");
    FAIL("no error");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("hunter2") == std::string::npos);
    CHECK(std::string(e.what()).find("not a valid libpq connection string") != std::string::npos);
  }
}
