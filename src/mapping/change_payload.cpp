#include "mapping/change_payload.h"

#include "core/json_string.h"
#include "mapping/json_document.h"
#include "mapping/utf8_text.h"
#include "mapping/value_json.h"
#include "mapping/value_text.h"

namespace cdc::mapping {
namespace {

void append_value(std::string& out, const Value& value, WriteContext& ctx) {
  if (const auto* json = value.get_if<Json>()) {
    if (auto doc = parse_json_text(json->text, ctx)) {
      out += compact_json(*doc);
      return;
    }
  }
  if (value.is<std::string>() || value.is<Bytes>()) {
    ctx.text.clear();
    append_value_text(ctx.text, value, *ctx.zone);
    std::string valid;
    append_valid_utf8(valid, ctx.text);
    append_json_string(out, valid);
    return;
  }
  const size_t mark = out.size();
  if (!append_default_json(out, value, {}, ctx)) {
    out.resize(mark);
    append_json_string(out, value.debug_string());
  }
}

void append_image(std::string& out, const char* name, const Row& row, const TableSchema& schema,
                  WriteContext& ctx) {
  out += ",\"";
  out += name;
  out += "\":{";
  bool first = true;
  for (size_t i = 0; i < row.size(); ++i) {
    if (row[i].is_unchanged()) continue;
    if (!first) out += ',';
    first = false;
    append_json_string(
        out, i < schema.columns.size() ? schema.columns[i].name : "#" + std::to_string(i));
    out += ':';
    append_value(out, row[i], ctx);
  }
  out += '}';
}

}  // namespace

std::string change_payload(const RowChange& change, const TimeZone& zone) {
  WriteContext ctx;
  ctx.zone = &zone;
  ctx.string_policy = StringPolicy::kTruncate;
  std::string out = "{\"op\":\"";
  out += to_string(change.op);
  out += '"';
  static const TableSchema kNoSchema;
  const TableSchema& schema = change.table ? *change.table : kNoSchema;
  if (!change.before.empty()) append_image(out, "before", change.before, schema, ctx);
  if (!change.after.empty()) append_image(out, "after", change.after, schema, ctx);
  out += '}';
  return out;
}

}  // namespace cdc::mapping
