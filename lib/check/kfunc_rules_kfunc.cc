// The kfunc rules on each kfunc: registration (btf_check_kfunc_protos, the iterator rules,
// set8 flags), the _impl twin and its tags, and the per-argument flag tags.
#include <algorithm>
#include <optional>
#include <set>
#include <unordered_map>

#include "btf/btf.h"
#include "check/kfunc_rules_impl.h"
#include "kfunc/args.h"
#include "kfunc/btf_ids.h"
#include "kfunc/flags.h"
#include "support/error.h"

namespace kfb::check::detail {

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
  if (it != kfunc::KF_ITER_NEW && it != kfunc::KF_ITER_NEXT && it != kfunc::KF_ITER_DESTROY) {
    err(rule, ki, strfmt("iterator kfunc has %s: exactly one of KF_ITER_NEW, KF_ITER_NEXT, "
                         "KF_ITER_DESTROY is allowed", kfunc::kf_flags_string(it).c_str()));
    return;
  }
  if (proto.vlen() < 1) {
    err(rule, ki, "iterator kfunc has no arguments: arg 0 must be struct bpf_iter_<type> *");
    return;
  }
  uint32_t arg0 = proto.params()[0].type;
  uint32_t st = btf::pointee(btf_, arg0, btf::Typedefs::Skip);
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
  const char *what = it == kfunc::KF_ITER_NEW ? "new" : it == kfunc::KF_ITER_NEXT ? "next" : "destroy";
  std::string want = strfmt("bpf_iter_%s_%s", type.c_str(), what);
  if (ki.name != want) {
    err(rule, ki, strfmt("iterator %s kfunc on struct %s must be named %s", what,
                         std::string(s.name()).c_str(), want.c_str()));
    return;
  }
  if (it != kfunc::KF_ITER_NEW && proto.vlen() != 1) {
    err(rule, ki, strfmt("iterator %s kfunc must take exactly 1 argument, not %u", what,
                         proto.vlen()));
    return;
  }
  uint32_t ret = btf::skip_mods(btf_, proto.type(), btf::Typedefs::Skip);
  if (it == kfunc::KF_ITER_NEXT && !(ret && btf_.type(ret).is_ptr())) {
    err(rule, ki, strfmt("iterator next kfunc must return a pointer, not '%s'",
                         type_str(proto.type()).c_str()));
    return;
  }
  if (it == kfunc::KF_ITER_DESTROY && ret != 0)
    err(rule, ki, strfmt("iterator destroy kfunc must return void, not '%s'",
                         type_str(proto.type()).c_str()));
}

