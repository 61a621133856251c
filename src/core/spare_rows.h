// Row images a table reader's consumer handed back, for later rows to be read into: a
// backfill reads millions of rows of one shape, and allocating each row's image (and its
// text values' buffers) only to free it once the row is mapped was a tenth of the
// reading thread's work.
#pragma once

#include <cstddef>
#include <vector>

#include "core/row_change.h"

namespace cdc {

// Not thread-safe: the reader's thread only (a backfill maps its pages on that thread).
class SpareRows {
 public:
  // Bounds: a backfill page of rows (5,000 by default), and values of ordinary text; a
  // value holding more is dropped first, so that a spare never pins a large document.
  static constexpr size_t kMaxRows = 20000;
  static constexpr size_t kMaxKeptValueBytes = 256;

  // Keeps the `after` images of `rows` (up to the bounds) and leaves `rows` empty, its
  // capacity kept.
  void take_back(std::vector<RowChange>& rows);

  // Moves a spare image, values still in it (to be overwritten), into `row`, or leaves
  // `row` alone when there is none.
  void reuse(Row& row) {
    if (rows_.empty()) return;
    row = std::move(rows_.back());
    rows_.pop_back();
  }

 private:
  std::vector<Row> rows_;
};

}  // namespace cdc
