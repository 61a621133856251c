// RowChange: the only thing readers produce. It says nothing of Retainly.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "core/position.h"
#include "core/table_schema.h"
#include "core/value.h"

namespace cdc {

enum class Operation { kInsert, kUpdate, kDelete, kTruncate, kSnapshotRead };

const char* to_string(Operation op);

// One value per column of the schema, in column order.
using Row = std::vector<Value>;

struct RowChange {
  Operation op = Operation::kInsert;
  // Shared and immutable: every change of a table points at the schema it was read with.
  std::shared_ptr<const TableSchema> table;
  // Old image. Empty when the source sent none (inserts; updates/deletes without
  // REPLICA IDENTITY FULL or binlog_row_image=FULL give only what they have, the rest
  // Unchanged). Never guessed. An update with an empty `before` kept its key columns
  // (schema `is_key`): PostgreSQL sends the old key only when it changed, and MySQL always
  // sends an old image, so its old key equals the new one.
  Row before;
  // New image: inserts, updates, snapshot reads. Columns the source left out are
  // Unchanged.
  Row after;
  // Commit time of the transaction, microseconds since the epoch (UTC); 0 if unknown.
  int64_t commit_time_micros = 0;
  Position position;

  // The row image that identifies the row: `after` when present, else `before`.
  const Row& current() const { return after.empty() ? before : after; }
};

// Marks the end of a source transaction. Every change before it in the stream belongs
// to a transaction that ends at or before `position`; acknowledging `position` tells the
// source that all of them are durable downstream.
struct TransactionEnd {
  Position position;
  int64_t commit_time_micros = 0;
  // A watermark the transaction carried (kWatermarkPrefix), for re-snapshots; empty
  // for ordinary transactions.
  std::string watermark;
};

// The prefix of the logical messages (PostgreSQL pg_logical_emit_message) readers hand
// out as TransactionEnd::watermark.
inline constexpr const char* kWatermarkPrefix = "retainly_cdc_watermark";

// What a reader hands out, in source order.
using SourceItem = std::variant<RowChange, TransactionEnd>;

}  // namespace cdc
