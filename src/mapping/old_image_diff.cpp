#include "mapping/old_image_diff.h"

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

}  // namespace

void map_old_image(const std::vector<Field>& fields, const RowView& old_view, WriteContext& ctx,
                   FieldAttributes& out) {
  out.clear();
  out.ends.reserve(fields.size());
  for (const Field& field : fields) {
    const size_t start = out.attributes.size();
    if (reads_current_image(field.spec) &&
        write_field(field, old_view, ctx, out.attributes) == FieldOutcome::kRefused) {
      out.attributes.resize(start);
    }
    out.ends.push_back(static_cast<uint32_t>(out.attributes.size()));
  }
}

size_t mark_unchanged(const FieldAttributes& now, const FieldAttributes& old,
                      std::vector<char>& unchanged) {
  unchanged.assign(now.attributes.size(), 0);
  size_t count = 0;
  uint32_t now_begin = 0;
  uint32_t old_begin = 0;
  for (size_t i = 0; i < now.ends.size() && i < old.ends.size(); ++i) {
    const uint32_t now_end = now.ends[i];
    const uint32_t old_end = old.ends[i];
    // One attribute per field but for flattened json objects, whose keys are few: a
    // linear search within the field's range.
    for (uint32_t k = now_begin; k < now_end; ++k) {
      const retainly::Attribute& attribute = now.attributes[k];
      for (uint32_t j = old_begin; j < old_end; ++j) {
        if (old.attributes[j].name == attribute.name) {
          if (old.attributes[j].json == attribute.json) {
            unchanged[k] = 1;
            ++count;
          }
          break;
        }
      }
    }
    now_begin = now_end;
    old_begin = old_end;
  }
  return count;
}

}  // namespace cdc::mapping
