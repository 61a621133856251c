#include <doctest/doctest.h>

#include <cstdlib>

#include "connectors/postgres/pg_connection.h"

using cdc::pg::default_sslmode;

TEST_CASE("tls: remote servers are verified unless the connection string says otherwise") {
  ::unsetenv("PGSSLMODE");
  CHECK(default_sslmode("host=db.internal dbname=app") == "verify-full");
  CHECK(default_sslmode("postgresql://cdc@10.0.0.7:5432/app") == "verify-full");
  CHECK(default_sslmode("host=127.0.0.1,db.internal") == "verify-full");
  // Local connections keep libpq's default; an explicit choice is kept.
  CHECK_FALSE(default_sslmode("host=127.0.0.1 port=5432").has_value());
  CHECK_FALSE(default_sslmode("host=localhost").has_value());
  CHECK_FALSE(default_sslmode("host=/var/run/postgresql").has_value());
  CHECK_FALSE(default_sslmode("dbname=app").has_value());
  CHECK_FALSE(default_sslmode("host=db.internal sslmode=require").has_value());
  CHECK_FALSE(default_sslmode("postgresql://db.internal/app?sslmode=disable").has_value());
  ::setenv("PGSSLMODE", "disable", 1);
  CHECK_FALSE(default_sslmode("host=db.internal").has_value());
  ::unsetenv("PGSSLMODE");
}
