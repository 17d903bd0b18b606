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

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <queue>
#include <set>

#include "btf/btf.h"
#include "elf/elf.h"
#include "kfunc/args.h"
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

namespace {

using vocab::kArgTagPrefix;
using vocab::kImplSuffix;
using vocab::kKsymNameLen;
using vocab::kRetTagPrefix;
constexpr uint32_t kIterFlags = KF_ITER_NEW | KF_ITER_NEXT | KF_ITER_DESTROY;

struct StopRules {};  // --first: unwinds out of the rules after the first error

// One kfunc under check.
struct KInfo {
  uint32_t id = 0;                // FUNC id
  std::string name;
  const Kfunc *k = nullptr;       // its KfuncList entry, if any
  uint32_t flags = 0;             // KF_* when flags_known
  bool flags_known = false;       // listed in a kfunc set
};

class Rules {
 public:
  Rules(const Btf &btf, const KfuncList *ks, const KfuncRuleOptions &opt, DiagSink &diags)
      : btf_(btf), ks_(ks), opt_(opt), diags_(diags) {}

  size_t run();
  size_t kfunc_count() const { return kfuncs_.size(); }

 private:
  // --- reporting
  void add(Severity sev, const char *rule, uint32_t id, std::string name, const Kfunc *k,
           std::string msg);
  void err(const char *rule, const KInfo &ki, std::string msg) {
    add(Severity::Error, rule, ki.id, ki.name, ki.k, std::move(msg));
  }

  // --- type helpers
  uint32_t skip_mods(uint32_t id, bool typedefs) const;
  bool is_ptr(uint32_t id) const { return id && btf_.type(skip_mods(id, true)).is_ptr(); }
  // The same type once type attributes (TYPE_TAG with kflag) are skipped at every level.
  bool same_sans_attrs(uint32_t x, uint32_t y, int depth = 0) const;
  bool is_scalar(uint32_t id) const;
  bool is_func_ptr(uint32_t id) const;
  std::string type_str(uint32_t id, int depth = 0) const;
  std::optional<Type> proto_of(uint32_t func) const;
  unsigned ptr_size() const;

  // --- passes
  void collect();
  void registration(const KInfo &ki);
  void iterator(const KInfo &ki, Type proto);
  void set8_flags();
  void twins(const KInfo &ki);
  void tag_components(const KInfo &ki, uint32_t func, const std::string &fname);
  void arg_tags(const KInfo &ki, uint32_t func, const std::string &fname);
  void scopes(const KInfo &ki);
  void cycles();

  // The member of struct `ops` a scope names; on failure `why` says what is wrong.
  uint32_t find_struct(std::string_view ops) const;
  bool check_member(uint32_t st, const std::string &member, uint32_t &bit, std::string &why) const;

