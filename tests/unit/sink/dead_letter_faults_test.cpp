// The dead-letter file on a disk that fails (issue 13, defect 9), through a FileIo that
// runs out of room after N bytes: a line never stays torn, so the file stays one JSON
// line per dead letter whatever failed before.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <system_error>

#include "sink/dead_letter_file.h"
#include "support/failing_file_io.h"
#include "temp_dir.h"

using namespace cdc::sink;
using namespace cdc::sink::testing;
using cdc::test::FailingFileIo;

namespace {

DeadLetter letter(const std::string& key) {
  DeadLetter letter;
  letter.time = std::chrono::sys_days{std::chrono::year{2024} / 5 / 1};
  letter.origin = {"public.users", key, "pg:0/10:1"};
  letter.kind = "customer_upsert";
  letter.payload = R"({"id":1,"bio":")" + std::string(200, 'x') + R"("})";
  letter.status = 422;
  letter.reason = "refused by Retainly (HTTP 422)";
  return letter;
}

// Every line parses as JSON and ends with a newline.
bool whole_lines(const std::string& text) {
  if (!text.empty() && text.back() != '\n') return false;
  for (size_t begin = 0; begin < text.size();) {
    const size_t end = text.find('\n', begin);
    if (!nlohmann::json::accept(text.substr(begin, end - begin))) return false;
    begin = end + 1;
  }
  return true;
}

}  // namespace

TEST_CASE("dead letters: a disk that fills up mid-line leaves no torn line behind") {
  TempDir dir;
  const auto path = dir.path() / "dead-letters.jsonl";
  const std::string first = format_dead_letter(letter("id=1"));
  FailingFileIo io(first.size() + 100);  // room for the first line and a part of the second
  DeadLetterFile file(path, {}, io);
  file.append(letter("id=1"));
  CHECK_THROWS_AS(file.append(letter("id=2")), std::system_error);
  CHECK(io.written() == first.size() + 100);  // the second line was written in part...
  CHECK(read_text(path) == first);            // ...and taken back
  CHECK(file.appended() == 1);

  io.make_room(100000);
  file.append(letter("id=3"));
  const std::string text = read_text(path);
  CHECK(text == first + format_dead_letter(letter("id=3")));
  CHECK(whole_lines(text));
}

TEST_CASE("dead letters: a line whose sync fails is taken back, so it is not counted twice") {
  TempDir dir;
  const auto path = dir.path() / "dead-letters.jsonl";
  FailingFileIo io;
  DeadLetterFile file(path, {}, io);
  file.append(letter("id=1"));
  io.fail_syncs(true);
  CHECK_THROWS_AS(file.append(letter("id=2")), std::system_error);
  CHECK(read_text(path) == format_dead_letter(letter("id=1")));
  io.fail_syncs(false);
  file.append(letter("id=3"));
  CHECK(read_text(path) == format_dead_letter(letter("id=1")) + format_dead_letter(letter("id=3")));
}
