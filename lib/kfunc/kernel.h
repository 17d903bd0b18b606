// Kernel-version policy: every place where kfuncbtf's behaviour depends on the kernel an input
// comes from reads it here, so one header says which kernel changed what.
//
//   int v = kfb::kfunc::kernel_version_of(*elf);          // 702 for "Linux version 7.2.13+deb14-amd64 ..."
//   int w = kfb::kfunc::parse_kernel_version("7.3-rc7");  // 703; 0 when it is not "MAJOR.MINOR..."
//   kfb::kfunc::LoaderRules r = kfb::kfunc::loader_rules_for(v);   // 7.2's loader rules
//   if (kfb::kfunc::refuses_flag_conflicts(v)) ...         // 0 (unknown) counts as the newest kernel
//
// The version is MAJOR * 100 + MINOR. It comes from the `linux_banner` string that
// init/version.c (vmlinux.o) and init/version-timestamp.c (vmlinux) define: "Linux version
// <release> (...". A module, or an object that is not a kernel, has none: 0 ("unknown"). Each
// predicate below says what an unknown version gets.
#pragma once

#include <string>
#include <string_view>

namespace kfb {
namespace elf {
class ElfFile;
}
}  // namespace kfb

namespace kfb::kfunc {

int parse_kernel_version(std::string_view release);
int kernel_version_of(const elf::ElfFile &elf);
// "7.3" for 703; "" for 0.
std::string kernel_version_text(int version);

// The loader rule sets check knows (kernel/bpf/btf.c's btf_parse paths). 7.2 and 7.3 share one
// today: the 32-byte header with the layout section, 24-bit vlen, 7-bit kind, no "Invalid
// btf_info" and no type-tag ordering rule.
enum class LoaderRules { V6_1, V6_18, V7_2, V7_3 };

// "6.1", "6.18", "7.2", "7.3": the names --kernel takes.
const char *loader_rules_name(LoaderRules r);
// The rule set named `name` (one of loader_rules_name's); false when there is none.
bool loader_rules_by_name(std::string_view name, LoaderRules *out);
// The version a rule set stands for: 601, 618, 702, 703.
int loader_rules_version(LoaderRules r);
// check's default for an input from kernel `version`: the newest rule set at or below it; the
// newest of all (7.3) when the version is unknown.
LoaderRules loader_rules_for(int version);
// The rules emit proves its output against: 7.x's for a 7.x object, else 6.18's (the
// generation of the machine the tool runs on; 6.1 objects are rewritten with 6.18's kernel in
// mind, which reads every BTF 6.1 wrote).
LoaderRules emit_loader_rules_for(int version);
// Loader generations: 6.18's rules (the "Invalid btf_info" and type-tag rules), 7.x's (the
// layout section, 24-bit vlen, 7-bit kind).
inline bool loader_rules_618(LoaderRules r) { return loader_rules_version(r) >= 618; }
inline bool loader_rules_7x(LoaderRules r) { return loader_rules_version(r) >= 702; }

// The struct-meta phase of user BTF (btf_parse_struct_metas, btf_parse_fields) as 7.2 (the
// 7.2.13 stable) and 7.3 have it: a struct holds one bpf_spin_lock, bpf_res_spin_lock and
// bpf_refcount counting the structs nested in it (E2BIG); a kptr's type tag may sit anywhere in
// the modifier chain after the pointer, unknown tags are skipped; and ownership (graph roots,
// and kptr/percpu_kptr to a program type) may neither cycle nor nest deeper than 8 (ELOOP),
// where 6.18 refused any node type whose elements are roots.
inline bool struct_metas_7x(LoaderRules r) { return loader_rules_7x(r); }

// Kernels before 6.9 never set BTF_SET8_KFUNCS: every set8 of theirs is a kfunc set.
inline bool lacks_set8_kfuncs_flag(int version) { return version != 0 && version < 609; }

// A 7.x vmlinux's BTF is sorted by name (the kernel binary-searches it without checking):
// emit keeps it sorted, check --as vmlinux refuses it unsorted.
inline bool sorts_vmlinux_btf(int version) { return version >= 700; }
inline bool sorts_vmlinux_btf(LoaderRules r) { return loader_rules_7x(r); }

// resolve_btfids 7.3 and later stop the build when a kfunc's flags differ between sets.
inline bool refuses_flag_conflicts(int version) { return version == 0 || version >= 703; }

// Arena address_space(1) attributes on kfunc prototypes: resolve_btfids writes them from 7.3
// on, and kernels before 6.18 do not read them, so emit makes them by default only in between
// (and for unknown versions).
inline bool emit_makes_arena_attrs(int version) { return !(version >= 703 || (version && version < 618)); }

}  // namespace kfb::kfunc
