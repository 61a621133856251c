// CRC-32 as the binlog uses it (zlib's crc32: reflected polynomial 0xEDB88320, initial
// and final XOR 0xFFFFFFFF). MySQL: checksum_crc32() in mysys/checksum.cc.
#pragma once

#include <cstdint>

#include "connectors/mysql/byte_reader.h"

namespace cdc::mysql {

// Continues a running CRC: crc32(b, crc32(a)) == crc32(a + b). Start with 0. Every event
// of the stream is checksummed: on x86-64 CPUs with carry-less multiplication (PCLMULQDQ,
// nearly all since 2010) 64 bytes are folded per step, else table lookups do it.
uint32_t crc32(Bytes bytes, uint32_t crc = 0);

// The same by table lookups alone (slicing by 8): what crc32() does without PCLMULQDQ,
// and what tests check it against.
uint32_t crc32_by_tables(Bytes bytes, uint32_t crc = 0);

}  // namespace cdc::mysql
