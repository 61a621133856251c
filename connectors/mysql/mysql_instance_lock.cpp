#include "connectors/mysql/mysql_instance_lock.h"

#include "core/errors.h"

namespace cdc::mysql {

MysqlInstanceLock::MysqlInstanceLock(MysqlConnectOptions options, uint32_t server_id)
    : options_(std::move(options)), name_("retainly_cdc:" + std::to_string(server_id)) {
  // Held for the life of the process on an otherwise idle connection: no read timeout
  // beyond what a check query needs.
  options_.read_timeout = std::chrono::seconds(10);
}

bool MysqlInstanceLock::try_acquire() {
  if (held_ && conn_) {
    // Still ours as long as the session lives; the query notices a dead connection.
    try {
      if (conn_->query_value("SELECT IS_USED_LOCK(" + conn_->quote(name_) +
                             ") = CONNECTION_ID()") == "1") {
        return true;
      }
    } catch (const SourceError&) {
    }
    conn_.reset();
  }
  held_ = false;
  if (!conn_) conn_.emplace(MysqlConnection::connect(options_));
  try {
    // Timeout 0: answer at once, 1 when taken, 0 while another session holds it.
    held_ = conn_->query_value("SELECT GET_LOCK(" + conn_->quote(name_) + ", 0)") == "1";
  } catch (const SourceError& error) {
    conn_.reset();
    throw SourceDisconnected(std::string("taking the instance lock: ") + error.what());
  }
  return held_;
}

bool MysqlInstanceLock::confirm() {
  if (!held_ || !conn_) return false;
  try {
    if (conn_->query_value("SELECT IS_USED_LOCK(" + conn_->quote(name_) + ") = CONNECTION_ID()") ==
        "1") {
      return true;
    }
  } catch (const SourceError&) {
  }
  // Lost: the next try_acquire() starts on a new session.
  held_ = false;
  conn_.reset();
  return false;
}

std::string MysqlInstanceLock::describe() const { return "MySQL lock GET_LOCK('" + name_ + "')"; }

}  // namespace cdc::mysql
