// plan_sort: whether emit sorts, and whether it may (emit.h).
#include "btf/btf.h"
#include "elf/elf.h"
#include "kfunc/btf_ids.h"
#include "kfunc/emit.h"
#include "kfunc/kernel.h"
#include "support/error.h"

namespace kfb::kfunc {

SortPlan plan_sort(const elf::ElfFile &elf, const btf::Btf &btf, bool sort, bool update_elf) {
  SortPlan plan;
  plan.sort = sort;
  plan.keep_sorted = !sort && !btf.is_split() && btf.own_type_cnt() > 1 &&
                     sorts_vmlinux_btf(kernel_version_of(elf)) && btf.first_unsorted_by_name() == 0;
  if (plan.keep_sorted) {
    plan.sort = true;
    plan.sets_before = decode_all_set8(elf, &btf);
    if (update_elf)
      for (const BtfIdsSet &s : plan.sets_before.sets)
        if (s.resolved)
          throw Error(strfmt("%s: its BTF is sorted by name and .BTF_ids set '%s' is resolved (a finished "
                             "vmlinux): keeping the BTF sorted renumbers types, which --update-elf cannot "
                             "carry into .BTF_ids; run emit before resolve_btfids (after pahole, as in "
                             "scripts/gen-btf.sh), or write raw BTF with -o",
                             elf.path().c_str(), s.name.c_str()));
  } else if (sort) {
    BtfIds ids;
    try {
      ids = decode_all_set8(elf, &btf);
    } catch (const Error &) {
      // A malformed .BTF_ids: the scan reports it.
    }
    for (const BtfIdsSet &s : ids.sets)
      if (s.resolved)
        throw Error(strfmt("%s: --features=sort renumbers types, but .BTF_ids set '%s' is already "
                           "resolved (ids filled by resolve_btfids): sort before resolving, or drop sort",
                           elf.path().c_str(), s.name.c_str()));
  }
  return plan;
}

}  // namespace kfb::kfunc
