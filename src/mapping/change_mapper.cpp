#include "mapping/change_mapper.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "core/json_string.h"
#include "mapping/change_payload.h"
#include "mapping/decimal_text.h"
#include "mapping/field_writer.h"
#include "mapping/old_image_diff.h"
#include "mapping/retainly_limits.h"
#include "mapping/utf8_text.h"
#include "mapping/value_text.h"
#include "mapping/vanished_keys.h"

namespace cdc::mapping {
namespace {

using retainly::Call;
using retainly::CallKind;

constexpr std::string_view kFullImageHint =
    "; the source did not send it: set REPLICA IDENTITY FULL on the PostgreSQL table "
    "(binlog_row_image=FULL on MySQL)";

// What a change means once the `where` has been applied.
struct Effect {
  Operation op = Operation::kInsert;
  // The change means nothing to this mapping (the `where` keeps it out): no call at all.
  bool skip = false;
  // The old image could not be tested against `where` (not sent): removals are sent
  // because they are idempotent, but delete events cannot be known to be due.
  bool filter_uncertain = false;
  // An update whose old row is known to be one this mapping sends (no `where`, or the
  // old image passes it): Retainly holds the old image's mapping, so the old image may
  // prove attributes unchanged.
  bool old_row_mapped = false;

  static Effect of(Operation op, bool filter_uncertain = false) {
    return Effect{op, false, filter_uncertain, false};
  }
  static Effect update(bool old_row_mapped) {
    return Effect{Operation::kUpdate, false, false, old_row_mapped};
  }
  static Effect skipped() { return Effect{Operation::kInsert, true, false, false}; }
};

enum class IdResult { kOk, kUnknown, kInvalid };

// The old-image comparison's working space, kept across changes so that a diffed update
// allocates none of it once warm. One per thread: map() runs on several at once.
struct DiffScratch {
  std::vector<uint32_t> now_ends;
  FieldAttributes old;
  std::vector<char> unchanged;
};
thread_local DiffScratch diff_scratch;

class Session {
 public:
  Session(const CompiledTable& table, std::span<const int> slot_index,
          std::span<const int> key_columns, const RowChange& change, MappingOutput& out, bool whole)
      : table_(table),
        key_columns_(key_columns),
        change_(change),
        out_(out),
        after_view_(change, slot_index, /*current_is_before=*/false),
        before_view_(change, slot_index, /*current_is_before=*/true),
        first_call_(out.calls.size()),
        first_rejection_(out.rejections.size()),
        first_skip_(out.skips.size()),
        diff_(table.send_changed && !whole && !change.before.empty()) {
    ctx_.zone = table.zone.get();
    ctx_.string_policy = table.string_policy;
    ctx_.decimal_as_string = table.decimal_as_string;
  }

  void run() {
    const Effect effect = decide();
    // An update entering the `where` counts as an insert, whose before.x reads NULL.
    if (change_.op == Operation::kUpdate && effect.op == Operation::kInsert && !effect.skip) {
      after_view_.read_as_insert();
    }
    if (!effect.skip) {
      if (table_.customer) map_customer(*table_.customer, effect);
      if (table_.array) map_array(*table_.array, effect);
      map_events(effect);
    }
    fill_provenance();
  }

 private:
  Truth test_where(const RowView& view) const { return table_.where->evaluate(view, *table_.zone); }

  Effect decide() {
    const Operation op = change_.op;
    if (!table_.where) return op == Operation::kUpdate ? Effect::update(true) : Effect::of(op);
    if (op == Operation::kDelete) {
      const Truth before = test_where(before_view_);
      if (before == Truth::kFalse) return Effect::skipped();
      return Effect::of(Operation::kDelete, before == Truth::kUnknown);
    }
    const Truth after = test_where(after_view_);
    if (after == Truth::kUnknown) {
      reject("where (" + table_.where->text() + ") needs a column" + std::string(kFullImageHint));
      return Effect::skipped();
    }
    if (op != Operation::kUpdate) {
      return after == Truth::kTrue ? Effect::of(op) : Effect::skipped();
    }
    const Truth before = test_where(before_view_);
    if (after == Truth::kTrue) {
      // Entering the filter makes the row new to Retainly.
      if (before == Truth::kFalse) return Effect::of(Operation::kInsert);
      return Effect::update(before == Truth::kTrue);
    }
    if (before == Truth::kFalse) return Effect::skipped();
    return Effect::of(Operation::kDelete, before == Truth::kUnknown);
  }

