#include "sink/sink_failure.h"

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

}  // namespace cdc::sink
