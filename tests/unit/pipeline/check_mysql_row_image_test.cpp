// `check` on MySQL's row image settings: PARTIAL_JSON without full before images is
// refused (issue 13, defect 6), NOBLOB names the mapped columns that may arrive missing.
#include "pipeline/check_mysql_row_image.h"

#include <doctest/doctest.h>

#include <sstream>

namespace cdc::pipeline {
namespace {

std::vector<MappedTableTypes> tables() {
  return {{"app.users",
           {{"id", "bigint"},
            {"email", "varchar"},
            {"prefs", "json"},
            {"bio", "text"},
            {"avatar", "blob"},
            {"notes", "longtext"}},
           {"bio", "email", "id", "prefs"}},
          {"app.orders", {{"id", "bigint"}, {"meta", "json"}, {"total", "decimal"}}, {"id"}}};
}

struct Result {
  std::vector<Problem> problems;
  std::string notes;
};

Result check(const std::string& image, const std::optional<std::string>& options) {
  Result r;
  std::ostringstream notes;
  check_row_image(image, options, tables(), r.problems, notes);
  r.notes = notes.str();
  return r;
}

}  // namespace

TEST_CASE(
    "check row image: PARTIAL_JSON with NOBLOB or MINIMAL is refused, naming the JSON "
    "columns and the setting") {
  for (const char* image : {"NOBLOB", "minimal"}) {
    INFO(image);
    const Result r = check(image, "PARTIAL_JSON");
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].kind == Problem::kSource);
    const std::string& message = r.problems[0].message;
    CHECK(message.find("binlog_row_value_options is PARTIAL_JSON") != std::string::npos);
    // Unmapped JSON columns of mapped tables count too: the reader stops at any.
    CHECK(message.find("app.users.prefs") != std::string::npos);
    CHECK(message.find("app.orders.meta") != std::string::npos);
    CHECK(message.find("app.users.bio") == std::string::npos);
    CHECK(message.find("SET PERSIST binlog_row_value_options = ''") != std::string::npos);
  }
}

TEST_CASE("check row image: PARTIAL_JSON with FULL images, or without JSON columns, passes") {
  CHECK(check("FULL", "PARTIAL_JSON").problems.empty());
  std::vector<Problem> problems;
  std::ostringstream notes;
  check_row_image("NOBLOB", "PARTIAL_JSON", {{"app.t", {{"id", "int"}}, {"id"}}}, problems, notes);
  CHECK(problems.empty());
}

TEST_CASE("check row image: no binlog_row_value_options (MariaDB) or an empty one is fine") {
  CHECK(check("FULL", std::nullopt).problems.empty());
  CHECK(check("FULL", "").problems.empty());
  CHECK(check("FULL", std::nullopt).notes.empty());
}

TEST_CASE("check row image: NOBLOB names the mapped BLOB/TEXT/JSON columns and what is sent") {
  const Result r = check("noblob", "");
  CHECK(r.problems.empty());
  INFO(r.notes);
  CHECK(r.notes.find("binlog_row_image is NOBLOB: app.users.bio, app.users.prefs may arrive "
                     "missing") != std::string::npos);
  // Unmapped ones are not named.
  CHECK(r.notes.find("avatar") == std::string::npos);
  CHECK(r.notes.find("notes") == std::string::npos);
  CHECK(r.notes.find("app.orders.meta") == std::string::npos);
  CHECK(r.notes.find("Retainly keeps the value it holds") != std::string::npos);
}

}  // namespace cdc::pipeline
