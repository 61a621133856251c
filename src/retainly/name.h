// A name that the calls of a mapping share: an attribute's (a mapping field's) or the
// source table a call came from (Provenance::table). A mapping's names are interned, held
// once for the life of the process and copied as a pointer. The others (a flattened json
// object's keys, names read back from a dead letter or written by a test) own their text.
// A name longer than std::string's inline 15 characters, copied into every call, was an
// allocation on the mapping's thread and a free on the sink's per call: about 850
// instructions a row for five such field names, and about 550 in the allocator for one
// 27-character table name (docs/benchmarks.md).
//
// An interned name also carries what is asked of it for every row it names: whether JSON
// needs escapes in it (the request body) and its XXH3 hash (the last-sent store's field
// stamps). Worked out per row they were about 500 instructions a row on the MySQL stream
// benchmark's five fields.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cdc::retainly {

class Name {
 public:
  Name() = default;
  Name(std::string text) : owned_(std::move(text)) {}  // NOLINT(google-explicit-constructor)
  Name(const char* text) : owned_(text) {}             // NOLINT(google-explicit-constructor)
  explicit Name(std::string_view text) : owned_(text) {}

  // The interned copy of `text`: one per distinct text, never freed. For names a mapping
  // declares, which are few; not for names that come from data.
  static Name interned(std::string_view text);

  const std::string& str() const { return interned_ != nullptr ? interned_->text : owned_; }
  std::string_view view() const { return str(); }
  operator std::string_view() const { return view(); }   // NOLINT(google-explicit-constructor)
  operator const std::string&() const { return str(); }  // NOLINT(google-explicit-constructor)
  bool empty() const { return str().empty(); }
  size_t size() const { return str().size(); }

  // Whether the name goes into JSON as it is, between quotes (no byte needs an escape).
  bool json_plain() const {
    return interned_ != nullptr ? interned_->json_plain : owned_json_plain();
  }
  // XXH3_64bits of the text. The last-sent store keeps hashes made from it on disk: this
  // is that function's value, not any hash.
  uint64_t xxh3() const { return interned_ != nullptr ? interned_->xxh3 : owned_xxh3(); }

  friend bool operator==(const Name& a, const Name& b) {
    return (a.interned_ != nullptr && a.interned_ == b.interned_) || a.view() == b.view();
  }
  friend bool operator<(const Name& a, const Name& b) { return a.view() < b.view(); }
  friend bool operator==(const Name& a, std::string_view b) { return a.view() == b; }
  friend bool operator==(const Name& a, const char* b) { return a.view() == b; }
  friend bool operator==(const Name& a, const std::string& b) { return a.view() == b; }

 private:
  struct Interned {
    std::string text;
    uint64_t xxh3;
    bool json_plain;
  };
  bool owned_json_plain() const;
  uint64_t owned_xxh3() const;

  const Interned* interned_ = nullptr;
  std::string owned_;
};

}  // namespace cdc::retainly
