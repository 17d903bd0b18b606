// One-object form of diff: each kfunc's DWARF prototype against its BTF FUNC / FUNC_PROTO.
//
//   auto elf = kfb::elf::ElfFile::open("vmlinux.o");
//   kfb::btf::Loaded b = kfb::btf::load("vmlinux.o");
//   kfb::kfunc::KfuncList ks = kfb::kfunc::scan_kfuncs(*elf, b.btf.get(), {}, diags);
//   std::vector<kfb::diff::Line> d = kfb::diff::diff_protos(ks, *b.btf);
//   // "kfunc bpf_foo: param 1 type: changed: struct foo * -> void *"   (old = DWARF, new = BTF)
//
// The DWARF side is "old", the BTF side "new". Lines, per kfunc in name order:
//   kfunc F: func: removed: <DWARF prototype>     no FUNC named F in the BTF
//   kfunc F: type: changed: FUNC_PROTO -> <kind> the FUNC does not point at a FUNC_PROTO
//   kfunc F: return type: changed: A -> B
//   kfunc F: params: changed: N -> M
//   kfunc F: param I name: changed: a -> b
//   kfunc F: param I type: changed: A -> B       C spellings compared with normalize_c_type()
//   kfunc F: param I: removed: <decl> / added: <decl>   beyond the common count
// Kfuncs without a DWARF definition are skipped (scan reports them).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "btf/btf.h"
#include "diff/diff.h"
#include "kfunc/kfunc.h"

namespace kfb::diff {

std::vector<Line> diff_protos(const kfunc::KfuncList &kfuncs, const btf::Btf &btf);

// Spacing-insensitive form for comparing spellings from different sources: whitespace runs
// become one space, and no space is kept next to * ( ) [ ] , or at either end; integer
// keyword runs take one spelling ("long unsigned int" and "unsigned long" both "unsigned long").
std::string normalize_c_type(std::string_view s);
//   kfb::diff::normalize_c_type(" const char  * ")     // "const char*"
//   kfb::diff::normalize_c_type("long unsigned int *")  // "unsigned long*"

}  // namespace kfb::diff
