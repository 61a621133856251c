#include "mapping/mapping_requirements.h"

#include <algorithm>
#include <functional>
#include <set>

namespace cdc::mapping {
namespace {

using Visit = std::function<void(ColumnRef)>;

void visit_template(const TextTemplate& text, const Visit& visit) {
  for (const auto& part : text.parts()) {
    if (part.column) visit(*part.column);
  }
}

void visit_spec(const FieldSpec& spec, const Visit& visit) {
  if (spec.source == FieldSpec::Source::kColumn) visit(spec.column);
  if (spec.text_template) visit_template(*spec.text_template, visit);
}

void visit_fields(const std::vector<Field>& fields, const Visit& visit) {
  for (const Field& field : fields) visit_spec(field.spec, visit);
}

void visit_id(const IdSpec& id, const Visit& visit) {
  if (id.column) visit(*id.column);
  if (id.text_template) visit_template(*id.text_template, visit);
}

void visit_expression(const Expression& expression, const Visit& visit) {
  expression.for_each_column([&](ColumnRef ref, bool) { visit(ref); });
}

// Every column reference of the mapping.
void visit_all(const CompiledTable& t, const Visit& visit) {
  if (t.where) visit_expression(*t.where, visit);
  if (t.customer) {
    visit_id(t.customer->id, visit);
    visit_fields(t.customer->fields, visit);
    visit_fields(t.customer->set_fields, visit);
  }
  if (t.array) {
    visit_id(t.array->customer_id, visit);
    visit_id(t.array->item_id, visit);
    visit_fields(t.array->fields, visit);
  }
  for (const EventTarget& e : t.events) {
    if (e.when) visit_expression(*e.when, visit);
    visit_id(e.customer_id, visit);
    visit_fields(e.data, visit);
  }
}

void add_declared_types(CompiledTable& t, const std::vector<Field>& fields) {
  for (const Field& field : fields) {
    const FieldSpec& spec = field.spec;
    if (spec.source != FieldSpec::Source::kColumn || spec.type == FieldType::kAuto) continue;
    std::pair<std::string, std::string> entry{t.columns[spec.column.slot], to_string(spec.type)};
    if (std::find(t.declared_types.begin(), t.declared_types.end(), entry) ==
        t.declared_types.end()) {
      t.declared_types.push_back(std::move(entry));
    }
  }
}

// The reads of mapping_requirements.h's list, one entry per (column, key): the first
// reason found for it is the one reported.
class ReadList {
 public:
  ReadList(const CompiledTable& t, std::vector<ImageRead>& out) : t_(t), out_(out) {}

  void add(ColumnRef ref, ImageRead::Why why, const std::string& key) {
    const std::string& column = t_.columns[ref.slot];
    for (const ImageRead& read : out_) {
      if (read.column == column && read.key == key) return;
    }
    out_.push_back({column, why, key});
  }

