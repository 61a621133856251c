#include "mapping/row_view.h"

#include "mapping/value_compare.h"

namespace cdc::mapping {
namespace {

const Value kNullValue{Null{}};

}  // namespace

RowView::RowView(const RowChange& change, std::span<const int> slot_index, bool current_is_before)
    : change_(&change),
      slot_index_(slot_index),
      current_is_before_(current_is_before),
      before_exists_(change.op == Operation::kUpdate || change.op == Operation::kDelete),
      after_exists_(change.op != Operation::kDelete && change.op != Operation::kTruncate) {}

const Value* RowView::before_value(size_t index) const {
  if (!before_exists_) return &kNullValue;
  return old_value(index);
}

const Value* RowView::old_value(size_t index) const {
  if (change_->before.empty() && change_->op == Operation::kUpdate) return kept_key(index);
  if (index >= change_->before.size()) return nullptr;
  const Value& value = change_->before[index];
  return value.is_unchanged() ? nullptr : &value;
}

const Value* RowView::kept_key(size_t index) const {
  if (index >= change_->table->columns.size() || !change_->table->columns[index].is_key) {
    return nullptr;
  }
  if (index >= change_->after.size() || change_->after[index].is_unchanged()) return nullptr;
  return &change_->after[index];
}

const Value* RowView::read(ColumnRef ref) const {
  Image image = ref.image;
  if (image == Image::kCurrent) image = current_is_before_ ? Image::kBefore : Image::kAfter;
  const auto index = static_cast<size_t>(slot_index_[ref.slot]);
  if (image == Image::kBefore) return before_value(index);
  if (!after_exists_) return &kNullValue;
  if (index < change_->after.size() && !change_->after[index].is_unchanged()) {
    return &change_->after[index];
  }
  // An update read as an insert still left the value unchanged: the old image has it.
  return change_->op == Operation::kUpdate || change_->op == Operation::kDelete ? old_value(index)
                                                                                : nullptr;
}

Truth RowView::changed(uint32_t slot) const {
  if (!before_exists_ || !after_exists_) return Truth::kTrue;
  const auto index = static_cast<size_t>(slot_index_[slot]);
  if (index >= change_->after.size() || change_->after[index].is_unchanged()) {
    return Truth::kFalse;
  }
  const Value* before = before_value(index);
  if (before == nullptr) return Truth::kUnknown;
  return values_equal(*before, change_->after[index]) ? Truth::kFalse : Truth::kTrue;
}

}  // namespace cdc::mapping
