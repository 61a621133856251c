#include "mapping/mapper.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <unordered_map>

#include "core/errors.h"
#include "mapping/change_mapper.h"
#include "mapping/change_payload.h"
#include "mapping/compiled_mapping.h"
#include "mapping/whole_row.h"

namespace cdc::mapping {
namespace {

// Schemas seen at once are few (one per table and version); the bound only keeps a
// reader that builds a fresh schema object per change from growing the cache.
constexpr size_t kMaxCachedSchemas = 1024;

}  // namespace

// A schema matched to its mapping, with the mapping's column slots resolved to the
// schema's column indexes.
struct Mapper::Resolved {
  std::shared_ptr<const TableSchema> schema;  // held so its address is not reused
  const TableMapping* mapping = nullptr;      // null: the table is not mapped
  std::vector<int> slot_index;
  std::vector<int> key_columns;  // the schema's (key_columns())
  std::string missing;           // the mapped columns the schema lacks, comma separated
  WholeRowColumns whole_row;     // when mapped and nothing is missing
};

struct Mapper::Cache {
  // Tells this Mapper's entries in a thread's LastResolved from another's, which may sit
  // at the same address once this one is gone.
  const uint64_t id = next_id.fetch_add(1) + 1;
  std::mutex mutex;
  std::unordered_map<const TableSchema*, std::shared_ptr<const Resolved>> entries;

