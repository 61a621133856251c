#include "mapping/load_context.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <set>

#include "mapping/decimal_text.h"
#include "mapping/expression_parser.h"
#include "mapping/field_writer.h"
#include "mapping/retainly_limits.h"
#include "mapping/utf8_text.h"

namespace cdc::mapping {
namespace {

// A YAML scalar as a constant: plain true/false/null/numbers keep their type, quoted
// text stays text.
Value constant_of(const YAML::Node& node) {
  if (node.IsNull()) return Value(Null{});
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return Value(text);
  if (text == "true" || text == "True" || text == "TRUE") return Value(true);
  if (text == "false" || text == "False" || text == "FALSE") return Value(false);
  if (text == "~" || text == "null" || text == "Null" || text == "NULL") return Value(Null{});
  int64_t integer = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), integer);
  if (ec == std::errc() && end == text.data() + text.size()) return Value(integer);
  if (auto parts = parse_decimal(text)) {
    std::string canonical;
    append_decimal_number(canonical, *parts);
    return Value(Decimal{std::move(canonical)});
  }
  char* stop = nullptr;
  const double d = std::strtod(text.c_str(), &stop);
  if (!text.empty() && stop == text.c_str() + text.size() && std::isfinite(d) &&
      text.find_first_of("xXnN") == std::string::npos) {
    return Value(d);
  }
  return Value(text);
}

std::string constant_json(LoadContext& ctx, const YAML::Node& node, const std::string& key,
                          const FieldSpec& spec, Placement placement) {
  Value value;
  if (node.IsSequence()) {
    ValueArray items;
    for (const auto& item : node) {
      if (!item.IsScalar() && !item.IsNull()) {
        ctx.yaml().fail(item, key, "a constant list holds plain values only");
      }
      items.push_back(constant_of(item));
    }
    value = Value(std::move(items));
  } else if (node.IsScalar() || node.IsNull()) {
    value = constant_of(node);
  } else {
    ctx.yaml().fail(node, key, "expected a constant (a scalar or a list of scalars)");
  }
  if (value.is_null()) return "null";
  WriteContext write = ctx.write_context(placement);
  write.string_policy = StringPolicy::kDeadLetter;  // a constant is never cut silently
  std::string json;
  if (!write_value_json(value, spec, write, json)) ctx.yaml().fail(node, key, write.error);
  return json;
}

std::vector<Transform> load_transforms(LoadContext& ctx, const YAML::Node& node,
                                       const std::string& key) {
  std::vector<Transform> out;
  auto one = [&](const YAML::Node& item) {
    const std::string name = ctx.yaml().scalar(item, key, "lower, upper or trim");
    auto t = parse_transform(name);
    if (!t)
      ctx.yaml().fail(item, key,
                      "unknown transform \"" + name + "\"; expected lower, upper or trim");
    out.push_back(*t);
  };
  if (node.IsSequence()) {
    for (const auto& item : node) one(item);
  } else {
    one(node);
  }
  return out;
}

FieldSpec bare_spec(LoadContext& ctx, const YAML::Node& node, const std::string& key) {
  FieldSpec spec;
  const std::string text = node.Scalar();
  if (text.empty()) ctx.yaml().fail(node, key, "expected a column name or a template");
  if (TextTemplate::looks_like_template(text)) {
    std::string error;
    size_t offset = 0;
    spec.source = FieldSpec::Source::kTemplate;
    spec.text_template = TextTemplate::parse(
        text, [&](std::string_view name) { return ctx.slot_of(name); }, error, offset);
    if (!spec.text_template) ctx.yaml().fail_in_text(node, key, offset, error);
    return spec;
  }
  spec.source = FieldSpec::Source::kColumn;
  spec.column = ctx.column_ref(text, node, key);
  return spec;
}

}  // namespace

uint32_t LoadContext::slot_of(std::string_view name) {
  auto it = slots_.find(name);
  if (it != slots_.end()) return it->second;
  const auto slot = static_cast<uint32_t>(table_.columns.size());
  table_.columns.emplace_back(name);
  slots_.emplace(std::string(name), slot);
  return slot;
}

ColumnRef LoadContext::column_ref(std::string_view text, const YAML::Node& node,
                                  const std::string& key) {
  const ImageColumn column = split_image_prefix(text);
  if (column.name.empty()) yaml_.fail(node, key, "expected a column name after the prefix");
  return ColumnRef{column.image, slot_of(column.name)};
}

WriteContext LoadContext::write_context(Placement placement) const {
  WriteContext write;
  write.zone = table_.zone.get();
  write.string_policy = table_.string_policy;
  write.decimal_as_string = table_.decimal_as_string;
  write.placement = placement;
  return write;
}

