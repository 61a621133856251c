// How much of the process's resident memory is backed by files, the kernel's own count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>

namespace cdc::state {

// The bytes of file-backed and shared memory the process has mapped and resident
// (/proc/self/statm's third field: RssFile + RssShmem); 0 when it cannot be read.
// Thread-safe; costs one small read of /proc.
uint64_t resident_file_bytes();

// Where the process maps `file` (an absolute path, as /proc/self/maps names it): the first
// mapping's address and length, or a null address when it is not mapped.
struct Mapping {
  void* address = nullptr;
  size_t length = 0;
};
Mapping file_mapping(const std::filesystem::path& file);

}  // namespace cdc::state
