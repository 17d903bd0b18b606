// Private to lib/dwarf (not installed, not for other folders): what dwarf.cc, session.cc,
// walk.cc, types.cc and units.cc share. The per-DIE helpers stay inline here: they are the
// walk's inner loop.
#pragma once

#include <libdwarf/dwarf.h>
#include <libdwarf/libdwarf.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "dwarf/dwarf.h"
#include "dwarf/reloc.h"
#include "elf/elf.h"
#include "support/endian.h"
#include "support/error.h"

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

namespace kfb::dwarf::detail {

// ---- session.cc: the sections libdwarf is shown, the session over them, its errors

// The sections of one name, end to end in file order: libdwarf is shown one section per name.
// Only type units make more than one: an `ld -r` object keeps each in its own COMDAT
// .debug_info (DWARF 5) or .debug_types (DWARF 4) section besides the main one.
struct Joined {
  struct Part {
    const elf::ElfSection *sec;
    uint64_t base;  // where its bytes start in the joined section
  };
  std::vector<Part> parts;
  uint64_t size = 0;
  explicit operator bool() const { return !parts.empty(); }
  const elf::ElfSection &first() const { return *parts.front().sec; }
  void add(const elf::ElfSection &s, uint64_t content_size) {
    parts.push_back({&s, size});
    size += content_size;
  }
};

// The sections a session over the object-access interface sees: index 0 empty, then the
// debug sections the walk needs, in file order (each name once, see Joined). Relocation
// sections are left out, so libdwarf applies nothing, and the count fits its 16-bit section
// numbers whatever the ELF has. Compressed sections are shown inflated (ElfFile::contents).
// Range and location lists, frames, macros and name indexes are left out too: the walk only
// asks whether DW_AT_ranges is there, and libdwarf parses those sections eagerly when it
// loads .debug_info (libdwarf 20210528 double-frees on a malformed .debug_rnglists; fuzz_dwarf).
// Each session brings its own .debug_info (an InfoView); in a relocatable object the other
// sections with relocations (or in several parts) are relocated copies made on first load
// and shared.
class DebugSources {
 public:
  DebugSources(const elf::ElfFile &elf, const DebugRelocs *relocs);
  const elf::ElfFile &elf() const { return elf_; }
  const std::vector<Joined> &sections() const { return secs_; }
  // Section k's bytes for a session whose .debug_info is `info`. Throws on failure.
  std::span<const uint8_t> bytes(size_t k, std::span<const uint8_t> info);
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
  const elf::ElfFile &elf_;
  const DebugRelocs *relocs_;
  std::vector<Joined> secs_;
  std::unique_ptr<Copy[]> copies_;
};

// libdwarf's error in the project's words: what it means, then libdwarf's name for it, which
// is the same in every libdwarf version (its sentences are not: 0.x rewords many, and they
// carry libdwarf's internal numbers). Null (no error recorded) is "corrupt DWARF".
std::string dw_error_text(Dwarf_Error err);

// dw_error_text, and the error freed.
std::string dw_take_error(Dwarf_Debug dbg, Dwarf_Error err);

// One libdwarf session over the object-access interface. Owns what it opened.
class Session {
 public:
  // Through libdwarf's object-access interface over `src`, with `info` as .debug_info (same
  // size and offsets as the ELF's; see InfoView).
  Session(DebugSources &src, std::span<const uint8_t> info);
  ~Session() { cleanup(); }
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;

  Dwarf_Debug dbg() const { return dbg_; }
  const std::string &path() const { return path_; }
  // The sections behind the session.
  DebugSources &sources() const { return *view_.src; }

  // A section that libdwarf asked for and could not get (a corrupt compressed one, say) makes
  // libdwarf report an error at whatever DIE it was reading: that section's own error is
  // thrown instead, naming it. Called on every libdwarf error, and after a walk (libdwarf may
  // have gone on without the section). Frees `err` when it throws.
  void check_load(Dwarf_Error err = nullptr) const {
    if (view_.load_error.empty()) return;
    if (err) dwarf_dealloc_error(dbg_, err);
    throw Error(view_.load_error);
  }

  // The message of an error from a failed open, which has no Dwarf_Debug to free it with.
  static std::string init_error(Dwarf_Error err) {
    std::string m = dw_error_text(err);
    if (err) dwarf_dealloc_error(nullptr, err);
    return m;
  }

