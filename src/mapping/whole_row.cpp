#include "mapping/whole_row.h"

#include <algorithm>

namespace cdc::mapping {
namespace {

class Collector {
 public:
  Collector(std::span<const int> slot_index, std::vector<int>& out, std::vector<size_t>& read)
      : slot_index_(slot_index), out_(out), read_(read) {}

  void column(ColumnRef ref) {
    const int index = slot_index_[ref.slot];
    if (std::find(out_.begin(), out_.end(), index) == out_.end()) out_.push_back(index);
    read_.push_back(static_cast<size_t>(index));
  }
  void text(const TextTemplate& text) {
    for (const auto& part : text.parts()) {
      if (part.column) column(*part.column);
    }
  }
  void id(const IdSpec& id) {
    if (id.column) column(*id.column);
    if (id.text_template) text(*id.text_template);
  }
  void fields(const std::vector<Field>& fields) {
    for (const Field& field : fields) {
      if (field.spec.source == FieldSpec::Source::kColumn) column(field.spec.column);
      if (field.spec.text_template) text(*field.spec.text_template);
    }
  }
  // changed(x) of a column the update left alone is false without its value.
  void condition(const Expression& expression) {
    expression.for_each_column([&](ColumnRef ref, bool in_changed) {
      if (!in_changed) column(ref);
    });
  }

 private:
  std::span<const int> slot_index_;
  std::vector<int>& out_;
  std::vector<size_t>& read_;
};

bool lacks(const RowChange& change, int index) {
  const auto i = static_cast<size_t>(index);
  if (i >= change.after.size() || !change.after[i].is_unchanged()) return false;
  return change.before.empty() || i >= change.before.size() || change.before[i].is_unchanged();
}

bool customer_id_unchanged(const std::vector<int>& columns, const RowChange& change) {
  for (const int index : columns) {
    const auto i = static_cast<size_t>(index);
    if (i >= change.after.size()) return false;
    if (change.before.empty()) {
      // Sent without an old image: the key columns kept their values (RowChange::before).
      if (!change.table->columns[i].is_key || change.after[i].is_unchanged()) return false;
      continue;
    }
    if (i >= change.before.size() || change.before[i].is_unchanged()) return false;
    const Value& now = change.after[i].is_unchanged() ? change.before[i] : change.after[i];
    if (!(now == change.before[i])) return false;
  }
  return true;
}

}  // namespace

WholeRowColumns whole_row_columns(const CompiledTable& table, std::span<const int> slot_index) {
  WholeRowColumns out;
  Collector always(slot_index, out.always, out.read);
  if (table.where) always.condition(*table.where);
  if (table.array) {
    always.id(table.array->customer_id);
    always.id(table.array->item_id);
    always.fields(table.array->fields);
  }
  for (const EventTarget& event : table.events) {
    if (event.when) always.condition(*event.when);
    always.id(event.customer_id);
    always.fields(event.data);
  }
  if (table.customer) {
    always.id(table.customer->id);
    Collector id(slot_index, out.customer_id, out.read);
    id.id(table.customer->id);
    Collector fields(slot_index, out.customer_fields, out.read);
    fields.fields(table.customer->fields);
    fields.fields(table.customer->set_fields);
  }
  // changed() arguments are read too, though not needed whole.
  auto every = [&](const Expression& expression) {
    expression.for_each_column([&](ColumnRef ref, bool) {
      out.read.push_back(static_cast<size_t>(slot_index[ref.slot]));
    });
  };
  if (table.where) every(*table.where);
  for (const EventTarget& event : table.events) {
    if (event.when) every(*event.when);
  }
  std::sort(out.read.begin(), out.read.end());
  out.read.erase(std::unique(out.read.begin(), out.read.end()), out.read.end());
  return out;
}

bool has_unchanged(const Row& row) {
  return std::any_of(row.begin(), row.end(), [](const Value& v) { return v.is_unchanged(); });
}

bool needs_whole_row(const WholeRowColumns& columns, const RowChange& change) {
  if (change.op != Operation::kUpdate) return false;
  auto lacking = [&](const std::vector<int>& indexes) {
    return std::any_of(indexes.begin(), indexes.end(),
                       [&](int index) { return lacks(change, index); });
  };
  if (lacking(columns.always)) return true;
  return lacking(columns.customer_fields) && !customer_id_unchanged(columns.customer_id, change);
}

}  // namespace cdc::mapping
