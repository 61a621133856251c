#include <doctest/doctest.h>

#include <filesystem>
#include <system_error>

#include "state/atomic_file.h"

namespace fs = std::filesystem;
using cdc::state::read_file;
using cdc::state::write_file_atomically;

namespace {
fs::path fresh_dir(const char* name) {
  auto dir = fs::temp_directory_path() / name;
  fs::remove_all(dir);
  return dir;
}
}  // namespace

TEST_CASE("atomic file: write creates the folder and replaces the whole content") {
  auto dir = fresh_dir("cdc_atomic_file_test");
  auto path = dir / "nested" / "offsets.json";
  write_file_atomically(path, "first version, longer than the second");
  CHECK(read_file(path) == "first version, longer than the second");
  write_file_atomically(path, "second");
  CHECK(read_file(path) == "second");
  CHECK_FALSE(fs::exists(path.string() + ".tmp"));
  fs::remove_all(dir);
}

TEST_CASE("atomic file: a missing file reads as nullopt, an unwritable place throws") {
  auto dir = fresh_dir("cdc_atomic_file_missing");
  CHECK_FALSE(read_file(dir / "absent").has_value());
  CHECK_THROWS_AS(write_file_atomically("/proc/cdc-cannot-write-here/x", "y"), std::exception);
}
