#include "connectors/postgres/pg_replication_stream.h"

#include <poll.h>

#include "core/errors.h"

namespace cdc::pg {

ReplicationStream::~ReplicationStream() {
  if (buffer_ != nullptr) PQfreemem(buffer_);
}

PgLsn ReplicationStream::create_temporary_slot(const std::string& name) {
  // Protocol: "CREATE_REPLICATION_SLOT name TEMPORARY LOGICAL plugin"; no snapshot is
  // exported (none is read). The option list is PostgreSQL 15 syntax; older servers take
  // the keyword NOEXPORT_SNAPSHOT instead.
  const std::string snapshot =
      conn_.server_version() >= 150000 ? " (SNAPSHOT 'nothing')" : " NOEXPORT_SNAPSHOT";
  // Columns: slot_name, consistent_point, snapshot_name, output_plugin.
  const auto result = conn_.query("CREATE_REPLICATION_SLOT " + conn_.quote_identifier(name) +
                                  " TEMPORARY LOGICAL pgoutput" + snapshot);
  if (result.rows.empty() || result.rows[0].size() < 2 || !result.rows[0][1]) {
    throw SourceError("CREATE_REPLICATION_SLOT " + name + " returned no consistent point");
  }
  const auto point = PgLsn::parse(*result.rows[0][1]);
  if (!point) throw SourceError("CREATE_REPLICATION_SLOT " + name + ": bad consistent point");
  return *point;
}

void ReplicationStream::start(const StartOptions& options) {
  // Protocol: "START_REPLICATION SLOT name LOGICAL X/X (options)" on a connection opened
  // with replication=database; pgoutput's options are documented under "Logical
  // Streaming Replication Parameters".
  std::string sql = "START_REPLICATION SLOT " + conn_.quote_identifier(options.slot) + " LOGICAL " +
                    options.start.to_string() + " (proto_version '" +
                    std::to_string(options.protocol_version) + "', publication_names " +
                    conn_.quote_literal(conn_.quote_identifier(options.publication));
  if (options.streaming) sql += ", streaming 'on'";
  // Logical messages carry re-snapshot watermarks (pgoutput sends them from v1 on
  // PostgreSQL 14+).
  if (options.messages) sql += ", messages 'true'";
  sql += ")";
  PgResultPtr result(PQexec(conn_.raw(), sql.c_str()));
  if (PQresultStatus(result.get()) != PGRES_COPY_BOTH) {
    std::string message = PQresultErrorMessage(result.get());
    while (!message.empty() && message.back() == '\n') message.pop_back();
    throw SourceError("START_REPLICATION on slot " + options.slot + " failed: " + message);
  }
}

std::optional<std::span<const std::byte>> ReplicationStream::read(
    std::chrono::milliseconds timeout) {
  if (buffer_ != nullptr) {
    PQfreemem(buffer_);
    buffer_ = nullptr;
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    int n = PQgetCopyData(conn_.raw(), &buffer_, /*async=*/1);
    if (n > 0) {
      return std::span<const std::byte>(reinterpret_cast<const std::byte*>(buffer_),
                                        static_cast<size_t>(n));
    }
    if (n == -1) {
      PgResultPtr result(PQgetResult(conn_.raw()));
      std::string message = result ? PQresultErrorMessage(result.get()) : "";
      while (!message.empty() && message.back() == '\n') message.pop_back();
      throw SourceDisconnected("PostgreSQL ended the replication stream" +
                               (message.empty() ? std::string() : ": " + message));
    }
    if (n == -2) {
      throw SourceDisconnected(std::string("replication connection failed: ") +
                               PQerrorMessage(conn_.raw()));
    }
    if (attempt == 1) break;
    // Nothing buffered: wait for the socket, then let libpq read what arrived.
    pollfd pfd{PQsocket(conn_.raw()), POLLIN, 0};
    int ready = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
    if (ready < 0 && errno != EINTR)
      throw SourceDisconnected("poll on the replication socket failed");
    if (ready <= 0) return std::nullopt;
    if (PQconsumeInput(conn_.raw()) == 0) {
      throw SourceDisconnected(std::string("replication connection failed: ") +
                               PQerrorMessage(conn_.raw()));
    }
  }
  return std::nullopt;
}

void ReplicationStream::send(std::span<const std::byte> message) {
  if (PQputCopyData(conn_.raw(), reinterpret_cast<const char*>(message.data()),
                    static_cast<int>(message.size())) != 1 ||
      PQflush(conn_.raw()) != 0) {
    throw SourceDisconnected(std::string("cannot send to the replication connection: ") +
                             PQerrorMessage(conn_.raw()));
  }
}

}  // namespace cdc::pg
