#include "retainly/name.h"

#include <xxhash.h>

#include <memory>
#include <mutex>
#include <unordered_map>

#include "core/json_string.h"

namespace cdc::retainly {
namespace {

uint64_t xxh3_of(std::string_view text) { return XXH3_64bits(text.data(), text.size()); }

}  // namespace

Name Name::interned(std::string_view text) {
  // Each name on the heap, so its address stays put as the map grows; the keys view the
  // names' own text. Reached when mappings load, not per row.
  static std::mutex mutex;
  static auto* names = new std::unordered_map<std::string_view, std::unique_ptr<Interned>>();
  Name name;
  std::lock_guard lock(mutex);
  auto found = names->find(text);
  if (found == names->end()) {
    auto entry = std::make_unique<Interned>(
        Interned{std::string(text), xxh3_of(text), !needs_json_escape(text)});
    const std::string_view key = entry->text;
    found = names->emplace(key, std::move(entry)).first;
  }
  name.interned_ = found->second.get();
  return name;
}

bool Name::owned_json_plain() const { return !needs_json_escape(owned_); }

uint64_t Name::owned_xxh3() const { return xxh3_of(owned_); }

}  // namespace cdc::retainly
