#include "connectors/mysql/table_map_event.h"

#include <fmt/format.h>

namespace cdc::mysql {
namespace {

// Optional metadata field types (rows_event.h: Optional_metadata_field_type).
enum OptionalField : uint8_t {
  kSignedness = 1,
  kDefaultCharset = 2,
  kColumnCharset = 3,
  kColumnName = 4,
  kSetStrValue = 5,
  kEnumStrValue = 6,
  kGeometryType = 7,
  kSimplePrimaryKey = 8,
  kPrimaryKeyWithPrefix = 9,
  kEnumAndSetDefaultCharset = 10,
  kEnumAndSetColumnCharset = 11,
  kColumnVisibility = 12,
};

bool is_numeric(ColumnType t, bool mariadb) {
  switch (t) {
    case ColumnType::kTiny:
    case ColumnType::kShort:
    case ColumnType::kInt24:
    case ColumnType::kLong:
    case ColumnType::kLongLong:
    case ColumnType::kNewDecimal:
    case ColumnType::kFloat:
    case ColumnType::kDouble:
      return true;
    case ColumnType::kYear:
      return mariadb;
    default:
      return false;
  }
}

bool is_character(ColumnType t, bool mariadb) {
  switch (t) {
    case ColumnType::kString:
    case ColumnType::kVarString:
    case ColumnType::kVarchar:
    case ColumnType::kBlob:
      return true;
    case ColumnType::kGeometry:
      return mariadb;
    case ColumnType::kVector:
      return !mariadb;
    default:
      return false;
  }
}

bool is_enum_or_set(ColumnType t) { return t == ColumnType::kEnum || t == ColumnType::kSet; }

// Reads one column's type metadata from the metadata block.
void read_column_metadata(ByteReader& m, ColumnInfo& c) {
  switch (c.wire_type) {
    case ColumnType::kFloat:
    case ColumnType::kDouble:
    case ColumnType::kTimestamp2:
    case ColumnType::kDateTime2:
    case ColumnType::kTime2:
      c.metadata = m.u8("column metadata");
      c.decimals = static_cast<uint8_t>(c.metadata);
      break;
    case ColumnType::kBlob:
    case ColumnType::kTinyBlob:
    case ColumnType::kMediumBlob:
    case ColumnType::kLongBlob:
    case ColumnType::kGeometry:
    case ColumnType::kJson:
    case ColumnType::kVector:
    case ColumnType::kMariadbBlobCompressed:
      c.metadata = m.u8("column metadata");
      c.length = c.metadata;
      break;
    case ColumnType::kVarchar:
    case ColumnType::kVarString:
    case ColumnType::kMariadbVarcharCompressed:
      c.metadata = m.u16("column metadata");
      c.length = c.metadata;
      break;
    case ColumnType::kBit: {
      const uint8_t bits = m.u8("bit metadata");
      const uint8_t bytes = m.u8("bit metadata");
      c.metadata = static_cast<uint16_t>(bytes << 8 | bits);
      c.length = bytes * 8u + bits;
      break;
    }
    case ColumnType::kNewDecimal:
      c.precision = m.u8("decimal precision");
      c.decimals = m.u8("decimal scale");
      c.metadata = static_cast<uint16_t>(c.precision << 8 | c.decimals);
      break;
    case ColumnType::kString:
    case ColumnType::kEnum:
    case ColumnType::kSet: {
      const uint8_t byte0 = m.u8("string metadata");
      const uint8_t byte1 = m.u8("string metadata");
      c.metadata = static_cast<uint16_t>(byte0 << 8 | byte1);
      if (byte0 != 0 && (byte0 & 0x30) != 0x30) {
        // CHAR longer than 255 bytes: length bits 8-9 are stored inverted in bits 4-5
        // of the real-type byte.
        c.length = byte1 | (((byte0 & 0x30) ^ 0x30) << 4);
        c.type = static_cast<ColumnType>(byte0 | 0x30);
      } else {
        c.length = byte1;
        if (byte0 != 0) c.type = static_cast<ColumnType>(byte0);
      }
      break;
    }
    case ColumnType::kTypedArray:
      m.fail("typed array columns (multi-valued index internals) are not decodable");
    case ColumnType::kDecimal:
    case ColumnType::kTiny:
    case ColumnType::kShort:
    case ColumnType::kLong:
    case ColumnType::kNull:
    case ColumnType::kTimestamp:
    case ColumnType::kLongLong:
    case ColumnType::kInt24:
    case ColumnType::kDate:
    case ColumnType::kTime:
    case ColumnType::kDateTime:
    case ColumnType::kYear:
    case ColumnType::kNewDate:
      break;
    default:
      m.fail(fmt::format("column type {} has unknown metadata", static_cast<int>(c.wire_type)));
  }
}

// Bitmaps of optional metadata list the first column in the most significant bit.
std::vector<bool> read_msb_bitmap(ByteReader& r) {
  std::vector<bool> bits;
  while (!r.at_end()) {
    const uint8_t b = r.u8("bitmap");
    for (int k = 7; k >= 0; --k) bits.push_back(((b >> k) & 1) != 0);
  }
  return bits;
}

// DEFAULT_CHARSET layout: the default collation, then (index, collation) exceptions.
std::vector<uint32_t> read_default_charsets(ByteReader& r, size_t count) {
  std::vector<uint32_t> out(count, static_cast<uint32_t>(r.packed("default charset")));
  while (!r.at_end()) {
    const uint64_t index = r.packed("charset column index");
    const uint64_t collation = r.packed("charset collation");
    if (index < count) out[index] = static_cast<uint32_t>(collation);
  }
  return out;
}

std::vector<uint32_t> read_packed_list(ByteReader& r) {
  std::vector<uint32_t> out;
  while (!r.at_end()) out.push_back(static_cast<uint32_t>(r.packed("list entry")));
  return out;
}

std::vector<std::vector<std::string>> read_string_values(ByteReader& r) {
  std::vector<std::vector<std::string>> out;
  while (!r.at_end()) {
    const uint64_t count = r.packed("value count");
    if (count > r.remaining()) r.fail(fmt::format("{} values cannot fit", count));
    std::vector<std::string> values;
    values.reserve(count);
    for (uint64_t i = 0; i < count; ++i) {
      const uint64_t length = r.packed("value length");
      values.emplace_back(r.str(length, "value"));
    }
    out.push_back(std::move(values));
  }
  return out;
}

// Indices of the columns a per-kind optional list covers, in column order.
template <typename Pred>
std::vector<size_t> columns_where(const TableMap& t, Pred pred) {
  std::vector<size_t> out;
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (pred(t.columns[i])) out.push_back(i);
  }
  return out;
}

void assign_collations(TableMap& t, const std::vector<size_t>& columns,
                       const std::vector<uint32_t>& collations) {
  for (size_t k = 0; k < columns.size() && k < collations.size(); ++k) {
    t.columns[columns[k]].collation = collations[k];
  }
}

void read_optional_metadata(ByteReader& r, TableMap& t, bool mariadb) {
  const auto character =
      columns_where(t, [&](const ColumnInfo& c) { return is_character(c.type, mariadb); });
  const auto enum_or_set =
      columns_where(t, [](const ColumnInfo& c) { return is_enum_or_set(c.type); });
  while (!r.at_end()) {
    const uint8_t type = r.u8("optional metadata type");
    const uint64_t length = r.packed("optional metadata length");
    const size_t value_offset = r.offset();
    ByteReader v(r.bytes(length, "optional metadata value"), value_offset,
                 "table map optional metadata");
    switch (type) {
      case kSignedness: {
        const auto numeric =
            columns_where(t, [&](const ColumnInfo& c) { return is_numeric(c.type, mariadb); });
        const std::vector<bool> bits = read_msb_bitmap(v);
        for (size_t k = 0; k < numeric.size() && k < bits.size(); ++k) {
          t.columns[numeric[k]].signedness = bits[k] ? Signedness::kUnsigned : Signedness::kSigned;
        }
        t.has_signedness = true;
        break;
      }
      case kDefaultCharset:
        assign_collations(t, character, read_default_charsets(v, character.size()));
        t.has_charsets = true;
        break;
      case kColumnCharset:
        assign_collations(t, character, read_packed_list(v));
        t.has_charsets = true;
        break;
      case kEnumAndSetDefaultCharset:
        assign_collations(t, enum_or_set, read_default_charsets(v, enum_or_set.size()));
        break;
      case kEnumAndSetColumnCharset:
        assign_collations(t, enum_or_set, read_packed_list(v));
        break;
      case kColumnName:
        for (ColumnInfo& c : t.columns) {
          if (v.at_end()) break;
          c.name = std::string(v.str(v.packed("name length"), "column name"));
        }
        t.has_column_names = true;
        break;
      case kSetStrValue:
      case kEnumStrValue: {
        const ColumnType kind = type == kSetStrValue ? ColumnType::kSet : ColumnType::kEnum;
        const auto columns = columns_where(t, [&](const ColumnInfo& c) { return c.type == kind; });
        auto values = read_string_values(v);
        for (size_t k = 0; k < columns.size() && k < values.size(); ++k) {
          t.columns[columns[k]].members = std::move(values[k]);
        }
        break;
      }
      case kGeometryType: {
        const auto columns =
            columns_where(t, [](const ColumnInfo& c) { return c.type == ColumnType::kGeometry; });
        const auto types = read_packed_list(v);
        for (size_t k = 0; k < columns.size() && k < types.size(); ++k) {
          t.columns[columns[k]].geometry_type = types[k];
        }
        break;
      }
      case kSimplePrimaryKey:
        for (uint32_t column : read_packed_list(v)) t.primary_key.push_back({column, 0});
        break;
      case kPrimaryKeyWithPrefix:
        while (!v.at_end()) {
          const auto column = static_cast<uint32_t>(v.packed("key column"));
          const auto prefix = static_cast<uint32_t>(v.packed("key prefix"));
          t.primary_key.push_back({column, prefix});
        }
        break;
      case kColumnVisibility: {
        const std::vector<bool> bits = read_msb_bitmap(v);
        for (size_t k = 0; k < t.columns.size() && k < bits.size(); ++k) {
          t.columns[k].visible = bits[k];
        }
        break;
      }
      default:
        break;  // newer fields (VECTOR_DIMENSIONALITY, ...) are not needed to decode rows
    }
  }
}

// ENUM/SET member strings are in the column's charset; rows are handed out in UTF-8.
void finish_columns(TableMap& t) {
  for (ColumnInfo& c : t.columns) {
    c.encoding = encoding_of_collation(c.collation);
    if (c.type == ColumnType::kJson) ++t.json_column_count;
    if (c.encoding == TextEncoding::kLatin1) {
      for (std::string& m : c.members) {
        std::string utf8;
        append_latin1_as_utf8(m, utf8);
        m = std::move(utf8);
      }
    }
  }
}

}  // namespace

