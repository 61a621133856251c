// Decode-only speed of the binlog reader, for tests/bench/mysql_stream_bench.sh:
//
//   cdc_binlog_decode_bench FILE...
//
// Reads each binlog file into memory, then decodes it as the live reader decodes a
// stream: every event through one EventDecoder (checksums verified), the events inside
// transaction payloads too, and every row of every rows event into cdc::Values with
// RowImageReader. Reading the files is timed apart from decoding, so the decode figure
// is the decoder's alone. Exits 1 on a file it cannot read or decode.
#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "connectors/mysql/binlog_file_reader.h"
#include "connectors/mysql/event_decoder.h"
#include "connectors/mysql/row_image_decoder.h"

namespace {

using Clock = std::chrono::steady_clock;
using cdc::mysql::BinlogEvent;
using cdc::mysql::EventDecoder;

struct Counts {
  uint64_t events = 0;
  uint64_t row_changes = 0;
  uint64_t null_values = 0;  // printed, so the decoded values are used
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void read_whole_file(const std::string& path, std::string& into) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error("cannot open " + path);
  into.resize(static_cast<size_t>(in.tellg()));
  in.seekg(0);
  if (!in.read(into.data(), static_cast<std::streamsize>(into.size()))) {
    throw std::runtime_error("cannot read " + path);
  }
}

void count_event(const BinlogEvent& event, cdc::mysql::RowImages& images, Counts& counts) {
  ++counts.events;
  const auto* rows = std::get_if<cdc::mysql::RowsEvent>(&event.body);
  if (rows == nullptr) return;
  if (rows->table == nullptr) throw std::runtime_error("rows event without a table map");
  cdc::mysql::RowImageReader reader(*rows, *rows->table);
  while (reader.next(images)) {
    ++counts.row_changes;
    for (const cdc::Value& value : images.after) counts.null_values += value.is_null();
  }
}

void decode_file(cdc::mysql::Bytes file, EventDecoder& decoder, cdc::mysql::RowImages& images,
                 Counts& counts) {
  cdc::mysql::BinlogFileReader reader(file);
  while (auto event = reader.next()) {
    const BinlogEvent decoded = decoder.decode(event->event);
    count_event(decoded, images, counts);
    // MySQL 8 compressed transactions; MariaDB never writes them.
    const auto* payload = std::get_if<cdc::mysql::TransactionPayloadEvent>(&decoded.body);
    if (payload == nullptr) continue;
    const std::vector<std::byte> inner_bytes = cdc::mysql::decompress_payload(*payload);
    cdc::mysql::PayloadEventIterator inner(inner_bytes);
    while (auto member = inner.next()) {
      count_event(decoder.decode_payload_event(*member), images, counts);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s BINLOG_FILE...\n", argv[0]);
    return 2;
  }
  try {
    // One decoder across files, as across rotations on a stream: each file starts with
    // its own FORMAT_DESCRIPTION_EVENT.
    EventDecoder decoder;
    cdc::mysql::RowImages images;  // reused for every row, as the live reader does
    Counts counts;
    std::string bytes;  // reused, so the largest file sets the memory
    uint64_t total_bytes = 0;
    double read_seconds = 0;
    double decode_seconds = 0;
    for (int i = 1; i < argc; ++i) {
      const auto read_start = Clock::now();
      read_whole_file(argv[i], bytes);
      read_seconds += seconds_since(read_start);
      total_bytes += bytes.size();
      const auto decode_start = Clock::now();
      decode_file(cdc::mysql::as_bytes(bytes), decoder, images, counts);
      decode_seconds += seconds_since(decode_start);
    }
    fmt::print("files        {} ({:.1f} MiB, read in {:.2f}s)\n", argc - 1,
               static_cast<double>(total_bytes) / (1 << 20), read_seconds);
    fmt::print("events       {}\n", counts.events);
    fmt::print("row changes  {} ({} NULL values in after images)\n", counts.row_changes,
               counts.null_values);
    fmt::print("decode       {:.2f}s, {:.0f} rows/s\n", decode_seconds,
               static_cast<double>(counts.row_changes) / decode_seconds);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cdc_binlog_decode_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
