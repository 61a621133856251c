#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iterator>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

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
  // No temp file is left beside it.
  CHECK(std::distance(fs::directory_iterator(path.parent_path()), fs::directory_iterator()) == 1);
}

TEST_CASE("atomic file: a missing file reads as nullopt, an unwritable place throws") {
  const cdc::test::TempDir scratch("atomic-file");
  CHECK_FALSE(read_file(scratch.path() / "absent").has_value());
  CHECK_THROWS_AS(write_file_atomically("/proc/cdc-cannot-write-here/x", "y"), std::exception);
}

TEST_CASE("atomic file: writers of one file at once each use a temp file of their own") {
  const cdc::test::TempDir scratch("atomic-file");
  const auto dir = scratch.path();
  auto path = dir / "offsets.json";
  std::vector<std::string> contents;
  for (int i = 0; i < 4; ++i) contents.push_back(std::string(20000, static_cast<char>('a' + i)));
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (const std::string& content : contents) {
    writers.emplace_back([&, content] {
      for (int round = 0; round < 50; ++round) {
        try {
          write_file_atomically(path, content);
        } catch (const std::exception&) {
          ++failures;
        }
      }
    });
  }
  for (auto& writer : writers) writer.join();
  CHECK(failures.load() == 0);
  const auto final_content = read_file(path);
  REQUIRE(final_content.has_value());
  CHECK(std::find(contents.begin(), contents.end(), *final_content) != contents.end());
  // Only the file itself is left: no temp file of any writer.
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
}
