// kfunc rules (man kfuncbtf(1), WHAT CHECK VERIFIES) on a loaded Btf, optionally with the ELF's
// kfunc list.
//
// Rule ids (stable; the man page lists them):
//   kfunc-reg-func       a kfunc is not a named FUNC whose type is a FUNC_PROTO; a set entry
//                        with no FUNC in BTF (register_btf_kfunc_id_set() fails, -EINVAL)
//   kfunc-reg-name       a module (split) kfunc whose name is already a FUNC in its base
//   kfunc-reg-iter       btf_check_iter_kfuncs: KF_ITER_* flags, bpf_iter_<type> arg, size,
//                        name, arg count, return type (first failure per kfunc, as the kernel)
//   kfunc-reg-set8       a kfunc only in a set8 without BTF_SET8_KFUNCS (the kernel rejects it)
//   kfunc-twin-pending   note: F's proto still has its implicit params and no F_impl (emit has
//                        not run: the pahole stage)
//   kfunc-twin-missing   F needs F_impl (KF_IMPLICIT_ARGS, trimmed proto) and there is none,
//                        or F_impl is not a FUNC with a FUNC_PROTO, or its name is too long
//   kfunc-twin-proto     F_impl's params do not extend F's explicit ones with pointers
//   kfunc-twin-kfunc-tag F_impl carries bpf_kfunc but is not a kfunc itself
//   kfunc-tag-component  a decl tag on a kfunc (or its twin) points past its parameters
//   kfunc-arg-tag        bpf_kfunc_arg:<flag> / bpf_kfunc_ret:<flag>: unknown flag, bad index,
//                        or the flag's type rule (man kfuncbtf(1), PER-ARGUMENT FLAGS) fails on
//                        the parameter's BTF type
//   kfunc-scope-mask     bpf_kfunc_{scope,calls}:<ops>:0x<mask> malformed, no such struct, a
//                        bit that names no member or a member that is not a function pointer
//   kfunc-scope-member   the source form <ops>.<member> names no such struct / member, or not
//                        a function pointer
//   kfunc-scope-source   a source form has no bit in the mask tags (only once emit has run,
//                        i.e. when the BTF holds any mask tag)
//   kfunc-scope-cycle    callback -> kfunc (scope) -> callback (calls) graph has a cycle
//
// The registration rules mirror btf_check_kfunc_protos / btf_check_iter_kfuncs: the kernel
// skips typedefs as well as modifiers there, so the iterator rules do too. The per-arg type
// rules look through typedefs and modifiers ("a typedef to a pointer counts").
//
// Cycles: the graph has a node per callback ("ops.member") and per kfunc; a scope is an edge
// callback -> kfunc (the callback may call it), a calls tag an edge kfunc -> callback. Each
// strongly connected component with an edge in it is one finding: the shortest cycle through
// the component's first callback (smallest ops name, then lowest member offset), printed from
// that callback back to itself. Kfuncs with no
// scope are callable anywhere but add no edges (only explicit scopes count).
#include "check/kfunc_rules.h"

#include <map>
#include <optional>

#include "btf/btf.h"
#include "btf/query.h"
#include "check/kfunc_rules_impl.h"
#include "elf/elf.h"
#include "kfunc/btf_ids.h"
#include "kfunc/flags.h"
#include "kfunc/kernel.h"
#include "kfunc/kfunc.h"
#include "kfunc/scopes.h"
#include "support/diag.h"
#include "support/error.h"
#include "support/vocab.h"

