// The kfunc model: every kfunc of one object, from .BTF_ids sets joined with DWARF by name.
//
//   auto elf = kfb::elf::ElfFile::open("vmlinux.o");
//   kfb::DiagSink diags;
//   kfb::kfunc::ScanOptions opt;                // .jobs, .all, .legacy_kfunc_sets
//   kfb::kfunc::KfuncList ks = kfb::kfunc::scan_kfuncs(*elf, btf /* const btf::Btf* or nullptr */, opt, diags);
//   for (const kfb::kfunc::Kfunc &k : ks.kfuncs) {  // sorted by name (then by BTF id)
//     printf("%s %s %s:%u\n", k.name.c_str(), kfb::kfunc::kf_flags_string(k.flags).c_str(),
//            k.file.c_str(), k.line);
//     for (const kfb::kfunc::KfuncParam &p : k.params)
//       if (p.implicit) ...;                    // p.flags: kfb::kfunc::ARG_* bits (flags.h)
//     for (const kfb::kfunc::OpsMember &s : k.scopes) ...;  // "bpf_kfunc_scope:<ops>.<member>"
//   }
//
// A Kfunc is plain data (no pointers into the ELF or the DWARF reader), so it outlives both.
// `flags` is the KF_* word of its set entries (0 for a tag-only kfunc); `params` come from the
// DWARF definition (empty and has_dwarf == false when there is none). Per-argument flags are
// the union of name suffixes, type (under KF_IMPLICIT_ARGS) and kfunc-wide flags (man kfuncbtf(1),
// PER-ARGUMENT FLAGS);
// rule violations went to the DiagSink with the kfunc's file:line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dwarf/ctype.h"
#include "kfunc/flags.h"

namespace kfb {
namespace btf {
class Btf;
}
namespace elf {
class ElfFile;
}
class DiagSink;
}  // namespace kfb

namespace kfb::kfunc {


struct KfuncParam {
  std::string name;  // as written in the source, suffixes included ("aux__magic")
  std::string base;  // name with the recognised suffixes removed ("aux")
  dwarf::CType type;
  uint32_t suffix_flags = 0;  // ARG_* from the name alone
  uint32_t flags = 0;         // ARG_*: suffixes | type rule | kfunc-wide mapping
  bool implicit = false;      // flags & ARG_IMPLICIT (by suffix or by type)
  std::vector<std::string> tags;  // btf_decl_tag values on this parameter, in DWARF order
};

struct KfuncRet {
  dwarf::CType type;
  uint32_t flags = 0;  // RET_*
};

// "<ops>.<member>" from a bpf_kfunc_scope:/bpf_kfunc_calls: annotation or a scope file.
struct OpsMember {
  std::string ops;     // struct name, e.g. "sched_ext_ops"
  std::string member;  // member name, e.g. "dispatch"
  std::string file;    // where it was written (DWARF decl file or scope file)
  uint32_t line = 0;
  bool operator==(const OpsMember &o) const { return ops == o.ops && member == o.member; }
  // "<ops>.<member>"; "<ops> (no member)" for the restriction to none of them.
  std::string text() const { return member.empty() ? ops + " (no member)" : ops + "." + member; }
};

enum class KfuncSource : uint8_t { Set, Tag, Both };
const char *kfunc_source_name(KfuncSource s);  // "set", "tag", "both"

struct Kfunc {
  std::string name;
  std::vector<std::string> sets;  // .BTF_ids set names, in section order (empty: tag only)
  uint32_t flags = 0;             // KF_* (bits without a name kept)
  KfuncSource source = KfuncSource::Set;

  bool has_dwarf = false;  // a DWARF definition was found
  KfuncRet ret;
  std::vector<KfuncParam> params;
  std::vector<std::string> tags;  // btf_decl_tag values on the function ("bpf_kfunc", ...)
  std::vector<OpsMember> scopes;  // bpf_kfunc_scope:<ops>.<member> (tags, then scope file);
                                  // member "": restricted to none of <ops>'s members
  std::vector<OpsMember> calls;   // bpf_kfunc_calls:<ops>.<member>
  // Program-type hooks its sets are registered for (scope file "hooks:<set>" lines), in
  // vocab::kKfuncHooks order; known only when every one of its sets has such a line.
  std::vector<std::string> hooks;
  bool hooks_known = false;
  // The struct_ops types whose programs may call it at all (scope file "struct-ops:<set>
  // <ops>..." lines: a set's .filter, as sched_ext's refuses its kfuncs from every other
  // struct_ops type); meaningful only when struct_ops_limited. A kfunc in several such sets:
  // the types every line allows (each filter must pass).
  std::vector<std::string> struct_ops;
  bool struct_ops_limited = false;
  std::string file;               // DW_AT_decl_file as the compiler wrote it
  uint32_t line = 0;              // DW_AT_decl_line

  uint32_t btf_id = 0;  // FUNC id in the BTF given to scan_kfuncs; 0 when none
  // "inconsistent flags across BTF ID sets: ..." for each set whose flags differ from the first
  // (report_flag_conflicts turns them into findings).
  std::vector<std::string> flag_conflicts;

