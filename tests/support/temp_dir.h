// A scratch directory for one test (state dirs, config files), removed with everything in
// it when the object goes away.
#pragma once

#include <filesystem>
#include <string_view>

namespace cdc::test {

class TempDir {
 public:
  // Creates $TMPDIR/cdc-<tag>.XXXXXX (or under /tmp). Throws std::system_error on failure.
  explicit TempDir(std::string_view tag = "test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Writes `text` to path()/relative (creating parent directories) and returns the path.
  std::filesystem::path write_file(const std::filesystem::path& relative,
                                   std::string_view text) const;

 private:
  std::filesystem::path path_;
};

// Creates a fresh directory $TMPDIR/cdc-<tag>.XXXXXX (or under /tmp) and returns its path;
// the caller removes it. Throws std::system_error on failure.
std::filesystem::path make_temp_dir(std::string_view tag);

}  // namespace cdc::test
