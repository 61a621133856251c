#include "connectors/mysql/mysql_temporal.h"

#include <algorithm>

#include <fmt/format.h>

namespace cdc::mysql {
namespace {

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kDatetimeIntOffset = 0x8000000000LL;  // DATETIMEF_INT_OFS
constexpr int64_t kTimeIntOffset = 0x800000LL;          // TIMEF_INT_OFS
constexpr int64_t kTimeOffset = 0x800000000000LL;       // TIMEF_OFS

// REQUIRES: |intpart| < 2^39 and |fraction| < 2^24, so the result fits (callers check).
int64_t make_packed(int64_t intpart, int64_t fraction) { return intpart * (1LL << 24) + fraction; }

int64_t sign_extend(uint64_t v, int bits) {
  const uint64_t sign = uint64_t{1} << (bits - 1);
  return static_cast<int64_t>((v ^ sign) - sign);
}

std::string fraction_text(int micros, int digits) {
  if (digits <= 0) return {};
  std::string f = fmt::format("{:06}", micros);
  return "." + f.substr(0, static_cast<size_t>(std::min(digits, 6)));
}

}  // namespace

int64_t days_from_civil(int64_t year, int month, int day) {
  // Howard Hinnant's days_from_civil: shift the year to start in March so the leap
  // day is last, then count whole 400-year eras.
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

int64_t CivilTime::epoch_micros() const {
  const int64_t days = days_from_civil(year, month, day);
  return ((days * 24 + hour) * 60 + minute) * 60 * kMicrosPerSecond +
         int64_t{second} * kMicrosPerSecond + micros;
}

int64_t CivilTime::duration_micros() const {
  const int64_t v = ((int64_t{hour} * 60 + minute) * 60 + second) * kMicrosPerSecond + micros;
  return negative ? -v : v;
}

CivilTime unpack_datetime(int64_t packed) {
  CivilTime t;
  t.negative = packed < 0;
  const uint64_t v =
      t.negative ? uint64_t(0) - static_cast<uint64_t>(packed) : static_cast<uint64_t>(packed);
  t.micros = static_cast<int>(v % (1 << 24));
  const uint64_t ymdhms = v >> 24;
  const uint64_t ymd = ymdhms >> 17;
  const uint64_t ym = ymd >> 5;
  const uint64_t hms = ymdhms % (1 << 17);
  t.day = static_cast<int>(ymd % (1 << 5));
  t.month = static_cast<int>(ym % 13);
  t.year = static_cast<int>(ym / 13);
  t.second = static_cast<int>(hms % (1 << 6));
  t.minute = static_cast<int>((hms >> 6) % (1 << 6));
  t.hour = static_cast<int>(hms >> 12);
  return t;
}

CivilTime unpack_time(int64_t packed) {
  CivilTime t;
  t.negative = packed < 0;
  const uint64_t v =
      t.negative ? uint64_t(0) - static_cast<uint64_t>(packed) : static_cast<uint64_t>(packed);
  const uint64_t hms = v >> 24;
  t.hour = static_cast<int>((hms >> 12) % (1 << 10));
  t.minute = static_cast<int>((hms >> 6) % (1 << 6));
  t.second = static_cast<int>(hms % (1 << 6));
  t.micros = static_cast<int>(v % (1 << 24));
  return t;
}

CivilTime read_date(ByteReader& r) {
  const uint32_t v = r.u24("date");
  CivilTime t;
  t.day = static_cast<int>(v & 31);
  t.month = static_cast<int>((v >> 5) & 15);
  t.year = static_cast<int>(v >> 9);
  return t;
}

CivilTime read_time_v1(ByteReader& r) {
  const int64_t v = sign_extend(r.u24("time"), 24);
  CivilTime t;
  t.negative = v < 0;
  const int64_t a = t.negative ? -v : v;
  t.hour = static_cast<int>(a / 10000);
  t.minute = static_cast<int>(a / 100 % 100);
  t.second = static_cast<int>(a % 100);
  return t;
}

CivilTime read_datetime_v1(ByteReader& r) {
  const uint64_t v = r.u64("datetime");
  const uint64_t date = v / 1000000;
  const uint64_t time = v % 1000000;
  CivilTime t;
  t.year = static_cast<int>(date / 10000 % 100000);
  t.month = static_cast<int>(date / 100 % 100);
  t.day = static_cast<int>(date % 100);
  t.hour = static_cast<int>(time / 10000);
  t.minute = static_cast<int>(time / 100 % 100);
  t.second = static_cast<int>(time % 100);
  return t;
}

int64_t read_datetime2_packed(ByteReader& r, int fsp, std::string_view column) {
  const int64_t intpart = static_cast<int64_t>(r.be(5, "datetime2")) - kDatetimeIntOffset;
  // A clear sign bit would be a date before year 0, which MySQL never writes; taken as it
  // is, -2^39 shifted left 24 bits and a negative fraction overflow int64.
  if (intpart < 0) r.fail(fmt::format("column {}: DATETIME2 value out of range", column));
  int64_t fraction = 0;
  switch (fsp) {
    case 1:
    case 2:
      fraction = sign_extend(r.be(1, "datetime2 fraction"), 8) * 10000;
      break;
    case 3:
    case 4:
      fraction = sign_extend(r.be(2, "datetime2 fraction"), 16) * 100;
      break;
    case 5:
    case 6:
      fraction = sign_extend(r.be(3, "datetime2 fraction"), 24);
      break;
    default:
      break;
  }
  return make_packed(intpart, fraction);
}

int64_t read_time2_packed(ByteReader& r, int fsp) {
  if (fsp == 5 || fsp == 6) return static_cast<int64_t>(r.be(6, "time2")) - kTimeOffset;
  int64_t intpart = static_cast<int64_t>(r.be(3, "time2")) - kTimeIntOffset;
  int64_t fraction = 0;
  if (fsp == 1 || fsp == 2 || fsp == 3 || fsp == 4) {
    const bool two_digits = fsp <= 2;
    fraction = static_cast<int64_t>(r.be(two_digits ? 1 : 2, "time2 fraction"));
    // Negative times store the fraction as a complement that borrows from intpart.
    if (intpart < 0 && fraction != 0) {
      ++intpart;
      fraction -= two_digits ? 0x100 : 0x10000;
    }
    fraction *= two_digits ? 10000 : 100;
  }
  return make_packed(intpart, fraction);
}

EpochTime read_timestamp2(ByteReader& r, int fsp) {
  EpochTime t;
  t.seconds = static_cast<int64_t>(r.be(4, "timestamp2"));
  switch (fsp) {
    case 1:
    case 2:
      t.micros = static_cast<int>(r.be(1, "timestamp2 fraction")) * 10000;
      break;
    case 3:
    case 4:
      t.micros = static_cast<int>(r.be(2, "timestamp2 fraction")) * 100;
      break;
    case 5:
    case 6:
      t.micros = static_cast<int>(r.be(3, "timestamp2 fraction"));
      break;
    default:
      break;
  }
  return t;
}

std::string format_date(const CivilTime& t) {
  return fmt::format("{:04}-{:02}-{:02}", t.year, t.month, t.day);
}

std::string format_time(const CivilTime& t, int fraction_digits) {
  return fmt::format("{}{:02}:{:02}:{:02}{}", t.negative ? "-" : "", t.hour, t.minute, t.second,
                     fraction_text(t.micros, fraction_digits));
}

std::string format_datetime(const CivilTime& t, int fraction_digits) {
  return fmt::format("{} {:02}:{:02}:{:02}{}", format_date(t), t.hour, t.minute, t.second,
                     fraction_text(t.micros, fraction_digits));
}

}  // namespace cdc::mysql
