// One row of `COPY ... TO STDOUT` in text format, split into its fields. Pure.
//
// PostgreSQL docs, COPY, "Text Format": fields are separated by a tab and the row ends
// with a newline; \N alone is NULL; in other fields a backslash starts an escape:
// \b \f \n \r \t \v, \\ (and any other character after a backslash stands for itself),
// \digits (1 to 3 octal digits) and \xdigits (1 or 2 hex digits) for a byte. COPY TO
// writes only \\, \b, \f, \n, \r, \t and \v (CopyAttributeOutText); the rest is read too.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cdc::pg {

// Splits copy rows into fields, reusing its buffers from row to row.
class PgCopyRow {
 public:
  // Splits `line` (one row, with or without its final newline) into exactly `fields`
  // fields. Returns false when it has another number of fields or ends in a lone
  // backslash. On success field(i) is valid until the next split() and no longer than
  // `line` lives: a field without escapes is a view into `line`, others into this object.
  bool split(std::string_view line, size_t fields);

  // nullopt for NULL.
  const std::optional<std::string_view>& field(size_t i) const { return fields_[i]; }
  size_t size() const { return fields_.size(); }

 private:
  std::vector<std::optional<std::string_view>> fields_;
  std::vector<std::string> unescaped_;  // per field, for those with escapes
};

}  // namespace cdc::pg