FieldSpec load_field_spec(LoadContext& ctx, const YAML::Node& node, const std::string& key,
                          const std::string& field_name, Placement placement, BareScalar bare) {
  const YamlFile& yaml = ctx.yaml();
  if (bare == BareScalar::kConstant && (node.IsScalar() || node.IsNull() || node.IsSequence())) {
    FieldSpec spec;
    spec.source = FieldSpec::Source::kConstant;
    spec.constant_json = constant_json(ctx, node, key, spec, placement);
    return spec;
  }
  if (node.IsScalar()) return bare_spec(ctx, node, key);
  if (!node.IsMap()) {
    yaml.fail(node, key,
              "expected a column name, a template or a mapping with column, "
              "template or value");
  }
  yaml.check_keys(node, key,
                  {"column", "template", "value", "type", "transform", "flatten", "as", "default"});
  const int sources =
      (node["column"] ? 1 : 0) + (node["template"] ? 1 : 0) + (node["value"] ? 1 : 0);
  if (sources != 1) yaml.fail(node, key, "expected exactly one of column, template or value");

  FieldSpec spec;
  if (const auto type = node["type"]) {
    const std::string name = yaml.scalar(type, join_key(key, "type"), "a type name");
    auto parsed = parse_field_type(name);
    if (!parsed) {
      yaml.fail(type, join_key(key, "type"),
                "unknown type \"" + name +
                    "\"; expected string, number, boolean, date, date_time, array or json");
    }
    spec.type = *parsed;
  }
  if (const auto transform = node["transform"]) {
    spec.transforms = load_transforms(ctx, transform, join_key(key, "transform"));
    if (spec.type == FieldType::kNumber || spec.type == FieldType::kBoolean ||
        spec.type == FieldType::kDate || spec.type == FieldType::kDateTime) {
      yaml.fail(
          transform, join_key(key, "transform"),
          std::string("transforms apply to text; this field has type ") + to_string(spec.type));
    }
  }
  if (const auto flatten = node["flatten"]) {
    const std::string flatten_key = join_key(key, "flatten");
    if (spec.type != FieldType::kAuto && spec.type != FieldType::kJson) {
      yaml.fail(flatten, flatten_key, "flatten applies to json values (type json or none)");
    }
    const std::string prefix = yaml.scalar(flatten, flatten_key, "a prefix or true");
    if (prefix == "false") {
      // `flatten: false` states the default explicitly.
    } else if (prefix == "true" && flatten.Tag() != "!") {
      spec.flatten_prefix = field_name;
    } else {
      spec.flatten_prefix = prefix;
    }
  }
  if (const auto as = node["as"]) {
    if (yaml.scalar(as, join_key(key, "as"), "string") != "string") {
      yaml.fail(as, join_key(key, "as"), "expected string (the only form `as` takes)");
    }
    if (spec.flatten_prefix)
      yaml.fail(as, join_key(key, "as"), "as: string and flatten exclude each other");
    spec.as_string = true;
  }

  if (const auto column = node["column"]) {
    spec.source = FieldSpec::Source::kColumn;
    const std::string column_key = join_key(key, "column");
    spec.column =
        ctx.column_ref(yaml.scalar(column, column_key, "a column name"), column, column_key);
  } else if (const auto text = node["template"]) {
    const std::string template_key = join_key(key, "template");
    const std::string source = yaml.scalar(text, template_key, "a template text");
    std::string error;
    size_t offset = 0;
    spec.source = FieldSpec::Source::kTemplate;
    spec.text_template = TextTemplate::parse(
        source, [&](std::string_view name) { return ctx.slot_of(name); }, error, offset);
    if (!spec.text_template) yaml.fail_in_text(text, template_key, offset, error);
  } else {
    spec.source = FieldSpec::Source::kConstant;
    if (node["default"])
      yaml.fail(node["default"], join_key(key, "default"), "a constant value needs no default");
    spec.constant_json = constant_json(ctx, node["value"], join_key(key, "value"), spec, placement);
  }
  if (const auto fallback = node["default"]) {
    spec.default_json = constant_json(ctx, fallback, join_key(key, "default"), spec, placement);
  }
  return spec;
}

std::vector<Field> load_fields(LoadContext& ctx, const YAML::Node& node, const std::string& key,
                               Placement placement, std::string_view reserved, BareScalar bare) {
  std::vector<Field> fields;
  if (!node || node.IsNull()) return fields;
  ctx.yaml().require_map(node, key, "a mapping of field names to columns, templates or specs");
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string name = it->first.Scalar();
    const std::string field_key = join_key(key, name);
    if (name.empty()) ctx.yaml().fail(it->first, key, "a field name cannot be empty");
    if (name == reserved) {
      ctx.yaml().fail(it->first, field_key,
                      "\"" + name + "\" is sent by the call itself; choose another field name");
    }
    fields.push_back(Field{retainly::Name::interned(name),
                           load_field_spec(ctx, it->second, field_key, name, placement, bare)});
  }
  return fields;
}

IdSpec load_id(LoadContext& ctx, const YAML::Node& node, const std::string& key) {
  IdSpec id;
  id.source = ctx.yaml().scalar(node, key, "a column name or a template");
  if (id.source.empty()) ctx.yaml().fail(node, key, "expected a column name or a template");
  if (TextTemplate::looks_like_template(id.source)) {
    std::string error;
    size_t offset = 0;
    id.text_template = TextTemplate::parse(
        id.source, [&](std::string_view name) { return ctx.slot_of(name); }, error, offset);
    if (!id.text_template) ctx.yaml().fail_in_text(node, key, offset, error);
  } else {
    id.column = ctx.column_ref(id.source, node, key);
  }
  return id;
}

Expression load_expression(LoadContext& ctx, const YAML::Node& node, const std::string& key,
                           bool allow_images) {
  const std::string text = ctx.yaml().scalar(node, key, "a condition");
  ExpressionRules rules;
  rules.allow_images = allow_images;
  rules.slot_of = [&](std::string_view name) { return ctx.slot_of(name); };
  ExpressionError error;
  auto expression = parse_expression(text, rules, error);
  if (!expression) {
    ctx.yaml().fail_in_text(node, key, error.offset,
                            error.message + " (at character " + std::to_string(error.offset + 1) +
                                " of \"" + text + "\")");
  }
  return std::move(*expression);
}

}  // namespace cdc::mapping