  static bool upserts(Operation op) {
    return op == Operation::kInsert || op == Operation::kUpdate || op == Operation::kSnapshotRead;
  }

  void reject(std::string reason) {
    Rejection& rejection = out_.rejections.emplace_back();
    rejection.reason = std::move(reason);
    if (payload_.empty()) payload_ = change_payload(change_, *table_.zone);
    rejection.payload = payload_;
  }

  // The JSON of a customer or item id: numbers stay numbers, text becomes a string.
  IdResult id_json(const IdSpec& spec, const RowView& view, std::string_view role,
                   std::string& out) {
    out.clear();
    std::string text;
    const Value* value = nullptr;
    Value rendered;
    if (spec.text_template) {
      std::string error;
      switch (spec.text_template->render(view, *table_.zone, text, error)) {
        case TextTemplate::Rendered::kDone:
          break;
        case TextTemplate::Rendered::kUnknown:
          id_error_ = std::string(role) + ": " + error + std::string(kFullImageHint);
          return IdResult::kUnknown;
        case TextTemplate::Rendered::kInvalid:
          id_error_ = std::string(role) + ": " + error;
          return IdResult::kInvalid;
      }
      rendered = Value(std::move(text));
      value = &rendered;
    } else {
      value = view.read(*spec.column);
      if (value == nullptr) {
        id_error_ = std::string(role) + " column " + spec.source + std::string(kFullImageHint);
        return IdResult::kUnknown;
      }
    }
    // Most ids: written here, not through append_value_text's visit of every type.
    if (const auto* number = value->get_if<int64_t>()) {
      append_integer(out, *number);
      return IdResult::kOk;
    }
    if (const auto* number = value->get_if<uint64_t>()) {
      append_integer(out, *number);
      return IdResult::kOk;
    }
    if (const auto* decimal = value->get_if<Decimal>()) {
      auto parts = parse_decimal(decimal->text);
      if (parts && parts->fraction.empty() && fits_double(*parts)) {
        append_decimal_number(out, *parts);
        return IdResult::kOk;
      }
      if (parts) {
        out += '"';
        append_decimal_with_scale(out, *parts);
        out += '"';
        return IdResult::kOk;
      }
    }
    if (const auto* s = value->get_if<std::string>()) {
      // Ids are compared and used as lanes as sent, so ill-formed bytes are replaced the
      // same way every time.
      std::string_view valid = *s;
      std::string replaced;
      if (!is_valid_utf8(valid)) {
        append_valid_utf8(replaced, valid);
        valid = replaced;
      }
      if (valid.empty()) {
        id_error_ = std::string(role) + " " + spec.source + " is empty";
        return IdResult::kInvalid;
      }
      if (valid.size() > kMaxStringChars && count_code_points(valid) > kMaxStringChars) {
        id_error_ = std::string(role) + " " + spec.source + " is longer than 1000 characters";
        return IdResult::kInvalid;
      }
      append_json_string(out, valid);
      return IdResult::kOk;
    }
    id_error_ = std::string(role) + " " + spec.source + " is " + value->debug_string() +
                (value->is_null() ? "" : ", not an integer or text");
    return IdResult::kInvalid;
  }

