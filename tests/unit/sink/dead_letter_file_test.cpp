#include "sink/dead_letter_file.h"

#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "temp_dir.h"

using namespace cdc::sink;
using namespace cdc::sink::testing;
using nlohmann::json;

namespace {

DeadLetter sample() {
  DeadLetter letter;
  letter.time = std::chrono::sys_days{std::chrono::year{2024} / 5 / 1} + std::chrono::hours{12} +
                std::chrono::milliseconds{345};
  letter.origin = {"public.users", "id=42", "pg:16/B374D848:3"};
  letter.kind = "customer_upsert";
  letter.payload = R"({"id":42,"bio":"x"})";
  letter.status = 422;
  letter.response = R"({"detail":[]})";
  letter.reason = "refused by Retainly (HTTP 422)";
  return letter;
}

}  // namespace

TEST_CASE("dead letters: one JSON line per record with every field") {
  const std::string line = format_dead_letter(sample());
  CHECK(
      line ==
      R"({"time":"2024-05-01T12:00:00.345Z","table":"public.users","key":"id=42",)"
      R"("position":"pg:16/B374D848:3","kind":"customer_upsert","payload":{"id":42,"bio":"x"},"status":422,)"
      R"x("response":"{\"detail\":[]}","reason":"refused by Retainly (HTTP 422)"})x"
      "\n");
}

TEST_CASE("dead letters: a payload that is not JSON is quoted, so the line stays JSON") {
  DeadLetter letter = sample();
  letter.payload = "row: id=42, bio=<binary>";
  auto parsed = json::parse(format_dead_letter(letter));
  CHECK(parsed["payload"] == "row: id=42, bio=<binary>");
}

TEST_CASE("dead letters: the response is truncated at a character boundary") {
  DeadLetter letter = sample();
  letter.response = std::string(kMaxDeadLetterResponse - 1, 'a') + "é" + std::string(50, 'b');
  auto parsed = json::parse(format_dead_letter(letter));
  CHECK(parsed["response"].get<std::string>() == std::string(kMaxDeadLetterResponse - 1, 'a'));
}

TEST_CASE("dead letters: secrets never appear in a line") {
  DeadLetter letter = sample();
  letter.response = "echo: key=sekrit-key-1 secret=sekrit-secret-2";
  const std::string line = format_dead_letter(letter, {"sekrit-key-1", "sekrit-secret-2"});
  CHECK(line.find("sekrit") == std::string::npos);
  CHECK(line.find("key=*** secret=***") != std::string::npos);
}

TEST_CASE("dead letters: append adds lines durably; rejections have their own kind") {
  TempDir dir;
  const auto path = dir.path() / "state" / "dead-letters.jsonl";
  DeadLetterFile file(path);
  file.append(sample());
  file.append_rejection({"public.orders", "id=7", "pg:0/10:1"}, R"({"total":"abc"})",
                        "total: not a number");
  CHECK(file.appended() == 2);
  const std::string text = read_text(path);
  const auto newline = text.find('\n');
  auto second = json::parse(text.substr(newline + 1));
  CHECK(second["kind"] == std::string(kRejectionKind));
  CHECK(second["payload"]["total"] == "abc");
  CHECK(second["status"] == 0);
  CHECK(second["reason"] == "total: not a number");
}

TEST_CASE("dead letters: without a path, append throws") {
  DeadLetterFile file("");
  CHECK_THROWS_AS(file.append(sample()), std::system_error);
}

TEST_CASE("dead letters: appends after a rewrite land in the new file") {
  TempDir dir;
  const auto path = dir.path() / "dead-letters.jsonl";
  DeadLetterFile file(path);
  DeadLetter first = sample();
  first.origin.key = "id=1";
  file.append(first);
  rewrite_dead_letter_file(path, [](std::string_view current) {
    CHECK(current.find("id=1") != std::string_view::npos);
    return std::string();
  });
  DeadLetter second = sample();
  second.origin.key = "id=2";
  file.append(second);
  const std::string text = read_text(path);
  CHECK(text.find("id=1") == std::string::npos);
  CHECK(text.find("id=2") != std::string::npos);
}

TEST_CASE("dead letters: a failing edit leaves the file as it was") {
  TempDir dir;
  const auto path = dir.path() / "dead-letters.jsonl";
  DeadLetterFile file(path);
  file.append(sample());
  const std::string before = read_text(path);
  CHECK_THROWS(rewrite_dead_letter_file(
      path, [](std::string_view) -> std::string { throw std::runtime_error("no"); }));
  CHECK(read_text(path) == before);
}

TEST_CASE(
    "dead letters: a line torn by an earlier failed write is cut off before the next append") {
  TempDir dir;
  const auto path = dir.path() / "dead-letters.jsonl";
  DeadLetter first = sample();
  first.origin.key = "id=1";
  const std::string whole = format_dead_letter(first);
  // What a disk that filled up in the middle of the second line leaves behind.
  std::ofstream(path) << whole << whole.substr(0, whole.size() / 2);
  DeadLetterFile file(path);
  DeadLetter second = sample();
  second.origin.key = "id=2";
  file.append(second);
  const std::string text = read_text(path);
  CHECK(text == whole + format_dead_letter(second));
}
