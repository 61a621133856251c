// What the table readers' tests share about recycling (TableReader::recycle): rows read
// into recycled rows must equal rows read fresh.
#pragma once

#include <doctest/doctest.h>

#include <vector>

#include "core/table_reader.h"

namespace cdc::test {

// Reads `reader` to its end `batch` rows at a time, handing each batch back before the
// next is read, and checks the rows' images against `expected` (read without recycling).
inline void check_recycled_reads(TableReader& reader, size_t batch,
                                 const std::vector<Row>& expected) {
  std::vector<Row> read;
  std::vector<RowChange> rows;
  while (reader.next_batch(batch, rows) > 0) {
    for (const RowChange& row : rows) read.push_back(row.after);
    reader.recycle(rows);
    CHECK(rows.empty());
  }
  REQUIRE(read.size() == expected.size());
  for (size_t r = 0; r < read.size(); ++r) {
    CAPTURE(r);
    CHECK(read[r] == expected[r]);
  }
}

}  // namespace cdc::test
