// Errors that end the work, by kind. Expected runtime outcomes are return values, not
// these. The CLI maps each kind to an exit code (PRODUCT.md: 2 config, 3 credentials,
// 4 source, 1 anything else).
#pragma once

#include <stdexcept>
#include <string>

namespace cdc {

// A configuration or mapping file is wrong. The message names file, line, column and key.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bytes from a source do not follow the protocol. Says what was expected and where.
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The source cannot be reached or is not set up for change capture; the message says
// what to do.
class SourceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The connection to the source was lost or could not be made (server restarting, network
// cut). Unlike its base, trying again later may help: the pipeline reconnects.
class SourceDisconnected : public SourceError {
 public:
  using SourceError::SourceError;
};

// Retainly refused the credentials (403, or a 422 from /events about authentication).
class AuthError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The sink stopped for good for a reason other than the credentials: a request failed
// its retry ceiling, too many dead letters, a dead letter that could not be written.
// Nothing was acknowledged past the calls it did not settle.
class SinkError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The work was stopped on request (SIGTERM, SIGINT) before it finished, e.g. while it
// waited for room in the sink. Nothing was recorded past what was acknowledged, so
// running it again (`backfill --resume` for a backfill) continues where it stood.
class Interrupted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace cdc
