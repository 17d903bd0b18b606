// What emit must prove before it writes anything (man kfuncbtf(1), WHAT EMIT WRITES): that the
// kernel's loader accepts the bytes, and that check's kfunc rules hold on the result (with the
// .BTF_ids sets kfunc::plan_sort kept when it sorted).
//
//   kfb::kfunc::SortPlan plan = kfb::kfunc::plan_sort(*elf, btf, features.sort, update_elf);  // kfunc/emit.h
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

// The loader rules of `opts` on the emitted `bytes` (a module: opts.mode Module, with the base
// bytes and whether they are trusted). When the input itself fails them the same way (BTF of
// another target: another byte order, 4-byte pointers), emit cannot be judged by them: the
// result is then ok and `*note` says why.
LoaderResult check_emitted_loader(std::span<const uint8_t> bytes, std::span<const uint8_t> input_bytes,
                                  const CheckOptions &opts, std::string *note);

// check's kfunc rules (twins, per-arg tags, scope masks, nesting cycles) on the emitted BTF,
// with `ks` renumbered to the FUNC ids emit recorded; findings into `diags`.
void check_emitted_kfuncs(const btf::Btf &btf, const kfunc::KfuncList &ks, const std::vector<kfunc::EmitRecord> &records,
                          const elf::ElfFile &elf, kfunc::SortPlan &plan, bool legacy_kfunc_sets,
                          const std::string &input, DiagSink &diags);

}  // namespace kfb::check
