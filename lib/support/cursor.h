// The one bounds-checked reader of input bytes (mold's get_data, drgn's binary_buffer).
//
//   kfb::Cursor c(bytes, swap, "vmlinux.o: .BTF");
//   uint32_t magic = c.u16();
//   if (!c.has(12)) c.fail("truncated type");        // "vmlinux.o: .BTF+0x1a2c: truncated type"
//   c.seek(hdr_len);
//
// Every read checks the remaining length first and throws kfb::Error naming `where` and the
// byte offset (plus `base`, the offset of `bytes` inside the file section) on overrun. No
// other code does pointer arithmetic on file data.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "support/endian.h"
#include "support/error.h"

namespace kfb {

class Cursor {
 public:
  Cursor(std::span<const uint8_t> data, bool swap, std::string where, size_t base = 0)
      : data_(data), swap_(swap), where_(std::move(where)), base_(base) {}

  size_t pos() const { return pos_; }
  size_t size() const { return data_.size(); }
  size_t left() const { return data_.size() - pos_; }
  bool has(size_t n) const { return n <= left(); }
  bool swap() const { return swap_; }
  const std::string &where() const { return where_; }

  void seek(size_t off) {
    if (off > data_.size()) fail_at(pos_, "offset 0x%zx past the end (size 0x%zx)", off, data_.size());
    pos_ = off;
  }
  void skip(size_t n) { need(n), pos_ += n; }

  uint8_t u8() { return get<uint8_t>(); }
  uint16_t u16() { return get<uint16_t>(); }
  uint32_t u32() { return get<uint32_t>(); }
  uint64_t u64() { return get<uint64_t>(); }
  int32_t s32() { return static_cast<int32_t>(get<uint32_t>()); }
  // An unsigned LEB128 (DWARF); bits past 64 are dropped.
  uint64_t uleb() {
    uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
      uint8_t b = u8();
      if (shift < 64) v |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) return v;
    }
  }

  std::span<const uint8_t> bytes(size_t n) {
    need(n);
    auto s = data_.subspan(pos_, n);
    pos_ += n;
    return s;
  }

  // A NUL-terminated string starting at `off` (absolute in `data`), without moving.
  std::string_view cstr_at(size_t off) const;

  [[noreturn]] void fail(const char *fmt, ...) const __attribute__((format(printf, 2, 3)));
  [[noreturn]] void fail_at(size_t off, const char *fmt, ...) const
      __attribute__((format(printf, 3, 4)));

 private:
  void need(size_t n) const {
    if (!has(n)) fail_at(pos_, "truncated: need %zu bytes, %zu left", n, left());
  }
  template <typename T>
  T get() {
    need(sizeof(T));
    T v = load<T>(data_.data() + pos_, swap_);
    pos_ += sizeof(T);
    return v;
  }

  std::span<const uint8_t> data_;
  bool swap_;
  std::string where_;
  size_t base_;
  size_t pos_ = 0;
};

}  // namespace kfb