  // Builds one target's attributes; false (after a rejection) when a value is refused.
  // `reserved` is the name the call itself sends beside the attributes ("id" of customers
  // and items, an event's key field), which flattened names must not produce either.
  // With `ends`, records the range each field wrote (FieldAttributes). With `old_view`,
  // flattened keys the old image has and the new one lacks are sent as null.
  bool attributes(const std::vector<Field>& fields, Placement placement, const RowView& view,
                  std::string_view what, std::string_view reserved,
                  std::vector<retainly::Attribute>& out, std::vector<uint32_t>* ends = nullptr,
                  const RowView* old_view = nullptr, uint16_t* unseen_old = nullptr) {
    unsigned flattened_index = 0;
    ctx_.placement = placement;
    out.reserve(out.size() + fields.size());  // one each, but for flattened JSON
    if (ends != nullptr) ends->reserve(fields.size());
    bool flattened = false;
    for (const Field& field : fields) {
      const size_t first = out.size();
      if (write_field(field, view, ctx_, out) == FieldOutcome::kRefused) {
        reject(std::string(what) + ": " + ctx_.error);
        return false;
      }
      if (old_view != nullptr && field.spec.flatten_prefix) {
        append_vanished_keys(field, *old_view, first, ctx_, vanished_scratch_, out);
      }
      if (unseen_old != nullptr && field.spec.flatten_prefix) {
        note_unseen_old_keys(field, view, flattened_index++, *unseen_old);
      }
      if (ends != nullptr) ends->push_back(static_cast<uint32_t>(out.size()));
      flattened = flattened || field.spec.flatten_prefix.has_value();
    }
    if (!flattened) return true;  // names were checked unique at load
    std::vector<std::string_view> names;
    names.reserve(out.size());
    for (const auto& attribute : out) names.push_back(attribute.name);
    std::sort(names.begin(), names.end());
    auto clash = std::adjacent_find(names.begin(), names.end());
    if (clash == names.end() && !reserved.empty()) {
      clash = std::find(names.begin(), names.end(), reserved);
    }
    if (clash == names.end()) return true;
    reject(std::string(what) + ": flattening produced the field name " + std::string(*clash) +
           " twice; change the flatten prefix");
    return false;
  }

  // Sets bit `index` of `bits` (Call::flattened) when the flattened `field` has a known
  // value now and an unknown one before: an update without the old image, or a backfill row
  // (which has no old row at all).
  void note_unseen_old_keys(const Field& field, const RowView& view, unsigned index,
                            uint16_t& bits) const {
    if (index >= 16 || field.spec.source != FieldSpec::Source::kColumn) return;
    if (view.read(field.spec.column) == nullptr) return;
    if (change_.op == Operation::kUpdate && before_view_.read(field.spec.column) != nullptr) {
      return;  // the old image's keys were compared (append_vanished_keys)
    }
    bits = static_cast<uint16_t>(bits | (1U << index));
  }

  // A call's attribute list, a spent one if the caller keeps them.
  std::vector<retainly::Attribute> new_attributes() const {
    return out_.memory != nullptr ? out_.memory->attributes() : std::vector<retainly::Attribute>();
  }

  Call& add_call(CallKind kind, std::string customer_id) {
    Call& call = out_.calls.emplace_back();
    call.kind = kind;
    call.customer_id = std::move(customer_id);
    return call;
  }

  // An update that may leave out what its old image proves unchanged, before the ids are
  // compared: `send: changed`, not mapped whole, an old image sent, and the old row known
  // to be in Retainly.
  bool may_diff(const Effect& effect) const { return diff_ && effect.old_row_mapped; }

  // Maps the old image of `fields` and marks which of `now` (written with the ranges in
  // diff_scratch.now_ends) it proves unchanged in diff_scratch.unchanged.
  OldImageMatch compare_old_image(const std::vector<Field>& fields, Placement placement,
                                  const std::vector<retainly::Attribute>& now) {
    DiffScratch& scratch = diff_scratch;
    ctx_.placement = placement;
    map_old_image(fields, before_view_, after_view_, ctx_, scratch.old);
    return mark_unchanged(now, scratch.now_ends, scratch.old, scratch.unchanged);
  }

  Skip& add_skip(CallKind kind, const std::string& customer_id) {
    Skip& skip = out_.skips.emplace_back();
    skip.reason = SkipReason::kOldImage;
    skip.kind = kind;
    skip.customer_id = customer_id;
    return skip;
  }

  // `undecided`: the row's `where` could not be tested on its old image, so it may never
  // have been sent; the pipeline then applies the removal only to a customer the table sent.
  void remove_customer(const CustomerTarget& target, const RowView& view, bool undecided) {
    if (target.on_delete == DeleteAction::kIgnore) return;
    std::string id;
    if (id_json(target.id, view, "customer id", id) != IdResult::kOk) {
      reject(id_error_);
      return;
    }
    if (target.on_delete == DeleteAction::kDelete) {
      add_call(CallKind::kCustomerDelete, std::move(id)).only_if_sent = undecided;
      return;
    }
    std::vector<retainly::Attribute> fields = new_attributes();
    if (!attributes(target.set_fields, Placement::kAttribute, view, "customer on_delete", "id",
                    fields)) {
      return;
    }
    Call& call = add_call(CallKind::kCustomerUpsert, std::move(id));
    call.attributes = std::move(fields);
    call.follows_row_delete = true;
    call.only_if_sent = undecided;
  }

