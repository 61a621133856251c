#include "support/binlog_builder.h"

#include <stdexcept>

namespace cdc::test::wire {
namespace {

constexpr uint8_t kQueryEvent = 2;
constexpr uint8_t kFormatDescriptionEvent = 15;
constexpr uint8_t kXidEvent = 16;
constexpr uint8_t kTableMapEvent = 19;
constexpr uint8_t kWriteRowsEvent = 30;
constexpr uint8_t kUpdateRowsEvent = 31;
constexpr uint8_t kGtidEvent = 33;

constexpr uint16_t kStmtEndFlag = 1;

// Table map optional metadata field types (binlog_row_metadata=FULL).
constexpr uint8_t kSignedness = 1;
constexpr uint8_t kDefaultCharset = 2;
constexpr uint8_t kColumnName = 4;
constexpr uint8_t kSimplePrimaryKey = 8;
constexpr uint8_t kColumnVisibility = 12;

bool is_numeric(uint8_t type) {
  return type == kTypeTiny || type == kTypeLong || type == kTypeLongLong;
}

int integer_bytes(uint8_t type) {
  switch (type) {
    case kTypeTiny:
      return 1;
    case kTypeLong:
      return 4;
    case kTypeLongLong:
      return 8;
    default:
      throw std::invalid_argument("binlog builder: not an integer type");
  }
}

// Bits packed most significant first, as the optional metadata's bitmaps are.
Bytes msb_bitmap(const std::vector<bool>& bits) {
  Bytes out((bits.size() + 7) / 8, '\0');
  for (size_t i = 0; i < bits.size(); ++i) {
    if (bits[i]) out[i / 8] = static_cast<char>(out[i / 8] | (0x80 >> (i % 8)));
  }
  return out;
}

// Bits packed least significant first, as null and column bitmaps are.
Bytes lsb_bitmap(const std::vector<bool>& bits) {
  Bytes out((bits.size() + 7) / 8, '\0');
  for (size_t i = 0; i < bits.size(); ++i) {
    if (bits[i]) out[i / 8] = static_cast<char>(out[i / 8] | (1 << (i % 8)));
  }
  return out;
}

void put_field(Bytes& out, uint8_t type, const Bytes& value) {
  put_int(out, type, 1);
  put_lenenc_int(out, value.size());
  out += value;
}

Bytes table_map_body(const BuiltTable& t) {
  Bytes body;
  put_int(body, t.id, 6);
  put_int(body, 1, 2);  // flags: TM_BIT_LEN_EXACT_F
  put_int(body, t.schema.size(), 1);
  body += t.schema + std::string(1, '\0');
  put_int(body, t.table.size(), 1);
  body += t.table + std::string(1, '\0');
  put_lenenc_int(body, t.columns.size());
  Bytes metadata;
  std::vector<bool> nullable;
  std::vector<bool> unsigned_bits;
  std::vector<bool> visible;
  Bytes names;
  for (const auto& c : t.columns) {
    put_int(body, c.type, 1);
    if (c.type == kTypeVarchar) put_int(metadata, c.max_bytes, 2);
    nullable.push_back(c.nullable);
    if (is_numeric(c.type)) unsigned_bits.push_back(c.is_unsigned);
    visible.push_back(c.visible);
    put_lenenc_string(names, c.name);
  }
  put_lenenc_int(body, metadata.size());
  body += metadata;
  body += lsb_bitmap(nullable);
  if (!t.full_metadata) return body;

  if (!unsigned_bits.empty()) put_field(body, kSignedness, msb_bitmap(unsigned_bits));
  Bytes charset;
  put_lenenc_int(charset, t.charset);
  put_field(body, kDefaultCharset, charset);
  put_field(body, kColumnName, names);
  if (!t.primary_key.empty()) {
    Bytes key;
    for (uint32_t column : t.primary_key) put_lenenc_int(key, column);
    put_field(body, kSimplePrimaryKey, key);
  }
  put_field(body, kColumnVisibility, msb_bitmap(visible));
  return body;
}

// A full row image: the NULL bitmap, then each non-NULL value.
void put_row(Bytes& body, const BuiltTable& t, const BuiltRow& row) {
  if (row.size() != t.columns.size()) throw std::invalid_argument("binlog builder: row size");
  std::vector<bool> nulls;
  for (const auto& value : row) nulls.push_back(!value);
  body += lsb_bitmap(nulls);
  for (size_t i = 0; i < row.size(); ++i) {
    if (!row[i]) continue;
    const BuiltColumn& c = t.columns[i];
    if (c.type == kTypeVarchar) {
      put_int(body, row[i]->size(), c.max_bytes > 255 ? 2 : 1);
      body += *row[i];
    } else {
      put_int(body, static_cast<uint64_t>(std::stoll(*row[i])), integer_bytes(c.type));
    }
  }
}

// The post-header and column bitmaps of a v2 rows event (every column in every image,
// as binlog_row_image=FULL logs them); an update has one bitmap per image.
Bytes rows_header(const BuiltTable& t, bool update) {
  Bytes body;
  put_int(body, t.id, 6);
  put_int(body, kStmtEndFlag, 2);
  put_int(body, 2, 2);  // extra data: its own length only
  put_lenenc_int(body, t.columns.size());
  const Bytes all = lsb_bitmap(std::vector<bool>(t.columns.size(), true));
  body += all;
  if (update) body += all;
  return body;
}

Bytes hex_uuid(const std::string& uuid) {
  Bytes out;
  for (size_t i = 0; i < uuid.size();) {
    if (uuid[i] == '-') {
      ++i;
      continue;
    }
    out += static_cast<char>(std::stoi(uuid.substr(i, 2), nullptr, 16));
    i += 2;
  }
  if (out.size() != 16) throw std::invalid_argument("binlog builder: bad uuid " + uuid);
  return out;
}

Bytes gtid_body(const std::string& gtid) {
  const size_t colon = gtid.rfind(':');
  Bytes body;
  put_int(body, 1, 1);  // flags: may commit in parallel
  body += hex_uuid(gtid.substr(0, colon));
  put_int(body, std::stoull(gtid.substr(colon + 1)), 8);
  put_int(body, 2, 1);  // logical timestamps follow
  put_int(body, 0, 8);  // last_committed
  put_int(body, 1, 8);  // sequence_number
  return body;
}

Bytes query_body(const std::string& schema, const std::string& sql) {
  Bytes body;
  put_int(body, 1, 4);  // thread id
  put_int(body, 0, 4);  // exec time
  put_int(body, schema.size(), 1);
  put_int(body, 0, 2);  // error code
  put_int(body, 0, 2);  // status variables: none
  body += schema + std::string(1, '\0') + sql;
  return body;
}

}  // namespace

Bytes format_description_event(const std::string& server_version, uint32_t server_id,
                               bool checksum) {
  // Post-header lengths per event type (index type - 1), as MySQL 8.0 writes them for
  // the events made here and those a reader meets beside them.
  Bytes post_headers(41, '\0');
  auto set = [&](uint8_t type, uint8_t length) {
    post_headers[type - 1] = static_cast<char>(length);
  };
  set(kQueryEvent, 13);
  set(4, 8);  // ROTATE
  set(kFormatDescriptionEvent, 98);
  set(kTableMapEvent, 8);
  set(kWriteRowsEvent, 10);
  set(kUpdateRowsEvent, 10);
  set(32, 10);  // DELETE_ROWS
  set(kGtidEvent, 42);
  set(34, 42);  // ANONYMOUS_GTID
  set(35, 0);   // PREVIOUS_GTIDS
  Bytes body;
  put_int(body, 4, 2);  // binlog version
  std::string version = server_version;
  version.resize(50, '\0');
  body += version;
  put_int(body, 0, 4);   // created
  put_int(body, 19, 1);  // event header length
  body += post_headers;
  put_int(body, checksum ? 1 : 0, 1);  // checksum algorithm
  // The event always has room for a checksum; without one the slot is zero.
  if (!checksum) put_int(body, 0, 4);
  return binlog_event(kFormatDescriptionEvent, server_id, 1700000000, 0, 0, body, checksum);
}

namespace {

std::vector<Bytes> transaction(const BuiltTable& table, uint8_t rows_type, const Bytes& rows,
                               const BuiltTransaction& tx) {
  auto event = [&](uint8_t type, const Bytes& body) {
    return binlog_event(type, tx.server_id, tx.timestamp, 0, 0, body, tx.checksum);
  };
  std::vector<Bytes> events;
  if (!tx.gtid.empty()) events.push_back(event(kGtidEvent, gtid_body(tx.gtid)));
  events.push_back(event(kQueryEvent, query_body(table.schema, "BEGIN")));
  events.push_back(event(kTableMapEvent, table_map_body(table)));
  events.push_back(event(rows_type, rows));
  Bytes xid;
  put_int(xid, tx.xid, 8);
  events.push_back(event(kXidEvent, xid));
  return events;
}

}  // namespace

std::vector<Bytes> insert_transaction(const BuiltTable& table, const std::vector<BuiltRow>& rows,
                                      const BuiltTransaction& tx) {
  Bytes body = rows_header(table, false);
  for (const auto& row : rows) put_row(body, table, row);
  return transaction(table, kWriteRowsEvent, body, tx);
}

std::vector<Bytes> update_transaction(const BuiltTable& table,
                                      const std::vector<std::pair<BuiltRow, BuiltRow>>& rows,
                                      const BuiltTransaction& tx) {
  Bytes body = rows_header(table, true);
  for (const auto& [before, after] : rows) {
    put_row(body, table, before);
    put_row(body, table, after);
  }
  return transaction(table, kUpdateRowsEvent, body, tx);
}

}  // namespace cdc::test::wire
