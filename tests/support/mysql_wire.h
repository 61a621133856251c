// The pieces of the MySQL client/server protocol that tests/support/mysql_wire_server
// writes and reads, as pure functions over bytes: packet framing, length-encoded integers
// and strings, OK / ERR / EOF packets, text result sets, the two password scrambles, and
// the binlog events a server makes up itself (the fake ROTATE at the start of a dump, the
// heartbeat). Layouts: https://dev.mysql.com/doc/dev/mysql-server/latest/PAGE_PROTOCOL.html
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cdc::test::wire {

using Bytes = std::string;  // payload bytes; std::string keeps them easy to compare and print

// Capability flags this server announces or reads.
inline constexpr uint32_t kClientLongPassword = 0x1;
inline constexpr uint32_t kClientConnectWithDb = 0x8;
inline constexpr uint32_t kClientProtocol41 = 0x200;
inline constexpr uint32_t kClientSsl = 0x800;
inline constexpr uint32_t kClientTransactions = 0x2000;
inline constexpr uint32_t kClientSecureConnection = 0x8000;
inline constexpr uint32_t kClientMultiStatements = 0x10000;
inline constexpr uint32_t kClientMultiResults = 0x20000;
inline constexpr uint32_t kClientPluginAuth = 0x80000;
inline constexpr uint32_t kClientConnectAttrs = 0x100000;
inline constexpr uint32_t kClientPluginAuthLenencData = 0x200000;
inline constexpr uint32_t kClientDeprecateEof = 0x1000000;

inline constexpr uint16_t kServerStatusAutocommit = 0x2;

// Little-endian fixed-width integer.
void put_int(Bytes& out, uint64_t value, int bytes);
// Length-encoded integer: one byte below 251, else 0xfc / 0xfd / 0xfe and 2 / 3 / 8 bytes.
void put_lenenc_int(Bytes& out, uint64_t value);
void put_lenenc_string(Bytes& out, std::string_view text);

// Reads from a payload, front to back; every read past the end throws std::out_of_range.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  uint64_t int_le(int bytes);
  uint64_t lenenc_int();
  std::string bytes(size_t n);
  std::string nul_string();  // up to a NUL (consumed), or to the end
  std::string rest();
  size_t left() const { return data_.size() - pos_; }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

// A 3-byte length, the sequence id, then the payload; payloads of 16 MiB - 1 or more go
// out as several packets, as the protocol requires.
Bytes frame(std::string_view payload, uint8_t& sequence);

Bytes ok_packet(uint16_t status = kServerStatusAutocommit);
// The OK that ends a result set under CLIENT_DEPRECATE_EOF: header 0xfe.
Bytes eof_ok_packet(uint16_t status = kServerStatusAutocommit);
Bytes eof_packet(uint16_t status = kServerStatusAutocommit);
Bytes err_packet(uint16_t code, std::string_view sqlstate, std::string_view message);

// A text result set: every column a VAR_STRING, every value text or NULL.
struct ResultSet {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
};
// Its payloads in order: column count, definitions, [EOF], rows, EOF or OK (0xfe).
std::vector<Bytes> result_set_packets(const ResultSet& result, bool deprecate_eof);

// Initial Handshake v10.
struct Handshake {
  std::string server_version;
  uint32_t connection_id = 1;
  std::string scramble;  // 20 bytes, no NUL
  uint32_t capabilities = 0;
  std::string auth_plugin;
};
Bytes handshake_packet(const Handshake& handshake);

// HandshakeResponse41, as far as this server needs it.
struct HandshakeResponse {
  uint32_t capabilities = 0;
  std::string user;
  std::string auth_response;
  std::string database;
  std::string auth_plugin;
};
HandshakeResponse parse_handshake_response(std::string_view payload);

Bytes sha1(std::string_view data);
Bytes sha256(std::string_view data);
// What a client sends for `password` under mysql_native_password:
// SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password))); empty for an empty password.
Bytes native_password_scramble(std::string_view password, std::string_view scramble);
// caching_sha2_password's fast path:
// SHA256(password) XOR SHA256(SHA256(SHA256(password)) + scramble); empty for empty.
Bytes caching_sha2_scramble(std::string_view password, std::string_view scramble);

// caching_sha2_password's full authentication without TLS: the server's RSA key pair,
// whose public half (PEM) a client asks for with 0x02, and which decrypts the client's
// RSA-OAEP(password + NUL XOR scramble).
class RsaKeyPair {
 public:
  RsaKeyPair();  // a fresh 2048-bit key
  ~RsaKeyPair();
  RsaKeyPair(const RsaKeyPair&) = delete;
  RsaKeyPair& operator=(const RsaKeyPair&) = delete;
  std::string public_pem() const;
  // The plaintext, or nullopt when the bytes do not decrypt.
  std::optional<std::string> decrypt_oaep(std::string_view ciphertext) const;
  // What a client sends: the password with its NUL, XORed with the scramble, encrypted.
  std::string encrypt_password(std::string_view password, std::string_view scramble) const;

 private:
  void* key_;  // EVP_PKEY
};
// The password a full authentication carries, from the decrypted bytes: XOR with the
// scramble (repeated), then up to the NUL.
std::string unscramble_password(std::string_view decrypted, std::string_view scramble);

// The binlog's CRC32 (ISO-HDLC, as zlib's crc32()).
uint32_t crc32(std::string_view data);

inline constexpr uint8_t kRotateEvent = 4;
inline constexpr uint8_t kHeartbeatEvent = 27;
inline constexpr uint16_t kLogEventArtificial = 0x20;

// A binlog event: the 19-byte header, `body`, then a CRC32 of both when `checksum`.
Bytes binlog_event(uint8_t type, uint32_t server_id, uint32_t timestamp, uint32_t log_pos,
                   uint16_t flags, std::string_view body, bool checksum);
// The ROTATE a server sends before anything else in a dump: timestamp 0, log_pos 0,
// flagged artificial, naming the file and the position the dump starts at.
Bytes fake_rotate_event(uint32_t server_id, std::string_view file, uint64_t position,
                        bool checksum);
// HEARTBEAT_LOG_EVENT: the current file name; log_pos the position reached.
Bytes heartbeat_event(uint32_t server_id, std::string_view file, uint32_t log_pos, bool checksum);

// The events of a binlog file (after its 4-byte magic), each with its offset in the file.
struct FileEvent {
  uint64_t offset = 0;
  Bytes bytes;
};
std::vector<FileEvent> read_binlog_file(const std::filesystem::path& path);

}  // namespace cdc::test::wire
