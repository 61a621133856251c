// Hand-built schemas, changes and one-line summaries of calls for the mapping tests.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/row_change.h"
#include "mapping/mapper.h"

namespace cdc::mapping::testing {

// A schema whose `keys` columns are marked as the key.
std::shared_ptr<const TableSchema> make_schema(const std::string& qualified,
                                               const std::vector<std::string>& columns,
                                               const std::vector<std::string>& keys = {"id"},
                                               uint64_t version = 1);

Position pg_at(uint64_t lsn, uint32_t index = 0);

RowChange insert_of(std::shared_ptr<const TableSchema> schema, Row after,
                    Position position = pg_at(0x1000));
RowChange snapshot_of(std::shared_ptr<const TableSchema> schema, Row after);
RowChange update_of(std::shared_ptr<const TableSchema> schema, Row before, Row after,
                    Position position = pg_at(0x2000));
RowChange delete_of(std::shared_ptr<const TableSchema> schema, Row before,
                    Position position = pg_at(0x3000));

Mapper mapper_from(std::string_view yaml, const MappingOptions& options = {});
MappingOutput map_one(const Mapper& mapper, const RowChange& change);

// {"a":1,"b":"x"}: a call's attributes as one JSON object, in order.
std::string attributes_of(const retainly::Call& call);

// One line per call: "upsert 42 {...}", "delete 42", "array_upsert 42 purchases 7 {...}",
// "array_delete 42 purchases 7", "event 42 name {...}".
std::string describe(const retainly::Call& call);
std::vector<std::string> describe(const MappingOutput& out);

// One line per skip: "skip upsert 42 [email,plan]" (some fields left out of a call that is
// made) or "skip whole array_upsert 42 purchases 7 [amount,status]" (no call), with the
// reason when it is not the old image's: " (same as last acknowledged send)".
std::vector<std::string> describe_skips(const MappingOutput& out);

// The JSON the field spec `spec` (YAML flow text) gives for `value` in column v of
// public.t, as a customer field: the attribute's JSON, "LEFT OUT" when the field is not
// sent, or "REJECTED: <reason>".
std::string field_json(const Value& value, std::string_view spec = "v",
                       const MappingOptions& options = {});

}  // namespace cdc::mapping::testing
