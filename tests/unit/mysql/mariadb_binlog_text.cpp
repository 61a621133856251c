#include "mariadb_binlog_text.h"

#include <cinttypes>
#include <cstdio>

#include <fmt/format.h>

namespace cdc::mysql::testing {
namespace {

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;

struct Civil {
  int64_t year;
  int month, day, hour, minute, second, micros;
};

// Inverse of days_from_civil (Howard Hinnant's civil_from_days).
Civil civil_from_micros(int64_t micros) {
  int64_t days = micros / kMicrosPerDay;
  int64_t rest = micros % kMicrosPerDay;
  if (rest < 0) {
    rest += kMicrosPerDay;
    --days;
  }
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  Civil c{};
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = yoe + era * 400 + (c.month <= 2);
  const int64_t seconds = rest / kMicrosPerSecond;
  c.micros = static_cast<int>(rest % kMicrosPerSecond);
  c.hour = static_cast<int>(seconds / 3600);
  c.minute = static_cast<int>(seconds / 60 % 60);
  c.second = static_cast<int>(seconds % 60);
  return c;
}

std::string fraction(int micros, int digits) {
  if (digits <= 0) return {};
  return "." + fmt::format("{:06}", micros).substr(0, static_cast<size_t>(digits));
}

std::string signed_and_unsigned(uint64_t raw, int bytes) {
  const int shift = 64 - 8 * bytes;
  const uint64_t u = bytes == 8 ? raw : raw & ((uint64_t{1} << (8 * bytes)) - 1);
  const int64_t s = static_cast<int64_t>(u << shift) >> shift;
  return s < 0 ? fmt::format("{} ({})", s, u) : std::to_string(s);
}

uint64_t raw_integer(const Value& v) {
  if (const auto* u = v.get_if<uint64_t>()) return *u;
  return static_cast<uint64_t>(v.as<int64_t>());
}

std::string bits(uint64_t value, int count) {
  std::string out = "b'";
  for (int i = count - 1; i >= 0; --i) out += ((value >> i) & 1) ? '1' : '0';
  return out + "'";
}

void append_code_point_as_latin1(char32_t cp, std::string& out) {
  static constexpr char16_t kCp1252High[32] = {
      0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
      0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
      0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};
  if (cp < 0x80 || (cp >= 0xA0 && cp <= 0xFF)) {
    out += static_cast<char>(cp);
    return;
  }
  for (int i = 0; i < 32; ++i) {
    if (kCp1252High[i] == cp) {
      out += static_cast<char>(0x80 + i);
      return;
    }
  }
  out += '?';
}

std::string utf8_to_latin1(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    char32_t cp = b;
    size_t len = 1;
    if (b >= 0xF0) {
      cp = b & 0x07;
      len = 4;
    } else if (b >= 0xE0) {
      cp = b & 0x0F;
      len = 3;
    } else if (b >= 0xC0) {
      cp = b & 0x1F;
      len = 2;
    }
    for (size_t k = 1; k < len && i + k < s.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    append_code_point_as_latin1(cp, out);
    i += len;
  }
  return out;
}

std::string quoted(std::string_view bytes) {
  std::string out = "'";
  for (char c : bytes) {
    if (static_cast<unsigned char>(c) > 0x1F) {
      out += c;
    } else {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    }
  }
  return out + "'";
}

std::string stored_bytes(const Value& v, const ColumnInfo& c) {
  if (const auto* b = v.get_if<cdc::Bytes>()) return b->data;
  const std::string& s = v.as<std::string>();
  return c.encoding == TextEncoding::kLatin1 ? utf8_to_latin1(s) : s;
}

size_t member_index(const ColumnInfo& c, const std::string& member) {
  for (size_t i = 0; i < c.members.size(); ++i) {
    if (c.members[i] == member) return i;
  }
  return c.members.size();
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::vector<PrintedRowChange> parse_mariadb_binlog_output(std::string_view text) {
  std::vector<PrintedRowChange> changes;
  std::map<int, std::string>* image = nullptr;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.rfind("### ", 0) != 0) continue;
    const std::string_view rest = line.substr(4);
    auto start_change = [&](const char* op, std::string_view prefix) {
      changes.push_back({op, std::string(rest.substr(prefix.size())), {}, {}});
      image = nullptr;
    };
    if (rest.rfind("INSERT INTO ", 0) == 0) {
      start_change("INSERT", "INSERT INTO ");
    } else if (rest.rfind("UPDATE ", 0) == 0) {
      start_change("UPDATE", "UPDATE ");
    } else if (rest.rfind("DELETE FROM ", 0) == 0) {
      start_change("DELETE", "DELETE FROM ");
    } else if (rest == "SET" && !changes.empty()) {
      image = &changes.back().after;
    } else if (rest == "WHERE" && !changes.empty()) {
      image = &changes.back().before;
    } else if (rest.rfind("  @", 0) == 0 && image != nullptr) {
      const size_t eq = rest.find('=');
      const int column = std::stoi(std::string(rest.substr(3, eq - 3)));
      (*image)[column] = std::string(trim_right(rest.substr(eq + 1)));
    }
  }
  return changes;
}

std::string render_like_mariadb_binlog(const Value& v, const ColumnInfo& c) {
  if (v.is_null()) return "NULL";
  char buf[400];
  switch (c.type) {
    case ColumnType::kTiny:
      return signed_and_unsigned(raw_integer(v), 1);
    case ColumnType::kShort:
      return signed_and_unsigned(raw_integer(v), 2);
    case ColumnType::kInt24:
      return signed_and_unsigned(raw_integer(v), 3);
    case ColumnType::kLong:
      return signed_and_unsigned(raw_integer(v), 4);
    case ColumnType::kLongLong:
      return signed_and_unsigned(raw_integer(v), 8);
    case ColumnType::kYear: {
      const int64_t y = v.as<int64_t>();
      return fmt::format("{:04}", y == 0 ? 1900 : y);
    }
    case ColumnType::kFloat:
      std::snprintf(buf, sizeof buf, "%-20g", v.as<double>());
      return std::string(trim_right(buf));
    case ColumnType::kDouble:
      std::snprintf(buf, sizeof buf, "%-.20g", v.as<double>());
      return buf;
    case ColumnType::kNewDecimal:
      return v.as<Decimal>().text;
    case ColumnType::kBit:
      return bits(v.as<uint64_t>(), static_cast<int>(c.length));
    case ColumnType::kSet: {
      uint64_t mask = 0;
      if (const auto* members = v.get_if<ValueArray>()) {
        for (const Value& m : *members) mask |= uint64_t{1} << member_index(c, m.as<std::string>());
      } else {
        mask = v.as<uint64_t>();
      }
      return bits(mask, static_cast<int>(c.length * 8));
    }
    case ColumnType::kEnum:
      if (const auto* member = v.get_if<std::string>()) {
        return member->empty() ? "0" : std::to_string(member_index(c, *member) + 1);
      }
      return std::to_string(v.as<int64_t>());
    case ColumnType::kDate:
    case ColumnType::kNewDate: {
      const Civil t = civil_from_micros(int64_t{v.as<Date>().days} * kMicrosPerDay);
      return fmt::format("'{:04}:{:02}:{:02}'", t.year, t.month, t.day);
    }
    case ColumnType::kDateTime:
    case ColumnType::kDateTime2: {
      const Civil t = civil_from_micros(v.as<LocalTimestamp>().micros);
      const int digits = c.type == ColumnType::kDateTime ? 0 : c.decimals;
      return fmt::format("'{:04}-{:02}-{:02} {:02}:{:02}:{:02}{}'", t.year, t.month, t.day, t.hour,
                         t.minute, t.second, fraction(t.micros, digits));
    }
    case ColumnType::kTimestamp:
    case ColumnType::kTimestamp2: {
      const int64_t micros = v.as<Timestamp>().micros;
      const int digits = c.type == ColumnType::kTimestamp ? 0 : c.decimals;
      return fmt::format("{}{}", micros / kMicrosPerSecond,
                         fraction(static_cast<int>(micros % kMicrosPerSecond), digits));
    }
    case ColumnType::kTime:
    case ColumnType::kTime2: {
      const int64_t micros = v.as<TimeOfDay>().micros;
      const int64_t a = micros < 0 ? -micros : micros;
      const int64_t seconds = a / kMicrosPerSecond;
      const int digits = c.type == ColumnType::kTime ? 0 : c.decimals;
      return fmt::format("'{}{:02}:{:02}:{:02}{}'", micros < 0 ? "-" : "", seconds / 3600,
                         seconds / 60 % 60, seconds % 60,
                         fraction(static_cast<int>(a % kMicrosPerSecond), digits));
    }
    case ColumnType::kString:
    case ColumnType::kVarchar:
    case ColumnType::kVarString:
    case ColumnType::kBlob:
      return quoted(stored_bytes(v, c));
    default:
      return "<" + v.debug_string() + ">";
  }
}

bool same_as_printed(std::string_view printed, const Value& value, const ColumnInfo& column) {
  if (render_like_mariadb_binlog(value, column) == printed) return true;
  if (!value.is_null()) return false;
  switch (column.type) {
    case ColumnType::kTimestamp:
    case ColumnType::kTimestamp2:
      return printed.find_first_not_of("0.") == std::string_view::npos;
    case ColumnType::kDate:
    case ColumnType::kNewDate:
    case ColumnType::kDateTime:
    case ColumnType::kDateTime2:
      // 'YYYY:MM:DD' or 'YYYY-MM-DD hh:mm:ss': a zero month or day.
      return printed.size() >= 11 && (printed.substr(6, 2) == "00" || printed.substr(9, 2) == "00");
    default:
      return false;
  }
}

}  // namespace cdc::mysql::testing
