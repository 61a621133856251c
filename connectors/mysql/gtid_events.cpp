#include "connectors/mysql/gtid_events.h"

#include "connectors/mysql/control_events.h"

#include <bit>

#include <fmt/format.h>

namespace cdc::mysql {
namespace {

constexpr uint8_t kLogicalTimestampTypecode = 2;
constexpr uint64_t kCommitTimestampOriginalFollows = uint64_t{1} << 55;
constexpr uint32_t kServerVersionOriginalFollows = uint32_t{1} << 31;

// A MySQL serialization-library varlen integer: the count of trailing one bits of the
// first byte, plus one, is the total length; the value follows those marker bits,
// little-endian (libs/mysql/serialization/variable_length_integers.h).
uint64_t read_varlen(ByteReader& r, const char* field) {
  const uint8_t first = r.u8(field);
  const int length = std::countr_one(first) + 1;
  if (length == 1) return first >> 1;
  const uint64_t rest = r.le(static_cast<size_t>(length - 1), field);
  // Lengths up to 8 keep (8 - length) value bits in the first byte; 9 keeps none.
  const int shift = length == 9 ? 0 : 8 - length;
  const uint64_t low = length == 9 ? 0 : uint64_t{first} >> length;
  return low | (rest << shift);
}

int64_t read_varlen_signed(ByteReader& r, const char* field) {
  const uint64_t v = read_varlen(r, field);
  const uint64_t magnitude = v >> 1;
  return (v & 1) ? static_cast<int64_t>(~magnitude) : static_cast<int64_t>(magnitude);
}

Uuid read_uuid(ByteReader& r) {
  Uuid u;
  const Bytes b = r.bytes(16, "uuid");
  for (size_t i = 0; i < 16; ++i) u.bytes[i] = std::to_integer<uint8_t>(b[i]);
  return u;
}

ByteReader body_reader(const RawEvent& raw, const char* what) {
  return ByteReader(raw.body, kEventHeaderLength, what);
}

std::string format_intervals(const std::vector<GtidSetEntry::Interval>& intervals) {
  std::string out;
  for (const auto& iv : intervals) {
    out += ':';
    out += iv.end - 1 > iv.start ? fmt::format("{}-{}", iv.start, iv.end - 1)
                                 : std::to_string(iv.start);
  }
  return out;
}

}  // namespace

std::string Uuid::to_string() const {
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += fmt::format("{:02x}", bytes[i]);
  }
  return out;
}

std::string GtidEvent::to_string() const {
  if (anonymous) return "ANONYMOUS";
  if (tag.empty()) return fmt::format("{}:{}", source_id.to_string(), gno);
  return fmt::format("{}:{}:{}", source_id.to_string(), tag, gno);
}

std::string PreviousGtidsEvent::to_string() const {
  std::string out;
  for (size_t i = 0; i < sets.size(); ++i) {
    const GtidSetEntry& e = sets[i];
    const bool same_source = i > 0 && sets[i - 1].source_id == e.source_id;
    if (!same_source) {
      if (i > 0) out += ',';
      out += e.source_id.to_string();
    }
    if (!e.tag.empty()) out += ':' + e.tag;
    out += format_intervals(e.intervals);
  }
  return out;
}

std::string MariadbGtid::to_string() const {
  return fmt::format("{}-{}-{}", domain_id, server_id, sequence);
}

GtidEvent decode_gtid(const RawEvent& raw) {
  ByteReader r = body_reader(raw, "gtid event");
  GtidEvent e;
  e.anonymous = raw.header.type() == EventType::kAnonymousGtid;
  e.flags = r.u8("flags");
  e.source_id = read_uuid(r);
  e.gno = static_cast<int64_t>(r.u64("gno"));
  // Each later field exists only from some server version on; its absence ends the
  // event (MySQL 5.6 stops after the gno).
  if (r.at_end() || std::to_integer<uint8_t>(r.rest()[0]) != kLogicalTimestampTypecode) return e;
  r.skip(1, "logical timestamp typecode");
  e.last_committed = static_cast<int64_t>(r.u64("last committed"));
  e.sequence_number = static_cast<int64_t>(r.u64("sequence number"));
  if (r.remaining() < 7) return e;
  e.immediate_commit_timestamp = r.le(7, "immediate commit timestamp");
  e.original_commit_timestamp = e.immediate_commit_timestamp;
  if (e.immediate_commit_timestamp & kCommitTimestampOriginalFollows) {
    e.immediate_commit_timestamp &= ~kCommitTimestampOriginalFollows;
    e.original_commit_timestamp = r.le(7, "original commit timestamp");
  }
  if (r.at_end()) return e;
  e.transaction_length = r.packed("transaction length");
  if (r.remaining() < 4) return e;
  e.immediate_server_version = r.u32("immediate server version");
  e.original_server_version = e.immediate_server_version;
  if (e.immediate_server_version & kServerVersionOriginalFollows) {
    e.immediate_server_version &= ~kServerVersionOriginalFollows;
    e.original_server_version = r.u32("original server version");
  }
  return e;
}

