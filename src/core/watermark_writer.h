// The one thing snapshots need to write into a source: a watermark, a marker that comes
// back through the change stream in commit order (DBLog's low and high watermarks around
// a chunk). PostgreSQL writes a transactional logical message; MySQL/MariaDB, which have
// none, a row of a small table (source.watermark_table). The stream hands it out as
// TransactionEnd::watermark.
#pragma once

#include <string>

namespace cdc {

class WatermarkWriter {
 public:
  virtual ~WatermarkWriter() = default;
  // Writes `watermark` in a transaction of its own, committed when this returns. Throws
  // SourceError when the server cannot be reached or refuses the write (a lost connection
  // is made again on the next call).
  virtual void write(const std::string& watermark) = 0;
};

}  // namespace cdc
