// "{{first_name}} {{last_name}}": literal text with column values pasted in. Parsed once
// at load; rendering reads the columns through a RowView.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mapping/column_ref.h"
#include "mapping/row_view.h"
#include "mapping/time_zone.h"

namespace cdc::mapping {

class TextTemplate {
 public:
  struct Part {
    std::string literal;              // text before the column (may be empty)
    std::optional<ColumnRef> column;  // absent for the trailing text
  };

  static bool looks_like_template(std::string_view text) {
    return text.find("{{") != std::string_view::npos;
  }

  // nullopt with `error` (and `error_offset` into `text`) when a {{ is not closed or holds
  // no column name. `slot_of` gives the mapping's slot for a column name.
  static std::optional<TextTemplate> parse(std::string_view text,
                                           const std::function<uint32_t(std::string_view)>& slot_of,
                                           std::string& error, size_t& error_offset);

  enum class Rendered {
    kDone,
    kUnknown,  // a column was not sent by the source
    kInvalid,  // a value has no text form (a date beyond year 9999, broken json)
  };

  // Appends the rendered text: NULL renders as nothing, other values as their text form
  // (value_text.h). On kUnknown and kInvalid, `error` says which column and why.
  Rendered render(const RowView& row, const TimeZone& zone, std::string& out,
                  std::string& error) const;

  const std::vector<Part>& parts() const { return parts_; }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::vector<Part> parts_;
  std::vector<std::string> names_;  // per part with a column, for messages
};

}  // namespace cdc::mapping
