// GTID sets as replication positions: MySQL's executed set (text, merging, wire
// encoding) and MariaDB's per-domain state.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "connectors/mysql/gtid_set.h"
#include "core/errors.h"
#include "event_builder.h"

namespace cdc::mysql::testing {
namespace {

constexpr const char* kUuidA = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
constexpr const char* kUuidAHex = "3e11fa47 71ca 11e1 9e33 c80aa9429562";
constexpr const char* kUuidB = "4a2b0c1d-0000-4000-8000-000000000001";

Uuid uuid_a() {
  Uuid u;
  ByteWriter w;
  w.hex(kUuidAHex);
  for (size_t i = 0; i < 16; ++i) u.bytes[i] = std::to_integer<uint8_t>(w.bytes()[i]);
  return u;
}

MysqlGtidSet parse_ok(std::string_view text) {
  const std::optional<MysqlGtidSet> set = MysqlGtidSet::parse(text);
  REQUIRE_MESSAGE(set.has_value(), text);
  return *set;
}

std::string as_string(const ByteWriter& w) {
  return std::string(reinterpret_cast<const char*>(w.bytes().data()), w.size());
}

// What the server would read back: the encoded set as the body of a
// PREVIOUS_GTIDS_LOG_EVENT, whose body is Gtid_set::encode output.
PreviousGtidsEvent decode_encoded(const MysqlGtidSet& set, std::vector<std::byte>& storage) {
  storage = make_event(EventType::kPreviousGtids, as_bytes(set.encode()));
  return decode_previous_gtids(split_event(storage, ChecksumAlgorithm::kOff));
}

MariadbGtidState parse_state_ok(std::string_view text) {
  const std::optional<MariadbGtidState> state = MariadbGtidState::parse(text);
  REQUIRE_MESSAGE(state.has_value(), text);
  return *state;
}

}  // namespace

TEST_CASE("mysql gtid set: canonical text round-trips through parse") {
  const std::string text = std::string(kUuidA) + ":1-5:7-9," + kUuidB + ":1";
  const MysqlGtidSet set = parse_ok(text);
  CHECK(set.to_string() == text);
  CHECK(parse_ok(set.to_string()) == set);
}

TEST_CASE("mysql gtid set: parse accepts MySQL's printed form and prints it canonically") {
  // Upper case, uuids and ranges out of order, overlaps, the ",\n" MySQL prints.
  const MysqlGtidSet set = parse_ok(
      "  4A2B0C1D-0000-4000-8000-000000000001:3:1 ,\n3E11FA47-71CA-11E1-9E33-"
      "C80AA9429562:7-9:1-5:4-6:11\n");
  CHECK(set.to_string() == std::string(kUuidA) + ":1-9:11," + kUuidB + ":1:3");
}

TEST_CASE("mysql gtid set: a uuid named twice is one source") {
  const MysqlGtidSet set = parse_ok(std::string(kUuidA) + ":1-3," + kUuidA + ":4");
  CHECK(set.to_string() == std::string(kUuidA) + ":1-4");
}

TEST_CASE("mysql gtid set: empty text is the empty set") {
  const MysqlGtidSet set = parse_ok("");
  CHECK(set.empty());
  CHECK(set.to_string().empty());
  CHECK(parse_ok(" \n ") == set);
  CHECK(set == MysqlGtidSet{});
}

TEST_CASE("mysql gtid set: add merges adjacent and overlapping gnos") {
  MysqlGtidSet set;
  set.add(uuid_a(), "", 1);
  set.add(uuid_a(), "", 2);
  set.add(uuid_a(), "", 3);
  CHECK(set.to_string() == std::string(kUuidA) + ":1-3");
  set.add(uuid_a(), "", 5);
  set.add(uuid_a(), "", 7);
  CHECK(set.to_string() == std::string(kUuidA) + ":1-3:5:7");
  set.add(uuid_a(), "", 4);  // bridges [1,4) and [5,6)
  CHECK(set.to_string() == std::string(kUuidA) + ":1-5:7");
  set.add(uuid_a(), "", 2);  // already there
  set.add(uuid_a(), "", 6);
  CHECK(set.to_string() == std::string(kUuidA) + ":1-7");
  CHECK(set == parse_ok(std::string(kUuidA) + ":1-7"));
}

TEST_CASE("mysql gtid set: ranges that overlap or touch in the text merge") {
  CHECK(parse_ok(std::string(kUuidA) + ":1-5:3-8:9:20-30:12").to_string() ==
        std::string(kUuidA) + ":1-9:12:20-30");
}

TEST_CASE("mysql gtid set: contains") {
  const MysqlGtidSet set = parse_ok(std::string(kUuidA) + ":1-5:7:tag_a:10-12");
  CHECK(set.contains(uuid_a(), "", 1));
  CHECK(set.contains(uuid_a(), "", 5));
  CHECK_FALSE(set.contains(uuid_a(), "", 6));
  CHECK(set.contains(uuid_a(), "", 7));
  CHECK_FALSE(set.contains(uuid_a(), "", 8));
  CHECK_FALSE(set.contains(uuid_a(), "", 0));
  CHECK(set.contains(uuid_a(), "tag_a", 11));
  CHECK(set.contains(uuid_a(), "TAG_A", 12));
  CHECK_FALSE(set.contains(uuid_a(), "tag_a", 1));
  CHECK_FALSE(set.contains(uuid_a(), "tag_b", 11));
  CHECK_FALSE(set.contains(Uuid{}, "", 1));
}

TEST_CASE("mysql gtid set: malformed text is rejected") {
  const std::string a = kUuidA;
  const std::vector<std::string> malformed = {
      "1-5",                                     // no uuid
      ":1-5",                                    // empty uuid
      a,                                         // uuid without ranges
      a + ":",                                   // empty range
      a + "::1",                                 // empty segment
      a + ":5-3",                                // reversed range
      a + ":0",                                  // gno 0 does not exist
      a + ":1-",                                 // range without an end
      a + ":1-x",                                // bad number
      a + ":12a",                                // bad number
      a + ":-1",                                 // signed number
      a + ":9223372036854775807",                // GNO_END is not a gno
      a + ":99999999999999999999",               // overflow
      a + ":1-5,",                               // trailing comma
      "," + a + ":1",                            // leading comma
      a + ":1,," + kUuidB + ":1",                // empty source
      a + ":1 :2",                               // space inside a source
      "3e11fa4771ca11e19e33c80aa9429562:1",      // no dashes
      "3e11fa47-71ca-11e1-9e33-c80aa942956g:1",  // not hex
      "3e11fa47-71ca-11e19-e33-c80aa9429562:1",  // dash misplaced
      a + ":tag_a",                              // tag without ranges
      a + ":tag_a:tag_b:1",                      // tag without ranges
      a + ":1-5:tag_a",                          // tag without ranges
      a + ":1:tag-a:2",                          // bad tag character
      a + ":1:9tag:2",                           // tag starting with a digit
      a + ":1:" + std::string(33, 't') + ":2",   // tag too long
  };
  for (const std::string& text : malformed) {
    CHECK_MESSAGE(!MysqlGtidSet::parse(text).has_value(), text);
  }
}

TEST_CASE("mysql gtid set: tags are case-insensitive, sorted after untagged ranges") {
  const std::string a = kUuidA;
  const MysqlGtidSet set = parse_ok(a + ":Tag_B:2,\n" + a + ":1-5:TAG_A:1-3");
  CHECK(set.to_string() == a + ":1-5:tag_a:1-3:tag_b:2");
  CHECK(parse_ok(set.to_string()) == set);
  // A tag applies to every range after it, up to the next tag.
  CHECK(parse_ok(a + ":tag_b:1:3-4:tag_a:7").to_string() == a + ":tag_a:7:tag_b:1:3-4");
  CHECK(parse_ok(a + ":tag_a:1-3").to_string() == a + ":tag_a:1-3");
  CHECK(
      parse_ok(a + ":" + std::string(32, 'z') + ":1").contains(uuid_a(), std::string(32, 'z'), 1));

  MysqlGtidSet added;
  added.add(uuid_a(), "TAG_A", 2);
  CHECK(added.to_string() == a + ":tag_a:2");
}

TEST_CASE("mysql gtid set: add rejects what the binlog must not carry") {
  MysqlGtidSet set;
  CHECK_THROWS_AS(set.add(uuid_a(), "", 0), ProtocolError);
  CHECK_THROWS_AS(set.add(uuid_a(), "", INT64_MAX), ProtocolError);
  CHECK_THROWS_AS(set.add(uuid_a(), "bad-tag", 1), ProtocolError);

  PreviousGtidsEvent reversed;
  reversed.sets.push_back({uuid_a(), "", {{5, 5}}});
  CHECK_THROWS_AS(set.add(reversed), ProtocolError);
  CHECK(set.empty());
}

TEST_CASE("mysql gtid set: add(PreviousGtidsEvent) unions every entry") {
  PreviousGtidsEvent event;
  event.sets.push_back({uuid_a(), "", {{1, 4}, {6, 8}}});
  event.sets.push_back({uuid_a(), "tag_a", {{2, 3}}});
  MysqlGtidSet set = parse_ok(std::string(kUuidA) + ":4-5," + kUuidB + ":9");
  set.add(event);
  CHECK(set.to_string() == std::string(kUuidA) + ":1-7:tag_a:2," + kUuidB + ":9");
}

TEST_CASE("mysql gtid set: encode writes the classic layout without tags") {
  const MysqlGtidSet set = parse_ok(std::string(kUuidA) + ":1-5:8");
  ByteWriter expected;
  expected.u64(1).hex(kUuidAHex).u64(2).u64(1).u64(6).u64(8).u64(9);
  CHECK(set.encode() == as_string(expected));
}

TEST_CASE("mysql gtid set: encode of the empty set is a zero count") {
  CHECK(MysqlGtidSet{}.encode() == std::string(8, '\0'));
}

TEST_CASE("mysql gtid set: encode switches every entry to the tagged layout for a tag") {
  const MysqlGtidSet set = parse_ok(std::string(kUuidA) + ":1-2:tag_a:5");
  ByteWriter expected;
  expected.u64((uint64_t{1} << 56) | (2 << 8) | 1);
  expected.hex(kUuidAHex).u8(0).u64(1).u64(1).u64(3);
  expected.hex(kUuidAHex).u8(5 << 1).str("tag_a").u64(1).u64(5).u64(6);
  CHECK(set.encode() == as_string(expected));
}

TEST_CASE("mysql gtid set: decode_previous_gtids reads encode's bytes back to the set") {
  const std::string a = kUuidA;
  const std::string b = kUuidB;
  for (const std::string& text : {
           std::string(""),
           a + ":1-5:7-9:100," + b + ":1",
           a + ":1-5:alpha:1-3:beta:7," + b + ":tag_z:4:8-9",
       }) {
    const MysqlGtidSet set = parse_ok(text);
    std::vector<std::byte> storage;
    const PreviousGtidsEvent event = decode_encoded(set, storage);
    CHECK(event.to_string() == set.to_string());
    MysqlGtidSet decoded;
    decoded.add(event);
    CHECK_MESSAGE(decoded == set, text);
  }
}

TEST_CASE("mariadb gtid state: parse prints sorted by domain, without spaces") {
  const MariadbGtidState state = parse_state_ok(" 1-2-5 ,\n0-1-42 ");
  CHECK(state.to_string() == "0-1-42,1-2-5");
  CHECK(parse_state_ok(state.to_string()) == state);
  REQUIRE(state.domain(1).has_value());
  CHECK(*state.domain(1) == MariadbGtid{1, 2, 5});
  CHECK_FALSE(state.domain(7).has_value());
}

TEST_CASE("mariadb gtid state: the largest numbers fit") {
  const std::string text = "4294967295-4294967295-18446744073709551615";
  CHECK(parse_state_ok(text).to_string() == text);
}

TEST_CASE("mariadb gtid state: empty text is the empty state") {
  CHECK(parse_state_ok("").empty());
  CHECK(parse_state_ok("  ").to_string().empty());
}

TEST_CASE("mariadb gtid state: malformed text, overflow and duplicate domains are rejected") {
  for (const char* text : {
           "0-1-2,0-3-4",               // domain 0 twice
           "4294967296-1-2",            // domain past uint32
           "0-4294967296-2",            // server id past uint32
           "0-1-18446744073709551616",  // sequence past uint64
           "0-1",                       // too few parts
           "0-1-2-3",                   // too many parts
           "0-1-2,",                    // trailing comma
           ",0-1-2",                    // leading comma
           "a-1-2",                     // not a number
           "0-+1-2",                    // sign
           "-1-1-2",                    // negative domain
           "0-1- 2",                    // space inside a gtid
       }) {
    CHECK_MESSAGE(!MariadbGtidState::parse(text).has_value(), text);
  }
}

TEST_CASE("mariadb gtid state: update replaces the domain's gtid") {
  MariadbGtidState state;
  CHECK(state.empty());
  state.update({0, 1, 41});
  state.update({3, 1, 7});
  state.update({0, 2, 42});
  CHECK(state.to_string() == "0-2-42,3-1-7");
  CHECK(state == parse_state_ok("3-1-7,0-2-42"));
}

TEST_CASE("mariadb gtid state: reset takes the gtid list, the last entry of a domain wins") {
  MariadbGtidState state = parse_state_ok("5-1-100");
  MariadbGtidListEvent list;
  // The binlog state keeps one gtid per (domain, server); the domain's latest is last.
  list.gtids = {{0, 2, 9}, {1, 1, 3}, {0, 1, 10}};
  state.reset(list);
  CHECK(state.to_string() == "0-1-10,1-1-3");
  state.reset(MariadbGtidListEvent{});
  CHECK(state.empty());
}

}  // namespace cdc::mysql::testing
