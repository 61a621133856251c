// Why a sink stopped for good. Once failed, a sink sends nothing more and its watermark
// stays where it was, so no offset moves past an undelivered call.
#pragma once

#include <string>

namespace cdc::sink {

enum class FailureKind {
  kAuth,             // Retainly refused the credentials (401/403, 422 about them on /events)
  kRetryCeiling,     // one request failed retry_max_attempts times
  kDeadLetterRate,   // more than dead_letter_max_count dead letters in dead_letter_window
  kDeadLetterWrite,  // a dead letter could not be made durable (or none is configured)
  kFenced,           // the send window closed with calls unsettled (the HA lease lapsed)
};

const char* to_string(FailureKind kind);

struct SinkFailure {
  FailureKind kind;
  std::string message;  // for operators; never holds the key or secret
};

// The exception a failure ends the work with: AuthError for kAuth, SourceError for
// kFenced (the instance lost its lock: `lock` names it), SinkError for the rest.
[[noreturn]] void throw_failure(const SinkFailure& failure, const std::string& lock = "");

}  // namespace cdc::sink