  static inline std::atomic<uint64_t> next_id{0};
};

namespace {

// The schema a thread resolved last, and for which Mapper: a stream or a backfill page
// maps row after row of one table, and the shared cache costs a lock, a hash lookup and
// two atomic counts per row.
struct LastResolved {
  uint64_t mapper = 0;
  const TableSchema* schema = nullptr;
  uint64_t version = 0;
  std::shared_ptr<const void> resolved;  // a Mapper::Resolved
};
thread_local LastResolved last_resolved;

}  // namespace

Mapper::Mapper(std::vector<TableMapping> mappings)
    : mappings_(std::move(mappings)), cache_(std::make_unique<Cache>()) {
  std::stable_sort(mappings_.begin(), mappings_.end(),
                   [](const auto& a, const auto& b) { return a.table() < b.table(); });
  for (size_t i = 1; i < mappings_.size(); ++i) {
    if (mappings_[i].table() == mappings_[i - 1].table()) {
      throw ConfigError(mappings_[i].file() + ": table: " + mappings_[i].table().qualified() +
                        " is already mapped by " + mappings_[i - 1].file());
    }
  }
  by_name_.reserve(mappings_.size());
  for (const auto& mapping : mappings_) {
    by_name_.emplace_back(mapping.compiled().qualified_table, &mapping.compiled());
  }
  std::sort(by_name_.begin(), by_name_.end());
}

Mapper::~Mapper() = default;
Mapper::Mapper(Mapper&&) noexcept = default;
Mapper& Mapper::operator=(Mapper&&) noexcept = default;

namespace {

const TableMapping* find_mapping(const std::vector<TableMapping>& sorted, const TableId& table) {
  auto it =
      std::lower_bound(sorted.begin(), sorted.end(), table,
                       [](const TableMapping& m, const TableId& id) { return m.table() < id; });
  return it != sorted.end() && it->table() == table ? &*it : nullptr;
}

}  // namespace

bool Mapper::maps(const TableId& table) const { return find_mapping(mappings_, table) != nullptr; }

const CompiledTable* Mapper::compiled(std::string_view qualified_table) const {
  auto it =
      std::lower_bound(by_name_.begin(), by_name_.end(), qualified_table,
                       [](const auto& entry, std::string_view name) { return entry.first < name; });
  return it != by_name_.end() && it->first == qualified_table ? it->second : nullptr;
}

bool Mapper::sends_changed(std::string_view qualified_table) const {
  const CompiledTable* table = compiled(qualified_table);
  return table != nullptr && table->send_changed;
}

std::vector<TableId> Mapper::tables() const {
  std::vector<TableId> out;
  out.reserve(mappings_.size());
  for (const auto& mapping : mappings_) out.push_back(mapping.table());
  return out;
}

std::shared_ptr<const Mapper::Resolved> Mapper::resolve(
    const std::shared_ptr<const TableSchema>& schema) const {
  {
    std::lock_guard lock(cache_->mutex);
    auto it = cache_->entries.find(schema.get());
    if (it != cache_->entries.end() && it->second->schema->version == schema->version) {
      return it->second;
    }
  }
  auto resolved = std::make_shared<Resolved>();
  resolved->schema = schema;
  resolved->mapping = find_mapping(mappings_, schema->id);
  resolved->key_columns = key_columns(*schema);
  if (resolved->mapping != nullptr) {
    for (const std::string& name : resolved->mapping->compiled().columns) {
      const int index = schema->column_index(name);
      resolved->slot_index.push_back(index);
      if (index < 0) {
        if (!resolved->missing.empty()) resolved->missing += ", ";
        resolved->missing += name;
      }
    }
  }
  if (resolved->mapping != nullptr && resolved->missing.empty()) {
    resolved->whole_row = whole_row_columns(resolved->mapping->compiled(), resolved->slot_index);
  }
  std::lock_guard lock(cache_->mutex);
  if (cache_->entries.size() >= kMaxCachedSchemas) cache_->entries.clear();
  cache_->entries[schema.get()] = resolved;
  return resolved;
}

const Mapper::Resolved& Mapper::resolve_here(
    const std::shared_ptr<const TableSchema>& schema) const {
  LastResolved& last = last_resolved;
  if (last.mapper != cache_->id || last.schema != schema.get() || last.version != schema->version) {
    last.resolved = resolve(schema);
    last.mapper = cache_->id;
    last.schema = schema.get();
    last.version = schema->version;
  }
  return *static_cast<const Resolved*>(last.resolved.get());
}

void Mapper::map(const RowChange& change, MappingOutput& out, bool whole) const {
  if (!change.table || change.op == Operation::kTruncate) return;
  const Resolved& resolved = resolve_here(change.table);
  if (resolved.mapping == nullptr) return;
  const CompiledTable& table = resolved.mapping->compiled();
  if (!resolved.missing.empty()) {
    Rejection& rejection = out.rejections.emplace_back();
    rejection.reason = "the mapping " + table.file + " names column(s) " + resolved.missing +
                       " that table " + table.table.qualified() +
                       " does not have (schema version " + std::to_string(change.table->version) +
                       ")";
    rejection.payload = change_payload(change, *table.zone);
    rejection.origin.table = table.table.qualified();
    rejection.origin.key = provenance_key(change, resolved.key_columns, *table.zone);
    rejection.origin.position = out.positions.of(change.position);
    return;
  }
  map_change(table, resolved.slot_index, resolved.key_columns, change, out, whole);
}

bool Mapper::needs_whole_row(const RowChange& change) const {
  // Most updates carry every value: one pass over the row, and no lookup.
  if (change.op != Operation::kUpdate || !change.table || !has_unchanged(change.after)) {
    return false;
  }
  const Resolved& resolved = resolve_here(change.table);
  if (resolved.mapping == nullptr || !resolved.missing.empty()) return false;
  return mapping::needs_whole_row(resolved.whole_row, change);
}

std::vector<size_t> Mapper::columns_read(const std::shared_ptr<const TableSchema>& schema) const {
  if (!schema) return {};
  return resolve(schema)->whole_row.read;
}

std::vector<TableRequirements> requirements(const Mapper& mapper) {
  std::vector<TableRequirements> out;
  for (const TableMapping& mapping : mapper.mappings()) {
    const CompiledTable& t = mapping.compiled();
    TableRequirements r;
    r.table = t.table;
    r.file = t.file;
    r.columns = t.columns;
    std::sort(r.columns.begin(), r.columns.end());
    r.old_image_columns = t.old_image_columns;
    r.old_row_reads = t.old_row_reads;
    r.new_row_reads = t.new_row_reads;
    r.allow_partial = t.allow_partial;
    r.declared_types = t.declared_types;
    if (t.where) r.where = t.where->text();
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace cdc::mapping
