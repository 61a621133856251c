// A bounds-checked little-endian cursor over wire bytes. Every read either succeeds or
// throws cdc::ProtocolError naming what was being read and the absolute offset, so
// decoders never index past the end of an event, whatever the bytes say.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace cdc::mysql {

using Bytes = std::span<const std::byte>;

inline std::string_view as_string_view(Bytes bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

inline Bytes as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

// Reads an unsigned little-endian integer of `n` (<= 8) bytes. REQUIRES: p has n bytes.
inline uint64_t load_le(const std::byte* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint64_t(std::to_integer<uint8_t>(p[i])) << (8 * i);
  return v;
}

// Reads an unsigned big-endian integer of `n` (<= 8) bytes. REQUIRES: p has n bytes.
inline uint64_t load_be(const std::byte* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | std::to_integer<uint8_t>(p[i]);
  return v;
}

class ByteReader {
 public:
  // `base_offset` is where bytes[0] sits in the enclosing event, so errors report
  // offsets an operator can find in a hex dump. `what` names the structure.
  explicit ByteReader(Bytes bytes, size_t base_offset = 0, const char* what = "binlog event")
      : bytes_(bytes), base_offset_(base_offset), what_(what) {}

  size_t position() const { return pos_; }
  size_t offset() const { return base_offset_ + pos_; }
  size_t remaining() const { return bytes_.size() - pos_; }
  bool at_end() const { return pos_ == bytes_.size(); }
  Bytes rest() const { return bytes_.subspan(pos_); }

  uint8_t u8(const char* field) { return static_cast<uint8_t>(take(1, field)[0]); }
  uint16_t u16(const char* field) { return static_cast<uint16_t>(le(2, field)); }
  uint32_t u24(const char* field) { return static_cast<uint32_t>(le(3, field)); }
  uint32_t u32(const char* field) { return static_cast<uint32_t>(le(4, field)); }
  uint64_t u48(const char* field) { return le(6, field); }
  uint64_t u64(const char* field) { return le(8, field); }
  uint64_t le(size_t n, const char* field) { return load_le(take(n, field), n); }
  uint64_t be(size_t n, const char* field) { return load_be(take(n, field), n); }

  // MySQL's length-encoded ("packed") integer: < 251 in one byte, 0xfc + 2 bytes,
  // 0xfd + 3 bytes, 0xfe + 8 bytes (MySQL source: net_field_length in pack.cc).
  uint64_t packed(const char* field);

  Bytes bytes(size_t n, const char* field) { return Bytes(take(n, field), n); }
  std::string_view str(size_t n, const char* field) { return as_string_view(bytes(n, field)); }
  void skip(size_t n, const char* field) { take(n, field); }

  // Throws a ProtocolError at the current offset.
  [[noreturn]] void fail(const std::string& message) const;

 private:
  const std::byte* take(size_t n, const char* field) {
    if (n > bytes_.size() - pos_) [[unlikely]]
      short_read(n, field);
    const std::byte* p = bytes_.data() + pos_;
    pos_ += n;
    return p;
  }
  [[noreturn]] void short_read(size_t n, const char* field) const;

  Bytes bytes_;
  size_t pos_ = 0;
  size_t base_offset_;
  const char* what_;
};

}  // namespace cdc::mysql
