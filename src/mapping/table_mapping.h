// One compiled mapping file: what changes of one table become in Retainly.
#pragma once

#include <memory>
#include <string>

#include "core/table_schema.h"

namespace cdc::mapping {

struct CompiledTable;

// Immutable and cheap to copy (shares the compiled form); safe to read from any thread.
class TableMapping {
 public:
  explicit TableMapping(std::shared_ptr<const CompiledTable> compiled);

  const TableId& table() const;
  // The file it was loaded from, as given to the loader.
  const std::string& file() const;
  const CompiledTable& compiled() const { return *compiled_; }

 private:
  std::shared_ptr<const CompiledTable> compiled_;
};

}  // namespace cdc::mapping
