// Loader phases 1 and 2: the btf_header, its sections in lib/sort.c's order, the string section
// and the 7.x layout section.
#include "check/loader_impl.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace kfb::check::detail {

namespace {

// lib/sort.c's __sort_r (the bottom-up heapsort with the two-largest pop of Linux 6.11 and
// later; on two elements it orders as the older one does), on elements of one unit: the same
// comparisons and swaps, so a comparator that is not an order gives the kernel's permutation.
template <typename T, typename Cmp>
void kernel_sort(T *base, size_t num, Cmp cmp) {
  size_t n = num, a = num / 2, shift = 0;
  if (!a) return;
  auto parent = [](size_t i) {
    i -= 1;
    i -= i & 1;
    return i / 2;
  };
  for (;;) {
    size_t b, c, d;
    if (a) {
      a -= size_t{1} << shift;
    } else if (n > 3) {
      n -= 1;
      std::swap(base[0], base[n]);
      shift = cmp(base[1], base[2]) <= 0;
      a = size_t{1} << shift;
      n -= 1;
      std::swap(base[a], base[n]);
    } else {
      break;
    }
    for (b = a; c = 2 * b + 1, (d = c + 1) < n;) b = cmp(base[c], base[d]) > 0 ? c : d;
    if (d == n) b = c;
    while (b != a && cmp(base[a], base[b]) >= 0) b = parent(b);
    c = b;
    while (b != a) {
      b = parent(b);
      std::swap(base[b], base[c]);
    }
  }
  n -= 1;
  std::swap(base[0], base[n]);
  if (n == 2 && cmp(base[0], base[1]) > 0) std::swap(base[0], base[1]);
}

}  // namespace

// ------------------------------------------------------------------------------------------
// Header and sections

int Loader::parse_hdr() {
  uint32_t size = static_cast<uint32_t>(blob_.size());
  if (size < 8) return fail_raw(EINVAL, "loader-header", 0, "hdr_len not found");
  uint32_t hdr_len = rd32(4);
  if (size < hdr_len) return fail_raw(EINVAL, "loader-header", 4, "btf_header not found");
  const uint32_t hdr_size = v7_ ? kHdrSize7 : kHdrSize;  // sizeof(struct btf_header)
  if (hdr_len > hdr_size) {
    for (uint32_t i = hdr_size; i < hdr_len; i++)
      if (rd8(i)) return fail_raw(E2BIG, "loader-header", i, "Unsupported btf_header");
  }
  // Only min(hdr_len, sizeof(struct btf_header)) bytes are taken; missing fields read as 0.
  uint8_t h[kHdrSize7] = {};
  uint32_t copy = std::min(hdr_len, hdr_size);
  cur_.seek(0);
  auto b = cur_.bytes(copy);
  std::memcpy(h, b.data(), copy);
  hdr_.magic = load<uint16_t>(h, false);
  hdr_.version = h[2];
  hdr_.flags = h[3];
  hdr_.hdr_len = load<uint32_t>(h + 4, false);
  hdr_.type_off = load<uint32_t>(h + 8, false);
  hdr_.type_len = load<uint32_t>(h + 12, false);
  hdr_.str_off = load<uint32_t>(h + 16, false);
  hdr_.str_len = load<uint32_t>(h + 20, false);
  hdr_.layout_off = load<uint32_t>(h + 24, false);  // 0 unless 7.x and hdr_len >= 32
  hdr_.layout_len = load<uint32_t>(h + 28, false);

  if (hdr_.magic != kMagic) return fail_raw(EINVAL, "loader-header", 0, "Invalid magic");
  if (hdr_.version != 1) return fail_raw(kENOTSUPP, "loader-header", 2, "Unsupported version");
  if (hdr_.flags) return fail_raw(kENOTSUPP, "loader-header", 3, "Unsupported flags");
  if (!base_ && size == hdr_.hdr_len) return fail_raw(EINVAL, "loader-header", 4, "No data");
  return check_sec_info();
}

