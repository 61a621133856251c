#include "support/mysql_wire.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include <array>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace cdc::test::wire {
namespace {

constexpr uint8_t kVarStringType = 0xfd;
constexpr uint16_t kUtf8mb4Charset = 255;

Bytes xor_bytes(std::string_view a, std::string_view b) {
  Bytes out(a.size(), '\0');
  for (size_t i = 0; i < a.size(); ++i) out[i] = static_cast<char>(a[i] ^ b[i % b.size()]);
  return out;
}

}  // namespace

void put_int(Bytes& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

void put_lenenc_int(Bytes& out, uint64_t value) {
  if (value < 251) {
    put_int(out, value, 1);
  } else if (value < (1u << 16)) {
    out.push_back(static_cast<char>(0xfc));
    put_int(out, value, 2);
  } else if (value < (1u << 24)) {
    out.push_back(static_cast<char>(0xfd));
    put_int(out, value, 3);
  } else {
    out.push_back(static_cast<char>(0xfe));
    put_int(out, value, 8);
  }
}

void put_lenenc_string(Bytes& out, std::string_view text) {
  put_lenenc_int(out, text.size());
  out.append(text);
}

uint64_t Reader::int_le(int bytes) {
  if (left() < static_cast<size_t>(bytes)) throw std::out_of_range("packet too short");
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) {
    value |= uint64_t{static_cast<uint8_t>(data_[pos_ + i])} << (8 * i);
  }
  pos_ += bytes;
  return value;
}

uint64_t Reader::lenenc_int() {
  const auto first = int_le(1);
  if (first < 251) return first;
  if (first == 0xfc) return int_le(2);
  if (first == 0xfd) return int_le(3);
  if (first == 0xfe) return int_le(8);
  throw std::out_of_range("not a length-encoded integer");
}

std::string Reader::bytes(size_t n) {
  if (left() < n) throw std::out_of_range("packet too short");
  std::string out(data_.substr(pos_, n));
  pos_ += n;
  return out;
}

std::string Reader::nul_string() {
  const auto end = data_.find('\0', pos_);
  if (end == std::string_view::npos) return rest();
  std::string out(data_.substr(pos_, end - pos_));
  pos_ = end + 1;
  return out;
}

std::string Reader::rest() { return bytes(left()); }

Bytes frame(std::string_view payload, uint8_t& sequence) {
  constexpr size_t kMax = 0xffffff;
  Bytes out;
  size_t pos = 0;
  while (true) {
    const size_t n = std::min(kMax, payload.size() - pos);
    put_int(out, n, 3);
    out.push_back(static_cast<char>(sequence++));
    out.append(payload.substr(pos, n));
    pos += n;
    // A payload of exactly a multiple of the maximum ends with an empty packet.
    if (n < kMax) return out;
  }
}

Bytes ok_packet(uint16_t status) {
  Bytes out(1, '\0');
  put_lenenc_int(out, 0);  // affected rows
  put_lenenc_int(out, 0);  // last insert id
  put_int(out, status, 2);
  put_int(out, 0, 2);  // warnings
  return out;
}

Bytes eof_ok_packet(uint16_t status) {
  Bytes out = ok_packet(status);
  out[0] = static_cast<char>(0xfe);
  return out;
}

Bytes eof_packet(uint16_t status) {
  Bytes out(1, static_cast<char>(0xfe));
  put_int(out, 0, 2);  // warnings
  put_int(out, status, 2);
  return out;
}

Bytes err_packet(uint16_t code, std::string_view sqlstate, std::string_view message) {
  Bytes out(1, static_cast<char>(0xff));
  put_int(out, code, 2);
  out.push_back('#');
  out.append(sqlstate.substr(0, 5));
  out.append(message);
  return out;
}

