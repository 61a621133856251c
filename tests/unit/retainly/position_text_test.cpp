#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "retainly/call.h"

using cdc::retainly::PositionText;

TEST_CASE("position text: a short prefix lives in the call, a long one is shared") {
  const std::string pg = "pg:0/16B3748";
  const PositionText short_one(pg, nullptr, 7);
  CHECK(short_one.str() == "pg:0/16B3748:7");

  const std::string mysql =
      "mysql:a-binlog-file-with-a-long-name.000123:123456789";  // over kInlineBytes
  REQUIRE(mysql.size() > PositionText::kInlineBytes);
  const auto shared = std::make_shared<const std::string>(mysql);
  const PositionText long_one(mysql, shared, 12);
  CHECK(long_one.str() == mysql + ":12");
  CHECK(shared.use_count() == 2);  // the call holds the transaction's text, not a copy
  CHECK(PositionText(mysql, nullptr, 12).str() == mysql + ":12");  // not shared: copied

  // Exactly kInlineBytes still fits.
  const std::string edge(PositionText::kInlineBytes, 'x');
  CHECK(PositionText(edge, nullptr, 0).str() == edge + ":0");

  const PositionText copy = short_one;  // NOLINT(performance-unnecessary-copy-initialization)
  CHECK(copy == short_one);
  CHECK(copy.str() == "pg:0/16B3748:7");
}

TEST_CASE("position text: whole texts of any length, and none") {
  CHECK(PositionText().str().empty());
  CHECK(PositionText("").str().empty());
  CHECK(PositionText("pg:0/1:2").str() == "pg:0/1:2");
  const std::string long_text(100, 'p');
  CHECK(PositionText(long_text).str() == long_text);
  CHECK(PositionText(long_text) == PositionText(long_text));
  CHECK_FALSE(PositionText("a") == PositionText("b"));
}
