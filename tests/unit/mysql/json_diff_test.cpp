// Partial JSON updates: the diff list of PARTIAL_UPDATE_ROWS_EVENT and applying it.
#include <doctest/doctest.h>

#include "connectors/mysql/json_diff.h"
#include "core/errors.h"
#include "event_builder.h"

namespace cdc::mysql::testing {

TEST_CASE("json diff: replace, insert and remove decode with their paths and values") {
  ByteWriter w;
  w.u8(0).packed(3).str("$.a").packed(3).hex("05 0200");
  w.u8(1).packed(8).str("$.arr[1]").packed(3).hex("0c 01 78");
  w.u8(2).packed(18).str("$.\"key with space\"");
  CHECK(decode_json_diffs(w.view()) ==
        std::vector<JsonDiff>{{JsonDiffOperation::kReplace, "$.a", "2"},
                              {JsonDiffOperation::kInsert, "$.arr[1]", "\"x\""},
                              {JsonDiffOperation::kRemove, "$.\"key with space\"", ""}});
}

TEST_CASE("json diff: an unknown operation or a cut value is a protocol error") {
  CHECK_THROWS_AS(decode_json_diffs(ByteWriter().u8(3).packed(1).str("$").view()), ProtocolError);
  CHECK_THROWS_AS(decode_json_diffs(ByteWriter().u8(0).packed(1).str("$").packed(5).view()),
                  ProtocolError);
}

TEST_CASE("json diff: applied in order; keys come out in MySQL's order") {
  const std::vector<JsonDiff> diffs = {
      {JsonDiffOperation::kReplace, "$.a", "2"},
      {JsonDiffOperation::kInsert, "$.arr[1]", "\"x\""},
      {JsonDiffOperation::kRemove, "$.\"key with space\"", ""},
      {JsonDiffOperation::kInsert, "$.b", "{\"zz\":1,\"y\":[]}"},
  };
  CHECK(apply_json_diff(R"({"a":1,"arr":[0,2],"key with space":true})", diffs) ==
        R"({"a":2,"b":{"y":[],"zz":1},"arr":[0,"x",2]})");
}

TEST_CASE("json diff: replacing the whole document and removing array elements") {
  CHECK(apply_json_diff("[1,2,3]", {{JsonDiffOperation::kRemove, "$[0]", ""}}) == "[2,3]");
  CHECK(apply_json_diff("[1]", {{JsonDiffOperation::kReplace, "$", "{\"n\":null}"}}) ==
        R"({"n":null})");
  CHECK(apply_json_diff(R"({"a":{"b":[1,{"c":1}]}})",
                        {{JsonDiffOperation::kReplace, "$.a.b[1].c", "true"}}) ==
        R"({"a":{"b":[1,{"c":true}]}})");
}

TEST_CASE("json diff: a path the document does not have is a protocol error") {
  CHECK_THROWS_AS(apply_json_diff("{}", {{JsonDiffOperation::kReplace, "$.a.b", "1"}}),
                  ProtocolError);
  CHECK_THROWS_AS(apply_json_diff("[1]", {{JsonDiffOperation::kRemove, "$[5]", ""}}),
                  ProtocolError);
  CHECK_THROWS_AS(apply_json_diff("{}", {{JsonDiffOperation::kReplace, "a", "1"}}), ProtocolError);
  CHECK_THROWS_AS(apply_json_diff("not json", {}), ProtocolError);
}

}  // namespace cdc::mysql::testing