std::vector<Bytes> result_set_packets(const ResultSet& result, bool deprecate_eof) {
  std::vector<Bytes> packets;
  Bytes count;
  put_lenenc_int(count, result.columns.size());
  packets.push_back(count);
  for (const auto& name : result.columns) {
    Bytes def;
    put_lenenc_string(def, "def");  // catalog
    put_lenenc_string(def, "");     // schema
    put_lenenc_string(def, "");     // table
    put_lenenc_string(def, "");     // org_table
    put_lenenc_string(def, name);
    put_lenenc_string(def, name);  // org_name
    put_lenenc_int(def, 0x0c);     // length of the fixed fields
    put_int(def, kUtf8mb4Charset, 2);
    put_int(def, 1024, 4);  // column length
    put_int(def, kVarStringType, 1);
    put_int(def, 0, 2);  // flags
    put_int(def, 0, 1);  // decimals
    put_int(def, 0, 2);  // filler
    packets.push_back(def);
  }
  if (!deprecate_eof) packets.push_back(eof_packet());
  for (const auto& row : result.rows) {
    Bytes out;
    for (const auto& value : row) {
      if (value) {
        put_lenenc_string(out, *value);
      } else {
        out.push_back(static_cast<char>(0xfb));
      }
    }
    packets.push_back(out);
  }
  packets.push_back(deprecate_eof ? eof_ok_packet() : eof_packet());
  return packets;
}

Bytes handshake_packet(const Handshake& h) {
  if (h.scramble.size() != 20) throw std::invalid_argument("the scramble has 20 bytes");
  Bytes out;
  put_int(out, 10, 1);  // protocol version
  out.append(h.server_version);
  out.push_back('\0');
  put_int(out, h.connection_id, 4);
  out.append(h.scramble.substr(0, 8));
  out.push_back('\0');  // filler
  put_int(out, h.capabilities & 0xffff, 2);
  put_int(out, kUtf8mb4Charset, 1);
  put_int(out, kServerStatusAutocommit, 2);
  put_int(out, h.capabilities >> 16, 2);
  put_int(out, h.scramble.size() + 1, 1);  // auth data length, with its NUL
  out.append(10, '\0');                    // reserved
  out.append(h.scramble.substr(8));
  out.push_back('\0');
  out.append(h.auth_plugin);
  out.push_back('\0');
  return out;
}

HandshakeResponse parse_handshake_response(std::string_view payload) {
  Reader r(payload);
  HandshakeResponse response;
  response.capabilities = static_cast<uint32_t>(r.int_le(4));
  r.int_le(4);  // max packet size
  r.int_le(1);  // character set
  r.bytes(23);  // filler (MariaDB's extended capabilities in the last 4)
  response.user = r.nul_string();
  if (response.capabilities & kClientPluginAuthLenencData) {
    response.auth_response = r.bytes(r.lenenc_int());
  } else if (response.capabilities & kClientSecureConnection) {
    response.auth_response = r.bytes(r.int_le(1));
  } else {
    response.auth_response = r.nul_string();
  }
  if ((response.capabilities & kClientConnectWithDb) && r.left() > 0) {
    response.database = r.nul_string();
  }
  if ((response.capabilities & kClientPluginAuth) && r.left() > 0) {
    response.auth_plugin = r.nul_string();
  }
  return response;  // connection attributes, if any, are not needed
}

Bytes sha1(std::string_view data) {
  Bytes out(SHA_DIGEST_LENGTH, '\0');
  SHA1(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
       reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

Bytes sha256(std::string_view data) {
  Bytes out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

Bytes native_password_scramble(std::string_view password, std::string_view scramble) {
  if (password.empty()) return {};
  const Bytes stage1 = sha1(password);
  return xor_bytes(stage1, sha1(Bytes(scramble) + sha1(stage1)));
}

Bytes caching_sha2_scramble(std::string_view password, std::string_view scramble) {
  if (password.empty()) return {};
  const Bytes stage1 = sha256(password);
  return xor_bytes(stage1, sha256(sha256(stage1) + Bytes(scramble)));
}

RsaKeyPair::RsaKeyPair() : key_(EVP_RSA_gen(2048)) {
  if (key_ == nullptr) throw std::runtime_error("cannot generate an RSA key");
}

RsaKeyPair::~RsaKeyPair() { EVP_PKEY_free(static_cast<EVP_PKEY*>(key_)); }

std::string RsaKeyPair::public_pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, static_cast<EVP_PKEY*>(key_));
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(size));
  BIO_free(bio);
  return pem;
}

