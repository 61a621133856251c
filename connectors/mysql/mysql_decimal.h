// MySQL's binary DECIMAL format, used by NEWDECIMAL columns and JSON opaque decimals.
// MySQL strings/decimal.cc (bin2decimal): the integer and fraction digits are stored
// in groups of nine decimal digits per 4 bytes, big-endian; a partial group at the
// left of the integer part and the right of the fraction takes 1-4 bytes (dig2bytes).
// The first bit is the sign flipped (1 = positive); negative numbers have every byte
// inverted.
#pragma once

#include <cstddef>
#include <string>

#include "connectors/mysql/byte_reader.h"

namespace cdc::mysql {

// Bytes a DECIMAL(precision, scale) occupies.
size_t decimal_binary_size(int precision, int scale);

// Reads one DECIMAL(precision, scale) and returns its exact text with exactly `scale`
// fraction digits: "-1234.5600", "0.50", "42". Throws ProtocolError when the bytes are
// not a valid decimal of that shape (precision 1..65, scale <= 30 and <= precision).
std::string read_decimal(ByteReader& r, int precision, int scale);
// The same into `out`, replacing what it holds (in its buffer, when the text fits: a
// recycled row's decimal); `out` is left alone when it throws.
void read_decimal_into(ByteReader& r, int precision, int scale, std::string& out);

}  // namespace cdc::mysql
