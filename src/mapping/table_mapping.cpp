#include "mapping/table_mapping.h"

#include "mapping/compiled_mapping.h"

namespace cdc::mapping {

TableMapping::TableMapping(std::shared_ptr<const CompiledTable> compiled)
    : compiled_(std::move(compiled)) {}

const TableId& TableMapping::table() const { return compiled_->table; }

const std::string& TableMapping::file() const { return compiled_->file; }

}  // namespace cdc::mapping
