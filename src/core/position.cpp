#include "core/position.h"

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

// Hexadecimal digits in upper case, as PostgreSQL prints LSNs.
void append_hex(std::string& out, uint32_t value) {
  char buf[8];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, 16);
  for (char* c = buf; c != end; ++c) {
    if (*c >= 'a') *c = static_cast<char>(*c - 'a' + 'A');
  }
  out.append(buf, end);
}

void append_decimal(std::string& out, uint64_t value) {
  char buf[20];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, end);
}

void append_lsn(std::string& out, PgLsn lsn) {
  append_hex(out, static_cast<uint32_t>(lsn.value >> 32));
  out += '/';
  append_hex(out, static_cast<uint32_t>(lsn.value & 0xffffffffu));
}

}  // namespace

std::string PgLsn::to_string() const {
  std::string out;
  append_lsn(out, *this);
  return out;
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
  if (auto c = file_sequence(a.file) <=> file_sequence(b.file); c != 0) return c;
  if (auto c = a.file <=> b.file; c != 0) return c;
  if (auto c = a.offset <=> b.offset; c != 0) return c;
  return a.index <=> b.index;
}

// Built in one string of the right size: every call made from a change carries it.
std::string to_string(const Position& position) {
  std::string out;
  if (const auto* pg = std::get_if<PgPosition>(&position)) {
    out.reserve(3 + 17 + 1 + 10);
    out += "pg:";
    append_lsn(out, pg->commit_end);
    out += ':';
    append_decimal(out, pg->index);
    return out;
  }
  const auto& bin = std::get<BinlogPosition>(position);
  out.reserve(6 + bin.file.size() + 1 + 20 + 1 + 10);
  out += "mysql:";
  out += bin.file;
  out += ':';
  append_decimal(out, bin.offset);
  out += ':';
  append_decimal(out, bin.index);
  return out;
}

}  // namespace cdc
