#include "retainly/attribute_name.h"

#include <doctest/doctest.h>

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
