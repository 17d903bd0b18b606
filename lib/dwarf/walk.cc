// The DIE walker: a CU's top-level subprograms, the definitions wanted by name or by their
// bpf_kfunc tag, and each one's parameters, decl tags and source file and line.
#include "dwarf/dwarf_impl.h"

#include <algorithm>

#include "dwarf/line.h"
#include "support/cursor.h"
#include "support/vocab.h"

namespace kfb::dwarf::detail {

std::vector<std::string> Walker::decl_tags(Dwarf_Die d) {
  std::vector<std::string> out;
  for (Die c = child(d); c; c = sibling(c.d)) {
    if (!is_annotation(tag(c.d))) continue;
    const char *n = diename(c.d);
    std::string v;
    if (n && std::string_view(n) == "btf_decl_tag" && string(c.d, DW_AT_const_value, v))
      out.push_back(std::move(v));
  }
  return out;
}

Die Walker::origin_of(Dwarf_Die d) {
  Dwarf_Off off;
  if (ref(d, DW_AT_abstract_origin, off) || ref(d, DW_AT_specification, off)) {
    Die o = offdie(off);
    // One more hop: a concrete instance of an abstract instance of a declaration.
    Dwarf_Off off2;
    if (ref(o.d, DW_AT_specification, off2) || ref(o.d, DW_AT_abstract_origin, off2)) {
      Die o2 = offdie(off2);
      if (diename(o2.d) && !diename(o.d)) return o2;
    }
    return o;
  }
  return Die();
}

const char *Walker::name_of(Dwarf_Die d, Die &holder) {
  if (const char *n = diename(d)) return n;
  holder = origin_of(d);
  if (holder) return diename(holder.d);
  return nullptr;
}

std::string Walker::file_of(Dwarf_Die d, uint64_t idx) {
  Dwarf_Off cu_off = 0;
  Dwarf_Error err = nullptr;
  if (dwarf_CU_dieoffset_given_die(d, &cu_off, &err) != DW_DLV_OK) s_.fail_dw("finding the DIE's unit", err, d);
  auto it = srcfiles_.find(cu_off);
  if (it == srcfiles_.end()) {
    Die cu = offdie(cu_off);
    std::string comp_dir;
    string(cu.d, DW_AT_comp_dir, comp_dir);
    std::vector<std::string> files;
    // Our own reader, not libdwarf's dwarf_srcfiles: that overran a heap buffer under -j8,
    // and read past an unterminated string and through a wild pointer in fuzzed line tables.
    uint64_t stmt_list = 0;
    if (sec_offset(cu.d, DW_AT_stmt_list, stmt_list)) {
      DebugSources &src = s_.sources();
      const std::string &path = s_.path();
      LineSections ls{Cursor(src.named(".debug_line"), src.elf().swap(), path + ": .debug_line"),
                      Cursor(src.named(".debug_str"), false, path + ": .debug_str"),
                      Cursor(src.named(".debug_line_str"), false, path + ": .debug_line_str")};
      files = read_line_files(ls, stmt_list, comp_dir);  // indexed by file number
    }
    for (std::string &f : files) {
      // Report paths the way the build named them: relative to the compilation directory.
      if (!comp_dir.empty() && f.size() > comp_dir.size() + 1 && f.starts_with(comp_dir) &&
          f[comp_dir.size()] == '/')
        f = f.substr(comp_dir.size() + 1);
      while (f.starts_with("./")) f = f.substr(2);
    }
    it = srcfiles_.emplace(cu_off, std::move(files)).first;
  }
  return idx < it->second.size() ? it->second[idx] : "";
}

void Walker::make_def(Dwarf_Die d, const std::string &name, bool has_pc, size_t cu_index,
                      FuncDef &f) {
  f.name = name;
  f.has_pc = has_pc;
  f.die_offset = offset(d);
  f.cu_index = cu_index;
  Die origin = origin_of(d);
  Dwarf_Die info = origin ? origin.d : d;  // declaration-side attributes and parameters

  uint64_t v;
  if (udata(info, DW_AT_decl_file, v) || udata(d, DW_AT_decl_file, v))
    f.file = file_of(udata(info, DW_AT_decl_file, v) ? info : d, v);
  if (udata(d, DW_AT_decl_line, v) || udata(info, DW_AT_decl_line, v)) f.line = static_cast<uint32_t>(v);
  if (!has(d, DW_AT_decl_line) && udata(info, DW_AT_decl_line, v)) f.line = static_cast<uint32_t>(v);

  Dwarf_Off t = 0;
  bool ht = ref(info, DW_AT_type, t);
  f.ret = ctype(ht, t);

  f.tags = decl_tags(info);
  if (origin)
    for (std::string &s : decl_tags(d))
      if (std::find(f.tags.begin(), f.tags.end(), s) == f.tags.end()) f.tags.push_back(s);

  for (Die c = child(info); c; c = sibling(c.d)) {
    Dwarf_Half ct = tag(c.d);
    if (ct == DW_TAG_unspecified_parameters) {
      f.variadic = true;
      continue;
    }
    if (ct != DW_TAG_formal_parameter) continue;
    FuncParam p;
    Die porigin;
    if (const char *n = name_of(c.d, porigin)) p.name = n;
    Dwarf_Off pt = 0;
    bool hpt = ref(c.d, DW_AT_type, pt) || (porigin && ref(porigin.d, DW_AT_type, pt));
    p.type = ctype(hpt, pt);
    p.tags = decl_tags(c.d);
    f.params.push_back(std::move(p));
  }
}

void Walker::walk_cu(const CuInfo &cu, size_t cu_index, std::vector<FuncDef> &out) {
  Die cu_die = offdie(cu.die_off);
  // Every definition of this CU goes to `out`, a name defined twice too: the merge in
  // DwarfReader::find keeps, per name, the first with a pc, else the first.
  for (Die d = child(cu_die.d); d; d = sibling(d.d)) {
    dies_++;
    if (tag(d.d) != DW_TAG_subprogram) continue;
    Die holder;
    const char *n = name_of(d.d, holder);
    if (!n) continue;
    bool wanted = cu.names && names_.count(std::string_view(n));
    if (!wanted && !cu.tags) continue;
    if (flag(d.d, DW_AT_declaration)) continue;
    bool has_pc = has(d.d, DW_AT_low_pc) || has(d.d, DW_AT_ranges);
    if (!wanted) {
      // Tag search: the bpf_kfunc annotation is a direct child of the definition (or of the
      // abstract instance it refers to).
      std::vector<std::string> t = decl_tags(d.d);
      if (holder && std::find(t.begin(), t.end(), vocab::kKfuncTag) == t.end()) t = decl_tags(holder.d);
      if (std::find(t.begin(), t.end(), vocab::kKfuncTag) == t.end()) continue;
    }
    if (flag(d.d, DW_AT_inline) && !has_pc) {
      // An abstract instance: its concrete out-of-line copy (if any) is reported instead; keep
      // it only as a fallback (has_pc false).
    }
    FuncDef f;
    make_def(d.d, n, has_pc, cu_index, f);
    out.push_back(std::move(f));
  }
}

}  // namespace kfb::dwarf::detail
