// Decodes a whole binlog file with the library, as the binlog stream will: every
// event through EventDecoder, transaction payloads unpacked, every rows event read
// with RowImageReader.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "connectors/mysql/event_decoder.h"
#include "connectors/mysql/row_image_decoder.h"

namespace cdc::mysql::testing {

struct DecodedChange {
  RowsKind kind = RowsKind::kWrite;
  std::shared_ptr<const TableMap> table;
  RowImages images;
};

struct DecodedFile {
  std::string bytes;                             // the file; events view into it
  std::vector<std::vector<std::byte>> payloads;  // decompressed payloads, kept alive
  std::vector<BinlogEvent> events;               // in order, payload members inline
  std::vector<bool> from_payload;                // per event: came from a payload
  std::vector<DecodedChange> changes;
};

DecodedFile decode_binlog_file(const std::string& path);

// The decoded events of one kind, in file order.
template <typename T>
std::vector<const T*> events_of(const DecodedFile& f) {
  std::vector<const T*> out;
  for (const BinlogEvent& e : f.events) {
    if (const auto* t = std::get_if<T>(&e.body)) out.push_back(t);
  }
  return out;
}

}  // namespace cdc::mysql::testing
