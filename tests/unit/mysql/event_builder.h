// Builds binlog bytes by hand for tests, field by field as the server documentation
// lays them out (see the layouts cited in connectors/mysql/*.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "connectors/mysql/binlog_constants.h"
#include "connectors/mysql/byte_reader.h"

namespace cdc::mysql::testing {

class ByteWriter {
 public:
  ByteWriter& u8(uint64_t v) { return le(v, 1); }
  ByteWriter& u16(uint64_t v) { return le(v, 2); }
  ByteWriter& u24(uint64_t v) { return le(v, 3); }
  ByteWriter& u32(uint64_t v) { return le(v, 4); }
  ByteWriter& u48(uint64_t v) { return le(v, 6); }
  ByteWriter& u64(uint64_t v) { return le(v, 8); }
  ByteWriter& le(uint64_t v, size_t n);
  ByteWriter& be(uint64_t v, size_t n);
  ByteWriter& packed(uint64_t v);  // MySQL length-encoded integer
  ByteWriter& str(std::string_view s);
  ByteWriter& raw(Bytes b);
  ByteWriter& hex(std::string_view hex);  // "0a ff 10", spaces ignored

  const std::vector<std::byte>& bytes() const { return bytes_; }
  Bytes view() const { return bytes_; }
  size_t size() const { return bytes_.size(); }

 private:
  std::vector<std::byte> bytes_;
};

struct EventOptions {
  uint32_t timestamp = 1700000000;
  uint32_t server_id = 1;
  uint32_t log_pos = 0;
  uint16_t flags = 0;
  bool crc32 = false;
};

// Header + body (+ CRC32 trailer when options.crc32).
std::vector<std::byte> make_event(EventType type, Bytes body, EventOptions options = {});
std::vector<std::byte> make_event(uint8_t type_code, Bytes body, EventOptions options = {});

// A FORMAT_DESCRIPTION_EVENT of a checksum-aware server (`server_version` >= 5.6.1)
// with MySQL 8's post-header lengths for the event types this library decodes.
std::vector<std::byte> make_format_description(std::string_view server_version,
                                               ChecksumAlgorithm checksum);

}  // namespace cdc::mysql::testing
