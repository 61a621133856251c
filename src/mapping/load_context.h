// State shared by the parts of the loader while one mapping file is compiled.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "mapping/compiled_mapping.h"
#include "mapping/expression.h"
#include "mapping/write_context.h"
#include "mapping/yaml_file.h"

namespace cdc::mapping {

class LoadContext {
 public:
  LoadContext(YamlFile yaml, CompiledTable& table) : yaml_(std::move(yaml)), table_(table) {}

  const YamlFile& yaml() const { return yaml_; }
  CompiledTable& table() { return table_; }

  // The slot of a column name, registered on first use.
  uint32_t slot_of(std::string_view name);
  // A ColumnRef from "col", "before.col" or "after.col"; `node`/`key` for errors.
  ColumnRef column_ref(std::string_view text, const YAML::Node& node, const std::string& key);

  // A value error context for converting constants at load time.
  WriteContext write_context(Placement placement) const;

 private:
  YamlFile yaml_;
  CompiledTable& table_;
  std::map<std::string, uint32_t, std::less<>> slots_;
};

// What a bare scalar field spec means: a column (or before./after. column, or a template
// when it holds "{{"), or, in `on_delete: set`, a constant (`deleted: true`).
enum class BareScalar { kColumn, kConstant };

// A field spec: a bare scalar (see BareScalar) or a map with column | template | value and
// type, transform, flatten, as, default.
FieldSpec load_field_spec(LoadContext& ctx, const YAML::Node& node, const std::string& key,
                          const std::string& field_name, Placement placement, BareScalar bare);

// A map of field name -> spec. `reserved` names are refused (sent by the call itself).
std::vector<Field> load_fields(LoadContext& ctx, const YAML::Node& node, const std::string& key,
                               Placement placement, std::string_view reserved,
                               BareScalar bare = BareScalar::kColumn);

// A customer or item id: a column name (with optional before./after.) or a template.
IdSpec load_id(LoadContext& ctx, const YAML::Node& node, const std::string& key);

// A `where` (no old/new image references) or `when` condition.
Expression load_expression(LoadContext& ctx, const YAML::Node& node, const std::string& key,
                           bool allow_images);

}  // namespace cdc::mapping
