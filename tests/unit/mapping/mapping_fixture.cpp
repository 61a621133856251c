#include "mapping_fixture.h"

namespace cdc::mapping::testing {

std::shared_ptr<const TableSchema> make_schema(const std::string& qualified,
                                               const std::vector<std::string>& columns,
                                               const std::vector<std::string>& keys,
                                               uint64_t version) {
  auto schema = std::make_shared<TableSchema>();
  const auto dot = qualified.find('.');
  schema->id = TableId{qualified.substr(0, dot), qualified.substr(dot + 1)};
  for (const auto& name : columns) {
    bool key = false;
    for (const auto& k : keys) key = key || k == name;
    schema->columns.push_back(Column{name, "text", key});
  }
  schema->version = version;
  return schema;
}

Position pg_at(uint64_t lsn, uint32_t index) { return PgPosition{PgLsn{lsn}, index}; }

namespace {

RowChange change_of(Operation op, std::shared_ptr<const TableSchema> schema, Row before, Row after,
                    Position position) {
  RowChange change;
  change.op = op;
  change.table = std::move(schema);
  change.before = std::move(before);
  change.after = std::move(after);
  change.position = std::move(position);
  return change;
}

}  // namespace

RowChange insert_of(std::shared_ptr<const TableSchema> schema, Row after, Position position) {
  return change_of(Operation::kInsert, std::move(schema), {}, std::move(after),
                   std::move(position));
}

RowChange snapshot_of(std::shared_ptr<const TableSchema> schema, Row after) {
  return change_of(Operation::kSnapshotRead, std::move(schema), {}, std::move(after), pg_at(0x500));
}

RowChange update_of(std::shared_ptr<const TableSchema> schema, Row before, Row after,
                    Position position) {
  return change_of(Operation::kUpdate, std::move(schema), std::move(before), std::move(after),
                   std::move(position));
}

RowChange delete_of(std::shared_ptr<const TableSchema> schema, Row before, Position position) {
  return change_of(Operation::kDelete, std::move(schema), std::move(before), {},
                   std::move(position));
}

Mapper mapper_from(std::string_view yaml, const MappingOptions& options) {
  std::vector<TableMapping> mappings;
  mappings.push_back(parse_mapping(yaml, "test.yaml", options));
  return Mapper(std::move(mappings));
}

MappingOutput map_one(const Mapper& mapper, const RowChange& change) {
  MappingOutput out;
  mapper.map(change, out);
  return out;
}

std::string attributes_of(const retainly::Call& call) {
  std::string out = "{";
  for (size_t i = 0; i < call.attributes.size(); ++i) {
    if (i > 0) out += ",";
    out += "\"" + call.attributes[i].name.str() + "\":" + call.attributes[i].json;
  }
  return out + "}";
}

std::string describe(const retainly::Call& call) {
  switch (call.kind) {
    case retainly::CallKind::kCustomerUpsert:
      return "upsert " + call.customer_id + " " + attributes_of(call);
    case retainly::CallKind::kCustomerDelete:
      return "delete " + call.customer_id;
    case retainly::CallKind::kArrayUpsert:
      return "array_upsert " + call.customer_id + " " + call.field + " " + call.item_id + " " +
             attributes_of(call);
    case retainly::CallKind::kArrayDelete:
      return "array_delete " + call.customer_id + " " + call.field + " " + call.item_id;
    case retainly::CallKind::kEvent:
      return "event " + call.customer_id + " " + call.event_name + " " + attributes_of(call);
  }
  return "?";
}

std::vector<std::string> describe(const MappingOutput& out) {
  std::vector<std::string> lines;
  for (const auto& call : out.calls) lines.push_back(describe(call));
  for (const auto& rejection : out.rejections) lines.push_back("REJECTED: " + rejection.reason);
  return lines;
}

std::vector<std::string> describe_skips(const MappingOutput& out) {
  std::vector<std::string> lines;
  for (const Skip& skip : out.skips) {
    std::string line = skip.whole_call ? "skip whole " : "skip ";
    line += skip.kind == retainly::CallKind::kArrayUpsert ? "array_upsert " : "upsert ";
    line += skip.customer_id;
    if (!skip.field.empty()) line += " " + skip.field + " " + skip.item_id;
    line += " [";
    for (size_t i = 0; i < skip.fields.size(); ++i) {
      line += (i > 0 ? "," : "") + skip.fields[i].name.str();
    }
    line += "]";
    if (skip.reason != SkipReason::kOldImage)
      line += std::string(" (") + to_string(skip.reason) + ")";
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string field_json(const Value& value, std::string_view spec, const MappingOptions& options) {
  const std::string yaml =
      "table: public.t\ncustomer:\n  id: id\n  fields:\n    f: " + std::string(spec) + "\n";
  const Mapper mapper = mapper_from(yaml, options);
  const auto out = map_one(mapper, insert_of(make_schema("public.t", {"id", "v"}), {1, value}));
  if (!out.rejections.empty()) return "REJECTED: " + out.rejections.front().reason;
  if (out.calls.size() != 1) return "CALLS: " + std::to_string(out.calls.size());
  for (const auto& attribute : out.calls.front().attributes) {
    if (attribute.name == "f") return attribute.json;
  }
  return "LEFT OUT";
}

}  // namespace cdc::mapping::testing
