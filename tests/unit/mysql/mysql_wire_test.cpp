// The encoders of the MySQL wire test server (tests/support/mysql_wire), against values
// computed independently (Python's hashlib and zlib) and against the connector's own
// binlog decoder, which must read the events the server makes up.
#include "support/mysql_wire.h"

#include <doctest/doctest.h>

#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <span>

#include "connectors/mysql/event_decoder.h"
#include "support/binlog_builder.h"

namespace cdc::test::wire {
namespace {

std::string hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

mysql::BinlogEvent decode(mysql::EventDecoder& decoder, const Bytes& event) {
  return decoder.decode(
      std::span<const std::byte>(reinterpret_cast<const std::byte*>(event.data()), event.size()));
}

}  // namespace

TEST_CASE("length-encoded integers take 1, 3, 4 or 9 bytes and read back") {
  for (uint64_t value :
       {uint64_t{0}, uint64_t{250}, uint64_t{251}, uint64_t{65535}, uint64_t{65536},
        uint64_t{(1 << 24) - 1}, uint64_t{1} << 24, ~uint64_t{0}}) {
    Bytes out;
    put_lenenc_int(out, value);
    const size_t expected = value < 251 ? 1 : value < 65536 ? 3 : value < (1 << 24) ? 4 : 9;
    CHECK(out.size() == expected);
    Reader r(out);
    CHECK(r.lenenc_int() == value);
    CHECK(r.left() == 0);
  }
  Bytes s;
  put_lenenc_string(s, "abc");
  CHECK(s == std::string("\x03"
                         "abc"));
}

TEST_CASE("a frame carries a 3-byte length and the next sequence id") {
  uint8_t sequence = 7;
  CHECK(frame("hi", sequence) == std::string("\x02\x00\x00\x07hi", 6));
  CHECK(sequence == 8);
  // 16 MiB - 1 bytes fill one packet; an empty one must follow.
  const std::string big(0xffffff, 'x');
  sequence = 0;
  const Bytes framed = frame(big, sequence);
  CHECK(framed.size() == 4 + big.size() + 4);
  CHECK(framed.substr(framed.size() - 4) == std::string("\x00\x00\x00\x01", 4));
  CHECK(sequence == 2);
}

TEST_CASE("OK, EOF and ERR packets") {
  CHECK(ok_packet() == std::string("\x00\x00\x00\x02\x00\x00\x00", 7));
  CHECK(eof_ok_packet()[0] == '\xfe');
  CHECK(eof_packet() == std::string("\xfe\x00\x00\x02\x00", 5));
  CHECK(err_packet(1236, "HY000", "purged") == std::string("\xff\xd4\x04#HY000purged", 15));
}

TEST_CASE("a text result set: count, definitions, rows with NULL as 0xfb, EOF or OK") {
  const ResultSet result{{"a", "b"}, {{"1", std::nullopt}}};
  const auto with_eof = result_set_packets(result, false);
  REQUIRE(with_eof.size() == 1 + 2 + 1 + 1 + 1);
  CHECK(with_eof[0] == "\x02");
  Reader def(with_eof[1]);
  CHECK(def.bytes(def.lenenc_int()) == "def");
  CHECK(with_eof[3] == eof_packet());
  CHECK(with_eof[4] == std::string("\x01"
                                   "1\xfb"));
  CHECK(with_eof[5] == eof_packet());
  const auto deprecated = result_set_packets(result, true);
  REQUIRE(deprecated.size() == 1 + 2 + 1 + 1);
  CHECK(deprecated.back() == eof_ok_packet());
}

TEST_CASE("the handshake and the client's response") {
  Handshake h;
  h.server_version = "8.4.2";
  h.scramble = "0123456789abcdefghij";
  h.capabilities = kClientProtocol41 | kClientPluginAuth | kClientDeprecateEof;
  h.auth_plugin = "caching_sha2_password";
  const Bytes packet = handshake_packet(h);
  Reader r(packet);
  CHECK(r.int_le(1) == 10);
  CHECK(r.nul_string() == "8.4.2");
  r.int_le(4);
  CHECK(r.bytes(8) == "01234567");
  r.bytes(1);
  const uint64_t low = r.int_le(2);
  r.bytes(3);
  const uint64_t high = r.int_le(2);
  CHECK(((high << 16) | low) == h.capabilities);
  CHECK(r.int_le(1) == 21);
  r.bytes(10);
  CHECK(r.nul_string() == "89abcdefghij");
  CHECK(r.nul_string() == "caching_sha2_password");

  Bytes response;
  put_int(response, kClientProtocol41 | kClientSecureConnection | kClientPluginAuth, 4);
  put_int(response, 1 << 24, 4);
  put_int(response, 45, 1);
  response.append(23, '\0');
  response += std::string("cdc\0", 4) + "\x03xyz" + std::string("mysql_native_password\0", 22);
  const auto parsed = parse_handshake_response(response);
  CHECK(parsed.user == "cdc");
  CHECK(parsed.auth_response == "xyz");
  CHECK(parsed.auth_plugin == "mysql_native_password");
}

TEST_CASE("the password scrambles match an independent computation") {
  const std::string nonce = "0123456789abcdefghij";
  CHECK(hex(native_password_scramble("cdc-secret", nonce)) ==
        "b041feadd59111513a99bec1b2c1eed626e37e04");
  CHECK(hex(caching_sha2_scramble("cdc-secret", nonce)) ==
        "0cdc47aee0ba3a81773ec3994715bd11cbf189eda3255f71ce89db1de58a9ac0");
  CHECK(native_password_scramble("", nonce).empty());
  CHECK(caching_sha2_scramble("", nonce).empty());
}

TEST_CASE("crc32 is zlib's") { CHECK(crc32("123456789") == 0xcbf43926u); }

TEST_CASE("the connector's decoder reads the fake ROTATE and the heartbeat, checksums on") {
  mysql::EventDecoder decoder(mysql::ChecksumAlgorithm::kCrc32);
  const Bytes rotate = fake_rotate_event(1, "binlog.000007", 4, true);
  const auto event = decode(decoder, rotate);
  CHECK(event.header.timestamp == 0);
  CHECK(event.header.log_pos == 0);
  const auto* body = std::get_if<mysql::RotateEvent>(&event.body);
  REQUIRE(body != nullptr);
  CHECK(body->next_file == "binlog.000007");
  CHECK(body->position == 4);

  const auto beat = decode(decoder, heartbeat_event(1, "binlog.000007", 1234, true));
  const auto* heartbeat = std::get_if<mysql::HeartbeatEvent>(&beat.body);
  REQUIRE(heartbeat != nullptr);
  CHECK(heartbeat->log_file == "binlog.000007");
}

TEST_CASE("a recorded binlog file splits into its events") {
  const auto events =
      read_binlog_file(std::filesystem::path(CDC_FIXTURES_DIR) / "mysql8/json.binlog.000001");
  REQUIRE(events.size() > 3);
  CHECK(events.front().offset == 4);
  CHECK(static_cast<uint8_t>(events.front().bytes[4]) == 15);  // FORMAT_DESCRIPTION
  for (size_t i = 1; i < events.size(); ++i) {
    CHECK(events[i].offset == events[i - 1].offset + events[i - 1].bytes.size());
  }
}

}  // namespace cdc::test::wire

