// Integers stored little-endian, packed, as the last-sent store keeps them.
#pragma once

#include <bit>
#include <cstring>
#include <string>

namespace cdc::state {

// On a little-endian machine a copy: gcc did not merge the byte loop's stores, which made
// encoding a stamp about 45 instructions.
template <typename T>
void store_le(char* out, T value) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(out, &value, sizeof value);
  } else {
    for (size_t i = 0; i < sizeof(T); ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  }
}

template <typename T>
void put_le(std::string& out, T value) {
  out.resize(out.size() + sizeof(T));
  store_le(out.data() + out.size() - sizeof(T), value);
}

template <typename T>
T get_le(const char* in) {
  T value = 0;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&value, in, sizeof value);
  } else {
    for (size_t i = 0; i < sizeof(T); ++i) {
      value |= static_cast<T>(static_cast<unsigned char>(in[i])) << (8 * i);
    }
  }
  return value;
}

}  // namespace cdc::state
