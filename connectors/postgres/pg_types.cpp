#include "connectors/postgres/pg_types.h"

#include <algorithm>
#include <array>

namespace cdc::pg {
namespace {

struct BuiltinType {
  uint32_t oid;
  std::string_view name;
  uint32_t element_oid;  // 0 unless an array type
};

// From pg_type.dat (PostgreSQL 16), sorted by OID for binary search.
constexpr auto kBuiltinTypes = std::to_array<BuiltinType>({
    {16, "bool", 0},
    {17, "bytea", 0},
    {18, "char", 0},
    {19, "name", 0},
    {20, "int8", 0},
    {21, "int2", 0},
    {22, "int2vector", 0},
    {23, "int4", 0},
    {24, "regproc", 0},
    {25, "text", 0},
    {26, "oid", 0},
    {27, "tid", 0},
    {28, "xid", 0},
    {29, "cid", 0},
    {30, "oidvector", 0},
    {114, "json", 0},
    {142, "xml", 0},
    {143, "_xml", 142},
    {199, "_json", 114},
    {271, "_xid8", 5069},
    {600, "point", 0},
    {601, "lseg", 0},
    {602, "path", 0},
    {603, "box", 0},
    {604, "polygon", 0},
    {628, "line", 0},
    {629, "_line", 628},
    {650, "cidr", 0},
    {651, "_cidr", 650},
    {700, "float4", 0},
    {701, "float8", 0},
    {705, "unknown", 0},
    {718, "circle", 0},
    {719, "_circle", 718},
    {774, "macaddr8", 0},
    {775, "_macaddr8", 774},
    {790, "money", 0},
    {791, "_money", 790},
    {829, "macaddr", 0},
    {869, "inet", 0},
    {1000, "_bool", 16},
    {1001, "_bytea", 17},
    {1002, "_char", 18},
    {1003, "_name", 19},
    {1005, "_int2", 21},
    {1006, "_int2vector", 22},
    {1007, "_int4", 23},
    {1008, "_regproc", 24},
    {1009, "_text", 25},
    {1010, "_tid", 27},
    {1011, "_xid", 28},
    {1012, "_cid", 29},
    {1013, "_oidvector", 30},
    {1014, "_bpchar", 1042},
    {1015, "_varchar", 1043},
    {1016, "_int8", 20},
    {1017, "_point", 600},
    {1018, "_lseg", 601},
    {1019, "_path", 602},
    {1020, "_box", 603},
    {1021, "_float4", 700},
    {1022, "_float8", 701},
    {1027, "_polygon", 604},
    {1028, "_oid", 26},
    {1033, "aclitem", 0},
    {1034, "_aclitem", 1033},
    {1040, "_macaddr", 829},
    {1041, "_inet", 869},
    {1042, "bpchar", 0},
    {1043, "varchar", 0},
    {1082, "date", 0},
    {1083, "time", 0},
    {1114, "timestamp", 0},
    {1115, "_timestamp", 1114},
    {1182, "_date", 1082},
    {1183, "_time", 1083},
    {1184, "timestamptz", 0},
    {1185, "_timestamptz", 1184},
    {1186, "interval", 0},
    {1187, "_interval", 1186},
    {1231, "_numeric", 1700},
    {1266, "timetz", 0},
    {1270, "_timetz", 1266},
    {1560, "bit", 0},
    {1561, "_bit", 1560},
    {1562, "varbit", 0},
    {1563, "_varbit", 1562},
    {1700, "numeric", 0},
    {1790, "refcursor", 0},
    {2201, "_refcursor", 1790},
    {2202, "regprocedure", 0},
    {2203, "regoper", 0},
    {2204, "regoperator", 0},
    {2205, "regclass", 0},
    {2206, "regtype", 0},
    {2207, "_regprocedure", 2202},
    {2208, "_regoper", 2203},
    {2209, "_regoperator", 2204},
    {2210, "_regclass", 2205},
    {2211, "_regtype", 2206},
    {2949, "_txid_snapshot", 2970},
    {2950, "uuid", 0},
    {2951, "_uuid", 2950},
    {2970, "txid_snapshot", 0},
    {3220, "pg_lsn", 0},
    {3221, "_pg_lsn", 3220},
    {3614, "tsvector", 0},
    {3615, "tsquery", 0},
    {3643, "_tsvector", 3614},
    {3645, "_tsquery", 3615},
    {3734, "regconfig", 0},
    {3735, "_regconfig", 3734},
    {3769, "regdictionary", 0},
    {3770, "_regdictionary", 3769},
    {3802, "jsonb", 0},
    {3807, "_jsonb", 3802},
    {3904, "int4range", 0},
    {3905, "_int4range", 3904},
    {3906, "numrange", 0},
    {3907, "_numrange", 3906},
    {3908, "tsrange", 0},
    {3909, "_tsrange", 3908},
    {3910, "tstzrange", 0},
    {3911, "_tstzrange", 3910},
    {3912, "daterange", 0},
    {3913, "_daterange", 3912},
    {3926, "int8range", 0},
    {3927, "_int8range", 3926},
    {4072, "jsonpath", 0},
    {4073, "_jsonpath", 4072},
    {4089, "regnamespace", 0},
    {4090, "_regnamespace", 4089},
    {4096, "regrole", 0},
    {4097, "_regrole", 4096},
    {4191, "regcollation", 0},
    {4192, "_regcollation", 4191},
    {4451, "int4multirange", 0},
    {4532, "nummultirange", 0},
    {4533, "tsmultirange", 0},
    {4534, "tstzmultirange", 0},
    {4535, "datemultirange", 0},
    {4536, "int8multirange", 0},
    {5038, "pg_snapshot", 0},
    {5039, "_pg_snapshot", 5038},
    {5069, "xid8", 0},
    {6150, "_int4multirange", 4451},
    {6151, "_nummultirange", 4532},
    {6152, "_tsmultirange", 4533},
    {6153, "_tstzmultirange", 4534},
    {6155, "_datemultirange", 4535},
    {6157, "_int8multirange", 4536},
});

static_assert(std::is_sorted(kBuiltinTypes.begin(), kBuiltinTypes.end(),
                             [](const BuiltinType& a, const BuiltinType& b) {
                               return a.oid < b.oid;
                             }));

const BuiltinType* find(uint32_t type_oid) {
  const auto it =
      std::lower_bound(kBuiltinTypes.begin(), kBuiltinTypes.end(), type_oid,
                       [](const BuiltinType& t, uint32_t wanted) { return t.oid < wanted; });
  return it != kBuiltinTypes.end() && it->oid == type_oid ? &*it : nullptr;
}

}  // namespace

std::string_view pg_type_name(uint32_t type_oid) {
  const BuiltinType* type = find(type_oid);
  return type != nullptr ? type->name : std::string_view();
}

uint32_t pg_array_element_oid(uint32_t type_oid) {
  const BuiltinType* type = find(type_oid);
  return type != nullptr ? type->element_oid : 0;
}

uint32_t pg_parse_oid(std::string_view type_name) {
  // Run once per table shape, not per value: a scan is enough.
  for (const BuiltinType& type : kBuiltinTypes) {
    if (type.name == type_name) return type.oid;
  }
  return type_name.starts_with('_') ? oid::kTextArray : oid::kText;
}

char pg_array_delimiter(uint32_t element_oid) { return element_oid == oid::kBox ? ';' : ','; }

}  // namespace cdc::pg
