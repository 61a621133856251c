#include "core/transaction_buffer.h"

#include <algorithm>
#include <stdexcept>

#include "core/errors.h"
#include "core/row_change_codec.h"

namespace cdc {
namespace {

// Record kinds in the store: a table's schema (written before the first change that
// uses it, so a reader meets it first) or a change.
constexpr char kSchemaRecord = 'S';
constexpr char kChangeRecord = 'C';
// A discarded tag, for a store that outlives its buffer (a prepared XA transaction with a
// ROLLBACK TO SAVEPOINT inside).
constexpr char kDiscardRecord = 'D';

// A deque slot and its share of bookkeeping, besides the change itself.
constexpr size_t kSlotBytes = sizeof(RowChange) / 4 + 16;

}  // namespace

TransactionBuffer::TransactionBuffer(MemoryBudget* budget, SpillStoreFactory spill)
    // Without a store there is nowhere to spill to, so nothing is counted either.
    : budget_(spill ? budget : nullptr), spill_factory_(std::move(spill)) {}

TransactionBuffer::TransactionBuffer(std::unique_ptr<SpillStore> kept) : store_(std::move(kept)) {
  // Discards were appended after the changes they drop: learn them before the first take.
  store_->rewind();
  while (store_->next(record_)) {
    if (!record_.empty() && record_[0] == kDiscardRecord) {
      discarded_.insert(decode_discard(std::string_view(record_).substr(1)));
    }
  }
  taking_ = true;
}

TransactionBuffer::~TransactionBuffer() {
  if (budget_ != nullptr) budget_->give_back(memory_bytes_);
}

uint32_t TransactionBuffer::schema_index(const std::shared_ptr<const TableSchema>& table) {
  // Few tables per transaction, mostly one: the newest match first.
  for (size_t i = schemas_.size(); i-- > 0;) {
    if (schemas_[i] == table) return static_cast<uint32_t>(i);
  }
  schemas_.push_back(table);
  return static_cast<uint32_t>(schemas_.size() - 1);
}

void TransactionBuffer::spill(const RowChange& change, uint32_t tag) {
  if (!store_) store_ = spill_factory_();
  const uint32_t index = schema_index(change.table);
  while (schemas_in_store_ < schemas_.size()) {
    record_.assign(1, kSchemaRecord);
    encode_table_schema(*schemas_[schemas_in_store_++], record_);
    store_->append(record_);
  }
  record_.assign(1, kChangeRecord);
  encode_row_change(change, index, tag, record_);
  store_->append(record_);
  ++spilled_;
}

void TransactionBuffer::append(RowChange change, uint32_t tag) {
  if (taking_) throw std::logic_error("TransactionBuffer::append after take");
  ++appended_;
  const bool spill_all = budget_ == nullptr && spill_factory_;
  if (!spill_all && !store_) {
    const size_t bytes = budget_ != nullptr ? estimated_bytes(change) + kSlotBytes : 0;
    if (budget_ == nullptr || budget_->try_take(bytes)) {
      memory_.push_back(Held{std::move(change), tag, bytes});
      memory_bytes_ += bytes;
      return;
    }
  }
  spill(change, tag);
}

void TransactionBuffer::discard(uint32_t tag) {
  discarded_.insert(tag);
  if (store_) {
    record_.assign(1, kDiscardRecord);
    encode_discard(tag, record_);
    store_->append(record_);
  }
  size_t freed = 0;
  std::erase_if(memory_, [&](const Held& held) {
    if (held.tag != tag) return false;
    freed += held.bytes;
    return true;
  });
  memory_bytes_ -= freed;
  if (budget_ != nullptr) budget_->give_back(freed);
}

void TransactionBuffer::keep() {
  if (!memory_.empty()) throw std::logic_error("TransactionBuffer::keep with changes in memory");
  if (!store_) store_ = spill_factory_();
  store_->keep();
}

std::optional<RowChange> TransactionBuffer::take() {
  taking_ = true;
  while (!memory_.empty()) {
    Held held = std::move(memory_.front());
    memory_.pop_front();
    memory_bytes_ -= held.bytes;
    if (budget_ != nullptr) budget_->give_back(held.bytes);
    if (!discarded_.contains(held.tag)) return std::move(held.change);
  }
  if (!store_) return std::nullopt;
  if (!reading_store_) {
    store_->rewind();
    reading_store_ = true;
    schemas_in_store_ = 0;
  }
  while (store_->next(record_)) {
    if (record_.empty()) throw ProtocolError("spilled change: empty record");
    const std::string_view body = std::string_view(record_).substr(1);
    if (record_[0] == kSchemaRecord) {
      // A buffer reading its own store knows the schema object already; one reopened
      // after a restart builds it from the record.
      if (schemas_in_store_ == schemas_.size()) {
        schemas_.push_back(std::make_shared<const TableSchema>(decode_table_schema(body)));
      }
      ++schemas_in_store_;
      continue;
    }
    if (record_[0] == kDiscardRecord) continue;
    if (record_[0] != kChangeRecord) throw ProtocolError("spilled change: unknown record kind");
    DecodedRowChange decoded = decode_row_change(body);
    if (decoded.schema_index >= schemas_in_store_) {
      throw ProtocolError("spilled change: table index " + std::to_string(decoded.schema_index) +
                          " before its schema record");
    }
    if (discarded_.contains(decoded.tag)) continue;
    decoded.change.table = schemas_[decoded.schema_index];
    return std::move(decoded.change);
  }
  return std::nullopt;
}

}  // namespace cdc
