// emit: rewrite BTF for kfuncs (man kfuncbtf(1), WHAT EMIT WRITES): decl tags, _impl twins,
// per-argument flag tags, callback scope masks; optional sort by name and proto dedup.
//
//   kfb::btf::Btf btf = kfb::btf::Btf::parse(bytes, "vmlinux.o: .BTF");
//   kfb::kfunc::KfuncList ks = kfb::kfunc::scan_kfuncs(*elf, &btf, {}, diags);  // or built by hand (tests)
//   kfb::kfunc::EmitOptions o;
//   o.features = kfb::kfunc::parse_features("+dedup", false, nullptr);
//   o.ptr_size = elf->is64() ? 8 : 4;                // scope mask bit = byte offset / ptr_size
//   kfb::kfunc::EmitResult r = kfb::kfunc::emit_kfunc_btf(btf, ks, o, diags);
//   if (!diags.errors()) kfb::write_file_atomic("vmlinux.btf", btf.write());
//   printf("%zu twins, %zu arg tags\n", r.stats.twins_added, r.stats.arg_tags);
//
// What is appended, per kfunc F in ascending FUNC id order (man kfuncbtf(1), WHAT EMIT WRITES;
// the .cc's header comment explains the "already done" checks that make emit idempotent):
//   [DECL_TAG bpf_kfunc][DECL_TAG bpf_fastcall]            feature "tags"
//   [FUNC F_impl][copies of F's tags but bpf_kfunc][FUNC_PROTO trimmed]   "twins"
//   [bpf_kfunc_arg:<flag> (i) / bpf_kfunc_ret:<flag> (-1) on F][... on F_impl]  "arg_flags"
//   [bpf_kfunc_scope:<ops>:0x<mask>][bpf_kfunc_calls:<ops>:0x<mask>] on F        "scopes"
// then, with "sort", every own type is re-sorted by name (anonymous first, ties by id).
//
// Problems are diagnostics (rules "emit-twin", "emit-scope", "emit-proto", "emit-name",
// "emit-no-func", "btf-full") naming the kfunc and its source line; a caller must not write
// the result when diags has errors. Kfuncs are found in `btf`'s own types only (a module's
// split BTF never reuses a base FUNC). A kfunc without DWARF gets its parameters from its
// BTF FUNC_PROTO (names and types), as resolve_btfids sees them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kfunc/btf_ids.h"
#include "kfunc/features.h"
#include "kfunc/kfunc.h"
#include "support/vocab.h"

namespace kfb {
namespace btf {
class Btf;
}
class DiagSink;
}  // namespace kfb

namespace kfb::kfunc {


struct EmitOptions {
  EmitFeatures features;
  // Byte size of a pointer of the target (scope mask bits); 0: the size of BTF's "long".
  unsigned ptr_size = 0;
  // Warn (rule "emit-no-func") about kfuncs without a FUNC among the BTF's own types. The tool
  // turns it off for kfuncs scan_kfuncs already warned about (btf_id == 0).
  bool warn_missing_func = true;
  // The kernel the object was built from (kernel.h), 0 when unknown: "arena" adds nothing for
  // 7.3 and later, whose resolve_btfids adds the same attributes after emit (twice would be two
  // attributes), nor before 6.18, whose loader refuses a TYPE_TAG with kflag.
  int kernel = 0;
};

struct EmitStats {
  size_t kfuncs = 0;          // kfuncs with a FUNC that were processed
  size_t skipped = 0;         // kfuncs without a usable FUNC
  size_t kfunc_tags = 0;      // bpf_kfunc tags added
  size_t fastcall_tags = 0;   // bpf_fastcall tags added
  size_t twins_added = 0;     // new FUNC F_impl
  size_t twins_reused = 0;    // existing F_impl (legacy pair) used
  size_t copied_tags = 0;     // F's tags copied to new twins
  size_t protos_added = 0;    // trimmed FUNC_PROTOs appended
  size_t protos_reused = 0;   // trimmed protos found by dedup
  size_t arg_tags = 0;        // bpf_kfunc_arg:* tags added (F and F_impl)
  size_t ret_tags = 0;        // bpf_kfunc_ret:* tags added
  size_t scope_tags = 0;      // bpf_kfunc_scope:<ops>:0x... tags added
  size_t calls_tags = 0;      // bpf_kfunc_calls:<ops>:0x... tags added
  size_t hook_tags = 0;       // bpf_kfunc_hooks:<hook>,... tags added
  size_t scope_lines_elsewhere = 0;  // scope-file lines about kfuncs a module does not have
  size_t arena_protos = 0;    // FUNC_PROTOs with address_space(1) pointers added
  size_t arena_attrs = 0;     // address_space(1) type attributes added
  uint32_t types_before = 0;  // type_cnt() before
  uint32_t types_after = 0;   // type_cnt() after
  bool sorted = false;
  size_t added() const { return types_after - types_before; }
};

// What happened to one kfunc (ids are final: after sorting when "sort" is on).
struct EmitRecord {
  std::string name;
  uint32_t func_id = 0;   // F
  uint32_t impl_id = 0;   // F_impl, 0 when none
  uint32_t proto_id = 0;  // F's proto afterwards
  bool twin_added = false, twin_reused = false;
  size_t tags_added = 0;  // every DECL_TAG added for this kfunc (F and F_impl)
};

struct EmitResult {
  EmitStats stats;
  std::vector<EmitRecord> records;  // in processing order (ascending original FUNC id)
};

EmitResult emit_kfunc_btf(btf::Btf &btf, const KfuncList &ks, const EmitOptions &opt,
                          DiagSink &diags);

// "0x" + lowercase hex of a bit set, no leading zeros ("0x0" for none); bit k = word k/64.
std::string mask_hex(const std::vector<uint64_t> &words);

// A twin's name is F + kImplSuffix; it must be shorter than KSYM_NAME_LEN (support/vocab.h).
using vocab::kImplSuffix;
using vocab::kKsymNameLen;

// Whether emit sorts, and whether it may. A finished 7.x vmlinux is sorted by name (the kernel
// binary-searches it without checking; kernel.h): sort is turned on so that the output stays
// sorted. Sorting renumbers types, so it is refused (kfb::Error) when a .BTF_ids set already
// holds resolved ids: for --sort always, for the kept order only with `update_elf` (raw output
// has no .BTF_ids to break).
struct SortPlan {
  bool sort = false;         // emit sorts: asked for, or keep_sorted
  bool keep_sorted = false;  // a sorted 7.x vmlinux: sort turned on to keep it so
  BtfIds sets_before;        // keep_sorted: the sets named through the input's ids
};

SortPlan plan_sort(const elf::ElfFile &elf, const btf::Btf &btf, bool sort, bool update_elf);

}  // namespace kfb::kfunc
