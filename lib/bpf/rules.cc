// check_rules: the kfunc rules of rules.h over one object and one target kernel.
//
// Design. libbpf decides per extern, once per object (bpf_object__resolve_externs), and the
// verifier decides per call, per program. So the externs are resolved first into one slot each
// (found where, compatible or not, a kfunc or not), then each program walks the uses it reaches
// (Program::uses: its own and its subprograms') and applies the per-call rules to the slot. An
// extern that fails the object (strong, not found or incompatible) is reported once for each
// program, at that program's first use of it, else at the object's first: the load of every
// program of the object stops there, which is what a user sees.
#include "bpf/rules.h"

#include <algorithm>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "bpf/names.h"
#include "btf/cname.h"
#include "support/vocab.h"

namespace kfb::bpf {
namespace {

// Where libbpf finds an extern's essential name (find_ksym_btf_id: vmlinux first, then each
// module's own types).
struct Resolved {
  bool found = false;
  const btf::Btf *btf = nullptr;
  std::string btf_name;  // "vmlinux" or the module's name (libbpf's message)
  uint32_t func_id = 0;
  bool compat = false;
  bool kfunc = false;    // DECL_TAG bpf_kfunc on the FUNC
};

// What the rules look up in one BTF's own types, found in one pass: the first FUNC and STRUCT of
// each name the object asks about, and the FUNCs tagged bpf_kfunc. A vmlinux has ~126,000
// types and an object a few dozen names: indexing every name would cost more than the check.
struct Lookup {
  std::unordered_map<std::string_view, uint32_t> func, strct;
  std::unordered_set<uint32_t> kfuncs;
  uint32_t first(const std::unordered_map<std::string_view, uint32_t> &m, std::string_view name) const {
    auto it = m.find(name);
    return it == m.end() ? 0 : it->second;
  }
};

Lookup scan(const btf::Btf &b, const NameSet &wanted) {
  Lookup l;
  b.for_each_head([&](uint32_t id, const btf::RawType &h) {
    switch (static_cast<btf::Kind>(btf::info_kind(h.info))) {
      case btf::Kind::FUNC:
        if (const char *n = b.str_c(h.name_off); wanted.maybe(n) && wanted.contains(n)) l.func.emplace(n, id);  // the first one stays
        break;
      case btf::Kind::STRUCT:
        if (const char *n = b.str_c(h.name_off); wanted.maybe(n) && wanted.contains(n)) l.strct.emplace(n, id);
        break;
      case btf::Kind::DECL_TAG:
        if (btf::Type t = b.type(id); t.component_idx() == -1 && t.name() == vocab::kKfuncTag) l.kfuncs.insert(t.type());
        break;
      default:
        break;
    }
  });
  return l;
}

// One Lookup per BTF of the target: [0] vmlinux, [1 + i] module i.
std::vector<Lookup> scan_target(const Object &obj, const Kernel &k) {
  NameSet wanted;
  std::vector<std::string> ops_names;
  for (const Extern &e : obj.externs)
    if (e.func) wanted.add(e.essential);
  for (const Program &p : obj.programs)
    if (!p.struct_ops_type.empty()) {
      ops_names.push_back(essential_name(p.struct_ops_type));
      ops_names.push_back("bpf_struct_ops_" + ops_names.back());
    }
  for (const std::string &n : ops_names) wanted.add(n);
  std::vector<Lookup> out;
  out.push_back(k.vmlinux ? scan(*k.vmlinux, wanted) : Lookup{});
  for (const btf::Btf *m : k.modules) out.push_back(scan(*m, wanted));
  return out;
}

Resolved resolve(const Object &obj, const Extern &e, const Kernel &k, const std::vector<Lookup> &ls) {
  Resolved r;
  size_t at = 0;
  if (uint32_t id = k.vmlinux ? ls[0].first(ls[0].func, e.essential) : 0) {
    r.found = true, r.btf = k.vmlinux, r.btf_name = "vmlinux", r.func_id = id;
  } else {
    for (size_t i = 0; i < k.modules.size() && !r.found; i++)
      if (uint32_t mid = ls[1 + i].first(ls[1 + i].func, e.essential))
        r.found = true, r.btf = k.modules[i], r.btf_name = k.module_names[i], r.func_id = mid, at = 1 + i;
  }
  if (!r.found) return r;
  r.compat = obj.btf && types_compat(*obj.btf, e.type_id, *r.btf, r.btf->type(r.func_id).type());
  r.kfunc = ls[at].kfuncs.count(r.func_id) > 0;
  return r;
}

std::string proto_c(const btf::Btf &b, uint32_t proto_id) {
  try {
    return btf::c_proto(b, proto_id, false);
  } catch (...) {
    return "[" + std::to_string(proto_id) + "]";
  }
}

// The members of `ops` a kfunc may be called from; nullptr when it is unrestricted there.
const std::set<std::string> *scope_of(const Kernel &k, const std::string &kfunc, const std::string &ops) {
  auto it = k.scopes.find(kfunc);
  if (it == k.scopes.end()) return nullptr;
  auto in = it->second.find(ops);
  return in == it->second.end() ? nullptr : &in->second;
}

// btf_kfunc_is_allowed's set lookups: a set registered for every type ("common") or for the
// program's hook. True when the kfunc or the program's hook is not known here.
bool registered_for(const Kernel &k, const std::string &kfunc, const std::string &prog_type) {
  std::string_view hook = kfunc_hook(prog_type);
  auto it = k.hooks.find(kfunc);
  if (hook.empty() || it == k.hooks.end()) return true;
  for (const std::string &h : it->second)
    if (h == "common" || h == hook) return true;
  return false;
}

}  // namespace

namespace {

std::map<std::string, uint32_t> slots_of(const btf::Btf &btf, uint32_t struct_id) {
  std::map<std::string, uint32_t> out;
  btf::Type t = btf.type(struct_id);
  bool kflag = t.kflag();
  for (const btf::Member &m : t.members()) {
    uint32_t bits = kflag ? (m.offset & 0xffffff) : m.offset;
    out.emplace(std::string(btf.str(m.name_off)), bits / 64);  // byte offset / 8
  }
  return out;
}

}  // namespace

std::map<std::string, uint32_t> ops_slots(const btf::Btf &btf, const std::string &ops) {
  uint32_t id = btf.find_first(ops, btf::Kind::STRUCT);
  return id ? slots_of(btf, id) : std::map<std::string, uint32_t>{};
}

RuleResult check_rules(const Object &obj, const Kernel &k) {
  RuleResult out;
  std::vector<Lookup> ls = scan_target(obj, k);
  std::vector<Resolved> slots;
  slots.reserve(obj.externs.size());
  for (const Extern &e : obj.externs) slots.push_back(e.func ? resolve(obj, e, k, ls) : Resolved{});

  if (!k.kfunc_tags)
    out.not_applied.push_back("'calling kernel function ... is not allowed' for functions that are not "
                              "kfuncs: the target's BTF tags no function bpf_kfunc (pahole < 1.27)");
  if (!k.have_scopes)
    out.not_applied.push_back("callback scopes: the target's BTF has no bpf_kfunc_scope tags and no "
                              "--scopes file was given");
  if (!k.have_hooks)
    out.not_applied.push_back("program types a kfunc set is registered for (SYSCALL, TRACING, ...): the "
                              "target's BTF has no bpf_kfunc_hooks tags and no --scopes file gave hooks: "
                              "lines (tools/scopes/gen-hooks)");
  bool struct_ops_progs = std::any_of(obj.programs.begin(), obj.programs.end(),
                                      [](const Program &p) { return !p.struct_ops_type.empty(); });
  if (struct_ops_progs && k.unsupported_members.empty() && k.struct_ops_only.empty())
    out.not_applied.push_back("struct_ops members the kernel refuses and the struct_ops types a kfunc set's "
                              "filter allows (code, not BTF): no --scopes file with unsupported: or "
                              "struct-ops: lines");
  if (!k.have_flags)
    out.not_applied.push_back("sleepable and destructive kfunc rules: no KF_* flags (give a vmlinux with "
                              "a symbol table and .BTF_ids)");

  // The object's first use of each extern: where an object-wide failure is shown.
  std::vector<const KsymUse *> first_use(obj.externs.size(), nullptr);
  for (const KsymUse &u : obj.uses)
    if (!first_use[u.ext]) first_use[u.ext] = &u;

  // What this target's verifier walks (prune.h): its resolved ksyms, its version, the knobs.
  Facts facts;
  for (size_t ei = 0; ei < obj.externs.size(); ei++) facts.ksym_resolved.push_back(slots[ei].found && slots[ei].compat);
  if (k.version) facts.kconfig["LINUX_KERNEL_VERSION"] = k.version;
  facts.knobs = k.knobs;
  if (k.vmlinux) facts.targets.push_back(k.vmlinux);
  for (const btf::Btf *m : k.modules) facts.targets.push_back(m);
  Reach reached = reach(obj, facts);
  out.unknown_knobs = reached.unknown_knobs;

  for (size_t pi = 0; pi < obj.programs.size(); pi++) {
    const Program &p = obj.programs[pi];
    std::string ops = p.struct_ops_type.empty() ? "" : essential_name(p.struct_ops_type);
    std::string member = ops.empty() || p.member.empty() ? "" : ops + "." + p.member;
    auto add = [&](FindingLevel lv, const char *rule, const SrcLoc &loc, const Extern &e,
                   std::string msg, std::string detail = "") {
      Finding f;
      f.level = lv, f.rule = rule, f.loc = loc, f.program = p.name, f.section = p.section;
      f.member = member, f.kfunc = e.name, f.target = k.name, f.message = std::move(msg);
      f.detail = std::move(detail);
      out.findings.push_back(std::move(f));
    };

    // Object-wide libbpf failures (strong externs), once per program.
    std::map<size_t, const KsymUse *> own_first;
    for (size_t ui : p.uses) own_first.emplace(obj.uses[ui].ext, &obj.uses[ui]);
    bool object_fails = false;
    for (size_t ei = 0; ei < obj.externs.size(); ei++) {
      const Extern &e = obj.externs[ei];
      const Resolved &r = slots[ei];
      if (!e.func || e.weak || (r.found && r.compat)) continue;
      const KsymUse *u = own_first.count(ei) ? own_first[ei] : first_use[ei];
      SrcLoc loc = u ? u->loc : SrcLoc{obj.path, 0, 0};
      if (loc.file.empty()) loc.file = obj.path;
      if (!r.found) {
        add(FindingLevel::Error, "libbpf-not-found", loc, e,
            "libbpf: extern (func ksym) '" + e.name + "': not found in kernel or module BTFs");
      } else {
        uint32_t kproto = r.btf->type(r.func_id).type();
        add(FindingLevel::Error, "libbpf-incompatible", loc, e,
            "libbpf: extern (func ksym) '" + e.name + "': func_proto [" + std::to_string(e.type_id) +
                "] incompatible with " + r.btf_name + " [" + std::to_string(kproto) + "]",
            "local:  " + proto_c(*obj.btf, e.type_id) + "\nkernel: " + proto_c(*r.btf, kproto));
      }
      object_fails = true;
    }
    if (object_fails) continue;  // libbpf stops before the verifier sees any program

    // struct_ops (after the externs, as bpf_object_load runs them): libbpf's
    // bpf_map__init_kern_struct_ops finds the type and the member by name.
    if (!ops.empty() && k.vmlinux) {
      // find_struct_ops_kern_types: the map value type "bpf_struct_ops_<ops>" first (vmlinux, then
      // modules), then <ops> in the same BTF.
      std::string vtype = "bpf_struct_ops_" + ops;
      bool have_type = false;
      for (const Lookup &l : ls) have_type = have_type || l.first(l.strct, vtype) != 0;
      Finding f;
      f.rule = "struct-ops", f.program = p.name, f.section = p.section, f.member = member;
      f.target = k.name, f.loc.file = obj.path;
      if (!have_type) {
        f.message = "libbpf: struct_ops init_kern: struct " + vtype + " is not found in kernel BTF";
        out.findings.push_back(f);
        continue;
      }
      // <ops> itself: vmlinux's, else the last module that has it (as before: the BTF whose
      // member list libbpf reads).
      const btf::Btf *owner = k.vmlinux;
      uint32_t ops_id = ls[0].first(ls[0].strct, ops);
      for (size_t i = 0; !ls[0].first(ls[0].strct, ops) && i < k.modules.size(); i++)
        if (uint32_t id = ls[1 + i].first(ls[1 + i].strct, ops)) owner = k.modules[i], ops_id = id;
      auto members = ops_id ? slots_of(*owner, ops_id) : std::map<std::string, uint32_t>{};
      if (!members.count(p.member)) {
        f.message = "libbpf: struct_ops init_kern " + p.struct_ops_map + ": Cannot find member " +
                    p.member + " in kernel BTF";
        out.findings.push_back(f);
        continue;
      }
      // check_struct_ops_btf_id: a member without a CFI stub is refused before the walk.
      if (k.unsupported_members.count(member)) {
        f.rule = "struct-ops-member";
        f.message = "attach to unsupported member " + p.member + " of struct " + ops;
        out.findings.push_back(f);
        continue;
      }
    }


    std::set<size_t> said;  // one finding per (program, extern, rule) at its first call
    for (size_t ui : p.uses) {
      const KsymUse &u = obj.uses[ui];
      const Extern &e = obj.externs[u.ext];
      const Resolved &r = slots[u.ext];
      if (!e.func || u.kind != KsymUse::Call) continue;
      SrcLoc loc = u.loc;
      if (loc.file.empty()) loc.file = obj.path;
      bool walked = reached.program_uses[pi][ui];
      if (!r.found || !r.compat) {  // weak (strong ones stopped above): poisoned
        std::string detail;
        if (r.found) {
          uint32_t kproto = r.btf->type(r.func_id).type();
          detail = "local:  " + proto_c(*obj.btf, e.type_id) + "\nkernel: " + proto_c(*r.btf, kproto);
        }
        if (walked) {
          add(FindingLevel::Error, "poisoned-call", loc, e,
              "kfunc '" + e.name + "' is referenced but wasn't resolved", detail);
        } else if (r.found) {
          add(FindingLevel::Warning, "poisoned-silently", loc, e,
              "weak kfunc '" + e.name + "' will be silently poisoned: its prototype is incompatible with " +
                  r.btf_name + "'s '" + e.essential + "' (the bpf_ksym_exists() fallback runs)",
              detail);
        } else {
          add(FindingLevel::Note, "guarded-missing", loc, e,
              "kfunc '" + e.name + "' is referenced but wasn't resolved, if this call is reached (it is "
              "poisoned; on this target the verifier prunes it: a bpf_ksym_exists() guard or a constant)");
        }
        continue;
      }
      if (!walked) continue;  // the verifier never checks a call it prunes
      // Resolved and compatible: the verifier's checks at the call.
      if (k.kfunc_tags && !r.kfunc) {
        add(FindingLevel::Error, "not-a-kfunc", loc, e, "calling kernel function " + e.essential + " is not allowed");
        continue;
      }
      if (k.have_hooks && !registered_for(k, e.essential, p.def.prog_type)) {
        add(FindingLevel::Error, "prog-type", loc, e, "calling kernel function " + e.essential + " is not allowed");
        continue;
      }
      if (auto only = k.struct_ops_only.find(e.essential);
          !ops.empty() && only != k.struct_ops_only.end() && !only->second.count(ops)) {
        add(FindingLevel::Error, "struct-ops-type", loc, e, "calling kernel function " + e.essential + " is not allowed");
        continue;
      }
      if (k.have_scopes && !ops.empty()) {
        const std::set<std::string> *allowed = scope_of(k, e.essential, ops);
        if (allowed && !allowed->count(p.member)) {
          add(FindingLevel::Error, "scope", loc, e, "calling kernel function " + e.essential + " is not allowed");
          continue;
        }
      }
      if (k.have_flags) {
        if (k.sleepable.count(e.essential) && !p.def.sleepable)
          add(FindingLevel::Error, "sleepable", loc, e,
              "program must be sleepable to call sleepable kfunc " + e.essential);
        if (k.destructive.count(e.essential) && said.insert(u.ext).second)
          add(FindingLevel::Warning, "destructive", loc, e,
              "destructive kfunc calls require CAP_SYS_BOOT capability");
      }
    }
  }
  return out;
}

void sort_findings(std::vector<Finding> &fs) {
  auto key = [](const Finding &f) {
    return std::tie(f.loc.file, f.loc.line, f.loc.col, f.program, f.target, f.level, f.kfunc, f.message);
  };
  std::stable_sort(fs.begin(), fs.end(), [&](const Finding &a, const Finding &b) { return key(a) < key(b); });
}

}  // namespace kfb::bpf
