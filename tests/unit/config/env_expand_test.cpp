#include <doctest/doctest.h>

#include <map>
#include <stdexcept>

#include "config/env_expand.h"
#include "fake_env.h"

using cdc::config::expand_env;
using cdc::test::fake_env;

TEST_CASE("expand_env replaces ${VAR} anywhere in a value") {
  auto env = fake_env({{"PG_PASSWORD", "s3cret"}, {"HOST", "db"}});
  CHECK(expand_env("host=${HOST} password=${PG_PASSWORD}", env) == "host=db password=s3cret");
  CHECK(expand_env("no references", env) == "no references");
}

TEST_CASE("expand_env: $$ is a literal dollar, a lone $ stays") {
  auto env = fake_env({});
  CHECK(expand_env("cost $$5 and $x", env) == "cost $5 and $x");
}

TEST_CASE("expand_env names an unset variable") {
  auto env = fake_env({});
  CHECK_THROWS_WITH_AS(expand_env("${RETAINLY_KEY}", env),
                       "environment variable RETAINLY_KEY is not set", std::invalid_argument);
  CHECK_THROWS_AS(expand_env("${UNTERMINATED", env), std::invalid_argument);
  CHECK_THROWS_AS(expand_env("${bad-name}", env), std::invalid_argument);
}
