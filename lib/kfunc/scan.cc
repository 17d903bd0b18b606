// scan_kfuncs: the discovery pipeline (man kfuncbtf(1), FINDING KFUNCS) as one pass list.
//
//   .BTF_ids sets ──┐
//                   ├─ join by name ─ per-arg flags ─ scopes ─ BTF ids ─ warnings ─ sort
//   DWARF defs ─────┘
//
// The sets decide which DWARF definitions are looked up (only their CUs are read); with
// `all`, every CU that can hold an annotation is read too, and definitions tagged
// btf_decl_tag("bpf_kfunc") join as kfuncs of source "tag" (or "both").
#include <algorithm>
#include <map>
#include <set>

#include "btf/btf.h"
#include "btf/query.h"
#include "dwarf/dwarf.h"
#include "elf/elf.h"
#include "kfunc/args.h"
#include "kfunc/btf_ids.h"
#include "kfunc/kernel.h"
#include "kfunc/kfunc.h"
#include "kfunc/scopes.h"
#include "support/diag.h"
#include "support/error.h"
#include "support/process.h"
#include "support/vocab.h"

namespace kfb::kfunc {

namespace {

void warn(DiagSink &diags, const char *rule, const Kfunc &k, const std::string &file,
          uint32_t line, std::string msg) {
  Diag d;
  d.severity = Severity::Warning;
  d.rule = rule;
  d.type_id = k.btf_id;
  d.kind = "FUNC";
  d.name = k.name;
  d.file = file;
  d.line = line;
  d.message = std::move(msg);
  diags.add(std::move(d));
}

uint32_t find_func(const btf::Btf &btf, const std::string &name) {
  // A split BTF's kfuncs are its own FUNCs; prefer those over a same-named base FUNC.
  uint32_t own = btf::find_own(btf, name, btf::Kind::FUNC);
  return own ? own : btf.find_first(name, btf::Kind::FUNC);
}

}  // namespace

std::vector<Kfunc> set_kfuncs(const elf::ElfFile &elf, const btf::Btf *btf, bool legacy_kfunc_sets,
                              DiagSink &diags, BtfIdsStats *stats) {
  legacy_kfunc_sets = legacy_kfunc_sets || lacks_set8_kfuncs_flag(kernel_version_of(elf));
  BtfIdsInput in = BtfIdsInput::from_elf(elf, legacy_kfunc_sets);
  BtfIdResolver resolve = func_resolver(btf);
  BtfIds ids = decode_btf_ids(in, resolve);
  if (stats) {
    stats->present = in.present;
    stats->sets = 0;
    for (const BtfIdsSet &s : ids.sets) stats->sets += s.kfuncs;
    stats->entries = ids.entries.size();
  }
  std::map<std::string, Kfunc> by_name;
  // (kfunc, set) pairs already listed: a kfunc in N sets costs N log N, not N^2 (one kfunc
  // listed in 64k sets took 9 s).
  std::set<std::pair<std::string_view, std::string_view>> listed;
  for (const BtfIdsEntry &e : ids.entries) {
    auto [it, fresh] = by_name.try_emplace(e.name);
    Kfunc &k = it->second;
    if (fresh) {
      k.name = e.name;
      k.flags = e.flags;
      k.source = KfuncSource::Set;
    }
    if (listed.emplace(e.name, e.set).second) k.sets.push_back(e.set);
  }
  for (const FlagConflict &c : ids.conflicts) by_name.at(c.name).flag_conflicts.push_back(c.message());
  // A stripped image (extract-vmlinux of a vmlinuz, strip -s) keeps .BTF_ids but not the
  // symbols that say where its sets start: its kfuncs are then the FUNCs that the BTF tags
  // bpf_kfunc (pahole 1.27+ and resolve_btfids tag every set member), KF_* flags unknown.
  if (in.present && in.symbols.empty() && !in.section.empty()) {
    Diag d;
    d.severity = Severity::Warning;
    d.rule = "kfunc-no-symtab";
    d.file = elf.path();
    d.message = btf ? "no symbol table: the .BTF_ids kfunc sets cannot be read; kfuncs are the "
                      "FUNCs the BTF tags bpf_kfunc, their KF_* flags unknown"
                    : "no symbol table: the .BTF_ids kfunc sets cannot be read";
    diags.add(std::move(d));
    if (btf)
      for (uint32_t t : btf->find(vocab::kKfuncTag, btf::Kind::DECL_TAG)) {
        btf::Type tag = btf->type(t);
        if (tag.component_idx() != -1 || !btf->valid_id(tag.type())) continue;
        btf::Type f = btf->type(tag.type());
        if (f.kind() != btf::Kind::FUNC || f.name().empty()) continue;
        auto [it, fresh] = by_name.try_emplace(std::string(f.name()));
        if (fresh) {
          it->second.name = it->first;
          it->second.source = KfuncSource::Tag;
        }
      }
  }
  std::vector<Kfunc> out;
  out.reserve(by_name.size());
  for (auto &[name, k] : by_name) out.push_back(std::move(k));
  return out;
}

void report_flag_conflicts(const Kfunc &k, int kernel, const std::string &obj, DiagSink &diags) {
  for (const std::string &m : k.flag_conflicts) {
    Diag d;
    d.rule = "kfunc-set-flags";
    d.type_id = k.btf_id;
    d.kind = "FUNC";
    d.name = k.name;
    d.file = k.has_dwarf && !k.file.empty() ? k.file : obj;
    d.line = k.has_dwarf ? k.line : 0;
    d.message = m;
    if (refuses_flag_conflicts(kernel)) {
      d.severity = Severity::Error;
    } else {
      // The kernel registers each set with its own flags, so this build works; the next one
      // will not (resolve_btfids 7.3 stops at it).
      d.severity = Severity::Warning;
      d.message += strfmt(" (the %s build accepts this; resolve_btfids 7.3 and later refuse it)",
                          kernel_version_text(kernel).c_str());
    }
    diags.add(std::move(d));
  }
}

KfuncList scan_kfuncs(const elf::ElfFile &elf, const btf::Btf *btf, const ScanOptions &opt,
                      DiagSink &diags) {
  KfuncList out;
  Laps t;
  // 1. The .BTF_ids sets; a resolved (linked) object names its pairs through its BTF.
  BtfIdsStats in;
  std::map<std::string, Kfunc> by_name;
  std::vector<std::string> names;
  for (Kfunc &k : set_kfuncs(elf, btf, opt.legacy_kfunc_sets, diags, &in)) {
    names.push_back(k.name);
    by_name.emplace(k.name, std::move(k));
  }
  // Most modules have no kfunc set: resolve_btfids says so only in debug output (pr_debug), and
  // so does this (a note, shown with -v), not a warning in every module's build log.
  if (!in.present) {
    Diag d;
    d.severity = Severity::Note;
    d.rule = "kfunc-no-btf-ids";
    d.file = elf.path();
    d.message = "no .BTF_ids section: kfuncs come from DWARF bpf_kfunc annotations only";
    diags.add(std::move(d));
  }

  out.stats.t_btf_ids = t.lap();
  out.stats.sets = in.sets;
  out.stats.entries = in.entries;

  // 2. DWARF definitions: the set kfuncs by name, plus tagged ones anywhere with `all`.
  //    No .BTF_ids means tags are the only source, so every CU is searched then.
  auto dw = dwarf::DwarfReader::open(elf);
  out.stats.t_dwarf_open = t.lap();
  dwarf::DwarfQuery q;
  q.names = names;
  q.all = opt.all || !in.present;
  q.jobs = opt.jobs;
  std::vector<dwarf::FuncDef> defs = dw->find(q);
  out.stats.t_dwarf_find = t.lap();
  out.stats.cus = dw->stats().cus;
  out.stats.cus_read = dw->stats().cus_read;
  out.stats.dies = dw->stats().dies;
  out.stats.aranges = dw->stats().aranges;

  // 3. Join by name.
  for (dwarf::FuncDef &f : defs) {
    bool tagged = f.has_tag(vocab::kKfuncTag);
    auto it = by_name.find(f.name);
    if (it == by_name.end()) {
      if (!tagged) continue;
      it = by_name.try_emplace(f.name).first;
      it->second.name = f.name;
      it->second.source = KfuncSource::Tag;
    } else if (tagged) {
      it->second.source = KfuncSource::Both;
    }
    Kfunc &k = it->second;
    k.has_dwarf = true;
    k.ret.type = std::move(f.ret);
    k.file = std::move(f.file);
    k.line = f.line;
    k.tags = std::move(f.tags);
    for (dwarf::FuncParam &fp : f.params) {
      KfuncParam p;
      p.name = std::move(fp.name);
      p.type = std::move(fp.type);
      p.tags = std::move(fp.tags);
      k.params.push_back(std::move(p));
    }
  }

  for (auto &[name, k] : by_name) out.kfuncs.push_back(std::move(k));

  // 4. BTF ids, per-arg flags, scopes, warnings.
  int kernel = opt.kernel ? opt.kernel : kernel_version_of(elf);
  for (Kfunc &k : out.kfuncs) {
    if (btf) k.btf_id = find_func(*btf, k.name);
    report_flag_conflicts(k, kernel, elf.path(), diags);
    if (!k.has_dwarf) {
      warn(diags, "kfunc-no-dwarf", k, elf.path(), 0,
           strfmt("in set '%s' but has no DWARF definition", k.sets.empty() ? "" : k.sets[0].c_str()));
      continue;
    }
    if (btf && !k.btf_id)
      warn(diags, "kfunc-no-btf-func", k, k.file, k.line,
           "has a DWARF definition but no FUNC in BTF (pahole dropped it)");
    derive_arg_flags(k, diags);
    scopes_from_tags(k, diags);
  }
  std::stable_sort(out.kfuncs.begin(), out.kfuncs.end(), [](const Kfunc &a, const Kfunc &b) {
    return a.name != b.name ? a.name < b.name : a.btf_id < b.btf_id;
  });
  out.stats.t_join = t.lap();
  return out;
}

}  // namespace kfb::kfunc