  void map_customer(const CustomerTarget& target, const Effect& effect) {
    if (!upserts(effect.op)) {
      remove_customer(target, before_view_, effect.filter_uncertain);
      return;
    }
    std::string id;
    if (const IdResult now = id_json(target.id, after_view_, "customer id", id);
        now != IdResult::kOk) {
      reject(id_error_);
      // The row names no customer any more (a NULL id): it leaves the one it named.
      if (effect.op == Operation::kUpdate && now == IdResult::kInvalid) {
        std::string old_id;
        if (id_json(target.id, before_view_, "customer id", old_id) == IdResult::kOk) {
          remove_customer(target, before_view_, false);
        }
      }
      return;
    }
    bool diff = may_diff(effect);
    // The old image's flattened keys are the customer's to clear when it keeps its id.
    const RowView* old_keys = nullptr;
    if (effect.op == Operation::kUpdate) {
      std::string old_id;
      // An unknown old id cannot be compared; the row keeps its customer as far as we know.
      const IdResult old = id_json(target.id, before_view_, "customer id", old_id);
      if (old == IdResult::kOk && old_id != id) remove_customer(target, before_view_, false);
      // A new customer id is a customer new to Retainly; an unknown one may be.
      const bool same_customer = old == IdResult::kOk && old_id == id;
      diff = diff && same_customer;
      // What the store knows it decides field by field: the old image need not be mapped.
      if (diff && out_.known_customers != nullptr && out_.known_customers->knows(id)) {
        diff = false;
      }
      if (same_customer && table_.customer_flattens) old_keys = &before_view_;
    }
    // Keys the old value had that the mapping cannot see: the pipeline asks the store.
    uint16_t unseen_old = 0;
    const bool ask_store = table_.customer_flattens && (effect.op == Operation::kUpdate ||
                                                        effect.op == Operation::kSnapshotRead);
    std::vector<retainly::Attribute> fields = new_attributes();
    std::vector<uint32_t>* ends = diff ? &diff_scratch.now_ends : nullptr;
    if (ends != nullptr) ends->clear();
    if (!attributes(target.fields, Placement::kAttribute, after_view_, "customer", "id", fields,
                    ends, old_keys, ask_store ? &unseen_old : nullptr)) {
      return;
    }
    if (fields.size() + 1 > kMaxCustomerFields) {
      reject("customer: " + std::to_string(fields.size() + 1) +
             " fields with the id; Retainly allows 500");
      return;
    }
    const auto arrays = std::count_if(fields.begin(), fields.end(), [](const auto& a) {
      return !a.json.empty() && a.json.front() == '[';
    });
    if (static_cast<size_t>(arrays) > kMaxArrayAttributes) {
      reject("customer: " + std::to_string(arrays) + " array fields; Retainly allows 15");
      return;
    }
    if (diff && compare_old_image(target.fields, Placement::kAttribute, fields).count > 0) {
      const std::vector<char>& unchanged = diff_scratch.unchanged;
      Skip& skip = add_skip(CallKind::kCustomerUpsert, id);
      // Keeps the changed attributes in order, moving the unchanged ones to the skip.
      size_t kept = 0;
      for (size_t k = 0; k < fields.size(); ++k) {
        if (unchanged[k] != 0) {
          skip.fields.push_back(std::move(fields[k]));
        } else {
          if (kept != k) fields[kept] = std::move(fields[k]);
          ++kept;
        }
      }
      fields.resize(kept);
      // With keys to clear (unseen_old) the call is made, empty, for the pipeline to fill.
      skip.whole_call = kept == 0 && unseen_old == 0;
      if (skip.whole_call) return;
    }
    Call& call = add_call(CallKind::kCustomerUpsert, std::move(id));
    call.attributes = std::move(fields);
    call.flattened = unseen_old;
  }

  bool item_ids(const ArrayTarget& target, const RowView& view, std::string& customer,
                std::string& item, bool quiet) {
    IdResult r = id_json(target.customer_id, view, "array customer_id", customer);
    if (r == IdResult::kOk) r = id_json(target.item_id, view, "array item_id", item);
    ids_result_ = r;
    if (r == IdResult::kOk) return true;
    if (!quiet) reject(id_error_);
    return false;
  }

