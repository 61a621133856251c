#include "retainly/response_class.h"

#include <array>
#include <charconv>
#include <nlohmann/json.hpp>

namespace cdc::retainly {
namespace {

using std::chrono::system_clock;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

template <typename Int>
bool parse_int(std::string_view text, Int& value) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

// "08:49:37" into seconds since midnight.
std::optional<int> parse_time_of_day(std::string_view text) {
  if (text.size() != 8 || text[2] != ':' || text[5] != ':') return std::nullopt;
  int hours = 0, minutes = 0, seconds = 0;
  if (!parse_int(text.substr(0, 2), hours) || !parse_int(text.substr(3, 2), minutes) ||
      !parse_int(text.substr(6, 2), seconds) || hours > 23 || minutes > 59 || seconds > 60) {
    return std::nullopt;
  }
  return hours * 3600 + minutes * 60 + seconds;
}

std::optional<unsigned> parse_month(std::string_view text) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (unsigned i = 0; i < kMonths.size(); ++i) {
    if (text == kMonths[i]) return i + 1;
  }
  return std::nullopt;
}

// The three HTTP-date forms share their parts and differ in order and separators:
//   IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT",
//   asctime "Sun Nov  6 08:49:37 1994". Split on the separators, then recognise each part
//   by its shape; the day always comes before the year.
std::optional<system_clock::time_point> parse_http_date(std::string_view text) {
  std::optional<unsigned> month;
  std::optional<int> time_of_day;
  std::optional<unsigned> day;
  std::optional<int> year;
  size_t parts = 0;
  while (!text.empty()) {
    size_t end = text.find_first_of(" ,-");
    std::string_view part = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (part.empty()) continue;
    ++parts;
    if (part.find(':') != std::string_view::npos) {
      time_of_day = parse_time_of_day(part);
      if (!time_of_day) return std::nullopt;
    } else if (all_digits(part)) {
      if (!day) {
        unsigned value = 0;
        if (part.size() > 2 || !parse_int(part, value)) return std::nullopt;
        day = value;
      } else {
        int value = 0;
        if ((part.size() != 2 && part.size() != 4) || !parse_int(part, value)) {
          return std::nullopt;
        }
        // RFC 850's two-digit year: RFC 9110 reads a year more than 50 years ahead as
        // the past century; for any date a server sends today that is this split.
        if (part.size() == 2) value += value < 70 ? 2000 : 1900;
        year = value;
      }
    } else if (auto parsed = parse_month(part)) {
      month = parsed;
    } else if (part != "GMT" && !(part.size() >= 3 && part.front() >= 'A' && part.front() <= 'Z')) {
      return std::nullopt;  // neither a weekday nor the zone
    }
  }
  if (!month || !time_of_day || !day || !year || parts > 7) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{*year}, std::chrono::month{*month},
                                         std::chrono::day{*day}};
  if (!date.ok()) return std::nullopt;
  return std::chrono::sys_days{date} + std::chrono::seconds{*time_of_day};
}

// One `detail` entry of a 422 answer: its `loc` is ["body", <list>, <record>, ...] and,
// for array records, [..., "data" | "ids", <item>, ...] (FastAPI's validation errors).
std::optional<InvalidRecord> invalid_record_from(const nlohmann::json& entry) {
  if (!entry.is_object()) return std::nullopt;
  auto loc = entry.find("loc");
  if (loc == entry.end() || !loc->is_array() || loc->size() < 3) return std::nullopt;
  const nlohmann::json& path = *loc;
  if (path[0] != "body" || !path[1].is_string() || !path[2].is_number_unsigned()) {
    return std::nullopt;
  }
  InvalidRecord record;
  record.record = path[2].get<size_t>();
  if (path.size() >= 5 && (path[3] == "data" || path[3] == "ids") && path[4].is_number_unsigned()) {
    record.item = path[4].get<size_t>();
  }
  record.detail = entry.dump();
  return record;
}

std::vector<InvalidRecord> invalid_records(std::string_view body) {
  std::vector<InvalidRecord> records;
  auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return records;
  auto detail = json.find("detail");
  if (detail == json.end() || !detail->is_array()) return records;
  for (const auto& entry : *detail) {
    if (auto record = invalid_record_from(entry)) records.push_back(std::move(*record));
  }
  return records;
}

