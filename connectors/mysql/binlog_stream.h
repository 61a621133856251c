// A binlog stream: a connection registered as a replica that receives event packets.
//
// Protocol facts relied on (MySQL and MariaDB replication protocol docs):
// - @master_binlog_checksum (MySQL 8.0.26+ also reads @source_binlog_checksum) set to
//   the server's binlog_checksum tells the server the replica verifies checksums; without
//   it a CRC32 server refuses the dump. The artificial ROTATE that opens the stream
//   then carries a CRC32 trailer too.
// - @master_heartbeat_period (nanoseconds) makes an idle server send a HEARTBEAT event
//   that often, so a read timeout a few periods long tells a dead connection from a
//   quiet server.
// - MariaDB: @mariadb_slave_capability = 4 (MARIA_SLAVE_CAPABILITY_GTID) asks for GTID
//   and ANNOTATE_ROWS events as they are, instead of their stand-ins for old replicas;
//   @slave_connect_state starts after a GTID state, whatever file holds it.
// - MySQL: COM_BINLOG_DUMP_GTID starts after an executed GTID set.
// - Every event packet is 0x00 followed by the event; an ERR packet ends the stream
//   (a purged binlog: error 1236).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "connectors/mysql/binlog_change_assembler.h"
#include "connectors/mysql/mysql_connection.h"

namespace cdc::mysql {

struct BinlogStreamStart {
  uint32_t server_id = 0;
  ResumePoint at;
  // Start after at.gtid_state instead of at.file/at.offset.
  bool use_gtid = false;
  bool mariadb = true;
  std::string checksum = "CRC32";  // the server's @@global.binlog_checksum
  std::chrono::milliseconds heartbeat{1000};
};

class BinlogStream {
 public:
  // Sets the session up, registers as replica `start.server_id` and sends the dump
  // command. Throws like MysqlConnection.
  BinlogStream(MysqlConnection connection, const BinlogStreamStart& start);

  // The next event's bytes, header to checksum; valid until the next call. Blocks until
  // one arrives. Throws SourceDisconnected when the connection is lost or the server
  // ends the stream, MysqlServerError when the server reports an error.
  std::span<const std::byte> next_event();

  // From any thread: makes a blocked next_event() throw SourceDisconnected.
  void interrupt() { connection_.interrupt(); }

 private:
  MysqlConnection connection_;
};

}  // namespace cdc::mysql
