#include "connectors/postgres/standby_feedback.h"

#include <algorithm>

namespace cdc::pg {

std::optional<StandbyStatus> StandbyFeedback::due(uint64_t acknowledged, bool idle, bool force,
                                                  Clock::time_point now) {
  uint64_t flush = acknowledged;
  if (idle && flush >= last_handed_out_.value && server_wal_end_.value > flush) {
    flush = server_wal_end_.value;
  }
  if (!force && flush == last_sent_flush_ && now - last_status_ < interval_) return std::nullopt;
  StandbyStatus status;
  status.write = PgLsn{std::max(received_.value, flush)};
  status.flush = PgLsn{flush};
  status.apply = PgLsn{flush};
  last_sent_flush_ = flush;
  last_status_ = now;
  return status;
}

}  // namespace cdc::pg
