#include "connectors/mysql/gtid_set.h"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <limits>

#include <fmt/format.h>

#include "core/ascii_digits.h"
#include "core/errors.h"

namespace cdc::mysql {
namespace {

// One past the largest gno (sql/rpl_gtid.h GNO_END), so every interval end fits.
constexpr int64_t kGnoEnd = std::numeric_limits<int64_t>::max();
constexpr size_t kMaxTagLength = 32;  // mysql::gtid::Tag::tag_max_length

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
char to_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Every piece between separators, empty ones included, so "a," yields {"a", ""}.
std::vector<std::string_view> split(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  for (;;) {
    const size_t at = s.find(separator);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return parts;
    s.remove_prefix(at + 1);
  }
}

// Plain decimal digits only: from_chars alone would take a sign for signed types.
template <typename T>
std::optional<T> parse_number(std::string_view s) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), is_digit)) return std::nullopt;
  T value{};
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (error != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::optional<int64_t> parse_gno(std::string_view s) {
  const std::optional<int64_t> gno = parse_number<int64_t>(s);
  if (!gno || *gno < 1 || *gno >= kGnoEnd) return std::nullopt;
  return gno;
}

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  c = to_lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The dashed form only: 8-4-4-4-12 hex digits, any case.
std::optional<std::array<uint8_t, 16>> parse_uuid(std::string_view s) {
  if (s.size() != 36) return std::nullopt;
  std::array<uint8_t, 16> bytes{};
  size_t pos = 0;
  for (uint8_t& b : bytes) {
    if (pos == 8 || pos == 13 || pos == 18 || pos == 23) {
      if (s[pos] != '-') return std::nullopt;
      ++pos;
    }
    const int high = hex_value(s[pos]);
    const int low = hex_value(s[pos + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    b = static_cast<uint8_t>(high << 4 | low);
    pos += 2;
  }
  return bytes;
}

// mysql::gtid::Tag: [a-z_][a-z0-9_]{0,31}, case-insensitive. Returns the lower-case
// tag, or nullopt when `s` is not one (the empty string included).
std::optional<std::string> normalize_tag(std::string_view s) {
  if (s.empty() || s.size() > kMaxTagLength || is_digit(s.front())) return std::nullopt;
  std::string tag;
  tag.reserve(s.size());
  for (char c : s) {
    c = to_lower(c);
    if (!(c == '_' || is_digit(c) || (c >= 'a' && c <= 'z'))) return std::nullopt;
    tag += c;
  }
  return tag;
}

// An empty tag means untagged; anything else must be a valid tag.
std::string tag_from_binlog(std::string_view tag) {
  if (tag.empty()) return {};
  std::optional<std::string> normalized = normalize_tag(tag);
  if (!normalized) throw ProtocolError(fmt::format("invalid GTID tag '{}'", tag));
  return std::move(*normalized);
}

void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

}  // namespace

std::optional<MysqlGtidSet> MysqlGtidSet::parse(std::string_view text) {
  MysqlGtidSet set;
  text = trim(text);
  if (text.empty()) return set;
  for (const std::string_view source : split(text, ',')) {
    const std::vector<std::string_view> segments = split(trim(source), ':');
    const std::optional<std::array<uint8_t, 16>> uuid = parse_uuid(segments[0]);
    if (!uuid) return std::nullopt;
    Key key{*uuid, ""};
    // A uuid or tag with no ranges after it is more likely a typo than intended.
    bool any_range = false;
    bool tag_pending = false;
    for (size_t i = 1; i < segments.size(); ++i) {
      const std::string_view segment = segments[i];
      if (!segment.empty() && is_digit(segment.front())) {
        const size_t dash = segment.find('-');
        const std::optional<int64_t> first = parse_gno(segment.substr(0, dash));
        const std::optional<int64_t> last =
            dash == std::string_view::npos ? first : parse_gno(segment.substr(dash + 1));
        if (!first || !last || *last < *first) return std::nullopt;
        set.add_interval(key, *first, *last + 1);
        any_range = true;
        tag_pending = false;
      } else {
        std::optional<std::string> tag = normalize_tag(segment);
        if (!tag || tag_pending) return std::nullopt;
        key.second = std::move(*tag);
        tag_pending = true;
      }
    }
    if (!any_range || tag_pending) return std::nullopt;
  }
  return set;
}

std::string MysqlGtidSet::to_string() const {
  // PreviousGtidsEvent prints entries in the order given, naming a uuid once for its
  // consecutive entries; the map's order makes that the canonical form.
  PreviousGtidsEvent as_event;
  as_event.sets.reserve(sets_.size());
  for (const auto& [key, intervals] : sets_) {
    GtidSetEntry& entry = as_event.sets.emplace_back();
    entry.source_id.bytes = key.first;
    entry.tag = key.second;
    for (const Interval& iv : intervals) entry.intervals.push_back({iv.start, iv.end});
  }
  return as_event.to_string();
}

void MysqlGtidSet::add(const Uuid& source, std::string_view tag, int64_t gno) {
  if (gno < 1 || gno >= kGnoEnd) {
    throw ProtocolError(fmt::format("GTID {}:{} has a gno out of range", source.to_string(), gno));
  }
  add_interval({source.bytes, tag_from_binlog(tag)}, gno, gno + 1);
}

void MysqlGtidSet::add(const PreviousGtidsEvent& event) {
  for (const GtidSetEntry& entry : event.sets) {
    const Key key{entry.source_id.bytes, tag_from_binlog(entry.tag)};
    for (const GtidSetEntry::Interval& iv : entry.intervals) {
      if (iv.start < 1 || iv.end <= iv.start || iv.end > kGnoEnd) {
        throw ProtocolError(fmt::format("previous gtids: invalid interval [{}, {}) for {}",
                                        iv.start, iv.end, entry.source_id.to_string()));
      }
      add_interval(key, iv.start, iv.end);
    }
  }
}

bool MysqlGtidSet::contains(const Uuid& source, std::string_view tag, int64_t gno) const {
  std::string lower(tag);
  std::transform(lower.begin(), lower.end(), lower.begin(), to_lower);
  const auto found = sets_.find(Key{source.bytes, std::move(lower)});
  if (found == sets_.end()) return false;
  const std::vector<Interval>& intervals = found->second;
  // The last interval starting at or before gno is the only one that can hold it.
  const auto after = std::upper_bound(intervals.begin(), intervals.end(), gno,
                                      [](int64_t g, const Interval& iv) { return g < iv.start; });
  return after != intervals.begin() && gno < std::prev(after)->end;
}

std::string MysqlGtidSet::encode() const {
  const bool tagged = std::any_of(sets_.begin(), sets_.end(),
                                  [](const auto& item) { return !item.first.second.empty(); });
  const uint64_t count = sets_.size();
  std::string out;
  put_u64(out, tagged ? (uint64_t{1} << 56) | (count << 8) | 1 : count);
  for (const auto& [key, intervals] : sets_) {
    out.append(key.first.begin(), key.first.end());
    if (tagged) {
      // A one-byte serialization varlen (value << 1) holds lengths up to 127.
      out += static_cast<char>(key.second.size() << 1);
      out += key.second;
    }
    put_u64(out, intervals.size());
    for (const Interval& iv : intervals) {
      put_u64(out, static_cast<uint64_t>(iv.start));
      put_u64(out, static_cast<uint64_t>(iv.end));
    }
  }
  return out;
}

void MysqlGtidSet::add_interval(const Key& key, int64_t start, int64_t end) {
  std::vector<Interval>& intervals = sets_[key];
  // Intervals ending before `start` stay; from the first that reaches it, absorb every
  // one that starts no later than `end` (touching counts: [1,3) + [3,5) = [1,5)).
  auto first = std::lower_bound(intervals.begin(), intervals.end(), start,
                                [](const Interval& iv, int64_t s) { return iv.end < s; });
  auto last = first;
  for (; last != intervals.end() && last->start <= end; ++last) {
    start = std::min(start, last->start);
    end = std::max(end, last->end);
  }
  intervals.insert(intervals.erase(first, last), Interval{start, end});
}

std::optional<MariadbGtidState> MariadbGtidState::parse(std::string_view text) {
  MariadbGtidState state;
  text = trim(text);
  if (text.empty()) return state;
  for (const std::string_view item : split(text, ',')) {
    const std::vector<std::string_view> parts = split(trim(item), '-');
    if (parts.size() != 3) return std::nullopt;
    const std::optional<uint32_t> domain = parse_number<uint32_t>(parts[0]);
    const std::optional<uint32_t> server = parse_number<uint32_t>(parts[1]);
    const std::optional<uint64_t> sequence = parse_number<uint64_t>(parts[2]);
    if (!domain || !server || !sequence) return std::nullopt;
    // MariaDB refuses a connect state naming a domain twice (ER_DUPLICATE_GTID_DOMAIN).
    if (!state.domains_.emplace(*domain, MariadbGtid{*domain, *server, *sequence}).second) {
      return std::nullopt;
    }
  }
  return state;
}

std::string MariadbGtidState::to_string() const {
  std::string out;
  for (const auto& [domain_id, gtid] : domains_) {
    if (!out.empty()) out += ',';
    out += gtid.to_string();
  }
  return out;
}

void MariadbGtidState::update(const MariadbGtid& gtid) { domains_[gtid.domain_id] = gtid; }

void MariadbGtidState::reset(const MariadbGtidListEvent& event) {
  domains_.clear();
  for (const MariadbGtid& gtid : event.gtids) update(gtid);
}

std::optional<MariadbGtid> MariadbGtidState::domain(uint32_t domain_id) const {
  const auto found = domains_.find(domain_id);
  if (found == domains_.end()) return std::nullopt;
  return found->second;
}

}  // namespace cdc::mysql
