#include "connectors/mysql/crc32.h"

#include <array>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace cdc::mysql {
namespace {

// Slicing-by-8 tables.
constexpr std::array<std::array<uint32_t, 256>, 8> make_tables() {
  std::array<std::array<uint32_t, 256>, 8> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    t[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; ++i) {
    for (size_t s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
  }
  return t;
}

constexpr auto kTables = make_tables();

// The running register (not inverted) over `n` bytes at `p`.
uint32_t update_by_tables(uint32_t c, const std::byte* p, size_t n) {
  while (n >= 8) {
    const uint32_t lo = c ^ static_cast<uint32_t>(load_le(p, 4));
    const uint32_t hi = static_cast<uint32_t>(load_le(p + 4, 4));
    c = kTables[7][lo & 0xff] ^ kTables[6][(lo >> 8) & 0xff] ^ kTables[5][(lo >> 16) & 0xff] ^
        kTables[4][lo >> 24] ^ kTables[3][hi & 0xff] ^ kTables[2][(hi >> 8) & 0xff] ^
        kTables[1][(hi >> 16) & 0xff] ^ kTables[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) c = (c >> 8) ^ kTables[0][(c ^ std::to_integer<uint8_t>(*p++)) & 0xff];
  return c;
}

#if defined(__x86_64__)

// Folding with carry-less multiplication (Intel, "Fast CRC Computation for Generic
// Polynomials Using PCLMULQDQ Instruction", 2009), in the bit-reflected form the binlog's
// CRC takes. Each constant is x^k mod P(x) for the distance k a step folds across,
// reflected and shifted as the paper derives; the Barrett pair reduces the last 64 bits
// to 32. The unit test compares with the tables over every length and alignment.
constexpr uint64_t kFold512Low = 0x154442bd4;   // x^(4*128+32) mod P
constexpr uint64_t kFold512High = 0x1c6e41596;  // x^(4*128-32) mod P
constexpr uint64_t kFold128Low = 0x1751997d0;   // x^(128+32) mod P
constexpr uint64_t kFold128High = 0x0ccaa009e;  // x^(128-32) mod P
constexpr uint64_t kFold64 = 0x163cd6124;       // x^64 mod P
constexpr uint64_t kPoly = 0x1db710641;         // P(x), reflected
constexpr uint64_t kBarrett = 0x1f7011641;      // floor(x^64 / P(x)), reflected

__attribute__((target("pclmul,sse4.1"))) __m128i fold(__m128i x, __m128i k, __m128i data) {
  const __m128i low = _mm_clmulepi64_si128(x, k, 0x00);
  const __m128i high = _mm_clmulepi64_si128(x, k, 0x11);
  return _mm_xor_si128(_mm_xor_si128(low, high), data);
}

__attribute__((target("pclmul,sse4.1"))) __m128i load(const std::byte* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

// The running register over `n` >= 64 bytes; what is left past the last 16-byte block
// goes through the tables.
__attribute__((target("pclmul,sse4.1"))) uint32_t update_by_clmul(uint32_t c, const std::byte* p,
                                                                  size_t n) {
  __m128i x0 = _mm_xor_si128(load(p), _mm_cvtsi32_si128(static_cast<int>(c)));
  __m128i x1 = load(p + 16);
  __m128i x2 = load(p + 32);
  __m128i x3 = load(p + 48);
  p += 64;
  n -= 64;
  __m128i k = _mm_set_epi64x(static_cast<int64_t>(kFold512High), static_cast<int64_t>(kFold512Low));
  for (; n >= 64; p += 64, n -= 64) {
    x0 = fold(x0, k, load(p));
    x1 = fold(x1, k, load(p + 16));
    x2 = fold(x2, k, load(p + 32));
    x3 = fold(x3, k, load(p + 48));
  }
  k = _mm_set_epi64x(static_cast<int64_t>(kFold128High), static_cast<int64_t>(kFold128Low));
  x0 = fold(x0, k, x1);
  x0 = fold(x0, k, x2);
  x0 = fold(x0, k, x3);
  for (; n >= 16; p += 16, n -= 16) x0 = fold(x0, k, load(p));

  // 128 bits to 64.
  x0 = _mm_xor_si128(_mm_clmulepi64_si128(x0, k, 0x10), _mm_srli_si128(x0, 8));
  // 64 bits to 32.
  const __m128i low32 = _mm_setr_epi32(-1, 0, 0, 0);
  x0 = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x0, low32),
                                          _mm_set_epi64x(0, static_cast<int64_t>(kFold64)), 0x00),
                     _mm_srli_si128(x0, 4));
  // Barrett reduction to the 32-bit remainder.
  const __m128i barrett =
      _mm_set_epi64x(static_cast<int64_t>(kBarrett), static_cast<int64_t>(kPoly));
  __m128i t = _mm_clmulepi64_si128(_mm_and_si128(x0, low32), barrett, 0x10);
  t = _mm_clmulepi64_si128(_mm_and_si128(t, low32), barrett, 0x00);
  c = static_cast<uint32_t>(_mm_extract_epi32(_mm_xor_si128(x0, t), 1));
  return update_by_tables(c, p, n);
}

bool has_clmul() {
  static const bool yes = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
  return yes;
}

#endif

}  // namespace

uint32_t crc32(Bytes bytes, uint32_t crc) {
#if defined(__x86_64__)
  // Below 64 bytes the set-up and the reduction cost more than the tables.
  if (bytes.size() >= 64 && has_clmul()) {
    return ~update_by_clmul(~crc, bytes.data(), bytes.size());
  }
#endif
  return crc32_by_tables(bytes, crc);
}

uint32_t crc32_by_tables(Bytes bytes, uint32_t crc) {
  return ~update_by_tables(~crc, bytes.data(), bytes.size());
}

}  // namespace cdc::mysql
