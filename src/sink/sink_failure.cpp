#include "sink/sink_failure.h"

#include "core/errors.h"

namespace cdc::sink {

const char* to_string(FailureKind kind) {
  switch (kind) {
    case FailureKind::kAuth:
      return "auth";
    case FailureKind::kRetryCeiling:
      return "retry_ceiling";
    case FailureKind::kDeadLetterRate:
      return "dead_letter_rate";
    case FailureKind::kDeadLetterWrite:
      return "dead_letter_write";
    case FailureKind::kFenced:
      return "fenced";
  }
  return "unknown";
}

void throw_failure(const SinkFailure& failure, const std::string& lock) {
  switch (failure.kind) {
    case FailureKind::kAuth:
      throw AuthError(failure.message);
    case FailureKind::kFenced:
      throw SourceError("lost the " + (lock.empty() ? std::string("instance lock") : lock) +
                        " and " + failure.message);
    case FailureKind::kRetryCeiling:
    case FailureKind::kDeadLetterRate:
    case FailureKind::kDeadLetterWrite:
      break;
  }
  throw SinkError(failure.message);
}

}  // namespace cdc::sink
