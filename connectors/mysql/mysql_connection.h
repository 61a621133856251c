// One owner for a MariaDB Connector/C connection: the queries the connector runs and the
// raw packet access a binlog stream needs. Every Connector/C call of the connector lives
// in mysql_connection.cpp, so the library's quirks are handled in one place.
//
// The library's replication API (mariadb_rpl_*) is not used: in Connector/C 3.3 it
// mangles rotate events, fails on MySQL 8's newer events and refuses GTID starts. The
// stream sends COM_BINLOG_DUMP(_GTID) itself (send_command) and reads each event packet
// through the library's packet reader (read_packet), which also reassembles events
// larger than 16 MiB from several packets.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.h"

struct st_mysql;
struct st_mysql_res;

namespace cdc::mysql {

// TLS as Connector/C expresses it (config::SourceTls resolved into options).
struct MysqlTls {
  bool enforce = false;             // MYSQL_OPT_SSL_ENFORCE: refuse a plain connection
  bool verify_server_cert = false;  // CA and host name
  std::string ca_path;
};

struct MysqlConnectOptions {
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string user;
  std::string password;
  std::string database;  // default schema; empty for none
  MysqlTls tls;
  std::chrono::seconds connect_timeout{10};
  // A read that gets nothing for this long fails (SourceDisconnected): a binlog stream
  // asks for heartbeats well within it, so silence means the server or network is gone.
  std::chrono::seconds read_timeout{60};
};

// Rows of nullable text values, as the text protocol returns them.
struct MysqlResult {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

class MysqlConnection;

// The rows of one statement, read from the connection as they arrive (mysql_use_result)
// rather than stored whole: memory holds the current row only, and the server sends
// while the client works. The connection runs nothing else until the stream is
// destroyed. Move-only.
class MysqlRowStream {
 public:
  MysqlRowStream(MysqlRowStream&& other) noexcept;
  MysqlRowStream& operator=(MysqlRowStream&&) = delete;
  MysqlRowStream(const MysqlRowStream&) = delete;
  // Reads and drops the rows not read yet.
  ~MysqlRowStream();

  // Moves to the next row; false after the last. Throws like MysqlConnection::query when
  // the statement fails midway or the connection is lost.
  bool next();
  size_t columns() const { return columns_; }
  // Column `i` of the current row; nullopt for NULL. Valid until the next next().
  std::optional<std::string_view> value(size_t i) const {
    if (row_[i] == nullptr) return std::nullopt;
    return std::string_view(row_[i], lengths_[i]);
  }

 private:
  friend class MysqlConnection;
  MysqlRowStream(MysqlConnection& conn, st_mysql_res* result);

  MysqlConnection* conn_;
  st_mysql_res* result_;
  size_t columns_ = 0;
  char** row_ = nullptr;
  unsigned long* lengths_ = nullptr;
};

// Move-only. Not thread-safe, except interrupt().
//
// Errors: a lost or refused connection throws cdc::SourceDisconnected; an error the
// server reports (bad SQL, missing privilege, purged binlog) throws MysqlServerError
// with the server's error number and message. Messages never carry the password.
class MysqlConnection {
 public:
  static MysqlConnection connect(const MysqlConnectOptions& options);

  MysqlConnection(MysqlConnection&&) noexcept;
  MysqlConnection& operator=(MysqlConnection&&) noexcept;
  ~MysqlConnection();

  // Runs one statement and returns its first result's rows (empty for statements
  // without a result).
  MysqlResult query(std::string_view sql);
  void exec(std::string_view sql) { query(sql); }
  // Starts `sql`, a statement that returns rows, and hands them out one at a time.
  MysqlRowStream stream(std::string_view sql);
  // The first column of the first row; nullopt when there is no row or it is NULL.
  std::optional<std::string> query_value(std::string_view sql);
  // `text` as a quoted SQL string literal.
  std::string quote(std::string_view text);

  // "10.11.19-MariaDB-0+deb12u1", "8.0.36".
  std::string server_version() const;
  bool is_mariadb() const;

  // Sends a raw command (COM_REGISTER_SLAVE, COM_BINLOG_DUMP, COM_BINLOG_DUMP_GTID)
  // with `payload` after the command byte, without reading an answer.
  void send_command(uint8_t command, std::span<const std::byte> payload);
  // Reads the answer to a command that is answered by one OK or ERR packet.
  void read_ok();
  // Reads one packet (a binlog event packet starts with 0x00, the end of a non-blocking
  // dump with 0xFE). The view stays valid until the next call on this connection.
  // Throws MysqlServerError for an ERR packet from the server, SourceDisconnected when the
  // connection is lost or read_timeout passes without data.
  std::span<const std::byte> read_packet();

  // From any thread: makes a blocked read_packet() return with SourceDisconnected.
  void interrupt();

 private:
  friend class MysqlRowStream;
  explicit MysqlConnection(st_mysql* mysql);
  [[noreturn]] void fail(std::string_view what);

  struct Close {
    void operator()(st_mysql* mysql) const;
  };
  std::unique_ptr<st_mysql, Close> mysql_;
};

// An error the server reported, with its error number (mysqld_error.h).
class MysqlServerError : public SourceError {
 public:
  MysqlServerError(unsigned code, const std::string& message) : SourceError(message), code_(code) {}
  unsigned code() const { return code_; }

 private:
  unsigned code_;
};

// The server's error number for "could not read the binlog", which MySQL and MariaDB
// use for a position in a purged file (ER_MASTER_FATAL_ERROR_READING_BINLOG).
inline constexpr unsigned kErrorReadingBinlog = 1236;

}  // namespace cdc::mysql
