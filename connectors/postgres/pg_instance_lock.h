// The PostgreSQL InstanceLock: pg_try_advisory_lock on a connection of its own, keyed by
// the slot name, so instances streaming from the same slot exclude each other.
#pragma once

#include <optional>
#include <string>

#include "connectors/postgres/pg_connection.h"
#include "core/instance_lock.h"

namespace cdc::pg {

class PgInstanceLock final : public InstanceLock {
 public:
  PgInstanceLock(std::string dsn, std::string slot);
  bool try_acquire() override;
  bool confirm() override;
  std::string describe() const override;

 private:
  std::string dsn_;
  std::string name_;  // "retainly_cdc:<slot>", hashed to the lock's key by the server
  std::optional<PgConnection> conn_;
  bool held_ = false;
};

}  // namespace cdc::pg
