// The committed position of a MySQL/MariaDB source, in state_dir: the place to resume
// after the last transaction whose calls were all acknowledged or dead-lettered.
//   {"file": "binlog.000007", "offset": 1234, "gtid_state": "0-1-42",
//    "after": "mysql:binlog.000007:1100:3"}
// ("after": the transaction it follows, ResumePoint::after; absent when unknown.)
// Written atomically (temp file, fsync, rename, fsync directory): a crash leaves the
// old position or the new one, never a mix.
#pragma once

#include <filesystem>
#include <optional>

#include "connectors/mysql/resume_point.h"

namespace cdc::mysql {

class BinlogPositionFile {
 public:
  explicit BinlogPositionFile(std::filesystem::path path) : path_(std::move(path)) {}
  // The one place the file's name is written: state_dir/mysql_position.json.
  static BinlogPositionFile in(const std::filesystem::path& state_dir) {
    return BinlogPositionFile(state_dir / "mysql_position.json");
  }

  // The stored position, or nullopt when there is none yet. Throws SourceError naming
  // the file when it cannot be read or parsed (a damaged file is not guessed around).
  std::optional<ResumePoint> load() const;
  void store(const ResumePoint& at) const;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace cdc::mysql
