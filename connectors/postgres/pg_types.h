// PostgreSQL's built-in type OIDs (src/include/catalog/pg_type.dat; fixed across
// versions) and what the decoder needs to know about them: their names and, for array
// types, the element type.
#pragma once

#include <cstdint>
#include <string_view>

namespace cdc::pg {

namespace oid {
inline constexpr uint32_t kBool = 16;
inline constexpr uint32_t kBytea = 17;
inline constexpr uint32_t kChar = 18;
inline constexpr uint32_t kName = 19;
inline constexpr uint32_t kInt8 = 20;
inline constexpr uint32_t kInt2 = 21;
inline constexpr uint32_t kInt4 = 23;
inline constexpr uint32_t kText = 25;
inline constexpr uint32_t kOid = 26;
inline constexpr uint32_t kJson = 114;
inline constexpr uint32_t kBox = 603;
inline constexpr uint32_t kFloat4 = 700;
inline constexpr uint32_t kFloat8 = 701;
inline constexpr uint32_t kUnknown = 705;
inline constexpr uint32_t kMoney = 790;
inline constexpr uint32_t kInet = 869;
inline constexpr uint32_t kBpchar = 1042;
inline constexpr uint32_t kVarchar = 1043;
inline constexpr uint32_t kDate = 1082;
inline constexpr uint32_t kTime = 1083;
inline constexpr uint32_t kTimestamp = 1114;
inline constexpr uint32_t kTimestamptz = 1184;
inline constexpr uint32_t kInterval = 1186;
inline constexpr uint32_t kTimetz = 1266;
inline constexpr uint32_t kBit = 1560;
inline constexpr uint32_t kVarbit = 1562;
inline constexpr uint32_t kNumeric = 1700;
inline constexpr uint32_t kUuid = 2950;
inline constexpr uint32_t kJsonb = 3802;

inline constexpr uint32_t kBoolArray = 1000;
inline constexpr uint32_t kByteaArray = 1001;
inline constexpr uint32_t kInt2Array = 1005;
inline constexpr uint32_t kInt4Array = 1007;
inline constexpr uint32_t kTextArray = 1009;
inline constexpr uint32_t kBpcharArray = 1014;
inline constexpr uint32_t kVarcharArray = 1015;
inline constexpr uint32_t kInt8Array = 1016;
inline constexpr uint32_t kBoxArray = 1020;
inline constexpr uint32_t kFloat4Array = 1021;
inline constexpr uint32_t kFloat8Array = 1022;
inline constexpr uint32_t kOidArray = 1028;
inline constexpr uint32_t kJsonArray = 199;
inline constexpr uint32_t kDateArray = 1182;
inline constexpr uint32_t kTimeArray = 1183;
inline constexpr uint32_t kTimestampArray = 1115;
inline constexpr uint32_t kTimestamptzArray = 1185;
inline constexpr uint32_t kNumericArray = 1231;
inline constexpr uint32_t kUuidArray = 2951;
inline constexpr uint32_t kJsonbArray = 3807;
}  // namespace oid

// The type's name as pg_type.typname spells it ("int4", "timestamptz", "_text" for
// text[]); empty for an OID that is not a built-in type.
std::string_view pg_type_name(uint32_t type_oid);

// The element type of a built-in array type (oid::kInt4 for oid::kInt4Array); 0 when
// `type_oid` is not a built-in array type.
uint32_t pg_array_element_oid(uint32_t type_oid);

// The type a value of a column whose Column::type_name is `type_name` is parsed as, as
// the ChangeAssembler and PgTableReader choose it: a built-in type by its name; other
// types (enums, domains, extension types) as text, and arrays of them ("_mood") as arrays
// of text. A user type named like a built-in one in another schema is taken for it.
uint32_t pg_parse_oid(std::string_view type_name);

// The character between array elements in the text form of arrays of `element_oid`
// (pg_type.typdelim): ';' for box, ',' for every other built-in type.
char pg_array_delimiter(uint32_t element_oid);

}  // namespace cdc::pg
