#include "fixture_files.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include <unistd.h>

namespace cdc::mysql::testing {

std::filesystem::path fixtures_dir() {
  if (const char* env = std::getenv("CDC_FIXTURES_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return CDC_FIXTURES_DIR;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TempFile::TempFile() {
  std::string pattern = (std::filesystem::temp_directory_path() / "cdc-mysql-XXXXXX").string();
  const int fd = mkstemp(pattern.data());
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  close(fd);
  path_ = pattern;
}

TempFile::~TempFile() {
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

std::string run_command(const std::string& command, bool allow_failure) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run: " + command);
  std::string out;
  char buf[65536];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  const int status = pclose(pipe);
  if (status != 0 && !allow_failure) {
    throw std::runtime_error("command failed (" + std::to_string(status) + "): " + command);
  }
  return out;
}

void gunzip(const std::filesystem::path& source, const std::filesystem::path& target) {
  run_command("gzip -dc '" + source.string() + "' > '" + target.string() + "'");
}

std::string mariadb_binlog_verbose(const std::filesystem::path& file) {
  run_command("command -v mariadb-binlog >/dev/null");  // fails loudly when not installed
  return run_command(
      "mariadb-binlog --base64-output=decode-rows --verbose '" + file.string() + "' 2>/dev/null",
      /*allow_failure=*/true);
}

}  // namespace cdc::mysql::testing
