#include "connectors/mysql/binlog_file_reader.h"

#include <cstring>

#include "connectors/mysql/binlog_constants.h"
#include "connectors/mysql/binlog_event.h"
#include "core/errors.h"

namespace cdc::mysql {

BinlogFileReader::BinlogFileReader(Bytes file) : file_(file), offset_(sizeof kBinlogMagic) {
  if (file.size() < sizeof kBinlogMagic ||
      std::memcmp(file.data(), kBinlogMagic, sizeof kBinlogMagic) != 0) {
    throw ProtocolError("binlog file: missing the \\xfebin magic at offset 0");
  }
}

std::optional<FileEvent> BinlogFileReader::next() {
  if (offset_ == file_.size()) return std::nullopt;
  FileEvent event{offset_, frame_event(file_.subspan(offset_), offset_, "binlog file")};
  offset_ += event.event.size();
  return event;
}

}  // namespace cdc::mysql
