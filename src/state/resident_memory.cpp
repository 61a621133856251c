#include "state/resident_memory.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace cdc::state {

uint64_t resident_file_bytes() {
  const int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char text[128];
  const ssize_t got = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  if (got <= 0) return 0;
  text[got] = '\0';
  unsigned long long size = 0;
  unsigned long long resident = 0;
  unsigned long long shared = 0;  // pages
  if (std::sscanf(text, "%llu %llu %llu", &size, &resident, &shared) != 3) return 0;
  return shared * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

Mapping file_mapping(const std::filesystem::path& file) {
  const std::string wanted = file.string();
  if (wanted.empty()) return {};
  std::ifstream maps("/proc/self/maps");
  std::string line;
  // "start-end perms offset dev inode   path": the path is all that follows the inode.
  while (std::getline(maps, line)) {
    const size_t path = line.find('/');
    if (path == std::string::npos || line.compare(path, std::string::npos, wanted) != 0) {
      continue;
    }
    unsigned long long start = 0;
    unsigned long long end = 0;
    if (std::sscanf(line.c_str(), "%llx-%llx", &start, &end) != 2) continue;
    return {reinterpret_cast<void*>(start), static_cast<size_t>(end - start)};
  }
  return {};
}

}  // namespace cdc::state
