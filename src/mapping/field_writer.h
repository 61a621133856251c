// Turns one mapped field of one change into Retainly attributes: none (the value was not
// sent by the source), one, or several (a flattened json object).
#pragma once

#include <vector>

#include "mapping/compiled_mapping.h"
#include "mapping/row_view.h"
#include "mapping/write_context.h"
#include "retainly/call.h"

namespace cdc::mapping {

enum class FieldOutcome {
  kWritten,
  kLeftOut,  // a value the source did not send: the field is not sent, never as null
  kRefused,  // a value Retainly would refuse; ctx.error says why
};

// Appends the field's attributes to `out`; on kRefused, `out` may hold a partial attribute
// and the caller drops the whole call. ctx.placement must be set for the target.
FieldOutcome write_field(const Field& field, const RowView& row, WriteContext& ctx,
                         std::vector<retainly::Attribute>& out);

// The JSON of one value under `spec` (the part of write_field after reading the column),
// for constants at load time and for tests. Flatten is not applied (objects are refused
// unless `as_string`).
bool write_value_json(const Value& value, const FieldSpec& spec, WriteContext& ctx,
                      std::string& out);

}  // namespace cdc::mapping