int Loader::check_sec_info() {
  struct Sec {
    uint32_t off, len;
    size_t field;
  } secs[3] = {{hdr_.type_off, hdr_.type_len, 8},
               {hdr_.str_off, hdr_.str_len, 16},
               {hdr_.layout_off, hdr_.layout_len, 24}};
  // 7.x: the layout section is a third one when the header has it and it is not empty;
  // otherwise layout_off is not looked at.
  size_t nr = v7_ && hdr_.hdr_len >= kHdrSize7 && hdr_.layout_len ? 3 : 2;
  auto cmp = [](const Sec &x, const Sec &y) {
    int d = static_cast<int>(x.off - y.off);
    if (!d) d = static_cast<int>(x.len - y.len);
    return d;
  };
  // The kernel's sort(), not std::sort: the comparator is not transitive when offsets differ by
  // 2^31 or more, and then only lib/sort.c's own heapsort gives the kernel's order (and message).
  kernel_sort(secs, nr, cmp);
  uint32_t total = 0;
  uint32_t expected = static_cast<uint32_t>(blob_.size()) - hdr_.hdr_len;
  for (size_t i = 0; i < nr; i++) {
    const Sec &s = secs[i];
    if (expected < s.off) return fail_raw(EINVAL, "loader-header", s.field, "Invalid section offset");
    if (total < s.off) return fail_raw(EINVAL, "loader-header", s.field, "Unsupported section found");
    if (total > s.off) return fail_raw(EINVAL, "loader-header", s.field, "Section overlap found");
    if (expected - total < s.len)
      return fail_raw(EINVAL, "loader-header", s.field + 4, "Total section length too long");
    total += s.len;
  }
  if (expected != total)
    return fail_raw(EINVAL, "loader-header", hdr_.hdr_len + total, "Unsupported section found");
  return 0;
}

int Loader::parse_str_sec() {
  // Offsets are 32-bit in the kernel, but the blob is at most 4 GiB here anyway.
  uint64_t start = uint64_t(hdr_.hdr_len) + hdr_.str_off;
  uint64_t end = start + hdr_.str_len;
  // 7.x: only a header without the layout fields needs the strings last.
  if ((!v7_ || hdr_.hdr_len < kHdrSize7) && end != blob_.size())
    return fail_raw(EINVAL, "loader-strings", 16, "String section is not at the end");
  str_abs_ = start;
  if (base_ && !hdr_.str_len) return 0;
  if (!hdr_.str_len || hdr_.str_len - 1 > kMaxNameOffset || rd8(end - 1))
    return fail_raw(EINVAL, "loader-strings", start, "Invalid string section");
  if (!base_ && rd8(start))
    return fail_raw(EINVAL, "loader-strings", start, "Invalid string section");
  cur_.seek(start);
  strs_ = cur_.bytes(hdr_.str_len);
  return 0;
}

// 7.x, user BTF: the layout section's placement (its contents are not read by the kernel).
int Loader::parse_layout_sec() {
  if (!v7_ || hdr_.hdr_len < kHdrSize7 || !hdr_.layout_len) return 0;
  if (hdr_.layout_off & 3) return fail_raw(EINVAL, "loader-layout", 24, "Unaligned layout_off");
  if (hdr_.layout_len < kLayoutSize)
    return fail_raw(EINVAL, "loader-layout", 28, "Layout section is too small");
  if (hdr_.layout_len % kLayoutSize)
    return fail_raw(EINVAL, "loader-layout", 28,
                    strfmt("layout_len is not multiple of %u", kLayoutSize));
  if (uint64_t(hdr_.hdr_len) + hdr_.layout_off + hdr_.layout_len > blob_.size())
    return fail_raw(EINVAL, "loader-layout", 28, "Layout section is too big");
  return 0;
}

}  // namespace kfb::check::detail
