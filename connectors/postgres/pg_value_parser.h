// Text-format column values (what pgoutput sends for kind 't') to cdc::Value, by type
// OID. The connection asks for DateStyle=ISO, TimeZone=UTC, extra_float_digits=3 and
// bytea_output=hex, so these are the forms expected; zone offsets other than +00 and
// bytea's escape form are read too.
//
//   bool                       -> bool
//   int2, int4, int8, oid      -> int64_t
//   numeric                    -> Decimal (text kept exactly: NaN, Infinity too)
//   float4, float8             -> double (Infinity, -Infinity, NaN too)
//   date                       -> Date (infinity, BC dates too)
//   timestamp                  -> LocalTimestamp
//   timestamptz                -> Timestamp (UTC)
//   time                       -> TimeOfDay
//   json, jsonb                -> Json
//   bytea                      -> Bytes
//   built-in array types       -> ValueArray of the element type, nested per dimension
//   anything else (text, varchar, uuid, enums, interval, timetz, money, inet, ...)
//                              -> std::string as printed
#pragma once

#include <cstdint>
#include <string_view>

#include "core/value.h"

namespace cdc::pg {

// Parses the text form of a value of type `type_oid`. Throws cdc::ProtocolError naming
// the type and the text (cut to about 80 characters) when the text is malformed. The
// only allocations are those of the returned Value.
Value parse_pg_value(uint32_t type_oid, std::string_view text);
// The same into `out`, whose buffer is reused when it holds text and the value is text
// (a recycled row's): no allocation then for text that fits it.
void parse_pg_value_into(uint32_t type_oid, std::string_view text, Value& out);

// Parses an array literal ("{1,2}", "{{a,\"b c\"},{NULL,d}}", "[0:1]={x,y}") whose
// elements have type `element_oid`. For arrays of types that are not built in (enum[],
// say), pass the element type the text should be read as.
Value parse_pg_array(uint32_t element_oid, std::string_view text);

}  // namespace cdc::pg
