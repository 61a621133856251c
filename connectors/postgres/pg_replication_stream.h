// The COPY BOTH side of a logical replication connection: START_REPLICATION, then
// CopyData messages in and standby status updates out. No decoding happens here.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include "connectors/postgres/pg_connection.h"
#include "core/position.h"

namespace cdc::pg {

struct StartOptions {
  std::string slot;
  std::string publication;
  // 0/0: the server starts at the slot's confirmed_flush_lsn.
  PgLsn start;
  // pgoutput protocol version: 2 (with streaming of large transactions) on PostgreSQL
  // 14 and later, 1 before.
  int protocol_version = 2;
  bool streaming = true;
  bool messages = true;
};

// Owns a replication connection in COPY BOTH mode. Single-threaded: one thread reads and
// writes. Every failure throws cdc::SourceError; a lost connection cdc::SourceDisconnected.
class ReplicationStream {
 public:
  explicit ReplicationStream(PgConnection conn) : conn_(std::move(conn)) {}
  ReplicationStream(ReplicationStream&&) = default;
  ~ReplicationStream();

  // Creates pgoutput slot `name` as a TEMPORARY slot of this connection, before start():
  // the server drops it when the connection ends, however the process ends, so it leaves
  // nothing behind. Returns its consistent point (where its changes begin). Waits for
  // transactions running at that moment to end, as every new logical slot does.
  PgLsn create_temporary_slot(const std::string& name);

  void start(const StartOptions& options);

  // One CopyData message (a 'w' XLogData or 'k' keepalive), or nullopt if none came within
  // `timeout`. The bytes stay valid until the next read(). Throws when the server ends the
  // stream or the connection breaks.
  std::optional<std::span<const std::byte>> read(std::chrono::milliseconds timeout);

  // Sends one CopyData message (a standby status update) and flushes it.
  void send(std::span<const std::byte> message);

 private:
  PgConnection conn_;
  char* buffer_ = nullptr;  // owned by libpq; freed with PQfreemem
};

}  // namespace cdc::pg
