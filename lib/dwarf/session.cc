// The libdwarf session: the debug sections libdwarf is shown (DebugSources), a Dwarf_Debug
// opened over them through the object-access interface (Session), and libdwarf's errors in
// the project's words.
#include "dwarf/dwarf_impl.h"

#include <elf.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>

#include "dwarf/reloc.h"
#include "elf/elf.h"
#include "support/error.h"

namespace kfb::dwarf::detail {

namespace {

#if !KFB_LIBDWARF_ACCESS_A
std::mutex g_open_mu;  // _dwarf_get_elf_flags_func_ptr (dwarf_impl.h) is global state
#endif

}  // namespace

DebugSources::DebugSources(const elf::ElfFile &elf, const DebugRelocs *relocs)
    : elf_(elf), relocs_(relocs) {
  static constexpr std::string_view kNeeded[] = {"info", "abbrev", "str", "line", "line_str",
                                                 "str_offsets", "addr", "types"};
  secs_.emplace_back();
  for (const elf::ElfSection &s : elf.sections()) {
    std::string_view n = s.name;
    if (s.type == SHT_RELA || s.type == SHT_REL || s.type == SHT_NOBITS) continue;
    if (!n.starts_with(".debug_")) continue;
    n.remove_prefix(7);
    if (std::find(std::begin(kNeeded), std::end(kNeeded), n) == std::end(kNeeded)) continue;
    auto same = std::find_if(secs_.begin() + 1, secs_.end(),
                             [&](const Joined &j) { return j.first().name == s.name; });
    if (same == secs_.end()) same = secs_.emplace(secs_.end());
    same->add(s, elf.content_size(s));
  }
  copies_ = std::make_unique<Copy[]>(secs_.size());
}

std::span<const uint8_t> DebugSources::bytes(size_t k, std::span<const uint8_t> info) {
  const Joined &j = secs_[k];
  if (j.first().name == ".debug_info") return info;
  bool one = j.parts.size() == 1;
  if (one && (!relocs_ || !relocs_->has(j.first()))) return elf_.contents(j.first());
  Copy &c = copies_[k];
  std::call_once(c.once, [&] {
    c.bytes.resize(j.size);
    for (const Joined::Part &p : j.parts) {
      std::span<const uint8_t> raw = elf_.contents(*p.sec);
      if (raw.empty()) continue;  // (memcpy from a null span is undefined)
      std::memcpy(c.bytes.data() + p.base, raw.data(), raw.size());
      if (relocs_) relocs_->apply(*p.sec, 0, raw.size(), c.bytes.data() + p.base);
    }
  });
  return c.bytes;
}

std::string dw_error_text(Dwarf_Error err) {
  if (!err) return "corrupt DWARF";
  std::string_view m = dwarf_errmsg(err);
  size_t n = 0;
  while (n < m.size() && (std::isupper(static_cast<unsigned char>(m[n])) || std::isdigit(static_cast<unsigned char>(m[n])) || m[n] == '_'))
    n++;
  std::string name(m.substr(0, n));
  static const std::pair<const char *, const char *> kMeaning[] = {
      {"DW_DLE_ABBREV_MISSING", "a DIE's abbreviation code is not in its unit's .debug_abbrev"},
      {"DW_DLE_DIE_ABBREV_LIST_NULL", "a DIE's abbreviation code is not in its unit's .debug_abbrev"},
      {"DW_DLE_UNKNOWN_FORM", "an abbreviation uses an unknown attribute form"},
      {"DW_DLE_DEBUG_FORM_HANDLING_INCOMPLETE", "an attribute form that cannot be read there"},
      {"DW_DLE_ATTR_FORM_BAD", "an attribute form that cannot be read there"},
      {"DW_DLE_ATTR_FORM_SIZE_BAD", "an attribute's value lies outside its section"},
      {"DW_DLE_ATTR_FORM_OFFSET_BAD", "a reference lies outside its section"},
      {"DW_DLE_SIBLING_OFFSET_WRONG", "a DW_AT_sibling lies outside its unit"},
      {"DW_DLE_FORM_BLOCK_LENGTH_ERROR", "a block attribute runs past the end of its section"},
      {"DW_DLE_STRP_OFFSET_BAD", "a string offset lies outside .debug_str"},
      {"DW_DLE_STR_OFFSETS_BASE_WRONG_FORM", "DW_AT_str_offsets_base has the wrong form"},
      {"DW_DLE_DIE_BAD", "a DIE cannot be read"},
      {"DW_DLE_NEXT_DIE_PAST_END", "a DIE runs past the end of its unit"},
  };
  for (const auto &[k, v] : kMeaning)
    if (name == k) return std::string(v) + " (" + name + ")";
  return name.size() > 7 ? "corrupt DWARF (" + name + ")" : "corrupt DWARF";
}

std::string dw_take_error(Dwarf_Debug dbg, Dwarf_Error err) {
  std::string m = dw_error_text(err);
  if (err) dwarf_dealloc_error(dbg, err);
  return m;
}

Session::Session(DebugSources &src, std::span<const uint8_t> info)
    : path_(src.elf().path()), view_(&src, info) {
  Dwarf_Error err = nullptr;
#if KFB_LIBDWARF_ACCESS_A
  iface_.ai_object = &view_;
  iface_.ai_methods = &kViewMethods;
#else
  iface_.object = &view_;
  iface_.methods = &kViewMethods;
#endif
  int r;
#if KFB_LIBDWARF_ACCESS_A
  r = dwarf_object_init_b(&iface_, nullptr, nullptr, DW_GROUPNUMBER_ANY, &dbg_, &err);
#else
  {
    std::lock_guard<std::mutex> lock(g_open_mu);
    auto saved = _dwarf_get_elf_flags_func_ptr;
    _dwarf_get_elf_flags_func_ptr = view_flags;
    r = dwarf_object_init_b(&iface_, nullptr, nullptr, DW_GROUPNUMBER_ANY, &dbg_, &err);
    _dwarf_get_elf_flags_func_ptr = saved;
  }
#endif
  if (r == DW_DLV_ERROR) {
    std::string m = init_error(err);
    dbg_ = nullptr;
    check_load();
    fail("%s: cannot read DWARF: %s", path_.c_str(), m.c_str());
  }
  if (r == DW_DLV_NO_ENTRY) {
    dbg_ = nullptr;
    fail("%s: no DWARF debug information (build with CONFIG_DEBUG_INFO)", path_.c_str());
  }
}

void Session::cleanup() {
  if (dbg_) {
#if KFB_LIBDWARF_ACCESS_A
    dwarf_object_finish(dbg_);
#else
    Dwarf_Error err = nullptr;
    dwarf_object_finish(dbg_, &err);
#endif
    dbg_ = nullptr;
  }
}

int Session::view_section_info(void *obj, DwSecIndex idx, DwSection *out, int *err) {
  const View &v = *static_cast<View *>(obj);
  if (idx >= v.src->sections().size()) return DW_DLV_NO_ENTRY;
  *out = DwSection{};
#if KFB_LIBDWARF_ACCESS_A
  out->as_name = "";
  if (idx == 0) return DW_DLV_OK;
  const Joined &j = v.src->sections()[idx];
  const elf::ElfSection &sec = j.first();
  out->as_addr = sec.addr;
  out->as_type = sec.type;
  out->as_size = j.size;
  out->as_name = sec.name.data();  // NUL-terminated: it points into the section-name table
  out->as_entrysize = sec.entsize;
  out->as_flags = shown_flags(sec);
  out->as_addralign = 1;
#else
  out->name = "";
  if (idx == 0) return DW_DLV_OK;
  const Joined &j = v.src->sections()[idx];
  const elf::ElfSection &sec = j.first();
  out->addr = sec.addr;
  out->type = sec.type;
  out->size = j.size;
  out->name = sec.name.data();  // NUL-terminated: it points into the section-name table
  out->entrysize = sec.entsize;
#endif
  return DW_DLV_OK;
}

// Shown as plain sections: the bytes are inflated already, and groups are joined.
Dwarf_Unsigned Session::shown_flags(const elf::ElfSection &sec) {
  return sec.flags & ~static_cast<uint64_t>(SHF_GROUP | SHF_COMPRESSED);
}

#if !KFB_LIBDWARF_ACCESS_A
int Session::view_flags(void *obj, Dwarf_Half idx, Dwarf_Unsigned *flags, Dwarf_Unsigned *addralign,
                        int *err) {
  const View &v = *static_cast<View *>(obj);
  if (idx >= v.src->sections().size()) return DW_DLV_NO_ENTRY;
  *flags = idx ? shown_flags(v.src->sections()[idx].first()) : 0;
  *addralign = 1;
  return DW_DLV_OK;
}
#endif

DwByteOrder Session::view_byte_order(void *obj) {
  bool be = static_cast<View *>(obj)->src->elf().big_endian();
#if KFB_LIBDWARF_ACCESS_A
  return be ? DW_END_big : DW_END_little;
#else
  return be ? DW_OBJECT_MSB : DW_OBJECT_LSB;
#endif
}

Dwarf_Small Session::view_length_size(void *) { return 4; }

Dwarf_Small Session::view_pointer_size(void *obj) {
  return static_cast<View *>(obj)->src->elf().is64() ? 8 : 4;
}

Dwarf_Unsigned Session::view_section_count(void *obj) {
  return static_cast<View *>(obj)->src->sections().size();
}

#if KFB_LIBDWARF_ACCESS_A
// Section sizes are checked against it; ours are inflated and joined, so it is their sum.
Dwarf_Unsigned Session::view_file_size(void *obj) {
  Dwarf_Unsigned n = 0;
  for (const Joined &j : static_cast<View *>(obj)->src->sections()) n += j.size;
  return n;
}
#endif

int Session::view_load_section(void *obj, DwSecIndex idx, Dwarf_Small **data, int *err) {
  View &v = *static_cast<View *>(obj);
  if (idx == 0 || idx >= v.src->sections().size()) return DW_DLV_NO_ENTRY;
  std::span<const uint8_t> bytes;
  try {  // never let an exception unwind through libdwarf's C frames
    bytes = v.src->bytes(idx, v.info);
  } catch (const std::exception &e) {
    // libdwarf reports it as an error at the DIE it was reading: check_load() names the
    // section instead.
    if (v.load_error.empty()) v.load_error = e.what();
    *err = DW_DLE_ELF_SECT_ERR;
    return DW_DLV_ERROR;
  } catch (...) {
    *err = DW_DLE_ELF_SECT_ERR;
    return DW_DLV_ERROR;
  }
  if (bytes.empty()) return DW_DLV_NO_ENTRY;
  // libdwarf takes a non-const pointer but does not write when it applies no relocations.
  *data = const_cast<Dwarf_Small *>(bytes.data());
  return DW_DLV_OK;
}

#if KFB_LIBDWARF_ACCESS_A
const DwMethods Session::kViewMethods = {view_section_info,  view_byte_order,    view_length_size,
                                         view_pointer_size,  view_file_size,     view_section_count,
                                         view_load_section,  nullptr};
#else
const DwMethods Session::kViewMethods = {view_section_info, view_byte_order,    view_length_size,
                                         view_pointer_size, view_section_count, view_load_section,
                                         nullptr};
#endif

}  // namespace kfb::dwarf::detail
