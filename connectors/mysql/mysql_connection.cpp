#include "connectors/mysql/mysql_connection.h"

#include <errmsg.h>
#include <mysql.h>
#include <sys/socket.h>

#include <fmt/format.h>

#include <mutex>
#include <utility>

namespace cdc::mysql {
namespace {

// mysql_init() initialises the library on first use, which is not thread-safe.
void init_library_once() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

bool is_connection_error(unsigned code) {
  return code == CR_SERVER_LOST || code == CR_SERVER_GONE_ERROR || code == CR_CONNECTION_ERROR ||
         code == CR_CONN_HOST_ERROR || code == CR_SERVER_LOST_EXTENDED || code == CR_UNKNOWN_HOST ||
         code == 1053 /* ER_SERVER_SHUTDOWN */ || code == 1927 /* ER_CONNECTION_KILLED */ ||
         code == 4031 /* idle disconnect */;
}

struct FreeResult {
  void operator()(MYSQL_RES* result) const { mysql_free_result(result); }
};

}  // namespace

void MysqlConnection::Close::operator()(st_mysql* mysql) const { mysql_close(mysql); }

MysqlConnection::MysqlConnection(st_mysql* mysql) : mysql_(mysql) {}
MysqlConnection::MysqlConnection(MysqlConnection&&) noexcept = default;
MysqlConnection& MysqlConnection::operator=(MysqlConnection&&) noexcept = default;
MysqlConnection::~MysqlConnection() = default;

MysqlConnection MysqlConnection::connect(const MysqlConnectOptions& options) {
  init_library_once();
  MysqlConnection conn(mysql_init(nullptr));
  MYSQL* m = conn.mysql_.get();
  if (m == nullptr) throw SourceError("mysql_init: out of memory");
  const unsigned connect_timeout = static_cast<unsigned>(options.connect_timeout.count());
  const unsigned read_timeout = static_cast<unsigned>(options.read_timeout.count());
  mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
  mysql_optionsv(m, MYSQL_OPT_WRITE_TIMEOUT, &read_timeout);
  mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  // Row events can be as large as the server's max_allowed_packet (up to 1 GiB).
  const unsigned long max_packet = 1UL << 30;
  mysql_optionsv(m, MYSQL_OPT_MAX_ALLOWED_PACKET, &max_packet);
  // No ~/.my.cnf or [client] groups: the connector's config says everything.
  if (options.tls.enforce) {
    const my_bool yes = 1;
    mysql_optionsv(m, MYSQL_OPT_SSL_ENFORCE, &yes);
  }
  if (options.tls.verify_server_cert) {
    const my_bool yes = 1;
    mysql_optionsv(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &yes);
  }
  if (!options.tls.ca_path.empty()) {
    mysql_optionsv(m, MYSQL_OPT_SSL_CA, options.tls.ca_path.c_str());
  }
  const char* database = options.database.empty() ? nullptr : options.database.c_str();
  if (mysql_real_connect(m, options.host.c_str(), options.user.c_str(), options.password.c_str(),
                         database, static_cast<unsigned>(options.port), nullptr,
                         CLIENT_MULTI_RESULTS) == nullptr) {
    const unsigned code = mysql_errno(m);
    std::string message =
        fmt::format("cannot connect to MySQL/MariaDB at {}:{} as {}: {} ({})", options.host,
                    options.port, options.user, mysql_error(m), code);
    // Refused credentials or a missing database will not fix themselves.
    if (code == 1045 /* ER_ACCESS_DENIED_ERROR */ || code == 1049 /* ER_BAD_DB_ERROR */ ||
        code == 2026 /* CR_SSL_CONNECTION_ERROR */) {
      throw MysqlServerError(code, message);
    }
    throw SourceDisconnected(message);
  }
  // Connector/C 3.3 quirk: MYSQL_OPT_SSL_ENFORCE alone (without certificate
  // verification) falls back to a plain connection when the server offers no TLS.
  if (options.tls.enforce && mysql_get_ssl_cipher(m) == nullptr) {
    throw MysqlServerError(2026, fmt::format("cannot connect to MySQL/MariaDB at {}:{}: SSL/TLS "
                                             "is required by source.tls, but the server does "
                                             "not offer it",
                                             options.host, options.port));
  }
  conn.exec("SET time_zone = '+00:00'");
  return conn;
}

void MysqlConnection::fail(std::string_view what) {
  MYSQL* m = mysql_.get();
  const unsigned code = mysql_errno(m);
  std::string message = fmt::format("{}: {} (error {})", what, mysql_error(m), code);
  if (is_connection_error(code)) throw SourceDisconnected(message);
  throw MysqlServerError(code, message);
}

MysqlResult MysqlConnection::query(std::string_view sql) {
  MYSQL* m = mysql_.get();
  if (mysql_real_query(m, sql.data(), sql.size()) != 0) {
    fail(fmt::format("query failed: {}", sql.substr(0, 200)));
  }
  MysqlResult out;
  std::unique_ptr<MYSQL_RES, FreeResult> result(mysql_store_result(m));
  if (!result) {
    if (mysql_field_count(m) != 0)
      fail(fmt::format("reading the result of {}", sql.substr(0, 200)));
  } else {
    const unsigned columns = mysql_num_fields(result.get());
    MYSQL_FIELD* fields = mysql_fetch_fields(result.get());
    for (unsigned i = 0; i < columns; ++i) out.columns.emplace_back(fields[i].name);
    out.rows.reserve(mysql_num_rows(result.get()));
    while (MYSQL_ROW row = mysql_fetch_row(result.get())) {
      const unsigned long* lengths = mysql_fetch_lengths(result.get());
      auto& values = out.rows.emplace_back();
      values.reserve(columns);
      for (unsigned i = 0; i < columns; ++i) {
        if (row[i] == nullptr) {
          values.emplace_back(std::nullopt);
        } else {
          values.emplace_back(std::string(row[i], lengths[i]));
        }
      }
    }
  }
  // Statements that return more than one result (procedures) leave the rest unread.
  while (mysql_more_results(m)) {
    if (mysql_next_result(m) > 0) fail("reading further results");
    std::unique_ptr<MYSQL_RES, FreeResult> extra(mysql_store_result(m));
  }
  return out;
}

MysqlRowStream MysqlConnection::stream(std::string_view sql) {
  MYSQL* m = mysql_.get();
  if (mysql_real_query(m, sql.data(), sql.size()) != 0) {
    fail(fmt::format("query failed: {}", sql.substr(0, 200)));
  }
  MYSQL_RES* result = mysql_use_result(m);
  if (result == nullptr) fail(fmt::format("reading the result of {}", sql.substr(0, 200)));
  return MysqlRowStream(*this, result);
}

MysqlRowStream::MysqlRowStream(MysqlConnection& conn, st_mysql_res* result)
    : conn_(&conn), result_(result), columns_(mysql_num_fields(result)) {}

MysqlRowStream::MysqlRowStream(MysqlRowStream&& other) noexcept
    : conn_(other.conn_),
      result_(std::exchange(other.result_, nullptr)),
      columns_(other.columns_),
      row_(other.row_),
      lengths_(other.lengths_) {}

MysqlRowStream::~MysqlRowStream() {
  // For a result of mysql_use_result, this reads the remaining rows off the connection.
  if (result_ != nullptr) mysql_free_result(result_);
}

bool MysqlRowStream::next() {
  row_ = mysql_fetch_row(result_);
  if (row_ == nullptr) {
    // The end of the rows, or an error that cut them short.
    if (mysql_errno(conn_->mysql_.get()) != 0) conn_->fail("reading rows");
    return false;
  }
  lengths_ = mysql_fetch_lengths(result_);
  return true;
}

std::optional<std::string> MysqlConnection::query_value(std::string_view sql) {
  auto result = query(sql);
  if (result.rows.empty() || result.rows.front().empty()) return std::nullopt;
  return result.rows.front().front();
}

std::string MysqlConnection::quote(std::string_view text) {
  std::string out(text.size() * 2 + 3, '\0');
  out[0] = '\'';
  const unsigned long n =
      mysql_real_escape_string(mysql_.get(), out.data() + 1, text.data(), text.size());
  out.resize(n + 1);
  out += '\'';
  return out;
}

std::string MysqlConnection::server_version() const { return mysql_get_server_info(mysql_.get()); }

bool MysqlConnection::is_mariadb() const {
  return server_version().find("MariaDB") != std::string::npos;
}

void MysqlConnection::send_command(uint8_t command, std::span<const std::byte> payload) {
  MYSQL* m = mysql_.get();
  // The library's own command writer: it frames the packet and resets the sequence
  // number. skip_check = 1: the caller reads the answer (an event stream, or OK).
  const int rc = m->methods->db_command(m, static_cast<enum_server_command>(command),
                                        reinterpret_cast<const char*>(payload.data()),
                                        payload.size(), 1, nullptr);
  if (rc != 0) fail(fmt::format("sending command {}", command));
}

void MysqlConnection::read_ok() {
  read_packet();  // an ERR packet throws; anything else is the OK
}

std::span<const std::byte> MysqlConnection::read_packet() {
  MYSQL* m = mysql_.get();
  // ma_net_safe_read underneath: reassembles multi-packet events and turns an ERR
  // packet into the connection's error.
  const unsigned long length = mysql_net_read_packet(m);
  if (length == packet_error) fail("reading the binlog stream");
  return {reinterpret_cast<const std::byte*>(m->net.read_pos), length};
}

void MysqlConnection::interrupt() {
  const my_socket fd = mysql_get_socket(mysql_.get());
  if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
}

}  // namespace cdc::mysql
