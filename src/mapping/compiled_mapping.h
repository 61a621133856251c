// The compiled form of one mapping file: plain immutable data built by the loader and
// read by the change mapper. Columns are slots into `columns`, resolved to a schema's
// column indexes once per schema version.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/table_schema.h"
#include "mapping/column_ref.h"
#include "mapping/expression.h"
#include "mapping/mapping_options.h"
#include "mapping/text_template.h"
#include "mapping/text_transform.h"
#include "mapping/time_zone.h"
#include "mapping/type_conversion.h"
#include "retainly/name.h"

namespace cdc::mapping {

struct FieldSpec {
  enum class Source { kColumn, kTemplate, kConstant };
  Source source = Source::kColumn;
  ColumnRef column;                           // kColumn
  std::optional<TextTemplate> text_template;  // kTemplate
  std::string constant_json;                  // kConstant, converted at load
  FieldType type = FieldType::kAuto;
  std::vector<Transform> transforms;
  // Json objects: flattened into "<prefix>_<key>" fields, or sent as their JSON text
  // (`as: string`, which also stringifies arrays and scalars); else refused.
  std::optional<std::string> flatten_prefix;
  bool as_string = false;
  std::optional<std::string> default_json;  // sent instead of null
};

struct Field {
  // Interned: each attribute the field writes holds a copy of the pointer, not the text.
  retainly::Name name;
  FieldSpec spec;
};

// A customer id or array item id: a column's value as JSON (numbers stay numbers), or a
// template rendered as a string.
struct IdSpec {
  std::optional<ColumnRef> column;
  std::optional<TextTemplate> text_template;
  std::string source;  // as written, for messages
};

enum class DeleteAction { kDelete, kIgnore, kSet };

struct CustomerTarget {
  IdSpec id;
  std::vector<Field> fields;
  DeleteAction on_delete = DeleteAction::kIgnore;
  std::vector<Field> set_fields;  // kSet
};

struct ArrayTarget {
  IdSpec customer_id;
  std::string field;
  IdSpec item_id;
  std::vector<Field> fields;
};

// Bits of EventTarget::on.
inline constexpr uint8_t kOnInsert = 1;
inline constexpr uint8_t kOnUpdate = 2;
inline constexpr uint8_t kOnDelete = 4;

struct EventTarget {
  std::string name;
  uint8_t on = 0;
  std::optional<Expression> when;
  IdSpec customer_id;
  std::vector<Field> data;
  std::string key_field;  // empty: no key
  uint32_t index = 0;     // position in the file's events list, part of the key
};

// A column a mapping reads in a way that only a complete row image serves: without the
// value the connector cannot name, decide or build what the mapping says, and no later
// step puts it right. mapping_requirements.h says which reads count; row_image_rule.h
// checks them against what a source logs.
struct ImageRead {
  enum class Why : uint8_t {
    // Old rows (updates and deletes):
    kBefore,           // before.x in a field, template, id or condition
    kChanged,          // changed(x)
    kCustomerId,       // the customer id, which deletes and id changes name (on_delete not ignore)
    kArrayCustomerId,  // array.customer_id, which item deletes and moves name
    kArrayItemId,      // array.item_id, likewise
    kOnDeleteSet,      // a column of on_delete: set
    kDeleteEvent,      // when, data or customer_id of an event on delete
    kWhereWithEvents,  // a where column, when entering or leaving it decides events
    // New rows (inserts and updates), where the source may leave unchanged columns out and
    // nothing reads them again (MySQL MINIMAL and NOBLOB images):
    kNewWhere,       // a where column: a new row that cannot be tested is rejected
    kNewCustomerId,  // the customer id of an upsert
    kNewArrayItem,   // an array item's ids and fields: Retainly replaces items whole
    kNewEvent,       // when and customer_id of an insert or update event
  };
  std::string column;
  Why why;
  std::string key;  // where the file reads it: "where", "events[0].when", "customer.id"
};

struct CompiledTable {
  TableId table;
  retainly::Name qualified_table;  // table.qualified(), interned: every call names it
  std::string file;
  std::vector<std::string> columns;  // slot -> column name
  std::optional<Expression> where;
  std::optional<CustomerTarget> customer;
  std::optional<ArrayTarget> array;
  std::vector<EventTarget> events;

  StringPolicy string_policy = StringPolicy::kTruncate;
  bool decimal_as_string = false;
  std::shared_ptr<const TimeZone> zone;
  // `send: changed` (true) or `send: all`: whether an update's customer upsert and array
  // item leave out what its old image proves unchanged, and whether the last-sent store
  // may skip what Retainly already holds from us.
  bool send_changed = true;
  // Some customer field is a flattened json column (`flatten:`): an update of the same
  // customer sends the keys its value lost as null.
  bool customer_flattens = false;
  // `allow_partial: true`: the file accepts what its reads that the source's row images
  // cannot serve leave Retainly with (old_row_reads, new_row_reads), instead of `check`
  // and `run` refusing the table.
  bool allow_partial = false;

  // For requirements(): explicit types per column, the columns read from the old image of
  // updates and deletes, and the reads that only complete images serve (ImageRead).
  std::vector<std::pair<std::string, std::string>> declared_types;
  std::vector<std::string> old_image_columns;
  std::vector<ImageRead> old_row_reads;
  std::vector<ImageRead> new_row_reads;
};

}  // namespace cdc::mapping
