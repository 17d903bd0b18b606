// kfuncs_from_btf: the kfunc list of an object without DWARF; object_kfuncs: which of the two
// sources an object's kfuncs come from (see kfunc.h).
#include "btf/btf.h"
#include "elf/elf.h"
#include "kfunc/kernel.h"
#include "kfunc/kfunc.h"
#include "kfunc/scopes.h"
#include "support/diag.h"
#include "support/error.h"

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
  out.from_dwarf = false;
  return out;
}

namespace {

void warn_no_dwarf(DiagSink &diags, const std::string &path, const char *rule, const std::string &why) {
  Diag w;
  w.severity = Severity::Warning;
  w.rule = rule;
  w.file = path;
  w.message = why;
  diags.add(std::move(w));
}

}  // namespace

KfuncList object_kfuncs(const elf::ElfFile &elf, const btf::Btf &btf, const ObjectKfuncsOptions &opt,
                        DiagSink &diags) {
  bool legacy = opt.scan.legacy_kfunc_sets;
  if (!elf.section(".debug_info")) {
    warn_no_dwarf(diags, elf.path(), "kfunc-no-debug-info",
                  "no DWARF (.debug_info): kfunc parameters come from BTF, scopes from its decl tags");
    return kfuncs_from_btf(elf, btf, legacy, diags);
  }
  if (!opt.dwarf_fallback) return scan_kfuncs(elf, &btf, opt.scan, diags);
  try {
    return scan_kfuncs(elf, &btf, opt.scan, diags);
  } catch (const Error &e) {
    warn_no_dwarf(diags, elf.path(), "kfunc-no-scan",
                  std::string("kfuncs from .BTF_ids and BTF only (no source lines, no DWARF rules): ") + e.what());
    return kfuncs_from_btf(elf, btf, legacy, diags);
  }
}

}  // namespace kfb::kfunc
