#include <doctest/doctest.h>

#include "ops/log.h"

TEST_CASE("log: registered secrets are redacted wherever they appear") {
  cdc::log::add_secret("sk_live_0123456789");
  cdc::log::add_secret("pw");  // too short to redact safely; ignored
  CHECK(cdc::log::redact("auth failed for key sk_live_0123456789 (sk_live_0123456789)") ==
        "auth failed for key *** (***)");
  CHECK(cdc::log::redact("password pw stays") == "password pw stays");
}

TEST_CASE("log: level names parse, unknown ones fall back to info") {
  CHECK(cdc::log::parse_level("debug") == cdc::log::Level::kDebug);
  CHECK(cdc::log::parse_level("error") == cdc::log::Level::kError);
  CHECK(cdc::log::parse_level("loud") == cdc::log::Level::kInfo);
}
