// The sink tests' scratch folders (the shared TempDir) and a file reader.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/temp_dir.h"

namespace cdc::sink::testing {

using cdc::test::TempDir;

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace cdc::sink::testing
