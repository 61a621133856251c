#include "connectors/mysql/transaction_payload_event.h"

#include <memory>

#include <fmt/format.h>
#include <zstd.h>

#include "core/errors.h"

namespace cdc::mysql {
namespace {

enum HeaderField : uint64_t {
  kEndOfHeader = 0,
  kPayloadSize = 1,
  kCompressionType = 2,
  kUncompressedSize = 3,
};

struct DStreamDeleter {
  void operator()(ZSTD_DStream* s) const { ZSTD_freeDStream(s); }
};

}  // namespace

TransactionPayloadEvent decode_transaction_payload(const RawEvent& raw) {
  ByteReader r(raw.body, kEventHeaderLength, "transaction payload event");
  TransactionPayloadEvent e;
  bool have_size = false;
  for (;;) {
    const uint64_t type = r.packed("header field type");
    if (type == kEndOfHeader) break;
    const uint64_t length = r.packed("header field length");
    const size_t value_offset = r.offset();
    ByteReader v(r.bytes(length, "header field value"), value_offset, "transaction payload");
    switch (type) {
      case kPayloadSize:
        e.payload_size = v.packed("payload size");
        have_size = true;
        break;
      case kCompressionType: {
        const uint64_t c = v.packed("compression type");
        if (c != 0 && c != 255) v.fail(fmt::format("unknown compression type {}", c));
        e.compression = static_cast<TransactionPayloadEvent::Compression>(c);
        break;
      }
      case kUncompressedSize:
        e.uncompressed_size = v.packed("uncompressed size");
        break;
      default:
        break;  // unknown header fields are skipped by their length
    }
  }
  if (!have_size) e.payload_size = r.remaining();
  e.payload = r.bytes(e.payload_size, "payload");
  return e;
}

std::vector<std::byte> decompress_payload(const TransactionPayloadEvent& event, size_t max_bytes) {
  if (event.compression == TransactionPayloadEvent::Compression::kNone) {
    return {event.payload.begin(), event.payload.end()};
  }
  if (event.uncompressed_size > max_bytes) {
    throw ProtocolError(
        fmt::format("transaction payload: {} uncompressed bytes exceed the {} limit",
                    event.uncompressed_size, max_bytes));
  }
  std::unique_ptr<ZSTD_DStream, DStreamDeleter> stream(ZSTD_createDStream());
  if (!stream) throw std::bad_alloc();
  std::vector<std::byte> out(event.uncompressed_size > 0 ? event.uncompressed_size : 64 * 1024);
  ZSTD_inBuffer in{event.payload.data(), event.payload.size(), 0};
  size_t produced = 0;
  size_t status = 1;
  while (status != 0) {
    if (produced == out.size()) {
      if (out.size() >= max_bytes) {
        throw ProtocolError(
            fmt::format("transaction payload: decompressed data exceeds {} bytes", max_bytes));
      }
      out.resize(std::min(max_bytes, out.size() * 2));
    }
    ZSTD_outBuffer o{out.data(), out.size(), produced};
    status = ZSTD_decompressStream(stream.get(), &o, &in);
    if (ZSTD_isError(status)) {
      throw ProtocolError(
          fmt::format("transaction payload: zstd error: {}", ZSTD_getErrorName(status)));
    }
    const bool stalled = o.pos == produced && in.pos == in.size;
    produced = o.pos;
    if (stalled && status != 0) {
      throw ProtocolError("transaction payload: zstd frame is truncated");
    }
  }
  if (event.uncompressed_size != 0 && produced != event.uncompressed_size) {
    throw ProtocolError(fmt::format("transaction payload: {} bytes decompressed, header says {}",
                                    produced, event.uncompressed_size));
  }
  out.resize(produced);
  return out;
}

std::optional<Bytes> PayloadEventIterator::next() {
  if (offset_ == payload_.size()) return std::nullopt;
  const Bytes event = frame_event(payload_.subspan(offset_), offset_, "transaction payload");
  offset_ += event.size();
  return event;
}

}  // namespace cdc::mysql
