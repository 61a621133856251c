// The MySQL/MariaDB InstanceLock: GET_LOCK on a connection of its own, named after the
// replica's server id, so instances sharing a config (and so a server id and a state
// directory) exclude each other. The server releases the lock when that connection
// ends, so a dead holder's lock passes to a standby within seconds.
//
// The committed position of a MySQL source lives in state_dir (mysql_position.json),
// not in the server: the instances of an HA pair must share state_dir (one volume),
// which the lock keeps to a single writer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "connectors/mysql/mysql_connection.h"
#include "core/instance_lock.h"

namespace cdc::mysql {

class MysqlInstanceLock final : public InstanceLock {
 public:
  MysqlInstanceLock(MysqlConnectOptions options, uint32_t server_id);
  bool try_acquire() override;
  bool confirm() override;
  std::string describe() const override;

 private:
  MysqlConnectOptions options_;
  std::string name_;  // "retainly_cdc:<server_id>"
  std::optional<MysqlConnection> conn_;
  bool held_ = false;
};

}  // namespace cdc::mysql
