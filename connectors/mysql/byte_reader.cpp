#include "connectors/mysql/byte_reader.h"

#include <fmt/format.h>

#include "core/errors.h"

namespace cdc::mysql {

uint64_t ByteReader::packed(const char* field) {
  const uint8_t first = u8(field);
  switch (first) {
    case 0xfb:
      fail(fmt::format("{}: 0xfb (NULL) is not a valid length", field));
    case 0xfc:
      return le(2, field);
    case 0xfd:
      return le(3, field);
    case 0xfe:
      return le(8, field);
    case 0xff:
      fail(fmt::format("{}: 0xff is not a valid length prefix", field));
    default:
      return first;
  }
}

void ByteReader::fail(const std::string& message) const {
  throw ProtocolError(fmt::format("{} at offset {}: {}", what_, offset(), message));
}

void ByteReader::short_read(size_t n, const char* field) const {
  throw ProtocolError(fmt::format("{} at offset {}: {} needs {} bytes, only {} left", what_,
                                  offset(), field, n, remaining()));
}

}  // namespace cdc::mysql
