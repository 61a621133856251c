#include "mapping/row_image_rule.h"

namespace cdc::mapping {
namespace {

bool carries(const std::optional<std::set<std::string>>& image, const std::string& column) {
  return !image || image->contains(column);
}

}  // namespace

std::vector<ImageRead> unserved_reads(const TableRequirements& req, const RowImages& images) {
  std::vector<ImageRead> out;
  for (const ImageRead& read : req.old_row_reads) {
    if (!carries(images.old_row, read.column)) out.push_back(read);
  }
  for (const ImageRead& read : req.new_row_reads) {
    if (!carries(images.new_row, read.column)) out.push_back(read);
  }
  return out;
}

std::string describe(const ImageRead& read) {
  using Why = ImageRead::Why;
  const std::string& c = read.column;
  switch (read.why) {
    case Why::kBefore:
      return "before." + c + " in " + read.key;
    case Why::kChanged:
      return "changed(" + c + ") in " + read.key;
    case Why::kCustomerId:
      return c + " in customer.id (deletes and id changes name the old customer)";
    case Why::kArrayCustomerId:
      return c + " in array.customer_id (deletes and moves name the old customer)";
    case Why::kArrayItemId:
      return c + " in array.item_id (deletes and id changes name the old item)";
    case Why::kOnDeleteSet:
      return c + " in " + read.key + " (on_delete: set)";
    case Why::kDeleteEvent:
      return c + " in " + read.key + " of a delete event";
    case Why::kWhereWithEvents:
      return c + " in a where with events";
    case Why::kNewWhere:
      return c + " in the where (a new row it cannot test is rejected)";
    case Why::kNewCustomerId:
      return c + " in customer.id of upserts";
    case Why::kNewArrayItem:
      return c + " in " + read.key + " (Retainly replaces items whole)";
    case Why::kNewEvent:
      return c + " in " + read.key + " of an insert or update event";
  }
  return c + " in " + read.key;
}

std::string describe(const std::vector<ImageRead>& reads) {
  std::string out;
  for (const ImageRead& read : reads) out += (out.empty() ? "" : ", ") + describe(read);
  return out;
}

}  // namespace cdc::mapping
