// Partial JSON updates (PARTIAL_UPDATE_ROWS_EVENT, binlog_row_value_options=
// PARTIAL_JSON): instead of the new document, the after image of a JSON column holds
// the list of changes applied to the old one. Each diff (MySQL sql/json_diff.cc,
// Json_diff_vector::write_binary): operation(1: 0 replace, 1 insert, 2 remove)
// path_length(packed) path, and unless removing value_length(packed) value (binary
// JSON). Paths are simple MySQL JSON paths: $, .member, ."quoted member", [index].
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/mysql/byte_reader.h"

namespace cdc::mysql {

enum class JsonDiffOperation : uint8_t { kReplace = 0, kInsert = 1, kRemove = 2 };

struct JsonDiff {
  JsonDiffOperation operation = JsonDiffOperation::kReplace;
  std::string path;
  std::string value;  // compact JSON text; empty for kRemove
  friend bool operator==(const JsonDiff&, const JsonDiff&) = default;
};

// Decodes the diffs of one column value (the bytes after its length prefix).
// `base_offset` locates them in the event for error messages.
std::vector<JsonDiff> decode_json_diffs(Bytes data, size_t base_offset = 0);

// Applies `diffs` in order to the JSON document `before` and returns the compact text
// of the result, object keys in MySQL's order (shorter keys first, then bytewise).
// Semantics follow JSON_REPLACE / JSON_ARRAY_INSERT or JSON_SET / JSON_REMOVE, which
// are the only functions that produce partial updates. Throws ProtocolError when
// `before` is not JSON, a path is malformed, or a path does not exist in the document.
std::string apply_json_diff(std::string_view before, const std::vector<JsonDiff>& diffs);

}  // namespace cdc::mysql
