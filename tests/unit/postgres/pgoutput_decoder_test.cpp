// Every pgoutput message type, built by hand from "Logical Replication Message Formats".
#include <doctest/doctest.h>

#include <stdexcept>

#include "connectors/postgres/pgoutput_decoder.h"
#include "core/errors.h"
#include "pg_wire_builder.h"

namespace cdc::pg::testing {
namespace {

using namespace pgoutput;

constexpr int64_t kCommitTime = 1'704'164'645'678'901;  // 2024-01-02T03:04:05.678901Z

// Decoded messages hold views into `w`, which must outlive them.
template <typename T>
T decode_as(const WireBuilder& w, bool in_stream = false, int version = 2) {
  const PgOutputMessage m = decode_pgoutput(w.view(), version, in_stream);
  REQUIRE(std::holds_alternative<T>(m));
  return std::get<T>(m);
}

std::vector<TupleColumn> columns_of(const TupleData& tuple) {
  return std::vector<TupleColumn>(tuple.begin(), tuple.end());
}

TEST_CASE("pgoutput: Begin gives final LSN, commit time and xid") {
  WireBuilder w;
  // 'B', final LSN 0/16B3748, commit time 0 (2000-01-01), xid 740
  w.hex("42 00000000016B3748 0000000000000000 000002E4");
  const auto m = decode_as<Begin>(w);
  CHECK(m.final_lsn == PgLsn{0x16B3748});
  CHECK(m.commit_time_unix_micros == 946'684'800'000'000);
  CHECK(m.xid == 740);
}

TEST_CASE("pgoutput: Commit gives flags, commit LSN, end LSN and commit time") {
  const auto m = decode_as<Commit>(commit_msg(0x100, 0x128, kCommitTime));
  CHECK(m.flags == 0);
  CHECK(m.commit_lsn == PgLsn{0x100});
  CHECK(m.end_lsn == PgLsn{0x128});
  CHECK(m.commit_time_unix_micros == kCommitTime);
}

TEST_CASE("pgoutput: Origin gives the origin's commit LSN and name") {
  WireBuilder w;
  w.ch('O').u64(0xABCDEF).str("node_a");
  const auto m = decode_as<Origin>(w);
  CHECK(m.commit_lsn == PgLsn{0xABCDEF});
  CHECK(m.name == "node_a");
}

TEST_CASE("pgoutput: Relation gives names, replica identity and every column") {
  const auto w =
      relation_msg(16385, "public", "users", {{"id", 20, true}, {"email", 1043, false, 259}}, 'd');
  const auto m = decode_as<Relation>(w);
  CHECK(m.xid == 0);
  CHECK(m.oid == 16385);
  CHECK(m.schema == "public");
  CHECK(m.name == "users");
  CHECK(m.replica_identity == 'd');
  REQUIRE(m.columns.size() == 2);
  CHECK(m.columns[0].is_key());
  CHECK(m.columns[0].name == "id");
  CHECK(m.columns[0].type_oid == 20);
  CHECK(m.columns[0].type_modifier == -1);
  CHECK_FALSE(m.columns[1].is_key());
  CHECK(m.columns[1].type_oid == 1043);
  CHECK(m.columns[1].type_modifier == 259);
}

TEST_CASE("pgoutput: Relation inside a stream carries a leading xid") {
  const auto w = relation_msg(16385, "", "pg_thing", {{"a", 25}}, 'f', 777);
  const auto m = decode_as<Relation>(w, /*in_stream=*/true);
  CHECK(m.xid == 777);
  CHECK(m.schema.empty());
  CHECK(m.replica_identity == 'f');
}

TEST_CASE("pgoutput: Relation whose column count exceeds the bytes fails before allocating") {
  WireBuilder w;
  w.ch('R').u32(1).str("s").str("t").ch('d').u16(65535);
  CHECK_THROWS_WITH_AS(decode_pgoutput(w.view(), 2, false),
                       doctest::Contains("column count 65535 needs at least 655350 bytes"),
                       ProtocolError);
}

TEST_CASE("pgoutput: Type announces a custom type, with xid inside a stream") {
  const auto plain_bytes = type_msg(16400, "public", "mood");
  const auto plain = decode_as<Type>(plain_bytes);
  CHECK(plain.oid == 16400);
  CHECK(plain.schema == "public");
  CHECK(plain.name == "mood");
  const auto streamed_bytes = type_msg(16401, "public", "_mood", 9);
  const auto streamed = decode_as<Type>(streamed_bytes, true);
  CHECK(streamed.xid == 9);
  CHECK(streamed.name == "_mood");
}

TEST_CASE("pgoutput: Insert tuple has every column kind, values as views into the input") {
  const auto w =
      insert_msg(16385, {text("42"), null_col(), unchanged(), binary("\x01\x02"), text("")});
  const auto m = decode_as<Insert>(w);
  CHECK(m.relation_oid == 16385);
  REQUIRE(m.new_tuple.size() == 5);
  const auto cols = columns_of(m.new_tuple);
  CHECK(cols[0].kind == TupleColumn::Kind::kText);
  CHECK(cols[0].data == "42");
  CHECK(cols[0].data.data() >= reinterpret_cast<const char*>(w.view().data()));
  CHECK(cols[1].kind == TupleColumn::Kind::kNull);
  CHECK(cols[2].kind == TupleColumn::Kind::kUnchanged);
  CHECK(cols[3].kind == TupleColumn::Kind::kBinary);
  CHECK(cols[3].data == "\x01\x02");
  CHECK(cols[4].kind == TupleColumn::Kind::kText);
  CHECK(cols[4].data.empty());
}

TEST_CASE("pgoutput: Insert inside a stream carries the subtransaction xid") {
  const auto w = insert_msg(16385, {text("1")}, 1234);
  const auto m = decode_as<Insert>(w, true);
  CHECK(m.xid == 1234);
  CHECK(m.new_tuple.size() == 1);
}

TEST_CASE("pgoutput: Update without old tuple, with key tuple, with full old tuple") {
  const auto none_bytes = update_msg(7, 0, {}, {text("1"), unchanged()});
  const auto none = decode_as<Update>(none_bytes);
  CHECK(none.old_kind == OldTuple::kNone);
  CHECK(none.old_tuple.empty());
  CHECK(none.new_tuple.size() == 2);

  const auto key_bytes = update_msg(7, 'K', {text("1"), null_col()}, {text("2"), text("x")});
  const auto key = decode_as<Update>(key_bytes);
  CHECK(key.old_kind == OldTuple::kKey);
  CHECK(columns_of(key.old_tuple)[0].data == "1");
  CHECK(columns_of(key.new_tuple)[0].data == "2");

  const auto full_bytes = update_msg(7, 'O', {text("1"), text("a")}, {text("1"), text("b")}, 55);
  const auto full = decode_as<Update>(full_bytes, true);
  CHECK(full.xid == 55);
  CHECK(full.old_kind == OldTuple::kFull);
  CHECK(columns_of(full.old_tuple)[1].data == "a");
  CHECK(columns_of(full.new_tuple)[1].data == "b");
}

TEST_CASE("pgoutput: Delete with key or full old tuple") {
  const auto key_bytes = delete_msg(7, 'K', {text("9"), null_col()});
  const auto key = decode_as<Delete>(key_bytes);
  CHECK(key.old_kind == OldTuple::kKey);
  CHECK(key.old_tuple.size() == 2);
  const auto full_bytes = delete_msg(7, 'O', {text("9"), text("z")}, 3);
  const auto full = decode_as<Delete>(full_bytes, true);
  CHECK(full.old_kind == OldTuple::kFull);
  CHECK(full.xid == 3);
}

TEST_CASE("pgoutput: Truncate gives options and every relation") {
  const auto m = decode_as<Truncate>(
      truncate_msg({16385, 16390}, Truncate::kCascade | Truncate::kRestartIdentity));
  CHECK(m.options == 3);
  CHECK(m.relation_oids == std::vector<uint32_t>{16385, 16390});
  const auto streamed = decode_as<Truncate>(truncate_msg({1}, 0, 8), true);
  CHECK(streamed.xid == 8);
  CHECK(streamed.relation_oids == std::vector<uint32_t>{1});
}

TEST_CASE("pgoutput: Message gives flag, LSN, prefix and content bytes") {
  WireBuilder w;
  w.ch('M').u8(1).u64(0x500).str("app").u32(3).raw(std::string_view("a\0b", 3));
  const auto m = decode_as<Message>(w);
  CHECK(m.transactional);
  CHECK(m.lsn == PgLsn{0x500});
  CHECK(m.prefix == "app");
  CHECK(m.content == std::string_view("a\0b", 3));

  WireBuilder streamed;
  streamed.ch('M').u32(12).u8(0).u64(1).str("").u32(0);
  const auto s = decode_as<Message>(streamed, true);
  CHECK(s.xid == 12);
  CHECK_FALSE(s.transactional);
  CHECK(s.content.empty());
}

TEST_CASE("pgoutput: stream control messages") {
  const auto start = decode_as<StreamStart>(stream_start_msg(900, true));
  CHECK(start.xid == 900);
  CHECK(start.first_segment);
  CHECK_FALSE(decode_as<StreamStart>(stream_start_msg(900, false)).first_segment);

  decode_as<StreamStop>(stream_stop_msg(), true);

  const auto commit = decode_as<StreamCommit>(stream_commit_msg(900, 0x10, 0x20, kCommitTime));
  CHECK(commit.xid == 900);
  CHECK(commit.commit_lsn == PgLsn{0x10});
  CHECK(commit.end_lsn == PgLsn{0x20});
  CHECK(commit.commit_time_unix_micros == kCommitTime);

  const auto abort = decode_as<StreamAbort>(stream_abort_msg(900, 901));
  CHECK(abort.xid == 900);
  CHECK(abort.subxid == 901);
  CHECK_FALSE(abort.abort_lsn.has_value());
}

TEST_CASE("pgoutput: Stream Abort of parallel streaming carries abort LSN and time") {
  WireBuilder w = stream_abort_msg(5, 6);
  w.u64(0x99).u64(0);
  const auto abort = decode_as<StreamAbort>(w);
  CHECK(abort.abort_lsn == PgLsn{0x99});
  CHECK(abort.abort_time_unix_micros == 946'684'800'000'000);
}

TEST_CASE("pgoutput: protocol 1 has no streaming") {
  CHECK_THROWS_WITH_AS(decode_pgoutput(stream_start_msg(1, true).view(), 1, false),
                       doctest::Contains("need protocol version 2"), ProtocolError);
  CHECK_THROWS_AS(decode_pgoutput(insert_msg(1, {}, 5).view(), 1, true), ProtocolError);
  CHECK(std::holds_alternative<Insert>(decode_pgoutput(insert_msg(1, {}).view(), 1, false)));
  CHECK_THROWS_AS(decode_pgoutput(stream_stop_msg().view(), 3, false), std::invalid_argument);
}

TEST_CASE("pgoutput: truncated messages name the field and the offset") {
  const auto begin = begin_msg(1, kCommitTime, 2);
  CHECK_THROWS_WITH_AS(decode_pgoutput(begin.prefix(19), 2, false),
                       "pgoutput Begin at offset 17: xid: expected 4 bytes, only 2 left",
                       ProtocolError);

  const auto insert = insert_msg(16385, {text("hello")});
  // 'I', oid, 'N', column count, 't', length: the value starts at offset 13.
  CHECK_THROWS_WITH_AS(decode_pgoutput(insert.prefix(15), 2, false),
                       "pgoutput Insert at offset 13: tuple column value: expected 5 bytes, "
                       "only 2 left",
                       ProtocolError);

  const auto relation = relation_msg(1, "public", "t", {{"a", 25}});
  CHECK_THROWS_WITH_AS(decode_pgoutput(relation.prefix(10), 2, false),
                       doctest::Contains("pgoutput Relation at offset 5: namespace: expected a "
                                         "NUL-terminated string"),
                       ProtocolError);

  // Every proper prefix of a valid message is an error, never a crash.
  const auto update = update_msg(7, 'O', {text("1"), null_col()}, {text("2"), unchanged()});
  for (size_t n = 0; n < update.size(); ++n) {
    CHECK_THROWS_AS(decode_pgoutput(update.prefix(n), 2, false), ProtocolError);
  }
}

TEST_CASE("pgoutput: malformed tuples and markers are errors with offsets") {
  WireBuilder bad_kind;
  bad_kind.ch('I').u32(1).ch('N').u16(1).ch('x');
  CHECK_THROWS_WITH_AS(decode_pgoutput(bad_kind.view(), 2, false),
                       "pgoutput Insert at offset 8: tuple column 0: expected kind 'n', 'u', 't' "
                       "or 'b', found byte 120",
                       ProtocolError);

  WireBuilder negative;
  negative.ch('I').u32(1).ch('N').u16(1).ch('t').u32(0xFFFFFFFF);
  CHECK_THROWS_WITH_AS(decode_pgoutput(negative.view(), 2, false),
                       doctest::Contains("offset 9: tuple column 0: negative value length -1"),
                       ProtocolError);

  WireBuilder no_new;
  no_new.ch('I').u32(1).ch('X').u16(0);
  CHECK_THROWS_WITH_AS(decode_pgoutput(no_new.view(), 2, false),
                       "pgoutput Insert at offset 5: new tuple marker: expected 'N', found byte 88",
                       ProtocolError);

  WireBuilder bad_delete;
  bad_delete.ch('D').u32(1).ch('N').u16(0);
  CHECK_THROWS_AS(decode_pgoutput(bad_delete.view(), 2, false), ProtocolError);

  WireBuilder trailing = commit_msg(1, 2, 3);
  trailing.u8(0);
  CHECK_THROWS_WITH_AS(decode_pgoutput(trailing.view(), 2, false),
                       "pgoutput Commit at offset 26: expected the end of the message, found 1 "
                       "more bytes",
                       ProtocolError);

  WireBuilder truncate;
  truncate.ch('T').u32(3).u8(0).u32(1);
  CHECK_THROWS_WITH_AS(decode_pgoutput(truncate.view(), 2, false),
                       doctest::Contains("relation count 3 needs 12 bytes of oids, found 4"),
                       ProtocolError);
}

TEST_CASE("pgoutput: unknown message types and empty input are errors") {
  WireBuilder unknown;
  unknown.ch('Z');
  CHECK_THROWS_WITH_AS(decode_pgoutput(unknown.view(), 2, false),
                       "pgoutput message at offset 0: unknown message type byte 90 ('Z')",
                       ProtocolError);
  CHECK_THROWS_AS(decode_pgoutput({}, 2, false), ProtocolError);
}

}  // namespace
}  // namespace cdc::pg::testing
