// Reading function definitions with libdwarf 20210528: design notes.
//
// Opening. Sessions go through libdwarf's object-access interface over our own mapping
// (DebugSources): lazy, nothing copied, no relocation by libdwarf, and only the .debug_*
// sections are shown to it, so their indexes fit its 16-bit section numbers even in an
// object with 70,000 sections. Each session gets its own .debug_info (an InfoView holding
// just the CUs it reads).
//   * ET_REL (vmlinux.o, .ko, `ld -r` fixtures): the .rela.debug_* relocations must be
//     applied, or every string offset reads as 0. DebugRelocs (reloc.h) applies them to the
//     CUs read and to the few other sections whose contents are read. libdwarf's own
//     relocation (dwarf_init_b) reads and relocates every debug section on open: 3.3 s and
//     290 MB for a 6.1 vmlinux.o, against 0.1 s here; it cannot apply RISC-V's ADD/SUB
//     pairs at all. It is not used: relocations DebugRelocs does not know are an error.
//   * Compressed debug sections (SHF_COMPRESSED, zlib or zstd) are inflated by ElfFile, each
//     once, when first read; libdwarf is shown the inflated bytes.
//   * ET_EXEC/ET_DYN (a linked vmlinux): the relocations are already applied, and Debian's
//     vmlinux keeps .rela.debug_* with R_X86_64_NONE entries that libdwarf's relocation code
//     rejects; they are not shown to it.
// Nothing libdwarf reads is unread by us first: unit headers, aranges, abbreviation tables,
// relocations and line tables (file names) are ours; libdwarf walks DIEs inside units whose
// headers we checked. Its own line-table reader (dwarf_srcfiles) is not used: fuzz_dwarf
// found it reading past strings and through wild pointers.
// Every libdwarf call gets a Dwarf_Error* (a NULL one means abort() on the first error).
//
// Which CUs. Walking all of a kernel's DWARF costs seconds; a kfunc list needs a few dozen CUs.
// A named function's ELF symbol gives its address, .debug_aranges maps the address to its CU,
// and only those CUs are walked (top-level DIEs only: definitions of global functions sit
// there); in ET_REL, addresses are section-relative, so the relocated aranges and the
// symbols are compared as (section, offset). Without aranges every CU is walked. For `all`
// (annotation-only kfuncs anywhere), a CU is walked only if its abbreviation table declares a
// DW_TAG_LLVM_annotation / DW_TAG_GNU_annotation entry: a CU that cannot encode an annotation
// cannot hold a bpf_kfunc tag (gcc 12 never emits one).
//
// Threads. The CU list is cut into `jobs` contiguous ranges of roughly equal .debug_info bytes;
// each thread builds its own InfoView and Dwarf_Debug (libdwarf is not safe to share; the
// DebugSources behind them are, their copies made once), walks its range and returns
// definitions tagged with their CU index; the merge concatenates ranges in order and keeps, per
// name, the first definition with code (a pc), else the first. The output is therefore the same
// for any `jobs`.
//
// Types are rendered to C declarator syntax from DIE offsets, with a per-thread cache. Type units
// (-fdebug-types-section) are kept in every view like dwz's partial units; DW_FORM_ref_sig8 and
// DW_AT_signature are resolved through the signatures read from the unit headers (.debug_info
// for DWARF 5, .debug_types for DWARF 4), since libdwarf 20210528 does not follow them.
#include "dwarf/dwarf.h"

#include <elf.h>
#include <sys/mman.h>
#include <libdwarf/dwarf.h>
#include <libdwarf/libdwarf.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "dwarf/line.h"
#include "dwarf/reloc.h"
#include "elf/elf.h"
#include "support/cursor.h"
#include "support/endian.h"
#include "support/error.h"
#include "support/vocab.h"

#ifndef DW_TAG_LLVM_annotation
#define DW_TAG_LLVM_annotation 0x6000  // clang's btf_decl_tag / btf_type_tag carrier
#endif
#ifndef DW_TAG_GNU_annotation
#define DW_TAG_GNU_annotation 0x4299  // the same from GCC 14+
#endif

// Two libdwarf APIs, chosen at configure time (CMakeLists.txt sets KFB_LIBDWARF_ACCESS_A):
//   20210528 (Debian 12): Dwarf_Obj_Access_Section/_Methods/_Interface, 16-bit section
//     numbers, and section flags (to spot SHF_COMPRESSED) asked through a process-global hook,
//     set by whichever ELF front end initialised last and called with *our* object pointer
//     during dwarf_object_init_b: it is pointed at our own answer for the length of that call.
//   0.x (Debian 13 and later): the *_a types, 64-bit section numbers, the flags a field of the
//     section record, a file size the section sizes are checked against, no error argument
//     to dwarf_object_finish.
// Both see the same sections, bytes and flags; nothing else differs.
#if KFB_LIBDWARF_ACCESS_A
using DwSection = Dwarf_Obj_Access_Section_a;
using DwMethods = Dwarf_Obj_Access_Methods_a;
using DwInterface = Dwarf_Obj_Access_Interface_a;
using DwSecIndex = Dwarf_Unsigned;
using DwByteOrder = Dwarf_Small;
#else
using DwSection = Dwarf_Obj_Access_Section;
using DwMethods = Dwarf_Obj_Access_Methods;
using DwInterface = Dwarf_Obj_Access_Interface;
using DwSecIndex = Dwarf_Half;
using DwByteOrder = Dwarf_Endianness;
extern "C" int (*_dwarf_get_elf_flags_func_ptr)(void *obj, Dwarf_Half index, Dwarf_Unsigned *flags,
                                                Dwarf_Unsigned *addralign, int *error);
#endif

