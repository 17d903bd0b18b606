// Line-number program headers, only as far as their directory and file tables.
#include "dwarf/line.h"

#include <libdwarf/dwarf.h>

#include "support/error.h"

namespace kfb::dwarf {

namespace {

std::string join(std::string_view dir, std::string_view name) {
  if (dir.empty() || name.starts_with('/')) return std::string(name);
  std::string out(dir);
  if (!out.ends_with('/')) out += '/';
  out += name;
  return out;
}

std::string_view cstr(Cursor &c) {
  std::string_view s = c.cstr_at(c.pos());
  c.skip(s.size() + 1);
  return s;
}

// One DWARF 5 entry: its path (DW_LNCT_path) and directory index (DW_LNCT_directory_index).
struct Entry {
  std::string path;
  uint64_t dir = 0;
};

// DWARF 5 directory or file-name table: a format description, then `count` entries.
std::vector<Entry> read_table(const LineSections &s, Cursor &c, bool dwarf64) {
  uint8_t nformats = c.u8();
  std::vector<std::pair<uint64_t, uint64_t>> formats;  // (content type, form)
  for (uint8_t i = 0; i < nformats; i++) {
    uint64_t type = c.uleb(), form = c.uleb();
    formats.emplace_back(type, form);
  }
  uint64_t count = c.uleb();
  if (formats.empty() && count) c.fail("%llu entries without a format", static_cast<unsigned long long>(count));
  if (count > c.left()) c.fail("%llu entries in %zu bytes", static_cast<unsigned long long>(count), c.left());
  std::vector<Entry> out(count);
  for (Entry &e : out) {
    for (auto [type, form] : formats) {
      uint64_t value = 0;
      std::string_view str;
      bool is_str = false;
      switch (form) {
        case DW_FORM_string: str = cstr(c), is_str = true; break;
        case DW_FORM_line_strp:
        case DW_FORM_strp: {
          uint64_t off = dwarf64 ? c.u64() : c.u32();
          const Cursor &strs = form == DW_FORM_line_strp ? s.line_str : s.str;
          str = strs.cstr_at(off), is_str = true;
          break;
        }
        case DW_FORM_strx1: c.u8(); is_str = true; break;  // no str_offsets base here
        case DW_FORM_strx2: c.u16(); is_str = true; break;
        case DW_FORM_strx3: c.skip(3); is_str = true; break;
        case DW_FORM_strx4: c.u32(); is_str = true; break;
        case DW_FORM_strx: c.uleb(); is_str = true; break;
        case DW_FORM_udata: value = c.uleb(); break;
        case DW_FORM_data1: value = c.u8(); break;
        case DW_FORM_data2: value = c.u16(); break;
        case DW_FORM_data4: value = c.u32(); break;
        case DW_FORM_data8: value = c.u64(); break;
        case DW_FORM_data16: c.skip(16); break;
        case DW_FORM_block: c.skip(c.uleb()); break;
        default: c.fail("unsupported form 0x%llx in a file-name table", static_cast<unsigned long long>(form));
      }
      if (type == DW_LNCT_path && is_str) e.path = str;
      else if (type == DW_LNCT_directory_index && !is_str) e.dir = value;
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> read_line_files(const LineSections &s, uint64_t offset, std::string_view comp_dir) {
  Cursor c = s.line;
  c.seek(offset);
  uint64_t len = c.u32();
  bool dwarf64 = len == 0xffffffff;
  if (dwarf64) len = c.u64();
  else if (len >= 0xfffffff0) c.fail("reserved unit length 0x%llx", static_cast<unsigned long long>(len));
  if (len > c.left()) c.fail("unit length 0x%llx past the end", static_cast<unsigned long long>(len));
  uint16_t version = c.u16();
  if (version < 2 || version > 5) c.fail("line table version %u", version);
  if (version >= 5) c.skip(2);  // address_size, segment_selector_size
  uint64_t header_len = dwarf64 ? c.u64() : c.u32();
  if (header_len > c.left()) c.fail("header length 0x%llx past the end", static_cast<unsigned long long>(header_len));
  c.skip(version >= 4 ? 5 : 4);  // minimum_instruction_length, [maximum_operations_per_instruction,]
                                 // default_is_stmt, line_base, line_range
  uint8_t opcode_base = c.u8();
  if (opcode_base > 0) c.skip(opcode_base - 1u);  // standard_opcode_lengths

  std::vector<std::string> files;
  if (version >= 5) {
    std::vector<Entry> dirs = read_table(s, c, dwarf64);
    std::vector<Entry> names = read_table(s, c, dwarf64);
    std::string comp = dirs.empty() ? std::string(comp_dir) : dirs[0].path;
    for (const Entry &f : names) {
      std::string dir = comp;
      if (f.dir != 0) dir = f.dir < dirs.size() ? join(comp, dirs[f.dir].path) : "";
      files.push_back(join(dir, f.path));
    }
    return files;
  }
  files.emplace_back();            // DWARF 2-4 number files from 1
  std::vector<std::string> dirs;  // include_directories: 1-based in file entries
  for (;;) {
    std::string_view d = cstr(c);
    if (d.empty()) break;
    dirs.push_back(join(comp_dir, d));
  }
  for (;;) {
    std::string_view name = cstr(c);
    if (name.empty()) break;
    uint64_t dir = c.uleb();
    c.uleb(), c.uleb();  // modification time, length
    std::string d = dir == 0 ? std::string(comp_dir) : dir <= dirs.size() ? dirs[dir - 1] : "";
    files.push_back(join(d, name));
  }
  return files;
}

}  // namespace kfb::dwarf
