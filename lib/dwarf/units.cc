// Raw unit readers: .debug_aranges, .debug_abbrev, the unit headers of .debug_info and
// .debug_types, read directly (small, fixed formats); and the per-session .debug_info view.
#include "dwarf/dwarf_impl.h"

#include <elf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "dwarf/reloc.h"
#include "elf/elf.h"
#include "support/cursor.h"
#include "support/endian.h"
#include "support/error.h"

namespace kfb::dwarf::detail {

namespace {

uint64_t read_addr(Cursor &c, unsigned size) {
  switch (size) {
    case 4: return c.u32();
    case 8: return c.u64();
    case 2: return c.u16();
    default: c.fail("unsupported address size %u", size);
  }
}

}  // namespace

// Returns false when the section is absent or malformed (the caller walks every CU then).
// With `relocs` (a relocatable object) each address is relocated and keeps its section.
bool read_aranges(const elf::ElfFile &elf, const DebugRelocs *relocs, std::vector<Arange> &out) {
  const elf::ElfSection *s = elf.section(".debug_aranges");
  if (!s || s->size == 0) return false;
  try {
    Cursor c(elf.contents(*s), elf.swap(), elf.path() + ": .debug_aranges");
    while (c.left() > 0) {
      size_t start = c.pos();
      uint64_t len = c.u32();
      bool dwarf64 = len == 0xffffffff;
      if (dwarf64) len = c.u64();
      size_t body = c.pos();
      if (len > c.left()) return false;
      uint16_t version = c.u16();
      if (version != 2) return false;
      size_t cu_field = c.pos();
      uint64_t cu = dwarf64 ? c.u64() : c.u32();
      if (relocs) cu = relocs->target(*s, cu_field, cu).value;
      unsigned asz = c.u8(), ssz = c.u8();
      if (ssz != 0 || (asz != 4 && asz != 8)) return false;
      size_t tuple = 2 * asz;
      size_t rel = c.pos() - start;
      if (rel % tuple) c.skip(tuple - rel % tuple);
      size_t end = body + len;
      while (c.pos() + tuple <= end) {
        size_t a_field = c.pos();
        uint64_t a = read_addr(c, asz);
        size_t l_field = c.pos();
        uint64_t l = read_addr(c, asz);
        uint32_t shndx = 0;
        if (relocs) {
          // The length too: RISC-V writes it as an ADD/SUB pair (end - start after relaxation).
          RelocTarget t = relocs->target(*s, a_field, a);
          shndx = t.shndx, a = t.value, l = relocs->target(*s, l_field, l).value;
        }
        if (a == 0 && l == 0 && shndx == 0) break;
        if (relocs && shndx == 0) continue;  // an unrelocated address in a relocatable object: no code
        if (l) out.push_back({shndx, a, a + l, cu});
      }
      c.seek(end);
    }
  } catch (const Error &) {
    return false;
  }
  std::sort(out.begin(), out.end());
  return !out.empty();
}

namespace {

// Calls fn(code, tag) for each abbreviation of the table at `off` until fn returns true.
// Returns 1 when fn did, 0 at the end of the table, -1 when the table cannot be read.
template <typename Fn>
int each_abbrev(const elf::ElfFile &elf, const elf::ElfSection *abbrev, uint64_t off, Fn fn) {
  if (!abbrev) return -1;
  try {
    Cursor c(elf.contents(*abbrev), elf.swap(), elf.path() + ": .debug_abbrev");
    c.seek(off);
    for (;;) {
      uint64_t code = c.uleb();
      if (code == 0) return 0;
      uint64_t tag = c.uleb();
      if (fn(code, tag)) return 1;
      c.u8();  // children
      for (;;) {
        uint64_t at = c.uleb(), form = c.uleb();
        if (form == DW_FORM_implicit_const) c.uleb();  // the sleb's bytes, same framing
        if (at == 0 && form == 0) break;
      }
    }
  } catch (const Error &) {
    return -1;
  }
}

}  // namespace

// Whether the abbreviation table at `off` declares an annotation DIE. Unknown: true.
bool abbrev_has_annotation(const elf::ElfFile &elf, const elf::ElfSection *abbrev, uint64_t off) {
  return each_abbrev(elf, abbrev, off, [](uint64_t, uint64_t tag) {
           return tag == DW_TAG_LLVM_annotation || tag == DW_TAG_GNU_annotation;
         }) != 0;
}

namespace {

// The tag of abbreviation `code` in the table at `off`; 0 when it cannot be found.
uint64_t abbrev_tag(const elf::ElfFile &elf, const elf::ElfSection *abbrev, uint64_t off, uint64_t code) {
  uint64_t out = 0;
  each_abbrev(elf, abbrev, off, [&](uint64_t k, uint64_t tag) { return k == code ? (out = tag, true) : false; });
  return out;
}

}  // namespace

// Unit headers of the joined .debug_info (DWARF 2-5, 32- and 64-bit): compile, partial and
// type units; with `relocs` (a relocatable object) the abbreviation offsets are relocated.
// Type units go into `sigs`. Throws on anything else (an unknown unit type or version, a
// length past the end): libdwarf is never shown a unit header we did not read.
void read_unit_headers(const elf::ElfFile &elf, const Joined &info, const DebugRelocs *relocs,
                       std::vector<CuInfo> &out, TypeSigs &sigs) {
  const elf::ElfSection *abbrev = elf.section(".debug_abbrev");
  std::vector<uint8_t> hbuf;
  for (uint32_t part = 0; part < info.parts.size(); part++) {
    const elf::ElfSection &sec = *info.parts[part].sec;
    uint64_t base = info.parts[part].base;
    // The headers are read with pread into a small buffer, not through the mapping:
    // touching 2,578 pages spread over 221 MB makes the kernel map ~64 KiB around each
    // (fault-around), which alone was 165 MB of RSS on a 6.12 vmlinux.
    std::span<const uint8_t> whole = elf.contents(sec);  // inflated once when compressed
    bool mapped = elf.fd() < 0 || (sec.flags & SHF_COMPRESSED);
    std::string where = elf.path() + ": .debug_info";
    auto header_cursor = [&](uint64_t off) -> Cursor {
      // The longest header (a DWARF64 type unit's, 40 bytes) and the unit DIE's abbreviation
      // code (a ULEB128, at most 10 bytes).
      size_t n = std::min<uint64_t>(50, whole.size() - off);
      if (mapped) return Cursor(whole.subspan(off, n), elf.swap(), where, base + off);
      hbuf.resize(n);
      if (pread(elf.fd(), hbuf.data(), n, static_cast<off_t>(sec.offset + off)) != static_cast<ssize_t>(n))
        fail("%s: cannot read .debug_info", elf.path().c_str());
      return Cursor(hbuf, elf.swap(), where, base + off);
    };
    uint64_t pos = 0;
    while (pos < whole.size()) {
      Cursor c = header_cursor(pos);
      CuInfo cu;
      cu.hdr_off = base + pos;
      cu.part = part;
      uint64_t len = c.u32();
      bool dwarf64 = len == 0xffffffff;
      if (dwarf64) len = c.u64();
      else if (len >= 0xfffffff0) c.fail("reserved unit length 0x%llx", static_cast<unsigned long long>(len));
      uint64_t body = pos + c.pos();
      if (len > whole.size() - body)
        c.fail("unit length 0x%llx runs past the end of the section", static_cast<unsigned long long>(len));
      uint64_t next = body + len;
      cu.next = base + next;
      cu.version = c.u16();
      if (cu.version < 2 || cu.version > 5) c.fail("DWARF version %u (kfuncbtf reads 2 to 5)", cu.version);
      uint8_t unit_type = DW_UT_compile;
      size_t abbrev_field = 0;
      if (cu.version >= 5) {
        unit_type = c.u8();
        c.u8();  // address_size
        abbrev_field = pos + c.pos();
        cu.abbrev_off = dwarf64 ? c.u64() : c.u32();
        if (unit_type == DW_UT_skeleton || unit_type == DW_UT_split_compile) {
          c.u64();
        } else if (unit_type == DW_UT_type) {
          uint64_t key = sig_key(c.bytes(8).data());
          uint64_t type_off = dwarf64 ? c.u64() : c.u32();
          if (type_off >= next - pos) c.fail("type unit's type_offset 0x%llx is outside the unit",
                                              static_cast<unsigned long long>(type_off));
          sigs.emplace(key, cu.hdr_off + type_off);  // a duplicate COMDAT copy: the first
          cu.shared = true;
        } else if (unit_type != DW_UT_compile && unit_type != DW_UT_partial) {
          c.fail("unit type 0x%x (split type units and unknown types are not read)", unit_type);
        }
      } else {
        abbrev_field = pos + c.pos();
        cu.abbrev_off = dwarf64 ? c.u64() : c.u32();
        c.u8();  // address_size
      }
      if (relocs) cu.abbrev_off = relocs->target(sec, abbrev_field, cu.abbrev_off).value;
      cu.die_off = cu.hdr_off + c.pos();
      pos = next;
      if (cu.die_off >= cu.next) continue;
      // The unit DIE's tag, through its abbreviation: dwz's partial units hold DIEs that
      // other units refer to, so every view keeps them.
      uint64_t code = c.uleb();
      cu.shared = cu.shared || unit_type == DW_UT_partial ||
                  abbrev_tag(elf, abbrev, cu.abbrev_off, code) == DW_TAG_partial_unit;
      out.push_back(cu);
    }
  }
  if (std::none_of(out.begin(), out.end(), [](const CuInfo &cu) { return !cu.shared; }))
    fail("%s: no DWARF compilation units (build with CONFIG_DEBUG_INFO)", elf.path().c_str());
}

// DWARF 4 type units (the joined, relocated .debug_types) into `sigs`. Throws on a malformed
// header: the section is there for the walk to read, and nothing else can.
void read_type_units(const elf::ElfFile &elf, std::span<const uint8_t> types, TypeSigs &sigs) {
  Cursor c(types, elf.swap(), elf.path() + ": .debug_types");
  while (c.left() > 0) {
    uint64_t hdr = c.pos();
    uint64_t len = c.u32();
    bool dwarf64 = len == 0xffffffff;
    if (dwarf64) len = c.u64();
    if (len > c.left()) c.fail("unit length 0x%llx runs past the section", static_cast<unsigned long long>(len));
    uint64_t next = c.pos() + len;
    uint16_t version = c.u16();
    if (version != 4) c.fail("type unit version %u (.debug_types holds DWARF 4 only)", version);
    dwarf64 ? c.u64() : c.u32();  // debug_abbrev_offset
    c.u8();                       // address_size
    uint64_t key = sig_key(c.bytes(8).data());
    uint64_t type_off = dwarf64 ? c.u64() : c.u32();
    if (type_off >= next - hdr) c.fail("type unit's type_offset 0x%llx is outside the unit",
                                       static_cast<unsigned long long>(type_off));
    sigs.emplace(key, kInTypes | (hdr + type_off));
    c.seek(next);
  }
}

InfoView::InfoView(const elf::ElfFile &elf, const Joined &info, const DebugRelocs *relocs,
                   const std::vector<CuInfo> &cus, const std::vector<size_t> &keep) {
  size_ = info.size;
  if (size_ == 0) return;
  void *p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (p == MAP_FAILED) fail("%s: out of memory for a .debug_info view", elf.path().c_str());
  buf_ = static_cast<uint8_t *>(p);
  std::vector<bool> kept(cus.size(), false);
  for (size_t i : keep) kept[i] = true;
  for (size_t i = 0; i < cus.size(); i++) kept[i] = kept[i] || cus[i].shared;
  auto copy = [&](const CuInfo &cu) {
    const Joined::Part &p = info.parts[cu.part];
    uint64_t begin = cu.hdr_off - p.base, end = cu.next - p.base;
    std::memcpy(buf_ + cu.hdr_off, elf.contents(*p.sec).data() + begin, end - begin);
    if (relocs) relocs->apply(*p.sec, begin, end, buf_ + cu.hdr_off);
  };
  bool swap = elf.swap();
  uint8_t asz = elf.is64() ? 8 : 4;
  size_t i = 0;
  while (i < cus.size()) {
    if (kept[i]) {
      copy(cus[i++]);
      continue;
    }
    size_t j = i;
    while (j < cus.size() && !kept[j]) j++;
    uint64_t begin = cus[i].hdr_off, end = j < cus.size() ? cus[j].hdr_off : cus.back().next;
    if (end - begin < 13 || end - begin > 0xfffffff0u) {
      // Too small for a stand-in header (or too big for a 32-bit length): keep the real CUs.
      for (size_t k = i; k < j; k++) copy(cus[k]);
    } else {
      uint8_t *h = buf_ + begin;
      store<uint32_t>(h, static_cast<uint32_t>(end - begin - 4), swap);
      store<uint16_t>(h + 4, 5, swap);
      h[6] = DW_UT_partial;
      h[7] = asz;
      store<uint32_t>(h + 8, 0, swap);  // any valid abbreviation table: the DIE is null
      h[12] = 0;                        // null DIE: the unit has no DIEs
    }
    i = j;
  }
}

InfoView::~InfoView() {
  if (buf_) munmap(buf_, size_);
}

}  // namespace kfb::dwarf::detail
