// A test double of a MySQL server's wire, for the MySQL-only paths no local server can
// run (Debian ships MariaDB only): it listens on 127.0.0.1:<free port>, greets as the
// MySQL version the test chooses, authenticates one user with mysql_native_password or
// caching_sha2_password (fast path), answers COM_QUERY from a per-test script, and serves
// COM_BINLOG_DUMP / COM_BINLOG_DUMP_GTID from a recorded binlog file, followed by the
// events a test appends (also when a scripted query arrives). It is not a database:
// an unscripted query answers an error and is recorded, so a test can fail on it and show
// what the client sent.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "support/mysql_wire.h"
#include "support/mysql_wire_tls.h"

namespace cdc::test {

struct WireError {
  uint16_t code = 0;
  std::string sqlstate = "HY000";
  std::string message;
};

// What a scripted query answers: a result set, an error, or a plain OK (std::monostate).
using WireAnswer = std::variant<std::monostate, wire::ResultSet, WireError>;

struct MysqlWireOptions {
  std::string server_version = "8.0.36";
  std::string user = "cdc";
  std::string password = "cdc-secret";
  // "mysql_native_password" or "caching_sha2_password": the one the handshake announces
  // and the account uses (a client answering with another gets an auth switch).
  std::string auth_plugin = "mysql_native_password";
  // caching_sha2_password: whether the server's cache knows the account (the fast path,
  // 0x01 0x03), or asks for full authentication (0x01 0x04), which without TLS sends the
  // password RSA-encrypted with the server's public key (asked for with 0x02).
  bool sha2_cached = true;
  // Offer TLS (CLIENT_SSL) with a self-signed certificate for 127.0.0.1; a full
  // authentication over it takes the password in clear, as MySQL does.
  bool tls = false;
  uint32_t server_id = 1;

  // The binlog a dump streams, and the name the fake ROTATE gives it. Without a file, the
  // binlog starts with a FORMAT_DESCRIPTION of server_version and holds what the test
  // appends (append_events).
  std::filesystem::path binlog;
  std::string binlog_name = "binlog.000001";
  // Non-zero: only the events that start before this offset of the file are served (the
  // file cut at a transaction boundary).
  uint64_t binlog_end = 0;
  // Whether the events carry CRC32 trailers (the file's, and those this server makes).
  bool checksum = true;
  // After the file: heartbeats every `heartbeat` until the client goes (true), or an EOF
  // packet that ends the stream (false).
  bool keep_open = true;
  std::chrono::milliseconds heartbeat{200};

  // Faults. Close the first dump's connection after this many of the file's events (the
  // dumps after it, the client's reconnections, are served whole).
  std::optional<size_t> drop_after_events;
  // With drop_after_events: the next event is cut after this many bytes of its packet
  // (the packet header and the stream's 0x00 byte counted), then the connection closed:
  // a connection lost in the middle of an event.
  std::optional<size_t> drop_mid_event_bytes;
  // Answer COM_BINLOG_DUMP(_GTID) with this error instead of the stream.
  std::optional<WireError> dump_error;
};

// The errors real servers answer, for dump_error.
WireError purged_binlog_error();
WireError server_id_clash_error();

struct DumpRequest {
  uint8_t command = 0;  // 0x12 COM_BINLOG_DUMP, 0x1e COM_BINLOG_DUMP_GTID
  std::string payload;
};

class MysqlWireServer {
 public:
  explicit MysqlWireServer(MysqlWireOptions options);
  ~MysqlWireServer();
  MysqlWireServer(const MysqlWireServer&) = delete;
  MysqlWireServer& operator=(const MysqlWireServer&) = delete;

  int port() const { return port_; }
  const MysqlWireOptions& options() const { return options_; }

  // Scripts the answer to a query: the exact text, or an ECMAScript regex matching all of
  // it. Later entries win over earlier ones, so a test can override a preset answer.
  void answer(const std::string& sql, WireAnswer answer);
  void answer_regex(const std::string& pattern, WireAnswer answer);

  // Appends whole events (tests/support/binlog_builder.h) to the binlog after the file:
  // the server sets their log_pos (and checksum) to their place, and every dump, the
  // live ones too, streams them in order.
  void append_events(const std::vector<wire::Bytes>& events);
  // After answering a query the ECMAScript regex `pattern` matches in full, appends the
  // events `write` makes of the match: a statement that changes rows shows in the binlog,
  // as the snapshot's watermark INSERT must.
  using BinlogWrite = std::function<std::vector<wire::Bytes>(const std::smatch& match)>;
  void on_query_append(const std::string& pattern, BinlogWrite write);

  // Every query received, in order; those nothing in the script matched; the dump
  // requests; how many of the file's events went out (over all dumps).
  std::vector<std::string> queries() const;
  std::vector<std::string> unscripted() const;
  std::vector<DumpRequest> dumps() const;
  size_t events_sent() const;
  // Clients that logged in, and those refused.
  int logins() const;
  int refused_logins() const;
  // Clients that sent the password RSA-encrypted (caching_sha2 full authentication).
  int rsa_logins() const;
  // Clients that logged in over TLS.
  int tls_logins() const;
  // The self-signed certificate (PEM) when options().tls, for source.tls.ca_path.
  std::string certificate_pem() const;

 private:
  struct Rule {
    std::string exact;
    std::optional<std::regex> pattern;
    WireAnswer answer;
  };
  class Session;

  void accept_loop();
  void serve(int fd);
  std::optional<WireAnswer> scripted(const std::string& sql) const;
  void run_writes(const std::string& sql);

  MysqlWireOptions options_;
  std::vector<wire::FileEvent> events_;
  std::unique_ptr<wire::RsaKeyPair> rsa_;  // for full authentication, when asked for
  std::unique_ptr<wire::TlsServer> tls_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;

  mutable std::mutex mutex_;
  std::condition_variable stop_cv_;
  std::vector<Rule> rules_;
  std::vector<std::pair<std::regex, BinlogWrite>> writes_;
  std::vector<wire::FileEvent> appended_;  // after events_, their offsets continuing
  uint64_t binlog_size_ = 4;               // the end of the last event, file or appended
  std::vector<std::string> queries_;
  std::vector<std::string> unscripted_;
  std::vector<DumpRequest> dumps_;
  size_t events_sent_ = 0;
  int logins_ = 0;
  int refused_logins_ = 0;
  int rsa_logins_ = 0;
  int tls_logins_ = 0;
  std::vector<int> client_fds_;
  std::vector<std::thread> clients_;
  uint32_t next_connection_id_ = 1;
};

}  // namespace cdc::test
