// kfuncs_from_btf: the kfunc list of an object without DWARF (see kfunc.h).
#include <algorithm>

#include "btf/btf.h"
#include "elf/elf.h"
#include "kfunc/kernel.h"
#include "kfunc/kfunc.h"
#include "kfunc/scopes.h"
#include "support/diag.h"

namespace kfb {

namespace {

// bpf_kfunc_scope:/bpf_kfunc_calls: tags already on the FUNC (a BTF kfuncbtf wrote before).
void scopes_from_tags(const btf::Btf &btf, Kfunc &k) {
  for (uint32_t t : btf.decl_tags_of(k.btf_id)) {
    btf::Type tt = btf.type(t);
    if (tt.component_idx() != -1) continue;
    std::string value(tt.name());
    k.tags.push_back(value);
    ScopeTag kind = scope_tag_kind(value);
    if (kind == ScopeTag::None) continue;
    std::string_view rest = std::string_view(value).substr(
        kind == ScopeTag::Scope ? kScopeTagPrefix.size() : kCallsTagPrefix.size());
    OpsMember m;
    std::string why;
    if (!parse_ops_member(rest, m, why)) continue;
    std::vector<OpsMember> &v = kind == ScopeTag::Scope ? k.scopes : k.calls;
    if (std::find(v.begin(), v.end(), m) == v.end()) v.push_back(std::move(m));
  }
}

}  // namespace

KfuncList kfuncs_from_btf(const ElfFile &elf, const btf::Btf &btf, bool legacy_kfunc_sets,
                          DiagSink &diags) {
  KfuncList out;
  out.kfuncs = set_kfuncs(elf, &btf, legacy_kfunc_sets, diags);  // sorted by name
  int kernel = kernel_version_of(elf);
  for (Kfunc &k : out.kfuncs) {
    // A split BTF's kfuncs are its own FUNCs; a same-named base FUNC only when it has none.
    for (uint32_t id : btf.find(k.name, btf::Kind::FUNC))
      if (!k.btf_id || id >= btf.start_id()) k.btf_id = id;
    if (k.btf_id) scopes_from_tags(btf, k);
    report_flag_conflicts(k, kernel, elf.path(), diags);
  }
  return out;
}

}  // namespace kfb
