#include "sink/lane_queue.h"

#include <algorithm>
#include <iterator>

#include "retainly/request_body.h"

namespace cdc::sink {
namespace {

using retainly::Attribute;
using retainly::Call;
using retainly::CallKind;

// Later values win by name; names new to `into` are appended in their order. Rows of one
// table usually list their columns in the same order, so position i is tried first.
void merge_attributes(std::vector<Attribute>& into, std::vector<Attribute>&& from) {
  for (size_t i = 0; i < from.size(); ++i) {
    Attribute& incoming = from[i];
    if (i < into.size() && into[i].name == incoming.name) {
      into[i].json = std::move(incoming.json);
      continue;
    }
    auto found = std::find_if(into.begin(), into.end(),
                              [&](const Attribute& a) { return a.name == incoming.name; });
    if (found != into.end()) {
      found->json = std::move(incoming.json);
    } else {
      into.push_back(std::move(incoming));
    }
  }
}

bool is_array_kind(CallKind kind) {
  return kind == CallKind::kArrayUpsert || kind == CallKind::kArrayDelete;
}

// `unit` takes over `call`: it settles with it, and carries its origin (the newest
// position, for dead letters) and id text.
void absorb(Unit& unit, Call&& call) {
  unit.also_settles.push_back(call.sequence);
  unit.call.customer_id = std::move(call.customer_id);
  unit.call.origin = std::move(call.origin);
}

}  // namespace

UnitPtr UnitPool::take() {
  if (spare_.empty()) return std::make_unique<Unit>();
  UnitPtr unit = std::move(spare_.back());
  spare_.pop_back();
  return unit;
}

void UnitPool::give(UnitPtr unit) {
  // The attribute list goes to whoever builds calls (take_spent), or is freed now: a spare
  // unit keeps no list of its own.
  std::vector<retainly::Attribute>& attributes = unit->call.attributes;
  if (attributes.capacity() != 0) {
    if (spent_.size() < kMaxSpent) {
      spent_.push_back(std::move(attributes));
    } else {
      attributes = {};
    }
  }
  if (spare_.size() >= kMaxSpare) return;
  // The call's contents go when the next call is moved in; a large one goes now, so that
  // no spare unit pins it.
  if (unit->size > kMaxKeptBytes) unit->call = {};
  unit->also_settles.clear();
  unit->size = 0;
  spare_.push_back(std::move(unit));
}

void UnitPool::take_spent(std::vector<std::vector<retainly::Attribute>>& out) { out.swap(spent_); }

void LaneQueue::add(Call&& call, Clock::TimePoint now, UnitPool& pool) {
  switch (call.kind) {
    case CallKind::kCustomerUpsert:
      if (!units_.empty() && units_.back()->call.kind == CallKind::kCustomerUpsert) {
        Unit& tail = *units_.back();
        merge_attributes(tail.call.attributes, std::move(call.attributes));
        absorb(tail, std::move(call));
        resize(units_.size() - 1);
        return;
      }
      break;
    case CallKind::kCustomerDelete: {
      UnitPtr unit = pool.take();
      unit->call = std::move(call);
      unit->arrived = now;
      supersede_upserts(*unit, pool);
      if (!units_.empty() && units_.back()->call.kind == CallKind::kCustomerDelete) {
        Unit& tail = *units_.back();
        tail.also_settles.insert(tail.also_settles.end(), unit->also_settles.begin(),
                                 unit->also_settles.end());
        tail.arrived = std::min(tail.arrived, unit->arrived);
        absorb(tail, std::move(unit->call));
        pool.give(std::move(unit));
        return;
      }
      unit->size = retainly::estimated_record_size(unit->call);
      push(std::move(unit));
      return;
    }
    case CallKind::kArrayUpsert:
    case CallKind::kArrayDelete:
      if (auto index = find_in_tail_run(call)) {
        Unit& same = *units_[*index];
        if (call.kind == CallKind::kArrayUpsert) same.call.attributes = std::move(call.attributes);
        absorb(same, std::move(call));
        resize(*index);
        return;
      }
      break;
    case CallKind::kEvent:
      break;
  }
  UnitPtr unit = pool.take();
  unit->size = retainly::estimated_record_size(call);
  unit->call = std::move(call);
  unit->arrived = now;
  push(std::move(unit));
}

void LaneQueue::take_front(size_t count, std::vector<UnitPtr>& out) {
  count = std::min(count, units_.size());
  const auto end = units_.begin() + static_cast<std::ptrdiff_t>(count);
  out.insert(out.end(), std::make_move_iterator(units_.begin()), std::make_move_iterator(end));
  units_.erase(units_.begin(), end);
  recount();
}

void LaneQueue::push(UnitPtr unit) {
  count_pushed(unit->call.kind, unit->size);
  units_.push_back(std::move(unit));
}

void LaneQueue::count_pushed(retainly::CallKind kind, size_t size) {
  if (head_run_ == units_.size() && (units_.empty() || kind == head_kind())) {
    ++head_run_;
    head_run_bytes_ += size;
  }
}

void LaneQueue::recount() {
  head_run_ = 0;
  head_run_bytes_ = 0;
  for (const UnitPtr& unit : units_) {
    if (unit->call.kind != head_kind()) break;
    ++head_run_;
    head_run_bytes_ += unit->size;
  }
}

void LaneQueue::supersede_upserts(Unit& delete_unit, UnitPool& pool) {
  // Walk back over what the delete makes moot; an event stops the walk because it was
  // meant to be seen with that state, a delete because nothing before it survives anyway.
  bool removed = false;
  for (size_t i = units_.size(); i-- > 0;) {
    const CallKind kind = units_[i]->call.kind;
    if (kind == CallKind::kEvent || kind == CallKind::kCustomerDelete) break;
    if (is_array_kind(kind)) continue;
    Unit& upsert = *units_[i];
    delete_unit.also_settles.push_back(upsert.call.sequence);
    delete_unit.also_settles.insert(delete_unit.also_settles.end(), upsert.also_settles.begin(),
                                    upsert.also_settles.end());
    delete_unit.arrived = std::min(delete_unit.arrived, upsert.arrived);
    pool.give(std::move(units_[i]));
    units_.erase(units_.begin() + static_cast<std::ptrdiff_t>(i));
    removed = true;
  }
  if (removed) recount();
}

std::optional<size_t> LaneQueue::find_in_tail_run(const Call& call) const {
  for (size_t i = units_.size(); i-- > 0;) {
    const Unit& unit = *units_[i];
    if (unit.call.kind != call.kind) return std::nullopt;
    if (unit.call.item_id == call.item_id && unit.call.field == call.field) return i;
  }
  return std::nullopt;
}

void LaneQueue::resize(size_t index) {
  Unit& unit = *units_[index];
  const size_t old_size = unit.size;
  unit.size = retainly::estimated_record_size(unit.call);
  if (index < head_run_) head_run_bytes_ = head_run_bytes_ + unit.size - old_size;
}

}  // namespace cdc::sink
