// kfunc rules of `check` (man kfuncbtf(1), WHAT CHECK VERIFIES): registration, twins, per-arg
// flags, scopes, nesting.
//
//   #include "check/kfunc_rules.h"
//
//   kfb::btf::Btf btf = ...;                       // what emit wrote, or pahole's BTF
//   kfb::DiagSink diags;
//   kfb::check::KfuncRuleOptions o;
//   o.input = "vmlinux.o";                         // named by findings without a source line
//   kfb::check::check_kfunc_rules(btf, nullptr, o, diags);     // BTF alone
//
//   // With the ELF: set flags, iterator flags, file:line from DWARF, the set8 flag rule.
//   kfb::kfunc::KfuncList ks = kfb::kfunc::scan_kfuncs(*elf, &btf, scan_opt, diags);
//   kfb::kfunc::BtfIds all = kfb::kfunc::decode_all_set8(*elf, &btf);   // every set8, flag or not
//   o.sets = &all;
//   kfb::check::check_kfunc_rules(btf, &ks, o, diags);
//   //  testdata/src/iter.c:30: bpf_iter_num_next: iterator next kfunc must return a pointer, not 'int'
//
// A kfunc is a FUNC carrying a `bpf_kfunc` decl tag (own types of a split BTF), plus every
// KfuncList entry with a BTF id. Each finding has a stable rule id (the table in the .cc's
// header comment), the FUNC's type id, kind and name; its file:line is the kfunc's DWARF
// definition when a KfuncList gives one, else `input`. The rules never throw on bad BTF: they
// only read what the loader rules accepted, and skip what they cannot interpret.
#pragma once

#include <cstdint>
#include <string>

#include "kfunc/btf_ids.h"

namespace kfb {
namespace btf {
class Btf;
}
class DiagSink;
namespace kfunc {
struct KfuncList;
}
}  // namespace kfb

namespace kfb::check {

struct KfuncRuleOptions {
  std::string input;               // the input file, for findings without DWARF file:line
  bool legacy_kfunc_sets = false;  // every set8 is a kfunc set: no set8 flag rule
  // Every set8 of the ELF, decoded as if legacy (so flagless sets have their entries); nullptr
  // without an ELF. Feeds the set8 BTF_SET8_KFUNCS rule.
  const kfunc::BtfIds *sets = nullptr;
  unsigned ptr_size = 0;  // bytes per scope-mask bit; 0: sizeof(long) from the BTF, else 8
  bool first = false;     // stop at the first error
};

// Runs every kfunc rule; returns the number of errors it added.
size_t check_kfunc_rules(const btf::Btf &btf, const kfunc::KfuncList *kfuncs, const KfuncRuleOptions &opt,
                         DiagSink &diags);

// The whole job for one input file whose BTF the caller has parsed (`btf`, split on its base
// when it has one; `check` reads the file once for the loader rules and this). For an ELF
// (`elf`: the same file, opened) it also scans the kfuncs (.BTF_ids, DWARF; their findings go
// to `diags` too: kfunc-set-flags, kfunc-arg-flag, kfunc-no-dwarf, ...), decodes every set8 and
// takes the pointer size from the ELF class. Then check_kfunc_rules.
//
//   kfb::btf::Loaded l = kfb::btf::load("vmlinux");
//   auto elf = l.from_elf ? kfb::elf::ElfFile::open("vmlinux") : nullptr;
//   kfb::check::KfuncFileOptions o;
//   o.rules.input = "vmlinux";
//   kfb::check::check_kfunc_file(*l.btf, elf.get(), o, diags);
struct KfuncFileOptions {
  KfuncRuleOptions rules;   // input defaults to the ELF's path
  unsigned jobs = 1;        // DWARF scan threads
};
struct KfuncFileResult {
  size_t kfuncs = 0;   // kfuncs checked (tagged FUNCs + set entries)
  size_t errors = 0;   // errors added by the rules and the scan
  bool from_elf = false;
};
KfuncFileResult check_kfunc_file(const btf::Btf &btf, const elf::ElfFile *elf,
                                 const KfuncFileOptions &o, DiagSink &diags);

// What Linux 7.x assumes of vmlinux BTF without checking it: types sorted by name, anonymous
// ones first (resolve_btfids' order; btf_find_by_name_kind() binary-searches it). The first
// pair out of order is one error (rule vmlinux-sorted) naming both types and `kernel` ("7.3").
void check_vmlinux_order(const btf::Btf &btf, const std::string &file, const std::string &kernel,
                         DiagSink &diags);

// .BTF_ids decoding is lib/kfunc's (btf_ids.h); emitted.cc still names it unqualified.

}  // namespace kfb::check
