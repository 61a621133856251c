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

}  // namespace

void compute_requirements(CompiledTable& t) {
  if (t.customer) {
    add_declared_types(t, t.customer->fields);
    add_declared_types(t, t.customer->set_fields);
  }
  if (t.array) add_declared_types(t, t.array->fields);
  for (const EventTarget& e : t.events) add_declared_types(t, e.data);

  std::set<uint32_t> old_slots;
  bool beyond_ids = false;
  visit_all(t, [&](ColumnRef ref) {
    if (ref.image != Image::kBefore) return;
    old_slots.insert(ref.slot);
    beyond_ids = true;
  });
  auto old_read = [&](ColumnRef ref) {
    if (ref.image != Image::kAfter) old_slots.insert(ref.slot);
  };
  auto old_read_beyond_ids = [&](ColumnRef ref) {
    if (ref.image == Image::kAfter) return;
    old_slots.insert(ref.slot);
    beyond_ids = true;
  };
  if (t.where) {
    visit_expression(*t.where, old_read_beyond_ids);
  }
  for (const EventTarget& e : t.events) {
    if (e.when) {
      e.when->for_each_column([&](ColumnRef ref, bool in_changed) {
        if (in_changed) old_read_beyond_ids(ref);
      });
    }
    if ((e.on & kOnDelete) == 0) continue;
    if (e.when) visit_expression(*e.when, old_read_beyond_ids);
    visit_id(e.customer_id, old_read);
    visit_fields(e.data, old_read_beyond_ids);
  }
  std::set<uint32_t> id_slots;
  if (t.customer && t.customer->on_delete != DeleteAction::kIgnore) {
    visit_id(t.customer->id, old_read);
    visit_fields(t.customer->set_fields, old_read_beyond_ids);
    if (t.customer->id.column) id_slots.insert(t.customer->id.column->slot);
  }
  if (t.array) {
    visit_id(t.array->customer_id, old_read);
    visit_id(t.array->item_id, old_read);
    if (t.array->item_id.column) id_slots.insert(t.array->item_id.column->slot);
  }
  for (uint32_t slot : old_slots) {
    t.old_image_columns.push_back(t.columns[slot]);
    if (!id_slots.contains(slot)) beyond_ids = true;
  }
  std::sort(t.old_image_columns.begin(), t.old_image_columns.end());
  t.needs_old_image = beyond_ids;
}

}  // namespace cdc::mapping
