#include "mapping/field_writer.h"

#include "mapping/json_document.h"
#include "mapping/value_json.h"
#include "mapping/value_text.h"

namespace cdc::mapping {
namespace {

// A new attribute named `name` at the end of `out`, built in place: the interned name's
// pointer copied. (Not emplace_back(name, json): clang before 16 has no parenthesized
// aggregate init.)
retainly::Attribute& add_attribute(std::vector<retainly::Attribute>& out,
                                   const retainly::Name& name) {
  retainly::Attribute& attribute = out.emplace_back();
  attribute.name = name;
  return attribute;
}

bool writes_document(const Value& value, const FieldSpec& spec) {
  if (spec.type == FieldType::kJson) return true;
  return spec.type == FieldType::kAuto && value.is<Json>();
}

// A json document under the field's object rules: flattened, stringified or refused.
FieldOutcome write_document(const Field& field, const Value& value, WriteContext& ctx,
                            std::vector<retainly::Attribute>& out) {
  auto doc = json_document_of(value, ctx);
  if (!doc) return FieldOutcome::kRefused;
  const FieldSpec& spec = field.spec;
  if (doc->is_object() && spec.flatten_prefix) {
    return flatten_object(*doc, *spec.flatten_prefix, ctx, out) ? FieldOutcome::kWritten
                                                                : FieldOutcome::kRefused;
  }
  retainly::Attribute& attribute = add_attribute(out, field.name);
  if (spec.as_string && !doc->is_string()) {
    const std::string text = compact_json(*doc);
    return append_text_json(attribute.json, text, spec.transforms, ctx) ? FieldOutcome::kWritten
                                                                        : FieldOutcome::kRefused;
  }
  if (doc->is_object()) {
    ctx.error =
        "a json object, which Retainly refuses as a value; give the field "
        "`flatten: <prefix>` or `as: string`";
    return FieldOutcome::kRefused;
  }
  return append_json_value(attribute.json, *doc, spec.transforms, ctx) ? FieldOutcome::kWritten
                                                                       : FieldOutcome::kRefused;
}

FieldOutcome write_value(const Field& field, const Value& value, WriteContext& ctx,
                         std::vector<retainly::Attribute>& out) {
  const FieldSpec& spec = field.spec;
  if (value.is_null()) {
    if (spec.flatten_prefix && !spec.default_json) return FieldOutcome::kLeftOut;
    add_attribute(out, field.name).json = spec.default_json.value_or("null");
    return FieldOutcome::kWritten;
  }
  FieldOutcome outcome = FieldOutcome::kWritten;
  if (writes_document(value, spec)) {
    outcome = write_document(field, value, ctx, out);
  } else {
    retainly::Attribute& attribute = add_attribute(out, field.name);
    if (!write_value_json(value, spec, ctx, attribute.json)) outcome = FieldOutcome::kRefused;
  }
  if (outcome == FieldOutcome::kRefused) ctx.error = "field " + field.name.str() + ": " + ctx.error;
  return outcome;
}

}  // namespace

bool write_value_json(const Value& value, const FieldSpec& spec, WriteContext& ctx,
                      std::string& out) {
  // Most values, of most fields (no type or `as`): an integer or text, written as
  // append_default_json() would, without its visit of every value kind.
  if (spec.type == FieldType::kAuto && !spec.as_string) {
    if (const auto* number = value.get_if<int64_t>()) {
      append_integer(out, *number);
      return true;
    }
    if (const auto* text = value.get_if<std::string>()) {
      return append_text_json(out, *text, spec.transforms, ctx);
    }
  }
  if (spec.as_string && !value.is<std::string>()) {
    return append_typed_json(out, value, FieldType::kString, spec.transforms, ctx);
  }
  if (spec.type == FieldType::kAuto || spec.type == FieldType::kJson) {
    if (value.is<Json>() || (spec.type == FieldType::kJson && value.is<std::string>())) {
      auto doc = json_document_of(value, ctx);
      return doc && append_json_value(out, *doc, spec.transforms, ctx);
    }
    return append_default_json(out, value, spec.transforms, ctx);
  }
  return append_typed_json(out, value, spec.type, spec.transforms, ctx);
}

FieldOutcome write_field(const Field& field, const RowView& row, WriteContext& ctx,
                         std::vector<retainly::Attribute>& out) {
  const FieldSpec& spec = field.spec;
  switch (spec.source) {
    case FieldSpec::Source::kConstant:
      add_attribute(out, field.name).json = spec.constant_json;
      return FieldOutcome::kWritten;
    case FieldSpec::Source::kTemplate: {
      std::string text;
      switch (spec.text_template->render(row, *ctx.zone, text, ctx.error)) {
        case TextTemplate::Rendered::kDone:
          break;
        case TextTemplate::Rendered::kUnknown:
          return FieldOutcome::kLeftOut;
        case TextTemplate::Rendered::kInvalid:
          ctx.error = "field " + field.name.str() + ": " + ctx.error;
          return FieldOutcome::kRefused;
      }
      return write_value(field, Value(std::move(text)), ctx, out);
    }
    case FieldSpec::Source::kColumn:
      break;
  }
  const Value* value = row.read(spec.column);
  if (value == nullptr) return FieldOutcome::kLeftOut;
  return write_value(field, *value, ctx, out);
}

}  // namespace cdc::mapping
