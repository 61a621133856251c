#include "connectors/postgres/pg_instance_lock.h"

#include "core/errors.h"

namespace cdc::pg {

PgInstanceLock::PgInstanceLock(std::string dsn, std::string slot)
    : dsn_(std::move(dsn)), name_("retainly_cdc:" + slot) {}

bool PgInstanceLock::try_acquire() {
  if (conn_ && PQstatus(conn_->raw()) != CONNECTION_OK) conn_.reset();
  if (held_ && conn_) {
    // Still ours as long as the session lives; a query notices a dead connection.
    try {
      conn_->query("SELECT 1");
      return true;
    } catch (const SourceError&) {
      conn_.reset();
    }
  }
  held_ = false;
  if (!conn_) conn_.emplace(PgConnection::connect(dsn_, PgConnection::Mode::kNormal));
  try {
    const auto result = conn_->query("SELECT pg_try_advisory_lock(hashtext($1))::text", {name_});
    held_ = !result.rows.empty() && result.rows[0][0] == "true";
  } catch (const SourceError& error) {
    conn_.reset();
    throw SourceDisconnected(std::string("taking the instance lock: ") + error.what());
  }
  return held_;
}

bool PgInstanceLock::confirm() {
  if (!held_ || !conn_) return false;
  // A session-level advisory lock lasts as long as its session.
  try {
    if (PQstatus(conn_->raw()) == CONNECTION_OK) {
      conn_->query("SELECT 1");
      return true;
    }
  } catch (const SourceError&) {
  }
  held_ = false;
  conn_.reset();
  return false;
}

std::string PgInstanceLock::describe() const { return "PostgreSQL advisory lock '" + name_ + "'"; }

}  // namespace cdc::pg
