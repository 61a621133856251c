#include "support/mysql_wire_server.h"

#include "support/binlog_builder.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <system_error>

namespace cdc::test {
namespace {

using wire::Bytes;

constexpr uint8_t kComQuit = 0x01;
constexpr uint8_t kComInitDb = 0x02;
constexpr uint8_t kComQuery = 0x03;
constexpr uint8_t kComPing = 0x0e;
constexpr uint8_t kComBinlogDump = 0x12;
constexpr uint8_t kComRegisterSlave = 0x15;
constexpr uint8_t kComSetOption = 0x1b;
constexpr uint8_t kComBinlogDumpGtid = 0x1e;

constexpr uint32_t kServerCapabilities =
    wire::kClientLongPassword | wire::kClientConnectWithDb | wire::kClientProtocol41 |
    wire::kClientTransactions | wire::kClientSecureConnection | wire::kClientMultiStatements |
    wire::kClientMultiResults | wire::kClientPluginAuth | wire::kClientConnectAttrs |
    wire::kClientPluginAuthLenencData | wire::kClientDeprecateEof;

// The connection went away (or the server is stopping): ends the session quietly.
struct Closed {};

std::string random_scramble() {
  // Printable, no NUL: clients read the second part as a NUL-terminated string.
  static thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<int> byte('!', '~');
  std::string s(20, '\0');
  for (auto& c : s) c = static_cast<char>(byte(rng));
  return s;
}

// `event` with log_pos (header bytes 13-16) set and its checksum redone.
Bytes with_log_pos(Bytes event, uint32_t log_pos, bool checksum) {
  Bytes pos;
  wire::put_int(pos, log_pos, 4);
  event.replace(13, 4, pos);
  if (checksum) {
    event.resize(event.size() - 4);
    wire::put_int(event, wire::crc32(event), 4);
  }
  return event;
}

bool starts_with_set(const std::string& sql) {
  return sql.size() > 4 && (sql.compare(0, 4, "SET ") == 0 || sql.compare(0, 4, "set ") == 0);
}

}  // namespace

WireError purged_binlog_error() {
  return {1236, "HY000", "Could not find first log file name in binary log index file"};
}

WireError server_id_clash_error() {
  return {1236, "HY000",
          "A replica with the same server_uuid/server_id as this replica has connected to the "
          "source; the first event 'binlog.000001' at 4, the last event read from "
          "'./binlog.000001' at 126, the last byte read from './binlog.000001' at 126."};
}

// One client connection: the handshake, then commands until COM_QUIT or a closed socket.
class MysqlWireServer::Session {
 public:
  Session(MysqlWireServer& server, int fd) : server_(server), fd_(fd) {}
  ~Session() {
    if (ssl_ != nullptr) wire::TlsServer::close(ssl_);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void run() {
    if (!authenticate()) return;
    while (true) {
      const Bytes packet = read_packet();
      if (packet.empty()) return;
      sequence_ = next_sequence_;
      const auto command = static_cast<uint8_t>(packet[0]);
      const std::string_view body = std::string_view(packet).substr(1);
      switch (command) {
        case kComQuit:
          return;
        case kComInitDb:
        case kComPing:
        case kComRegisterSlave:
          send(wire::ok_packet());
          break;
        case kComSetOption:
          send(wire::eof_packet());
          break;
        case kComQuery:
          query(std::string(body));
          break;
        case kComBinlogDump:
        case kComBinlogDumpGtid:
          dump(command, std::string(body));
          return;  // a dump ends the session, as on a real server
        default:
          send(wire::err_packet(1047, "08S01", "unknown command " + std::to_string(command)));
      }
    }
  }

 private:
  bool authenticate() {
    const auto& o = server_.options_;
    wire::Handshake h;
    h.server_version = o.server_version;
    {
      std::lock_guard lock(server_.mutex_);
      h.connection_id = server_.next_connection_id_++;
    }
    h.scramble = random_scramble();
    h.capabilities = kServerCapabilities | (o.tls ? wire::kClientSsl : 0);
    h.auth_plugin = o.auth_plugin;
    sequence_ = 0;
    send(wire::handshake_packet(h));
    Bytes first = read_packet();
    // SSLRequest: the first 32 bytes of a response with CLIENT_SSL, then the TLS
    // handshake, then the whole response over TLS.
    constexpr size_t kSslRequestSize = 32;
    if (first.size() == kSslRequestSize && server_.tls_ &&
        (wire::Reader(first).int_le(4) & wire::kClientSsl)) {
      ssl_ = server_.tls_->accept(fd_);
      if (ssl_ == nullptr) return false;
      first = read_packet();
    }
    const auto response = wire::parse_handshake_response(first);
    client_capabilities_ = response.capabilities;
    sequence_ = next_sequence_;
    std::string auth = response.auth_response;
    if (response.auth_plugin != o.auth_plugin) {
      // AuthSwitchRequest: the account's plugin, with a fresh scramble.
      h.scramble = random_scramble();
      send("\xfe" + o.auth_plugin + std::string(1, '\0') + h.scramble + std::string(1, '\0'));
      auth = read_packet();
      sequence_ = next_sequence_;
    }
    const bool sha2 = o.auth_plugin == "caching_sha2_password";
    bool accepted = response.user == o.user;
    if (sha2 && !o.sha2_cached) {
      accepted = accepted && full_authentication(h.scramble);
    } else {
      const Bytes expected = sha2 ? wire::caching_sha2_scramble(o.password, h.scramble)
                                  : wire::native_password_scramble(o.password, h.scramble);
      accepted = accepted && auth == expected;
      if (accepted && sha2) send(std::string("\x01\x03", 2));  // fast_auth_success
    }
    if (!accepted) {
      {
        std::lock_guard lock(server_.mutex_);
        ++server_.refused_logins_;
      }
      send(wire::err_packet(1045, "28000",
                            "Access denied for user '" + response.user + "'@'localhost'"));
      return false;
    }
    send(wire::ok_packet());
    std::lock_guard lock(server_.mutex_);
    ++server_.logins_;
    if (ssl_ != nullptr) ++server_.tls_logins_;
    return true;
  }

  // perform_full_authentication over a plain connection: the client asks for the public
  // key (0x02) unless it has it, then sends the password encrypted with it. A cleartext
  // password is refused, as MySQL refuses it without TLS.
  bool full_authentication(const std::string& scramble) {
    send(std::string("\x01\x04", 2));
    std::string packet = read_packet();
    sequence_ = next_sequence_;
    if (ssl_ != nullptr) {
      // Over TLS the password comes as it is, with a NUL.
      return packet == server_.options_.password + std::string(1, '\0');
    }
    if (packet == std::string(1, '\x02')) {
      send("\x01" + server_.rsa_->public_pem());
      packet = read_packet();
      sequence_ = next_sequence_;
    }
    const auto decrypted = server_.rsa_->decrypt_oaep(packet);
    if (!decrypted) return false;
    if (wire::unscramble_password(*decrypted, scramble) != server_.options_.password) return false;
    std::lock_guard lock(server_.mutex_);
    ++server_.rsa_logins_;
    return true;
  }

  void query(const std::string& sql) {
    std::optional<WireAnswer> answer = server_.scripted(sql);
    {
      std::lock_guard lock(server_.mutex_);
      server_.queries_.push_back(sql);
      if (!answer) {
        if (starts_with_set(sql)) {
          answer = std::monostate{};
        } else {
          server_.unscripted_.push_back(sql);
          std::fprintf(stderr, "mysql wire server: unscripted query: %s\n", sql.c_str());
        }
      }
    }
    if (!answer) {
      send(wire::err_packet(1064, "42000", "the test server has no answer scripted for: " + sql));
    } else if (const auto* error = std::get_if<WireError>(&*answer)) {
      send(wire::err_packet(error->code, error->sqlstate, error->message));
    } else if (const auto* result = std::get_if<wire::ResultSet>(&*answer)) {
      const bool deprecate_eof = client_capabilities_ & wire::kClientDeprecateEof;
      for (const auto& packet : wire::result_set_packets(*result, deprecate_eof)) send(packet);
    } else {
      send(wire::ok_packet());
    }
    server_.run_writes(sql);
  }

  void dump(uint8_t command, std::string request) {
    const auto& o = server_.options_;
    bool first_dump = false;
    {
      std::lock_guard lock(server_.mutex_);
      server_.dumps_.push_back({command, request});
      first_dump = server_.dumps_.size() == 1;
    }
    // SIZE_MAX: no drop.
    const size_t drop_after = first_dump ? o.drop_after_events.value_or(SIZE_MAX) : SIZE_MAX;
    if (o.dump_error) {
      send(wire::err_packet(o.dump_error->code, o.dump_error->sqlstate, o.dump_error->message));
      return;
    }
    // COM_BINLOG_DUMP names the position; COM_BINLOG_DUMP_GTID starts at the file's start
    // (this double does not search GTID sets: the test picks the file to serve).
    uint64_t position = 4;
    if (command == kComBinlogDump) position = wire::Reader(request).int_le(4);
    send_event(wire::fake_rotate_event(o.server_id, o.binlog_name, position, o.checksum));
    size_t sent = 0;
    uint32_t end_pos = 4;
    for (const auto& event : server_.events_) {
      end_pos = static_cast<uint32_t>(event.offset + event.bytes.size());
      // The format description always goes out; the rest from the requested position.
      const bool format_description = event.bytes.size() > 4 && event.bytes[4] == 15;
      if (!format_description && event.offset < position) continue;
      if (sent == drop_after) {
        if (o.drop_mid_event_bytes) send_cut_event(event.bytes, *o.drop_mid_event_bytes);
        return;
      }
      if (format_description && position > 4) {
        // As a real server does: log_pos 0 tells the replica the event is not at its
        // place in the file (the dump resumes further on).
        send_event(with_log_pos(event.bytes, 0, o.checksum));
      } else {
        send_event(event.bytes);
      }
      ++sent;
      std::lock_guard lock(server_.mutex_);
      ++server_.events_sent_;
    }
    if (sent == drop_after) return;
    // Then what the test appended, now and while the dump lasts; heartbeats when idle.
    std::unique_lock lock(server_.mutex_);
    size_t next = 0;
    while (!server_.stopping_) {
      if (next < server_.appended_.size()) {
        const wire::FileEvent event = server_.appended_[next++];
        end_pos = static_cast<uint32_t>(event.offset + event.bytes.size());
        if (event.offset < position) continue;
        lock.unlock();
        send_event(event.bytes);
        lock.lock();
        continue;
      }
      if (!o.keep_open) break;
      if (server_.stop_cv_.wait_for(lock, o.heartbeat) == std::cv_status::no_timeout) continue;
      if (server_.stopping_ || next < server_.appended_.size()) continue;
      lock.unlock();
      send_event(wire::heartbeat_event(o.server_id, o.binlog_name, end_pos, o.checksum));
      lock.lock();
    }
    if (!o.keep_open && !server_.stopping_) {
      lock.unlock();
      send(wire::eof_packet());
    }
  }

  void send_event(const Bytes& event) { send(std::string(1, '\0') + event); }

  // The first `size` bytes of the event's packet, as a connection lost mid-event leaves.
  void send_cut_event(const Bytes& event, size_t size) {
    const Bytes packet = wire::frame(std::string(1, '\0') + event, sequence_);
    write_all(packet.substr(0, std::min(size, packet.size() - 1)));
  }

  void send(const Bytes& payload) { write_all(wire::frame(payload, sequence_)); }

  void write_all(const Bytes& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ssl_ != nullptr
                            ? wire::TlsServer::write(ssl_, bytes.data() + done, bytes.size() - done)
                            : ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) throw Closed{};
      done += static_cast<size_t>(n);
    }
  }

