#include <doctest/doctest.h>

#include "mapping/civil_time.h"
#include "mapping/posix_tz_rule.h"
#include "mapping/time_zone.h"

using namespace cdc::mapping;

namespace {

int64_t utc(int y, unsigned m, unsigned d, int hh, int mm) {
  return days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60;
}

}  // namespace

TEST_CASE("time zone: fixed offsets and UTC need no zone files") {
  std::string error;
  auto zone = TimeZone::load("+02:00", error, "/nonexistent");
  REQUIRE(zone);
  CHECK(zone->offset_at(0) == 7200);
  CHECK(TimeZone::load("UTC", error, "/nonexistent")->offset_at(utc(2024, 7, 1, 0, 0)) == 0);
  CHECK(TimeZone::load("-0330", error, "/nonexistent")->offset_at(0) == -12600);
}

TEST_CASE("time zone: unknown and unsafe names are refused with a reason") {
  std::string error;
  CHECK_FALSE(TimeZone::load("Mars/Olympus_Mons", error));
  CHECK(error.find("unknown time zone \"Mars/Olympus_Mons\"") != std::string::npos);
  CHECK_FALSE(TimeZone::load("../../etc/passwd", error));
  CHECK(error.find("is not a time zone") != std::string::npos);
  CHECK_FALSE(TimeZone::from_tzif("broken", "TZif2 but short", error));
  CHECK(error.find("not a valid TZif file") != std::string::npos);
}

TEST_CASE("time zone: Europe/Berlin offsets through the year and across eras") {
  std::string error;
  auto berlin = TimeZone::load("Europe/Berlin", error);
  REQUIRE(berlin);
  CHECK(berlin->offset_at(utc(2024, 1, 1, 0, 0)) == 3600);
  CHECK(berlin->offset_at(utc(2024, 7, 1, 0, 0)) == 7200);
  // The change happens at 01:00 UTC on the last Sunday of March.
  CHECK(berlin->offset_at(utc(2024, 3, 31, 0, 59)) == 3600);
  CHECK(berlin->offset_at(utc(2024, 3, 31, 1, 0)) == 7200);
  CHECK(berlin->offset_at(utc(2090, 7, 1, 0, 0)) == 7200);
  CHECK(berlin->offset_at(utc(2090, 12, 1, 0, 0)) == 3600);
}

TEST_CASE("time zone: southern hemisphere rules wrap around the new year") {
  std::string error;
  auto sydney = TimeZone::load("Australia/Sydney", error);
  REQUIRE(sydney);
  CHECK(sydney->offset_at(utc(2060, 1, 15, 0, 0)) == 11 * 3600);
  CHECK(sydney->offset_at(utc(2060, 7, 15, 0, 0)) == 10 * 3600);
}

TEST_CASE("posix tz rule: month-week-day and julian forms") {
  auto us = PosixTzRule::parse("EST5EDT,M3.2.0,M11.1.0");
  REQUIRE(us);
  // 2030-03-10 is the second Sunday of March: 02:00 EST = 07:00 UTC.
  CHECK(us->offset_at(utc(2030, 3, 10, 6, 59)) == -5 * 3600);
  CHECK(us->offset_at(utc(2030, 3, 10, 7, 0)) == -4 * 3600);
  // 2030-11-03 is the first Sunday of November: 02:00 EDT = 06:00 UTC.
  CHECK(us->offset_at(utc(2030, 11, 3, 5, 59)) == -4 * 3600);
  CHECK(us->offset_at(utc(2030, 11, 3, 6, 0)) == -5 * 3600);
  auto julian = PosixTzRule::parse("<+03>-3");
  REQUIRE(julian);
  CHECK(julian->offset_at(0) == 3 * 3600);
  CHECK(PosixTzRule::parse("XST-1XDT,J60/2,300/-1"));
  CHECK_FALSE(PosixTzRule::parse("CET-1CEST"));
  CHECK_FALSE(PosixTzRule::parse("1CET"));
}
