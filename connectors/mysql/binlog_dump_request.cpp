#include "connectors/mysql/binlog_dump_request.h"

#include <stdexcept>

namespace cdc::mysql {
namespace {

class PayloadWriter {
 public:
  void le(uint64_t value, size_t bytes) {
    for (size_t i = 0; i < bytes; ++i) out_.push_back(static_cast<std::byte>(value >> (8 * i)));
  }
  void text(std::string_view s) {
    for (char c : s) out_.push_back(static_cast<std::byte>(c));
  }
  std::vector<std::byte> take() { return std::move(out_); }

 private:
  std::vector<std::byte> out_;
};

}  // namespace

std::vector<std::byte> register_replica_payload(uint32_t server_id, std::string_view hostname,
                                                uint16_t port) {
  PayloadWriter w;
  w.le(server_id, 4);
  // One-byte length prefixes: a longer host name is cut, it is only shown to operators.
  const std::string_view host = hostname.substr(0, 255);
  w.le(host.size(), 1);
  w.text(host);
  w.le(0, 1);  // user
  w.le(0, 1);  // password
  w.le(port, 2);
  w.le(0, 4);  // replication rank, unused
  w.le(0, 4);  // master id: the server fills it in
  return w.take();
}

std::vector<std::byte> binlog_dump_payload(uint32_t server_id, std::string_view file,
                                           uint64_t position, uint16_t flags) {
  if (position > 0xffffffffu) {
    throw std::invalid_argument("binlog position beyond 4 GiB needs COM_BINLOG_DUMP_GTID");
  }
  PayloadWriter w;
  w.le(position, 4);
  w.le(flags, 2);
  w.le(server_id, 4);
  w.text(file);
  return w.take();
}

std::vector<std::byte> binlog_dump_gtid_payload(uint32_t server_id, std::string_view file,
                                                uint64_t position, std::string_view gtid_set,
                                                uint16_t flags) {
  PayloadWriter w;
  w.le(flags, 2);
  w.le(server_id, 4);
  w.le(file.size(), 4);
  w.text(file);
  w.le(position, 8);
  if (flags & kDumpThroughGtid) {
    w.le(gtid_set.size(), 4);
    w.text(gtid_set);
  }
  return w.take();
}

}  // namespace cdc::mysql
