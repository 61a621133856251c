#include "connectors/mysql/binlog_stream.h"

#include <unistd.h>

#include <fmt/format.h>

#include "connectors/mysql/binlog_dump_request.h"
#include "connectors/mysql/gtid_set.h"
#include "core/errors.h"

namespace cdc::mysql {
namespace {

constexpr uint8_t kOkPacket = 0x00;
constexpr uint8_t kEofPacket = 0xfe;
constexpr uint8_t kMariadbCapabilityGtid = 4;

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "retainly-cdc";
  return buf;
}

}  // namespace

BinlogStream::BinlogStream(MysqlConnection connection, const BinlogStreamStart& start)
    : connection_(std::move(connection)) {
  auto& c = connection_;
  const std::string checksum = c.quote(start.checksum);
  c.exec("SET @master_binlog_checksum = " + checksum);
  c.exec("SET @source_binlog_checksum = " + checksum);
  const auto heartbeat_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(start.heartbeat).count();
  c.exec(fmt::format("SET @master_heartbeat_period = {}", heartbeat_ns));
  c.exec(fmt::format("SET @source_heartbeat_period = {}", heartbeat_ns));
  if (start.mariadb) {
    c.exec(fmt::format("SET @mariadb_slave_capability = {}", kMariadbCapabilityGtid));
    if (start.use_gtid) {
      c.exec("SET @slave_connect_state = " + c.quote(start.at.gtid_state));
      c.exec("SET @slave_gtid_strict_mode = 0");
      c.exec("SET @slave_gtid_ignore_duplicates = 0");
    }
  }

  const auto registration = register_replica_payload(start.server_id, host_name(), 0);
  c.send_command(kComRegisterSlave, registration);
  c.read_ok();

  if (!start.mariadb && start.use_gtid) {
    const auto set = MysqlGtidSet::parse(start.at.gtid_state);
    if (!set) throw SourceError("stored GTID set is malformed: " + start.at.gtid_state);
    c.send_command(kComBinlogDumpGtid,
                   binlog_dump_gtid_payload(start.server_id, "", 4, set->encode()));
  } else {
    // MariaDB with @slave_connect_state ignores the file and offset.
    c.send_command(kComBinlogDump,
                   binlog_dump_payload(start.server_id, start.use_gtid ? "" : start.at.file,
                                       start.use_gtid ? 4 : start.at.offset));
  }
}

std::span<const std::byte> BinlogStream::next_event() {
  const auto packet = connection_.read_packet();
  if (packet.empty()) throw ProtocolError("empty packet on the binlog stream");
  const auto first = std::to_integer<uint8_t>(packet[0]);
  if (first == kEofPacket && packet.size() < 9) {
    throw SourceDisconnected("the server ended the binlog stream");
  }
  if (first != kOkPacket) {
    throw ProtocolError(fmt::format("unexpected packet 0x{:02x} on the binlog stream", first));
  }
  return packet.subspan(1);
}

}  // namespace cdc::mysql
