// Frames the events of a whole binlog file held in memory (tests, tools, the fuzzer):
// the magic "\xfe bin", then events back to back, each as long as its header says.
// It only frames; checksums and bodies are the EventDecoder's job, so file bytes and
// stream packets go through the same decoding.
#pragma once

#include <cstdint>
#include <optional>

#include "connectors/mysql/byte_reader.h"

namespace cdc::mysql {

struct FileEvent {
  uint64_t offset = 0;  // where the event starts in the file
  Bytes event;          // header + body + trailer; a view into the file bytes
};

class BinlogFileReader {
 public:
  // Throws ProtocolError when the file does not start with the binlog magic.
  // `file` must outlive the reader and every FileEvent it returns.
  explicit BinlogFileReader(Bytes file);

  // The next event, or nullopt at the end of the file. Throws ProtocolError when an
  // event's declared size runs past the end of the file or is below the header size.
  std::optional<FileEvent> next();

 private:
  Bytes file_;
  uint64_t offset_;
};

}  // namespace cdc::mysql