GtidEvent decode_tagged_gtid(const RawEvent& raw) {
  ByteReader r = body_reader(raw, "tagged gtid event");
  const uint8_t version = r.u8("serialization version");
  if (version == 0) r.fail("serialization version 0 is not a tagged GTID");
  // payload_size counts every byte of the message from the version byte on.
  const uint64_t payload_size = read_varlen(r, "payload size");
  const uint64_t last_non_ignorable = read_varlen(r, "last non-ignorable field id");
  if (payload_size < r.position() || payload_size > raw.body.size()) {
    r.fail(fmt::format("payload size {} does not fit the {}-byte event body", payload_size,
                       raw.body.size()));
  }
  ByteReader f(raw.body.subspan(0, payload_size), kEventHeaderLength, "tagged gtid event");
  f.skip(r.position(), "message envelope");
  GtidEvent e;
  bool original_timestamp = false;
  bool original_version = false;
  bool readable = true;
  while (readable && !f.at_end()) {
    const uint64_t field = read_varlen(f, "field id");
    switch (field) {
      case 0:
        e.flags = static_cast<uint8_t>(read_varlen(f, "flags"));
        break;
      case 1:
        for (uint8_t& b : e.source_id.bytes) b = static_cast<uint8_t>(read_varlen(f, "sid"));
        break;
      case 2:
        e.gno = read_varlen_signed(f, "gno");
        break;
      case 3: {
        const uint64_t length = read_varlen(f, "tag length");
        e.tag = std::string(f.str(length, "tag"));
        break;
      }
      case 4:
        e.last_committed = read_varlen_signed(f, "last committed");
        break;
      case 5:
        e.sequence_number = read_varlen_signed(f, "sequence number");
        break;
      case 6:
        e.immediate_commit_timestamp = read_varlen(f, "immediate commit timestamp");
        break;
      case 7:
        e.original_commit_timestamp = read_varlen(f, "original commit timestamp");
        original_timestamp = true;
        break;
      case 8:
        e.transaction_length = read_varlen(f, "transaction length");
        break;
      case 9:
        e.immediate_server_version = static_cast<uint32_t>(read_varlen(f, "server version"));
        break;
      case 10:
        e.original_server_version = static_cast<uint32_t>(read_varlen(f, "server version"));
        original_version = true;
        break;
      case 11:
        read_varlen(f, "commit group ticket");
        break;
      default:
        // Unknown fields have no self-described length: a newer server's ignorable
        // field ends what we can read; a non-ignorable one means we cannot decode.
        if (field <= last_non_ignorable) {
          f.fail(fmt::format("unknown non-ignorable field {}", field));
        }
        readable = false;
        break;
    }
  }
  if (!original_timestamp) e.original_commit_timestamp = e.immediate_commit_timestamp;
  if (!original_version) e.original_server_version = e.immediate_server_version;
  if (e.tag.empty()) r.fail("tagged GTID without a tag");
  return e;
}

PreviousGtidsEvent decode_previous_gtids(const RawEvent& raw) {
  ByteReader r = body_reader(raw, "previous gtids event");
  PreviousGtidsEvent e;
  const uint64_t header = r.u64("sid count");
  const bool tagged = (header >> 56) == 1;
  const uint64_t count = tagged ? (header >> 8) & 0xffffffffffffULL : header;
  // Each entry takes at least 24 bytes: bound the count before reserving.
  if (count > r.remaining() / 24) r.fail(fmt::format("{} sids cannot fit", count));
  e.sets.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    GtidSetEntry entry;
    entry.source_id = read_uuid(r);
    if (tagged) {
      const uint64_t length = read_varlen(r, "tag length");
      entry.tag = std::string(r.str(length, "tag"));
    }
    const uint64_t intervals = r.u64("interval count");
    if (intervals > r.remaining() / 16) r.fail(fmt::format("{} intervals cannot fit", intervals));
    entry.intervals.reserve(intervals);
    for (uint64_t k = 0; k < intervals; ++k) {
      GtidSetEntry::Interval iv;
      iv.start = static_cast<int64_t>(r.u64("interval start"));
      iv.end = static_cast<int64_t>(r.u64("interval end"));
      entry.intervals.push_back(iv);
    }
    e.sets.push_back(std::move(entry));
  }
  return e;
}

MariadbGtidEvent decode_mariadb_gtid(const RawEvent& raw) {
  ByteReader r = body_reader(raw, "mariadb gtid event");
  MariadbGtidEvent e;
  e.gtid.sequence = r.u64("sequence");
  e.gtid.domain_id = r.u32("domain id");
  e.gtid.server_id = raw.header.server_id;
  e.flags = r.u8("flags");
  if (e.flags & MariadbGtidEvent::kGroupCommitId) e.commit_id = r.u64("commit id");
  if (e.flags & (MariadbGtidEvent::kPreparedXa | MariadbGtidEvent::kCompletedXa)) {
    const auto format_id = static_cast<int32_t>(r.u32("xa format id"));
    const uint8_t gtrid_length = r.u8("xa gtrid length");
    const uint8_t bqual_length = r.u8("xa bqual length");
    if (gtrid_length > 64 || bqual_length > 64) {
      r.fail(fmt::format("xid parts of {} and {} bytes (at most 64 each)", gtrid_length,
                         bqual_length));
    }
    const std::string_view gtrid = r.str(gtrid_length, "xa gtrid");
    const std::string_view bqual = r.str(bqual_length, "xa bqual");
    e.xa_xid = xid_text(format_id, gtrid, bqual);
  }
  return e;
}

MariadbGtidListEvent decode_mariadb_gtid_list(const RawEvent& raw) {
  ByteReader r = body_reader(raw, "mariadb gtid list event");
  MariadbGtidListEvent e;
  const uint32_t word = r.u32("gtid count");
  const uint32_t count = word & 0x0fffffff;
  e.flags = word >> 28;
  if (count > r.remaining() / 16) r.fail(fmt::format("{} gtids cannot fit", count));
  e.gtids.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    MariadbGtid g;
    g.domain_id = r.u32("domain id");
    g.server_id = r.u32("server id");
    g.sequence = r.u64("sequence");
    e.gtids.push_back(g);
  }
  return e;
}

}  // namespace cdc::mysql
