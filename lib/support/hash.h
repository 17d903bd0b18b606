// The one hash of the project: 64-bit words folded through splitmix64's finalizer, two
// independent streams when 128 bits are needed.
//
//   uint64_t h = kfb::hash::bytes64(name, kind);        // a table index (btf's name index)
//   kfb::Hash128 k = kfb::hash::bytes128(name);          // a content identity (diff's keys)
//   uint64_t h2 = kfb::hash::mix(h, value, kfb::hash::kSeedA);   // fold one more word
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace kfb {

struct Hash128 {
  uint64_t a = 0, b = 0;
  bool operator==(const Hash128 &o) const { return a == o.a && b == o.b; }
  bool operator!=(const Hash128 &o) const { return !(*this == o); }
  bool operator<(const Hash128 &o) const { return a != o.a ? a < o.a : b < o.b; }
};

namespace hash {

inline constexpr uint64_t kSeedA = 0x9e3779b97f4a7c15ULL, kSeedB = 0xc2b2ae3d27d4eb4fULL;

// Folds word `v`, keyed by `k`, into `h`.
inline uint64_t mix(uint64_t h, uint64_t v, uint64_t k) {
  v ^= k;
  v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9ULL;
  v = (v ^ (v >> 27)) * 0x94d049bb133111ebULL;
  v ^= v >> 31;
  return (h ^ v) * 0x100000001b3ULL + (h >> 29);
}

// Calls f(word) for each 8-byte little-endian-loaded word of s, the last one zero-padded.
template <typename F>
inline void words(std::string_view s, F &&f) {
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    memcpy(&w, s.data() + i, 8);
    f(w);
  }
  if (i < s.size()) {
    uint64_t w = 0;
    memcpy(&w, s.data() + i, s.size() - i);
    f(w);
  }
}

inline uint64_t bytes64(std::string_view s, uint64_t seed = 0) {
  uint64_t h = kSeedA ^ s.size() ^ (seed * kSeedB);
  words(s, [&h](uint64_t w) { h = mix(h, w, kSeedA); });
  return h;
}

inline Hash128 bytes128(std::string_view s) {
  uint64_t a = kSeedA ^ s.size(), b = kSeedB ^ (s.size() << 1);
  words(s, [&](uint64_t w) {
    a = mix(a, w, kSeedA);
    b = mix(b, w, kSeedB);
  });
  return {a, b};
}

}  // namespace hash
}  // namespace kfb
