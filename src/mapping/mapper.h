// The mapping engine's entry point: every table's compiled mapping, and map(), which turns
// one RowChange into Retainly calls. Pure: no database client, no HTTP.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/row_change.h"
#include "mapping/compiled_mapping.h"
#include "mapping/mapping_loader.h"
#include "mapping/mapping_options.h"
#include "mapping/mapping_output.h"
#include "mapping/table_mapping.h"

namespace cdc::mapping {

// Thread-safe: map() may be called from several threads at once (a mutex guards the
// per-schema column cache for the moment of the lookup only; each thread keeps its last
// lookup's result, so rows of the same schema in a row skip even that).
class Mapper {
 public:
  // Throws cdc::ConfigError when two mappings name the same table.
  explicit Mapper(std::vector<TableMapping> mappings);
  ~Mapper();
  Mapper(Mapper&&) noexcept;
  Mapper& operator=(Mapper&&) noexcept;

  bool maps(const TableId& table) const;
  // Sorted.
  std::vector<TableId> tables() const;
  const std::vector<TableMapping>& mappings() const { return mappings_; }

  // The compiled mapping of a table by its qualified name ("public.users", as in a
  // Call's origin.table), or nullptr. A binary search over the mapped tables: resolve
  // once per table where it is hot. The result lives as long as the Mapper.
  const CompiledTable* compiled(std::string_view qualified_table) const;
  // `send: changed` for the table (mappings/README.md); false for an unmapped table.
  bool sends_changed(std::string_view qualified_table) const;

  // Appends the calls (sequence 0; provenance: table, key "id=42" from the schema's key
  // columns or else the customer id, position) and the rejections for one change. Changes
  // of unmapped tables and truncates give nothing. A column the mapping names that the
  // change's schema lacks rejects the whole change. Column names are resolved once per
  // schema object and version, never per row.
  // With `whole`, an update is mapped whole, as under `send: all`: for a change that
  // stands in for a snapshot row of the table (a re-snapshot window drops the row for it),
  // so that Retainly gets every field of a row it may not hold yet.
  void map(const RowChange& change, MappingOutput& out, bool whole = false) const;

  // Whether `change` is an update that leaves out a value this mapping needs, so that the
  // pipeline reads the row again before mapping it (core/row_fetcher.h, whole_row.h): a
  // value PostgreSQL did not resend (unchanged TOAST) that an array item field, a
  // condition, an event or an id reads, or that a customer field reads while the customer
  // id may have changed. Costs one pass over the new row for updates that left nothing
  // out, and nothing for other changes.
  bool needs_whole_row(const RowChange& change) const;
  // The schema's indexes of every column the table's mapping reads, sorted; empty for an
  // unmapped table or one that lacks a mapped column.
  std::vector<size_t> columns_read(const std::shared_ptr<const TableSchema>& schema) const;

 private:
  struct Resolved;
  struct Cache;
  std::shared_ptr<const Resolved> resolve(const std::shared_ptr<const TableSchema>& schema) const;
  // resolve() through the calling thread's last result: valid until the thread's next
  // call.
  const Resolved& resolve_here(const std::shared_ptr<const TableSchema>& schema) const;

  std::vector<TableMapping> mappings_;  // sorted by table
  // (qualified name, compiled) sorted by name; the names live in the compiled mappings.
  std::vector<std::pair<std::string_view, const CompiledTable*>> by_name_;
  std::unique_ptr<Cache> cache_;
};

// What `check` and `preview` need to know about one table's mapping.
struct TableRequirements {
  TableId table;
  std::string file;
  // Every column the mapping names, sorted.
  std::vector<std::string> columns;
  // The columns read from old images, sorted (ids included).
  std::vector<std::string> old_image_columns;
  // The reads only complete old or new rows serve (compiled_mapping.h, ImageRead;
  // mapping_requirements.h says which), and whether the file accepts them unserved
  // (`allow_partial: true`). row_image_rule.h checks them against a source.
  std::vector<ImageRead> old_row_reads;
  std::vector<ImageRead> new_row_reads;
  bool allow_partial = false;
  // (column, type) for every field with an explicit type.
  std::vector<std::pair<std::string, std::string>> declared_types;
  // The `where` as written in the mapping, empty without one. Its semantics are the
  // mapping's (mappings/README.md), so backfill applies it through map(), not as SQL.
  std::string where;
};

std::vector<TableRequirements> requirements(const Mapper& mapper);

}  // namespace cdc::mapping
