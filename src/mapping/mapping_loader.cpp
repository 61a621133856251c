#include "mapping/mapping_loader.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/errors.h"
#include "mapping/load_context.h"
#include "mapping/mapping_requirements.h"
#include "mapping/retainly_limits.h"
#include "mapping/utf8_text.h"

namespace cdc::mapping {
namespace {

using ZoneCache = std::map<std::string, std::shared_ptr<const TimeZone>, std::less<>>;

constexpr std::string_view kNoKey = "none";

YAML::Node required(const YamlFile& yaml, const YAML::Node& map, std::string_view name,
                    std::string_view parent) {
  const YAML::Node node = map[std::string(name)];
  if (!node || node.IsNull()) yaml.fail(map, parent, "missing key " + std::string(name));
  return node;
}

void check_field_limits(const YamlFile& yaml, const YAML::Node& node, const std::string& key,
                        const std::vector<Field>& fields) {
  if (fields.size() + 1 > kMaxCustomerFields) {
    yaml.fail(
        node, key,
        std::to_string(fields.size()) + " fields plus the id; Retainly allows 500 customer fields");
  }
  const auto arrays = std::count_if(fields.begin(), fields.end(), [](const Field& f) {
    return f.spec.type == FieldType::kArray;
  });
  if (static_cast<size_t>(arrays) > kMaxArrayAttributes) {
    yaml.fail(node, key, std::to_string(arrays) + " fields of type array; Retainly allows 15");
  }
}

CustomerTarget load_customer(LoadContext& ctx, const YAML::Node& node) {
  const YamlFile& yaml = ctx.yaml();
  yaml.check_keys(node, "customer", {"id", "fields", "on_delete"});
  CustomerTarget customer;
  customer.id = load_id(ctx, required(yaml, node, "id", "customer"), "customer.id");
  customer.fields =
      load_fields(ctx, node["fields"], "customer.fields", Placement::kAttribute, "id");
  check_field_limits(yaml, node["fields"] ? node["fields"] : node, "customer.fields",
                     customer.fields);
  const YAML::Node on_delete = node["on_delete"];
  if (!on_delete) return customer;
  if (on_delete.IsMap()) {
    yaml.check_keys(on_delete, "customer.on_delete", {"set"});
    const YAML::Node set = required(yaml, on_delete, "set", "customer.on_delete");
    customer.on_delete = DeleteAction::kSet;
    customer.set_fields = load_fields(ctx, set, "customer.on_delete.set", Placement::kAttribute,
                                      "id", BareScalar::kConstant);
    if (customer.set_fields.empty()) {
      yaml.fail(set, "customer.on_delete.set", "expected at least one field to set");
    }
    check_field_limits(yaml, set, "customer.on_delete.set", customer.set_fields);
    return customer;
  }
  const std::string action =
      yaml.scalar(on_delete, "customer.on_delete", "delete, ignore or { set: {...} }");
  if (action == "delete") {
    customer.on_delete = DeleteAction::kDelete;
  } else if (action == "ignore") {
    customer.on_delete = DeleteAction::kIgnore;
  } else {
    yaml.fail(on_delete, "customer.on_delete",
              "expected delete, ignore or { set: {...} }, found \"" + action + "\"");
  }
  return customer;
}

ArrayTarget load_array(LoadContext& ctx, const YAML::Node& node) {
  const YamlFile& yaml = ctx.yaml();
  yaml.check_keys(node, "array", {"customer_id", "field", "item_id", "fields"});
  ArrayTarget array;
  array.customer_id =
      load_id(ctx, required(yaml, node, "customer_id", "array"), "array.customer_id");
  const YAML::Node field = required(yaml, node, "field", "array");
  array.field = yaml.scalar(field, "array.field", "the customer array field's name");
  if (array.field.empty() || array.field == "id") {
    yaml.fail(field, "array.field", "expected the name of a customer array field (not id)");
  }
  array.item_id = load_id(ctx, required(yaml, node, "item_id", "array"), "array.item_id");
  array.fields = load_fields(ctx, node["fields"], "array.fields", Placement::kArrayItem, "id");
  return array;
}

uint8_t load_on(const YamlFile& yaml, const YAML::Node& node, const std::string& key) {
  uint8_t on = 0;
  auto one = [&](const YAML::Node& item) {
    const std::string name = yaml.scalar(item, key, "insert, update or delete");
    uint8_t bit = 0;
    if (name == "insert") bit = kOnInsert;
    if (name == "update") bit = kOnUpdate;
    if (name == "delete") bit = kOnDelete;
    if (bit == 0) {
      yaml.fail(item, key, "expected insert, update or delete, found \"" + name + "\"");
    }
    if ((on & bit) != 0) yaml.fail(item, key, "\"" + name + "\" is listed twice");
    on = static_cast<uint8_t>(on | bit);
  };
  if (node.IsSequence()) {
    for (const auto& item : node) one(item);
    if (on == 0) yaml.fail(node, key, "expected at least one of insert, update, delete");
  } else {
    one(node);
  }
  return on;
}

EventTarget load_event(LoadContext& ctx, const YAML::Node& node, uint32_t index,
                       const std::string& default_key_field) {
  const YamlFile& yaml = ctx.yaml();
  const std::string key = "events[" + std::to_string(index) + "]";
  yaml.check_keys(node, key, {"name", "on", "when", "customer_id", "data", "key_field"});
  EventTarget event;
  event.index = index;
  const YAML::Node name = required(yaml, node, "name", key);
  event.name = yaml.scalar(name, join_key(key, "name"), "an event name");
  if (event.name.empty() || !is_valid_utf8(event.name) ||
      count_code_points(event.name) > kMaxEventNameChars) {
    yaml.fail(name, join_key(key, "name"), "expected an event name of 1 to 50 characters");
  }
  const std::string event_key = "events." + event.name;
  event.on = load_on(yaml, required(yaml, node, "on", event_key), join_key(event_key, "on"));
  if (const auto when = node["when"]) {
    event.when = load_expression(ctx, when, join_key(event_key, "when"), /*allow_images=*/true);
  }
  const CompiledTable& table = ctx.table();
  if (const auto customer_id = node["customer_id"]) {
    event.customer_id = load_id(ctx, customer_id, join_key(event_key, "customer_id"));
  } else if (table.customer) {
    event.customer_id = table.customer->id;
  } else if (table.array) {
    event.customer_id = table.array->customer_id;
  } else {
    yaml.fail(node, event_key,
              "missing key customer_id (needed when the file maps no customer or array)");
  }
  event.key_field = default_key_field;
  if (const auto key_field = node["key_field"]) {
    event.key_field =
        yaml.scalar(key_field, join_key(event_key, "key_field"), "a field name or none");
    if (event.key_field.empty()) {
      yaml.fail(key_field, join_key(event_key, "key_field"), "expected a field name or none");
    }
  }
  if (event.key_field == kNoKey) event.key_field.clear();
  event.data = load_fields(ctx, node["data"], join_key(event_key, "data"), Placement::kAttribute,
                           event.key_field);
  const size_t count = event.data.size() + (event.key_field.empty() ? 0 : 1);
  if (count > kMaxEventDataFields) {
    yaml.fail(node["data"], join_key(event_key, "data"),
              std::to_string(count) + " fields with the key field; Retainly allows 50");
  }
  return event;
}

TableId load_table_id(const YamlFile& yaml, const YAML::Node& node) {
  const std::string text = yaml.scalar(node, "table", "schema.table");
  const size_t dot = text.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == text.size()) {
    yaml.fail(node, "table",
              "expected schema.table (for MySQL, database.table), found \"" + text + "\"");
  }
  return TableId{text.substr(0, dot), text.substr(dot + 1)};
}

std::shared_ptr<const TimeZone> zone_for(const std::string& name, ZoneCache& zones,
                                         std::string& error) {
  auto it = zones.find(name);
  if (it != zones.end()) return it->second;
  auto zone = TimeZone::load(name, error);
  if (zone) zones.emplace(name, zone);
  return zone;
}

TableMapping compile(std::string_view text, std::string_view file_name,
                     const MappingOptions& options, ZoneCache& zones) {
  YamlFile yaml{std::string(file_name)};
  const YAML::Node root = yaml.parse(text);
  if (!root || root.IsNull()) {
    throw ConfigError(std::string(file_name) + ": the mapping file is empty");
  }
  yaml.check_keys(root, "",
                  {"table", "where", "customer", "array", "events", "string_policy",
                   "decimal_as_string", "timezone", "event_key_field", "send", "allow_partial"});
  auto table = std::make_shared<CompiledTable>();
  table->file = std::string(file_name);
  table->string_policy = options.string_policy;
  table->decimal_as_string = options.decimal_as_string;
  if (const auto policy = root["string_policy"]) {
    const std::string name = yaml.scalar(policy, "string_policy", "truncate or dead_letter");
    if (name == "truncate") {
      table->string_policy = StringPolicy::kTruncate;
    } else if (name == "dead_letter") {
      table->string_policy = StringPolicy::kDeadLetter;
    } else {
      yaml.fail(policy, "string_policy",
                "expected truncate or dead_letter, found \"" + name + "\"");
    }
  }
  if (const auto flag = root["decimal_as_string"]) {
    table->decimal_as_string = yaml.boolean(flag, "decimal_as_string");
  }
  table->send_changed = options.send_changed;
  if (const auto send = root["send"]) {
    const std::string name = yaml.scalar(send, "send", "changed or all");
    if (name == "changed") {
      table->send_changed = true;
    } else if (name == "all") {
      table->send_changed = false;
    } else {
      yaml.fail(send, "send", "expected changed or all, found \"" + name + "\"");
    }
  }
  if (const auto flag = root["allow_partial"]) {
    table->allow_partial = yaml.boolean(flag, "allow_partial");
  }
  std::string zone_name = options.timezone;
  if (const auto zone = root["timezone"]) zone_name = yaml.scalar(zone, "timezone", "a time zone");
  std::string zone_error;
  table->zone = zone_for(zone_name, zones, zone_error);
  if (!table->zone) {
    if (root["timezone"]) yaml.fail(root["timezone"], "timezone", zone_error);
    throw ConfigError(std::string(file_name) + ": timezone: " + zone_error);
  }
  std::string key_field = options.event_key_field;
  if (const auto field = root["event_key_field"]) {
    key_field = yaml.scalar(field, "event_key_field", "a field name or none");
  }

  LoadContext ctx(yaml, *table);
  table->table = load_table_id(yaml, required(yaml, root, "table", ""));
  table->qualified_table = retainly::Name::interned(table->table.qualified());
  if (const auto where = root["where"]) {
    table->where = load_expression(ctx, where, "where", /*allow_images=*/false);
  }
  if (const auto customer = root["customer"]) table->customer = load_customer(ctx, customer);
  if (const auto array = root["array"]) table->array = load_array(ctx, array);
  if (const auto events = root["events"]) {
    if (!events.IsSequence()) yaml.fail(events, "events", "expected a list of events");
    uint32_t index = 0;
    for (const auto& event : events) {
      table->events.push_back(load_event(ctx, event, index++, key_field));
    }
  }
  if (!table->customer && !table->array && table->events.empty()) {
    yaml.fail(root, "", "nothing to map: add customer, array or events");
  }
  if (table->customer) {
    table->customer_flattens =
        std::any_of(table->customer->fields.begin(), table->customer->fields.end(),
                    [](const Field& field) { return field.spec.flatten_prefix.has_value(); });
  }
  compute_requirements(*table);
  return TableMapping(std::move(table));
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(file.string() + ": cannot read the mapping file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Retainly's per-customer limits, across every file that writes customer fields.
void check_customer_limits(const std::vector<TableMapping>& mappings) {
  std::map<std::string, std::string> fields;  // name -> first file
  std::map<std::string, std::string> arrays;
  for (const auto& mapping : mappings) {
    const CompiledTable& t = mapping.compiled();
    if (t.customer) {
      for (const auto* list : {&t.customer->fields, &t.customer->set_fields}) {
        for (const Field& f : *list) {
          fields.emplace(f.name, t.file);
          if (f.spec.type == FieldType::kArray) arrays.emplace(f.name, t.file);
        }
      }
    }
    if (t.array) {
      fields.emplace(t.array->field, t.file);
      arrays.emplace(t.array->field, t.file);
    }
    if (fields.size() + 1 > kMaxCustomerFields) {
      throw ConfigError(t.file + ": customer fields: the mapping files together write " +
                        std::to_string(fields.size()) +
                        " customer fields plus the id; Retainly allows 500");
    }
    if (arrays.size() > kMaxArrayAttributes) {
      throw ConfigError(t.file + ": customer array fields: the mapping files together write " +
                        std::to_string(arrays.size()) + " array fields; Retainly allows 15");
    }
  }
}

}  // namespace

TableMapping parse_mapping(std::string_view yaml, std::string_view file_name,
                           const MappingOptions& options) {
  ZoneCache zones;
  return compile(yaml, file_name, options, zones);
}

TableMapping load_mapping_file(const std::filesystem::path& file, const MappingOptions& options) {
  ZoneCache zones;
  return compile(read_file(file), file.string(), options, zones);
}

std::vector<TableMapping> load_mapping_dir(const std::filesystem::path& dir,
                                           const MappingOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    throw ConfigError(dir.string() + ": the mappings folder does not exist");
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const auto ext = entry.path().extension();
    if ((ext == ".yaml" || ext == ".yml") && entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ZoneCache zones;
  std::vector<TableMapping> mappings;
  std::map<TableId, std::string> owners;
  for (const auto& file : files) {
    mappings.push_back(compile(read_file(file), file.string(), options, zones));
    const TableMapping& mapping = mappings.back();
    auto [it, fresh] = owners.emplace(mapping.table(), mapping.file());
    if (!fresh) {
      throw ConfigError(mapping.file() + ": table: " + mapping.table().qualified() +
                        " is already mapped by " + it->second + "; one file per table");
    }
  }
  check_customer_limits(mappings);
  return mappings;
}

}  // namespace cdc::mapping
