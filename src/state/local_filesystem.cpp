#include "state/local_filesystem.h"

#include <sys/vfs.h>

#include <array>
#include <cstdint>
#include <system_error>
#include <utility>

namespace cdc::state {
namespace {

// statfs(2)'s f_type values, from linux/magic.h and the filesystems' own sources (not
// every one is in the header Debian ships).
constexpr std::array<std::pair<uint32_t, const char*>, 12> kRemote{{
    {0x6969, "nfs"},
    {0x517B, "smb"},
    {0xFF534D42, "cifs"},
    {0xFE534D42, "smb2"},
    {0x01021997, "9p"},
    {0x65735546, "fuse"},
    {0x00C36400, "ceph"},
    {0x5346414F, "afs"},
    {0x6B414653, "afs"},
    {0x73757245, "coda"},
    {0x0BD00BD0, "lustre"},
    {0x47504653, "gpfs"},
}};

}  // namespace

std::optional<std::string> remote_filesystem_type(long f_type) {
  // f_type is a signed long holding a 32-bit magic: CIFS's sign-extends on some ABIs.
  const auto magic = static_cast<uint32_t>(f_type);
  for (const auto& [known, name] : kRemote) {
    if (known == magic) return name;
  }
  return std::nullopt;
}

std::optional<std::string> remote_filesystem(const std::filesystem::path& path) {
  std::filesystem::path at = path.empty() ? std::filesystem::path(".") : path;
  std::error_code error;
  while (!std::filesystem::exists(at, error)) {
    auto parent = at.parent_path();
    if (parent.empty() || parent == at) break;
    at = std::move(parent);
  }
  struct statfs info {};
  if (statfs(at.c_str(), &info) != 0) return std::nullopt;
  return remote_filesystem_type(static_cast<long>(info.f_type));
}

}  // namespace cdc::state
