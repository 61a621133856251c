#include "connectors/mysql/format_description_event.h"

#include <array>
#include <charconv>
#include <string_view>

#include <fmt/format.h>

#include "connectors/mysql/binlog_event.h"
#include "core/errors.h"

namespace cdc::mysql {
namespace {

constexpr size_t kServerVersionLength = 50;
constexpr size_t kAlgorithmAndChecksum = 1 + kChecksumLength;

// "8.0.32-log" -> {8, 0, 32}. Missing parts are 0.
std::array<int, 3> split_version(std::string_view version) {
  std::array<int, 3> parts{0, 0, 0};
  const char* p = version.data();
  const char* end = p + version.size();
  for (int& part : parts) {
    auto [next, ec] = std::from_chars(p, end, part);
    if (ec != std::errc()) break;
    p = next;
    if (p == end || *p != '.') break;
    ++p;
  }
  return parts;
}

// Servers from these versions on append the checksum algorithm to the FDE
// (MySQL: Format_description_event, checksum_version_split).
bool is_checksum_aware(std::string_view version) {
  const std::array<int, 3> v = split_version(version);
  if (version.find("MariaDB") != std::string_view::npos) return v >= std::array<int, 3>{5, 3, 0};
  return v >= std::array<int, 3>{5, 6, 1};
}

}  // namespace

bool FormatDescriptionEvent::is_mariadb() const {
  return server_version.find("MariaDB") != std::string::npos;
}

uint8_t FormatDescriptionEvent::post_header_length(EventType type, uint8_t fallback) const {
  const size_t code = static_cast<size_t>(type);
  if (code == 0 || code > post_header_lengths.size()) return fallback;
  return post_header_lengths[code - 1];
}

FormatDescriptionEvent decode_format_description(Bytes event) {
  const EventHeader header = decode_event_header(event);
  if (header.event_size != event.size()) {
    throw ProtocolError(fmt::format("format description: header says {} bytes, got {}",
                                    header.event_size, event.size()));
  }
  Bytes body = event.subspan(kEventHeaderLength);
  ByteReader r(body, kEventHeaderLength, "format description event");
  FormatDescriptionEvent fde;
  fde.binlog_version = r.u16("binlog version");
  const std::string_view version = r.str(kServerVersionLength, "server version");
  fde.server_version = std::string(version.substr(0, version.find('\0')));
  fde.create_timestamp = r.u32("create timestamp");
  fde.common_header_length = r.u8("common header length");
  if (fde.common_header_length != kEventHeaderLength) {
    r.fail(fmt::format("common header length {} (only binlog v4's 19 is supported)",
                       fde.common_header_length));
  }
  size_t types = r.remaining();
  if (is_checksum_aware(fde.server_version)) {
    if (types < kAlgorithmAndChecksum) r.fail("no room for the checksum algorithm");
    types -= kAlgorithmAndChecksum;
  }
  const Bytes lengths = r.bytes(types, "post-header lengths");
  fde.post_header_lengths.reserve(types);
  for (std::byte b : lengths) fde.post_header_lengths.push_back(std::to_integer<uint8_t>(b));
  if (!r.at_end()) {
    const uint8_t alg = r.u8("checksum algorithm");
    switch (alg) {
      case 0:
        fde.checksum = ChecksumAlgorithm::kOff;
        break;
      case 1:
        fde.checksum = ChecksumAlgorithm::kCrc32;
        split_event(event, fde.checksum, /*verify=*/true);
        break;
      default:
        r.fail(fmt::format("unknown checksum algorithm {}", alg));
    }
  }
  return fde;
}

}  // namespace cdc::mysql
