// kfuncs_from_btf: the kfunc list of an object without DWARF (see kfunc.h).
#include "btf/btf.h"
#include "elf/elf.h"
#include "kfunc/kernel.h"
#include "kfunc/kfunc.h"
#include "kfunc/scopes.h"
#include "support/diag.h"

namespace kfb::kfunc {

KfuncList kfuncs_from_btf(const elf::ElfFile &elf, const btf::Btf &btf, bool legacy_kfunc_sets,
                          DiagSink &diags) {
  KfuncList out;
  out.kfuncs = set_kfuncs(elf, &btf, legacy_kfunc_sets, diags);  // sorted by name
  int kernel = kernel_version_of(elf);
  for (Kfunc &k : out.kfuncs) {
    // A split BTF's kfuncs are its own FUNCs; a same-named base FUNC only when it has none.
    for (uint32_t id : btf.find(k.name, btf::Kind::FUNC))
      if (!k.btf_id || id >= btf.start_id()) k.btf_id = id;
    if (k.btf_id)
      for (uint32_t t : btf.decl_tags_of(k.btf_id))
        if (btf.type(t).component_idx() == -1) k.tags.emplace_back(btf.type(t).name());
    scopes_from_tags(k, diags);  // bpf_kfunc_scope:/bpf_kfunc_calls: tags a kfuncbtf BTF holds
    report_flag_conflicts(k, kernel, elf.path(), diags);
  }
  return out;
}

}  // namespace kfb::kfunc
