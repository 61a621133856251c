#include "pipeline/flattened_fields.h"

#include "mapping/compiled_mapping.h"

namespace cdc::pipeline {

FlattenedFields flattened_fields(const mapping::Mapper& mapper, std::string_view table) {
  FlattenedFields out;
  const mapping::CompiledTable* compiled = mapper.compiled(table);
  if (compiled == nullptr || !compiled->customer_flattens) return out;
  for (const mapping::Field& field : compiled->customer->fields) {
    if (!field.spec.flatten_prefix) {
      out.plain.push_back(field.name);
      continue;
    }
    // flatten_object() joins the prefix and the key with '_', unless the prefix is empty.
    const std::string& prefix = *field.spec.flatten_prefix;
    out.prefixes.push_back(prefix.empty() ? prefix : prefix + "_");
  }
  return out;
}

}  // namespace cdc::pipeline
