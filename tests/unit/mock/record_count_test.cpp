#include "mock/record_count.h"

#include <doctest/doctest.h>

#include <optional>
#include <string>

using cdc::mock::count_array_elements;

TEST_CASE("record count: elements of the named top-level array, whatever they hold") {
  CHECK(count_array_elements(R"({"customers": []})", "customers") == 0u);
  CHECK(count_array_elements(R"({"customers":[{"id":1}]})", "customers") == 1u);
  CHECK(count_array_elements(R"( { "customers" : [ {"id": 1, "tags": [1, 2, {"a": []}]},
                                   {"id": "x,]}"}, {"id": 3} ] } )",
                             "customers") == 3u);
  CHECK(count_array_elements(R"({"customers_ids":[1,"2",3.5,null]})", "customers_ids") == 4u);
}

TEST_CASE("record count: other keys before the array are skipped, strings and all") {
  CHECK(count_array_elements(R"({"meta": {"customers": [1]}, "n": 2, "s": "a\"[",
                                 "records": [{"customer_id": 1}, {"customer_id": 2}]})",
                             "records") == 2u);
  CHECK(count_array_elements(R"({"custo\"mers": [1], "customers": [1, 2]})", "customers") == 2u);
}

TEST_CASE("record count: a quote after an even run of backslashes closes its string") {
  CHECK(count_array_elements(R"({"customers": [{"a": "x\\\\"}, {"b": "\\\\\\\""}]})",
                             "customers") == 2u);
  CHECK(count_array_elements(R"({"customers": ["\\\\\\\"]"]})", "customers") == 1u);
  CHECK(count_array_elements(R"({"customers": ["\\\\", 2]})", "customers") == 2u);
  CHECK(count_array_elements(R"({"customers": ["\\"]})", "customers") == 1u);
  CHECK(count_array_elements(R"({"customers": ["\\\"]})", "customers") == std::nullopt);
}

TEST_CASE("record count: a body without the array, or not closing, counts nothing") {
  CHECK(count_array_elements("", "customers") == std::nullopt);
  CHECK(count_array_elements("[1, 2]", "customers") == std::nullopt);
  CHECK(count_array_elements(R"({"records": [1]})", "customers") == std::nullopt);
  CHECK(count_array_elements(R"({"customers": {"id": 1}})", "customers") == std::nullopt);
  CHECK(count_array_elements(R"({"customers": [{"id": 1}, {"id": 2)", "customers") == std::nullopt);
  CHECK(count_array_elements(R"({"customers": [{"id": "1}]})", "customers") == std::nullopt);
  CHECK(count_array_elements(R"({"customers": [1, 2)", "customers") == std::nullopt);
}

TEST_CASE("record count: a large body is counted exactly") {
  std::string body = R"({"customers":[)";
  for (int i = 0; i < 1000; ++i) {
    if (i != 0) body += ',';
    body += R"({"id":)" + std::to_string(i) + R"(,"note":"item, [)" + std::to_string(i) +
            R"(] \" {","n":[1,2]})";
  }
  body += "]}";
  CHECK(count_array_elements(body, "customers") == 1000u);
}
