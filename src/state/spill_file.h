// SpillStore on a file: the records of one transaction that outgrew the memory budget,
// each a 4-byte little-endian length and the bytes. Files live in a directory of their
// own under state_dir (state_dir/spill for transactions, removed when they end and at
// every start; state_dir/mysql-xa for prepared XA transactions, kept until resolved).
#pragma once

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "core/spill_store.h"

namespace cdc::state {

class SpillFile final : public SpillStore {
 public:
  // Creates `path` (truncating it) for appending and reading back.
  static std::unique_ptr<SpillFile> create(const std::filesystem::path& path);
  // A file kept by keep(), for reading; it stays on disk when this object goes. Opened
  // only while being read: kept files hold no descriptor or buffer while they wait.
  static std::unique_ptr<SpillFile> open_kept(const std::filesystem::path& path);
  ~SpillFile() override;

  void append(std::string_view record) override;
  void keep() override;
  void rewind() override;
  bool next(std::string& record) override;

  const std::filesystem::path& path() const { return path_; }

 private:
  SpillFile(std::filesystem::path path, std::FILE* file, bool kept);
  void open(const char* mode);
  void close();
  [[noreturn]] void fail(const std::string& what) const;

  std::filesystem::path path_;
  std::FILE* file_;  // null while a kept file is not being read or written
  bool kept_;
  bool writing_ = true;
};

// The directory of transaction spill files. Thread-safe.
class SpillDirectory {
 public:
  // Creates `dir` when missing and removes every file an earlier process left in it:
  // those belonged to transactions it never handed out, which the source sends again.
  // Throws std::system_error naming the directory.
  explicit SpillDirectory(std::filesystem::path dir);

  // A factory of new files with names unique in this directory.
  SpillStoreFactory factory();

  const std::filesystem::path& path() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::shared_ptr<std::atomic<uint64_t>> counter_;
};

}  // namespace cdc::state
