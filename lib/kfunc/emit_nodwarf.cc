// kfuncs_without_dwarf: the kfunc list of an object built without -g (see emit.h).
#include <algorithm>

#include "btf/btf.h"
#include "elf/elf.h"
#include "kfunc/emit.h"
#include "kfunc/kernel.h"
#include "kfunc/scopes.h"
#include "support/diag.h"
#include "support/error.h"

namespace kfb {

KfuncList kfuncs_without_dwarf(const ElfFile &elf, const btf::Btf &btf, bool legacy_kfunc_sets,
                               DiagSink &diags) {
  Diag w;
  w.severity = Severity::Warning;
  w.rule = "kfunc-no-dwarf";
  w.file = elf.path();
  w.message = "no DWARF (.debug_info): kfunc parameters come from BTF, scopes from its decl tags";
  diags.add(std::move(w));

  KfuncList out;
  int kernel = kernel_version_of(elf);
  for (Kfunc &k : set_kfuncs(elf, &btf, legacy_kfunc_sets, diags)) {
    const std::string &name = k.name;
    for (uint32_t id : btf.find(name, btf::Kind::FUNC))
      if (id >= btf.start_id()) {
        k.btf_id = id;
        break;
      }
    if (k.btf_id) {
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
    } else {
      Diag d;
      d.severity = Severity::Warning;
      d.rule = "kfunc-no-btf-func";
      d.name = name;
      d.file = elf.path();
      d.message = strfmt("in set '%s' but has no FUNC in BTF", k.sets.empty() ? "" : k.sets[0].c_str());
      diags.add(std::move(d));
    }
    report_flag_conflicts(k, kernel, elf.path(), diags);
    out.kfuncs.push_back(std::move(k));
  }
  return out;
}

}  // namespace kfb
