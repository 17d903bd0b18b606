// Btf::write: the model serialized as header, types, layout and strings, in the input's
// byte order.
#include <algorithm>
#include <cstring>

#include "btf/btf.h"
#include "support/endian.h"
#include "support/file.h"

namespace kfb::btf {

// ---------------------------------------------------------------------------------------------
// Writer

std::vector<uint8_t> Btf::write() const {
  materialize();
  bool swap = swapped();
  size_t type_len = types_.size() * 12;
  for (const RawType &r : types_)
    type_len += 4 * static_cast<size_t>(std::max(0, words_of(r.info)));
  uint32_t hdr_len = static_cast<uint32_t>((layout_hdr_ ? 32 : 24) + hdr_extra_.size());
  // Sections: types, the layout (7.x), strings.
  uint32_t lay_len = static_cast<uint32_t>(layout_.size());
  // Appends through a small staging buffer: no zero-fill of the 5 MB result, and its pages
  // are populated in one call.
  std::vector<uint8_t> out;
  out.reserve(hdr_len + type_len + lay_len + strs_.size());
  prefault_write(out.data(), out.capacity());
  uint8_t hdr[24];
  store<uint16_t>(hdr, kMagic, swap);
  hdr[2] = hdr_.version;
  hdr[3] = hdr_.flags;
  store<uint32_t>(hdr + 4, hdr_len, swap);
  store<uint32_t>(hdr + 8, 0, swap);
  store<uint32_t>(hdr + 12, static_cast<uint32_t>(type_len), swap);
  store<uint32_t>(hdr + 16, static_cast<uint32_t>(type_len) + lay_len, swap);
  store<uint32_t>(hdr + 20, static_cast<uint32_t>(strs_.size()), swap);
  out.insert(out.end(), hdr, hdr + sizeof(hdr));
  if (layout_hdr_) {
    uint8_t lh[8];
    store<uint32_t>(lh, lay_len ? static_cast<uint32_t>(type_len) : 0, swap);
    store<uint32_t>(lh + 4, lay_len, swap);
    out.insert(out.end(), lh, lh + sizeof(lh));
  }
  out.insert(out.end(), hdr_extra_.begin(), hdr_extra_.end());

  uint8_t stage[64 * 1024];
  size_t n = 0;
  auto flush = [&] {
    out.insert(out.end(), stage, stage + n);
    n = 0;
  };
  auto put = [&](uint8_t *q, const RawType &r, size_t words) {
    store<uint32_t>(q, r.name_off, swap);
    store<uint32_t>(q + 4, r.info, swap);
    store<uint32_t>(q + 8, r.size_or_type, swap);
    const uint32_t *src = payload_.data() + r.extra;
    if (swap) {
      for (size_t i = 0; i < words; i++) store<uint32_t>(q + 12 + 4 * i, src[i], true);
    } else if (words) {
      std::memcpy(q + 12, src, words * 4);
    }
  };
  for (const RawType &r : types_) {
    size_t words = static_cast<size_t>(std::max(0, words_of(r.info)));
    size_t need = 12 + 4 * words;
    if (n + need > sizeof(stage)) flush();
    if (need > sizeof(stage)) {  // a record bigger than the stage (vlen near 0xffff): direct
      size_t at = out.size();
      out.resize(at + need);
      put(out.data() + at, r, words);
      continue;
    }
    put(stage + n, r, words);
    n += need;
  }
  flush();
  out.insert(out.end(), layout_.begin(), layout_.end());
  out.insert(out.end(), strs_.begin(), strs_.end());
  return out;
}

}  // namespace kfb::btf
