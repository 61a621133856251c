#include "sink/replay.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "ops/log.h"
#include "retainly/record_parser.h"
#include "state/atomic_file.h"

namespace cdc::sink {
namespace {

using nlohmann::json;

std::string string_field(const json& line, const char* name) {
  auto found = line.find(name);
  return found != line.end() && found->is_string() ? found->get<std::string>() : std::string();
}

// The call a dead-letter line stands for, if it matches `filter` and can be resent.
std::optional<retainly::Call> call_to_resend(std::string_view text, const ReplayFilter& filter,
                                             size_t line_number) {
  json line = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!line.is_object() || !line.contains("payload")) {
    if (!text.empty()) log::warn("dead letters: line {} is not a dead letter; kept", line_number);
    return std::nullopt;
  }
  const auto kind = parse_call_kind(string_field(line, "kind"));
  if (!kind) return std::nullopt;  // a mapping rejection: nothing to resend
  if (filter.kind && *filter.kind != *kind) return std::nullopt;
  retainly::Provenance origin{string_field(line, "table"), string_field(line, "key"),
                              string_field(line, "position")};
  if (filter.table && *filter.table != origin.table) return std::nullopt;

  std::string error;
  auto call = retainly::parse_record(*kind, line["payload"].dump(), error);
  if (!call) {
    log::warn("dead letters: line {} cannot be resent ({}); kept", line_number, error);
    return std::nullopt;
  }
  call->origin = std::move(origin);
  return call;
}

bool same_path(const std::filesystem::path& a, const std::filesystem::path& b) {
  if (a.empty() || b.empty()) return false;
  return std::filesystem::weakly_canonical(a) == std::filesystem::weakly_canonical(b);
}

}  // namespace

std::optional<retainly::CallKind> parse_call_kind(std::string_view name) {
  for (auto kind : {retainly::CallKind::kCustomerUpsert, retainly::CallKind::kCustomerDelete,
                    retainly::CallKind::kArrayUpsert, retainly::CallKind::kArrayDelete,
                    retainly::CallKind::kEvent}) {
    if (name == retainly::to_string(kind)) return kind;
  }
  return std::nullopt;
}

ReplayResult replay_dead_letters(const std::filesystem::path& file, const ReplayFilter& filter,
                                 Sink& sink, std::chrono::milliseconds timeout,
                                 const BeforeResending& before_resending) {
  // Alone with the file (DeadLetterLock): the records resent here would race a daemon's
  // or a backfill's newer calls for the same customers, and a second replay would send
  // every line again.
  std::optional<DeadLetterLock> own_lock;
  if (same_path(file, sink.dead_letters().path())) {
    sink.dead_letters().claim_exclusive();
  } else {
    own_lock.emplace(file, DeadLetterLock::Mode::kExclusive);
  }

  ReplayResult result;
  const std::string original = state::read_file(file).value_or("");

  std::string kept_lines;
  std::vector<retainly::Call> calls;
  size_t line_number = 0;
  for (size_t begin = 0; begin < original.size();) {
    size_t end = original.find('\n', begin);
    if (end == std::string::npos) end = original.size();
    const std::string_view text(original.data() + begin, end - begin);
    begin = end + 1;
    ++line_number;
    if (auto call = call_to_resend(text, filter, line_number)) {
      calls.push_back(std::move(*call));
    } else if (!text.empty()) {
      kept_lines.append(text);
      kept_lines += '\n';
      ++result.kept;
    }
  }
  if (calls.empty()) return result;
  if (before_resending) before_resending(calls);

  const uint64_t dead_before = sink.stats().calls_dead_lettered;
  uint64_t sequence = sink.last_submitted();
  for (retainly::Call& call : calls) {
    call.sequence = ++sequence;
    if (!sink.submit(std::move(call))) break;
  }
  sink.flush();
  const bool settled = sink.wait_for(sequence, timeout);
  if (auto failure = sink.failure()) {
    throw std::runtime_error("replay stopped, the dead-letter file is unchanged: " +
                             failure->message);
  }
  if (!settled) {
    throw std::runtime_error("replay did not finish within " + std::to_string(timeout.count()) +
                             " ms; the dead-letter file is unchanged");
  }
  result.resent = calls.size();
  result.failed_again = sink.stats().calls_dead_lettered - dead_before;
  result.delivered = result.resent - std::min(result.resent, result.failed_again);

  rewrite_dead_letter_file(file, [&](std::string_view current) {
    if (current.substr(0, original.size()) != original) {
      throw std::runtime_error("the dead-letter file " + file.string() +
                               " was rewritten by someone else during the replay; it is left "
                               "as it is");
    }
    std::string replacement = kept_lines;
    replacement.append(current.substr(original.size()));
    return replacement;
  });
  return result;
}

}  // namespace cdc::sink
