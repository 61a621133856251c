#include "connectors/mysql/json_diff.h"

#include <algorithm>
#include <charconv>
#include <variant>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "connectors/mysql/json_binary.h"
#include "core/errors.h"

namespace cdc::mysql {
namespace {

using Json = nlohmann::ordered_json;
using Leg = std::variant<std::string, size_t>;  // member name or array index

[[noreturn]] void bad_path(std::string_view path, const char* why) {
  throw ProtocolError(fmt::format("JSON diff path '{}': {}", path, why));
}

std::vector<Leg> parse_path(std::string_view path) {
  if (path.empty() || path[0] != '$') bad_path(path, "does not start with $");
  std::vector<Leg> legs;
  size_t i = 1;
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      std::string name;
      if (i < path.size() && path[i] == '"') {
        ++i;
        while (i < path.size() && path[i] != '"') {
          if (path[i] == '\\' && i + 1 < path.size()) ++i;
          name += path[i++];
        }
        if (i == path.size()) bad_path(path, "unterminated quoted member");
        ++i;
      } else {
        while (i < path.size() && path[i] != '.' && path[i] != '[') name += path[i++];
      }
      if (name.empty()) bad_path(path, "empty member name");
      legs.emplace_back(std::move(name));
    } else if (path[i] == '[') {
      const size_t close = path.find(']', i);
      if (close == std::string_view::npos) bad_path(path, "unterminated array index");
      size_t index = 0;
      const auto [end, ec] = std::from_chars(path.data() + i + 1, path.data() + close, index);
      if (ec != std::errc() || end != path.data() + close) bad_path(path, "bad array index");
      legs.emplace_back(index);
      i = close + 1;
    } else {
      bad_path(path, "unexpected character");
    }
  }
  return legs;
}

// The value the legs lead to; nullptr when it does not exist.
Json* resolve(Json& doc, const std::vector<Leg>& legs, size_t count) {
  Json* node = &doc;
  for (size_t k = 0; k < count; ++k) {
    if (const auto* name = std::get_if<std::string>(&legs[k])) {
      if (!node->is_object()) return nullptr;
      auto it = node->find(*name);
      if (it == node->end()) return nullptr;
      node = &*it;
    } else {
      const size_t index = std::get<size_t>(legs[k]);
      if (!node->is_array() || index >= node->size()) return nullptr;
      node = &(*node)[index];
    }
  }
  return node;
}

void apply_one(Json& doc, const JsonDiff& diff) {
  const std::vector<Leg> legs = parse_path(diff.path);
  Json value;
  if (diff.operation != JsonDiffOperation::kRemove) value = Json::parse(diff.value);
  if (legs.empty()) {
    if (diff.operation != JsonDiffOperation::kReplace) bad_path(diff.path, "cannot change $");
    doc = std::move(value);
    return;
  }
  Json* parent = resolve(doc, legs, legs.size() - 1);
  if (parent == nullptr) bad_path(diff.path, "parent does not exist in the document");
  const Leg& last = legs.back();
  const auto* name = std::get_if<std::string>(&last);
  switch (diff.operation) {
    case JsonDiffOperation::kReplace:
    case JsonDiffOperation::kInsert:
      if (name != nullptr) {
        if (!parent->is_object()) bad_path(diff.path, "parent is not an object");
        (*parent)[*name] = std::move(value);
      } else {
        if (!parent->is_array()) bad_path(diff.path, "parent is not an array");
        const size_t index = std::get<size_t>(last);
        if (diff.operation == JsonDiffOperation::kReplace && index < parent->size()) {
          (*parent)[index] = std::move(value);
        } else {
          const size_t at = std::min(index, parent->size());
          parent->insert(parent->begin() + static_cast<std::ptrdiff_t>(at), std::move(value));
        }
      }
      return;
    case JsonDiffOperation::kRemove:
      if (name != nullptr) {
        if (!parent->is_object() || parent->erase(*name) == 0) {
          bad_path(diff.path, "member to remove does not exist");
        }
      } else {
        const size_t index = std::get<size_t>(last);
        if (!parent->is_array() || index >= parent->size()) {
          bad_path(diff.path, "element to remove does not exist");
        }
        parent->erase(index);
      }
      return;
  }
}

// MySQL's binary JSON stores object members sorted by key length, then bytes.
void sort_keys_mysql_style(Json& node) {
  if (node.is_array()) {
    for (Json& e : node) sort_keys_mysql_style(e);
    return;
  }
  if (!node.is_object()) return;
  std::vector<std::pair<std::string, Json>> members;
  for (auto& [k, v] : node.items()) members.emplace_back(k, std::move(v));
  std::sort(members.begin(), members.end(), [](const auto& a, const auto& b) {
    return a.first.size() != b.first.size() ? a.first.size() < b.first.size() : a.first < b.first;
  });
  Json sorted = Json::object();
  for (auto& [k, v] : members) {
    sort_keys_mysql_style(v);
    sorted[k] = std::move(v);
  }
  node = std::move(sorted);
}

}  // namespace

std::vector<JsonDiff> decode_json_diffs(Bytes data, size_t base_offset) {
  ByteReader r(data, base_offset, "JSON diff");
  std::vector<JsonDiff> diffs;
  while (!r.at_end()) {
    JsonDiff d;
    const uint8_t op = r.u8("operation");
    if (op > 2) r.fail(fmt::format("unknown JSON diff operation {}", op));
    d.operation = static_cast<JsonDiffOperation>(op);
    d.path = std::string(r.str(r.packed("path length"), "path"));
    if (d.operation != JsonDiffOperation::kRemove) {
      const uint64_t length = r.packed("value length");
      append_json_text(r.bytes(length, "value"), d.value);
    }
    diffs.push_back(std::move(d));
  }
  return diffs;
}

std::string apply_json_diff(std::string_view before, const std::vector<JsonDiff>& diffs) {
  Json doc;
  try {
    doc = Json::parse(before);
    for (const JsonDiff& d : diffs) apply_one(doc, d);
  } catch (const Json::exception& e) {
    throw ProtocolError(fmt::format("JSON diff: {}", e.what()));
  }
  sort_keys_mysql_style(doc);
  return doc.dump();
}

}  // namespace cdc::mysql
