#include "support/temp_dir.h"

#include <stdlib.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <string>
#include <system_error>

namespace cdc::test {

std::filesystem::path make_temp_dir(std::string_view tag) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = (tmp != nullptr && *tmp != '\0') ? tmp : "/tmp";
  pattern += "/cdc-";
  pattern += tag;
  pattern += ".XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
  }
  return pattern;
}

TempDir::TempDir(std::string_view tag) : path_(make_temp_dir(tag)) {}

TempDir::~TempDir() {
  std::error_code ignored;  // a destructor has no one to report to; /tmp is cleaned anyway
  std::filesystem::remove_all(path_, ignored);
}

std::filesystem::path TempDir::write_file(const std::filesystem::path& relative,
                                          std::string_view text) const {
  std::filesystem::path target = path_ / relative;
  std::filesystem::create_directories(target.parent_path());
  std::ofstream out(target, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) {
    throw std::system_error(errno, std::generic_category(), "writing " + target.string());
  }
  return target;
}

}  // namespace cdc::test
