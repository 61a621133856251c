#include "core/row_change.h"

namespace cdc {

const char* to_string(Operation op) {
  switch (op) {
    case Operation::kInsert:
      return "insert";
    case Operation::kUpdate:
      return "update";
    case Operation::kDelete:
      return "delete";
    case Operation::kTruncate:
      return "truncate";
    case Operation::kSnapshotRead:
      return "snapshot_read";
  }
  return "unknown";
}

}  // namespace cdc
