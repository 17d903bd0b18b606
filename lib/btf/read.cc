// Btf::parse: a .BTF blob (base or split, either byte order) read into the model.
//
// What parse() refuses, and why only that: a .BTF blob is turned into records we can print and
// write back. We stop on input we could not hold or print: a bad magic, a header shorter than
// 24 bytes or running past the end, sections outside the blob, a type record or its payload
// cut short, a kind number above ENUM64 (its payload size is unknown), and a name offset
// (type, member, parameter or enumerator name) outside the string section, since every one of
// those is printed by dump. Everything else a kernel would reject (bad type ids, sizes, vlen
// of FUNC, ...) is kept as read: lib/check reports it with the kernel's words.
#include <algorithm>
#include <cstring>

#include "btf/btf.h"
#include "support/cursor.h"
#include "support/endian.h"
#include "support/error.h"
#include "support/file.h"

namespace kfb::btf {

namespace {

// How far ahead parse_deferred's walk asks for the type records (bytes): enough to cover the
// latency of a miss at ~25 bytes a record.
constexpr size_t kPrefetchAhead = 2048;

const char *payload_noun(unsigned kind) {
  switch (static_cast<Kind>(kind)) {
    case Kind::INT: return "int data";
    case Kind::ARRAY: return "array data";
    case Kind::STRUCT:
    case Kind::UNION: return "member list";
    case Kind::ENUM:
    case Kind::ENUM64: return "enumerator list";
    case Kind::FUNC_PROTO: return "parameter list";
    case Kind::VAR: return "var data";
    case Kind::DATASEC: return "variable list";
    case Kind::DECL_TAG: return "decl tag data";
    default: return "payload";
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Reader

Btf Btf::parse(std::span<const uint8_t> bytes, std::string where, const Btf *base) {
  return parse_impl(bytes, std::move(where), base, false);
}

Btf Btf::parse_deferred(std::span<const uint8_t> bytes, std::string where) {
  return parse_impl(bytes, std::move(where), nullptr, true);
}

Btf Btf::parse_impl(std::span<const uint8_t> bytes, std::string where, const Btf *base, bool deferred) {
  Btf b;
  b.where_ = where;
  Cursor c(bytes, false, where);
  if (bytes.size() < 2) c.fail("not BTF: %zu bytes, too short for a header", bytes.size());
  bool file_be;
  if (bytes[0] == 0x9f && bytes[1] == 0xeb) {
    file_be = false;
  } else if (bytes[0] == 0xeb && bytes[1] == 0x9f) {
    file_be = true;
  } else {
    c.fail("not BTF: bad magic 0x%02x%02x (want 0xeb9f in either byte order)", bytes[0], bytes[1]);
  }
  bool swap = file_be != kHostBigEndian;
  b.big_endian_ = file_be;
  c = Cursor(bytes, swap, where);
  if (bytes.size() < 24) c.fail("truncated header: %zu bytes, need 24", bytes.size());
  Header &h = b.hdr_;
  h.magic = c.u16();
  h.version = c.u8();
  h.flags = c.u8();
  h.hdr_len = c.u32();
  if (h.hdr_len < 24) c.fail_at(4, "header length %u is less than 24", h.hdr_len);
  if (h.hdr_len > bytes.size())
    c.fail_at(4, "header length %u past the end (size %zu)", h.hdr_len, bytes.size());
  h.type_off = c.u32();
  h.type_len = c.u32();
  h.str_off = c.u32();
  h.str_len = c.u32();
  // 7.x: a 32-byte header places the layout section (layout_off, layout_len).
  if (h.hdr_len >= 32) {
    b.layout_hdr_ = true;
    h.layout_off = c.u32();
    h.layout_len = c.u32();
  }
  if (c.pos() < h.hdr_len) {
    auto extra = c.bytes(h.hdr_len - c.pos());
    b.hdr_extra_.assign(extra.begin(), extra.end());
  }
  if (h.layout_len) {
    uint64_t ls = uint64_t{h.hdr_len} + h.layout_off, le = ls + h.layout_len;
    if (le > bytes.size())
      c.fail_at(24, "layout section [0x%llx, 0x%llx) past the end (size 0x%zx)",
                static_cast<unsigned long long>(ls), static_cast<unsigned long long>(le), bytes.size());
    if (h.layout_len % 4)
      c.fail_at(28, "layout section of %u bytes is not a whole number of 4-byte entries", h.layout_len);
    b.layout_.assign(bytes.begin() + ls, bytes.begin() + le);
    // Entry k: the bytes after the 12-byte btf_type head (info_sz) and per vlen entry (elem_sz).
    // An entry for a kind this reader knows must agree with it (a layout that lies about a
    // size would make other readers skip the wrong number of bytes).
    for (unsigned k = 1; k <= kKindMax && 4 * (k + 1) <= b.layout_.size(); k++) {
      unsigned info_sz = b.layout_[4 * k], elem_sz = b.layout_[4 * k + 1];
      int fixed = payload_words(k, 0), per = payload_words(k, 1) - fixed;
      if (info_sz != 4u * fixed || elem_sz != 4u * per)
        c.fail_at(ls + 4 * k, "layout entry for kind %u (%s) says %u + %u per vlen bytes after the head; %s has %d + %d",
                  k, kind_name(k), info_sz, elem_sz, kind_name(k), 4 * fixed, 4 * per);
    }
  }
  uint64_t type_start = uint64_t{h.hdr_len} + h.type_off, type_end = type_start + h.type_len;
  uint64_t str_start = uint64_t{h.hdr_len} + h.str_off, str_end = str_start + h.str_len;
  if (type_end > bytes.size())
    c.fail_at(8, "type section [0x%llx, 0x%llx) past the end (size 0x%zx)",
              static_cast<unsigned long long>(type_start), static_cast<unsigned long long>(type_end),
              bytes.size());
  if (str_end > bytes.size())
    c.fail_at(16, "string section [0x%llx, 0x%llx) past the end (size 0x%zx)",
              static_cast<unsigned long long>(str_start), static_cast<unsigned long long>(str_end),
              bytes.size());

  if (base) {
    if (base->big_endian() != file_be)
      c.fail_at(0, "byte order (%s-endian) differs from its base BTF's (%s-endian, %s)",
                file_be ? "big" : "little", base->big_endian() ? "big" : "little",
                base->where().c_str());
    b.base_ = base;
    b.start_id_ = base->type_cnt();
    b.start_str_off_ = base->start_str_off() + base->str_len();
  }

  // parse_deferred: the strings stay where they are and the types are only counted (as pass 1
  // below). What that walk cannot take (a string section that does not start and end with a
  // NUL, a record cut short, a kind without a size) is left to the full parse, which says what
  // is wrong.
  if (deferred) {
    std::string_view strs(reinterpret_cast<const char *>(bytes.data() + str_start), h.str_len);
    if (!strs.empty() && strs.front() == '\0' && strs.back() == '\0') {
      // The hot loop of a module's emit (126,000 records of vmlinux): it indexes the span the
      // cursor handed out, each read checked against its end; faulted in with one call.
      Cursor pc(bytes, swap, where);
      pc.seek(type_start);
      std::span<const uint8_t> ts = pc.bytes(h.type_len);
      prefault_read(ts.data(), ts.size());
      size_t at = 0, end = ts.size();
      uint32_t cnt = 0;
      auto walk = [&](auto swapped) {
        while (end - at >= 12) {
          // Each record's size is in the one before it: a chain of loads that the hardware
          // prefetcher does not run ahead of (page boundaries), so ask for the bytes ahead.
          __builtin_prefetch(ts.data() + std::min(end, at + kPrefetchAhead));
          uint32_t info = load<uint32_t>(ts.data() + at + 4, swapped());
          int w = info_kind(info) <= kKindMax ? payload_words(info_kind(info), info_vlen(info)) : b.words_of(info);
          if (w < 0 || end - at - 12 < static_cast<size_t>(w) * 4) break;
          at += 12 + static_cast<size_t>(w) * 4;
          cnt++;
        }
      };
      if (swap)
        walk(std::true_type{});
      else
        walk(std::false_type{});
      if (at == end) {
        b.deferred_ = std::make_unique<Deferred>();
        b.deferred_->bytes = bytes;
        b.deferred_->strs = strs;
        b.deferred_->cnt = cnt;
        return b;
      }
    }
  }

  // Strings first: type errors print names. Big buffers are pre-faulted in one call: page
  // faults, not copying, dominate parse time on a 5.5 MB vmlinux BTF.
  b.strs_.reserve(h.str_len);
  prefault_write(b.strs_.data(), h.str_len);
  b.strs_.assign(reinterpret_cast<const char *>(bytes.data() + str_start), h.str_len);
  if (!base && !b.strs_.empty() && b.strs_[0] != '\0')
    c.fail_at(str_start,
              "split BTF needs its base: use -B/--base-btf (the string section does not start "
              "with an empty string)");
  uint32_t str_end_off = b.start_str_off_ + h.str_len;
  auto name_ok = [&](uint32_t off) {
    if (off < b.start_str_off_) return base->valid_str(off);
    return off < str_end_off || (off == 0 && h.str_len == 0);
  };

  // Pass 1: count records and payload words, so both vectors are allocated once. It stops
  // quietly at the first problem; pass 2 reports it.
  size_t n_types = 0, n_words = 0;
  {
    Cursor pc(bytes.subspan(type_start, h.type_len), swap, where, type_start);
    while (pc.has(12)) {
      pc.skip(4);
      uint32_t info = pc.u32();
      pc.skip(4);
      int w = b.words_of(info);
      if (w < 0 || !pc.has(static_cast<size_t>(w) * 4)) break;
      pc.skip(static_cast<size_t>(w) * 4);
      n_types++;
      n_words += static_cast<size_t>(w);
    }
  }
  b.types_.reserve(n_types + 1);
  prefault_write(b.types_.data(), (n_types + 1) * sizeof(RawType));
  b.payload_.reserve(n_words + 1);
  prefault_write(b.payload_.data(), (n_words + 1) * 4);
  b.payload_.resize(n_words);
  size_t used_words = 0;

  Cursor tc(bytes.subspan(type_start, h.type_len), swap, where, type_start);
  uint32_t id = b.start_id_;
  auto describe = [&](uint32_t tid, const RawType &r) {
    unsigned kind = info_kind(r.info);
    if (!name_ok(r.name_off)) return strfmt("[%u] %s", tid, kind_name(kind));
    std::string_view nm = b.str(r.name_off);
    return strfmt("[%u] %s '%.*s'", tid, kind_name(kind), static_cast<int>(nm.size()), nm.data());
  };
  while (tc.left()) {
    size_t at = tc.pos();
    if (!tc.has(12))
      tc.fail("[%u] truncated type record: %zu bytes left, need 12", id, tc.left());
    RawType r;
    r.name_off = tc.u32();
    r.info = tc.u32();
    r.size_or_type = tc.u32();
    unsigned kind = info_kind(r.info);
    bool known = kind <= kKindMax;
    if (!known && b.layout_.size() < 4 * (size_t{kind} + 1))
      tc.fail_at(at, "[%u] unknown kind %u%s", id, kind,
                 b.layout_hdr_ ? " and no layout entry for it" : " (no layout section to skip it by)");
    if (!name_ok(r.name_off))
      tc.fail_at(at, "[%u] %s: name offset 0x%x out of range (strings end at 0x%x)", id,
                 kind_name(kind), r.name_off, str_end_off);
    uint32_t vlen = info_vlen(r.info);
    int w = b.words_of(r.info);
    if (w < 0)
      tc.fail_at(at, "[%u] kind %u: its layout entry gives %u + %u * %u bytes, not a whole number of words",
                 id, kind, b.layout_[4 * kind], b.layout_[4 * kind + 1], vlen);
    size_t words = static_cast<size_t>(w);
    if (!tc.has(words * 4))
      tc.fail("%s: truncated %s: need %zu bytes, %zu left", describe(id, r).c_str(),
              payload_noun(kind), words * 4, tc.left());
    r.extra = static_cast<uint32_t>(used_words);
    auto raw = tc.bytes(words * 4);
    if (used_words + words > b.payload_.size()) b.payload_.resize(used_words + words);
    uint32_t *dst = b.payload_.data() + used_words;
    used_words += words;
    if (swap) {
      for (size_t i = 0; i < words; i++) dst[i] = load<uint32_t>(raw.data() + 4 * i, true);
    } else if (words) {
      std::memcpy(dst, raw.data(), words * 4);
    }
    // Names inside the payload (members, params, enumerators) are printed too.
    size_t stride = known ? named_entry_stride(static_cast<Kind>(kind)) : 0;
    if (stride)
      for (size_t i = 0; i < vlen; i++)
        if (!name_ok(dst[i * stride]))
          tc.fail_at(at + 12 + i * stride * 4, "%s: %s %zu: name offset 0x%x out of range (strings end at 0x%x)",
                     describe(id, r).c_str(),
                     kind == 13 ? "param" : (kind == 4 || kind == 5) ? "member" : "enumerator", i,
                     dst[i * stride], str_end_off);
    b.types_.push_back(r);
    id++;
  }
  b.payload_.resize(used_words);
  return b;
}

// The types of parse_deferred read where they are. The count walk proved that the records tile
// the type section; this one records where each starts and checks every name offset (heads,
// members, parameters, enumerators) against the strings, as parse() does. On a bad name it
// gives up, and materialize()'s parse() says which one with its own message.
bool Btf::view_in_place() const {
  Deferred &d = *deferred_;
  const uint8_t *ts = d.bytes.data() + hdr_.hdr_len + hdr_.type_off;
  if (swapped() || reinterpret_cast<uintptr_t>(ts) % alignof(uint32_t)) return false;
  const auto *w = reinterpret_cast<const uint32_t *>(ts);
  size_t str_len = d.strs.size();
  d.offs.reserve(d.cnt);
  prefault_write(d.offs.data(), d.cnt * sizeof(uint32_t));
  d.offs.resize(d.cnt);
  size_t at = 0;
  for (uint32_t i = 0; i < d.cnt; i++) {
    const uint32_t *rec = w + at;
    uint32_t info = rec[1];
    unsigned kind = info_kind(info);
    if (rec[0] >= str_len) return false;
    size_t stride = kind <= kKindMax ? named_entry_stride(static_cast<Kind>(kind)) : 0;
    if (stride)
      for (size_t e = 0, n = info_vlen(info); e < n; e++)
        if (rec[3 + e * stride] >= str_len) return false;
    d.offs[i] = static_cast<uint32_t>(at);
    at += 3 + static_cast<size_t>(kind <= kKindMax ? payload_words(kind, info_vlen(info)) : words_of(info));
  }
  view_types_ = ts;
  view_offs_ = d.offs.data();
  view_cnt_.store(d.cnt, std::memory_order_release);
  return true;
}

}  // namespace kfb::btf
