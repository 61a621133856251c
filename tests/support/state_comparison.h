// Comparing what retainly-mock holds with what SQL says it should hold: a wait that polls
// until both sides are equal and, when they never are, a failure message that shows how
// they differ, field by field and array item by array item.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "support/wait_until.h"

namespace cdc::test {

// Polls until `actual_of()` equals `expected`; when `timeout` passes first, fails the
// test case with "<what> never matched:" and `describe(expected, actual)`.
template <typename Value>
void wait_for_equal(const std::function<Value()>& actual_of, const Value& expected,
                    const std::string& what,
                    const std::function<std::string(const Value&, const Value&)>& describe,
                    std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
  Value actual;
  if (poll_until(
          [&] {
            actual = actual_of();
            return actual == expected;
          },
          timeout)) {
    return;
  }
  FAIL(what << " never matched:" << describe(expected, actual));
}

// Customers keyed by id (as text) to their fields, as customers_by_id gives them.
using CustomerMap = std::map<std::string, nlohmann::json>;

// The first few customers that differ, each shown whole on both sides.
std::string customer_differences(const CustomerMap& expected, const CustomerMap& actual);

// A summary of every difference: customers only one side has, and per field how many
// customers differ in it; for array fields of items with an "id", items missing, extra,
// or differing per item field. Each kind comes with up to `examples_per_kind` examples,
// both sides shown with long strings shortened.
std::string field_differences(const CustomerMap& expected, const CustomerMap& actual,
                              int examples_per_kind = 2);

}  // namespace cdc::test
