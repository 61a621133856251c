#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/position.h"

using cdc::BinlogPosition;
using cdc::parse_position;
using cdc::PgLsn;
using cdc::PgPosition;
using cdc::Position;

TEST_CASE("PgLsn parses and prints PostgreSQL's X/Y form") {
  auto lsn = PgLsn::parse("16/B374D848");
  REQUIRE(lsn.has_value());
  CHECK(lsn->value == 0x16B374D848ull);
  CHECK(lsn->to_string() == "16/B374D848");
  CHECK(PgLsn{0}.to_string() == "0/0");
}

TEST_CASE("PgLsn rejects malformed text") {
  CHECK_FALSE(PgLsn::parse("").has_value());
  CHECK_FALSE(PgLsn::parse("16").has_value());
  CHECK_FALSE(PgLsn::parse("/1").has_value());
  CHECK_FALSE(PgLsn::parse("1/").has_value());
  CHECK_FALSE(PgLsn::parse("1/G").has_value());
  CHECK_FALSE(PgLsn::parse("123456789/0").has_value());
}

TEST_CASE("PgPosition orders by commit, then index inside the transaction") {
  PgPosition a{PgLsn{100}, 5};
  PgPosition b{PgLsn{200}, 0};
  PgPosition c{PgLsn{200}, 1};
  CHECK(a < b);
  CHECK(b < c);
  CHECK(cdc::to_string(cdc::Position{c}) == "pg:0/C8:1");
}

TEST_CASE("BinlogPosition orders files by their number, not their spelling") {
  BinlogPosition a{"mysql-bin.999999", 4000, "", 0};
  BinlogPosition b{"mysql-bin.1000000", 4, "", 0};
  CHECK(a < b);
  BinlogPosition c{"mysql-bin.000002", 120, "0-1-5", 0};
  BinlogPosition d{"mysql-bin.000002", 120, "0-1-5", 1};
  CHECK(c < d);
  CHECK(c == BinlogPosition{"mysql-bin.000002", 120, "other", 0});
  CHECK(cdc::to_string(cdc::Position{d}) == "mysql:mysql-bin.000002:120:1");
}

TEST_CASE("positions print their largest values in full") {
  CHECK(PgLsn{~uint64_t{0}}.to_string() == "FFFFFFFF/FFFFFFFF");
  CHECK(PgLsn{0xA00000000Bull}.to_string() == "A0/B");
  PgPosition pg{PgLsn{0xFFFFFFFF00000001ull}, 4294967295u};
  CHECK(cdc::to_string(cdc::Position{pg}) == "pg:FFFFFFFF/1:4294967295");
  BinlogPosition bin;
  bin.file = "a-very-long-binlog-base-name-from-the-hostname.000123";
  bin.offset = 18446744073709551615ull;
  bin.index = 4294967295u;
  CHECK(cdc::to_string(cdc::Position{bin}) ==
        "mysql:a-very-long-binlog-base-name-from-the-hostname.000123:18446744073709551615:"
        "4294967295");
  for (const size_t length : {63, 64, 65, 300}) {  // about where the text leaves the stack
    bin.file = std::string(length - 7, 'b') + ".000001";
    CHECK(cdc::to_string(cdc::Position{bin}) ==
          "mysql:" + bin.file + ":18446744073709551615:4294967295");
  }
}

TEST_CASE("a position's prefix and index make its text; one transaction's share the prefix") {
  using cdc::Position;
  const std::vector<Position> positions = {
      PgPosition{PgLsn{0x16B374D848ull}, 3},
      PgPosition{PgLsn{UINT64_MAX}, UINT32_MAX},
      BinlogPosition{"mysql-bin.000007", 1234, "0-1-42", 3},
      BinlogPosition{"", 0, "", 17},  // a backfill's
      BinlogPosition{std::string(100, 'b'), UINT64_MAX, "", UINT32_MAX},
  };
  for (const auto& position : positions) {
    CHECK(cdc::position_prefix(position) + ":" + std::to_string(cdc::position_index(position)) ==
          cdc::to_string(position));
  }
  CHECK(cdc::same_prefix(PgPosition{PgLsn{7}, 1}, PgPosition{PgLsn{7}, 9}));
  CHECK_FALSE(cdc::same_prefix(PgPosition{PgLsn{7}, 1}, PgPosition{PgLsn{8}, 1}));
  CHECK(cdc::same_prefix(BinlogPosition{"b.1", 5, "x", 0}, BinlogPosition{"b.1", 5, "y", 4}));
  CHECK_FALSE(cdc::same_prefix(BinlogPosition{"b.1", 5, "", 0}, BinlogPosition{"b.2", 5, "", 0}));
  CHECK_FALSE(cdc::same_prefix(BinlogPosition{"b.1", 5, "", 0}, BinlogPosition{"b.1", 6, "", 0}));
  CHECK_FALSE(cdc::same_prefix(PgPosition{PgLsn{0}, 0}, BinlogPosition{"", 0, "", 0}));
}

TEST_CASE("a position's text reads back as the same position; other text does not") {
  const Position pg = PgPosition{PgLsn{(uint64_t{0x16} << 32) | 0xB374D848}, 3};
  const Position binlog = BinlogPosition{"mysql-bin.000007", 1234, "0-1-42", 5};
  for (const Position& position : {pg, binlog}) {
    const auto parsed = parse_position(cdc::to_string(position));
    REQUIRE(parsed.has_value());
    CHECK(*parsed == position);  // the GTID takes no part in a position's order
    CHECK(cdc::to_string(*parsed) == cdc::to_string(position));
  }
  const auto colons = parse_position("mysql:a:b.000002:99:0");
  REQUIRE(colons.has_value());
  CHECK(std::get<BinlogPosition>(*colons).file == "a:b.000002");
  for (const char* bad :
       {"", "pg:", "pg:16/B374D848", "pg:16/B374D848:x", "pg:zz:1", "mysql:1234:5", "mysql::1234:5",
        "mysql:f:-1:0", "oracle:1:2", "pg:16/B374D848:1 "}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_position(bad).has_value());
  }
}
