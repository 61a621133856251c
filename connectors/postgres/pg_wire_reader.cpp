#include "connectors/postgres/pg_wire_reader.h"

#include <cstring>

#include "core/errors.h"

namespace cdc::pg {

std::string_view WireReader::cstring(const char* field) {
  const char* begin = as_string_view(bytes_).data() + pos_;
  const void* nul = remaining() == 0 ? nullptr : std::memchr(begin, '\0', remaining());
  if (nul == nullptr) {
    fail(std::string(field) + ": expected a NUL-terminated string, found none in the " +
         std::to_string(remaining()) + " bytes left");
  }
  std::string_view out(begin, static_cast<size_t>(static_cast<const char*>(nul) - begin));
  pos_ += out.size() + 1;
  return out;
}

void WireReader::expect_end() const {
  if (!at_end()) {
    fail("expected the end of the message, found " + std::to_string(remaining()) + " more bytes");
  }
}

void WireReader::fail(const std::string& message) const { fail_at(pos_, message); }

void WireReader::fail_at(size_t offset, const std::string& message) const {
  throw ProtocolError(std::string(what_) + " at offset " + std::to_string(offset) + ": " + message);
}

void WireReader::short_read(size_t n, const char* field) const {
  fail(std::string(field) + ": expected " + std::to_string(n) + " bytes, only " +
       std::to_string(remaining()) + " left");
}

}  // namespace cdc::pg