namespace {

// One EVP_PKEY operation with OAEP padding (SHA-1, as MySQL and its clients use).
std::optional<std::string> rsa_oaep(void* key, std::string_view in, bool encrypt) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(static_cast<EVP_PKEY*>(key), nullptr);
  std::optional<std::string> result;
  size_t size = 0;
  const auto* bytes = reinterpret_cast<const unsigned char*>(in.data());
  auto run = [&](unsigned char* out) {
    return encrypt ? EVP_PKEY_encrypt(ctx, out, &size, bytes, in.size())
                   : EVP_PKEY_decrypt(ctx, out, &size, bytes, in.size());
  };
  if (ctx != nullptr && (encrypt ? EVP_PKEY_encrypt_init(ctx) : EVP_PKEY_decrypt_init(ctx)) > 0 &&
      EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) > 0 && run(nullptr) > 0) {
    std::string out(size, '\0');
    if (run(reinterpret_cast<unsigned char*>(out.data())) > 0) {
      out.resize(size);
      result = std::move(out);
    }
  }
  EVP_PKEY_CTX_free(ctx);
  return result;
}

}  // namespace

std::optional<std::string> RsaKeyPair::decrypt_oaep(std::string_view ciphertext) const {
  return rsa_oaep(key_, ciphertext, false);
}

std::string RsaKeyPair::encrypt_password(std::string_view password,
                                         std::string_view scramble) const {
  const std::string plain = xor_bytes(std::string(password) + '\0', scramble);
  return rsa_oaep(key_, plain, true).value_or("");
}

std::string unscramble_password(std::string_view decrypted, std::string_view scramble) {
  std::string plain = xor_bytes(decrypted, scramble);
  const auto nul = plain.find('\0');
  if (nul != std::string::npos) plain.resize(nul);
  return plain;
}

uint32_t crc32(std::string_view data) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xffffffffu;
  for (char ch : data) crc = table[(crc ^ static_cast<uint8_t>(ch)) & 0xff] ^ (crc >> 8);
  return crc ^ 0xffffffffu;
}

Bytes binlog_event(uint8_t type, uint32_t server_id, uint32_t timestamp, uint32_t log_pos,
                   uint16_t flags, std::string_view body, bool checksum) {
  constexpr size_t kHeader = 19;
  const size_t size = kHeader + body.size() + (checksum ? 4 : 0);
  Bytes out;
  put_int(out, timestamp, 4);
  put_int(out, type, 1);
  put_int(out, server_id, 4);
  put_int(out, size, 4);
  put_int(out, log_pos, 4);
  put_int(out, flags, 2);
  out.append(body);
  if (checksum) put_int(out, crc32(out), 4);
  return out;
}

Bytes fake_rotate_event(uint32_t server_id, std::string_view file, uint64_t position,
                        bool checksum) {
  Bytes body;
  put_int(body, position, 8);
  body.append(file);
  return binlog_event(kRotateEvent, server_id, 0, 0, kLogEventArtificial, body, checksum);
}

Bytes heartbeat_event(uint32_t server_id, std::string_view file, uint32_t log_pos, bool checksum) {
  return binlog_event(kHeartbeatEvent, server_id, 0, log_pos, kLogEventArtificial, file, checksum);
}

std::vector<FileEvent> read_binlog_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  const std::string data{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (data.size() < 4 || data.compare(0, 4,
                                      "\xfe"
                                      "bin") != 0) {
    throw std::runtime_error(path.string() + " is not a binlog file (no magic)");
  }
  std::vector<FileEvent> events;
  size_t pos = 4;
  while (pos + 19 <= data.size()) {
    Reader header(std::string_view(data).substr(pos + 9, 4));
    const auto size = static_cast<size_t>(header.int_le(4));
    if (size < 19 || pos + size > data.size()) break;  // a torn last event: stop there
    events.push_back({pos, data.substr(pos, size)});
    pos += size;
  }
  return events;
}

}  // namespace cdc::test::wire
