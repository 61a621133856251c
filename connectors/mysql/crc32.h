// CRC-32 as the binlog uses it (zlib's crc32: reflected polynomial 0xEDB88320, initial
// and final XOR 0xFFFFFFFF). MySQL: checksum_crc32() in mysys/checksum.cc.
#pragma once

#include <cstdint>

#include "connectors/mysql/byte_reader.h"

namespace cdc::mysql {

// Continues a running CRC: crc32(b, crc32(a)) == crc32(a + b). Start with 0.
uint32_t crc32(Bytes bytes, uint32_t crc = 0);

}  // namespace cdc::mysql
