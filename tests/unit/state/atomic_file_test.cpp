#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <iterator>
#include <string>
#include <system_error>
#include <thread>

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
  // No temp file is left beside it.
  CHECK(std::distance(fs::directory_iterator(path.parent_path()), fs::directory_iterator()) == 1);
  fs::remove_all(dir);
}

TEST_CASE("atomic file: two writers of one file never share a temp file") {
  auto dir = fresh_dir("cdc_atomic_file_two_writers");
  auto path = dir / "request.json";
  std::atomic<int> failures{0};
  auto write = [&](const std::string& content) {
    for (int i = 0; i < 100; ++i) {
      try {
        write_file_atomically(path, content);
      } catch (const std::system_error&) {
        ++failures;  // e.g. the other writer renamed a shared temp file away
      }
    }
  };
  std::thread first([&] { write(std::string(4000, 'a')); });
  std::thread second([&] { write(std::string(3000, 'b')); });
  first.join();
  second.join();
  CHECK(failures.load() == 0);
  const auto content = read_file(path);
  REQUIRE(content.has_value());
  CHECK((*content == std::string(4000, 'a') || *content == std::string(3000, 'b')));
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
  fs::remove_all(dir);
}

TEST_CASE("atomic file: a missing file reads as nullopt, an unwritable place throws") {
  auto dir = fresh_dir("cdc_atomic_file_missing");
  CHECK_FALSE(read_file(dir / "absent").has_value());
  CHECK_THROWS_AS(write_file_atomically("/proc/cdc-cannot-write-here/x", "y"), std::exception);
}
