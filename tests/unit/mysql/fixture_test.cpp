// The real binlog files in tests/fixtures/mysql-binlog: every event decodes, and every
// row change equals what mariadb-binlog prints for it. MySQL 8 features mariadb-binlog
// cannot read (compressed payloads, partial JSON, tagged GTIDs, JSON columns) are
// checked against values derived by hand from the bytes and the statements that wrote
// them (the fixtures' source projects state the same values in their own tests).
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "decoded_file.h"
#include "fixture_files.h"
#include "mariadb_binlog_text.h"

namespace cdc::mysql::testing {
namespace {

namespace fs = std::filesystem;

fs::path fixture(const std::string& name) { return fixtures_dir() / name; }

const char* op_name(RowsKind kind) {
  switch (kind) {
    case RowsKind::kWrite:
      return "INSERT";
    case RowsKind::kDelete:
      return "DELETE";
    default:
      return "UPDATE";
  }
}

// Compares one image; returns a description of the first difference, or "".
std::string image_difference(const std::map<int, std::string>& printed, const Row& row,
                             const TableMap& table) {
  for (size_t i = 0; i < row.size(); ++i) {
    const auto it = printed.find(static_cast<int>(i) + 1);
    const ColumnInfo& column = table.columns[i];
    if (row[i].is_unchanged()) {
      if (it != printed.end())
        return fmt::format("@{}: printed {}, decoded as absent", i + 1, it->second);
      continue;
    }
    if (it == printed.end())
      return fmt::format("@{}: decoded {}, not printed", i + 1, row[i].debug_string());
    if (!same_as_printed(it->second, row[i], column)) {
      return fmt::format("@{}: printed {}, decoded {} (rendered {})", i + 1, it->second,
                         row[i].debug_string(), render_like_mariadb_binlog(row[i], column));
    }
  }
  return {};
}

// Every row change of `path` against mariadb-binlog's decoding of the same file.
void check_against_mariadb_binlog(const fs::path& path, size_t expected_changes) {
  INFO("file: ", path.string());
  const DecodedFile file = decode_binlog_file(path.string());
  const std::vector<PrintedRowChange> printed =
      parse_mariadb_binlog_output(mariadb_binlog_verbose(path));
  REQUIRE(file.changes.size() == expected_changes);
  REQUIRE(printed.size() == file.changes.size());
  size_t mismatches = 0;
  for (size_t i = 0; i < printed.size(); ++i) {
    const DecodedChange& ours = file.changes[i];
    const PrintedRowChange& theirs = printed[i];
    std::string diff;
    if (theirs.op != op_name(ours.kind)) diff = "operation " + theirs.op;
    const std::string table = fmt::format("`{}`.`{}`", ours.table->schema, ours.table->table);
    if (diff.empty() && theirs.table != table) diff = "table " + theirs.table + " vs " + table;
    if (diff.empty()) diff = image_difference(theirs.before, ours.images.before, *ours.table);
    if (diff.empty()) diff = image_difference(theirs.after, ours.images.after, *ours.table);
    if (!diff.empty() && ++mismatches <= 5) MESSAGE("row change ", i, ": ", diff);
  }
  CHECK(mismatches == 0);
}

std::vector<fs::path> all_fixture_files() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(fixtures_dir())) {
    if (entry.is_regular_file() && entry.path().extension() != ".md") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("fixtures: every event of every binlog file decodes without error") {
  const std::vector<fs::path> files = all_fixture_files();
  REQUIRE(files.size() >= 19);
  for (const fs::path& path : files) {
    INFO("file: ", path.string());
    if (path.extension() == ".gz") {
      TempFile plain;
      gunzip(path, plain.path());
      CHECK_NOTHROW(CHECK(decode_binlog_file(plain.path().string()).events.size() > 2));
    } else {
      CHECK_NOTHROW(CHECK(decode_binlog_file(path.string()).events.size() > 2));
    }
  }
}

TEST_CASE("fixtures: MySQL 5.7 rows v2 with CRC32 match mariadb-binlog") {
  check_against_mariadb_binlog(fixture("mysql-bin.checksum-crc32"), 63);
}

TEST_CASE("fixtures: MySQL 5.7 rows v2 without checksums match mariadb-binlog") {
  check_against_mariadb_binlog(fixture("mysql-bin.checksum-none"), 36);
}

TEST_CASE("fixtures: MySQL 5.5 Sakila rows v1, 47,273 inserts, match mariadb-binlog") {
  TempFile plain;
  gunzip(fixture("mysql-bin.sakila.gz"), plain.path());
  check_against_mariadb_binlog(plain.path(), 47273);
}

TEST_CASE("fixtures: MariaDB 10.11 files match mariadb-binlog") {
  check_against_mariadb_binlog(fixture("local-mariadb-10.11.19-bin.000001"), 3);
  check_against_mariadb_binlog(fixture("local-mariadb-10.11.19-bin.000003"), 23);
}

TEST_CASE("fixtures: MySQL 8 files mariadb-binlog can read match it") {
  check_against_mariadb_binlog(fixture("mysql8/binlog-invisible-columns.000001"), 3);
  check_against_mariadb_binlog(fixture("mysql8/minimal_row_metadata.000001"), 1);
  check_against_mariadb_binlog(fixture("mysql8/mysql-enum-string-set.000001"), 3);
  check_against_mariadb_binlog(fixture("mysql8/mysql_type_bit.000001"), 1);
  check_against_mariadb_binlog(fixture("mysql8/time_issue.000001"), 1);
  check_against_mariadb_binlog(fixture("mysql8/update-full-row.binlog"), 7);
  check_against_mariadb_binlog(fixture("mysql8/update-partial-row.binlog"), 7);
}

}  // namespace cdc::mysql::testing
