#include "connectors/postgres/pg_key_text.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <type_traits>

namespace cdc::pg {
namespace {

constexpr int64_t kMicrosPerDay = 86'400'000'000;

struct Civil {
  int64_t year;  // astronomical: 0 is 1 BC
  unsigned month;
  unsigned day;
};

// The inverse of days_from_civil (pg_datetime.h), by the same 400-year eras.
Civil civil_from_days(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto day_of_era = static_cast<unsigned>(days - era * 146097);
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned month_from_march = (5 * day_of_year + 2) / 153;
  const unsigned day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
  const unsigned month = month_from_march < 10 ? month_from_march + 3 : month_from_march - 9;
  return {static_cast<int64_t>(year_of_era) + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

// "YYYY-MM-DD", and whether the year is BC (then printed as 1 - year).
bool append_date(std::string& out, int64_t days) {
  const Civil civil = civil_from_days(days);
  const bool bc = civil.year <= 0;
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02u",
                static_cast<long long>(bc ? 1 - civil.year : civil.year), civil.month, civil.day);
  out += buffer;
  return bc;
}

void append_time(std::string& out, int64_t micros) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%02lld:%02lld:%02lld.%06lld",
                static_cast<long long>(micros / 3'600'000'000),
                static_cast<long long>(micros / 60'000'000 % 60),
                static_cast<long long>(micros / 1'000'000 % 60),
                static_cast<long long>(micros % 1'000'000));
  out += buffer;
}

template <typename Stamp>
std::string timestamp_text(Stamp stamp, bool with_zone) {
  if (stamp.micros == Stamp::kInfinity) return "infinity";
  if (stamp.micros == Stamp::kMinusInfinity) return "-infinity";
  int64_t days = stamp.micros / kMicrosPerDay;
  int64_t micros = stamp.micros % kMicrosPerDay;
  if (micros < 0) {
    micros += kMicrosPerDay;
    --days;
  }
  std::string out;
  const bool bc = append_date(out, days);
  out += ' ';
  append_time(out, micros);
  if (with_zone) out += "+00";
  if (bc) out += " BC";
  return out;
}

std::string double_text(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

std::string hex_bytes(const std::string& data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "\\x";
  out.reserve(2 + data.size() * 2);
  for (const char c : data) {
    const auto byte = static_cast<unsigned char>(c);
    out += kDigits[byte >> 4];
    out += kDigits[byte & 15];
  }
  return out;
}

}  // namespace

std::optional<std::string> pg_key_text(const Value& value) {
  return std::visit(
      [](const auto& v) -> std::optional<std::string> {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return std::string(v ? "t" : "f");
        } else if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, uint64_t>) {
          return std::to_string(v);
        } else if constexpr (std::is_same_v<T, double>) {
          return double_text(v);
        } else if constexpr (std::is_same_v<T, Decimal> || std::is_same_v<T, Json>) {
          return v.text;
        } else if constexpr (std::is_same_v<T, std::string>) {
          return v;
        } else if constexpr (std::is_same_v<T, Bytes>) {
          return hex_bytes(v.data);
        } else if constexpr (std::is_same_v<T, Date>) {
          if (v.days == Date::kInfinity) return std::string("infinity");
          if (v.days == Date::kMinusInfinity) return std::string("-infinity");
          std::string out;
          if (append_date(out, v.days)) out += " BC";
          return out;
        } else if constexpr (std::is_same_v<T, Timestamp>) {
          return timestamp_text(v, /*with_zone=*/true);
        } else if constexpr (std::is_same_v<T, LocalTimestamp>) {
          return timestamp_text(v, /*with_zone=*/false);
        } else if constexpr (std::is_same_v<T, TimeOfDay>) {
          std::string out;
          append_time(out, v.micros);
          return out;
        } else {
          return std::nullopt;  // Null, Unchanged, arrays
        }
      },
      value.storage());
}

}  // namespace cdc::pg