  void read_exact(char* out, size_t size) {
    size_t done = 0;
    while (done < size) {
      const ssize_t n = ssl_ != nullptr ? wire::TlsServer::read(ssl_, out + done, size - done)
                                        : ::recv(fd_, out + done, size - done, 0);
      if (n <= 0) throw Closed{};
      done += static_cast<size_t>(n);
    }
  }

  // One logical packet (continuations joined); next_sequence_ is what an answer uses.
  Bytes read_packet() {
    Bytes payload;
    while (true) {
      unsigned char header[4];
      read_exact(reinterpret_cast<char*>(header), 4);
      const size_t size = header[0] | (header[1] << 8) | (header[2] << 16);
      next_sequence_ = static_cast<uint8_t>(header[3] + 1);
      const size_t at = payload.size();
      payload.resize(at + size);
      read_exact(payload.data() + at, size);
      if (size < 0xffffff) return payload;
    }
  }

  MysqlWireServer& server_;
  int fd_;
  uint8_t sequence_ = 0;
  uint8_t next_sequence_ = 0;
  uint32_t client_capabilities_ = 0;
  void* ssl_ = nullptr;  // SSL* once the client asked for TLS
};

MysqlWireServer::MysqlWireServer(MysqlWireOptions options) : options_(std::move(options)) {
  if (!options_.binlog.empty()) {
    events_ = wire::read_binlog_file(options_.binlog);
  } else {
    events_.push_back({4, wire::format_description_event(options_.server_version,
                                                         options_.server_id, options_.checksum)});
  }
  if (options_.auth_plugin == "caching_sha2_password" && !options_.sha2_cached) {
    rsa_ = std::make_unique<wire::RsaKeyPair>();
  }
  if (options_.tls) tls_ = std::make_unique<wire::TlsServer>();
  if (options_.binlog_end != 0) {
    std::erase_if(events_, [&](const auto& e) { return e.offset >= options_.binlog_end; });
  }
  if (!events_.empty()) binlog_size_ = events_.back().offset + events_.back().bytes.size();
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::system_error(errno, std::generic_category(), "socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int error = errno;
    ::close(listen_fd_);
    throw std::system_error(error, std::generic_category(), "listening on 127.0.0.1:0");
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

MysqlWireServer::~MysqlWireServer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    // Wakes accept() and every blocked recv()/send().
    ::shutdown(listen_fd_, SHUT_RDWR);
    for (int fd : client_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  stop_cv_.notify_all();
  acceptor_.join();
  // No new client threads after the acceptor ended.
  for (auto& t : clients_) t.join();
  for (int fd : client_fds_) ::close(fd);
  ::close(listen_fd_);
}

void MysqlWireServer::accept_loop() {
  while (true) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    std::lock_guard lock(mutex_);
    if (stopping_) {
      if (fd >= 0) ::close(fd);
      return;
    }
    if (fd < 0) continue;
    client_fds_.push_back(fd);
    clients_.emplace_back([this, fd] { serve(fd); });
  }
}

void MysqlWireServer::serve(int fd) {
  try {
    Session(*this, fd).run();
  } catch (const Closed&) {
  } catch (const std::exception& error) {
    std::fprintf(stderr, "mysql wire server: %s\n", error.what());
  }
  // The fd stays open (and listed) until the destructor: closing it here could let a new
  // connection reuse the number while the destructor shuts down the list.
  ::shutdown(fd, SHUT_RDWR);
}

void MysqlWireServer::answer(const std::string& sql, WireAnswer answer) {
  std::lock_guard lock(mutex_);
  rules_.push_back({sql, std::nullopt, std::move(answer)});
}

void MysqlWireServer::answer_regex(const std::string& pattern, WireAnswer answer) {
  std::lock_guard lock(mutex_);
  rules_.push_back({"", std::regex(pattern), std::move(answer)});
}

void MysqlWireServer::append_events(const std::vector<wire::Bytes>& events) {
  {
    std::lock_guard lock(mutex_);
    for (const auto& event : events) {
      const uint64_t offset = binlog_size_;
      binlog_size_ += event.size();
      appended_.push_back(
          {offset, with_log_pos(event, static_cast<uint32_t>(binlog_size_), options_.checksum)});
    }
  }
  stop_cv_.notify_all();
}

void MysqlWireServer::on_query_append(const std::string& pattern, BinlogWrite write) {
  std::lock_guard lock(mutex_);
  writes_.emplace_back(std::regex(pattern), std::move(write));
}

void MysqlWireServer::run_writes(const std::string& sql) {
  std::vector<wire::Bytes> events;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [pattern, write] : writes_) {
      std::smatch match;
      if (!std::regex_match(sql, match, pattern)) continue;
      auto made = write(match);
      events.insert(events.end(), made.begin(), made.end());
    }
  }
  if (!events.empty()) append_events(events);
}

