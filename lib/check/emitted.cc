#include "check/emitted.h"

#include <algorithm>
#include <map>

#include "btf/btf.h"
#include "check/kfunc_rules.h"
#include "elf/elf.h"
#include "kfunc/kernel.h"
#include "support/error.h"

namespace kfb::check {

LoaderResult check_emitted_loader(std::span<const uint8_t> bytes, std::span<const uint8_t> input_bytes,
                                  const CheckOptions &opts, std::string *note) {
  LoaderResult lr = check_loader(bytes, opts);
  if (lr.ok) return lr;
  // Same errno, pass and reason (the type may differ when sort renumbered types); bytes equal
  // to the input's get the same verdict without a second run.
  bool same = std::ranges::equal(bytes, input_bytes);
  LoaderResult li = same ? lr : check_loader(input_bytes, opts);
  if (!li.ok && li.err == lr.err && li.rule == lr.rule && li.reason == lr.reason) {
    if (note)
      *note = "the input BTF already fails the running kernel's loader rules (" + li.reason +
              "), as BTF built for another target does: only the emitted bytes' structure was checked";
    lr.ok = true;
  }
  return lr;
}

void check_emitted_kfuncs(const btf::Btf &btf, const kfunc::KfuncList &ks, const std::vector<kfunc::EmitRecord> &records,
                          const elf::ElfFile &elf, kfunc::SortPlan &plan, bool legacy_kfunc_sets,
                          const std::string &input, DiagSink &diags) {
  kfunc::KfuncList after = ks;
  std::map<std::string, uint32_t> final_ids;
  for (const kfunc::EmitRecord &r : records) final_ids[r.name] = r.func_id;
  for (kfunc::Kfunc &k : after.kfuncs)
    if (auto it = final_ids.find(k.name); it != final_ids.end()) k.btf_id = it->second;
  KfuncRuleOptions ko;
  ko.input = input;
  ko.legacy_kfunc_sets = legacy_kfunc_sets;
  ko.ptr_size = elf.is64() ? 8 : 4;
  kfunc::BtfIds sets = plan.keep_sorted ? std::move(plan.sets_before) : kfunc::decode_all_set8(elf, &btf);
  ko.sets = &sets;
  check_kfunc_rules(btf, &after, ko, diags);
}

}  // namespace kfb::check
