#include <doctest/doctest.h>

#include <filesystem>
#include <system_error>

#include "state/atomic_file.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using cdc::state::read_file;
using cdc::state::write_file_atomically;

TEST_CASE("atomic file: write creates the folder and replaces the whole content") {
  const cdc::test::TempDir scratch("atomic-file");
  auto path = scratch.path() / "nested" / "offsets.json";
  write_file_atomically(path, "first version, longer than the second");
  CHECK(read_file(path) == "first version, longer than the second");
  write_file_atomically(path, "second");
  CHECK(read_file(path) == "second");
  CHECK_FALSE(fs::exists(path.string() + ".tmp"));
}

TEST_CASE("atomic file: a missing file reads as nullopt, an unwritable place throws") {
  const cdc::test::TempDir scratch("atomic-file");
  CHECK_FALSE(read_file(scratch.path() / "absent").has_value());
  CHECK_THROWS_AS(write_file_atomically("/proc/cdc-cannot-write-here/x", "y"), std::exception);
}