  // Throws "PATH: SECTION+0xOFF: WHAT: MEANING (DW_DLE_...)", at the DIE `d` when there is
  // one (else "PATH: DWARF: WHAT: ..."); frees the error.
  [[noreturn]] void fail_dw(const char *what, Dwarf_Error err, Dwarf_Die d = nullptr) const {
    check_load(err);
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
  void cleanup();
  // The object-access callbacks: the sections of a DebugSources, .debug_info the session's.
  struct View {
    View() = default;
    View(DebugSources *s, std::span<const uint8_t> i) : src(s), info(i) {}
    DebugSources *src = nullptr;
    std::span<const uint8_t> info;
    std::string load_error;  // the first section load that failed: its message
  };
  static int view_section_info(void *obj, DwSecIndex idx, DwSection *out, int *err);
  static Dwarf_Unsigned shown_flags(const elf::ElfSection &sec);
#if !KFB_LIBDWARF_ACCESS_A
  static int view_flags(void *obj, Dwarf_Half idx, Dwarf_Unsigned *flags, Dwarf_Unsigned *addralign,
                        int *err);
#endif
  static DwByteOrder view_byte_order(void *obj);
  static Dwarf_Small view_length_size(void *);
  static Dwarf_Small view_pointer_size(void *obj);
  static Dwarf_Unsigned view_section_count(void *obj);
#if KFB_LIBDWARF_ACCESS_A
  static Dwarf_Unsigned view_file_size(void *obj);
#endif
  static int view_load_section(void *obj, DwSecIndex idx, Dwarf_Small **data, int *err);
  static const DwMethods kViewMethods;

  std::string path_;
  Dwarf_Debug dbg_ = nullptr;
  View view_;
  DwInterface iface_{};
};

// ---- walk.cc and types.cc: the DIE walker, with its per-DIE helpers inline

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

inline uint64_t sig_key(const uint8_t *p) {
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
      s_.check_load();
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
      s_.check_load();
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
      s_.check_load();
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
    if (r == DW_DLV_ERROR) s_.check_load(err);
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
  // The next sibling. It must lie past `d`: libdwarf follows a DW_AT_sibling wherever it
  // points, and one pointing back (at `d` itself, say) would walk the same DIEs forever.
  Die sibling(Dwarf_Die d) {
    Dwarf_Die c = nullptr;
    Dwarf_Error err = nullptr;
    int r = dwarf_siblingof_b(dbg_, d, !in_types(d), &c, &err);
    if (r == DW_DLV_ERROR) s_.fail_dw("reading the DIE after this one", err, d);
    Die next(r == DW_DLV_OK ? c : nullptr);
    if (next) {
      Dwarf_Off at = offset(d), to = offset(next.d);
      if (to <= at)
        fail("%s: %s+0x%llx: reading the DIE after this one: its DW_AT_sibling (0x%llx) does not point past it",
             s_.path().c_str(), in_types(d) ? ".debug_types" : ".debug_info",
             static_cast<unsigned long long>(at & ~kInTypes), static_cast<unsigned long long>(to & ~kInTypes));
    }
    return next;
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
  // The spelling in progress (decl): the subroutine types it is inside, and how many more
  // characters its names may add before parameter lists are elided.
  std::vector<Dwarf_Off> open_subr_;
  size_t spell_left_ = 0;
  // A CU's file names indexed by file number, by CU DIE offset.
  std::unordered_map<Dwarf_Off, std::vector<std::string>> srcfiles_;
};

// ---- units.cc: .debug_aranges, .debug_abbrev and unit headers, read directly

// An address range of one CU. In a relocatable object addresses are section-relative, so
// `shndx` names the section (0 in a linked object, where addresses are absolute).
struct Arange {
  uint32_t shndx;
  uint64_t lo, hi;
  uint64_t cu_hdr_off;
  bool operator<(const Arange &o) const { return shndx != o.shndx ? shndx < o.shndx : lo < o.lo; }
};

// Returns false when the section is absent or malformed (the caller walks every CU then).
// With `relocs` (a relocatable object) each address is relocated and keeps its section.
bool read_aranges(const elf::ElfFile &elf, const DebugRelocs *relocs, std::vector<Arange> &out);

// Whether the abbreviation table at `off` declares an annotation DIE. Unknown: true.
bool abbrev_has_annotation(const elf::ElfFile &elf, const elf::ElfSection *abbrev, uint64_t off);

// Unit headers of the joined .debug_info (DWARF 2-5, 32- and 64-bit): compile, partial and
// type units; with `relocs` (a relocatable object) the abbreviation offsets are relocated.
// Type units go into `sigs`. Throws on anything else (an unknown unit type or version, a
// length past the end): libdwarf is never shown a unit header we did not read.
void read_unit_headers(const elf::ElfFile &elf, const Joined &info, const DebugRelocs *relocs,
                       std::vector<CuInfo> &out, TypeSigs &sigs);

// DWARF 4 type units (the joined, relocated .debug_types) into `sigs`. Throws on a malformed
// header: the section is there for the walk to read, and nothing else can.
void read_type_units(const elf::ElfFile &elf, std::span<const uint8_t> types, TypeSigs &sigs);

// A private copy of .debug_info that holds only some CUs, at their original offsets, for one
// libdwarf session. libdwarf finds a CU by creating the context of every CU before it (0.25 ms
// each: 0.6 s to reach the end of a 6.12 vmlinux), so each run of CUs we do not need is
// replaced by one empty partial unit spanning it: a v5 header whose unit_length covers the
// run, then a null DIE. Offsets (DIE references, DW_FORM_ref_addr into kept CUs) stay valid.
// The buffer is an anonymous mapping: the skipped runs are never touched and cost no memory.
class InfoView {
 public:
  // With `relocs` (a relocatable object) the kept CUs are relocated in the copy.
  InfoView(const elf::ElfFile &elf, const Joined &info, const DebugRelocs *relocs,
           const std::vector<CuInfo> &cus, const std::vector<size_t> &keep);
  ~InfoView();
  InfoView(const InfoView &) = delete;
  InfoView &operator=(const InfoView &) = delete;
  std::span<const uint8_t> bytes() const { return {buf_, size_}; }

 private:
  uint8_t *buf_ = nullptr;
  size_t size_ = 0;
};

}  // namespace kfb::dwarf::detail
