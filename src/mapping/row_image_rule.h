// Which of a mapping's reads a source's row images cannot serve: the tables `check` and
// `run` refuse unless the mapping says `allow_partial: true` (mappings/README.md, "Old row
// images"). Pure: the caller describes what the source logs.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mapping/compiled_mapping.h"
#include "mapping/mapper.h"

namespace cdc::mapping {

// What one table's row images carry, by column name.
struct RowImages {
  // The columns every old row of an update or delete carries; nullopt: all of them
  // (PostgreSQL REPLICA IDENTITY FULL, MySQL FULL).
  std::optional<std::set<std::string>> old_row;
  // The columns every new row carries, itself or through the old row (a column the new
  // row leaves out is unchanged, so the old row's value serves); nullopt: all of them
  // (MySQL FULL; PostgreSQL, whose unchanged TOAST values are read again).
  std::optional<std::set<std::string>> new_row;
};

// The reads of `req` (old_row_reads, then new_row_reads) whose column `images` do not
// carry, in the order of the file's reads. Empty: the mapping stays right on this source.
std::vector<ImageRead> unserved_reads(const TableRequirements& req, const RowImages& images);

// One read as a message names it: "status in a where with events",
// "before.plan_code in events[1].data.old_plan".
std::string describe(const ImageRead& read);

// The reads, described and joined with ", ".
std::string describe(const std::vector<ImageRead>& reads);

}  // namespace cdc::mapping
