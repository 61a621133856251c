// A bounds-checked big-endian cursor over PostgreSQL wire bytes (the replication
// protocol's CopyData messages and the pgoutput messages inside them). Every read either
// succeeds or throws cdc::ProtocolError naming the structure, the field, what was
// expected and the offset, so decoders never read past the end whatever the bytes say.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace cdc::pg {

using WireBytes = std::span<const std::byte>;

inline std::string_view as_string_view(WireBytes bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

inline WireBytes as_wire_bytes(std::string_view text) {
  return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

class WireReader {
 public:
  // `what` names the structure in error messages ("pgoutput Relation"); it must outlive
  // the reader (a string literal).
  WireReader(WireBytes bytes, const char* what) : bytes_(bytes), what_(what) {}

  size_t offset() const { return pos_; }
  size_t remaining() const { return bytes_.size() - pos_; }
  bool at_end() const { return pos_ == bytes_.size(); }
  void set_what(const char* what) { what_ = what; }

  uint8_t u8(const char* field) { return static_cast<uint8_t>(be(1, field)); }
  uint16_t u16(const char* field) { return static_cast<uint16_t>(be(2, field)); }
  uint32_t u32(const char* field) { return static_cast<uint32_t>(be(4, field)); }
  uint64_t u64(const char* field) { return be(8, field); }
  int32_t i32(const char* field) { return static_cast<int32_t>(u32(field)); }
  int64_t i64(const char* field) { return static_cast<int64_t>(u64(field)); }

  // `n` raw bytes, as a view into the input.
  WireBytes bytes(size_t n, const char* field) {
    need(n, field);
    WireBytes out = bytes_.subspan(pos_, n);
    pos_ += n;
    return out;
  }

  // Everything not read yet.
  WireBytes rest() {
    WireBytes out = bytes_.subspan(pos_);
    pos_ = bytes_.size();
    return out;
  }

  // A protocol String: bytes up to a NUL terminator, which is consumed but not returned.
  std::string_view cstring(const char* field);

  // Throws unless every byte was read: trailing bytes mean the layout is not the one
  // the decoder expected (another protocol version, say).
  void expect_end() const;

  [[noreturn]] void fail(const std::string& message) const;
  // Like fail(), but reporting `offset` instead of the current one.
  [[noreturn]] void fail_at(size_t offset, const std::string& message) const;

 private:
  void need(size_t n, const char* field) const {
    if (remaining() < n) short_read(n, field);
  }
  uint64_t be(size_t n, const char* field) {
    need(n, field);
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | std::to_integer<uint8_t>(bytes_[pos_ + i]);
    pos_ += n;
    return v;
  }
  [[noreturn]] void short_read(size_t n, const char* field) const;

  WireBytes bytes_;
  size_t pos_ = 0;
  const char* what_;
};

}  // namespace cdc::pg