  size_t explicit_count() const;  // parameters before the first implicit one
  bool has_implicit() const;
};

// Per-phase figures of one scan (--stats).
struct ScanStats {
  double t_btf_ids = 0, t_dwarf_open = 0, t_dwarf_find = 0, t_join = 0;  // seconds
  size_t sets = 0, entries = 0;         // kfunc sets, their entries
  size_t cus = 0, cus_read = 0, dies = 0;
  bool aranges = false;                 // CUs located through .debug_aranges
};

// What set_kfuncs saw: whether there is a .BTF_ids section, its kfunc sets and entries.
struct BtfIdsStats {
  bool present = false;
  size_t sets = 0, entries = 0;
};

struct KfuncList {
  std::vector<Kfunc> kfuncs;  // sorted by name, then BTF id (deterministic for any -j)
  ScanStats stats;
  bool from_dwarf = true;     // false: object_kfuncs took them from .BTF_ids and BTF
  // struct_ops members the kernel refuses to attach a program to (a scope file's
  // "unsupported:<ops> <member>..." lines: no CFI stub, bpf_struct_ops_supported()).
  std::vector<OpsMember> unsupported;
  // A scope file's "same-offsets:<ops> <from>" (ops = <ops>, member = <from>): <ops>'s members
  // take the scopes of <from>'s members at the same byte offsets; and "deny:<ops> <set>..."
  // (ops, member = the set): the set's kfuncs are refused from every member of <ops>. Both
  // need the BTF to apply: expand_scope_rules (scopes.h).
  std::vector<OpsMember> same_offsets, denies;
  const Kfunc *find(const std::string &name) const;
  Kfunc *find(const std::string &name);
};

struct ScanOptions {
  unsigned jobs = 1;
  int kernel = 0;                  // MAJOR*100+MINOR whose rules apply; 0: from the object (kernel.h)
  bool all = false;                // walk every CU (finds annotation-only kfuncs anywhere)
  bool legacy_kfunc_sets = false;  // every set8 is a kfunc set (pre-6.9 kernels, flags 0)
};

// The kfuncs of the .BTF_ids kfunc sets of `elf` (every set8 with `legacy_kfunc_sets`, or when
// the object is a kernel before 6.9: kernel.h), one per function name, sorted by name: name,
// KF_* flags, source Set and every set it is listed in (entry order). With `btf`, pairs that
// resolve_btfids already filled are named through its FUNCs (a linked vmlinux). Decoding
// errors throw; findings (flags that differ between sets) go to `diags`.
std::vector<Kfunc> set_kfuncs(const elf::ElfFile &elf, const btf::Btf *btf, bool legacy_kfunc_sets,
                              DiagSink &diags, BtfIdsStats *stats = nullptr);

// The kfuncs of an object without DWARF (.debug_info absent): set_kfuncs' names and KF_* flags
// (with no symbol table, the BTF's bpf_kfunc-tagged FUNCs), each one's FUNC (has_dwarf false:
// parameters are its FUNC_PROTO's; btf_id 0 when there is none), its function-level decl tags
// and the scopes their bpf_kfunc_scope:/bpf_kfunc_calls: tags give. Flag conflicts reported.
KfuncList kfuncs_from_btf(const elf::ElfFile &elf, const btf::Btf &btf, bool legacy_kfunc_sets,
                          DiagSink &diags);

// Reports k.flag_conflicts, at the kfunc's source line when DWARF gave one (else at `obj`): an
// error for the kernels whose resolve_btfids refuses them (7.3 and later, and an unknown
// version), a warning for older ones, whose build accepts them (kernel.h).
void report_flag_conflicts(const Kfunc &k, int kernel, const std::string &obj, DiagSink &diags);

// Finds every kfunc of `elf` (man kfuncbtf(1), FINDING KFUNCS): .BTF_ids sets, DWARF bpf_kfunc
// annotations, their DWARF prototypes, per-argument flags and BTF ids (when `btf` is given; needed for
// a linked vmlinux whose sets resolve_btfids already sorted). Rule violations and warnings go to
// `diags`; an input it cannot read at all throws kfb::Error.
KfuncList scan_kfuncs(const elf::ElfFile &elf, const btf::Btf *btf, const ScanOptions &opt,
                      DiagSink &diags);

// Where an object's kfuncs come from, decided once for every command: DWARF (scan_kfuncs) when
// the object has .debug_info; else .BTF_ids and BTF (kfuncs_from_btf), with one warning (rule
// "kfunc-no-debug-info"). With `dwarf_fallback`, DWARF that cannot be read is a warning too
// (rule "kfunc-no-scan", the reason) and the BTF path is taken (check); without it the scan's
// kfb::Error is thrown (emit). `btf` is the object's BTF, the one the kfuncs are looked up in.
struct ObjectKfuncsOptions {
  ScanOptions scan;
  bool dwarf_fallback = false;
};
KfuncList object_kfuncs(const elf::ElfFile &elf, const btf::Btf &btf, const ObjectKfuncsOptions &opt,
                        DiagSink &diags);

}  // namespace kfb::kfunc
