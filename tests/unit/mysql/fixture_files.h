// Access to the binlog fixtures (tests/fixtures/mysql-binlog, see its README.md) and to
// the mariadb-binlog tool the fixture tests compare against.
#pragma once

#include <filesystem>
#include <string>

namespace cdc::mysql::testing {

// CDC_FIXTURES_DIR from the environment, else the path compiled in.
std::filesystem::path fixtures_dir();

std::string read_file(const std::filesystem::path& path);

// A file in the temp directory, removed when this goes out of scope.
class TempFile {
 public:
  TempFile();
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs a shell command and returns its standard output; throws std::runtime_error
// when it cannot start or exits non-zero (unless `allow_failure`).
std::string run_command(const std::string& command, bool allow_failure = false);

// `gzip -dc source > target`.
void gunzip(const std::filesystem::path& source, const std::filesystem::path& target);

// `mariadb-binlog --base64-output=decode-rows --verbose file`, stderr discarded. The
// tool exits non-zero on events it cannot read (MySQL 8 payloads); what it printed
// before is returned.
std::string mariadb_binlog_verbose(const std::filesystem::path& file);

}  // namespace cdc::mysql::testing
