#include "retainly/attribute_name.h"

#include <doctest/doctest.h>
#include <xxhash.h>

#include <string>

using cdc::retainly::AttributeName;

TEST_CASE("attribute name: one interned copy per text, shared by every copy of the name") {
  const AttributeName a = AttributeName::interned("lifetime_visit_count");
  const AttributeName b = AttributeName::interned(std::string("lifetime_") + "visit_count");
  const AttributeName copy = a;  // NOLINT(performance-unnecessary-copy-initialization)
  CHECK(&a.str() == &b.str());
  CHECK(&copy.str() == &a.str());
  CHECK(a.view() == "lifetime_visit_count");
  CHECK(&AttributeName::interned("other_name").str() != &a.str());
}

TEST_CASE("attribute name: owned and interned names compare and order by their text") {
  const AttributeName owned("plan");
  const AttributeName interned = AttributeName::interned("plan");
  CHECK(owned == interned);
  CHECK(owned == "plan");
  CHECK(owned == std::string("plan"));
  CHECK_FALSE(owned == AttributeName::interned("plans"));
  CHECK(AttributeName("a") < AttributeName::interned("b"));
  CHECK_FALSE(AttributeName::interned("b") < AttributeName("a"));
  CHECK(AttributeName().empty());
  CHECK(interned.size() == 4);
}

TEST_CASE("attribute name: owned and interned names agree on their JSON escapes and hash") {
  for (const char* text : {"plan", "lifetime_visit_count", "say \"hi\"", "tab\there", "back\\"}) {
    CAPTURE(text);
    const AttributeName owned(text);
    const AttributeName interned = AttributeName::interned(text);
    const std::string_view view(text);
    const bool plain = view.find_first_of("\"\\\t") == std::string_view::npos;
    CHECK(owned.json_plain() == plain);
    CHECK(interned.json_plain() == plain);
    // The last-sent store keeps hashes made from it: it must be XXH3_64bits, nothing else.
    CHECK(owned.xxh3() == XXH3_64bits(view.data(), view.size()));
    CHECK(interned.xxh3() == owned.xxh3());
  }
}
