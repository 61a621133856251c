// Decodes the row images of a rows event into cdc::Rows, using the event's TableMap.
// Each row of a rows event is (MySQL rows_event.h, Rows_event "row"): a NULL bitmap
// with one bit per column present in the image (LSB first), then the values of the
// present, non-NULL columns in column order. Updates carry a before and an after
// image per row. In a PARTIAL_UPDATE_ROWS_EVENT the after image starts with
// value_options(packed) and, when it has PARTIAL_JSON_UPDATES (1), one bit per JSON
// column of the table telling which JSON values are diffs (json_diff.h), not documents.
#pragma once

#include <cstdint>
#include <vector>

#include "connectors/mysql/json_diff.h"
#include "connectors/mysql/rows_event.h"
#include "connectors/mysql/table_map_event.h"
#include "core/row_change.h"

namespace cdc::mysql {

// A JSON column whose after image is a list of diffs that could not be applied
// because the before image does not hold that column (binlog_row_image other than
// FULL). Its after value is then cdc::Unchanged; the caller decides what to do.
struct PartialJsonColumn {
  uint32_t column = 0;
  std::vector<JsonDiff> diffs;
};

// One row change. Rows have one value per table column; columns absent from an image
// (binlog_row_image MINIMAL/NOBLOB) are cdc::Unchanged. `before` is empty for inserts,
// `after` for deletes.
struct RowImages {
  Row before;
  Row after;
  std::vector<PartialJsonColumn> partial_json;
};

class RowImageReader {
 public:
  // REQUIRES: `event` (and the bytes it views) and `table` outlive the reader.
  // Throws ProtocolError when the event's column count differs from the table's.
  RowImageReader(const RowsEvent& event, const TableMap& table);

  // Decodes the next row change into `out`, reusing its storage. Returns false when
  // the event has no more rows. Throws ProtocolError on malformed row data. When a
  // partial JSON update's before image holds the column, the diffs are applied and
  // the after value is the full new document.
  bool next(RowImages& out);

 private:
  void read_image(const std::vector<uint32_t>& present, bool partial_after, Row& row,
                  const Row* before, std::vector<PartialJsonColumn>& partial_json);

  const RowsEvent& event_;
  const TableMap& table_;
  ByteReader reader_;
  std::vector<uint32_t> present_before_;  // column indexes in each image, in order
  std::vector<uint32_t> present_after_;
};

}  // namespace cdc::mysql
