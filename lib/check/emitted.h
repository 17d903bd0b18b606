// What emit must prove before it writes anything (man kfuncbtf(1), WHAT EMIT WRITES): that
// the order it keeps or makes leaves .BTF_ids valid, that the kernel's loader accepts the
// bytes, and that check's kfunc rules hold on the result.
//
//   kfb::check::SortPlan plan = kfb::check::plan_sort(*elf, btf, features.sort, update_elf);
//   features.sort = plan.sort;
//   ... scan, emit_kfunc_btf() ...
//   kfb::check::LoaderResult lr = kfb::check::check_emitted_loader(bytes, input_bytes, opts, &note);
//   kfb::check::check_emitted_kfuncs(btf, ks, res.records, *elf, plan, legacy, diags);
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "check/loader.h"
#include "kfunc/btf_ids.h"
#include "kfunc/emit.h"
#include "kfunc/kfunc.h"
#include "support/diag.h"

namespace kfb {
namespace elf {
class ElfFile;
}
namespace btf {
class Btf;
}
}  // namespace kfb

namespace kfb::check {

struct SortPlan {
  bool sort = false;         // emit sorts: asked for, or keep_sorted
  bool keep_sorted = false;  // a sorted 7.x vmlinux: sort turned on to keep it so
  kfunc::BtfIds sets_before;        // keep_sorted: the sets named through the input's ids
};

// Whether emit sorts, and whether it may. A finished 7.x vmlinux is sorted by name (the kernel
// binary-searches it without checking): sort is turned on so that the output stays sorted.
// Sorting renumbers types, so it is refused (kfb::Error) when a .BTF_ids set already holds
// resolved ids: for --sort always, for the kept order only with `update_elf` (raw output has
// no .BTF_ids to break).
SortPlan plan_sort(const elf::ElfFile &elf, const btf::Btf &btf, bool sort, bool update_elf);

// The loader rules of `opts` on the emitted `bytes` (a module: opts.mode Module, with the base
// bytes and whether they are trusted). When the input itself fails them the same way (BTF of
// another target: another byte order, 4-byte pointers), emit cannot be judged by them: the
// result is then ok and `*note` says why.
LoaderResult check_emitted_loader(std::span<const uint8_t> bytes, std::span<const uint8_t> input_bytes,
                                  const CheckOptions &opts, std::string *note);

// check's kfunc rules (twins, per-arg tags, scope masks, nesting cycles) on the emitted BTF,
// with `ks` renumbered to the FUNC ids emit recorded; findings into `diags`.
void check_emitted_kfuncs(const btf::Btf &btf, const kfunc::KfuncList &ks, const std::vector<kfunc::EmitRecord> &records,
                          const elf::ElfFile &elf, SortPlan &plan, bool legacy_kfunc_sets,
                          const std::string &input, DiagSink &diags);

}  // namespace kfb::check
