// The rows of one `COPY ... TO STDOUT` statement, read as the server sends them: the
// server produces while the client works through what has arrived, instead of each
// waiting for the other as with one query per page.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "connectors/postgres/pg_connection.h"

namespace cdc::pg {

// `conn` must outlive the stream and run nothing else until the stream has ended (or is
// destroyed). Not thread-safe. Failures throw cdc::SourceError with the server's message.
class PgCopyStream {
 public:
  // Sends `sql`, a COPY ... TO STDOUT, and waits for the server to start the copy.
  PgCopyStream(const PgConnection& conn, const std::string& sql);
  // Frees the last row. A stream destroyed before its end leaves the connection in the
  // copy: close the connection then.
  ~PgCopyStream();
  PgCopyStream(const PgCopyStream&) = delete;
  PgCopyStream& operator=(const PgCopyStream&) = delete;

  // The next row's text, its final newline included, valid until the next call; nullopt
  // once the copy has ended successfully. Blocks until a row arrives.
  std::optional<std::string_view> next_row();
  // Reads and drops the rest of the copy.
  void finish();
  bool ended() const { return ended_; }

 private:
  void free_row();

  const PgConnection& conn_;
  char* row_ = nullptr;  // libpq's buffer of the last row
  bool ended_ = false;
};

}  // namespace cdc::pg
