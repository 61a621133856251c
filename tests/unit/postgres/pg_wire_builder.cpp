#include "pg_wire_builder.h"

#include <stdexcept>

namespace cdc::pg::testing {
namespace {

constexpr int64_t kPgEpochUnixMicros = 946'684'800'000'000;

uint64_t pg_time(int64_t unix_micros) {
  return static_cast<uint64_t>(unix_micros - kPgEpochUnixMicros);
}

WireBuilder start(char type, uint32_t stream_xid) {
  WireBuilder w;
  w.ch(type);
  if (stream_xid != 0) w.u32(stream_xid);
  return w;
}

}  // namespace

WireBuilder& WireBuilder::be(uint64_t v, size_t n) {
  for (size_t i = n; i-- > 0;) bytes_.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xff));
  return *this;
}

WireBuilder& WireBuilder::str(std::string_view s) {
  raw(s);
  bytes_.push_back(std::byte{0});
  return *this;
}

WireBuilder& WireBuilder::raw(std::string_view s) {
  for (char c : s) bytes_.push_back(static_cast<std::byte>(c));
  return *this;
}

WireBuilder& WireBuilder::raw(std::span<const std::byte> b) {
  bytes_.insert(bytes_.end(), b.begin(), b.end());
  return *this;
}

WireBuilder& WireBuilder::tuple(std::initializer_list<Col> columns) {
  return tuple(std::vector<Col>(columns));
}

WireBuilder& WireBuilder::tuple(const std::vector<Col>& columns) {
  u16(columns.size());
  for (const Col& c : columns) {
    ch(c.kind);
    if (c.kind == 't' || c.kind == 'b') u32(c.data.size()).raw(c.data);
  }
  return *this;
}

WireBuilder& WireBuilder::hex(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument("bad hex digit");
  };
  int high = -1;
  for (char c : hex) {
    if (c == ' ') continue;
    if (high < 0) {
      high = nibble(c);
    } else {
      bytes_.push_back(static_cast<std::byte>(high * 16 + nibble(c)));
      high = -1;
    }
  }
  if (high >= 0) throw std::invalid_argument("odd number of hex digits");
  return *this;
}

WireBuilder begin_msg(uint64_t final_lsn, int64_t commit_time_unix, uint32_t xid) {
  WireBuilder w;
  w.ch('B').u64(final_lsn).u64(pg_time(commit_time_unix)).u32(xid);
  return w;
}

WireBuilder commit_msg(uint64_t commit_lsn, uint64_t end_lsn, int64_t commit_time_unix) {
  WireBuilder w;
  w.ch('C').u8(0).u64(commit_lsn).u64(end_lsn).u64(pg_time(commit_time_unix));
  return w;
}

WireBuilder relation_msg(uint32_t oid, std::string_view schema, std::string_view name,
                         const std::vector<RelCol>& columns, char replident, uint32_t stream_xid) {
  WireBuilder w = start('R', stream_xid);
  w.u32(oid).str(schema).str(name).ch(replident).u16(columns.size());
  for (const RelCol& c : columns) {
    w.u8(c.key ? 1 : 0).str(c.name).u32(c.type_oid).u32(static_cast<uint32_t>(c.typmod));
  }
  return w;
}

WireBuilder type_msg(uint32_t oid, std::string_view schema, std::string_view name,
                     uint32_t stream_xid) {
  WireBuilder w = start('Y', stream_xid);
  w.u32(oid).str(schema).str(name);
  return w;
}

WireBuilder insert_msg(uint32_t oid, const std::vector<Col>& tuple, uint32_t stream_xid) {
  WireBuilder w = start('I', stream_xid);
  w.u32(oid).ch('N').tuple(tuple);
  return w;
}

WireBuilder update_msg(uint32_t oid, char old_kind, const std::vector<Col>& old_tuple,
                       const std::vector<Col>& new_tuple, uint32_t stream_xid) {
  WireBuilder w = start('U', stream_xid);
  w.u32(oid);
  if (old_kind != 0) w.ch(old_kind).tuple(old_tuple);
  w.ch('N').tuple(new_tuple);
  return w;
}

WireBuilder delete_msg(uint32_t oid, char old_kind, const std::vector<Col>& old_tuple,
                       uint32_t stream_xid) {
  WireBuilder w = start('D', stream_xid);
  w.u32(oid).ch(old_kind).tuple(old_tuple);
  return w;
}

WireBuilder truncate_msg(const std::vector<uint32_t>& oids, uint8_t options, uint32_t stream_xid) {
  WireBuilder w = start('T', stream_xid);
  w.u32(oids.size()).u8(options);
  for (uint32_t oid : oids) w.u32(oid);
  return w;
}

WireBuilder stream_start_msg(uint32_t xid, bool first_segment) {
  WireBuilder w;
  w.ch('S').u32(xid).u8(first_segment ? 1 : 0);
  return w;
}

WireBuilder stream_stop_msg() {
  WireBuilder w;
  w.ch('E');
  return w;
}

WireBuilder stream_commit_msg(uint32_t xid, uint64_t commit_lsn, uint64_t end_lsn,
                              int64_t commit_time_unix) {
  WireBuilder w;
  w.ch('c').u32(xid).u8(0).u64(commit_lsn).u64(end_lsn).u64(pg_time(commit_time_unix));
  return w;
}

WireBuilder stream_abort_msg(uint32_t xid, uint32_t subxid) {
  WireBuilder w;
  w.ch('A').u32(xid).u32(subxid);
  return w;
}

}  // namespace cdc::pg::testing