namespace kfb::check {

using btf::Btf;
using btf::Kind;
using btf::Type;

namespace detail {

void Rules::add(Severity sev, const char *rule, uint32_t id, std::string name, const kfunc::Kfunc *k,
                std::string msg) {
  Diag d;
  d.severity = sev;
  d.rule = rule;
  d.type_id = id;
  d.kind = id && btf_.valid_id(id) ? btf::kind_name(btf_.type(id).kind()) : "";
  d.name = std::move(name);
  d.message = std::move(msg);
  if (k && !k->file.empty()) {
    d.file = k->file;
    d.line = k->line;
  } else {
    d.file = opt_.input;
  }
  diags_.add(std::move(d));
  if (sev == Severity::Error) {
    errors_++;
    if (opt_.first) throw StopRules{};
  }
}

bool Rules::is_scalar(uint32_t id) const {
  if (!id) return false;
  Kind k = btf_.type(btf::skip_mods(btf_, id, btf::Typedefs::Skip)).kind();
  return k == Kind::INT || k == Kind::ENUM || k == Kind::ENUM64;
}

std::optional<Type> Rules::proto_of(uint32_t func) const {
  Type f = btf_.type(func);
  if (f.kind() != Kind::FUNC || !btf_.valid_id(f.type())) return std::nullopt;
  Type p = btf_.type(f.type());
  if (p.kind() != Kind::FUNC_PROTO) return std::nullopt;
  return p;
}

// ---------------------------------------------------------------- discovery

void Rules::collect() {
  std::map<uint32_t, KInfo> by_id;
  // FUNCs carrying a bpf_kfunc tag (own types only: a split BTF checks the module's kfuncs).
  for (uint32_t id = btf_.start_id(); id < btf_.type_cnt(); id++) {
    Type t = btf_.type(id);
    if (t.kind() != Kind::DECL_TAG) continue;
    std::string_view n = t.name();
    if (n.starts_with(vocab::kScopeTagPrefix) || n.starts_with(vocab::kCallsTagPrefix))
      if (kfunc::scope_tag_kind(n) == kfunc::ScopeTag::None) emitted_scopes_ = true;
    if (n != vocab::kKfuncTag) continue;
    uint32_t target = t.type();
    if (!btf_.valid_id(target) || btf_.type(target).kind() != Kind::FUNC) {
      add(Severity::Error, "kfunc-reg-func", id, "bpf_kfunc", nullptr,
          strfmt("bpf_kfunc tag on [%u] %s, not on a FUNC", target,
                 btf_.valid_id(target) ? btf::kind_name(btf_.type(target).kind()) : "?"));
      continue;
    }
    KInfo &ki = by_id[target];
    ki.id = target;
    ki.name = std::string(btf_.name(target));
  }
  if (ks_) {
    for (const kfunc::Kfunc &k : ks_->kfuncs) {
      if (!k.btf_id) {
        // No FUNC: resolve_btfids leaves the id 0, and registering the set fails. A warning,
        // as man kfuncbtf(1), FINDING KFUNCS has it; with a DWARF definition scan_kfuncs already
        // said so.
        if (!k.sets.empty() && !k.has_dwarf)
          add(Severity::Warning, "kfunc-reg-func", 0, k.name, &k,
              strfmt("in set '%s' but has no FUNC in BTF: registering the set fails (-EINVAL)",
                     k.sets[0].c_str()));
        continue;
      }
      KInfo &ki = by_id[k.btf_id];
      ki.id = k.btf_id;
      ki.name = k.name;
      ki.k = &k;
      ki.flags = k.flags;
      ki.flags_known = !k.sets.empty();
    }
  }
  for (auto &[id, ki] : by_id) kfuncs_.push_back(ki);
  for (const KInfo &ki : kfuncs_) {
    kfunc_names_.insert(ki.name);
    kfunc_by_name_.emplace(ki.name, &ki);
  }
}

size_t Rules::run() {
  try {
    collect();
    for (const KInfo &ki : kfuncs_) registration(ki);
    set8_flags();
    for (const KInfo &ki : kfuncs_) {
      if (!proto_of(ki.id)) continue;
      twins(ki);
      tag_components(ki, ki.id, ki.name);
      arg_tags(ki, ki.id, ki.name);
    }
    for (const KInfo &ki : kfuncs_)
      if (proto_of(ki.id)) scopes(ki);
    cycles();
  } catch (const StopRules &) {
  } catch (const Error &e) {
    // BTF the loader rules reject may hold what the model cannot interpret here.
    add(Severity::Warning, "kfunc-rules-stopped", 0, "", nullptr,
        strfmt("kfunc rules stopped early: %s", e.what()));
  }
  return errors_;
}

}  // namespace detail

using detail::Rules;

size_t check_kfunc_rules(const btf::Btf &btf, const kfunc::KfuncList *kfuncs, const KfuncRuleOptions &opt,
                         DiagSink &diags) {
  return Rules(btf, kfuncs, opt, diags).run();
}

KfuncFileResult check_kfunc_file(const Btf &b, const elf::ElfFile *elf, const KfuncFileOptions &o,
                                 DiagSink &diags) {
  KfuncFileResult res;
  res.from_elf = elf != nullptr;
  KfuncRuleOptions ro = o.rules;
  if (ro.input.empty() && elf) ro.input = elf->path();
  size_t before = diags.errors();
  std::optional<kfunc::KfuncList> ks;
  kfunc::BtfIds sets;
  if (elf) {
    if (kfunc::lacks_set8_kfuncs_flag(kfunc::kernel_version_of(*elf))) ro.legacy_kfunc_sets = true;
    kfunc::ObjectKfuncsOptions ko;
    ko.scan.jobs = o.jobs;
    ko.scan.all = true;  // tag-only kfuncs anywhere (a twin's bpf_kfunc tag is judged by this)
    ko.scan.legacy_kfunc_sets = ro.legacy_kfunc_sets;
    ko.dwarf_fallback = true;  // unreadable DWARF: the sets alone still give every kfunc's flags
    ks = kfunc::object_kfuncs(*elf, b, ko, diags);
    sets = kfunc::decode_all_set8(*elf, &b);
    ro.sets = &sets;
    if (!ro.ptr_size) ro.ptr_size = elf->is64() ? 8 : 4;
  }
  Rules rules(b, ks ? &*ks : nullptr, ro, diags);
  rules.run();
  res.kfuncs = rules.kfunc_count();
  res.errors = diags.errors() - before;
  return res;
}

void check_vmlinux_order(const Btf &b, const std::string &file, const std::string &kernel,
                         DiagSink &diags) {
  uint32_t bad = b.first_unsorted_by_name();
  if (!bad) return;
  Type t = b.type(bad), p = b.type(bad - 1);
  Diag d;
  d.severity = Severity::Error;
  d.rule = "vmlinux-sorted";
  d.type_id = bad;
  d.kind = btf::kind_name(t.kind());
  d.name = std::string(t.name());
  d.file = file;
  d.message = strfmt("types are not sorted by name: [%u] %s '%s' comes after [%u] %s '%s' "
                     "(Linux %s finds vmlinux types by binary search and never checks the order)",
                     bad, btf::kind_name(t.kind()), std::string(t.name()).c_str(), bad - 1,
                     btf::kind_name(p.kind()), std::string(p.name()).c_str(), kernel.c_str());
  diags.add(std::move(d));
}

}  // namespace kfb::check
