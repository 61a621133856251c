#include "retainly/name.h"

#include <doctest/doctest.h>
#include <xxhash.h>

#include <string>

using cdc::retainly::Name;

TEST_CASE("attribute name: one interned copy per text, shared by every copy of the name") {
  const Name a = Name::interned("lifetime_visit_count");
  const Name b = Name::interned(std::string("lifetime_") + "visit_count");
  const Name copy = a;  // NOLINT(performance-unnecessary-copy-initialization)
  CHECK(&a.str() == &b.str());
  CHECK(&copy.str() == &a.str());
  CHECK(a.view() == "lifetime_visit_count");
  CHECK(&Name::interned("other_name").str() != &a.str());
}

TEST_CASE("attribute name: owned and interned names compare and order by their text") {
  const Name owned("plan");
  const Name interned = Name::interned("plan");
  CHECK(owned == interned);
  CHECK(owned == "plan");
  CHECK(owned == std::string("plan"));
  CHECK_FALSE(owned == Name::interned("plans"));
  CHECK(Name("a") < Name::interned("b"));
  CHECK_FALSE(Name::interned("b") < Name("a"));
  CHECK(Name().empty());
  CHECK(interned.size() == 4);
}

TEST_CASE("attribute name: owned and interned names agree on their JSON escapes and hash") {
  for (const char* text : {"plan", "lifetime_visit_count", "say \"hi\"", "tab\there", "back\\"}) {
    CAPTURE(text);
    const Name owned(text);
    const Name interned = Name::interned(text);
    const std::string_view view(text);
    const bool plain = view.find_first_of("\"\\\t") == std::string_view::npos;
    CHECK(owned.json_plain() == plain);
    CHECK(interned.json_plain() == plain);
    // The last-sent store keeps hashes made from it: it must be XXH3_64bits, nothing else.
    CHECK(owned.xxh3() == XXH3_64bits(view.data(), view.size()));
    CHECK(interned.xxh3() == owned.xxh3());
  }
}