std::string lowercase(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

template <size_t N>
bool mentions_any(std::string_view text, const std::array<std::string_view, N>& words) {
  const std::string lower = lowercase(text);
  for (std::string_view word : words) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

// A field of the event request body: its errors are about the event, whatever they say.
bool names_event_field(std::string_view name) {
  return name == "customer_id" || name == "event" || name == "data" || name.starts_with("data.") ||
         name.starts_with("data[");
}

constexpr std::array<std::string_view, 3> kAuthWords = {"authenticat", "credential", "unauthori"};
// Header names as error names: the API's own (`key`, `secret`) and the examples' variants.
constexpr std::array<std::string_view, 6> kAuthNames = {"auth",   "credential", "key",
                                                        "secret", "token",      "unauthori"};

bool entry_about_authentication(const std::string& name, const nlohmann::json& messages) {
  if (names_event_field(name)) return false;
  if (mentions_any(name, kAuthNames)) return true;
  if (messages.is_string()) return mentions_any(messages.get_ref<const std::string&>(), kAuthWords);
  if (!messages.is_array()) return false;
  for (const auto& message : messages) {
    if (message.is_string() && mentions_any(message.get_ref<const std::string&>(), kAuthWords)) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool is_about_authentication(std::string_view events_422_body) {
  const auto json = nlohmann::json::parse(events_422_body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return false;
  if (auto errors = json.find("errors"); errors != json.end() && errors->is_object()) {
    for (const auto& [name, messages] : errors->items()) {
      if (entry_about_authentication(name, messages)) return true;
    }
  }
  for (const char* member : {"message", "detail", "error"}) {
    auto text = json.find(member);
    if (text != json.end() && text->is_string() &&
        mentions_any(text->get_ref<const std::string&>(), kAuthWords)) {
      return true;
    }
  }
  return false;
}

const char* to_string(ResponseClass response_class) {
  switch (response_class) {
    case ResponseClass::kOk:
      return "ok";
    case ResponseClass::kRetryAfter:
      return "retry_after";
    case ResponseClass::kRetry:
      return "retry";
    case ResponseClass::kInvalid:
      return "invalid";
    case ResponseClass::kTooLarge:
      return "too_large";
    case ResponseClass::kAuth:
      return "auth";
    case ResponseClass::kUnexpected:
      return "unexpected";
  }
  return "unknown";
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           system_clock::time_point now) {
  value = trim(value);
  if (all_digits(value)) {
    uint32_t seconds = 0;
    // An absurdly long delta does not parse into 32 bits; it is treated as unreadable.
    if (!parse_int(value, seconds)) return std::nullopt;
    return std::chrono::seconds{seconds};
  }
  auto date = parse_http_date(value);
  if (!date) return std::nullopt;
  if (*date <= now) return std::chrono::milliseconds{0};
  return std::chrono::duration_cast<std::chrono::milliseconds>(*date - now);
}

Verdict classify(const HttpResponse& response, system_clock::time_point now, CallKind kind) {
  Verdict verdict;
  if (response.error != TransportError::kNone) {
    verdict.kind = ResponseClass::kRetry;
    return verdict;
  }
  const int status = response.status;
  if (status >= 200 && status < 300) {
    verdict.kind = ResponseClass::kOk;
  } else if (status == 429) {
    verdict.kind = ResponseClass::kRetryAfter;
    verdict.retry_after = parse_retry_after(response.retry_after, now).value_or(kDefaultRetryAfter);
  } else if (status >= 500 || status == 408) {
    verdict.kind = ResponseClass::kRetry;
  } else if (status == 422 && kind == CallKind::kEvent && is_about_authentication(response.body)) {
    verdict.kind = ResponseClass::kAuth;
  } else if (status == 422 || status == 400) {
    verdict.kind = ResponseClass::kInvalid;
    if (status == 422) verdict.invalid = invalid_records(response.body);
  } else if (status == 413) {
    verdict.kind = ResponseClass::kTooLarge;
  } else if (status == 401 || status == 403) {
    verdict.kind = ResponseClass::kAuth;
  } else {
    verdict.kind = ResponseClass::kUnexpected;
  }
  return verdict;
}

}  // namespace cdc::retainly
