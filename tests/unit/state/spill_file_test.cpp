#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <system_error>

#include "state/spill_file.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using cdc::state::SpillDirectory;
using cdc::state::SpillFile;

TEST_CASE("spill file: records come back in order, and the file goes with the object") {
  const cdc::test::TempDir scratch("cdc_spill_file_test");
  const auto dir = scratch.path() / "dir";  // not there yet
  fs::create_directories(dir);
  fs::path path;
  {
    auto file = SpillFile::create(dir / "t.spill");
    path = file->path();
    file->append("first");
    file->append(std::string(100000, 'x'));
    file->append("");
    file->rewind();
    std::string record;
    REQUIRE(file->next(record));
    CHECK(record == "first");
    REQUIRE(file->next(record));
    CHECK(record.size() == 100000);
    REQUIRE(file->next(record));
    CHECK(record.empty());
    CHECK_FALSE(file->next(record));
    CHECK(fs::exists(path));
  }
  CHECK_FALSE(fs::exists(path));
}

TEST_CASE("spill file: a kept file stays and opens again; a torn one throws") {
  const cdc::test::TempDir scratch("cdc_spill_file_kept");
  const auto dir = scratch.path() / "dir";  // not there yet
  fs::create_directories(dir);
  {
    auto file = SpillFile::create(dir / "x.rows");
    file->append("prepared");
    file->keep();
  }
  REQUIRE(fs::exists(dir / "x.rows"));
  {
    auto file = SpillFile::open_kept(dir / "x.rows");
    file->rewind();
    std::string record;
    REQUIRE(file->next(record));
    CHECK(record == "prepared");
  }
  CHECK(fs::exists(dir / "x.rows"));
  fs::resize_file(dir / "x.rows", 6);
  auto torn = SpillFile::open_kept(dir / "x.rows");
  torn->rewind();
  std::string record;
  CHECK_THROWS_AS(torn->next(record), std::system_error);
}

TEST_CASE("spill directory: leftovers of an earlier process are removed; names are unique") {
  const cdc::test::TempDir scratch("cdc_spill_dir_test");
  const auto dir = scratch.path() / "dir";  // not there yet
  fs::create_directories(dir);
  std::ofstream(dir / "txn-1-1.spill") << "left by a crash";
  SpillDirectory directory(dir);
  CHECK(fs::is_empty(dir));
  auto factory = directory.factory();
  auto a = factory();
  auto b = factory();
  a->append("a");
  b->append("b");
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 2);
  a.reset();
  b.reset();
  CHECK(fs::is_empty(dir));
}
