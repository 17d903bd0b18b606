// Byte-order helpers. Input files may be of either byte order; we detect it from a magic
// number and carry a `swap` flag (true when the file's order differs from the host's).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace kfb {

constexpr bool kHostBigEndian = std::endian::native == std::endian::big;

inline uint8_t bswap(uint8_t v) { return v; }
inline uint16_t bswap(uint16_t v) { return __builtin_bswap16(v); }
inline uint32_t bswap(uint32_t v) { return __builtin_bswap32(v); }
inline uint64_t bswap(uint64_t v) { return __builtin_bswap64(v); }

template <typename T>
inline T load(const void *p, bool swap) {
  T v;
  std::memcpy(&v, p, sizeof(v));
  return swap ? bswap(v) : v;
}

template <typename T>
inline void store(void *p, T v, bool swap) {
  if (swap) v = bswap(v);
  std::memcpy(p, &v, sizeof(v));
}

}  // namespace kfb