  void map_array(const ArrayTarget& target, const Effect& effect) {
    std::string customer;
    std::string item;
    if (!upserts(effect.op)) {
      if (!item_ids(target, before_view_, customer, item, false)) return;
      Call& call = add_call(CallKind::kArrayDelete, std::move(customer));
      call.field = target.field;
      call.item_id = std::move(item);
      return;
    }
    if (!item_ids(target, after_view_, customer, item, false)) {
      // The row names no customer or item any more (a NULL id): the item leaves the
      // customer it was on.
      if (effect.op == Operation::kUpdate && ids_result_ == IdResult::kInvalid &&
          item_ids(target, before_view_, customer, item, true)) {
        Call& call = add_call(CallKind::kArrayDelete, std::move(customer));
        call.field = target.field;
        call.item_id = std::move(item);
      }
      return;
    }
    bool diff = may_diff(effect);
    if (effect.op == Operation::kUpdate) {
      std::string old_customer;
      std::string old_item;
      const bool known = item_ids(target, before_view_, old_customer, old_item, true);
      const bool same = known && old_customer == customer && old_item == item;
      if (known && !same) {
        Call& call = add_call(CallKind::kArrayDelete, std::move(old_customer));
        call.field = target.field;
        call.item_id = std::move(old_item);
      }
      diff = diff && same;
    }
    std::vector<retainly::Attribute> fields = new_attributes();
    std::vector<uint32_t>* ends = diff ? &diff_scratch.now_ends : nullptr;
    if (ends != nullptr) ends->clear();
    if (!attributes(target.fields, Placement::kArrayItem, after_view_, "array item", "id", fields,
                    ends)) {
      return;
    }
    // Retainly replaces an item whole (retainly-api-docs.txt, arrays), so an item is sent
    // whole or not at all: skipped only when the old image gives every attribute, and no
    // other, with the same value.
    OldImageMatch unchanged;
    if (diff) unchanged = compare_old_image(target.fields, Placement::kArrayItem, fields);
    if (diff && unchanged.count == fields.size() && !unchanged.others) {
      Skip& skip = add_skip(CallKind::kArrayUpsert, customer);
      skip.field = target.field;
      skip.item_id = std::move(item);
      skip.whole_call = true;
      skip.fields = std::move(fields);
      return;
    }
    Call& call = add_call(CallKind::kArrayUpsert, std::move(customer));
    call.field = target.field;
    call.item_id = std::move(item);
    call.attributes = std::move(fields);
  }

  void map_events(const Effect& effect) {
    uint8_t bit = 0;
    if (effect.op == Operation::kInsert) bit = kOnInsert;
    if (effect.op == Operation::kUpdate) bit = kOnUpdate;
    if (effect.op == Operation::kDelete) bit = kOnDelete;
    const RowView& view = effect.op == Operation::kDelete ? before_view_ : after_view_;
    for (const EventTarget& event : table_.events) {
      if ((event.on & bit) == 0) continue;
      const std::string what = "event " + event.name;
      if (effect.filter_uncertain) {
        reject(what + ": where (" + table_.where->text() +
               ") could not be tested on the old row image" + std::string(kFullImageHint));
        continue;
      }
      if (event.when) {
        const Truth due = event.when->evaluate(view, *table_.zone);
        if (due == Truth::kFalse) continue;
        if (due == Truth::kUnknown) {
          reject(what + ": when (" + event.when->text() + ") needs a value" +
                 std::string(kFullImageHint));
          continue;
        }
      }
      std::string customer;
      if (id_json(event.customer_id, view, what + " customer_id", customer) != IdResult::kOk) {
        reject(id_error_);
        continue;
      }
      std::vector<retainly::Attribute> data = new_attributes();
      if (!attributes(event.data, Placement::kAttribute, view, what, event.key_field, data))
        continue;
      if (!event.key_field.empty()) {
        if (event_key_.empty()) event_key_ = to_string(change_.position);
        std::string key = event_key_ + ":" + std::to_string(event.index);
        std::string json;
        append_json_string(json, key);
        data.push_back(retainly::Attribute{event.key_field, std::move(json)});
      }
      if (data.size() > kMaxEventDataFields) {
        reject(what + ": " + std::to_string(data.size()) +
               " data fields with the key; Retainly allows 50");
        continue;
      }
      Call& call = add_call(CallKind::kEvent, std::move(customer));
      call.event_name = event.name;
      call.attributes = std::move(data);
    }
  }

