// The text form of a key value that PostgreSQL reads back as the same value: what a
// re-read of rows by key (pg_row_fetcher.h) writes into its WHERE clause, as untyped
// literals the server converts to the column's type. Pure.
#pragma once

#include <optional>
#include <string>

#include "core/value.h"

namespace cdc::pg {

// For every kind parse_pg_value gives, but arrays: parse_pg_value(type, *pg_key_text(v))
// == v for the type v was parsed as (dates and timestamps in DateStyle ISO, timestamptz in
// UTC, bytea in hex). nullopt for NULL, Unchanged and arrays, which no lookup by key uses.
std::optional<std::string> pg_key_text(const Value& value);

}  // namespace cdc::pg
