#include "mapping/utf8_text.h"

#include <doctest/doctest.h>

#include <string>

namespace cdc::mapping {
namespace {

TEST_CASE("utf8: ill-formed bytes are found wherever they sit in long ASCII text") {
  const std::string ascii(37, 'a');
  CHECK(is_valid_utf8(ascii));
  CHECK(is_valid_utf8(""));
  // Every offset, so the byte falls inside, at the start and at the end of a word that
  // is tested eight bytes at a time, and in the bytes after the last whole word.
  for (size_t at = 0; at <= ascii.size(); ++at) {
    std::string bad = ascii;
    bad.insert(at, "\xC3");  // a lead byte without its continuation
    CHECK_MESSAGE(!is_valid_utf8(bad), "at ", at);
    std::string good = ascii;
    good.insert(at, "\xC3\xA9");  // é
    CHECK_MESSAGE(is_valid_utf8(good), "at ", at);
    std::string surrogate = ascii;
    surrogate.insert(at, "\xED\xA0\x80");  // U+D800 encoded: not UTF-8
    CHECK_MESSAGE(!is_valid_utf8(surrogate), "at ", at);
  }
}

TEST_CASE("utf8: a sequence cut off by the end of the text is ill-formed") {
  CHECK_FALSE(is_valid_utf8("abcdefgh\xE2\x82"));
  CHECK(is_valid_utf8("abcdefgh\xE2\x82\xAC"));  // €
}

}  // namespace
}  // namespace cdc::mapping
