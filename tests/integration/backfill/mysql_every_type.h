// A MariaDB table with a column of every type the binlog reader decodes, rows that reach
// the corners of each (zero dates, negative and long TIMEs, BINARY padding, FLOATs the
// server prints rounded, latin1's cp1252 bytes), and a mapping that sends every column:
// what the MySQL backfill tests read both from the binlog and with backfill.
#pragma once

#include <string>

namespace cdc::test::every_type {

inline constexpr int kRows = 7;

inline std::string create_table(const std::string& database) {
  return "CREATE TABLE " + database + R"sql(.every_type (
  id          BIGINT PRIMARY KEY,
  c_tiny      TINYINT,
  c_utiny     TINYINT UNSIGNED,
  c_small     SMALLINT,
  c_usmall    SMALLINT UNSIGNED,
  c_medium    MEDIUMINT,
  c_umedium   MEDIUMINT UNSIGNED,
  c_int       INT,
  c_uint      INT UNSIGNED,
  c_big       BIGINT,
  c_ubig      BIGINT UNSIGNED,
  c_decimal   DECIMAL(20, 6),
  c_decimal5  DECIMAL(5, 5),
  c_float     FLOAT,
  c_float74   FLOAT(7, 4),
  c_double    DOUBLE,
  c_double103 DOUBLE(10, 3),
  c_date      DATE,
  c_datetime  DATETIME(6),
  c_datetime0 DATETIME,
  c_timestamp TIMESTAMP(3) NULL,
  c_time      TIME(6),
  c_year      YEAR,
  c_char      CHAR(5),
  c_varchar   VARCHAR(40),
  c_latin1    VARCHAR(20) CHARACTER SET latin1,
  c_cp1251    VARCHAR(10) CHARACTER SET cp1251,
  c_text      TEXT,
  c_blob      BLOB,
  c_binary    BINARY(4),
  c_varbinary VARBINARY(10),
  c_enum      ENUM('small', 'medium', 'large'),
  c_set       SET('red', 'green', 'blue'),
  c_bit       BIT(10),
  c_json      JSON,
  c_geometry  GEOMETRY
))sql";
}

// kRows rows, TIMESTAMPs in UTC. The last two need a non-strict sql_mode (zero dates, the
// empty ENUM value); the statements set it for themselves and reset it.
inline std::string insert_rows(const std::string& database) {
  return "SET time_zone = '+00:00';\nINSERT INTO " + database + R"sql(.every_type VALUES
  (1, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295,
   9223372036854775807, 18446744073709551615, 1.5, 0.12345, 3.14, 3.14159, 2.718281828459045,
   1.23456, '2024-02-29', '2024-02-29 23:59:59.123456', '2001-02-03 04:05:06',
   '2024-06-01 10:00:00.250', '13:45:07.250000', 2024,
   'ab', 'varchar', 'café', 'abc', 'héllo "quoted" \\ back', x'00ff10', x'0102', x'cafe',
   'medium', 'red,blue', b'1010101010', '{"b": 1, "a": [1, 2]}', ST_GeomFromText('POINT(1 2)')),
  (2, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0,
   98765432109876.543210, -0.00001, -0.5, -0.5, 1e300, -0.001, '1970-01-01',
   '1970-01-01 00:00:00', '1999-12-31 23:59:59', '1999-12-31 23:59:59.999', '00:00:00', 1901,
   'abcde', '', '', '', '', x'', x'00000000', x'', 'small', '', b'0', '[1, "two", null]',
   ST_GeomFromText('LINESTRING(0 0, 1 1, 2 1)')),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL),
  (4, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, -0.000001, 0, 1e-10, 0.1, -1.7976931348623157e308, 0.1,
   '9999-12-31', '9999-12-31 23:59:59.999999', '1000-01-01 00:00:00', '2038-01-19 03:14:07.999',
   '23:59:59.999999', 2155, 'ü', 'ünïcødé ✓ 😀', 'Zoë', 'Привет', REPEAT('long text ', 90),
   REPEAT(x'ab', 700), x'ff', x'00', 'large', 'red,green,blue', b'1111111111',
   '"scalar"', ST_GeomFromText('POLYGON((0 0, 4 0, 4 4, 0 4, 0 0))')),
  (5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 0.5, 3.1415927, 3.1415927, 1.2345678901234567e-300,
   2.0005, '2000-01-01', '2000-01-01 00:00:00.000001', '2000-01-01 00:00:00',
   '1970-01-01 00:00:01.001', '-00:00:01.500000', 1999, 'ab  ', 'trailing  ', '€‰Ÿ ÿ',
   'ёж', 'x', x'00', x'01', x'00', 'small', 'blue', b'1', '{}', ST_GeomFromText('POINT(-1.5 1e10)'));
SET SESSION sql_mode = '';
INSERT INTO )sql" +
         database +
         R"sql(.every_type VALUES
  (6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16777217, 0, 0, 0, '0000-00-00',
   '2024-00-10 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '-838:59:59',
   0, '', '', '', '', '', x'', x'', x'', 'no such member', '', b'0', 'null',
   ST_GeomFromText('MULTIPOINT(0 0, 1 1)')),
  (7, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, '2024-05-00', '0000-01-01 00:00:00', '2024-01-00 10:00:00', NULL, '838:59:59.000000',
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
SET SESSION sql_mode = DEFAULT;
SET time_zone = DEFAULT)sql";
}

// Every column into one customer.
inline std::string mapping(const std::string& database) {
  return "table: " + database + R"yaml(.every_type
customer:
  id: id
  fields:
    tiny: c_tiny
    utiny: c_utiny
    small: c_small
    usmall: c_usmall
    medium: c_medium
    umedium: c_umedium
    int: c_int
    uint: c_uint
    big: c_big
    ubig: c_ubig
    decimal: c_decimal
    decimal5: c_decimal5
    float: c_float
    float74: c_float74
    double: c_double
    double103: c_double103
    date: c_date
    datetime: c_datetime
    datetime0: c_datetime0
    timestamp: c_timestamp
    time: c_time
    year: c_year
    char: c_char
    varchar: c_varchar
    latin1: c_latin1
    cp1251: c_cp1251
    text: c_text
    blob: c_blob
    binary: c_binary
    varbinary: c_varbinary
    enum: c_enum
    set: c_set
    bit: c_bit
    json: c_json
    geometry: c_geometry
  on_delete: delete
)yaml";
}

}  // namespace cdc::test::every_type