namespace cdc::test::wire {

TEST_CASE("full authentication: the RSA-encrypted, scrambled password decrypts back") {
  const RsaKeyPair key;
  CHECK(key.public_pem().rfind("-----BEGIN PUBLIC KEY-----", 0) == 0);
  const std::string nonce = "0123456789abcdefghij";
  const auto decrypted = key.decrypt_oaep(key.encrypt_password("cdc-secret", nonce));
  REQUIRE(decrypted);
  CHECK(unscramble_password(*decrypted, nonce) == "cdc-secret");
  CHECK_FALSE(key.decrypt_oaep("not a ciphertext"));
}

}  // namespace cdc::test::wire

namespace cdc::test::wire {
namespace {

// A MySQL 8 file of the builder's events, read by mariadb-binlog (an independent decoder)
// and by the connector's decoder.
const BuiltTable kGipkTable{.id = 77,
                            .schema = "app",
                            .table = "accounts",
                            .columns = {{.name = "my_row_id",
                                         .type = kTypeLongLong,
                                         .is_unsigned = true,
                                         .nullable = false,
                                         .visible = false},
                                        {.name = "email", .type = kTypeVarchar, .max_bytes = 400},
                                        {.name = "tier", .type = kTypeTiny}},
                            .primary_key = {0}};

std::vector<Bytes> built_file_events() {
  std::vector<Bytes> events{format_description_event("8.0.36", 1, true)};
  for (auto&& e :
       insert_transaction(kGipkTable, {{"1", "ann@example.com", "3"}, {"2", std::nullopt, "-1"}},
                          {.gtid = "3e11fa47-71ca-11e1-9e33-c80aa9429562:5", .xid = 9})) {
    events.push_back(std::move(e));
  }
  for (auto&& e : update_transaction(
           kGipkTable, {{{"2", std::nullopt, "-1"}, {"2", "bob@example.com", "4"}}}, {.xid = 10})) {
    events.push_back(std::move(e));
  }
  return events;
}

std::string run(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  return out;
}

}  // namespace

TEST_CASE("built binlog events: mariadb-binlog reads the rows the builder wrote") {
  // mariadb-binlog knows no signedness metadata: it adds the unsigned reading of -1.
  // Positions as the wire server sets them: each event's log_pos is its end in the file.
  Bytes file(
      "\xfe"
      "bin",
      4);
  for (const Bytes& event : built_file_events()) {
    Bytes placed = event;
    Bytes pos;
    put_int(pos, file.size() + event.size(), 4);
    placed.replace(13, 4, pos);
    placed.resize(placed.size() - 4);
    put_int(placed, crc32(placed), 4);
    file += placed;
  }
  char path[] = "/tmp/cdc-built-binlog.XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, file.data(), file.size()) == static_cast<ssize_t>(file.size()));
  close(fd);
  const std::string out = run(std::string("mariadb-binlog --base64-output=decode-rows --verbose ") +
                              path + " 2>&1 | grep -E '^###|Xid|ERROR'");
  std::remove(path);
  INFO(out);
  CHECK(out.find("### INSERT INTO `app`.`accounts`\n### SET\n###   @1=1\n###   "
                 "@2='ann@example.com'\n###   @3=3\n") != std::string::npos);
  CHECK(out.find("### INSERT INTO `app`.`accounts`\n### SET\n###   @1=2\n###   @2=NULL\n###   "
                 "@3=-1 (255)\n") != std::string::npos);
  CHECK(out.find("### UPDATE `app`.`accounts`\n### WHERE\n###   @1=2\n###   @2=NULL\n###   "
                 "@3=-1 (255)\n### SET\n###   @1=2\n###   @2='bob@example.com'\n###   @3=4\n") !=
        std::string::npos);
  CHECK(out.find("Xid = 9") != std::string::npos);
  CHECK(out.find("Xid = 10") != std::string::npos);
  CHECK(out.find("ERROR") == std::string::npos);
}

TEST_CASE("built binlog events: the table map's full metadata, as the connector decodes it") {
  mysql::EventDecoder decoder(mysql::ChecksumAlgorithm::kCrc32);
  const auto events = built_file_events();
  decode(decoder, events[0]);
  const auto gtid_event = decode(decoder, events[1]);
  const auto* gtid = std::get_if<mysql::GtidEvent>(&gtid_event.body);
  REQUIRE(gtid != nullptr);
  CHECK(gtid->to_string() == "3e11fa47-71ca-11e1-9e33-c80aa9429562:5");
  decode(decoder, events[2]);  // BEGIN
  const auto map_event = decode(decoder, events[3]);
  const auto* map_body = std::get_if<mysql::TableMapEvent>(&map_event.body);
  REQUIRE(map_body != nullptr);
  const auto& map = map_body->table;
  CHECK(map->schema == "app");
  CHECK(map->table == "accounts");
  REQUIRE(map->columns.size() == 3);
  CHECK(map->has_column_names);
  CHECK(map->columns[0].name == "my_row_id");
  CHECK(map->columns[0].signedness == mysql::Signedness::kUnsigned);
  CHECK(!map->columns[0].visible);
  CHECK(map->columns[1].visible);
  CHECK(map->columns[2].signedness == mysql::Signedness::kSigned);
  REQUIRE(map->primary_key.size() == 1);
  CHECK(map->primary_key[0].column == 0);
}

}  // namespace cdc::test::wire
