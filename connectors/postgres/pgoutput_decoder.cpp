#include "connectors/postgres/pgoutput_decoder.h"

#include <stdexcept>
#include <string>

#include "connectors/postgres/replication_message.h"

namespace cdc::pg {
namespace {

uint32_t load_be32(const std::byte* p) {
  return (uint32_t{std::to_integer<uint8_t>(p[0])} << 24) |
         (uint32_t{std::to_integer<uint8_t>(p[1])} << 16) |
         (uint32_t{std::to_integer<uint8_t>(p[2])} << 8) | uint32_t{std::to_integer<uint8_t>(p[3])};
}

bool has_value_bytes(TupleColumn::Kind kind) {
  return kind == TupleColumn::Kind::kText || kind == TupleColumn::Kind::kBinary;
}

}  // namespace

TupleColumn TupleData::Iterator::operator*() const {
  TupleColumn column;
  column.kind = static_cast<TupleColumn::Kind>(std::to_integer<char>(p_[0]));
  if (has_value_bytes(column.kind)) {
    column.data = {reinterpret_cast<const char*>(p_ + 5), load_be32(p_ + 1)};
  }
  return column;
}

TupleData::Iterator& TupleData::Iterator::operator++() {
  const auto kind = static_cast<TupleColumn::Kind>(std::to_integer<char>(p_[0]));
  p_ += has_value_bytes(kind) ? 5 + size_t{load_be32(p_ + 1)} : 1;
  --left_;
  return *this;
}

TupleData TupleData::read(WireReader& in, const char* field) {
  TupleData tuple;
  tuple.count_ = in.u16(field);
  const size_t start = in.offset();
  const auto* first = in.bytes(0, field).data();
  for (size_t i = 0; i < tuple.count_; ++i) {
    const size_t kind_offset = in.offset();
    const auto kind = static_cast<TupleColumn::Kind>(in.u8("tuple column kind"));
    switch (kind) {
      case TupleColumn::Kind::kNull:
      case TupleColumn::Kind::kUnchanged:
        break;
      case TupleColumn::Kind::kText:
      case TupleColumn::Kind::kBinary: {
        const int32_t length = in.i32("tuple column length");
        if (length < 0) {
          in.fail_at(in.offset() - 4, "tuple column " + std::to_string(i) +
                                          ": negative value length " + std::to_string(length));
        }
        in.bytes(static_cast<size_t>(length), "tuple column value");
        break;
      }
      default:
        in.fail_at(kind_offset, "tuple column " + std::to_string(i) +
                                    ": expected kind 'n', 'u', 't' or 'b', found byte " +
                                    std::to_string(static_cast<uint8_t>(kind)));
    }
  }
  tuple.columns_ = WireBytes(first, in.offset() - start);
  return tuple;
}

namespace {

using namespace pgoutput;

PgLsn lsn(WireReader& in, const char* field) { return PgLsn{in.u64(field)}; }

int64_t timestamp(WireReader& in, const char* field) {
  return pg_time_to_unix_micros(in.i64(field));
}

// Relation, Type, Insert, Update, Delete, Truncate and Message carry the xid of their
// (sub)transaction first when they are part of a streamed transaction (protocol 2).
uint32_t stream_xid(WireReader& in, bool in_stream) {
  return in_stream ? in.u32("streamed transaction xid") : 0;
}

Begin read_begin(WireReader& in) {
  Begin m;
  m.final_lsn = lsn(in, "final LSN");
  m.commit_time_unix_micros = timestamp(in, "commit timestamp");
  m.xid = in.u32("xid");
  return m;
}

Commit read_commit(WireReader& in) {
  Commit m;
  m.flags = in.u8("flags");
  m.commit_lsn = lsn(in, "commit LSN");
  m.end_lsn = lsn(in, "end LSN");
  m.commit_time_unix_micros = timestamp(in, "commit timestamp");
  return m;
}

Origin read_origin(WireReader& in) {
  Origin m;
  m.commit_lsn = lsn(in, "origin commit LSN");
  m.name = in.cstring("origin name");
  return m;
}

Relation read_relation(WireReader& in, bool in_stream) {
  Relation m;
  m.xid = stream_xid(in, in_stream);
  m.oid = in.u32("relation oid");
  m.schema = in.cstring("namespace");
  m.name = in.cstring("relation name");
  m.replica_identity = in.u8("replica identity");
  const uint16_t count = in.u16("column count");
  // Each column takes at least 10 bytes; a count the message cannot hold is caught
  // before it sizes an allocation.
  if (size_t{count} * 10 > in.remaining()) {
    in.fail("column count " + std::to_string(count) + " needs at least " +
            std::to_string(size_t{count} * 10) + " bytes, only " + std::to_string(in.remaining()) +
            " left");
  }
  m.columns.reserve(count);
  for (uint16_t i = 0; i < count; ++i) {
    RelationColumn& column = m.columns.emplace_back();
    column.flags = in.u8("column flags");
    column.name = in.cstring("column name");
    column.type_oid = in.u32("column type oid");
    column.type_modifier = in.i32("column type modifier");
  }
  return m;
}

Type read_type(WireReader& in, bool in_stream) {
  Type m;
  m.xid = stream_xid(in, in_stream);
  m.oid = in.u32("type oid");
  m.schema = in.cstring("namespace");
  m.name = in.cstring("type name");
  return m;
}

void expect_byte(WireReader& in, char expected, const char* field) {
  const size_t at = in.offset();
  const uint8_t found = in.u8(field);
  if (found != static_cast<uint8_t>(expected)) {
    in.fail_at(at, std::string(field) + ": expected '" + expected + "', found byte " +
                       std::to_string(found));
  }
}

Insert read_insert(WireReader& in, bool in_stream) {
  Insert m;
  m.xid = stream_xid(in, in_stream);
  m.relation_oid = in.u32("relation oid");
  expect_byte(in, 'N', "new tuple marker");
  m.new_tuple = TupleData::read(in, "new tuple column count");
  return m;
}

Update read_update(WireReader& in, bool in_stream) {
  Update m;
  m.xid = stream_xid(in, in_stream);
  m.relation_oid = in.u32("relation oid");
  const size_t at = in.offset();
  const uint8_t marker = in.u8("tuple marker");
  if (marker == 'K' || marker == 'O') {
    m.old_kind = static_cast<OldTuple>(marker);
    m.old_tuple = TupleData::read(in, "old tuple column count");
    expect_byte(in, 'N', "new tuple marker");
  } else if (marker != 'N') {
    in.fail_at(at, "tuple marker: expected 'K', 'O' or 'N', found byte " + std::to_string(marker));
  }
  m.new_tuple = TupleData::read(in, "new tuple column count");
  return m;
}

Delete read_delete(WireReader& in, bool in_stream) {
  Delete m;
  m.xid = stream_xid(in, in_stream);
  m.relation_oid = in.u32("relation oid");
  const size_t at = in.offset();
  const uint8_t marker = in.u8("old tuple marker");
  if (marker != 'K' && marker != 'O') {
    in.fail_at(at, "old tuple marker: expected 'K' or 'O', found byte " + std::to_string(marker));
  }
  m.old_kind = static_cast<OldTuple>(marker);
  m.old_tuple = TupleData::read(in, "old tuple column count");
  return m;
}

Truncate read_truncate(WireReader& in, bool in_stream) {
  Truncate m;
  m.xid = stream_xid(in, in_stream);
  const uint32_t count = in.u32("relation count");
  m.options = in.u8("options");
  if (size_t{count} * 4 != in.remaining()) {
    in.fail("relation count " + std::to_string(count) + " needs " +
            std::to_string(size_t{count} * 4) + " bytes of oids, found " +
            std::to_string(in.remaining()));
  }
  m.relation_oids.reserve(count);
  for (uint32_t i = 0; i < count; ++i) m.relation_oids.push_back(in.u32("relation oid"));
  return m;
}

Message read_message(WireReader& in, bool in_stream) {
  Message m;
  m.xid = stream_xid(in, in_stream);
  m.transactional = (in.u8("flags") & 1) != 0;
  m.lsn = lsn(in, "message LSN");
  m.prefix = in.cstring("prefix");
  const int32_t length = in.i32("content length");
  if (length < 0) in.fail_at(in.offset() - 4, "negative content length " + std::to_string(length));
  m.content = as_string_view(in.bytes(static_cast<size_t>(length), "content"));
  return m;
}

StreamStart read_stream_start(WireReader& in) {
  StreamStart m;
  m.xid = in.u32("xid");
  m.first_segment = in.u8("first segment") == 1;
  return m;
}

StreamCommit read_stream_commit(WireReader& in) {
  StreamCommit m;
  m.xid = in.u32("xid");
  m.flags = in.u8("flags");
  m.commit_lsn = lsn(in, "commit LSN");
  m.end_lsn = lsn(in, "end LSN");
  m.commit_time_unix_micros = timestamp(in, "commit timestamp");
  return m;
}

StreamAbort read_stream_abort(WireReader& in) {
  StreamAbort m;
  m.xid = in.u32("xid");
  m.subxid = in.u32("subtransaction xid");
  if (!in.at_end()) {
    m.abort_lsn = lsn(in, "abort LSN");
    m.abort_time_unix_micros = timestamp(in, "abort timestamp");
  }
  return m;
}

bool is_stream_control(uint8_t type) {
  return type == 'S' || type == 'E' || type == 'c' || type == 'A';
}

}  // namespace

PgOutputMessage decode_pgoutput(std::span<const std::byte> message, int protocol_version,
                                bool in_stream) {
  if (protocol_version != 1 && protocol_version != 2) {
    throw std::invalid_argument("pgoutput protocol version " + std::to_string(protocol_version) +
                                " is not supported (1 or 2)");
  }
  WireReader in(message, "pgoutput message");
  const uint8_t type = in.u8("message type");
  if (protocol_version < 2 && (is_stream_control(type) || in_stream)) {
    in.fail_at(0, "streamed transactions need protocol version 2, the stream uses 1");
  }
  PgOutputMessage result;
  switch (type) {
    case 'B':
      in.set_what("pgoutput Begin");
      result = read_begin(in);
      break;
    case 'C':
      in.set_what("pgoutput Commit");
      result = read_commit(in);
      break;
    case 'O':
      in.set_what("pgoutput Origin");
      result = read_origin(in);
      break;
    case 'R':
      in.set_what("pgoutput Relation");
      result = read_relation(in, in_stream);
      break;
    case 'Y':
      in.set_what("pgoutput Type");
      result = read_type(in, in_stream);
      break;
    case 'I':
      in.set_what("pgoutput Insert");
      result = read_insert(in, in_stream);
      break;
    case 'U':
      in.set_what("pgoutput Update");
      result = read_update(in, in_stream);
      break;
    case 'D':
      in.set_what("pgoutput Delete");
      result = read_delete(in, in_stream);
      break;
    case 'T':
      in.set_what("pgoutput Truncate");
      result = read_truncate(in, in_stream);
      break;
    case 'M':
      in.set_what("pgoutput Message");
      result = read_message(in, in_stream);
      break;
    case 'S':
      in.set_what("pgoutput Stream Start");
      result = read_stream_start(in);
      break;
    case 'E':
      result = StreamStop{};
      break;
    case 'c':
      in.set_what("pgoutput Stream Commit");
      result = read_stream_commit(in);
      break;
    case 'A':
      in.set_what("pgoutput Stream Abort");
      result = read_stream_abort(in);
      break;
    default:
      in.fail_at(
          0, "unknown message type byte " + std::to_string(type) +
                 (type >= 0x20 && type < 0x7f ? std::string(" ('") + static_cast<char>(type) + "')"
                                              : std::string()));
  }
  in.expect_end();
  return result;
}

}  // namespace cdc::pg
