#include "connectors/postgres/pg_copy_stream.h"

#include "core/errors.h"

namespace cdc::pg {
namespace {

std::string trimmed(std::string message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  return message;
}

[[noreturn]] void fail(const PGresult* result, const char* what) {
  const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  throw SourceError(std::string(what) + ": " + trimmed(PQresultErrorMessage(result)) +
                    (sqlstate != nullptr ? std::string(" (SQLSTATE ") + sqlstate + ")" : ""));
}

}  // namespace

PgCopyStream::PgCopyStream(const PgConnection& conn, const std::string& sql) : conn_(conn) {
  if (PQsendQuery(conn_.raw(), sql.c_str()) != 1) {
    throw SourceError("starting a COPY: " + trimmed(PQerrorMessage(conn_.raw())));
  }
  const PgResultPtr result(PQgetResult(conn_.raw()));
  if (result == nullptr || PQresultStatus(result.get()) != PGRES_COPY_OUT) {
    if (result != nullptr && PQresultStatus(result.get()) == PGRES_FATAL_ERROR) {
      // The rest of the statement's results, so the connection is ready again.
      while (PgResultPtr rest{PQgetResult(conn_.raw())}) {
      }
      fail(result.get(), "starting a COPY");
    }
    throw SourceError("starting a COPY: the server did not start copying out");
  }
}

PgCopyStream::~PgCopyStream() { free_row(); }

void PgCopyStream::free_row() {
  if (row_ != nullptr) PQfreemem(row_);
  row_ = nullptr;
}

std::optional<std::string_view> PgCopyStream::next_row() {
  if (ended_) return std::nullopt;
  free_row();
  // Blocking mode: libpq hands out one whole data row per call (protocol: one CopyData
  // message per row in COPY TO).
  const int length = PQgetCopyData(conn_.raw(), &row_, /*async=*/0);
  if (length > 0) return std::string_view(row_, static_cast<size_t>(length));
  if (length == -2) throw SourceError("reading a COPY: " + trimmed(PQerrorMessage(conn_.raw())));
  // -1: the copy is done; its outcome is the next result.
  ended_ = true;
  const PgResultPtr result(PQgetResult(conn_.raw()));
  while (PgResultPtr rest{PQgetResult(conn_.raw())}) {
  }
  if (result == nullptr || PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    if (result != nullptr) fail(result.get(), "reading a COPY");
    throw SourceError("reading a COPY: no result at its end");
  }
  return std::nullopt;
}

void PgCopyStream::finish() {
  while (next_row()) {
  }
}

}  // namespace cdc::pg
