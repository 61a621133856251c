#include "connectors/postgres/pg_decoded_transactions.h"

#include <algorithm>

namespace cdc::pg {

DecodedTransactions& DecodedTransactions::instance() {
  static DecodedTransactions transactions;
  return transactions;
}

void DecodedTransactions::add(PgLsn commit_end, uint32_t xid) {
  const std::lock_guard lock(mutex_);
  // A stream read again from an earlier position decodes transactions again.
  if (!recent_.empty() && recent_.back().first >= commit_end.value) recent_.clear();
  recent_.emplace_back(commit_end.value, xid);
  if (recent_.size() > kKept) recent_.pop_front();
}

std::optional<uint32_t> DecodedTransactions::xid(PgLsn commit_end) const {
  const std::lock_guard lock(mutex_);
  const auto at = std::lower_bound(
      recent_.begin(), recent_.end(), commit_end.value,
      [](const std::pair<uint64_t, uint32_t>& entry, uint64_t lsn) { return entry.first < lsn; });
  if (at == recent_.end() || at->first != commit_end.value) return std::nullopt;
  return at->second;
}

bool DecodedTransactions::any_committed_before(PgLsn end, std::span<const uint64_t> xids) const {
  if (xids.empty()) return false;
  const std::lock_guard lock(mutex_);
  for (const auto& [commit_end, xid] : recent_) {
    if (commit_end >= end.value) break;
    for (const uint64_t wanted : xids) {
      if (static_cast<uint32_t>(wanted) == xid) return true;
    }
  }
  return false;
}

}  // namespace cdc::pg
