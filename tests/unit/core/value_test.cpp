#include <doctest/doctest.h>

#include "core/value.h"
#include "retainly/call.h"

using cdc::Value;

TEST_CASE("Value: NULL and unchanged are different states") {
  Value null_value;
  Value unchanged = cdc::Unchanged{};
  CHECK(null_value.is_null());
  CHECK_FALSE(null_value.is_unchanged());
  CHECK(unchanged.is_unchanged());
  CHECK_FALSE(unchanged.is_null());
  CHECK(null_value != unchanged);
}

TEST_CASE("Value keeps all 64 bits of signed and unsigned integers") {
  Value big = uint64_t{18446744073709551615ull};
  Value small = int64_t{-9223372036854775807 - 1};
  CHECK(big.as<uint64_t>() == 18446744073709551615ull);
  CHECK(small.as<int64_t>() == INT64_MIN);
  CHECK(big.debug_string() == "18446744073709551615u");
}

TEST_CASE("Value arrays nest and compare by content") {
  Value a = cdc::ValueArray{Value(1), Value("x"), Value(cdc::ValueArray{Value(true)})};
  Value b = cdc::ValueArray{Value(1), Value("x"), Value(cdc::ValueArray{Value(true)})};
  CHECK(a == b);
  CHECK(a.debug_string() == "{1, 'x', {true}}");
}

TEST_CASE("lane_key: 1 and \"1\" are the same customer") {
  CHECK(cdc::retainly::lane_key("1") == cdc::retainly::lane_key("\"1\""));
  CHECK(cdc::retainly::lane_key("\"abc\"") == "abc");
}
