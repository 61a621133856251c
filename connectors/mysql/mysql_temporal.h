// MySQL's temporal encodings, shared by row images and JSON opaque values.
// Row formats (MySQL sql-common/my_time.cc, MariaDB sql/compat56.cc):
//   DATE      3 bytes LE: day(5) month(4) year(15)
//   TIME      3 bytes LE signed: HHMMSS as a decimal number
//   DATETIME  8 bytes LE: YYYYMMDDhhmmss as a decimal number
//   TIMESTAMP 4 bytes LE: seconds since the epoch
//   DATETIME2 5 bytes BE: sign(1) year*13+month(17) day(5) hour(5) minute(6) second(6),
//             offset by 0x8000000000, then (fsp + 1) / 2 bytes of fraction
//   TIME2     3 bytes BE: sign(1) unused(1) hour(10) minute(6) second(6), offset by
//             0x800000, then the fraction (with 5-6 digits: one 6-byte integer)
//   TIMESTAMP2 4 bytes BE seconds, then the fraction
// The "packed" longlong form (JSON opaque values) is intpart << 24 | microseconds, with
// the same bit layout of intpart as DATETIME2 / TIME2.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "connectors/mysql/byte_reader.h"

namespace cdc::mysql {

struct CivilTime {
  bool negative = false;
  int year = 0, month = 0, day = 0;
  int hour = 0, minute = 0, second = 0;
  int micros = 0;

  // A calendar date MySQL accepts but no calendar has: 0000-00-00, month or day 0.
  bool is_zero_date() const { return month == 0 || day == 0; }
  // Microseconds since 1970-01-01T00:00:00 (date and time fields).
  int64_t epoch_micros() const;
  // Signed microseconds of the time fields alone (hours may exceed 24).
  int64_t duration_micros() const;
};

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t days_from_civil(int64_t year, int month, int day);

CivilTime unpack_datetime(int64_t packed);  // TIME_from_longlong_datetime_packed
CivilTime unpack_time(int64_t packed);      // TIME_from_longlong_time_packed

CivilTime read_date(ByteReader& r);
CivilTime read_time_v1(ByteReader& r);
CivilTime read_datetime_v1(ByteReader& r);
// Throws ProtocolError naming `column` for a value before year 0 (the sign bit clear).
int64_t read_datetime2_packed(ByteReader& r, int fsp, std::string_view column);
int64_t read_time2_packed(ByteReader& r, int fsp);
// TIMESTAMP2 as {seconds, microseconds}.
struct EpochTime {
  int64_t seconds = 0;
  int micros = 0;
};
EpochTime read_timestamp2(ByteReader& r, int fsp);

// "2024-02-29", "13:14:15.123456" / "-838:59:59", "2024-02-29 13:14:15.123456", with
// `fraction_digits` (0-6) digits after the seconds.
std::string format_date(const CivilTime& t);
std::string format_time(const CivilTime& t, int fraction_digits);
std::string format_datetime(const CivilTime& t, int fraction_digits);

}  // namespace cdc::mysql
