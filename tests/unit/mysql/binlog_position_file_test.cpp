// The stored MySQL position: what store() writes load() reads back, a missing file is
// "no position yet", and a damaged one is an error that names the file and the way out.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "connectors/mysql/binlog_position_file.h"
#include "core/errors.h"
#include "support/temp_dir.h"

namespace cdc::mysql {

TEST_CASE("position file: store then load gives the same position; none before") {
  const cdc::test::TempDir dir("position");
  const BinlogPositionFile file(dir.path() / "round_trip.json");
  CHECK_FALSE(file.load().has_value());
  file.store({"binlog.000042", 1234, "0-1-9876,1-2-5"});
  const auto loaded = file.load();
  REQUIRE(loaded);
  CHECK(loaded->file == "binlog.000042");
  CHECK(loaded->offset == 1234);
  CHECK(loaded->gtid_state == "0-1-9876,1-2-5");
  file.store({"binlog.000043", 4, ""});
  CHECK(file.load()->file == "binlog.000043");
}

TEST_CASE("position file: the transaction it follows, when known, is kept; older files lack it") {
  const cdc::test::TempDir dir("position");
  const BinlogPositionFile file(dir.path() / "after.json");
  const BinlogPosition transaction{"binlog.000042", 1100, "0-1-9876", 3};
  file.store({"binlog.000042", 1234, "0-1-9876", transaction});
  const auto loaded = file.load();
  REQUIRE(loaded);
  REQUIRE(loaded->after.has_value());
  CHECK(*loaded->after == transaction);
  CHECK(loaded->after->file == "binlog.000042");
  CHECK(loaded->after->index == 3);
  // As versions before it wrote the file: no transaction, which compares with nothing.
  std::ofstream(dir.path() / "after.json") << R"({"file": "binlog.000042", "offset": 1234})";
  CHECK_FALSE(file.load()->after.has_value());
  // A transaction that is no binlog position is damage, not guessed around.
  for (const char* after : {"pg:0/16:1", "mysql:binlog.000042", "1100"}) {
    INFO(after);
    std::ofstream(dir.path() / "after.json")
        << R"({"file": "binlog.000042", "offset": 1234, "after": ")" << after << "\"}";
    CHECK_THROWS_WITH_AS(file.load(), doctest::Contains("after"), SourceError);
  }
}

TEST_CASE("position file: damaged content is an error naming the file and what to do") {
  const cdc::test::TempDir dir("position");
  const auto path = dir.path() / "damaged.json";
  std::ofstream(path) << "{\"file\": \"binlog.0000";
  const BinlogPositionFile file(path);
  CHECK_THROWS_WITH_AS(file.load(), doctest::Contains(path.string().c_str()), SourceError);
  CHECK_THROWS_WITH_AS(file.load(), doctest::Contains("retainly-cdc resnapshot"), SourceError);
  std::ofstream(path) << R"({"file": "", "offset": 4, "gtid_state": ""})";
  CHECK_THROWS_AS(file.load(), SourceError);
}

}  // namespace cdc::mysql

TEST_CASE("resume point: prints as mysql:FILE:OFFSET and parses back") {
  const cdc::mysql::ResumePoint at{"binlog.000007", 1234, "0-1-42"};
  CHECK(cdc::mysql::to_string(at) == "mysql:binlog.000007:1234");
  const auto parsed = cdc::mysql::parse_resume_point("mysql:binlog.000007:1234");
  REQUIRE(parsed.has_value());
  CHECK(parsed->file == "binlog.000007");
  CHECK(parsed->offset == 1234);
  CHECK(parsed->gtid_state.empty());
  for (const char* bad : {"binlog.000007:1234", "mysql:binlog.000007", "mysql::12",
                          "mysql:binlog.000007:", "mysql:binlog.000007:12x", "pg:0/16:1"}) {
    INFO(bad);
    CHECK_FALSE(cdc::mysql::parse_resume_point(bad).has_value());
  }
}
