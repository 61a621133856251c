#include "decoded_file.h"

#include "connectors/mysql/binlog_file_reader.h"
#include "fixture_files.h"

namespace cdc::mysql::testing {
namespace {

void collect(DecodedFile& file, BinlogEvent event, bool from_payload) {
  if (const auto* rows = std::get_if<RowsEvent>(&event.body)) {
    if (rows->table == nullptr) throw std::runtime_error("rows event without table map");
    RowImageReader reader(*rows, *rows->table);
    DecodedChange change{rows->kind, rows->table, {}};
    while (reader.next(change.images)) file.changes.push_back(change);
  }
  file.events.push_back(std::move(event));
  file.from_payload.push_back(from_payload);
}

}  // namespace

DecodedFile decode_binlog_file(const std::string& path) {
  DecodedFile file;
  file.bytes = read_file(path);
  BinlogFileReader reader(as_bytes(file.bytes));
  EventDecoder decoder;
  while (auto event = reader.next()) {
    BinlogEvent decoded = decoder.decode(event->event);
    const auto* payload = std::get_if<TransactionPayloadEvent>(&decoded.body);
    const bool has_payload = payload != nullptr;
    if (has_payload) file.payloads.push_back(decompress_payload(*payload));
    collect(file, std::move(decoded), false);
    if (!has_payload) continue;
    PayloadEventIterator inner(file.payloads.back());
    while (auto member = inner.next()) collect(file, decoder.decode_payload_event(*member), true);
  }
  return file;
}

}  // namespace cdc::mysql::testing
