#include "retainly/call.h"

#include <charconv>
#include <cstring>

#include "retainly/lane.h"

namespace cdc::retainly {

const char* to_string(CallKind kind) {
  switch (kind) {
    case CallKind::kCustomerUpsert:
      return "customer_upsert";
    case CallKind::kCustomerDelete:
      return "customer_delete";
    case CallKind::kArrayUpsert:
      return "array_upsert";
    case CallKind::kArrayDelete:
      return "array_delete";
    case CallKind::kEvent:
      return "event";
  }
  return "unknown";
}

PositionText::PositionText(std::string whole) { set_text(whole, nullptr); }

PositionText::PositionText(const char* whole) : PositionText(std::string(whole)) {}

PositionText::PositionText(std::string_view prefix,
                           const std::shared_ptr<const std::string>& shared, uint32_t index)
    : indexed_(true), index_(index) {
  set_text(prefix, shared);
}

void PositionText::set_text(std::string_view text,
                            const std::shared_ptr<const std::string>& shared) {
  if (text.size() <= kInlineBytes) {
    std::memcpy(inline_.data(), text.data(), text.size());
    inline_size_ = static_cast<uint8_t>(text.size());
  } else {
    shared_ = shared != nullptr ? shared : std::make_shared<const std::string>(text);
  }
}

std::string PositionText::str() const {
  const std::string_view prefix = text();
  if (!indexed_ || prefix.empty()) return std::string(prefix);
  char digits[1 + 10];
  digits[0] = ':';
  char* end = std::to_chars(digits + 1, digits + sizeof digits, index_).ptr;
  std::string out;
  out.reserve(prefix.size() + static_cast<size_t>(end - digits));
  out.append(prefix).append(digits, end);
  return out;
}

std::string_view lane_view(std::string_view id) {
  if (id.size() >= 2 && id.front() == '"' && id.back() == '"') {
    // Escapes are kept as written: two ids that differ only in escaping are rare enough
    // that sharing a lane is not needed for correctness.
    return id.substr(1, id.size() - 2);
  }
  return id;
}

std::string lane_key(std::string_view id) { return std::string(lane_view(id)); }

}  // namespace cdc::retainly
