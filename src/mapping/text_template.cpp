#include "mapping/text_template.h"

#include "mapping/value_text.h"

namespace cdc::mapping {
namespace {

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<TextTemplate> TextTemplate::parse(
    std::string_view text, const std::function<uint32_t(std::string_view)>& slot_of,
    std::string& error, size_t& error_offset) {
  TextTemplate result;
  result.text_ = std::string(text);
  size_t pos = 0;
  std::string literal;
  while (pos < text.size()) {
    const size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      literal += text.substr(pos);
      break;
    }
    literal += text.substr(pos, open - pos);
    const size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      error = "'{{' is not closed with '}}'";
      error_offset = open;
      return std::nullopt;
    }
    const std::string_view inside = trim_spaces(text.substr(open + 2, close - open - 2));
    if (inside.empty() || inside.find_first_of("{} ") != std::string_view::npos) {
      error = "expected a column name between {{ and }}";
      error_offset = open;
      return std::nullopt;
    }
    const ImageColumn column = split_image_prefix(inside);
    if (column.name.empty()) {
      error = "expected a column name after the image prefix";
      error_offset = open;
      return std::nullopt;
    }
    result.parts_.push_back(
        Part{std::move(literal), ColumnRef{column.image, slot_of(column.name)}});
    result.names_.emplace_back(inside);
    literal.clear();
    pos = close + 2;
  }
  if (!literal.empty() || result.parts_.empty()) result.parts_.push_back(Part{literal, {}});
  return result;
}

TextTemplate::Rendered TextTemplate::render(const RowView& row, const TimeZone& zone,
                                            std::string& out, std::string& error) const {
  size_t named = 0;
  for (const Part& part : parts_) {
    out += part.literal;
    if (!part.column) continue;
    const std::string& name = names_[named++];
    const Value* value = row.read(*part.column);
    if (value == nullptr) {
      error = "template column " + name + " was not sent by the source";
      return Rendered::kUnknown;
    }
    if (!append_value_text(out, *value, zone)) {
      error = "template column " + name + " holds " + value->debug_string() +
              ", which has no text form Retainly accepts";
      return Rendered::kInvalid;
    }
  }
  return Rendered::kDone;
}

}  // namespace cdc::mapping
