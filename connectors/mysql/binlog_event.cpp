#include "connectors/mysql/binlog_event.h"

#include <array>
#include <cstring>

#include <fmt/format.h>

#include "connectors/mysql/crc32.h"
#include "core/errors.h"

namespace cdc::mysql {
namespace {

// The flags field sits at offset 17 of the common header.
constexpr size_t kFlagsOffset = 17;

uint32_t crc_with_in_use_flag_cleared(Bytes covered) {
  std::array<std::byte, kEventHeaderLength> header;
  std::memcpy(header.data(), covered.data(), header.size());
  header[kFlagsOffset] &= ~std::byte{kFlagBinlogInUse};
  return crc32(covered.subspan(header.size()), crc32(header));
}

}  // namespace

EventHeader decode_event_header(Bytes event) {
  ByteReader r(event, 0, "event header");
  EventHeader h;
  h.timestamp = r.u32("timestamp");
  h.type_code = r.u8("event type");
  h.server_id = r.u32("server id");
  h.event_size = r.u32("event size");
  h.log_pos = r.u32("log position");
  h.flags = r.u16("flags");
  if (h.event_size < kEventHeaderLength) {
    throw ProtocolError(fmt::format("event header: event size {} is below the {}-byte header",
                                    h.event_size, kEventHeaderLength));
  }
  return h;
}

Bytes frame_event(Bytes rest, uint64_t offset, const char* where) {
  if (rest.size() < kEventHeaderLength) {
    throw ProtocolError(fmt::format("{}: {} trailing bytes at offset {} are not an event", where,
                                    rest.size(), offset));
  }
  const EventHeader header = decode_event_header(rest);
  if (header.event_size > rest.size()) {
    throw ProtocolError(fmt::format("{}: event at offset {} declares {} bytes, only {} remain",
                                    where, offset, header.event_size, rest.size()));
  }
  return rest.first(header.event_size);
}

RawEvent split_event(Bytes event, ChecksumAlgorithm checksum, bool verify) {
  RawEvent raw;
  raw.header = decode_event_header(event);
  if (raw.header.event_size != event.size()) {
    throw ProtocolError(fmt::format("event of type {}: header says {} bytes, got {}",
                                    raw.header.type_code, raw.header.event_size, event.size()));
  }
  raw.event = event;
  size_t body_end = event.size();
  if (checksum == ChecksumAlgorithm::kCrc32) {
    if (event.size() < kEventHeaderLength + kChecksumLength) {
      throw ProtocolError(fmt::format("event of type {}: {} bytes cannot hold a CRC32 trailer",
                                      raw.header.type_code, event.size()));
    }
    body_end -= kChecksumLength;
    if (verify) {
      const Bytes covered = event.first(body_end);
      const auto expected = static_cast<uint32_t>(load_le(event.data() + body_end, 4));
      const bool ok =
          crc32(covered) == expected || ((raw.header.flags & kFlagBinlogInUse) != 0 &&
                                         crc_with_in_use_flag_cleared(covered) == expected);
      if (!ok) {
        throw ProtocolError(fmt::format(
            "event of type {} ending at log position {}: CRC32 mismatch (trailer {:#010x})",
            raw.header.type_code, raw.header.log_pos, expected));
      }
    }
  }
  raw.body = event.subspan(kEventHeaderLength, body_end - kEventHeaderLength);
  return raw;
}

}  // namespace cdc::mysql
