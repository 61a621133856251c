// TRANSACTION_PAYLOAD_EVENT (40, MySQL 8.0.20+ binlog_transaction_compression): a whole
// transaction's events, compressed together. Layout (MySQL control_events.h,
// Transaction_payload_event): header fields as (type, length, value) with packed
// integers — 1 payload size, 2 compression type (0 zstd, 255 none), 3 uncompressed
// size, 0 end of header — then the payload. Decompressed, the payload is events back to
// back that carry no checksum and have log_pos 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "connectors/mysql/binlog_event.h"

namespace cdc::mysql {

struct TransactionPayloadEvent {
  enum class Compression : uint8_t { kZstd = 0, kNone = 255 };
  Compression compression = Compression::kZstd;
  uint64_t payload_size = 0;
  uint64_t uncompressed_size = 0;  // 0 when the server did not say
  Bytes payload;                   // a view into the event
};

// Largest decompressed payload accepted; a transaction beyond it throws rather than
// exhaust memory.
inline constexpr size_t kMaxUncompressedPayload = size_t{1} << 30;

TransactionPayloadEvent decode_transaction_payload(const RawEvent& raw);

// The payload's events as one buffer. Throws ProtocolError when zstd reports an error,
// the output would exceed `max_bytes`, or it disagrees with uncompressed_size.
std::vector<std::byte> decompress_payload(const TransactionPayloadEvent& event,
                                          size_t max_bytes = kMaxUncompressedPayload);

// Frames the events of a decompressed payload. `payload` must outlive the iterator and
// the returned views; decode them with EventDecoder::decode_payload_event.
class PayloadEventIterator {
 public:
  explicit PayloadEventIterator(Bytes payload) : payload_(payload) {}
  // The next inner event, or nullopt at the end. Throws ProtocolError on bad framing.
  std::optional<Bytes> next();

 private:
  Bytes payload_;
  size_t offset_ = 0;
};

}  // namespace cdc::mysql
