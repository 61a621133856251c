#include "core/position.h"

#include <algorithm>
#include <charconv>

namespace cdc {

std::optional<PgLsn> PgLsn::parse(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 >= text.size()) {
    return std::nullopt;
  }
  uint32_t hi = 0;
  uint32_t lo = 0;
  auto hi_text = text.substr(0, slash);
  auto lo_text = text.substr(slash + 1);
  if (hi_text.size() > 8 || lo_text.size() > 8) return std::nullopt;
  auto [hp, he] = std::from_chars(hi_text.data(), hi_text.data() + hi_text.size(), hi, 16);
  if (he != std::errc() || hp != hi_text.data() + hi_text.size()) return std::nullopt;
  auto [lp, le] = std::from_chars(lo_text.data(), lo_text.data() + lo_text.size(), lo, 16);
  if (le != std::errc() || lp != lo_text.data() + lo_text.size()) return std::nullopt;
  return PgLsn{(uint64_t{hi} << 32) | lo};
}

namespace {

// The put_* write into a buffer on the stack and return the end, so that a position
// reaches its string in one append.

// Upper-case hexadecimal without leading zeros, as PostgreSQL prints LSNs.
char* put_hex(char* out, uint32_t value) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  int shift = 28;
  while (shift > 0 && (value >> shift) == 0) shift -= 4;
  for (; shift >= 0; shift -= 4) *out++ = kDigits[(value >> shift) & 0xf];
  return out;
}

char* put_lsn(char* out, PgLsn lsn) {
  out = put_hex(out, static_cast<uint32_t>(lsn.value >> 32));
  *out++ = '/';
  return put_hex(out, static_cast<uint32_t>(lsn.value & 0xffffffffu));
}

char* put_decimal(char* out, uint64_t value) { return std::to_chars(out, out + 20, value).ptr; }

}  // namespace

std::string PgLsn::to_string() const {
  char buf[17];
  return std::string(buf, put_lsn(buf, *this));
}

namespace {

// "mysql-bin.000123" -> 123; a name without a numeric extension sorts as 0.
uint64_t file_sequence(const std::string& file) {
  auto dot = file.rfind('.');
  if (dot == std::string::npos) return 0;
  uint64_t n = 0;
  auto [p, e] = std::from_chars(file.data() + dot + 1, file.data() + file.size(), n);
  if (e != std::errc() || p != file.data() + file.size()) return 0;
  return n;
}

}  // namespace

std::strong_ordering operator<=>(const BinlogPosition& a, const BinlogPosition& b) {
  // Most comparisons are within one file (the last-sent store's checks, every upkeep).
  if (a.file != b.file) {
    if (auto c = file_sequence(a.file) <=> file_sequence(b.file); c != 0) return c;
    if (auto c = a.file <=> b.file; c != 0) return c;
  }
  if (auto c = a.offset <=> b.offset; c != 0) return c;
  return a.index <=> b.index;
}

// Built in one string of the right size: every call made from a change carries it.
std::string to_string(const Position& position) {
  if (const auto* pg = std::get_if<PgPosition>(&position)) {
    char buf[3 + 17 + 1 + 10];
    char* end = std::copy_n("pg:", 3, buf);
    end = put_lsn(end, pg->commit_end);
    *end++ = ':';
    end = put_decimal(end, pg->index);
    return std::string(buf, end);
  }
  const auto& bin = std::get<BinlogPosition>(position);
  char digits[1 + 20 + 1 + 10];
  char* end = digits;
  *end++ = ':';
  end = put_decimal(end, bin.offset);
  *end++ = ':';
  end = put_decimal(end, bin.index);
  const auto digits_size = static_cast<size_t>(end - digits);
  // Binlog names are short ("binlog.000001", "mysql-bin-changelog.000001"): the whole
  // text on the stack, then one string.
  constexpr size_t kMaxFileOnStack = 64;
  if (bin.file.size() <= kMaxFileOnStack) {
    char text[6 + kMaxFileOnStack + sizeof digits];
    char* at = std::copy_n("mysql:", 6, text);
    at = std::copy_n(bin.file.data(), bin.file.size(), at);
    at = std::copy_n(digits, digits_size, at);
    return std::string(text, at);
  }
  std::string out;
  out.reserve(6 + bin.file.size() + digits_size);
  out.append("mysql:").append(bin.file).append(digits, end);
  return out;
}

namespace {

// The decimal number that is the whole of `text`.
template <typename Number>
std::optional<Number> parse_decimal(std::string_view text) {
  Number value = 0;
  const auto [at, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || at != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<Position> parse_position(std::string_view text) {
  const size_t last = text.rfind(':');
  if (last == std::string_view::npos) return std::nullopt;
  const auto index = parse_decimal<uint32_t>(text.substr(last + 1));
  if (!index) return std::nullopt;
  const std::string_view rest = text.substr(0, last);
  if (rest.starts_with("pg:")) {
    const auto lsn = PgLsn::parse(rest.substr(3));
    if (!lsn) return std::nullopt;
    return Position{PgPosition{*lsn, *index}};
  }
  if (!rest.starts_with("mysql:")) return std::nullopt;
  const size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon <= 6) return std::nullopt;  // no file name
  const auto offset = parse_decimal<uint64_t>(rest.substr(colon + 1));
  if (!offset) return std::nullopt;
  return Position{BinlogPosition{std::string(rest.substr(6, colon - 6)), *offset, {}, *index}};
}

std::string position_prefix(const Position& position) {
  if (const auto* pg = std::get_if<PgPosition>(&position)) {
    char buf[3 + 17];
    char* end = std::copy_n("pg:", 3, buf);
    return std::string(buf, put_lsn(end, pg->commit_end));
  }
  const auto& bin = std::get<BinlogPosition>(position);
  char digits[1 + 20];
  digits[0] = ':';
  char* end = put_decimal(digits + 1, bin.offset);
  std::string out;
  out.reserve(6 + bin.file.size() + static_cast<size_t>(end - digits));
  out.append("mysql:").append(bin.file).append(digits, end);
  return out;
}

uint32_t position_index(const Position& position) {
  if (const auto* pg = std::get_if<PgPosition>(&position)) return pg->index;
  return std::get<BinlogPosition>(position).index;
}

bool same_prefix(const Position& a, const Position& b) {
  if (const auto* pg = std::get_if<PgPosition>(&a)) {
    const auto* other = std::get_if<PgPosition>(&b);
    return other != nullptr && other->commit_end == pg->commit_end;
  }
  const auto* other = std::get_if<BinlogPosition>(&b);
  const auto& bin = std::get<BinlogPosition>(a);
  return other != nullptr && other->offset == bin.offset && other->file == bin.file;
}

}  // namespace cdc