 private:
  const CompiledTable& t_;
  std::vector<ImageRead>& out_;
};

using KeyedVisit = std::function<void(ColumnRef, const std::string& key)>;

void visit_template(const TextTemplate& text, const std::string& key, const KeyedVisit& visit) {
  for (const auto& part : text.parts()) {
    if (part.column) visit(*part.column, key);
  }
}

void visit_id(const IdSpec& id, const std::string& key, const KeyedVisit& visit) {
  if (id.column) visit(*id.column, key);
  if (id.text_template) visit_template(*id.text_template, key, visit);
}

void visit_fields(const std::vector<Field>& fields, const std::string& prefix,
                  const KeyedVisit& visit) {
  for (const Field& field : fields) {
    const std::string key = prefix + "." + field.name.str();
    if (field.spec.source == FieldSpec::Source::kColumn) visit(field.spec.column, key);
    if (field.spec.text_template) visit_template(*field.spec.text_template, key, visit);
  }
}

// Conditions: `with_changed` also visits changed() arguments.
void visit_condition(const Expression& condition, const std::string& key, bool with_changed,
                     const KeyedVisit& visit) {
  condition.for_each_column([&](ColumnRef ref, bool in_changed) {
    if (!in_changed || with_changed) visit(ref, key);
  });
}

std::string event_key(const EventTarget& e) { return "events[" + std::to_string(e.index) + "]"; }

// Every column reference with where the file makes it.
void visit_all_keyed(const CompiledTable& t, const KeyedVisit& visit) {
  if (t.where) visit_condition(*t.where, "where", true, visit);
  if (t.customer) {
    visit_id(t.customer->id, "customer.id", visit);
    visit_fields(t.customer->fields, "customer.fields", visit);
    visit_fields(t.customer->set_fields, "customer.on_delete.set", visit);
  }
  if (t.array) {
    visit_id(t.array->customer_id, "array.customer_id", visit);
    visit_id(t.array->item_id, "array.item_id", visit);
    visit_fields(t.array->fields, "array.fields", visit);
  }
  for (const EventTarget& e : t.events) {
    if (e.when) visit_condition(*e.when, event_key(e) + ".when", true, visit);
    visit_id(e.customer_id, event_key(e) + ".customer_id", visit);
    visit_fields(e.data, event_key(e) + ".data", visit);
  }
}

void collect_old_row_reads(CompiledTable& t) {
  ReadList reads(t, t.old_row_reads);
  // Reads of the old row: bare names on deletes, before.x anywhere. after.x is NULL there.
  auto old_row = [&reads](ImageRead::Why why) {
    return [&reads, why](ColumnRef ref, const std::string& key) {
      if (ref.image != Image::kAfter) reads.add(ref, why, key);
    };
  };
  visit_all_keyed(t, [&](ColumnRef ref, const std::string& key) {
    if (ref.image == Image::kBefore) reads.add(ref, ImageRead::Why::kBefore, key);
  });
  for (const EventTarget& e : t.events) {
    if (!e.when) continue;
    e.when->for_each_column([&](ColumnRef ref, bool in_changed) {
      if (in_changed) reads.add(ref, ImageRead::Why::kChanged, event_key(e) + ".when");
    });
  }
  if (t.customer && t.customer->on_delete != DeleteAction::kIgnore) {
    visit_id(t.customer->id, "customer.id", old_row(ImageRead::Why::kCustomerId));
    visit_fields(t.customer->set_fields, "customer.on_delete.set",
                 old_row(ImageRead::Why::kOnDeleteSet));
  }
  if (t.array) {
    visit_id(t.array->customer_id, "array.customer_id", old_row(ImageRead::Why::kArrayCustomerId));
    visit_id(t.array->item_id, "array.item_id", old_row(ImageRead::Why::kArrayItemId));
  }
  for (const EventTarget& e : t.events) {
    if ((e.on & kOnDelete) == 0) continue;
    const auto delete_event = old_row(ImageRead::Why::kDeleteEvent);
    if (e.when) visit_condition(*e.when, event_key(e) + ".when", true, delete_event);
    visit_id(e.customer_id, event_key(e) + ".customer_id", delete_event);
    visit_fields(e.data, event_key(e) + ".data", delete_event);
  }
  // Entering or leaving the filter turns updates into inserts and deletes, which decides
  // which events fire; calls alone stay right (upserts and removals are idempotent).
  if (t.where && !t.events.empty()) {
    visit_condition(*t.where, "where", false, old_row(ImageRead::Why::kWhereWithEvents));
  }
}

void collect_new_row_reads(CompiledTable& t) {
  ReadList reads(t, t.new_row_reads);
  auto new_row = [&reads](ImageRead::Why why) {
    return [&reads, why](ColumnRef ref, const std::string& key) {
      if (ref.image != Image::kBefore) reads.add(ref, why, key);
    };
  };
  if (t.where) visit_condition(*t.where, "where", false, new_row(ImageRead::Why::kNewWhere));
  if (t.customer) visit_id(t.customer->id, "customer.id", new_row(ImageRead::Why::kNewCustomerId));
  if (t.array) {
    const auto item = new_row(ImageRead::Why::kNewArrayItem);
    visit_id(t.array->customer_id, "array.customer_id", item);
    visit_id(t.array->item_id, "array.item_id", item);
    visit_fields(t.array->fields, "array.fields", item);
  }
  for (const EventTarget& e : t.events) {
    if ((e.on & (kOnInsert | kOnUpdate)) == 0) continue;
    const auto event = new_row(ImageRead::Why::kNewEvent);
    // changed(x) of a column the new row leaves out is false, which is right: it is unchanged.
    if (e.when) visit_condition(*e.when, event_key(e) + ".when", false, event);
    visit_id(e.customer_id, event_key(e) + ".customer_id", event);
  }
}

}  // namespace

void compute_requirements(CompiledTable& t) {
  collect_old_row_reads(t);
  collect_new_row_reads(t);
  if (t.customer) {
    add_declared_types(t, t.customer->fields);
    add_declared_types(t, t.customer->set_fields);
  }
  if (t.array) add_declared_types(t, t.array->fields);
  for (const EventTarget& e : t.events) add_declared_types(t, e.data);

  std::set<uint32_t> old_slots;
  auto old_read = [&](ColumnRef ref) {
    if (ref.image != Image::kAfter) old_slots.insert(ref.slot);
  };
  visit_all(t, [&](ColumnRef ref) {
    if (ref.image == Image::kBefore) old_slots.insert(ref.slot);
  });
  if (t.where) visit_expression(*t.where, old_read);
  for (const EventTarget& e : t.events) {
    if (e.when) {
      e.when->for_each_column([&](ColumnRef ref, bool in_changed) {
        if (in_changed) old_read(ref);
      });
    }
    if ((e.on & kOnDelete) == 0) continue;
    if (e.when) visit_expression(*e.when, old_read);
    visit_id(e.customer_id, old_read);
    visit_fields(e.data, old_read);
  }
  if (t.customer && t.customer->on_delete != DeleteAction::kIgnore) {
    visit_id(t.customer->id, old_read);
    visit_fields(t.customer->set_fields, old_read);
  }
  if (t.array) {
    visit_id(t.array->customer_id, old_read);
    visit_id(t.array->item_id, old_read);
  }
  for (uint32_t slot : old_slots) t.old_image_columns.push_back(t.columns[slot]);
  std::sort(t.old_image_columns.begin(), t.old_image_columns.end());
}

}  // namespace cdc::mapping
