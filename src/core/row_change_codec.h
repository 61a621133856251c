// A compact binary form of RowChanges and TableSchemas, for transactions that spill to
// disk (core/transaction_buffer.h). Pure: bytes in, values out.
//
// Layout (all integers LEB128 varints, signed ones zigzag-encoded first; strings are a
// length and the bytes):
//   change: op(1 byte) schema_index tag commit_time before_row after_row
//   row:    count value...
//   value:  kind(1 byte) then by kind: bool/null/unchanged nothing more; int64, Date,
//           Timestamp, LocalTimestamp, TimeOfDay zigzag; uint64 varint; double 8 bytes
//           little-endian; text, Decimal, Bytes, Json a string; array a row.
//   schema: schema_name table_name version count (name type_name is_key(1 byte))...
// The position is not kept: a held change gets it when its transaction commits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/row_change.h"
#include "core/table_schema.h"

namespace cdc {

// Appends `change` (without table and position) to `out`, with the index of its table
// in the caller's list of schemas and a caller's tag (a subtransaction id).
void encode_row_change(const RowChange& change, uint32_t schema_index, uint32_t tag,
                       std::string& out);

struct DecodedRowChange {
  RowChange change;  // table and position left empty
  uint32_t schema_index = 0;
  uint32_t tag = 0;
};

// Reads back what encode_row_change wrote. Throws cdc::ProtocolError when `bytes` is not
// exactly one encoded change (a damaged spill file).
DecodedRowChange decode_row_change(std::string_view bytes);

// A tag alone (a discard marker).
void encode_discard(uint32_t tag, std::string& out);
uint32_t decode_discard(std::string_view bytes);

void encode_table_schema(const TableSchema& schema, std::string& out);
TableSchema decode_table_schema(std::string_view bytes);

// What `change` takes on the heap and inline, in bytes: the object, its rows' value
// slots, and every string's or array's allocation. An honest estimate for a memory
// budget, not an exact allocator count.
size_t estimated_bytes(const RowChange& change);

}  // namespace cdc
