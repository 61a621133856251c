#include "connectors/mysql/row_image_decoder.h"

#include <fmt/format.h>

#include "connectors/mysql/column_value_decoder.h"
#include "core/errors.h"

namespace cdc::mysql {
namespace {

constexpr uint64_t kPartialJsonUpdates = 1;  // binlog_row_value_options PARTIAL_JSON

bool bit_at(Bytes bitmap, size_t i) {
  return ((std::to_integer<uint8_t>(bitmap[i / 8]) >> (i % 8)) & 1) != 0;
}

std::vector<uint32_t> present_columns(Bytes bitmap, uint64_t count) {
  std::vector<uint32_t> present;
  if (bitmap.empty()) return present;
  present.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    if (bit_at(bitmap, i)) present.push_back(i);
  }
  return present;
}

// `row` with `count` columns, those not `present` (ascending) Unchanged. The present ones
// keep what they hold until they are read, in place (read_column_value_into): a recycled
// row's strings keep their buffers.
void reset(Row& row, size_t count, const std::vector<uint32_t>& present) {
  row.resize(count);
  if (present.size() == count) return;  // a full image: every column is read
  size_t k = 0;
  for (size_t column = 0; column < count; ++column) {
    if (k < present.size() && present[k] == column) {
      ++k;
    } else {
      row[column] = Unchanged{};
    }
  }
}

}  // namespace

RowImageReader::RowImageReader(const RowsEvent& event, const TableMap& table)
    : event_(event),
      table_(table),
      reader_(event.rows, event.rows_offset, "rows event"),
      present_before_(present_columns(event.columns_before, event.column_count)),
      present_after_(present_columns(event.columns_after, event.column_count)) {
  if (event.column_count != table.columns.size()) {
    throw ProtocolError(fmt::format(
        "rows event for table id {} has {} columns, its table map `{}`.`{}` has {}", event.table_id,
        event.column_count, table.schema, table.table, table.columns.size()));
  }
}

bool RowImageReader::next(RowImages& out) {
  if (reader_.at_end()) return false;
  const size_t start = reader_.position();
  out.partial_json.clear();
  if (event_.has_before_image()) {
    read_image(present_before_, false, out.before, nullptr, out.partial_json);
  } else {
    out.before.clear();
  }
  if (event_.has_after_image()) {
    const bool partial = event_.kind == RowsKind::kPartialUpdate;
    read_image(present_after_, partial, out.after, &out.before, out.partial_json);
  } else {
    out.after.clear();
  }
  // An image without columns takes no bytes; trailing data would then never end.
  if (reader_.position() == start) reader_.fail("a row image with no columns");
  return true;
}

void RowImageReader::read_image(const std::vector<uint32_t>& present, bool partial_after, Row& row,
                                const Row* before, std::vector<PartialJsonColumn>& partial_json) {
  ByteReader& r = reader_;
  Bytes partial_bits;
  if (partial_after) {
    const uint64_t options = r.packed("value options");
    if (options & kPartialJsonUpdates) {
      partial_bits = r.bytes((table_.json_column_count + 7) / 8, "partial JSON bitmap");
    }
  }
  const Bytes nulls = r.bytes((present.size() + 7) / 8, "null bitmap");
  reset(row, table_.columns.size(), present);
  // Partial bits count every JSON column of the table, present in the image or not.
  size_t json_index = 0;
  size_t next_json_column = 0;
  for (size_t k = 0; k < present.size(); ++k) {
    const uint32_t column = present[k];
    const ColumnInfo& info = table_.columns[column];
    bool partial = false;
    if (!partial_bits.empty() && info.type == ColumnType::kJson) {
      for (; next_json_column < column; ++next_json_column) {
        if (table_.columns[next_json_column].type == ColumnType::kJson) ++json_index;
      }
      partial = bit_at(partial_bits, json_index);
    }
    if (bit_at(nulls, k)) {
      row[column] = Null{};
      continue;
    }
    if (!partial) {
      read_column_value_into(r, info, row[column]);
      continue;
    }
    const size_t offset = r.offset() + info.length;
    std::vector<JsonDiff> diffs =
        decode_json_diffs(read_length_prefixed(r, info.length, "json diff"), offset);
    const Json* old =
        before != nullptr && column < before->size() ? (*before)[column].get_if<Json>() : nullptr;
    if (old != nullptr) {
      row[column] = Json{apply_json_diff(old->text, diffs)};
    } else {
      row[column] = Unchanged{};  // the caller applies the diff (PartialJsonColumn)
      partial_json.push_back({column, std::move(diffs)});
    }
  }
}

}  // namespace cdc::mysql
