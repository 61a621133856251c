#include "event_builder.h"

#include <stdexcept>

#include "connectors/mysql/crc32.h"

namespace cdc::mysql::testing {

ByteWriter& ByteWriter::le(uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) bytes_.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xff));
  return *this;
}

ByteWriter& ByteWriter::be(uint64_t v, size_t n) {
  for (size_t i = n; i-- > 0;) bytes_.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xff));
  return *this;
}

ByteWriter& ByteWriter::packed(uint64_t v) {
  if (v < 251) return u8(v);
  if (v < (1u << 16)) return u8(0xfc).u16(v);
  if (v < (1u << 24)) return u8(0xfd).u24(v);
  return u8(0xfe).u64(v);
}

ByteWriter& ByteWriter::str(std::string_view s) { return raw(as_bytes(s)); }

ByteWriter& ByteWriter::raw(Bytes b) {
  bytes_.insert(bytes_.end(), b.begin(), b.end());
  return *this;
}

ByteWriter& ByteWriter::hex(std::string_view hex) {
  int pending = -1;
  for (char c : hex) {
    if (c == ' ' || c == '\n') continue;
    int nibble = 0;
    if (c >= '0' && c <= '9') {
      nibble = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      nibble = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      nibble = c - 'A' + 10;
    } else {
      throw std::invalid_argument("bad hex digit");
    }
    if (pending < 0) {
      pending = nibble;
    } else {
      bytes_.push_back(static_cast<std::byte>(pending << 4 | nibble));
      pending = -1;
    }
  }
  if (pending >= 0) throw std::invalid_argument("odd number of hex digits");
  return *this;
}

std::vector<std::byte> make_event(uint8_t type_code, Bytes body, EventOptions options) {
  const size_t size = kEventHeaderLength + body.size() + (options.crc32 ? kChecksumLength : 0);
  ByteWriter w;
  w.u32(options.timestamp)
      .u8(type_code)
      .u32(options.server_id)
      .u32(size)
      .u32(options.log_pos)
      .u16(options.flags)
      .raw(body);
  if (options.crc32) w.u32(crc32(w.view()));
  return w.bytes();
}

std::vector<std::byte> make_event(EventType type, Bytes body, EventOptions options) {
  return make_event(static_cast<uint8_t>(type), body, options);
}

std::vector<std::byte> make_format_description(std::string_view server_version,
                                               ChecksumAlgorithm checksum) {
  std::vector<uint8_t> post_headers(42, 0);
  auto set = [&](EventType t, uint8_t length) {
    post_headers[static_cast<size_t>(t) - 1] = length;
  };
  set(EventType::kQuery, 13);
  set(EventType::kRotate, 8);
  set(EventType::kTableMap, 8);
  set(EventType::kWriteRowsV1, 8);
  set(EventType::kUpdateRowsV1, 8);
  set(EventType::kDeleteRowsV1, 8);
  set(EventType::kWriteRows, 10);
  set(EventType::kUpdateRows, 10);
  set(EventType::kDeleteRows, 10);
  set(EventType::kPartialUpdateRows, 10);
  set(EventType::kGtid, 42);
  set(EventType::kAnonymousGtid, 42);
  ByteWriter body;
  body.u16(4);
  std::string version(server_version);
  version.resize(50, '\0');
  body.str(version).u32(1700000000).u8(kEventHeaderLength);
  for (uint8_t l : post_headers) body.u8(l);
  body.u8(static_cast<uint8_t>(checksum));
  // The FDE carries a checksum slot whatever the algorithm; with CRC32 it is real.
  if (checksum == ChecksumAlgorithm::kCrc32) {
    return make_event(EventType::kFormatDescription, body.view(), {.crc32 = true});
  }
  body.u32(0);
  return make_event(EventType::kFormatDescription, body.view());
}

}  // namespace cdc::mysql::testing
