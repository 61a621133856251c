// Builds PostgreSQL replication bytes by hand for tests, field by field as "Logical
// Replication Message Formats" and "Streaming Replication Protocol" lay them out
// (big-endian integers, NUL-terminated Strings, TupleData).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cdc::pg::testing {

// One TupleData column: kind 'n', 'u', 't' or 'b' and, for 't'/'b', its bytes.
struct Col {
  char kind = 'n';
  std::string data;
};
inline Col text(std::string_view v) { return {'t', std::string(v)}; }
inline Col null_col() { return {'n', {}}; }
inline Col unchanged() { return {'u', {}}; }
inline Col binary(std::string_view v) { return {'b', std::string(v)}; }

struct RelCol {
  std::string name;
  uint32_t type_oid = 25;
  bool key = false;
  int32_t typmod = -1;
};

class WireBuilder {
 public:
  WireBuilder& u8(uint64_t v) { return be(v, 1); }
  WireBuilder& u16(uint64_t v) { return be(v, 2); }
  WireBuilder& u32(uint64_t v) { return be(v, 4); }
  WireBuilder& u64(uint64_t v) { return be(v, 8); }
  WireBuilder& be(uint64_t v, size_t n);
  WireBuilder& ch(char c) { return u8(static_cast<uint8_t>(c)); }
  WireBuilder& str(std::string_view s);  // protocol String: bytes and a NUL
  WireBuilder& raw(std::string_view s);
  WireBuilder& raw(std::span<const std::byte> b);
  WireBuilder& tuple(std::initializer_list<Col> columns);
  WireBuilder& tuple(const std::vector<Col>& columns);
  WireBuilder& hex(std::string_view hex);  // "0a ff 10", spaces ignored

  const std::vector<std::byte>& bytes() const { return bytes_; }
  std::span<const std::byte> view() const { return bytes_; }
  size_t size() const { return bytes_.size(); }
  // The first `n` bytes: a message cut short.
  std::span<const std::byte> prefix(size_t n) const { return view().first(n); }

 private:
  std::vector<std::byte> bytes_;
};

// pgoutput messages. `stream_xid` != 0 writes the leading xid of a message inside a
// streamed transaction. Times are Unix microseconds (written PostgreSQL-epoch).
WireBuilder begin_msg(uint64_t final_lsn, int64_t commit_time_unix, uint32_t xid);
WireBuilder commit_msg(uint64_t commit_lsn, uint64_t end_lsn, int64_t commit_time_unix);
WireBuilder relation_msg(uint32_t oid, std::string_view schema, std::string_view name,
                         const std::vector<RelCol>& columns, char replident = 'd',
                         uint32_t stream_xid = 0);
WireBuilder type_msg(uint32_t oid, std::string_view schema, std::string_view name,
                     uint32_t stream_xid = 0);
WireBuilder insert_msg(uint32_t oid, const std::vector<Col>& tuple, uint32_t stream_xid = 0);
// old_kind: 0 (no old tuple), 'K' or 'O'.
WireBuilder update_msg(uint32_t oid, char old_kind, const std::vector<Col>& old_tuple,
                       const std::vector<Col>& new_tuple, uint32_t stream_xid = 0);
WireBuilder delete_msg(uint32_t oid, char old_kind, const std::vector<Col>& old_tuple,
                       uint32_t stream_xid = 0);
WireBuilder truncate_msg(const std::vector<uint32_t>& oids, uint8_t options,
                         uint32_t stream_xid = 0);
WireBuilder stream_start_msg(uint32_t xid, bool first_segment);
WireBuilder stream_stop_msg();
WireBuilder stream_commit_msg(uint32_t xid, uint64_t commit_lsn, uint64_t end_lsn,
                              int64_t commit_time_unix);
WireBuilder stream_abort_msg(uint32_t xid, uint32_t subxid);

}  // namespace cdc::pg::testing
