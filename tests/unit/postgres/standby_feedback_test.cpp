#include "connectors/postgres/standby_feedback.h"

#include <doctest/doctest.h>

namespace cdc::pg {
namespace {

using namespace std::chrono_literals;
using Clock = StandbyFeedback::Clock;

TEST_CASE("standby feedback: flush is what the pipeline acknowledged while work is pending") {
  const auto t0 = Clock::time_point{};
  StandbyFeedback feedback(10s, t0);
  feedback.received(PgLsn{500});
  feedback.handed_out(PgLsn{400});
  feedback.server_wal_end(PgLsn{900});
  // 400 handed out, 300 acknowledged: the server's WAL end is not ours to confirm.
  auto status = feedback.due(300, /*idle=*/true, /*force=*/false, t0 + 1ms);
  REQUIRE(status.has_value());
  CHECK(status->flush == PgLsn{300});
  CHECK(status->write == PgLsn{500});
  // Nothing moved and the interval has not passed: nothing to send.
  CHECK_FALSE(feedback.due(300, true, false, t0 + 2ms).has_value());
  // The server asked: sent all the same.
  CHECK(feedback.due(300, true, /*force=*/true, t0 + 3ms).has_value());
}

TEST_CASE("standby feedback: idle with everything acknowledged confirms the server's WAL end") {
  const auto t0 = Clock::time_point{};
  StandbyFeedback feedback(10s, t0);
  feedback.handed_out(PgLsn{400});
  feedback.server_wal_end(PgLsn{900});
  auto busy = feedback.due(400, /*idle=*/false, false, t0 + 1ms);
  REQUIRE(busy.has_value());
  CHECK(busy->flush == PgLsn{400});  // a transaction is open or queued: only what was acked
  auto idle = feedback.due(400, /*idle=*/true, false, t0 + 2ms);
  REQUIRE(idle.has_value());
  CHECK(idle->flush == PgLsn{900});
  CHECK(idle->write == PgLsn{900});
}

TEST_CASE("standby feedback: an update at least every interval, even with nothing new") {
  const auto t0 = Clock::time_point{};
  StandbyFeedback feedback(10s, t0);
  CHECK_FALSE(feedback.due(0, false, false, t0 + 9s).has_value());
  auto status = feedback.due(0, false, false, t0 + 10s);
  REQUIRE(status.has_value());
  CHECK(status->flush == PgLsn{0});
  CHECK_FALSE(feedback.due(0, false, false, t0 + 15s).has_value());
  CHECK(feedback.due(0, false, false, t0 + 20s).has_value());
}

}  // namespace
}  // namespace cdc::pg
