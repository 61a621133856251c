#include "pipeline/sim/sim_world.h"

#include <algorithm>
#include <set>

namespace cdc::pipeline::sim {
namespace {

using nlohmann::json;

constexpr int64_t kCustomerIds = 30;  // users' customer ids are 1..kCustomerIds
constexpr int64_t kAccounts = 6;      // accounts kFirstAccount..+kAccounts-1
constexpr uint64_t kPreexistingLsn = 1;

const std::vector<std::string> kNames = {"ann", "bob", "cy", "dee", "eve"};
const std::vector<std::string> kPlans = {"free", "pro", "team"};
const std::vector<std::string> kNotes = {"gift", "rush", "plain"};

std::shared_ptr<const TableSchema> schema(const std::string& name,
                                          const std::vector<std::string>& columns) {
  auto table = std::make_shared<TableSchema>();
  table->id = TableId{"public", name};
  for (const auto& column : columns) {
    table->columns.push_back(
        Column{column, column == "name" || column == "plan" || column == "note" ? "text" : "int8",
               column == "id"});
  }
  table->version = 1;
  return table;
}

int64_t int_of(const Value& value) { return value.as<int64_t>(); }
const std::string& text_of(const Value& value) { return value.as<std::string>(); }

template <typename T>
T pick(std::mt19937_64& random, const std::vector<T>& choices) {
  return choices[std::uniform_int_distribution<size_t>(0, choices.size() - 1)(random)];
}

}  // namespace

std::string SimProfile::describe() const {
  return "transactions=" + std::to_string(transactions) +
         " commit_chance=" + std::to_string(commit_chance) +
         " refuse_chance=" + std::to_string(refuse_chance) +
         " preexisting_rows=" + std::to_string(preexisting_rows) +
         " resnapshot_table=" + (resnapshot_table.empty() ? "-" : resnapshot_table) +
         " chunk_rows=" + std::to_string(chunk_rows) + " kills=" + std::to_string(kills) +
         " kill_chance=" + std::to_string(kill_chance) +
         " fail_chance=" + std::to_string(fail_chance) +
         " rate_limit_chance=" + std::to_string(rate_limit_chance) +
         " drop_chance=" + std::to_string(drop_chance) +
         " lost_answer_chance=" + std::to_string(lost_answer_chance) +
         " max_latency_ms=" + std::to_string(max_latency_ms) +
         " batch_max_records=" + std::to_string(batch_max_records) +
         " concurrency=" + std::to_string(concurrency) +
         " flush_interval_ms=" + std::to_string(flush_interval_ms);
}

SimProfile draw_profile(uint64_t seed, const SimFeatures& features) {
  std::mt19937_64 random(seed * 0x9E3779B97F4A7C15ull + 17);
  SimProfile p;
  p.transactions = std::uniform_int_distribution<int>(10, 60)(random);
  p.commit_chance = pick<double>(random, {1.0, 0.5, 0.25});
  p.refuse_chance = pick<double>(random, {0.0, 0.02, 0.08});
  if (features.resnapshot) {
    p.preexisting_rows = std::uniform_int_distribution<int>(5, 25)(random);
    p.resnapshot_table = pick<std::string>(random, {"users", "orders"});
    p.chunk_rows = pick<size_t>(random, {1, 3, 7});
  }
  if (features.kills) {
    p.kills = std::uniform_int_distribution<int>(1, 4)(random);
    p.kill_chance = pick<double>(random, {0.01, 0.03, 0.1});
  }
  p.fail_chance = pick<double>(random, {0.0, 0.05, 0.25});
  p.rate_limit_chance = pick<double>(random, {0.0, 0.03, 0.15});
  p.drop_chance = pick<double>(random, {0.0, 0.03, 0.1});
  p.lost_answer_chance = pick<double>(random, {0.0, 0.03, 0.1});
  p.max_latency_ms = pick<int>(random, {0, 30, 300});
  p.batch_max_records = pick<size_t>(random, {1, 4, 100});
  p.concurrency = pick<size_t>(random, {1, 3, 8});
  p.flush_interval_ms = pick<int>(random, {0, 20, 200});
  return p;
}

SimWorld::SimWorld(uint64_t seed, SimProfile profile)
    : profile_(std::move(profile)),
      random_(seed),
      users_(schema("users", {"id", "cid", "name", "plan", "ver"})),
      orders_(schema("orders", {"id", "account", "amount", "note", "ver"})) {
  write_preexisting_rows();
}

bool SimWorld::chance(double p) {
  return std::uniform_real_distribution<double>(0, 1)(random_) < p;
}

const std::shared_ptr<const TableSchema>& SimWorld::schema_of(const TableId& table) const {
  return table == users_->id ? users_ : orders_;
}

std::vector<Row> SimWorld::rows_of(const TableId& table) const {
  std::vector<Row> rows;
  for (const auto& [id, row] : table == users_->id ? user_rows_ : order_rows_) rows.push_back(row);
  return rows;
}

std::string SimWorld::random_text(const std::vector<std::string>& choices) {
  if (chance(profile_.refuse_chance)) return kRefused;
  return pick(random_, choices);
}

std::optional<int64_t> SimWorld::free_customer_id() {
  std::set<int64_t> used;
  for (const auto& [id, row] : user_rows_) used.insert(int_of(row[1]));
  std::vector<int64_t> free;
  for (int64_t cid = 1; cid <= kCustomerIds; ++cid) {
    if (!used.contains(cid)) free.push_back(cid);
  }
  if (free.empty()) return std::nullopt;
  return pick(random_, free);
}

void SimWorld::write_preexisting_rows() {
  for (int i = 0; i < profile_.preexisting_rows; ++i) {
    const auto ver = static_cast<int64_t>(kPreexistingLsn);
    if (profile_.resnapshot_table == "users") {
      const auto cid = free_customer_id();
      if (!cid) break;
      const int64_t id = next_user_id_++;
      user_rows_[id] = Row{id, *cid, random_text(kNames), random_text(kPlans), ver};
    } else {
      const int64_t id = next_order_id_++;
      const int64_t account =
          kFirstAccount + std::uniform_int_distribution<int64_t>(0, kAccounts - 1)(random_);
      order_rows_[id] = Row{id, account, std::uniform_int_distribution<int64_t>(1, 999)(random_),
                            random_text(kNotes), ver};
    }
  }
  record_history(kPreexistingLsn);
}

void SimWorld::random_change(uint64_t lsn, std::vector<RowChange>& changes,
                             std::vector<int64_t>& touched) {
  const bool users = chance(0.55);
  auto& rows = users ? user_rows_ : order_rows_;
  const auto ver = static_cast<int64_t>(lsn);
  // A row not yet changed in this transaction, if any: one change per row and transaction
  // keeps the model's versions simple.
  std::vector<int64_t> candidates;
  for (const auto& [id, row] : rows) {
    const int64_t key = users ? id : -id;
    if (std::find(touched.begin(), touched.end(), key) == touched.end()) candidates.push_back(id);
  }
  const double roll = std::uniform_real_distribution<double>(0, 1)(random_);
  RowChange change;
  change.table = users ? users_ : orders_;
  change.commit_time_micros = static_cast<int64_t>(lsn);
  const bool insert = candidates.empty() || (rows.size() < 5 && roll < 0.7) || roll < 0.35;
  if (insert) {
    change.op = Operation::kInsert;
    if (users) {
      const auto cid = free_customer_id();
      if (!cid) return;
      const int64_t id = next_user_id_++;
      change.after = Row{id, *cid, random_text(kNames), random_text(kPlans), ver};
      touched.push_back(id);
    } else {
      const int64_t id = next_order_id_++;
      change.after =
          Row{id, kFirstAccount + std::uniform_int_distribution<int64_t>(0, kAccounts - 1)(random_),
              std::uniform_int_distribution<int64_t>(1, 999)(random_), random_text(kNotes), ver};
      touched.push_back(-id);
    }
    rows[int_of(change.after[0])] = change.after;
  } else {
    const int64_t id = pick(random_, candidates);
    touched.push_back(users ? id : -id);
    change.before = rows[id];
    if (roll < 0.75) {
      change.op = Operation::kUpdate;
      Row after = change.before;
      if (users) {
        after[2] = random_text(kNames);
        after[3] = random_text(kPlans);
        if (chance(0.25)) {
          if (auto cid = free_customer_id()) after[1] = *cid;  // the customer id changes
        }
      } else {
        after[2] = std::uniform_int_distribution<int64_t>(1, 999)(random_);
        after[3] = random_text(kNotes);
        if (chance(0.25)) {  // the order moves to another account
          after[1] =
              kFirstAccount + std::uniform_int_distribution<int64_t>(0, kAccounts - 1)(random_);
        }
      }
      after[4] = ver;
      change.after = after;
      rows[id] = std::move(after);
    } else {
      change.op = Operation::kDelete;
      rows.erase(id);
    }
    const std::string old_key = key_of(*change.table, change.before);
    if (change.after.empty() || key_of(*change.table, change.after) != old_key) {
      deleted_within_.push_back(old_key);
    }
  }
  if (users && change.op == Operation::kInsert) {
    const Row& row = change.after;
    if (text_of(row[2]) != kRefused) {
      // The event key is the change's position, which the caller sets the same way.
      change.position = PgPosition{PgLsn{lsn}, static_cast<uint32_t>(changes.size())};
      const std::string key = to_string(change.position) + ":0";
      events_[key] = json{{"customer_id", int_of(row[1])},
                          {"event", "signed_up"},
                          {"data", {{"name", text_of(row[2])}, {"event_key", key}}}};
    }
  }
  changes.push_back(std::move(change));
}

void SimWorld::commit_workload_transaction() {
  SimTransaction transaction;
  transaction.lsn = next_lsn_;
  next_lsn_ += kLsnStep;
  const double roll = std::uniform_real_distribution<double>(0, 1)(random_);
  const int size = roll < 0.8    ? std::uniform_int_distribution<int>(1, 3)(random_)
                   : roll < 0.95 ? std::uniform_int_distribution<int>(4, 10)(random_)
                                 : std::uniform_int_distribution<int>(20, 60)(random_);
  std::vector<int64_t> touched;
  for (int i = 0; i < size; ++i) random_change(transaction.lsn, transaction.changes, touched);
  for (size_t i = 0; i < transaction.changes.size(); ++i) {
    transaction.changes[i].position = PgPosition{PgLsn{transaction.lsn}, static_cast<uint32_t>(i)};
  }
  ++committed_workload_;
  commit(std::move(transaction));
}

void SimWorld::commit_watermark(const std::string& watermark) {
  SimTransaction transaction;
  transaction.lsn = next_lsn_;
  next_lsn_ += kLsnStep;
  transaction.watermark = watermark;
  commit(std::move(transaction));
}

void SimWorld::commit(SimTransaction transaction) {
  const uint64_t lsn = transaction.lsn;
  wal_.push_back(std::move(transaction));
  record_history(lsn);
}

std::string SimWorld::key_of(const TableSchema& table, const Row& row) const {
  if (&table == users_.get()) return "c:" + std::to_string(int_of(row[1]));
  return "i:" + std::to_string(int_of(row[1])) + ":" + std::to_string(int_of(row[0]));
}

std::map<std::string, Expected> SimWorld::expected_view() const {
  std::map<std::string, Expected> view;
  for (const auto& [id, row] : user_rows_) {
    const bool refused = text_of(row[2]) == kRefused || text_of(row[3]) == kRefused;
    view["c:" + std::to_string(int_of(row[1]))] = Expected{json{{"id", int_of(row[1])},
                                                                {"name", text_of(row[2])},
                                                                {"plan", text_of(row[3])},
                                                                {"ver", int_of(row[4])}},
                                                           refused};
  }
  for (const auto& [id, row] : order_rows_) {
    view["i:" + std::to_string(int_of(row[1])) + ":" + std::to_string(id)] =
        Expected{json{{"id", id},
                      {"amount", int_of(row[2])},
                      {"note", text_of(row[3])},
                      {"ver", int_of(row[4])}},
                 text_of(row[3]) == kRefused};
  }
  return view;
}

void SimWorld::record_history(uint64_t lsn) {
  std::map<std::string, Expected> now = expected_view();
  auto note = [&](const std::string& key, const Expected& state) {
    history_[key].push_back(HistoryEntry{lsn, state});
  };
  for (const auto& [key, state] : now) {
    auto before = view_.find(key);
    if (before == view_.end() || !(before->second == state)) note(key, state);
  }
  for (const auto& [key, state] : view_) {
    if (!now.contains(key)) note(key, Expected{});
  }
  // An update of a row leaves its key in place; only a delete or move of the row that
  // held it, with the key back by the end of the transaction, counts here.
  for (const std::string& key : deleted_within_) {
    auto& entries = history_[key];
    if (entries.empty() || entries.back().lsn != lsn) {
      auto held = now.find(key);
      entries.push_back(HistoryEntry{lsn, held == now.end() ? Expected{} : held->second});
    }
    if (entries.back().state.record) entries.back().deleted_within = true;
  }
  deleted_within_.clear();
  view_ = std::move(now);
}

}  // namespace cdc::pipeline::sim
