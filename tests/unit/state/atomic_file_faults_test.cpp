// write_file_atomically on a disk that fails (issue 13, defect 9), through a FileIo that
// runs out of room after N bytes or fails its sync: the old content stays and no temp file
// is left behind.
#include <doctest/doctest.h>

#include <filesystem>
#include <system_error>

#include "state/atomic_file.h"
#include "support/failing_file_io.h"

namespace fs = std::filesystem;
using cdc::state::read_file;
using cdc::state::write_file_atomically;
using cdc::test::FailingFileIo;

namespace {

fs::path fresh_dir(const char* name) {
  auto dir = fs::temp_directory_path() / name;
  fs::remove_all(dir);
  return dir;
}

size_t files_in(const fs::path& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

}  // namespace

TEST_CASE("atomic file: a disk that fills up mid-write keeps the old content, no temp file") {
  auto dir = fresh_dir("cdc_atomic_file_full_disk");
  auto path = dir / "offsets.json";
  write_file_atomically(path, "old");
  FailingFileIo io(10);
  CHECK_THROWS_AS(write_file_atomically(path, std::string(1000, 'n'), io), std::system_error);
  CHECK(io.written() == 10);
  CHECK(read_file(path) == "old");
  CHECK(files_in(dir) == 1);
  fs::remove_all(dir);
}

TEST_CASE("atomic file: a failed sync keeps the old content, no temp file") {
  auto dir = fresh_dir("cdc_atomic_file_failed_sync");
  auto path = dir / "offsets.json";
  write_file_atomically(path, "old");
  FailingFileIo io;
  io.fail_syncs(true);
  CHECK_THROWS_AS(write_file_atomically(path, "new", io), std::system_error);
  CHECK(read_file(path) == "old");
  CHECK(files_in(dir) == 1);
  fs::remove_all(dir);
}
