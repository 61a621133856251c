#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mapping/civil_time.h"
#include "mapping/decimal_text.h"

using namespace cdc::mapping;

TEST_CASE("civil time: days and dates round-trip across eras") {
  for (int64_t days : {-719468LL, -1LL, 0LL, 59LL, 11016LL, 19844LL, 2932896LL}) {
    const CivilDate date = civil_from_days(days);
    CHECK(days_from_civil(date.year, date.month, date.day) == days);
  }
  CHECK(days_from_civil(2000, 2, 29) == 11016);
  CHECK(weekday_from_days(0) == 4);      // Thursday
  CHECK(weekday_from_days(-1) == 3);     // Wednesday
  CHECK(weekday_from_days(19844) == 3);  // 2024-05-01, a Wednesday
}

TEST_CASE("civil time: text forms") {
  std::string out;
  CHECK(append_utc_millis(out, -1));
  CHECK(out == "1969-12-31T23:59:59.999Z");
  out.clear();
  CHECK(append_utc_millis(
      out, ((days_from_civil(9999, 12, 31) * 86400 + 86399) * 1000 + 999) * 1000 + 999));
  CHECK(append_utc_millis(out, days_from_civil(0, 1, 1) * 86400 * 1'000'000));
  CHECK(append_date(out, days_from_civil(2024, 2, 29)));
  CHECK(out == "9999-12-31T23:59:59.999Z0000-01-01T00:00:00.000Z2024-02-29");
  CHECK_FALSE(append_utc_millis(out, days_from_civil(10000, 1, 1) * 86400 * 1'000'000));
  CHECK_FALSE(append_utc_millis(out, -1 + days_from_civil(0, 1, 1) * 86400 * 1'000'000));
  CHECK(out == "9999-12-31T23:59:59.999Z0000-01-01T00:00:00.000Z2024-02-29");
  out.clear();
  CHECK_FALSE(append_date(out, days_from_civil(-1, 12, 31)));
  CHECK(out.empty());
  append_time_of_day(out, -1);
  CHECK(out == "-00:00:00.000001");
}

TEST_CASE("civil time: instants of alternating days each get their own date") {
  // append_utc_millis keeps the last day's date: a change of day, either way, and a day
  // out of range in between must not reuse it.
  const int64_t day = 86400LL * 1'000'000;
  const int64_t leap = days_from_civil(2024, 2, 29) * day + 1000;
  std::string out;
  for (int64_t micros : {leap, leap + day, leap, days_from_civil(10000, 1, 1) * day, leap - day}) {
    append_utc_millis(out, micros);
    out += ' ';
  }
  CHECK(out ==
        "2024-02-29T00:00:00.001Z 2024-03-01T00:00:00.001Z 2024-02-29T00:00:00.001Z  "
        "2024-02-28T00:00:00.001Z ");
  out.clear();
  CHECK_FALSE(append_utc_millis(out, days_from_civil(10000, 1, 1) * day));
  CHECK(out.empty());
}

TEST_CASE("civil time: parsing dates, date-times and times") {
  CHECK(parse_date("2024-02-29") == days_from_civil(2024, 2, 29));
  CHECK_FALSE(parse_date("2023-02-29"));
  CHECK_FALSE(parse_date("2024-5-1"));
  auto t = parse_date_time("2024-05-01T12:30:15.5-05:30");
  REQUIRE(t);
  CHECK(t->local_micros == (days_from_civil(2024, 5, 1) * 86400 + 45015) * 1'000'000 + 500'000);
  CHECK(t->offset_seconds == -(5 * 3600 + 30 * 60));
  CHECK_FALSE(parse_date_time("2024-05-01T25:00"));
  CHECK_FALSE(parse_date_time("2024-05-01 12:00 nonsense"));
  CHECK(parse_time_of_day("-838:59:59") == -(838LL * 3600 + 59 * 60 + 59) * 1'000'000);
  CHECK(parse_time_of_day("10:00:00.25") == 36000LL * 1'000'000 + 250'000);
}

// The parser as first written (find the point, check both sides, trim each), to hold the
// one-pass parser to.
std::optional<DecimalParts> reference_parse_decimal(std::string_view text) {
  auto all_digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  DecimalParts parts;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    parts.negative = text.front() == '-';
    text.remove_prefix(1);
  }
  const size_t point = text.find('.');
  const std::string_view integer = text.substr(0, point);
  const std::string_view fraction =
      point == std::string_view::npos ? std::string_view{} : text.substr(point + 1);
  if (integer.empty() && fraction.empty()) return std::nullopt;
  if (!all_digits(integer) || !all_digits(fraction)) return std::nullopt;
  parts.raw_fraction = fraction;
  const size_t first = integer.find_first_not_of('0');
  parts.integer = first == std::string_view::npos ? std::string_view{} : integer.substr(first);
  const size_t last = fraction.find_last_not_of('0');
  parts.fraction =
      last == std::string_view::npos ? std::string_view{} : fraction.substr(0, last + 1);
  if (parts.is_zero()) parts.negative = false;
  return parts;
}

TEST_CASE("decimal text: the parser agrees with the first one on every short text") {
  // Every text of up to 5 of these characters: signs, points, digits, zeros where they
  // are trimmed, and what makes no decimal.
  const std::string_view alphabet = "-+.0 7e";
  std::vector<std::string> texts = {""};
  for (size_t at = 0; at < texts.size(); ++at) {
    if (texts[at].size() == 5) continue;
    for (const char c : alphabet) texts.push_back(texts[at] + c);
  }
  size_t parsed = 0;
  for (const std::string& text : texts) {
    const auto got = parse_decimal(text);
    const auto want = reference_parse_decimal(text);
    INFO("text: '", text, "'");
    REQUIRE(got.has_value() == want.has_value());
    if (!got) continue;
    ++parsed;
    CHECK(got->negative == want->negative);
    CHECK(got->integer == want->integer);
    CHECK(got->fraction == want->fraction);
    CHECK(got->raw_fraction == want->raw_fraction);
    std::string a = "x";
    std::string b = "x";
    append_decimal_number(a, *got);
    append_decimal_number(b, *want);
    CHECK(a == b);
  }
  CHECK(parsed > 100);
}

TEST_CASE("decimal text: canonical forms, precision and exact order") {
  auto d = parse_decimal("-0012.3400");
  REQUIRE(d);
  std::string out;
  append_decimal_number(out, *d);
  CHECK(out == "-12.34");
  out.clear();
  append_decimal_with_scale(out, *d);
  CHECK(out == "-12.3400");
  CHECK(d->significant_digits() == 4);
  CHECK(parse_decimal("0.00120")->significant_digits() == 2);
  CHECK(parse_decimal("1200")->significant_digits() == 2);
  CHECK(fits_double(*parse_decimal("999999999999999")));
  CHECK_FALSE(fits_double(*parse_decimal("9999999999999999")));
  CHECK_FALSE(parse_decimal("1e5"));
  CHECK_FALSE(parse_decimal("."));
  CHECK(compare_decimals(*parse_decimal("-2"), *parse_decimal("-10")) > 0);
  CHECK(compare_decimals(*parse_decimal("0.10"), *parse_decimal(".1")) == 0);
  CHECK(compare_decimals(*parse_decimal("-0"), *parse_decimal("0")) == 0);
  CHECK(compare_decimals(*parse_decimal("12.5"), *parse_decimal("12.45")) > 0);
}