void Rules::set8_flags() {
  if (!opt_.sets || opt_.legacy_kfunc_sets) return;
  // Not one set8 says BTF_SET8_KFUNCS, yet some list functions: a kernel before 6.9.
  size_t flagged = 0, plain = 0;
  for (const kfunc::BtfIdsSet &s : opt_.sets->sets) (s.flags & kfunc::BTF_SET8_KFUNCS ? flagged : plain)++;
  if (!flagged && plain && !opt_.sets->entries.empty())
    add(Severity::Note, "kfunc-reg-set8", 0, "", nullptr,
        strfmt("no set8 has BTF_SET8_KFUNCS and %zu have none (a kernel before 6.9?): "
               "--legacy-kfunc-sets counts them as kfunc sets", plain));
  std::set<std::string> reported;
  // Each set by name (the first of that name, as a search in offset order finds it): one
  // lookup per entry, not a walk over every set (64k sets of one kfunc took 9 s).
  std::unordered_map<std::string_view, const kfunc::BtfIdsSet *> set_by_name;
  for (const kfunc::BtfIdsSet &s : opt_.sets->sets) set_by_name.try_emplace(s.name, &s);
  for (const kfunc::BtfIdsEntry &e : opt_.sets->entries) {
    auto found = set_by_name.find(e.set);
    if (found == set_by_name.end() || (found->second->flags & kfunc::BTF_SET8_KFUNCS)) continue;
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

  bool by_type = ki.flags_known ? (ki.flags & kfunc::KF_IMPLICIT_ARGS) : impl != 0;
  // F's explicit count in BTF: params before the first implicit one (suffix, or type).
  uint32_t n = fp.vlen();
  for (uint32_t i = 0; i < fp.vlen(); i++) {
    const btf::Param &p = fp.params()[i];
    bool implicit = kfunc::split_suffixes(btf_.str(p.name_off)).flags & kfunc::ARG_IMPLICIT;
    if (!implicit && by_type) {
      uint32_t st = btf::pointee(btf_, p.type);
      implicit = st && btf_.type(st).kind() == Kind::STRUCT && kfunc::is_implicit_struct(btf_.name(st));
    }
    if (implicit) {
      n = i;
      break;
    }
  }
  bool untrimmed = n < fp.vlen();
  bool dwarf_implicit = ki.k && ki.k->has_dwarf && ki.k->has_implicit();
  bool needs = (ki.flags_known && (ki.flags & kfunc::KF_IMPLICIT_ARGS)) || untrimmed || dwarf_implicit ||
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
      if (!btf::same_type(btf_, ip.params()[i].type, fp.params()[i].type, btf::Same::KindName))
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
    const kfunc::Kfunc *ik = ks_->find(impl_name);
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
      uint32_t f = kfunc::arg_flag_by_name(flag);
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
      flags[i] = kfunc::split_suffixes(btf_.str(fp.params()[i].name_off)).flags;
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
    if ((f & kfunc::ARG_IMPLICIT) && !ptr)
      v(strfmt("implicit argument must be a pointer, not '%s'", type_str(type).c_str()));
    for (uint32_t sf : {kfunc::ARG_SIZE, kfunc::ARG_CONST_SIZE}) {
      if (!(f & sf)) continue;
      const char *what = sf == kfunc::ARG_SIZE ? "size" : "constant size";
      if (!scalar) v(strfmt("%s argument must be a scalar, not '%s'", what, type_str(type).c_str()));
      if (i == 0 || !is_ptr(fp.params()[i - 1].type))
        v(strfmt("%s argument must follow a pointer argument", what));
    }
    if ((f & kfunc::ARG_CONST) && !scalar)
      v(strfmt("constant argument must be a scalar, not '%s'", type_str(type).c_str()));
    // `__ign` with another suffix contradicts itself; a flag that a kfunc-wide KF_* flag put on
    // an ignored parameter does not (7.3's bpf_arena_free_pages: ptr__ign with KF_ARENA_ARG2).
    constexpr uint32_t kKfuncWide = kfunc::ARG_RELEASE | kfunc::ARG_RCU | kfunc::ARG_ARENA;
    uint32_t suffixes = kfunc::split_suffixes(pname).flags;
    uint32_t with_ignore = (f & kfunc::ARG_IGNORE) ? ((f & ~kKfuncWide) | suffixes) & ~kfunc::ARG_IGNORE : 0;
    if (with_ignore)
      v(strfmt("ignored argument cannot also be %s", kfunc::join(kfunc::arg_flag_names(with_ignore), ", ").c_str()));
    uint32_t own = (f & kfunc::ARG_IGNORE) ? kfunc::ARG_IGNORE | with_ignore : f;
    uint32_t need_ptr = own & ~(kfunc::ARG_IMPLICIT | kfunc::ARG_SIZE | kfunc::ARG_CONST_SIZE | kfunc::ARG_CONST | kfunc::ARG_IGNORE);
    if (need_ptr && !ptr)
      v(strfmt("%s needs a pointer argument, not '%s'", kfunc::join(kfunc::arg_flag_names(need_ptr), ", ").c_str(),
               type_str(type).c_str()));
  }
}

}  // namespace kfb::check::detail
