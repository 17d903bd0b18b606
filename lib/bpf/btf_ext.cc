// .BTF.ext: a header, then up to three groups of records (func_info, line_info, core_relo), each
//   u32 rec_size, then blocks { u32 sec_name_off, u32 num_info, num_info * rec_size bytes }
// with offsets relative to the end of the header. line_info and core_relo are kept; the framing of every
// group is checked with libbpf's rules (btf_ext_parse_hdr, btf_ext_parse_sec_info): version 1,
// flags 0, 4-byte aligned group offsets, a record size at least the known one and a multiple of
// 4 (exactly the known one when the byte order is not the host's), no empty group, no empty
// block, everything inside the section.
#include <algorithm>

#include "bpf/object_impl.h"
#include "support/cursor.h"
#include "support/error.h"

namespace kfb::bpf::detail {

namespace {

struct Group {
  const char *what;
  uint32_t off, len;
  uint32_t min_rec_size;
};

}  // namespace

BtfExt read_btf_ext(const elf::ElfFile &elf, const elf::ElfSection &sec, const btf::Btf &btf) {
  Cursor c = elf.cursor(sec);
  if (!c.has(8)) c.fail_at(0, "header too short (%zu bytes)", c.size());
  uint16_t magic = c.u16();
  if (magic != btf::kMagic) {
    if (magic == static_cast<uint16_t>((btf::kMagic >> 8) | (btf::kMagic << 8)))
      c.fail_at(0, "byte order differs from the ELF's");
    c.fail_at(0, "bad magic 0x%04x (not 0xeb9f)", magic);
  }
  uint8_t version = c.u8();
  if (version != 1) c.fail_at(2, "unsupported version %u", version);
  uint8_t flags = c.u8();
  if (flags != 0) c.fail_at(3, "unsupported flags 0x%x", flags);
  uint32_t hdr_len = c.u32();
  if (hdr_len < 24)
    c.fail_at(4, "header length %u misses func_info and line_info (24 bytes)", hdr_len);
  if (hdr_len >= c.size())
    c.fail_at(4, "header length %u leaves no data (section size %zu)", hdr_len, c.size());
  Group groups[3] = {{"func_info", 0, 0, 8}, {"line_info", 0, 0, 16}, {"core_relo", 0, 0, 16}};
  groups[0].off = c.u32(), groups[0].len = c.u32();
  groups[1].off = c.u32(), groups[1].len = c.u32();
  if (hdr_len >= 32) groups[2].off = c.u32(), groups[2].len = c.u32();

  BtfExt ext;
  LineTable &table = ext.lines;
  for (const Group &g : groups) {
    if (g.len == 0) continue;
    size_t hdr_field = 8 + 8 * static_cast<size_t>(&g - groups);
    if (g.off & 3) c.fail_at(hdr_field, "%s offset %u not 4-byte aligned", g.what, g.off);
    uint64_t start = uint64_t{hdr_len} + g.off, end = start + g.len;
    if (end > c.size())
      c.fail_at(hdr_field, "%s: 0x%x bytes at 0x%llx run past the end of the section (0x%zx bytes)",
                g.what, g.len, static_cast<unsigned long long>(start), c.size());
    if (g.len < 4) c.fail_at(start, "%s: no record size", g.what);
    c.seek(start);
    uint32_t rec_size = c.u32();
    if (rec_size < g.min_rec_size || (rec_size & 3) || (c.swap() && rec_size != g.min_rec_size))
      c.fail_at(start, "%s: record size %u (want %s%u, a multiple of 4)", g.what, rec_size,
                c.swap() ? "" : "at least ", g.min_rec_size);
    if (c.pos() == end) c.fail_at(start, "%s: no records", g.what);
    while (c.pos() < end) {
      size_t block = c.pos();
      if (end - block < 8) c.fail_at(block, "%s: truncated block header", g.what);
      uint32_t name_off = c.u32();
      uint32_t num = c.u32();
      if (num == 0) c.fail_at(block, "%s: block with no records", g.what);
      if (uint64_t{num} * rec_size > end - c.pos())
        c.fail_at(block, "%s: %u records of %u bytes past the end of the group", g.what, num,
                  rec_size);
      if (&g == &groups[2]) {
        if (!btf.valid_str(name_off))
          c.fail_at(block, "core_relo: section name offset 0x%x not in .BTF's strings", name_off);
        std::vector<CoreRec> &recs = ext.core[std::string(btf.str(name_off))];
        for (uint32_t i = 0; i < num; i++) {
          size_t at = c.pos();
          CoreRec r;
          r.insn_off = c.u32();
          r.type_id = c.u32();
          uint32_t access_off = c.u32();
          r.kind = c.u32();
          c.skip(rec_size - 16);
          if (!btf.valid_str(access_off))
            c.fail_at(at, "core_relo: access string offset 0x%x not in .BTF's strings", access_off);
          r.access = btf.str(access_off);
          recs.push_back(r);
        }
        continue;
      }
      if (&g != &groups[1]) {
        c.skip(static_cast<size_t>(num) * rec_size);
        continue;
      }
      if (!btf.valid_str(name_off))
        c.fail_at(block, "line_info: section name offset 0x%x not in .BTF's strings", name_off);
      std::vector<LineRec> &recs = table[std::string(btf.str(name_off))];
      for (uint32_t i = 0; i < num; i++) {
        size_t at = c.pos();
        LineRec r;
        r.insn_off = c.u32();
        uint32_t file_off = c.u32();
        c.u32();  // line_off: the source line's text
        uint32_t line_col = c.u32();
        c.skip(rec_size - 16);
        if (!btf.valid_str(file_off))
          c.fail_at(at, "line_info: file name offset 0x%x not in .BTF's strings", file_off);
        r.file = btf.str(file_off);
        r.line = line_col >> 10;
        r.col = line_col & 0x3ff;
        recs.push_back(r);
      }
    }
  }
  for (auto &[name, recs] : table)
    std::stable_sort(recs.begin(), recs.end(),
                     [](const LineRec &a, const LineRec &b) { return a.insn_off < b.insn_off; });
  return ext;
}

}  // namespace kfb::bpf::detail
