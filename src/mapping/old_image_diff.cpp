#include "mapping/old_image_diff.h"

#include <bit>

#include "mapping/field_writer.h"

namespace cdc::mapping {
namespace {

// Whether the field reads the image a row view chooses (bare column names) only. A field
// reading before.x or after.x gives the same text in both mappings without that text
// having been sent before, so it cannot be compared.
bool reads_current_image(const FieldSpec& spec) {
  switch (spec.source) {
    case FieldSpec::Source::kConstant:
      return true;
    case FieldSpec::Source::kColumn:
      return spec.column.image == Image::kCurrent;
    case FieldSpec::Source::kTemplate:
      for (const auto& part : spec.text_template->parts()) {
        if (part.column && part.column->image != Image::kCurrent) return false;
      }
      return true;
  }
  return false;
}

// Both known and the same value, to the bit: -0.0 and 0.0 may print differently.
bool identical(const RowView& old_view, const RowView& new_view, ColumnRef column) {
  const Value* old_value = old_view.read(column);
  const Value* new_value = new_view.read(column);
  if (old_value == nullptr || new_value == nullptr) return false;
  const auto* old_double = old_value->get_if<double>();
  const auto* new_double = new_value->get_if<double>();
  if (old_double != nullptr && new_double != nullptr) {
    return std::bit_cast<uint64_t>(*old_double) == std::bit_cast<uint64_t>(*new_double);
  }
  return *old_value == *new_value;
}

// The field reads identical values in both images (REQUIRES: reads_current_image).
bool same_values(const FieldSpec& spec, const RowView& old_view, const RowView& new_view) {
  switch (spec.source) {
    case FieldSpec::Source::kConstant:
      return true;
    case FieldSpec::Source::kColumn:
      return identical(old_view, new_view, spec.column);
    case FieldSpec::Source::kTemplate:
      for (const auto& part : spec.text_template->parts()) {
        if (part.column && !identical(old_view, new_view, *part.column)) return false;
      }
      return true;
  }
  return false;
}

}  // namespace

void map_old_image(const std::vector<Field>& fields, const RowView& old_view,
                   const RowView& new_view, WriteContext& ctx, FieldAttributes& out) {
  out.clear();
  out.ends.reserve(fields.size());
  out.same.reserve(fields.size());
  for (const Field& field : fields) {
    const size_t start = out.attributes.size();
    bool same = false;
    if (reads_current_image(field.spec)) {
      same = same_values(field.spec, old_view, new_view);
      if (!same && write_field(field, old_view, ctx, out.attributes) == FieldOutcome::kRefused) {
        out.attributes.resize(start);
      }
    }
    out.ends.push_back(static_cast<uint32_t>(out.attributes.size()));
    out.same.push_back(same ? 1 : 0);
  }
}

OldImageMatch mark_unchanged(std::span<const retainly::Attribute> now,
                             std::span<const uint32_t> now_ends, const FieldAttributes& old,
                             std::vector<char>& unchanged) {
  unchanged.assign(now.size(), 0);
  OldImageMatch result;
  uint32_t now_begin = 0;
  uint32_t old_begin = 0;
  for (size_t i = 0; i < now_ends.size() && i < old.ends.size(); ++i) {
    const uint32_t now_end = now_ends[i];
    const uint32_t old_end = old.ends[i];
    if (old.same[i] != 0) {
      for (uint32_t k = now_begin; k < now_end; ++k) unchanged[k] = 1;
      result.count += now_end - now_begin;
    } else {
      // One attribute per field but for flattened json objects, whose keys are few: a
      // linear search within the field's range.
      uint32_t matched = 0;
      for (uint32_t k = now_begin; k < now_end; ++k) {
        const retainly::Attribute& attribute = now[k];
        for (uint32_t j = old_begin; j < old_end; ++j) {
          if (old.attributes[j].name != attribute.name) continue;
          ++matched;
          if (old.attributes[j].json == attribute.json) {
            unchanged[k] = 1;
            ++result.count;
          }
          break;
        }
      }
      result.others = result.others || matched < old_end - old_begin;
    }
    now_begin = now_end;
    old_begin = old_end;
  }
  return result;
}

}  // namespace cdc::mapping