  const Btf &btf_;
  const KfuncList *ks_;
  const KfuncRuleOptions &opt_;
  DiagSink &diags_;
  size_t errors_ = 0;
  std::vector<KInfo> kfuncs_;  // by FUNC id
  std::set<std::string> kfunc_names_;
  bool emitted_scopes_ = false;  // any mask tag in own types
  // Graph edges (string node names; kfunc nodes are their names).
  std::map<std::string, std::set<std::string>> edges_;
  std::map<std::string, std::pair<std::string, uint32_t>> callbacks_;  // node -> (ops, bit)
  std::map<std::string, const KInfo *> kfunc_by_name_;
};

void Rules::add(Severity sev, const char *rule, uint32_t id, std::string name, const Kfunc *k,
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

uint32_t Rules::skip_mods(uint32_t id, bool typedefs) const {
  for (int guard = 0; id && btf_.valid_id(id) && guard < 64; guard++) {
    Type t = btf_.type(id);
    if (!t.is_modifier() && !(typedefs && t.kind() == Kind::TYPEDEF)) return id;
    id = t.type();
  }
  return btf_.valid_id(id) ? id : 0;
}

bool Rules::is_scalar(uint32_t id) const {
  if (!id) return false;
  Kind k = btf_.type(skip_mods(id, true)).kind();
  return k == Kind::INT || k == Kind::ENUM || k == Kind::ENUM64;
}

bool Rules::is_func_ptr(uint32_t id) const {
  if (!is_ptr(id)) return false;
  uint32_t to = skip_mods(btf_.type(skip_mods(id, true)).type(), true);
  return to && btf_.type(to).kind() == Kind::FUNC_PROTO;
}

std::string Rules::type_str(uint32_t id, int depth) const {
  if (!id) return "void";
  if (!btf_.valid_id(id) || depth > 16) return "?";
  Type t = btf_.type(id);
  std::string n(t.name());
  switch (t.kind()) {
    case Kind::INT:
    case Kind::TYPEDEF:
    case Kind::FLOAT: return n;
    case Kind::STRUCT: return "struct " + n;
    case Kind::UNION: return "union " + n;
    case Kind::ENUM:
    case Kind::ENUM64: return "enum " + n;
    case Kind::FWD: return (t.fwd_is_union() ? "union " : "struct ") + n;
    case Kind::PTR: {
      std::string in = type_str(t.type(), depth + 1);
      return in + (in.ends_with("*") ? "*" : " *");
    }
    case Kind::CONST: return "const " + type_str(t.type(), depth + 1);
    case Kind::VOLATILE: return "volatile " + type_str(t.type(), depth + 1);
    case Kind::RESTRICT: return type_str(t.type(), depth + 1) + " restrict";
    case Kind::TYPE_TAG:  // kflag: a type attribute (address_space(1) on an arena pointer)
      return type_str(t.type(), depth + 1) +
             (t.kflag() ? " __attribute__((" + n + "))" : " __tag(" + n + ")");
    case Kind::ARRAY: return type_str(t.array().type, depth + 1) + "[]";
    case Kind::FUNC_PROTO: return "function";
    default: return btf::kind_name(t.kind());
  }
}

bool Rules::same_sans_attrs(uint32_t x, uint32_t y, int depth) const {
  auto strip = [this](uint32_t id) {
    for (int guard = 0; guard < 64 && id && btf_.valid_id(id); guard++) {
      Type t = btf_.type(id);
      if (t.kind() != Kind::TYPE_TAG || !t.kflag()) break;
      id = t.type();
    }
    return id;
  };
  x = strip(x);
  y = strip(y);
  if (x == y) return true;
  if (!x || !y || !btf_.valid_id(x) || !btf_.valid_id(y) || depth > 16) return false;
  Type a = btf_.type(x), b = btf_.type(y);
  if (a.kind() != b.kind() || a.name() != b.name() || a.kflag() != b.kflag()) return false;
  switch (a.kind()) {
    case Kind::PTR:
    case Kind::TYPEDEF:
    case Kind::CONST:
    case Kind::VOLATILE:
    case Kind::RESTRICT:
    case Kind::TYPE_TAG: return same_sans_attrs(a.type(), b.type(), depth + 1);
    case Kind::INT: return a.size() == b.size() && a.int_data() == b.int_data();
    case Kind::STRUCT:
    case Kind::UNION:
    case Kind::ENUM:
    case Kind::ENUM64:
    case Kind::FLOAT: return !a.name().empty() && a.size() == b.size();  // named: same by name
    case Kind::FWD: return true;
    default: return false;
  }
}

std::optional<Type> Rules::proto_of(uint32_t func) const {
  Type f = btf_.type(func);
  if (f.kind() != Kind::FUNC || !btf_.valid_id(f.type())) return std::nullopt;
  Type p = btf_.type(f.type());
  if (p.kind() != Kind::FUNC_PROTO) return std::nullopt;
  return p;
}

unsigned Rules::ptr_size() const {
  if (opt_.ptr_size) return opt_.ptr_size;
  for (const char *n : {"long unsigned int", "long int", "unsigned long", "long"}) {
    uint32_t id = btf_.find_first(n, Kind::INT);
    if (id) return btf_.type(id).size();
  }
  return 8;
}

// ---------------------------------------------------------------- discovery

void Rules::collect() {
  std::map<uint32_t, KInfo> by_id;
  // FUNCs carrying a bpf_kfunc tag (own types only: a split BTF checks the module's kfuncs).
  for (uint32_t id = btf_.start_id(); id < btf_.type_cnt(); id++) {
    Type t = btf_.type(id);
    if (t.kind() != Kind::DECL_TAG) continue;
    std::string_view n = t.name();
    if (n.starts_with(kScopeTagPrefix) || n.starts_with(kCallsTagPrefix))
      if (scope_tag_kind(n) == ScopeTag::None) emitted_scopes_ = true;
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
    for (const Kfunc &k : ks_->kfuncs) {
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

// ---------------------------------------------------------------- registration

void Rules::registration(const KInfo &ki) {
  Type f = btf_.type(ki.id);
  if (f.kind() != Kind::FUNC) {
    err("kfunc-reg-func", ki, strfmt("[%u] is %s, not FUNC", ki.id, btf::kind_name(f.kind())));
    return;
  }
  if (f.name().empty()) {
    err("kfunc-reg-func", ki, "kfunc FUNC has no name");
    return;
  }
  if (btf_.is_split() && ki.id >= btf_.start_id()) {
    std::vector<uint32_t> in_base = btf_.base()->find(f.name(), Kind::FUNC);
    if (!in_base.empty())
      err("kfunc-reg-name", ki,
          strfmt("kfunc %s (id: %u) is already present in vmlinux", ki.name.c_str(), ki.id));
  }
  std::optional<Type> proto = proto_of(ki.id);
  if (!proto) {
    err("kfunc-reg-func", ki,
        strfmt("type [%u] is %s, not FUNC_PROTO", f.type(),
               btf_.valid_id(f.type()) ? btf::kind_name(btf_.type(f.type()).kind()) : "?"));
    return;
  }
  if (ki.flags_known && (ki.flags & kIterFlags)) iterator(ki, *proto);
}

void Rules::iterator(const KInfo &ki, Type proto) {
  const char *rule = "kfunc-reg-iter";
  uint32_t it = ki.flags & kIterFlags;
  if (it != KF_ITER_NEW && it != KF_ITER_NEXT && it != KF_ITER_DESTROY) {
    err(rule, ki, strfmt("iterator kfunc has %s: exactly one of KF_ITER_NEW, KF_ITER_NEXT, "
                         "KF_ITER_DESTROY is allowed", kf_flags_string(it).c_str()));
    return;
  }
  if (proto.vlen() < 1) {
    err(rule, ki, "iterator kfunc has no arguments: arg 0 must be struct bpf_iter_<type> *");
    return;
  }
  uint32_t arg0 = proto.params()[0].type;
  uint32_t p = skip_mods(arg0, true);
  uint32_t st = p && btf_.type(p).is_ptr() ? skip_mods(btf_.type(p).type(), true) : 0;
  constexpr std::string_view kIterPrefix = "bpf_iter_";
  if (!st || btf_.type(st).kind() != Kind::STRUCT || !btf_.name(st).starts_with(kIterPrefix)) {
    err(rule, ki, strfmt("iterator arg 0 must be a pointer to struct bpf_iter_<type>, not '%s'",
                         type_str(arg0).c_str()));
    return;
  }
  Type s = btf_.type(st);
  if (s.size() == 0 || s.size() % 8) {
    err(rule, ki, strfmt("iterator struct %s has size %u: it must be > 0 and a multiple of 8",
                         std::string(s.name()).c_str(), s.size()));
    return;
  }
  std::string type(s.name().substr(kIterPrefix.size()));
  const char *what = it == KF_ITER_NEW ? "new" : it == KF_ITER_NEXT ? "next" : "destroy";
  std::string want = strfmt("bpf_iter_%s_%s", type.c_str(), what);
  if (ki.name != want) {
    err(rule, ki, strfmt("iterator %s kfunc on struct %s must be named %s", what,
                         std::string(s.name()).c_str(), want.c_str()));
    return;
  }
  if (it != KF_ITER_NEW && proto.vlen() != 1) {
    err(rule, ki, strfmt("iterator %s kfunc must take exactly 1 argument, not %u", what,
                         proto.vlen()));
    return;
  }
  uint32_t ret = skip_mods(proto.type(), true);
  if (it == KF_ITER_NEXT && !(ret && btf_.type(ret).is_ptr())) {
    err(rule, ki, strfmt("iterator next kfunc must return a pointer, not '%s'",
                         type_str(proto.type()).c_str()));
    return;
  }
  if (it == KF_ITER_DESTROY && ret != 0)
    err(rule, ki, strfmt("iterator destroy kfunc must return void, not '%s'",
                         type_str(proto.type()).c_str()));
}

void Rules::set8_flags() {
  if (!opt_.sets || opt_.legacy_kfunc_sets) return;
  // Not one set8 says BTF_SET8_KFUNCS, yet some list functions: a kernel before 6.9.
  size_t flagged = 0, plain = 0;
  for (const BtfIdsSet &s : opt_.sets->sets) (s.flags & BTF_SET8_KFUNCS ? flagged : plain)++;
  if (!flagged && plain && !opt_.sets->entries.empty())
    add(Severity::Note, "kfunc-reg-set8", 0, "", nullptr,
        strfmt("no set8 has BTF_SET8_KFUNCS and %zu have none (a kernel before 6.9?): "
               "--legacy-kfunc-sets counts them as kfunc sets", plain));
  std::set<std::string> reported;
  for (const BtfIdsEntry &e : opt_.sets->entries) {
    auto set = std::find_if(opt_.sets->sets.begin(), opt_.sets->sets.end(),
                            [&](const BtfIdsSet &s) { return s.name == e.set; });
    if (set == opt_.sets->sets.end() || (set->flags & BTF_SET8_KFUNCS)) continue;
    // Only a kfunc (tagged bpf_kfunc) that no proper kfunc set lists is lost: a flagless set
    // holding plain functions, or kfuncs registered elsewhere too, is a legacy set, no finding.
    auto it = kfunc_by_name_.find(e.name);
    if (it == kfunc_by_name_.end()) continue;
    const KInfo &ki = *it->second;
    if (ki.flags_known || !reported.insert(e.name).second) continue;
    err("kfunc-reg-set8", ki,
        strfmt("kfunc is only in set8 '%s', which lacks BTF_SET8_KFUNCS: "
               "register_btf_kfunc_id_set() rejects the set (-EINVAL)", e.set.c_str()));
  }
}

// ---------------------------------------------------------------- twins

void Rules::twins(const KInfo &ki) {
  std::optional<Type> proto = proto_of(ki.id);
  if (!proto) return;
  Type fp = *proto;
  std::string impl_name = ki.name + std::string(kImplSuffix);
  uint32_t impl = btf_.find_first(impl_name, Kind::FUNC);
  // A twin of a base FUNC would be in the base; of an own FUNC, in the same BTF.
  std::vector<uint32_t> cands = btf_.find(impl_name, Kind::FUNC);
  for (uint32_t c : cands)
    if ((c >= btf_.start_id()) == (ki.id >= btf_.start_id())) impl = c;

  bool by_type = ki.flags_known ? (ki.flags & KF_IMPLICIT_ARGS) : impl != 0;
  // F's explicit count in BTF: params before the first implicit one (suffix, or type).
  uint32_t n = fp.vlen();
  for (uint32_t i = 0; i < fp.vlen(); i++) {
    const btf::Param &p = fp.params()[i];
    bool implicit = split_suffixes(btf_.str(p.name_off)).flags & ARG_IMPLICIT;
    if (!implicit && by_type) {
      uint32_t ptr = skip_mods(p.type, false);
      if (ptr && btf_.type(ptr).is_ptr()) {
        uint32_t st = skip_mods(btf_.type(ptr).type(), false);
        implicit = st && btf_.type(st).kind() == Kind::STRUCT && is_implicit_struct(btf_.name(st));
      }
    }
    if (implicit) {
      n = i;
      break;
    }
  }
  bool untrimmed = n < fp.vlen();
  bool dwarf_implicit = ki.k && ki.k->has_dwarf && ki.k->has_implicit();
  bool needs = (ki.flags_known && (ki.flags & KF_IMPLICIT_ARGS)) || untrimmed || dwarf_implicit ||
               (!ki.flags_known && impl);
  if (!needs) return;

  if (impl_name.size() >= kKsymNameLen) {
    err("kfunc-twin-missing", ki, strfmt("function name %s is too long", impl_name.c_str()));
    return;
  }
  if (!impl) {
    if (untrimmed)
      add(Severity::Note, "kfunc-twin-pending", ki.id, ki.name, ki.k,
          strfmt("arg %u '%s' is implicit and there is no %s yet: emit adds the twin", n,
                 std::string(btf_.str(fp.params()[n].name_off)).c_str(), impl_name.c_str()));
    else
      err("kfunc-twin-missing", ki, strfmt("cannot find function %s in BTF", impl_name.c_str()));
    return;
  }
  std::optional<Type> iproto = proto_of(impl);
  if (!iproto) {
    err("kfunc-twin-missing", ki,
        strfmt("%s (btf_id %u) is not a function with a FUNC_PROTO", impl_name.c_str(), impl));
    return;
  }
  Type ip = *iproto;
  // F's params are a prefix of F_impl's (same types, type attributes aside: resolve_btfids 7.3
  // puts address_space(1) on F's arena pointers, not on F_impl's); what follows in F_impl may
  // be of any type (7.3: bpf_list_push_back_impl(head, node, void *meta__ign, u64 off)).
  std::string why;
  if (ip.vlen() < n) {
    why = strfmt("has %u params, fewer than %s's %u explicit ones", ip.vlen(), ki.name.c_str(), n);
  } else {
    for (uint32_t i = 0; i < n && why.empty(); i++)
      if (!same_sans_attrs(ip.params()[i].type, fp.params()[i].type))
        why = strfmt("arg %u '%s' is '%s', not '%s' as in %s", i,
                     std::string(btf_.str(ip.params()[i].name_off)).c_str(),
                     type_str(ip.params()[i].type).c_str(), type_str(fp.params()[i].type).c_str(),
                     ki.name.c_str());
  }
  if (!why.empty())
    err("kfunc-twin-proto", ki, strfmt("twin %s %s", impl_name.c_str(), why.c_str()));

  // F_impl may carry bpf_kfunc only when it is a kfunc itself (a legacy pair); which
  // functions are kfuncs is known only with the ELF.
  if (ks_) {
    const Kfunc *ik = ks_->find(impl_name);
    bool tagged = false;
    for (uint32_t t : btf_.decl_tags_of(impl))
      if (btf_.name(t) == vocab::kKfuncTag) tagged = true;
    if (tagged && !ik)
      err("kfunc-twin-kfunc-tag", ki,
          strfmt("twin %s carries a bpf_kfunc tag but is not a kfunc (in no set, no DWARF "
                 "bpf_kfunc annotation)", impl_name.c_str()));
  }
  if (!kfunc_names_.contains(impl_name)) {
    tag_components(ki, impl, impl_name);
    arg_tags(ki, impl, impl_name);
  }
}

void Rules::tag_components(const KInfo &ki, uint32_t func, const std::string &fname) {
  std::optional<Type> proto = proto_of(func);
  if (!proto) return;
  for (uint32_t t : btf_.decl_tags_of(func)) {
    Type tag = btf_.type(t);
    int32_t idx = tag.component_idx();
    if (idx >= static_cast<int32_t>(proto->vlen()))
      add(Severity::Error, "kfunc-tag-component", t, fname, ki.k,
          strfmt("decl tag '%s' has component_idx %d, past %s's %u params",
                 std::string(tag.name()).c_str(), idx, fname.c_str(), proto->vlen()));
  }
}

// ---------------------------------------------------------------- per-arg flags

void Rules::arg_tags(const KInfo &ki, uint32_t func, const std::string &fname) {
  std::optional<Type> proto = proto_of(func);
  if (!proto) return;
  Type fp = *proto;
  std::vector<uint32_t> flags(fp.vlen(), 0);
  const char *rule = "kfunc-arg-tag";
  auto bad = [&](uint32_t tag, std::string msg) {
    add(Severity::Error, rule, tag, fname, ki.k, std::move(msg));
  };
  for (uint32_t t : btf_.decl_tags_of(func)) {
    Type tag = btf_.type(t);
    std::string_view n = tag.name();
    int32_t idx = tag.component_idx();
    if (n.starts_with(kArgTagPrefix)) {
      std::string_view flag = n.substr(kArgTagPrefix.size());
      uint32_t f = arg_flag_by_name(flag);
      if (!f) {
        bad(t, strfmt("unknown argument flag '%s'", std::string(flag).c_str()));
      } else if (idx < 0 || idx >= static_cast<int32_t>(fp.vlen())) {
        bad(t, strfmt("argument flag '%s' has component_idx %d, not an argument of %s",
                      std::string(flag).c_str(), idx, fname.c_str()));
      } else {
        flags[idx] |= f;
      }
    } else if (n.starts_with(kRetTagPrefix)) {
      std::string_view flag = n.substr(kRetTagPrefix.size());
      bool known = flag == "acquire" || flag == "nullable" || flag == "arena";
      if (!known)
        bad(t, strfmt("unknown return flag '%s'", std::string(flag).c_str()));
      else if (idx != -1)
        bad(t, strfmt("return flag '%s' has component_idx %d, not -1", std::string(flag).c_str(),
                      idx));
    }
  }
  // No flag tags on a kfunc (emit has not run) and no DWARF rules (scan_kfuncs checks those
  // from DWARF): the flags of the BTF parameter names' suffixes.
  bool any = std::any_of(flags.begin(), flags.end(), [](uint32_t f) { return f != 0; });
  if (!any && func == ki.id && !(ki.k && ki.k->has_dwarf)) {
    rule = "kfunc-arg-flag";
    for (uint32_t i = 0; i < fp.vlen(); i++)
      flags[i] = split_suffixes(btf_.str(fp.params()[i].name_off)).flags;
  }
  // The type rules of man kfuncbtf(1), PER-ARGUMENT FLAGS, on BTF types (through typedefs and
  // modifiers).
  for (uint32_t i = 0; i < fp.vlen(); i++) {
    uint32_t f = flags[i];
    if (!f) continue;
    uint32_t type = fp.params()[i].type;
    std::string pname(btf_.str(fp.params()[i].name_off));
    auto v = [&](std::string why) {
      add(Severity::Error, rule, func, fname, ki.k,
          strfmt("arg %u '%s': %s", i, pname.c_str(), why.c_str()));
    };
    bool ptr = is_ptr(type), scalar = is_scalar(type);
    // A parameter after an implicit one is normal (upstream's rule: the BPF-visible prototype
    // ends at the first implicit one).
    if ((f & ARG_IMPLICIT) && !ptr)
      v(strfmt("implicit argument must be a pointer, not '%s'", type_str(type).c_str()));
    for (uint32_t sf : {ARG_SIZE, ARG_CONST_SIZE}) {
      if (!(f & sf)) continue;
      const char *what = sf == ARG_SIZE ? "size" : "constant size";
      if (!scalar) v(strfmt("%s argument must be a scalar, not '%s'", what, type_str(type).c_str()));
      if (i == 0 || !is_ptr(fp.params()[i - 1].type))
        v(strfmt("%s argument must follow a pointer argument", what));
    }
    if ((f & ARG_CONST) && !scalar)
      v(strfmt("constant argument must be a scalar, not '%s'", type_str(type).c_str()));
    // `__ign` with another suffix contradicts itself; a flag that a kfunc-wide KF_* flag put on
    // an ignored parameter does not (7.3's bpf_arena_free_pages: ptr__ign with KF_ARENA_ARG2).
    constexpr uint32_t kKfuncWide = ARG_RELEASE | ARG_RCU | ARG_ARENA;
    uint32_t suffixes = split_suffixes(pname).flags;
    uint32_t with_ignore = (f & ARG_IGNORE) ? ((f & ~kKfuncWide) | suffixes) & ~ARG_IGNORE : 0;
    if (with_ignore)
      v(strfmt("ignored argument cannot also be %s", join(arg_flag_names(with_ignore), ", ").c_str()));
    uint32_t own = (f & ARG_IGNORE) ? ARG_IGNORE | with_ignore : f;
    uint32_t need_ptr = own & ~(ARG_IMPLICIT | ARG_SIZE | ARG_CONST_SIZE | ARG_CONST | ARG_IGNORE);
    if (need_ptr && !ptr)
      v(strfmt("%s needs a pointer argument, not '%s'", join(arg_flag_names(need_ptr), ", ").c_str(),
               type_str(type).c_str()));
  }
}

// ---------------------------------------------------------------- scopes and nesting

uint32_t Rules::find_struct(std::string_view ops) const {
  std::vector<uint32_t> ids = btf_.find(ops, Kind::STRUCT);
  for (uint32_t id : ids)
    if (btf_.type(id).vlen()) return id;  // skip empty declarations
  return ids.empty() ? 0 : ids.front();
}

bool Rules::check_member(uint32_t st, const std::string &member, uint32_t &bit,
                         std::string &why) const {
  Type s = btf_.type(st);
  for (const btf::Member &m : s.members()) {
    if (btf_.str(m.name_off) != member) continue;
    uint32_t off = m.bit_offset(s.kflag());
    unsigned ps = ptr_size();
    if (!is_func_ptr(m.type)) {
      why = strfmt("member '%s' of struct %s is '%s', not a function pointer", member.c_str(),
                   std::string(s.name()).c_str(), type_str(m.type).c_str());
      return false;
    }
    if (off % (ps * 8)) {
      why = strfmt("member '%s' of struct %s is at bit offset %u, not pointer aligned",
                   member.c_str(), std::string(s.name()).c_str(), off);
      return false;
    }
    bit = off / (ps * 8);
    return true;
  }
  why = strfmt("struct %s has no member '%s'", std::string(s.name()).c_str(), member.c_str());
  return false;
}

void Rules::scopes(const KInfo &ki) {
  // (kind, ops) -> set bits from masks; and source forms.
  struct Mask {
    uint32_t tag = 0;
    std::set<uint32_t> bits;
  };
  std::map<std::pair<ScopeTag, std::string>, Mask> masks;
  struct Source {
    uint32_t tag;
    ScopeTag kind;
    std::string ops, member;
    uint32_t bit;
  };
  std::vector<Source> sources;
  unsigned ps = ptr_size();

  auto edge = [&](ScopeTag kind, const std::string &ops, const std::string &member, uint32_t bit) {
    std::string cb = ops + "." + member;
    callbacks_.emplace(cb, std::make_pair(ops, bit));
    if (kind == ScopeTag::Scope)
      edges_[cb].insert(ki.name);
    else
      edges_[ki.name].insert(cb);
  };

  for (uint32_t t : btf_.decl_tags_of(ki.id)) {
    Type tag = btf_.type(t);
    std::string_view n = tag.name();
    ScopeTag kind = n.starts_with(kScopeTagPrefix) ? ScopeTag::Scope
                    : n.starts_with(kCallsTagPrefix) ? ScopeTag::Calls
                                                      : ScopeTag::None;
    if (kind == ScopeTag::None) continue;
    std::string_view body = n.substr(kScopeTagPrefix.size());  // both prefixes are 16 chars
    const char *what = kind == ScopeTag::Scope ? "scope" : "calls";
    size_t colon = body.find(':');
    if (colon == std::string_view::npos) {
      // Source form <ops>.<member>.
      OpsMember m;
      std::string why;
      if (!parse_ops_member(body, m, why)) {
        add(Severity::Error, "kfunc-scope-member", t, ki.name, ki.k,
            strfmt("%s tag '%s': %s", what, std::string(n).c_str(), why.c_str()));
        continue;
      }
      uint32_t st = find_struct(m.ops);
      uint32_t bit = 0;
      if (!st) {
        add(Severity::Error, "kfunc-scope-member", t, ki.name, ki.k,
            strfmt("%s %s.%s: no struct %s in BTF", what, m.ops.c_str(), m.member.c_str(),
                   m.ops.c_str()));
        continue;
      }
      if (!check_member(st, m.member, bit, why)) {
        add(Severity::Error, "kfunc-scope-member", t, ki.name, ki.k,
            strfmt("%s %s.%s: %s", what, m.ops.c_str(), m.member.c_str(), why.c_str()));
        continue;
      }
      sources.push_back({t, kind, m.ops, m.member, bit});
      edge(kind, m.ops, m.member, bit);
      continue;
    }
    // Mask form <ops>:0x<hex>, lowercase, no leading zeros.
    std::string ops(body.substr(0, colon));
    std::string_view hex = body.substr(colon + 1);
    bool ok = hex.size() > 2 && hex.starts_with("0x") && hex[2] != '0' && !ops.empty();
    for (char c : hex.substr(std::min<size_t>(2, hex.size())))
      ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    if (!ok || tag.component_idx() != -1) {
      add(Severity::Error, "kfunc-scope-mask", t, ki.name, ki.k,
          strfmt("malformed %s tag '%s': want %s<ops>:0x<mask> (lowercase hex, no leading zeros) "
                 "with component_idx -1", what, std::string(n).c_str(),
                 std::string(kind == ScopeTag::Scope ? kScopeTagPrefix : kCallsTagPrefix).c_str()));
      continue;
    }
    uint32_t st = find_struct(ops);
    if (!st) {
      add(Severity::Error, "kfunc-scope-mask", t, ki.name, ki.k,
          strfmt("%s mask '%s': no struct %s in BTF", what, std::string(n).c_str(), ops.c_str()));
      continue;
    }
    Mask &mk = masks[{kind, ops}];
    mk.tag = t;
    Type s = btf_.type(st);
    std::string_view digits = hex.substr(2);
    for (size_t d = 0; d < digits.size(); d++) {
      unsigned v = digits[digits.size() - 1 - d];
      v = v <= '9' ? v - '0' : v - 'a' + 10;
      for (unsigned b = 0; b < 4; b++) {
        if (!(v & (1u << b))) continue;
        uint32_t bit = static_cast<uint32_t>(d * 4 + b);
        mk.bits.insert(bit);
        const btf::Member *hit = nullptr;
        for (const btf::Member &m : s.members())
          if (m.bit_offset(s.kflag()) == bit * ps * 8 && !btf_.str(m.name_off).empty()) hit = &m;
        if (!hit) {
          add(Severity::Error, "kfunc-scope-mask", t, ki.name, ki.k,
              strfmt("%s mask '%s': bit %u (byte offset %u) names no member of struct %s", what,
                     std::string(n).c_str(), bit, bit * ps, ops.c_str()));
          continue;
        }
        std::string member(btf_.str(hit->name_off));
        if (!is_func_ptr(hit->type)) {
          add(Severity::Error, "kfunc-scope-mask", t, ki.name, ki.k,
              strfmt("%s mask '%s': bit %u names member '%s' of struct %s, which is '%s', not a "
                     "function pointer", what, std::string(n).c_str(), bit, member.c_str(),
                     ops.c_str(), type_str(hit->type).c_str()));
          continue;
        }
        edge(kind, ops, member, bit);
      }
    }
  }
  // Source forms agree with the masks (once emit has run: the BTF holds mask tags).
  if (!emitted_scopes_) return;
  for (const Source &s : sources) {
    const char *what = s.kind == ScopeTag::Scope ? "scope" : "calls";
    std::string_view prefix = s.kind == ScopeTag::Scope ? kScopeTagPrefix : kCallsTagPrefix;
    auto it = masks.find({s.kind, s.ops});
    if (it == masks.end())
      add(Severity::Error, "kfunc-scope-source", s.tag, ki.name, ki.k,
          strfmt("%s %s.%s (bit %u) has no %s%s:0x<mask> tag", what, s.ops.c_str(),
                 s.member.c_str(), s.bit, std::string(prefix).c_str(), s.ops.c_str()));
    else if (!it->second.bits.contains(s.bit))
      add(Severity::Error, "kfunc-scope-source", s.tag, ki.name, ki.k,
          strfmt("%s %s.%s (bit %u) is not in the mask tag '%s'", what, s.ops.c_str(),
                 s.member.c_str(), s.bit, std::string(btf_.name(it->second.tag)).c_str()));
  }
}

void Rules::cycles() {
  // Tarjan's SCC over the string graph (iterative enough for kernel sizes: recursion depth is
  // bounded by the node count, a few thousand at most).
  std::vector<std::string> nodes;
  std::map<std::string, int> index_of;
  auto node = [&](const std::string &n) {
    auto [it, fresh] = index_of.emplace(n, static_cast<int>(nodes.size()));
    if (fresh) nodes.push_back(n);
    return it->second;
  };
  for (auto &[from, tos] : edges_) {
    node(from);
    for (const std::string &to : tos) node(to);
  }
  size_t cnt = nodes.size();
  std::vector<std::vector<int>> adj(cnt);
  for (auto &[from, tos] : edges_)
    for (const std::string &to : tos) adj[index_of[from]].push_back(index_of[to]);
  for (auto &a : adj)
    std::sort(a.begin(), a.end(), [&](int x, int y) { return nodes[x] < nodes[y]; });

  std::vector<int> idx(cnt, -1), low(cnt, 0), comp(cnt, -1);
  std::vector<bool> on(cnt, false);
  std::vector<int> stack;
  int counter = 0, ncomp = 0;
  std::function<void(int)> strong = [&](int v) {
    idx[v] = low[v] = counter++;
    stack.push_back(v);
    on[v] = true;
    for (int w : adj[v]) {
      if (idx[w] < 0) {
        strong(w);
        low[v] = std::min(low[v], low[w]);
      } else if (on[w]) {
        low[v] = std::min(low[v], idx[w]);
      }
    }
    if (low[v] == idx[v]) {
      for (;;) {
        int w = stack.back();
        stack.pop_back();
        on[w] = false;
        comp[w] = ncomp;
        if (w == v) break;
      }
      ncomp++;
    }
  };
  std::vector<int> order(cnt);
  for (size_t i = 0; i < cnt; i++) order[i] = static_cast<int>(i);
  std::sort(order.begin(), order.end(), [&](int x, int y) { return nodes[x] < nodes[y]; });
  for (int v : order)
    if (idx[v] < 0) strong(v);

  // Per component: its first callback (by ops name, then member order), then the shortest
  // cycle back to it.
  std::map<int, int> start;  // comp -> first callback node
  for (int v : order) {
    auto cb = callbacks_.find(nodes[v]);
    if (cb == callbacks_.end()) continue;
    auto it = start.find(comp[v]);
    if (it == start.end() || cb->second < callbacks_.at(nodes[it->second])) start[comp[v]] = v;
  }
  std::vector<std::pair<std::string, std::vector<int>>> found;
  for (auto &[c, s] : start) {
    std::vector<int> prev(cnt, -1);
    std::queue<int> q;
    q.push(s);
    int last = -1;
    std::vector<bool> seen(cnt, false);
    seen[s] = true;
    while (!q.empty() && last < 0) {
      int v = q.front();
      q.pop();
      for (int w : adj[v]) {
        if (comp[w] != c) continue;
        if (w == s) {
          last = v;
          break;
        }
        if (!seen[w]) {
          seen[w] = true;
          prev[w] = v;
          q.push(w);
        }
      }
    }
    if (last < 0) continue;
    std::vector<int> path;
    for (int v = last; v != -1; v = prev[v]) path.push_back(v);
    std::reverse(path.begin(), path.end());
    path.push_back(s);
    found.emplace_back(nodes[s], path);
  }
  for (auto &[first, path] : found) {
    std::string text = "cycle:";
    for (size_t i = 0; i < path.size(); i++) text += (i ? " -> " : " ") + nodes[path[i]];
    const KInfo &ki = *kfunc_by_name_.at(nodes[path[1]]);
    err("kfunc-scope-cycle", ki, text);
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

}  // namespace

size_t check_kfunc_rules(const btf::Btf &btf, const KfuncList *kfuncs, const KfuncRuleOptions &opt,
                         DiagSink &diags) {
  return Rules(btf, kfuncs, opt, diags).run();
}

namespace {

void add_scan_warning(DiagSink &diags, const std::string &path, const char *why) {
  Diag d;
  d.severity = Severity::Warning;
  d.rule = "kfunc-no-scan";
  d.file = path;
  d.message = strfmt("kfuncs from .BTF_ids and BTF only (no source lines, no DWARF rules): %s", why);
  diags.add(std::move(d));
}

}  // namespace

KfuncFileResult check_kfunc_file(const Btf &b, const ElfFile *elf, const KfuncFileOptions &o,
                                 DiagSink &diags) {
  KfuncFileResult res;
  res.from_elf = elf != nullptr;
  KfuncRuleOptions ro = o.rules;
  if (ro.input.empty() && elf) ro.input = elf->path();
  size_t before = diags.errors();
  std::optional<KfuncList> ks;
  BtfIds sets;
  if (elf) {
    // Kernels before 6.9 never set BTF_SET8_KFUNCS: set_kfuncs reads their every set8 (kernel.h).
    int kernel = kernel_version_of(*elf);
    if (kernel && kernel < 609) ro.legacy_kfunc_sets = true;
    ScanOptions so;
    so.jobs = o.jobs;
    so.all = true;  // tag-only kfuncs anywhere (a twin's bpf_kfunc tag is judged by this)
    so.legacy_kfunc_sets = ro.legacy_kfunc_sets;
    // No usable DWARF: the sets alone still give every kfunc's flags (iterator rules).
    if (!elf->section(".debug_info")) {
      add_scan_warning(diags, elf->path(), "no DWARF (.debug_info)");
      ks = kfuncs_from_btf(*elf, b, ro.legacy_kfunc_sets, diags);
    } else {
      try {
        ks = scan_kfuncs(*elf, &b, so, diags);
      } catch (const Error &e) {
        add_scan_warning(diags, elf->path(), e.what());
        ks = kfuncs_from_btf(*elf, b, ro.legacy_kfunc_sets, diags);
      }
    }
    sets = decode_all_set8(*elf, &b);
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

BtfIds decode_all_set8(const ElfFile &elf, const btf::Btf *btf) {
  BtfIdsInput in = BtfIdsInput::from_elf(elf, /*legacy=*/true);
  BtfIdResolver resolve = func_resolver(btf);
  return decode_btf_ids(in, resolve);
}

}  // namespace kfb::check
