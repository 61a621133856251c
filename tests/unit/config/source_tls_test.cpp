#include "config/source_tls.h"

#include <doctest/doctest.h>

using namespace cdc::config;

TEST_CASE("source tls: loopback names, addresses and sockets are local, the rest is not") {
  for (const char* host :
       {"", "localhost", "127.0.0.1", "127.1.2.3", "::1", "/run/mysqld", "@abstract"}) {
    INFO(host);
    CHECK(is_local_host(host));
  }
  for (const char* host :
       {"db.example.com", "10.0.0.5", "::2", "localhost.example.com", "1270.0.0.1"}) {
    INFO(host);
    CHECK_FALSE(is_local_host(host));
  }
}

TEST_CASE("source tls: remote hosts are verified by default, local ones are not asked to") {
  CHECK(resolve_source_tls({}, /*local_host=*/false).mode == TlsMode::kVerifyFull);
  CHECK(resolve_source_tls({}, false).ca_path == kSystemCaBundle);
  CHECK(resolve_source_tls({}, true).mode == TlsMode::kPrefer);
  CHECK(resolve_source_tls({}, true).ca_path.empty());
  auto given = resolve_source_tls({.mode = TlsMode::kVerifyCa, .ca_path = "/ca.pem"}, true);
  CHECK(given.mode == TlsMode::kVerifyCa);
  CHECK(given.ca_path == "/ca.pem");
  CHECK(resolve_source_tls({.mode = TlsMode::kRequire}, false).ca_path.empty());
}

TEST_CASE("source tls: mode names round-trip") {
  for (auto mode : {TlsMode::kDisable, TlsMode::kPrefer, TlsMode::kRequire, TlsMode::kVerifyCa,
                    TlsMode::kVerifyFull}) {
    CHECK(parse_tls_mode(tls_mode_name(mode)) == mode);
  }
  CHECK_FALSE(parse_tls_mode("verify_full").has_value());
}