uint64_t read_table_id(ByteReader& r, uint8_t post_header_length) {
  return post_header_length == 6 ? r.u32("table id") : r.u48("table id");
}

TableMap decode_table_map(const RawEvent& raw, const FormatDescriptionEvent& fde) {
  ByteReader r(raw.body, kEventHeaderLength, "table map event");
  const uint8_t post_header = fde.post_header_length(EventType::kTableMap, 8);
  TableMap t;
  t.table_id = read_table_id(r, post_header);
  t.flags = r.u16("flags");
  if (post_header > 8) r.skip(post_header - 8u, "post-header extension");
  t.schema = std::string(r.str(r.u8("schema length"), "schema"));
  r.skip(1, "schema terminator");
  t.table = std::string(r.str(r.u8("table length"), "table"));
  r.skip(1, "table terminator");
  const uint64_t count = r.packed("column count");
  if (count > r.remaining()) r.fail(fmt::format("{} columns cannot fit", count));
  const Bytes types = r.bytes(count, "column types");
  t.columns.resize(count);
  for (size_t i = 0; i < count; ++i) {
    t.columns[i].wire_type = static_cast<ColumnType>(types[i]);
    t.columns[i].type = t.columns[i].wire_type;
  }
  const uint64_t metadata_length = r.packed("metadata length");
  const size_t metadata_offset = r.offset();
  ByteReader m(r.bytes(metadata_length, "metadata"), metadata_offset, "table map metadata");
  for (ColumnInfo& c : t.columns) read_column_metadata(m, c);
  const Bytes nulls = r.bytes((count + 7) / 8, "null bitmap");
  for (size_t i = 0; i < count; ++i) {
    t.columns[i].nullable = ((std::to_integer<uint8_t>(nulls[i / 8]) >> (i % 8)) & 1) != 0;
  }
  read_optional_metadata(r, t, fde.is_mariadb());
  finish_columns(t);
  return t;
}

}  // namespace cdc::mysql
