// libFuzzer target for the MySQL/MariaDB binlog decoders. The first input byte picks
// what the rest is: a stream of events (decoded, payloads unpacked, rows read), the same
// through the change assembler (transaction framing, positions, schemas), a binary JSON
// document, or a JSON diff list applied to a document. Any exception other than
// cdc::ProtocolError (and SourceError for an INCIDENT event or a catalog that does not
// fit), and any crash or sanitizer report, is a bug.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "connectors/mysql/binlog_change_assembler.h"
#include "connectors/mysql/event_decoder.h"
#include "connectors/mysql/json_binary.h"
#include "connectors/mysql/json_diff.h"
#include "connectors/mysql/row_image_decoder.h"
#include "core/errors.h"

namespace {

using namespace cdc::mysql;

// Keeps the fuzzer's memory bounded whatever a payload header claims.
constexpr size_t kMaxPayload = size_t{1} << 20;

void read_rows(const BinlogEvent& event) {
  const auto* rows = std::get_if<RowsEvent>(&event.body);
  if (rows == nullptr || rows->table == nullptr) return;
  RowImageReader reader(*rows, *rows->table);
  RowImages images;
  while (reader.next(images)) {
  }
}

void decode_events(Bytes stream) {
  // Checksums would reject almost every mutation before the decoders see it.
  EventDecoder decoder(ChecksumAlgorithm::kOff, /*verify_checksums=*/false);
  size_t offset = 0;
  while (offset < stream.size()) {
    const Bytes event = frame_event(stream.subspan(offset), offset, "fuzz input");
    offset += event.size();
    const BinlogEvent decoded = decoder.decode(event);
    read_rows(decoded);
    const auto* payload = std::get_if<TransactionPayloadEvent>(&decoded.body);
    if (payload == nullptr) continue;
    const std::vector<std::byte> inner = decompress_payload(*payload, kMaxPayload);
    PayloadEventIterator it(inner);
    while (auto member = it.next()) read_rows(decoder.decode_payload_event(*member));
  }
}

// Every table of the stream is mapped (a first pass collects their names; the fuzzer
// cannot guess them), and catalogs give two columns.
void assemble_events(Bytes stream, bool mariadb) {
  std::vector<cdc::TableId> tables;
  {
    EventDecoder decoder(ChecksumAlgorithm::kOff, /*verify_checksums=*/false);
    for (size_t offset = 0; offset < stream.size();) {
      const Bytes event = frame_event(stream.subspan(offset), offset, "fuzz input");
      offset += event.size();
      const BinlogEvent decoded = decoder.decode(event);
      if (const auto* map = std::get_if<TableMapEvent>(&decoded.body)) {
        tables.push_back({map->table->schema, map->table->table});
      }
    }
  }
  EventDecoder decoder(ChecksumAlgorithm::kOff, /*verify_checksums=*/false);
  BinlogChangeAssembler assembler(tables, [](const cdc::TableId&) {
    return std::vector<CatalogColumn>{{"id", "int unsigned", "", true},
                                      {"name", "enum('a','b')", "utf8mb4", false}};
  });
  assembler.start_at({"binlog.000001", 4, mariadb ? "0-1-1" : ""}, mariadb);
  std::vector<cdc::SourceItem> items;
  for (size_t offset = 0; offset < stream.size();) {
    const Bytes event = frame_event(stream.subspan(offset), offset, "fuzz input");
    offset += event.size();
    items.clear();
    assembler.feed(decoder.decode(event), decoder, items);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Bytes input(reinterpret_cast<const std::byte*>(data) + 1, size - 1);
  try {
    switch (data[0] % 5) {
      case 0:
        decode_events(input);
        break;
      case 3:
      case 4:
        assemble_events(input, data[0] % 5 == 3);
        break;
      case 1:
        json_binary_to_text(input);
        break;
      default:
        apply_json_diff(R"({"a":[1,{"b":null}],"c":"x"})", decode_json_diffs(input));
        break;
    }
  } catch (const cdc::ProtocolError&) {
    // Malformed input is expected to end here.
  } catch (const cdc::SourceError&) {
    // An INCIDENT event, or a table map the two-column catalog does not fit.
  }
  return 0;
}
