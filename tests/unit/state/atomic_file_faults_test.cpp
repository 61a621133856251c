// write_file_atomically on a disk that fails (issue 13, defect 9), through a FileIo that
// runs out of room after N bytes or fails its sync: the old content stays and no temp file
// is left behind.
#include <doctest/doctest.h>

#include <filesystem>
#include <system_error>

#include "state/atomic_file.h"
#include "support/failing_file_io.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using cdc::state::read_file;
using cdc::state::write_file_atomically;
using cdc::test::FailingFileIo;

namespace {

size_t files_in(const fs::path& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

}  // namespace

TEST_CASE("atomic file: a disk that fills up mid-write keeps the old content, no temp file") {
  const cdc::test::TempDir scratch("cdc_atomic_file_full_disk");
  const auto dir = scratch.path() / "dir";  // not there yet
  auto path = dir / "offsets.json";
  write_file_atomically(path, "old");
  FailingFileIo io(10);
  CHECK_THROWS_AS(write_file_atomically(path, std::string(1000, 'n'), io), std::system_error);
  CHECK(io.written() == 10);
  CHECK(read_file(path) == "old");
  CHECK(files_in(dir) == 1);
}

TEST_CASE("atomic file: a failed sync keeps the old content, no temp file") {
  const cdc::test::TempDir scratch("cdc_atomic_file_failed_sync");
  const auto dir = scratch.path() / "dir";  // not there yet
  auto path = dir / "offsets.json";
  write_file_atomically(path, "old");
  FailingFileIo io;
  io.fail_syncs(true);
  CHECK_THROWS_AS(write_file_atomically(path, "new", io), std::system_error);
  CHECK(read_file(path) == "old");
  CHECK(files_in(dir) == 1);
}