namespace kfb {

const char *type_class_name(TypeClass c) {
  switch (c) {
    case TypeClass::Void: return "void";
    case TypeClass::Pointer: return "pointer";
    case TypeClass::Scalar: return "scalar";
    case TypeClass::Float: return "float";
    case TypeClass::Other: return "other";
  }
  return "other";
}

std::string c_int_spelling(std::string_view words) {
  int longs = 0, shorts = 0, chars = 0, ints = 0;
  const char *sign = nullptr;
  size_t pos = 0;
  while (pos <= words.size()) {
    size_t end = words.find(' ', pos);
    if (end == std::string_view::npos) end = words.size();
    std::string_view w = words.substr(pos, end - pos);
    if (w == "long") longs++;
    else if (w == "short") shorts++;
    else if (w == "char") chars++;
    else if (w == "int") ints++;
    else if ((w == "signed" || w == "unsigned") && !sign) sign = w == "signed" ? "signed" : "unsigned";
    else return "";
    pos = end + 1;
  }
  if (longs > 2 || shorts > 1 || chars > 1 || ints > 1 || (shorts && longs) || (chars && (ints || shorts || longs)))
    return "";
  bool is_unsigned = sign && sign[0] == 'u';
  if (chars) return sign ? std::string(sign) + " char" : "char";  // three distinct types
  std::string base = shorts ? "short" : longs == 2 ? "long long" : longs ? "long" : "int";
  return is_unsigned ? "unsigned " + base : base;
}

bool FuncDef::has_tag(std::string_view value) const {
  return std::find(tags.begin(), tags.end(), value) != tags.end();
}

namespace {

#if !KFB_LIBDWARF_ACCESS_A
std::mutex g_open_mu;  // _dwarf_get_elf_flags_func_ptr (below) is global state
#endif

// The sections of one name, end to end in file order: libdwarf is shown one section per name.
// Only type units make more than one: an `ld -r` object keeps each in its own COMDAT
// .debug_info (DWARF 5) or .debug_types (DWARF 4) section besides the main one.
struct Joined {
  struct Part {
    const ElfSection *sec;
    uint64_t base;  // where its bytes start in the joined section
  };
  std::vector<Part> parts;
  uint64_t size = 0;
  explicit operator bool() const { return !parts.empty(); }
  const ElfSection &first() const { return *parts.front().sec; }
  void add(const ElfSection &s, uint64_t content_size) {
    parts.push_back({&s, size});
    size += content_size;
  }
};

// The sections a session over the object-access interface sees: index 0 empty, then the
// debug sections the walk needs, in file order (each name once, see Joined). Relocation
// sections are left out, so libdwarf applies nothing, and the count fits its 16-bit section
// numbers whatever the ELF has. Compressed sections are shown inflated (ElfFile::contents).
// Range
// and location lists, frames, macros and name indexes are left out too: the walk only asks
// whether DW_AT_ranges is there, and libdwarf parses those sections eagerly when it loads
// .debug_info (libdwarf 20210528 double-frees on a malformed .debug_rnglists; fuzz_dwarf).
// Each session brings its own .debug_info (an InfoView); in a relocatable object the other
// sections with relocations (or in several parts) are relocated copies made on first load
// and shared.
class DebugSources {
 public:
  DebugSources(const ElfFile &elf, const DebugRelocs *relocs) : elf_(elf), relocs_(relocs) {
    static constexpr std::string_view kNeeded[] = {"info", "abbrev", "str", "line", "line_str",
                                                   "str_offsets", "addr", "types"};
    secs_.emplace_back();
    for (const ElfSection &s : elf.sections()) {
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
  const ElfFile &elf() const { return elf_; }
  const std::vector<Joined> &sections() const { return secs_; }
  // Section k's bytes for a session whose .debug_info is `info`. Throws on failure.
  std::span<const uint8_t> bytes(size_t k, std::span<const uint8_t> info) {
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
  // The sections called `name`, end to end; empty when there is none.
  const Joined &joined(std::string_view name) const {
    static const Joined kNone;
    size_t k = index(name);
    return k ? secs_[k] : kNone;
  }
  // The bytes of the section `name` (relocated), empty when there is none; not .debug_info.
  std::span<const uint8_t> named(std::string_view name) {
    size_t k = index(name);
    return k ? bytes(k, {}) : std::span<const uint8_t>();
  }

 private:
  size_t index(std::string_view name) const {
    for (size_t k = 1; k < secs_.size(); k++)
      if (secs_[k].first().name == name) return k;
    return 0;
  }
  struct Copy {
    std::once_flag once;
    std::vector<uint8_t> bytes;
  };
  const ElfFile &elf_;
  const DebugRelocs *relocs_;
  std::vector<Joined> secs_;
  std::unique_ptr<Copy[]> copies_;
};

// libdwarf's error in the project's words: what it means, then libdwarf's name for it, which
// is the same in every libdwarf version (its sentences are not: 0.x rewords many, and they
// carry libdwarf's internal numbers). Null (no error recorded) is "corrupt DWARF".
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

// dw_error_text, and the error freed.
std::string dw_take_error(Dwarf_Debug dbg, Dwarf_Error err) {
  std::string m = dw_error_text(err);
  if (err) dwarf_dealloc_error(dbg, err);
  return m;
}

// One libdwarf session over the object-access interface. Owns what it opened.
class Session {
 public:
  // Through libdwarf's object-access interface over `src`, with `info` as .debug_info (same
  // size and offsets as the ELF's; see InfoView).
  Session(DebugSources &src, std::span<const uint8_t> info)
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
      fail("%s: cannot read DWARF: %s", path_.c_str(), m.c_str());
    }
    if (r == DW_DLV_NO_ENTRY) {
      dbg_ = nullptr;
      fail("%s: no DWARF debug information (build with CONFIG_DEBUG_INFO)", path_.c_str());
    }
  }
  ~Session() { cleanup(); }
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;

  Dwarf_Debug dbg() const { return dbg_; }
  const std::string &path() const { return path_; }
  // The sections behind the session.
  DebugSources &sources() const { return *view_.src; }

  // The message of an error from a failed open, which has no Dwarf_Debug to free it with.
  static std::string init_error(Dwarf_Error err) {
    std::string m = dw_error_text(err);
    if (err) dwarf_dealloc_error(nullptr, err);
    return m;
  }

  // Throws "PATH: SECTION+0xOFF: WHAT: MEANING (DW_DLE_...)", at the DIE `d` when there is
  // one (else "PATH: DWARF: WHAT: ..."); frees the error.
  [[noreturn]] void fail_dw(const char *what, Dwarf_Error err, Dwarf_Die d = nullptr) const {
    std::string m = dw_error_text(err);
    if (err) dwarf_dealloc_error(dbg_, err);
    Dwarf_Off off = 0;
    Dwarf_Error e2 = nullptr;
    if (d && dwarf_dieoffset(d, &off, &e2) == DW_DLV_OK)
      fail("%s: %s+0x%llx: %s: %s", path_.c_str(), dwarf_get_die_infotypes_flag(d) ? ".debug_info" : ".debug_types",
           static_cast<unsigned long long>(off), what, m.c_str());
    if (e2) dwarf_dealloc_error(dbg_, e2);
    fail("%s: DWARF: %s: %s", path_.c_str(), what, m.c_str());
  }

 private:
  void cleanup() {
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
  // The object-access callbacks: the sections of a DebugSources, .debug_info the session's.
  struct View {
    View() = default;
    View(DebugSources *s, std::span<const uint8_t> i) : src(s), info(i) {}
    DebugSources *src = nullptr;
    std::span<const uint8_t> info;
  };
  static int view_section_info(void *obj, DwSecIndex idx, DwSection *out, int *err) {
    const View &v = *static_cast<View *>(obj);
    if (idx >= v.src->sections().size()) return DW_DLV_NO_ENTRY;
    *out = DwSection{};
#if KFB_LIBDWARF_ACCESS_A
    out->as_name = "";
    if (idx == 0) return DW_DLV_OK;
    const Joined &j = v.src->sections()[idx];
    const ElfSection &sec = j.first();
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
    const ElfSection &sec = j.first();
    out->addr = sec.addr;
    out->type = sec.type;
    out->size = j.size;
    out->name = sec.name.data();  // NUL-terminated: it points into the section-name table
    out->entrysize = sec.entsize;
#endif
    return DW_DLV_OK;
  }
  // Shown as plain sections: the bytes are inflated already, and groups are joined.
  static Dwarf_Unsigned shown_flags(const ElfSection &sec) {
    return sec.flags & ~static_cast<uint64_t>(SHF_GROUP | SHF_COMPRESSED);
  }
#if !KFB_LIBDWARF_ACCESS_A
  static int view_flags(void *obj, Dwarf_Half idx, Dwarf_Unsigned *flags, Dwarf_Unsigned *addralign,
                        int *err) {
    const View &v = *static_cast<View *>(obj);
    if (idx >= v.src->sections().size()) return DW_DLV_NO_ENTRY;
    *flags = idx ? shown_flags(v.src->sections()[idx].first()) : 0;
    *addralign = 1;
    return DW_DLV_OK;
  }
#endif
  static DwByteOrder view_byte_order(void *obj) {
    bool be = static_cast<View *>(obj)->src->elf().big_endian();
#if KFB_LIBDWARF_ACCESS_A
    return be ? DW_END_big : DW_END_little;
#else
    return be ? DW_OBJECT_MSB : DW_OBJECT_LSB;
#endif
  }
  static Dwarf_Small view_length_size(void *) { return 4; }
  static Dwarf_Small view_pointer_size(void *obj) {
    return static_cast<View *>(obj)->src->elf().is64() ? 8 : 4;
  }
  static Dwarf_Unsigned view_section_count(void *obj) {
    return static_cast<View *>(obj)->src->sections().size();
  }
#if KFB_LIBDWARF_ACCESS_A
  // Section sizes are checked against it; ours are inflated and joined, so it is their sum.
  static Dwarf_Unsigned view_file_size(void *obj) {
    Dwarf_Unsigned n = 0;
    for (const Joined &j : static_cast<View *>(obj)->src->sections()) n += j.size;
    return n;
  }
#endif
  static int view_load_section(void *obj, DwSecIndex idx, Dwarf_Small **data, int *err) {
    const View &v = *static_cast<View *>(obj);
    if (idx == 0 || idx >= v.src->sections().size()) return DW_DLV_NO_ENTRY;
    std::span<const uint8_t> bytes;
    try {  // never let an exception unwind through libdwarf's C frames
      bytes = v.src->bytes(idx, v.info);
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
  static constexpr DwMethods kViewMethods = {view_section_info,  view_byte_order,    view_length_size,
                                             view_pointer_size,  view_file_size,     view_section_count,
                                             view_load_section,  nullptr};
#else
  static constexpr DwMethods kViewMethods = {view_section_info, view_byte_order,    view_length_size,
                                             view_pointer_size, view_section_count, view_load_section,
                                             nullptr};
#endif

  std::string path_;
  Dwarf_Debug dbg_ = nullptr;
  View view_;
  DwInterface iface_{};
};

// RAII for DIEs and attributes.
struct Die {
  Dwarf_Die d = nullptr;
  Die() = default;
  explicit Die(Dwarf_Die x) : d(x) {}
  Die(Die &&o) noexcept : d(o.d) { o.d = nullptr; }
  Die &operator=(Die &&o) noexcept {
    if (this != &o) {
      reset();
      d = o.d;
      o.d = nullptr;
    }
    return *this;
  }
  ~Die() { reset(); }
  void reset() {
    if (d) dwarf_dealloc_die(d);
    d = nullptr;
  }
  explicit operator bool() const { return d != nullptr; }
};

struct Attr {
  Dwarf_Attribute a = nullptr;
  ~Attr() {
    if (a) dwarf_dealloc_attribute(a);
  }
};

struct CuInfo {
  Dwarf_Off hdr_off = 0;
  Dwarf_Off die_off = 0;
  Dwarf_Off next = 0;
  Dwarf_Off abbrev_off = 0;
  Dwarf_Half version = 0;
  uint32_t part = 0;     // which section of the joined .debug_info holds it (see Joined)
  bool shared = false;   // a dwz partial unit or a type unit: in every view, never walked
  bool names = false;  // walk for named functions
  bool tags = false;   // walk for bpf_kfunc-tagged definitions
};

struct TypeNode {
  Dwarf_Half tag = 0;
  std::string name;
  Dwarf_Off type = 0;  // 0 = void / none
  bool has_type = false;
  uint64_t encoding = 0;
  int64_t count = -1;  // arrays: elements, -1 unknown
  bool prototyped = false;
  bool variadic = false;
  std::vector<Dwarf_Off> params;
};

// Type units by signature (the 8 bytes of DW_FORM_ref_sig8 as they are in the file): where
// the unit's type DIE is. Offsets with kInTypes set are in .debug_types (DWARF 4), others in
// .debug_info.
constexpr Dwarf_Off kInTypes = Dwarf_Off(1) << 63;
using TypeSigs = std::unordered_map<uint64_t, Dwarf_Off>;

uint64_t sig_key(const uint8_t *p) {
  uint64_t k;
  std::memcpy(&k, p, sizeof k);
  return k;
}

// Per-thread reader over one Session.
class Walker {
 public:
  Walker(const Session &s, const std::unordered_set<std::string_view> &names, const TypeSigs &sigs)
      : s_(s), dbg_(s.dbg()), names_(names), sigs_(sigs) {}

  void walk_cu(const CuInfo &cu, size_t cu_index, std::vector<FuncDef> &out);
  size_t dies() const { return dies_; }

 private:
  // --- attribute helpers
  bool attr(Dwarf_Die d, Dwarf_Half at, Attr &a) {
    Dwarf_Error err = nullptr;
    int r = dwarf_attr(d, at, &a.a, &err);
    if (r == DW_DLV_ERROR) s_.fail_dw("reading an attribute", err, d);
    return r == DW_DLV_OK;
  }
  bool has(Dwarf_Die d, Dwarf_Half at) {
    Dwarf_Bool b = 0;
    Dwarf_Error err = nullptr;
    if (dwarf_hasattr(d, at, &b, &err) == DW_DLV_ERROR) s_.fail_dw("reading an attribute", err, d);
    return b;
  }
  bool udata(Dwarf_Die d, Dwarf_Half at, uint64_t &out) {
    Attr a;
    if (!attr(d, at, a)) return false;
    Dwarf_Error err = nullptr;
    Dwarf_Half form = 0;
    if (dwarf_whatform(a.a, &form, &err) != DW_DLV_OK) s_.fail_dw("reading a form", err, d);
    int r;
    if (form == DW_FORM_implicit_const || form == DW_FORM_sdata) {
      // gcc 12 DWARF 5 writes decl_file/decl_line as implicit_const: formudata rejects it.
      Dwarf_Signed sv = 0;
      r = dwarf_formsdata(a.a, &sv, &err);
      out = static_cast<uint64_t>(sv);
    } else {
      Dwarf_Unsigned uv = 0;
      r = dwarf_formudata(a.a, &uv, &err);
      out = uv;
    }
    if (r == DW_DLV_ERROR) {
      dwarf_dealloc_error(dbg_, err);
      return false;
    }
    return r == DW_DLV_OK;
  }
  bool string(Dwarf_Die d, Dwarf_Half at, std::string &out) {
    Attr a;
    if (!attr(d, at, a)) return false;
    char *str = nullptr;
    Dwarf_Error err = nullptr;
    int r = dwarf_formstring(a.a, &str, &err);
    if (r == DW_DLV_ERROR) {
      dwarf_dealloc_error(dbg_, err);
      return false;
    }
    if (r != DW_DLV_OK || !str) return false;
    out = str;
    return true;
  }
  const char *diename(Dwarf_Die d) {
    char *n = nullptr;
    Dwarf_Error err = nullptr;
    int r = dwarf_diename(d, &n, &err);
    if (r == DW_DLV_ERROR) s_.fail_dw("reading a name", err, d);
    return r == DW_DLV_OK ? n : nullptr;
  }
  // A DIE reference; DW_FORM_ref_sig8 is resolved through the type units' signatures (which
  // libdwarf 20210528 leaves to the caller). A DIE in .debug_types answers with kInTypes set.
  bool ref(Dwarf_Die d, Dwarf_Half at, Dwarf_Off &out) {
    Attr a;
    if (!attr(d, at, a)) return false;
    Dwarf_Error err = nullptr;
    Dwarf_Half form = 0;
    if (dwarf_whatform(a.a, &form, &err) != DW_DLV_OK) s_.fail_dw("reading a form", err, d);
    if (form == DW_FORM_ref_sig8) {
      Dwarf_Sig8 sig;
      if (dwarf_formsig8(a.a, &sig, &err) != DW_DLV_OK) s_.fail_dw("reading a type signature", err, d);
      auto it = sigs_.find(sig_key(reinterpret_cast<const uint8_t *>(sig.signature)));
      if (it == sigs_.end()) {
        // As readelf and llvm-dwarfdump print it: the 8 bytes in the object's byte order.
        uint64_t v = load<uint64_t>(reinterpret_cast<const uint8_t *>(sig.signature),
                                    s_.sources().elf().swap());
        fail("%s: %s+0x%llx: DW_FORM_ref_sig8 0x%016llx: no type unit has that signature",
             s_.path().c_str(), in_types(d) ? ".debug_types" : ".debug_info",
             static_cast<unsigned long long>(offset(d) & ~kInTypes), static_cast<unsigned long long>(v));
      }
      out = it->second;
      return true;
    }
    if (dwarf_global_formref(a.a, &out, &err) != DW_DLV_OK) s_.fail_dw("reading a reference", err, d);
    // Unit-relative forms stay in the DIE's section; DW_FORM_ref_addr always names .debug_info.
    if (in_types(d) && form != DW_FORM_ref_addr) out |= kInTypes;
    return true;
  }
  static bool in_types(Dwarf_Die d) { return !dwarf_get_die_infotypes_flag(d); }
  // A section offset (DW_FORM_sec_offset; data4/data8 before DWARF 4).
  bool sec_offset(Dwarf_Die d, Dwarf_Half at, uint64_t &out) {
    Attr a;
    if (!attr(d, at, a)) return false;
    Dwarf_Error err = nullptr;
    Dwarf_Half form = 0;
    if (dwarf_whatform(a.a, &form, &err) != DW_DLV_OK) s_.fail_dw("reading a form", err, d);
    Dwarf_Unsigned v = 0;
    int r = form == DW_FORM_sec_offset ? dwarf_global_formref(a.a, &v, &err) : dwarf_formudata(a.a, &v, &err);
    if (r == DW_DLV_ERROR) s_.fail_dw("reading a section offset", err, d);
    out = v;
    return r == DW_DLV_OK;
  }
  bool flag(Dwarf_Die d, Dwarf_Half at) {
    Attr a;
    if (!attr(d, at, a)) return false;
    Dwarf_Bool b = 0;
    Dwarf_Error err = nullptr;
    if (dwarf_formflag(a.a, &b, &err) == DW_DLV_ERROR) {
      dwarf_dealloc_error(dbg_, err);
      return false;
    }
    return b;
  }
  Dwarf_Half tag(Dwarf_Die d) {
    Dwarf_Half t = 0;
    Dwarf_Error err = nullptr;
    if (dwarf_tag(d, &t, &err) != DW_DLV_OK) s_.fail_dw("reading a tag", err, d);
    return t;
  }
  Die offdie(Dwarf_Off off) {
    Dwarf_Die d = nullptr;
    Dwarf_Error err = nullptr;
    bool is_info = !(off & kInTypes);
    int r = dwarf_offdie_b(dbg_, off & ~kInTypes, is_info, &d, &err);
    if (r != DW_DLV_OK)
      fail("%s: %s+0x%llx: reading the DIE: %s", s_.path().c_str(), is_info ? ".debug_info" : ".debug_types",
           static_cast<unsigned long long>(off & ~kInTypes), r == DW_DLV_NO_ENTRY ? "no DIE there" : dw_take_error(dbg_, err).c_str());
    return Die(d);
  }
  Die child(Dwarf_Die d) {
    Dwarf_Die c = nullptr;
    Dwarf_Error err = nullptr;
    int r = dwarf_child(d, &c, &err);
    if (r == DW_DLV_ERROR) s_.fail_dw("reading the children of the DIE", err, d);
    return Die(r == DW_DLV_OK ? c : nullptr);
  }
  Die sibling(Dwarf_Die d) {
    Dwarf_Die c = nullptr;
    Dwarf_Error err = nullptr;
    int r = dwarf_siblingof_b(dbg_, d, !in_types(d), &c, &err);
    if (r == DW_DLV_ERROR) s_.fail_dw("reading the DIE after this one", err, d);
    return Die(r == DW_DLV_OK ? c : nullptr);
  }
  Dwarf_Off offset(Dwarf_Die d) {
    Dwarf_Off o = 0;
    Dwarf_Error err = nullptr;
    if (dwarf_dieoffset(d, &o, &err) != DW_DLV_OK) s_.fail_dw("reading a DIE offset", err);
    return in_types(d) ? o | kInTypes : o;
  }

  // --- functions
  bool is_annotation(Dwarf_Half t) { return t == DW_TAG_LLVM_annotation || t == DW_TAG_GNU_annotation; }
  // btf_decl_tag values among the direct children of `d`.
  std::vector<std::string> decl_tags(Dwarf_Die d);
  // The DIE that holds the declaration-side attributes (follows abstract_origin/specification).
  Die origin_of(Dwarf_Die d);
  const char *name_of(Dwarf_Die d, Die &holder);
  void make_def(Dwarf_Die d, const std::string &name, bool has_pc, size_t cu_index, FuncDef &f);
  std::string file_of(Dwarf_Die d, uint64_t idx);

  // --- types
  const TypeNode &node(Dwarf_Off off);
  std::string decl(Dwarf_Off off, const std::string &inner, int depth = 0);
  TypeClass classify(Dwarf_Off off, int depth = 0);
  std::string ptr_to_struct(Dwarf_Off off);
  CType ctype(bool has_type, Dwarf_Off off);

  const Session &s_;
  Dwarf_Debug dbg_;
  const std::unordered_set<std::string_view> &names_;
  const TypeSigs &sigs_;
  size_t dies_ = 0;
  std::unordered_map<Dwarf_Off, TypeNode> types_;
  // A CU's file names indexed by file number, by CU DIE offset.
  std::unordered_map<Dwarf_Off, std::vector<std::string>> srcfiles_;
};

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
  // Found definitions of this CU; a name defined twice keeps the first with code.
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

// ---- types

const TypeNode &Walker::node(Dwarf_Off off) {
  auto it = types_.find(off);
  if (it != types_.end()) return it->second;
  Die d = offdie(off);
  // A declaration standing for a type unit's type (gcc's -fdebug-types-section): the node is
  // the unit's. Followed in a loop: a chain of such stubs in broken input must neither recurse
  // once per hop nor go round a cycle.
  const Dwarf_Off first = off;
  for (int hops = 0;; hops++) {
    Dwarf_Off def = 0;
    if (!ref(d.d, DW_AT_signature, def)) break;
    if (hops == 8)
      fail("%s: %s+0x%llx: more than 8 DW_AT_signature hops from this type", s_.path().c_str(),
           first & kInTypes ? ".debug_types" : ".debug_info",
           static_cast<unsigned long long>(first & ~kInTypes));
    if (auto done = types_.find(def); done != types_.end())
      return types_.emplace(first, TypeNode(done->second)).first->second;
    off = def;
    d = offdie(off);
  }
  TypeNode t;
  t.tag = tag(d.d);
  if (const char *n = diename(d.d)) t.name = n;
  t.has_type = ref(d.d, DW_AT_type, t.type);
  if (t.tag == DW_TAG_base_type) udata(d.d, DW_AT_encoding, t.encoding);
  if (t.tag == DW_TAG_subroutine_type) {
    t.prototyped = flag(d.d, DW_AT_prototyped);
    for (Die c = child(d.d); c; c = sibling(c.d)) {
      Dwarf_Half ct = tag(c.d);
      Dwarf_Off pt = 0;
      if (ct == DW_TAG_formal_parameter && ref(c.d, DW_AT_type, pt)) t.params.push_back(pt);
      if (ct == DW_TAG_unspecified_parameters) t.variadic = true;
    }
  }
  if (t.tag == DW_TAG_array_type) {
    for (Die c = child(d.d); c; c = sibling(c.d)) {
      if (tag(c.d) != DW_TAG_subrange_type) continue;
      uint64_t v;
      if (udata(c.d, DW_AT_count, v))
        t.count = static_cast<int64_t>(v);
      else if (udata(c.d, DW_AT_upper_bound, v))
        t.count = static_cast<int64_t>(v) + 1;
      break;  // first dimension only
    }
  }
  const TypeNode &n = types_.emplace(off, std::move(t)).first->second;
  if (first != off) return types_.emplace(first, TypeNode(n)).first->second;
  return n;
}

// GCC spells base types "long unsigned int", clang "unsigned long": print the C spelling both
// ways, so one source gives one prototype whatever the compiler.
static std::string base_type_name(const std::string &n) {
  if (std::string c = c_int_spelling(n); !c.empty()) return c;
  return n == "__int128 unsigned" ? "unsigned __int128" : n;
}

static std::string spaced(const std::string &base, const std::string &inner) {
  return inner.empty() ? base : base + " " + inner;
}

std::string Walker::decl(Dwarf_Off off, const std::string &inner, int depth) {
  if (depth > 64) return spaced("?", inner);
  const TypeNode &t = node(off);
  auto sub = [&](const std::string &in) {
    return t.has_type ? decl(t.type, in, depth + 1) : spaced("void", in);
  };
  switch (t.tag) {
    case DW_TAG_base_type:
      return spaced(base_type_name(t.name), inner);
    case DW_TAG_typedef:
    case DW_TAG_unspecified_type:
      return spaced(t.name.empty() ? "void" : t.name, inner);
    case DW_TAG_structure_type:
    case DW_TAG_class_type:
      return spaced("struct " + (t.name.empty() ? std::string("{...}") : t.name), inner);
    case DW_TAG_union_type:
      return spaced("union " + (t.name.empty() ? std::string("{...}") : t.name), inner);
    case DW_TAG_enumeration_type:
      return spaced("enum " + (t.name.empty() ? std::string("{...}") : t.name), inner);
    case DW_TAG_pointer_type:
    case DW_TAG_reference_type:
    case DW_TAG_rvalue_reference_type: {
      std::string star = t.tag == DW_TAG_pointer_type ? "*" : "&";
      if (t.has_type) {
        Dwarf_Half pt = node(t.type).tag;
        if (pt == DW_TAG_subroutine_type || pt == DW_TAG_array_type)
          return decl(t.type, "(" + star + inner + ")", depth + 1);
      }
      return sub(star + inner);  // "char **", "char *const"
    }
    case DW_TAG_const_type:
    case DW_TAG_volatile_type:
    case DW_TAG_restrict_type:
    case DW_TAG_atomic_type: {
      const char *q = t.tag == DW_TAG_const_type      ? "const"
                      : t.tag == DW_TAG_volatile_type ? "volatile"
                      : t.tag == DW_TAG_restrict_type ? "restrict"
                                                      : "_Atomic";
      bool on_pointer = t.has_type && node(t.type).tag == DW_TAG_pointer_type;
      if (on_pointer) return sub(spaced(q, inner));  // "char *const"
      return std::string(q) + " " + sub(inner);      // "const char *"
    }
    case DW_TAG_array_type:
      return sub(inner + "[" + (t.count >= 0 ? std::to_string(t.count) : "") + "]");
    case DW_TAG_subroutine_type: {
      std::string ps;
      for (size_t i = 0; i < t.params.size(); i++) {
        if (i) ps += ", ";
        ps += decl(t.params[i], "", depth + 1);
      }
      if (t.variadic) ps += t.params.empty() ? "..." : ", ...";
      if (ps.empty() && t.prototyped) ps = "void";
      return sub(inner + "(" + ps + ")");
    }
    default:
      return spaced(t.name.empty() ? "?" : t.name, inner);
  }
}

TypeClass Walker::classify(Dwarf_Off off, int depth) {
  if (depth > 64) return TypeClass::Other;
  const TypeNode &t = node(off);
  switch (t.tag) {
    case DW_TAG_typedef:
    case DW_TAG_const_type:
    case DW_TAG_volatile_type:
    case DW_TAG_restrict_type:
    case DW_TAG_atomic_type:
      return t.has_type ? classify(t.type, depth + 1) : TypeClass::Void;
    case DW_TAG_pointer_type:
    case DW_TAG_reference_type:
    case DW_TAG_rvalue_reference_type:
    case DW_TAG_ptr_to_member_type:
      return TypeClass::Pointer;
    case DW_TAG_base_type:
      return t.encoding == DW_ATE_float || t.encoding == DW_ATE_complex_float ? TypeClass::Float
                                                                             : TypeClass::Scalar;
    case DW_TAG_enumeration_type:
      return TypeClass::Scalar;
    case DW_TAG_unspecified_type:
      return TypeClass::Void;
    default:
      return TypeClass::Other;
  }
}

static bool is_modifier(Dwarf_Half tag) {
  return tag == DW_TAG_const_type || tag == DW_TAG_volatile_type || tag == DW_TAG_restrict_type ||
         tag == DW_TAG_atomic_type;
}

std::string Walker::ptr_to_struct(Dwarf_Off off) {
  const TypeNode *t = &node(off);
  for (int i = 0; i < 16 && is_modifier(t->tag) && t->has_type; i++) t = &node(t->type);
  if (t->tag != DW_TAG_pointer_type || !t->has_type) return "";
  const TypeNode *p = &node(t->type);
  for (int i = 0; i < 16 && is_modifier(p->tag) && p->has_type; i++) p = &node(p->type);
  return p->tag == DW_TAG_structure_type ? p->name : "";
}

CType Walker::ctype(bool has_type, Dwarf_Off off) {
  CType c;
  if (!has_type) {
    c.text = "void";
    c.type_class = TypeClass::Void;
    return c;
  }
  c.text = decl(off, "");
  c.type_class = classify(off);
  c.ptr_to_struct = ptr_to_struct(off);
  return c;
}

// ---- .debug_aranges and .debug_abbrev, read directly (small, fixed formats)

// An address range of one CU. In a relocatable object addresses are section-relative, so
// `shndx` names the section (0 in a linked object, where addresses are absolute).
struct Arange {
  uint32_t shndx;
  uint64_t lo, hi;
  uint64_t cu_hdr_off;
  bool operator<(const Arange &o) const { return shndx != o.shndx ? shndx < o.shndx : lo < o.lo; }
};

uint64_t read_addr(Cursor &c, unsigned size) {
  switch (size) {
    case 4: return c.u32();
    case 8: return c.u64();
    case 2: return c.u16();
    default: c.fail("unsupported address size %u", size);
  }
}

// Returns false when the section is absent or malformed (the caller walks every CU then).
// With `relocs` (a relocatable object) each address is relocated and keeps its section.
bool read_aranges(const ElfFile &elf, const DebugRelocs *relocs, std::vector<Arange> &out) {
  const ElfSection *s = elf.section(".debug_aranges");
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

// Calls fn(code, tag) for each abbreviation of the table at `off` until fn returns true.
// Returns 1 when fn did, 0 at the end of the table, -1 when the table cannot be read.
template <typename Fn>
int each_abbrev(const ElfFile &elf, const ElfSection *abbrev, uint64_t off, Fn fn) {
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

// Whether the abbreviation table at `off` declares an annotation DIE. Unknown: true.
bool abbrev_has_annotation(const ElfFile &elf, const ElfSection *abbrev, uint64_t off) {
  return each_abbrev(elf, abbrev, off, [](uint64_t, uint64_t tag) {
           return tag == DW_TAG_LLVM_annotation || tag == DW_TAG_GNU_annotation;
         }) != 0;
}

// The tag of abbreviation `code` in the table at `off`; 0 when it cannot be found.
uint64_t abbrev_tag(const ElfFile &elf, const ElfSection *abbrev, uint64_t off, uint64_t code) {
  uint64_t out = 0;
  each_abbrev(elf, abbrev, off, [&](uint64_t k, uint64_t tag) { return k == code ? (out = tag, true) : false; });
  return out;
}

// Unit headers of the joined .debug_info (DWARF 2-5, 32- and 64-bit): compile, partial and
// type units; with `relocs` (a relocatable object) the abbreviation offsets are relocated.
// Type units go into `sigs`. Throws on anything else (an unknown unit type or version, a
// length past the end): libdwarf is never shown a unit header we did not read.
void read_unit_headers(const ElfFile &elf, const Joined &info, const DebugRelocs *relocs,
                       std::vector<CuInfo> &out, TypeSigs &sigs) {
  const ElfSection *abbrev = elf.section(".debug_abbrev");
  std::vector<uint8_t> hbuf;
  for (uint32_t part = 0; part < info.parts.size(); part++) {
    const ElfSection &sec = *info.parts[part].sec;
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
void read_type_units(const ElfFile &elf, std::span<const uint8_t> types, TypeSigs &sigs) {
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

// A private copy of .debug_info that holds only some CUs, at their original offsets, for one
// libdwarf session. libdwarf finds a CU by creating the context of every CU before it (0.25 ms
// each: 0.6 s to reach the end of a 6.12 vmlinux), so each run of CUs we do not need is
// replaced by one empty partial unit spanning it: a v5 header whose unit_length covers the
// run, then a null DIE. Offsets (DIE references, DW_FORM_ref_addr into kept CUs) stay valid.
// The buffer is an anonymous mapping: the skipped runs are never touched and cost no memory.
class InfoView {
 public:
  // With `relocs` (a relocatable object) the kept CUs are relocated in the copy.
  InfoView(const ElfFile &elf, const Joined &info, const DebugRelocs *relocs,
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
  ~InfoView() {
    if (buf_) munmap(buf_, size_);
  }
  InfoView(const InfoView &) = delete;
  InfoView &operator=(const InfoView &) = delete;
  std::span<const uint8_t> bytes() const { return {buf_, size_}; }

 private:
  uint8_t *buf_ = nullptr;
  size_t size_ = 0;
};

}  // namespace

struct DwarfReader::Impl {
  std::vector<CuInfo> cus;
  std::unique_ptr<DebugRelocs> relocs;    // a relocatable object's, applied by us
  std::unique_ptr<DebugSources> sources;  // what every session is shown
  TypeSigs sigs;                          // type units
};

DwarfReader::DwarfReader(const ElfFile &elf) : elf_(elf), impl_(std::make_unique<Impl>()) {}
DwarfReader::~DwarfReader() = default;

std::unique_ptr<DwarfReader> DwarfReader::open(const ElfFile &elf) {
  if (!elf.section(".debug_info"))
    fail("%s: no DWARF debug information (.debug_info); build with CONFIG_DEBUG_INFO",
         elf.path().c_str());
  std::unique_ptr<DwarfReader> r(new DwarfReader(elf));
  Impl &m = *r->impl_;
  // The unit headers are read straight from .debug_info (libdwarf's CU iteration builds a full
  // CU context per unit: 1.4 s for the 2,578 CUs of a 6.12 vmlinux, against a few ms here),
  // and sessions see only the CUs they read. A relocatable object is relocated by us, only
  // where it is read (libdwarf relocates every debug section on open: 3.3 s and 290 MB for
  // a 6.1 vmlinux.o); relocations DebugRelocs cannot apply are an error.
  // Type units: DWARF 5 puts them in .debug_info, DWARF 4 in .debug_types; in a relocatable
  // object each sits in its own COMDAT section, read end to end with the others (Joined).
  m.relocs = DebugRelocs::open(elf);  // null unless ET_REL
  m.sources = std::make_unique<DebugSources>(elf, m.relocs.get());
  const Joined &info = m.sources->joined(".debug_info"), &types = m.sources->joined(".debug_types");
  if (m.relocs)  // before anything is relocated
    for (const Joined *j : {&info, &types})
      for (const Joined::Part &p : j->parts) m.relocs->set_base(static_cast<uint32_t>(p.sec->index), p.base);
  read_unit_headers(elf, info, m.relocs.get(), m.cus, m.sigs);
  r->stats_.cus = std::count_if(m.cus.begin(), m.cus.end(), [](const CuInfo &cu) { return !cu.shared; });
  if (types) read_type_units(elf, m.sources->named(".debug_types"), m.sigs);
  return r;
}

std::vector<FuncDef> DwarfReader::find(const DwarfQuery &q) {
  std::vector<CuInfo> &cus = impl_->cus;
  for (CuInfo &cu : cus) cu.names = cu.tags = false;
  std::unordered_set<std::string_view> names(q.names.begin(), q.names.end());

  // Which CUs define the named functions: symbol address -> .debug_aranges -> CU.
  std::vector<Arange> ar;
  const DebugRelocs *relocs = impl_->relocs.get();
  bool located = !names.empty() && read_aranges(elf_, relocs, ar);
  if (located) {
    // Every name must be located, or the aranges are not telling the whole story (a CU
    // without an entry, PPC64 ELFv1 symbols on .opd descriptors): then every CU is walked.
    std::unordered_map<Dwarf_Off, size_t> by_hdr;
    for (size_t i = 0; i < cus.size(); i++) by_hdr[cus[i].hdr_off] = i;
    std::unordered_set<std::string_view> found;
    for (const ElfSymbol &sym : elf_.symbols()) {
      if (sym.type != STT_FUNC || sym.shndx == SHN_UNDEF || !names.count(sym.name)) continue;
      Arange key{relocs ? sym.shndx : 0, sym.value, 0, 0};
      auto it = std::upper_bound(ar.begin(), ar.end(), key);
      if (it == ar.begin()) continue;
      --it;
      if (it->shndx != key.shndx || sym.value >= it->hi) continue;
      auto cu = by_hdr.find(it->cu_hdr_off);
      if (cu == by_hdr.end()) continue;
      cus[cu->second].names = true;
      found.insert(sym.name);
    }
    located = found.size() == names.size();
  }
  if (!located && !names.empty()) {
    for (CuInfo &cu : cus) cu.names = !cu.shared;
  }
  stats_.aranges = located;
  if (q.all) {
    const ElfSection *abbrev = elf_.section(".debug_abbrev");
    for (CuInfo &cu : cus) cu.tags = !cu.shared && abbrev_has_annotation(elf_, abbrev, cu.abbrev_off);
  }

  std::vector<size_t> todo;
  uint64_t total = 0;
  for (size_t i = 0; i < cus.size(); i++)
    if (cus[i].names || cus[i].tags) todo.push_back(i), total += cus[i].next - cus[i].hdr_off;
  stats_.cus_read = todo.size();

  // Contiguous ranges of about equal .debug_info bytes, one per thread.
  unsigned jobs = std::max(1u, std::min<unsigned>(q.jobs, static_cast<unsigned>(todo.size())));
  std::vector<std::vector<size_t>> parts(jobs);
  {
    uint64_t acc = 0;
    for (size_t i : todo) {
      size_t k = std::min<size_t>(jobs - 1, total ? acc * jobs / total : 0);
      parts[k].push_back(i);
      acc += cus[i].next - cus[i].hdr_off;
    }
  }
  std::vector<std::vector<FuncDef>> results(jobs);
  std::vector<size_t> dies(jobs, 0);
  std::vector<std::exception_ptr> errors(jobs);
  // Each thread builds its own view and session (the copy is part of its work).
  auto work = [&](unsigned k) {
    try {
      InfoView view(elf_, impl_->sources->joined(".debug_info"), relocs, cus, parts[k]);
      Session s(*impl_->sources, view.bytes());
      Walker w(s, names, impl_->sigs);
      for (size_t i : parts[k]) w.walk_cu(cus[i], i, results[k]);
      dies[k] = w.dies();
    } catch (...) {
      errors[k] = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  for (unsigned k = 1; k < jobs; k++) threads.emplace_back(work, k);
  work(0);
  for (auto &t : threads) t.join();
  for (auto &e : errors)
    if (e) std::rethrow_exception(e);

  // Merge in CU order; per name keep the first definition with code, else the first.
  std::vector<FuncDef> all;
  for (unsigned k = 0; k < jobs; k++) {
    stats_.dies += dies[k];
    for (FuncDef &f : results[k]) all.push_back(std::move(f));
  }
  std::stable_sort(all.begin(), all.end(), [](const FuncDef &a, const FuncDef &b) {
    if (a.name != b.name) return a.name < b.name;
    if (a.has_pc != b.has_pc) return a.has_pc;
    return a.cu_index < b.cu_index;
  });
  std::vector<FuncDef> out;
  for (FuncDef &f : all)
    if (out.empty() || out.back().name != f.name) out.push_back(std::move(f));
  return out;
}

}  // namespace kfb
