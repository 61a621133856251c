// The table the pipeline's unit tests stream and backfill: public.items (id int8 key, name
// text), mapped to customers by id with their name.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "core/row_change.h"
#include "mapping/mapper.h"

namespace cdc::pipeline::testing {

inline constexpr const char* kItemsMapping = R"(
table: public.items
customer:
  id: id
  fields: { name: name }
)";

inline std::shared_ptr<const TableSchema> items_schema() {
  auto schema = std::make_shared<TableSchema>();
  schema->id = {"public", "items"};
  schema->version = 1;
  schema->columns.push_back(Column{.name = "id", .type_name = "int8", .is_key = true});
  schema->columns.push_back(Column{.name = "name", .type_name = "text"});
  return schema;
}

inline mapping::Mapper items_mapper(const char* text = kItemsMapping) {
  std::vector<mapping::TableMapping> mappings;
  mappings.push_back(mapping::parse_mapping(text, "items.yaml", {}));
  return mapping::Mapper(std::move(mappings));
}

}  // namespace cdc::pipeline::testing