std::optional<WireAnswer> MysqlWireServer::scripted(const std::string& sql) const {
  std::lock_guard lock(mutex_);
  for (auto it = rules_.rbegin(); it != rules_.rend(); ++it) {
    if (it->pattern ? std::regex_match(sql, *it->pattern) : it->exact == sql) return it->answer;
  }
  return std::nullopt;
}

std::vector<std::string> MysqlWireServer::queries() const {
  std::lock_guard lock(mutex_);
  return queries_;
}

std::vector<std::string> MysqlWireServer::unscripted() const {
  std::lock_guard lock(mutex_);
  return unscripted_;
}

std::vector<DumpRequest> MysqlWireServer::dumps() const {
  std::lock_guard lock(mutex_);
  return dumps_;
}

size_t MysqlWireServer::events_sent() const {
  std::lock_guard lock(mutex_);
  return events_sent_;
}

int MysqlWireServer::logins() const {
  std::lock_guard lock(mutex_);
  return logins_;
}

int MysqlWireServer::rsa_logins() const {
  std::lock_guard lock(mutex_);
  return rsa_logins_;
}

int MysqlWireServer::tls_logins() const {
  std::lock_guard lock(mutex_);
  return tls_logins_;
}

std::string MysqlWireServer::certificate_pem() const {
  return tls_ ? tls_->certificate_pem() : std::string();
}

int MysqlWireServer::refused_logins() const {
  std::lock_guard lock(mutex_);
  return refused_logins_;
}

}  // namespace cdc::test
