#include "core/position.h"

#include <charconv>
#include <cstdio>

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

std::string PgLsn::to_string() const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(value >> 32),
                static_cast<unsigned>(value & 0xffffffffu));
  return buf;
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

std::string to_string(const Position& position) {
  if (const auto* pg = std::get_if<PgPosition>(&position)) {
    return "pg:" + pg->commit_end.to_string() + ":" + std::to_string(pg->index);
  }
  const auto& bin = std::get<BinlogPosition>(position);
  return "mysql:" + bin.file + ":" + std::to_string(bin.offset) + ":" + std::to_string(bin.index);
}

}  // namespace cdc