  void fill_provenance() {
    if (first_call_ == out_.calls.size() && first_rejection_ == out_.rejections.size() &&
        first_skip_ == out_.skips.size()) {
      return;
    }
    retainly::Provenance origin;
    origin.table = table_.qualified_table;
    origin.key = provenance_key(change_, key_columns_, *table_.zone);
    if (origin.key.empty() && first_call_ < out_.calls.size()) {
      origin.key = retainly::lane_key(out_.calls[first_call_].customer_id);
    }
    if (origin.key.empty() && first_skip_ < out_.skips.size()) {
      origin.key = retainly::lane_key(out_.skips[first_skip_].customer_id);
    }
    origin.position = out_.positions.of(change_.position);
    for (size_t i = first_skip_; i < out_.skips.size(); ++i) out_.skips[i].origin = origin;
    // Copies for all but the last holder, which takes the original: most changes make
    // one call and no rejection.
    for (size_t i = first_rejection_; i < out_.rejections.size(); ++i) {
      out_.rejections[i].origin = origin;
    }
    for (size_t i = first_call_; i + 1 < out_.calls.size(); ++i) out_.calls[i].origin = origin;
    if (first_call_ < out_.calls.size()) out_.calls.back().origin = std::move(origin);
  }

  const CompiledTable& table_;
  const std::span<const int> key_columns_;
  const RowChange& change_;
  MappingOutput& out_;
  RowView after_view_;
  RowView before_view_;
  const size_t first_call_;
  const size_t first_rejection_;
  const size_t first_skip_;
  const bool diff_;
  WriteContext ctx_;
  std::string id_error_;
  IdResult ids_result_ = IdResult::kOk;  // item_ids()'s last outcome
  std::string payload_;
  std::string event_key_;
  std::vector<retainly::Attribute> vanished_scratch_;
};

}  // namespace

void map_change(const CompiledTable& table, std::span<const int> slot_index,
                std::span<const int> key_columns, const RowChange& change, MappingOutput& out,
                bool whole) {
  Session(table, slot_index, key_columns, change, out, whole).run();
}

std::vector<int> key_columns(const TableSchema& schema) {
  std::vector<int> keys;
  for (size_t i = 0; i < schema.columns.size(); ++i) {
    if (schema.columns[i].is_key) keys.push_back(static_cast<int>(i));
  }
  return keys;
}

namespace {

// provenance_key() of a key made of integer columns only (most keys), written into a
// buffer and made a string at once: appended piece by piece, the string's checks cost
// more than the rest of the key. Empty when the key is not such a key or does not fit.
std::string integer_key(const Row& row, const std::vector<Column>& columns,
                        std::span<const int> key_columns) {
  char text[64];
  size_t used = 0;
  for (const int i : key_columns) {
    const auto at = static_cast<size_t>(i);
    const int64_t* number = at < row.size() ? row[at].get_if<int64_t>() : nullptr;
    const std::string& name = columns[at].name;
    // A comma, the name, '=' and at most 20 characters of the number.
    if (number == nullptr || used + name.size() + 22 > sizeof text) return {};
    if (used > 0) text[used++] = ',';
    std::memcpy(text + used, name.data(), name.size());
    used += name.size();
    text[used++] = '=';
    used = static_cast<size_t>(std::to_chars(text + used, text + sizeof text, *number).ptr - text);
  }
  return std::string(text, used);
}

}  // namespace

std::string provenance_key(const RowChange& change, std::span<const int> key_columns,
                           const TimeZone& zone) {
  const Row& row = change.current();
  const auto& columns = change.table->columns;
  std::string key = integer_key(row, columns, key_columns);
  if (!key.empty()) return key;
  for (const int i : key_columns) {
    const auto at = static_cast<size_t>(i);
    if (!key.empty()) key += ',';
    key += columns[at].name;
    key += '=';
    if (at >= row.size()) {
      key += '?';
    } else if (const auto* number = row[at].get_if<int64_t>()) {
      // Most keys: written here, not through append_value_text's visit of every type.
      append_integer(key, *number);
    } else if (row[at].is_unchanged() || !append_value_text(key, row[at], zone)) {
      key += '?';
    }
  }
  return key;
}

}  // namespace cdc::mapping
