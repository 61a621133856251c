#include "mapping/time_zone.h"

#include <algorithm>
#include <fstream>
#include <iterator>

#include "mapping/civil_time.h"

namespace cdc::mapping {
namespace {

class ByteCursor {
 public:
  explicit ByteCursor(std::string_view bytes) : bytes_(bytes) {}
  bool has(size_t n) const { return bytes_.size() - pos_ >= n; }
  void skip(size_t n) { pos_ += n; }
  size_t position() const { return pos_; }
  uint8_t u8() { return static_cast<uint8_t>(bytes_[pos_++]); }
  int64_t be(size_t width) {
    uint64_t v = 0;
    for (size_t i = 0; i < width; ++i) v = (v << 8) | u8();
    if (width == 4) return static_cast<int32_t>(static_cast<uint32_t>(v));
    return static_cast<int64_t>(v);
  }
  std::string_view rest() const { return bytes_.substr(pos_); }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

struct Counts {
  uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

// RFC 8536, section 3.1: "TZif", version, 15 unused bytes, six 32-bit counts.
bool read_header(ByteCursor& c, char& version, Counts& n) {
  if (!c.has(44)) return false;
  if (c.u8() != 'T' || c.u8() != 'Z' || c.u8() != 'i' || c.u8() != 'f') return false;
  version = static_cast<char>(c.u8());
  c.skip(15);
  n.isutcnt = static_cast<uint32_t>(c.be(4));
  n.isstdcnt = static_cast<uint32_t>(c.be(4));
  n.leapcnt = static_cast<uint32_t>(c.be(4));
  n.timecnt = static_cast<uint32_t>(c.be(4));
  n.typecnt = static_cast<uint32_t>(c.be(4));
  n.charcnt = static_cast<uint32_t>(c.be(4));
  return n.typecnt > 0;
}

size_t block_size(const Counts& n, size_t time_width) {
  return n.timecnt * time_width + n.timecnt + n.typecnt * 6 + n.charcnt +
         n.leapcnt * (time_width + 4) + n.isstdcnt + n.isutcnt;
}

std::optional<int32_t> fixed_offset(std::string_view name) {
  if (name == "UTC" || name == "Z" || name == "Etc/UTC" || name == "GMT") return 0;
  auto parsed = parse_date_time(std::string("1970-01-01T00:00") + std::string(name));
  if (!parsed || !parsed->offset_seconds) return std::nullopt;
  return parsed->offset_seconds;
}

bool safe_zone_name(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.find("..") != std::string_view::npos) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' ||
           c == '_' || c == '-' || c == '+';
  });
}

}  // namespace

std::shared_ptr<const TimeZone> TimeZone::load(std::string_view name, std::string& error,
                                               const std::filesystem::path& zoneinfo_dir) {
  if (auto offset = fixed_offset(name)) {
    auto zone = std::shared_ptr<TimeZone>(new TimeZone());
    zone->name_ = std::string(name);
    zone->fixed_offset_ = *offset;
    zone->initial_offset_ = *offset;
    return zone;
  }
  if (!safe_zone_name(name)) {
    error = "\"" + std::string(name) +
            "\" is not a time zone (expected UTC, an offset like +02:00 or an IANA name "
            "like Europe/Berlin)";
    return nullptr;
  }
  std::ifstream in(zoneinfo_dir / std::string(name), std::ios::binary);
  if (!in) {
    error = "unknown time zone \"" + std::string(name) + "\" (no file " +
            (zoneinfo_dir / std::string(name)).string() + ")";
    return nullptr;
  }
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return from_tzif(std::string(name), bytes, error);
}

std::shared_ptr<const TimeZone> TimeZone::from_tzif(std::string name, std::string_view bytes,
                                                    std::string& error) {
  error = "time zone file for \"" + name + "\" is not a valid TZif file";
  ByteCursor c(bytes);
  char version = 0;
  Counts n{};
  if (!read_header(c, version, n)) return nullptr;
  size_t time_width = 4;
  if (version >= '2') {
    // Skip the 32-bit block; the 64-bit one after the second header covers all instants.
    if (!c.has(block_size(n, 4))) return nullptr;
    c.skip(block_size(n, 4));
    if (!read_header(c, version, n)) return nullptr;
    time_width = 8;
  }
  if (!c.has(block_size(n, time_width))) return nullptr;
  if (n.leapcnt != 0) {
    error = "time zone \"" + name + "\" counts leap seconds (a right/ zone); use the plain one";
    return nullptr;
  }
  auto zone = std::shared_ptr<TimeZone>(new TimeZone());
  zone->name_ = std::move(name);
  zone->transitions_.resize(n.timecnt);
  for (auto& t : zone->transitions_) t = c.be(time_width);
  std::vector<uint8_t> type_of(n.timecnt);
  for (auto& i : type_of) {
    i = c.u8();
    if (i >= n.typecnt) return nullptr;
  }
  std::vector<int32_t> type_offsets(n.typecnt);
  for (auto& offset : type_offsets) {
    offset = static_cast<int32_t>(c.be(4));
    c.skip(2);  // isdst, abbreviation index
  }
  c.skip(n.charcnt + n.isstdcnt + n.isutcnt);
  if (!std::is_sorted(zone->transitions_.begin(), zone->transitions_.end())) return nullptr;
  for (uint8_t i : type_of) zone->offsets_.push_back(type_offsets[i]);
  // RFC 8536, section 3.2: local time type 0 applies before the first transition.
  zone->initial_offset_ = type_offsets[0];
  zone->fixed_offset_ = type_offsets[0];
  if (version >= '2') {
    std::string_view footer = c.rest();
    if (footer.size() < 2 || footer.front() != '\n') return nullptr;
    footer.remove_prefix(1);
    const size_t end = footer.find('\n');
    if (end == std::string_view::npos) return nullptr;
    footer = footer.substr(0, end);
    if (!footer.empty()) {
      zone->rule_ = PosixTzRule::parse(footer);
      if (!zone->rule_) return nullptr;
    }
  }
  error.clear();
  return zone;
}

int32_t TimeZone::offset_at(int64_t utc_seconds) const {
  if (transitions_.empty()) return rule_ ? rule_->offset_at(utc_seconds) : fixed_offset_;
  if (utc_seconds < transitions_.front()) return initial_offset_;
  if (rule_ && utc_seconds >= transitions_.back()) return rule_->offset_at(utc_seconds);
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), utc_seconds);
  return offsets_[static_cast<size_t>(it - transitions_.begin()) - 1];
}

int64_t TimeZone::local_to_utc_micros(int64_t local_micros) const {
  const int64_t local = floor_div(local_micros, kMicrosPerSecond);
  // Real zones change offset at most once within two days, so the offsets a day
  // before and after bracket any transition near this wall-clock time.
  const int32_t before = offset_at(local - 86400);
  const int32_t after = offset_at(local + 86400);
  int32_t chosen = before;
  if (before != after) {
    const bool after_fits = offset_at(local - after) == after;
    const bool before_fits = offset_at(local - before) == before;
    // Both fit: the time repeats, take the later offset. Neither fits: a gap, keep
    // the offset before it.
    chosen = after_fits ? after : before;
    if (!after_fits && !before_fits) chosen = before;
  } else {
    chosen = offset_at(local - before);
  }
  return local_micros - int64_t{chosen} * kMicrosPerSecond;
}

}  // namespace cdc::mapping
