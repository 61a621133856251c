// libFuzzer target for the PostgreSQL decoders. The first input byte picks what the rest
// is (mode = byte % 4):
//   0  one CopyData message of the replication stream; an XLogData payload is then
//      decoded as pgoutput, outside and inside a stream block;
//   1  one pgoutput message; bit 2 of the first byte picks protocol 1 or 2, bit 3 the
//      in-stream flag; every tuple column is read;
//   2  one text-format value: the next byte picks the type OID, the rest is the text;
//   3  a replication session for a ChangeAssembler: frames of a big-endian u16 length
//      and that many bytes of pgoutput message, until the first ProtocolError.
// Any exception other than cdc::ProtocolError, any crash or sanitizer report, and any
// broken invariant of what the assembler hands out (checked below) is a bug.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "connectors/postgres/pg_change_assembler.h"
#include "connectors/postgres/pg_types.h"
#include "connectors/postgres/pg_value_parser.h"
#include "connectors/postgres/pgoutput_decoder.h"
#include "connectors/postgres/replication_message.h"
#include "core/errors.h"

namespace {

using cdc::pg::TupleColumn;
using cdc::pg::TupleData;
using Bytes = std::span<const std::byte>;

constexpr uint32_t kValueOids[] = {
    cdc::pg::oid::kBool,
    cdc::pg::oid::kInt2,
    cdc::pg::oid::kInt4,
    cdc::pg::oid::kInt8,
    cdc::pg::oid::kOid,
    cdc::pg::oid::kNumeric,
    cdc::pg::oid::kFloat4,
    cdc::pg::oid::kFloat8,
    cdc::pg::oid::kText,
    cdc::pg::oid::kDate,
    cdc::pg::oid::kTime,
    cdc::pg::oid::kTimestamp,
    cdc::pg::oid::kTimestamptz,
    cdc::pg::oid::kJson,
    cdc::pg::oid::kJsonb,
    cdc::pg::oid::kBytea,
    cdc::pg::oid::kBoolArray,
    cdc::pg::oid::kByteaArray,
    cdc::pg::oid::kInt2Array,
    cdc::pg::oid::kInt4Array,
    cdc::pg::oid::kTextArray,
    cdc::pg::oid::kInt8Array,
    cdc::pg::oid::kBoxArray,
    cdc::pg::oid::kFloat8Array,
    cdc::pg::oid::kOidArray,
    cdc::pg::oid::kTimestampArray,
    cdc::pg::oid::kDateArray,
    cdc::pg::oid::kTimeArray,
    cdc::pg::oid::kTimestamptzArray,
    cdc::pg::oid::kNumericArray,
    cdc::pg::oid::kUuidArray,
    cdc::pg::oid::kJsonArray,
    cdc::pg::oid::kJsonbArray,
    99999,
};

// Reads every column so the iterator walks the whole tuple.
size_t touch(const TupleData& tuple) {
  size_t total = 0;
  for (const TupleColumn column : tuple) total += column.data.size();
  return total;
}

struct TupleToucher {
  size_t operator()(const cdc::pg::pgoutput::Insert& m) const { return touch(m.new_tuple); }
  size_t operator()(const cdc::pg::pgoutput::Update& m) const {
    return touch(m.old_tuple) + touch(m.new_tuple);
  }
  size_t operator()(const cdc::pg::pgoutput::Delete& m) const { return touch(m.old_tuple); }
  template <typename Other>
  size_t operator()(const Other&) const {
    return 0;
  }
};

void decode_message(Bytes message, int version, bool in_stream) {
  try {
    const cdc::pg::PgOutputMessage decoded = cdc::pg::decode_pgoutput(message, version, in_stream);
    volatile size_t sink = std::visit(TupleToucher{}, decoded);
    (void)sink;
  } catch (const cdc::ProtocolError&) {
  }
}

void decode_envelope(Bytes input) {
  const cdc::pg::CopyMessage message = cdc::pg::decode_copy_message(input);
  if (const auto* data = std::get_if<cdc::pg::XLogData>(&message)) {
    decode_message(data->payload, 2, false);
    decode_message(data->payload, 2, true);
  }
}

// What the pipeline relies on: rows as wide as their schema (or empty), positions that
// count the changes of a transaction from 0 and end at their number.
void check_items(const std::vector<cdc::SourceItem>& items) {
  uint32_t expected_index = 0;
  for (const cdc::SourceItem& item : items) {
    if (const auto* change = std::get_if<cdc::RowChange>(&item)) {
      const size_t width = change->table->columns.size();
      if (!change->before.empty() && change->before.size() != width) __builtin_trap();
      if (!change->after.empty() && change->after.size() != width) __builtin_trap();
      if (std::get<cdc::PgPosition>(change->position).index != expected_index++) __builtin_trap();
    } else {
      const auto& end = std::get<cdc::TransactionEnd>(item);
      if (std::get<cdc::PgPosition>(end.position).index != expected_index) __builtin_trap();
      expected_index = 0;
    }
  }
  if (expected_index != 0) __builtin_trap();  // changes without their TransactionEnd
}

void run_session(Bytes input) {
  cdc::pg::ChangeAssembler assembler(2);
  std::vector<cdc::SourceItem> items;
  size_t offset = 0;
  while (input.size() - offset >= 2) {
    const size_t length =
        (std::to_integer<size_t>(input[offset]) << 8) | std::to_integer<size_t>(input[offset + 1]);
    offset += 2;
    if (length > input.size() - offset) break;
    items.clear();
    assembler.feed(input.subspan(offset, length), items);
    check_items(items);
    offset += length;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Bytes input(reinterpret_cast<const std::byte*>(data) + 1, size - 1);
  try {
    switch (data[0] % 4) {
      case 0:
        decode_envelope(input);
        break;
      case 1:
        decode_message(input, (data[0] & 4) != 0 ? 1 : 2, (data[0] & 8) != 0);
        break;
      case 2: {
        if (input.empty()) break;
        const uint32_t oid = kValueOids[std::to_integer<size_t>(input[0]) % std::size(kValueOids)];
        const Bytes text = input.subspan(1);
        cdc::pg::parse_pg_value(oid, {reinterpret_cast<const char*>(text.data()), text.size()});
        break;
      }
      default:
        run_session(input);
        break;
    }
  } catch (const cdc::ProtocolError&) {
    // Malformed input is expected to end here.
  }
  return 0;
}
