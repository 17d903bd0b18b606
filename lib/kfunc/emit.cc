// emit_kfunc_btf: the BTF rewrite of man kfuncbtf(1), WHAT EMIT WRITES.
//
// Design notes
// ------------
// Order. Kfuncs are processed in ascending id of their FUNC (not by name, not by set), and
// everything a kfunc needs is appended before the next one starts, in the fixed order of the
// header. So the output depends only on the input BTF and the kfunc list, never on -j.
//
// Existing types never change, with one exception: a kfunc with implicit arguments is
// repointed (FUNC.type) at its trimmed FUNC_PROTO. Every addition is "unless present":
//   * a tag is present when F (or F_impl) already has a DECL_TAG of that exact value and
//     component_idx (kflag is not compared: the kernel treats both forms alike);
//   * a twin is done when F's proto has exactly the explicit parameters and an own FUNC F_impl
//     exists whose proto has all of them (explicit prefix of the same types, then pointers).
//     That is the state emit leaves behind, so a second run adds nothing: no second twin, no
//     second trimmed proto (resolve_btfids would add one; emit must be idempotent);
//   * a scope mask tag for an ops struct is present when F has "bpf_kfunc_scope:<ops>:0x<m>";
//     one with a different mask is an error, never a second tag.
//
// Implicit parameters come from the kfunc model (DWARF names and types, KF_IMPLICIT_ARGS);
// trimming uses the BTF FUNC_PROTO, so the two must agree on the parameter count: if DWARF says
// n parameters (e explicit), F's proto must have n (not yet processed) or e (processed).
// A kfunc with no DWARF definition is described by its BTF proto instead: parameter names
// (pahole keeps them) give the suffix flags and the types give the KF_IMPLICIT_ARGS rule,
// which is all resolve_btfids looks at.
//
// Scope masks: bit k is the member at byte offset k * ptr_size of the ops struct. The member
// must be a direct member of the first STRUCT of that name with members, at a pointer-aligned
// offset, whose type through CONST/VOLATILE/RESTRICT/TYPE_TAG and TYPEDEF is a PTR whose
// target (through the same) is a FUNC_PROTO; so `bpf_wq_callback_t cb;` counts like
// `int (*cb)(...)`. Masks are arbitrarily wide (an ops struct may have more than 64 slots).
//
// Sort: own types are stably sorted by name with strcmp's byte order, "" first, so ties keep
// their id order; Btf::permute remaps every reference. Sorting sorted BTF is the identity,
// which keeps `sort` idempotent too.
#include "kfunc/emit.h"
#include "kfunc/kernel.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "btf/btf.h"
#include "btf/cname.h"
#include "btf/query.h"
#include "kfunc/args.h"
#include "kfunc/flags.h"
#include "kfunc/scopes.h"
#include "support/diag.h"
#include "support/error.h"
#include "support/vocab.h"

namespace kfb::kfunc {

using btf::Btf;
using btf::Kind;
using btf::Type;

std::string mask_hex(const std::vector<uint64_t> &words) {
  size_t top = words.size();
  while (top > 0 && words[top - 1] == 0) top--;
  if (top == 0) return "0x0";
  std::string out = strfmt("0x%llx", static_cast<unsigned long long>(words[top - 1]));
  for (size_t i = top - 1; i-- > 0;) out += strfmt("%016llx", static_cast<unsigned long long>(words[i]));
  return out;
}

namespace {

using vocab::kArgTagPrefix;
using vocab::kFastcallTag;
using vocab::kHooksTagPrefix;
using vocab::kKfuncTag;
using vocab::kRetTagPrefix;

// What a BTF type is for the per-argument rules (the DWARF reader's CType, from BTF).
dwarf::CType ctype_from_btf(const Btf &b, uint32_t id) {
  dwarf::CType c;
  c.text = btf::c_type(b, id);
  uint32_t r = btf::skip_mods(b, id, btf::Typedefs::Skip);
  if (r == 0) {
    c.type_class = dwarf::TypeClass::Void;
  } else {
    switch (b.type(r).kind()) {
      case Kind::PTR: c.type_class = dwarf::TypeClass::Pointer; break;
      case Kind::INT:
      case Kind::ENUM:
      case Kind::ENUM64: c.type_class = dwarf::TypeClass::Scalar; break;
      case Kind::FLOAT: c.type_class = dwarf::TypeClass::Float; break;
      default: c.type_class = dwarf::TypeClass::Other; break;
    }
  }
  uint32_t s = btf::pointee(b, id);
  if (s && b.type(s).kind() == Kind::STRUCT) c.ptr_to_struct = std::string(b.type(s).name());
  return c;
}

class Emitter {
 public:
  Emitter(Btf &b, const KfuncList &ks, const EmitOptions &o, DiagSink &d)
      : b_(b), ks_(ks), o_(o), diags_(d) {}

  EmitResult run();

 private:
  struct Work {
    const Kfunc *k;
    uint32_t id;
  };

  void process(const Kfunc &k, uint32_t f, EmitRecord &rec);
  bool twin(const Kfunc &k, const Kfunc &model, uint32_t f, EmitRecord &rec, uint32_t &impl);
  bool check_impl(const Kfunc &k, uint32_t f_proto, size_t e, uint32_t impl,
                  std::string &why);
  uint32_t trimmed_proto(uint32_t proto, size_t e);
  uint32_t new_proto(uint32_t ret, const std::vector<btf::NewParam> &ps, bool trimmed);
  void scopes(const Kfunc &k, uint32_t f, bool calls, EmitRecord &rec);
  void hooks(const Kfunc &k, uint32_t f, EmitRecord &rec);
  void arena(const Kfunc &k, uint32_t f, EmitRecord &rec);
  bool ensure_tag(uint32_t target, const std::string &value, int32_t cidx, EmitRecord &rec,
                  size_t &counter);
  bool has_tag(uint32_t target, std::string_view value, int32_t cidx) const;
  void error(const char *rule, const Kfunc &k, uint32_t id, std::string msg,
             const std::string &file, uint32_t line, Severity sev = Severity::Error);
  void error(const char *rule, const Kfunc &k, uint32_t id, std::string msg) {
    error(rule, k, id, std::move(msg), k.file, k.line);
  }
  void sort_types(EmitResult &r);

  Btf &b_;
  const KfuncList &ks_;
  const EmitOptions &o_;
  DiagSink &diags_;
  EmitStats st_;
  std::map<std::string, uint32_t> resolved_;  // kfunc name -> its own FUNC id
  bool dedup_built_ = false;
  std::unordered_map<std::string, uint32_t> protos_;  // dedup key -> FUNC_PROTO id
  bool arena_built_ = false;
  std::unordered_map<uint32_t, uint32_t> arena_ptrs_;  // target -> PTR to address_space(1) target
};

void Emitter::error(const char *rule, const Kfunc &k, uint32_t id, std::string msg,
                    const std::string &file, uint32_t line, Severity sev) {
  Diag d;
  d.severity = sev;
  d.rule = rule;
  d.type_id = id;
  d.kind = "FUNC";
  d.name = k.name;
  d.message = std::move(msg);
  d.file = file;
  d.line = line;
  diags_.add(std::move(d));
}

bool Emitter::has_tag(uint32_t target, std::string_view value, int32_t cidx) const {
  for (uint32_t t : b_.decl_tags_of(target)) {
    Type tt = b_.type(t);
    if (tt.component_idx() == cidx && tt.name() == value) return true;
  }
  return false;
}

bool Emitter::ensure_tag(uint32_t target, const std::string &value, int32_t cidx, EmitRecord &rec,
                         size_t &counter) {
  if (has_tag(target, value, cidx)) return false;
  b_.add_decl_tag(value, target, cidx);
  counter++;
  rec.tags_added++;
  return true;
}

static std::string proto_key(const Btf &b, uint32_t ret, const std::vector<btf::NewParam> &ps) {
  std::string key;
  key.append(reinterpret_cast<const char *>(&ret), 4);
  for (const btf::NewParam &p : ps) {
    key.append(reinterpret_cast<const char *>(&p.type), 4);
    key.append(p.name);
    key.push_back('\0');
  }
  (void)b;
  return key;
}

uint32_t Emitter::trimmed_proto(uint32_t proto, size_t e) {
  Type pt = b_.type(proto);
  uint32_t ret = pt.type();
  std::vector<std::string> names;
  std::vector<btf::NewParam> ps;
  for (size_t i = 0; i < e; i++) names.emplace_back(b_.str(pt.params()[i].name_off));
  for (size_t i = 0; i < e; i++) ps.push_back({names[i], b_.type(proto).params()[i].type});
  return new_proto(ret, ps, true);
}

// A FUNC_PROTO (ret, ps): with `dedup` an identical existing one, else a new one; `trimmed`
// counts it in the trimmed-proto stats.
uint32_t Emitter::new_proto(uint32_t ret, const std::vector<btf::NewParam> &ps, bool trimmed) {
  if (o_.features.dedup) {
    if (!dedup_built_) {
      dedup_built_ = true;
      for (uint32_t id = 1; id < b_.type_cnt(); id++) {
        Type t = b_.type(id);
        if (t.kind() != Kind::FUNC_PROTO) continue;
        std::vector<std::string> nn;
        std::vector<btf::NewParam> pp;
        for (const btf::Param &p : t.params()) nn.emplace_back(b_.str(p.name_off));
        for (size_t i = 0; i < nn.size(); i++) pp.push_back({nn[i], t.params()[i].type});
        protos_.try_emplace(proto_key(b_, t.type(), pp), id);
      }
    }
    std::string key = proto_key(b_, ret, ps);
    if (auto it = protos_.find(key); it != protos_.end()) {
      if (trimmed) st_.protos_reused++;
      return it->second;
    }
    uint32_t id = b_.add_func_proto(ret, ps);
    protos_.emplace(std::move(key), id);
    if (trimmed) st_.protos_added++;
    return id;
  }
  if (trimmed) st_.protos_added++;
  return b_.add_func_proto(ret, ps);
}

// F_impl's proto must start with F's explicit parameters (same types, type attributes aside).
bool Emitter::check_impl(const Kfunc &k, uint32_t f_proto, size_t e, uint32_t impl,
                         std::string &why) {
  Type it = b_.type(impl);
  uint32_t ip = it.type();
  if (!b_.valid_id(ip) || b_.type(ip).kind() != Kind::FUNC_PROTO) {
    why = strfmt("existing FUNC '%s' [%u] does not point to a FUNC_PROTO", std::string(it.name()).c_str(), impl);
    return false;
  }
  Type ipt = b_.type(ip), fpt = b_.type(f_proto);
  std::string iname(it.name());
  if (ipt.vlen() < e) {
    why = strfmt("existing FUNC '%s' [%u] has %u parameters, fewer than the %zu explicit ones of %s",
                 iname.c_str(), impl, ipt.vlen(), e, k.name.c_str());
    return false;
  }
  if (fpt.vlen() < e) {
    why = strfmt("FUNC_PROTO [%u] has %u parameters, fewer than the %zu explicit ones", f_proto,
                 fpt.vlen(), e);
    return false;
  }
  for (size_t i = 0; i < e; i++) {
    uint32_t want = fpt.params()[i].type, got = ipt.params()[i].type;
    if (!btf::same_type(b_, want, got, btf::Same::Info)) {
      why = strfmt("existing FUNC '%s' [%u]: arg %zu '%s' is '%s', expected '%s' as in %s", iname.c_str(),
                   impl, i, std::string(b_.str(ipt.params()[i].name_off)).c_str(),
                   btf::c_type(b_, got).c_str(), btf::c_type(b_, want).c_str(), k.name.c_str());
      return false;
    }
  }
  // What follows the explicit ones may be of any type, as upstream reuses a legacy F_impl as it
  // is (7.3: bpf_list_push_back_impl(head, node, void *meta__ign, u64 off)).
  return true;
}

// Returns false when the kfunc cannot go on (an error was reported). `impl` gets F_impl's id
// when the kfunc has implicit arguments (new, reused or found already done).
bool Emitter::twin(const Kfunc &k, const Kfunc &m, uint32_t f, EmitRecord &rec, uint32_t &impl) {
  impl = 0;
  size_t n = m.params.size(), e = m.explicit_count();
  uint32_t proto = b_.type(f).type();
  size_t vlen = b_.type(proto).vlen();
  if (e == n) {
    if (vlen != n && m.has_dwarf)
      error("emit-proto", k, f,
            strfmt("DWARF has %zu parameters but BTF FUNC_PROTO [%u] has %zu", n, proto, vlen));
    return true;
  }
  if (!o_.features.twins) return true;

  std::string impl_name = k.name + std::string(kImplSuffix);
  if (impl_name.size() >= kKsymNameLen) {
    error("emit-name", k, f,
          strfmt("twin name '%s' is %zu bytes, longer than KSYM_NAME_LEN - 1 (%zu)",
                 impl_name.c_str(), impl_name.size(), kKsymNameLen - 1));
    return false;
  }
  uint32_t existing = btf::find_own(b_, impl_name, Kind::FUNC);
  std::string why;
  if (vlen == e && existing) {
    // Already processed (by an earlier emit): F trimmed, F_impl complete.
    if (!check_impl(k, proto, e, existing, why)) {
      error("emit-twin", k, f, why);
      return false;
    }
    impl = existing;
    rec.impl_id = impl;
    return true;
  }
  if (vlen != n) {
    error("emit-proto", k, f,
          strfmt("DWARF has %zu parameters (%zu explicit) but BTF FUNC_PROTO [%u] has %zu%s", n, e,
                 proto, vlen, existing ? "" : strfmt(" and there is no FUNC '%s'", impl_name.c_str()).c_str()));
    return false;
  }
  if (existing) {
    if (!check_impl(k, proto, e, existing, why)) {
      error("emit-twin", k, f, why);
      return false;
    }
    impl = existing;
    rec.twin_reused = true;
    st_.twins_reused++;
  } else {
    // New FUNC F_impl with F's linkage on the ORIGINAL proto, then F's tags but bpf_kfunc.
    struct TagCopy {
      std::string value;
      int32_t cidx;
      bool kflag;
    };
    std::vector<TagCopy> copies;
    for (uint32_t t : b_.decl_tags_of(f)) {
      Type tt = b_.type(t);
      if (tt.name() == kKfuncTag) continue;
      copies.push_back({std::string(tt.name()), tt.component_idx(), tt.kflag()});
    }
    uint16_t linkage = b_.type(f).func_linkage();
    impl = b_.add_func(impl_name, linkage, proto);
    for (const TagCopy &c : copies) {
      b_.add_decl_tag(c.value, impl, c.cidx, c.kflag);
      st_.copied_tags++;
      rec.tags_added++;
    }
    rec.twin_added = true;
    st_.twins_added++;
  }
  rec.impl_id = impl;
  uint32_t np = trimmed_proto(proto, e);
  b_.set_type(f, np);
  return true;
}

// resolve_btfids 7.3's arena attributes: the returned pointer (KF_ARENA_RET), argument 0 / 1
// (KF_ARENA_ARG1 / ARG2) and every argument named *__arena or *__arena__nullable get a TYPE_TAG
// "address_space(1)" with kflag (a type attribute) between the PTR and its target, in a new
// FUNC_PROTO that F is repointed at (a proto may be shared; it is never changed in place). A
// pointer that already has the attribute is left alone, so emit on its own output adds nothing.
void Emitter::arena(const Kfunc &k, uint32_t f, EmitRecord &rec) {
  constexpr std::string_view kAttr = "address_space(1)";
  uint32_t proto = b_.type(f).type();
  Type pt = b_.type(proto);
  auto tagged = [&](uint32_t ptr) {
    uint32_t t = b_.type(ptr).type();
    return t && b_.valid_id(t) && b_.type(t).kind() == Kind::TYPE_TAG && b_.type(t).kflag() &&
           b_.type(t).name() == kAttr;
  };
  // Only a PTR itself is tagged (typedefs and modifiers are not looked through, as upstream).
  auto wants = [&](uint32_t type, bool arena) {
    return arena && type && b_.valid_id(type) && b_.type(type).kind() == Kind::PTR && !tagged(type);
  };
  bool ret = wants(pt.type(), k.flags & KF_ARENA_RET);
  std::vector<bool> arg(pt.vlen());
  bool any = ret;
  for (uint32_t i = 0; i < pt.vlen(); i++) {
    std::string_view name = b_.str(pt.params()[i].name_off);
    bool arena = name.ends_with("__arena") || name.ends_with("__arena__nullable") ||
                 (i == 0 && (k.flags & KF_ARENA_ARG1)) || (i == 1 && (k.flags & KF_ARENA_ARG2));
    arg[i] = wants(pt.params()[i].type, arena);
    any = any || arg[i];
  }
  if (!any) return;
  // With `dedup`, one attributed PTR per target, as resolve_btfids' btf__dedup leaves it.
  if (o_.features.dedup && !arena_built_) {
    arena_built_ = true;
    for (uint32_t id = 1; id < b_.type_cnt(); id++)
      if (b_.type(id).kind() == Kind::PTR && tagged(id)) arena_ptrs_.try_emplace(b_.type(b_.type(id).type()).type(), id);
  }
  auto tag_ptr = [&](uint32_t ptr) {
    uint32_t target = b_.type(ptr).type();
    if (o_.features.dedup)
      if (auto it = arena_ptrs_.find(target); it != arena_ptrs_.end()) return it->second;
    uint32_t attr = b_.add_type_tag(kAttr, target, /*kflag=*/true);
    st_.arena_attrs++;
    rec.tags_added++;
    uint32_t p = b_.add_ptr(attr);
    if (o_.features.dedup) arena_ptrs_.emplace(target, p);
    return p;
  };
  uint32_t r = ret ? tag_ptr(pt.type()) : b_.type(proto).type();
  std::vector<std::string> names;
  std::vector<btf::NewParam> ps;
  for (uint32_t i = 0; i < arg.size(); i++) names.emplace_back(b_.str(b_.type(proto).params()[i].name_off));
  for (uint32_t i = 0; i < arg.size(); i++) {
    uint32_t t = b_.type(proto).params()[i].type;
    ps.push_back({names[i], arg[i] ? tag_ptr(t) : t});
  }
  b_.set_type(f, new_proto(r, ps, false));
  st_.arena_protos++;
}

void Emitter::scopes(const Kfunc &k, uint32_t f, bool calls, EmitRecord &rec) {
  const std::vector<OpsMember> &list = calls ? k.calls : k.scopes;
  if (list.empty()) return;
  std::string_view prefix = calls ? kCallsTagPrefix : kScopeTagPrefix;
  const char *what = calls ? "calls" : "scope";
  std::map<std::string, std::vector<uint64_t>> masks;  // ops name order
  std::map<std::string, bool> bad;
  unsigned psz = btf::pointer_size(b_, o_.ptr_size);
  for (const OpsMember &m : list) {
    const std::string &file = m.file.empty() ? k.file : m.file;
    uint32_t line = m.file.empty() ? k.line : m.line;
    std::string label = strfmt("%s '%s.%s'", what, m.ops.c_str(), m.member.c_str());
    auto fail = [&](const std::string &why) {
      error("emit-scope", k, f, label + ": " + why, file, line);
      bad[m.ops] = true;
    };
    uint32_t sid = btf::find_defined(b_, m.ops, Kind::STRUCT);
    if (!sid) {
      fail(!b_.find_first(m.ops, Kind::STRUCT) ? strfmt("no struct '%s' in BTF", m.ops.c_str())
                                               : strfmt("struct '%s' has no members in BTF", m.ops.c_str()));
      continue;
    }
    if (m.member.empty()) {  // restricted to none of its members: a zero mask
      masks[m.ops];
      continue;
    }
    Type st = b_.type(sid);
    const btf::Member *mem = nullptr;
    for (const btf::Member &x : st.members())
      if (b_.str(x.name_off) == m.member) {
        mem = &x;
        break;
      }
    if (!mem) {
      fail(strfmt("struct %s has no member '%s'", m.ops.c_str(), m.member.c_str()));
      continue;
    }
    uint32_t bit_off = mem->bit_offset(st.kflag());
    uint32_t mtype = mem->type;
    if (!btf::is_func_ptr(b_, mtype)) {
      fail(strfmt("member '%s' of struct %s is not a function pointer (%s)", m.member.c_str(),
                  m.ops.c_str(), btf::c_type(b_, mtype).c_str()));
      continue;
    }
    if (bit_off % (psz * 8) != 0) {
      fail(strfmt("member '%s' of struct %s is at bit offset %u, not a multiple of the pointer size",
                  m.member.c_str(), m.ops.c_str(), bit_off));
      continue;
    }
    size_t bit = bit_off / (psz * 8);
    std::vector<uint64_t> &w = masks[m.ops];
    if (w.size() <= bit / 64) w.resize(bit / 64 + 1, 0);
    w[bit / 64] |= uint64_t{1} << (bit % 64);
  }
  for (auto &[ops, words] : masks) {
    if (bad.count(ops)) continue;
    std::string value = std::string(prefix) + ops + ":" + mask_hex(words);
    std::string head = std::string(prefix) + ops + ":";
    bool present = false;
    for (uint32_t t : b_.decl_tags_of(f)) {
      Type tt = b_.type(t);
      if (tt.component_idx() != -1 || !tt.name().starts_with(head)) continue;
      if (tt.name() == value) {
        present = true;
      } else {
        error("emit-scope", k, f,
              strfmt("existing tag '%s' [%u] disagrees with the computed %s", std::string(tt.name()).c_str(),
                     t, value.c_str()));
        present = true;
      }
    }
    if (present) continue;
    b_.add_decl_tag(value, f, -1);
    (calls ? st_.calls_tags : st_.scope_tags)++;
    rec.tags_added++;
  }
}

// "bpf_kfunc_hooks:<hook>,...": where the kfunc's sets are registered. One tag per FUNC; an
// existing one with another value is an error, as for scope masks.
void Emitter::hooks(const Kfunc &k, uint32_t f, EmitRecord &rec) {
  if (!k.hooks_known) return;
  std::string value(kHooksTagPrefix);
  for (const std::string &h : k.hooks) value += (value.size() == kHooksTagPrefix.size() ? "" : ",") + h;
  if (k.hooks.empty()) value += "none";
  for (uint32_t t : b_.decl_tags_of(f)) {
    Type tt = b_.type(t);
    if (tt.component_idx() != -1 || !tt.name().starts_with(kHooksTagPrefix)) continue;
    if (tt.name() != value)
      error("emit-scope", k, f,
            strfmt("existing tag '%s' [%u] disagrees with the computed %s", std::string(tt.name()).c_str(), t,
                   value.c_str()));
    return;
  }
  b_.add_decl_tag(value, f, -1);
  st_.hook_tags++;
  rec.tags_added++;
}

void Emitter::process(const Kfunc &k, uint32_t f, EmitRecord &rec) {
  Type ft = b_.type(f);
  uint32_t proto = ft.type();
  if (!b_.valid_id(proto) || b_.type(proto).kind() != Kind::FUNC_PROTO) {
    error("emit-proto", k, f, strfmt("FUNC [%u] does not point to a FUNC_PROTO", f));
    return;
  }

  // The parameter model: DWARF's, or the BTF proto's when there is no DWARF definition.
  Kfunc synth;
  const Kfunc *m = &k;
  if (!k.has_dwarf) {
    synth.name = k.name;
    synth.flags = k.flags;
    synth.btf_id = f;
    for (const btf::Param &p : b_.type(proto).params()) {
      KfuncParam kp;
      kp.name = std::string(b_.str(p.name_off));
      kp.type = ctype_from_btf(b_, p.type);
      synth.params.push_back(std::move(kp));
    }
    synth.ret.type = ctype_from_btf(b_, b_.type(proto).type());
    DiagSink scratch;  // the scan reported rule violations already (or had no DWARF to check)
    derive_arg_flags(synth, scratch);
    m = &synth;
  }

  // 1-2. bpf_kfunc, bpf_fastcall.
  if (o_.features.tags) {
    ensure_tag(f, std::string(kKfuncTag), -1, rec, st_.kfunc_tags);
    if (k.flags & KF_FASTCALL) ensure_tag(f, std::string(kFastcallTag), -1, rec, st_.fastcall_tags);
  }

  // 3. The twin.
  uint32_t impl = 0;
  if (!twin(k, *m, f, rec, impl)) return;

  // 3b. Arena attributes on F's (trimmed) prototype, as resolve_btfids 7.3 does after the twin;
  // by default left to resolve_btfids on 7.3+ and not made before 6.18, unless asked by name.
  if (o_.features.arena && (emit_makes_arena_attrs(o_.kernel) || o_.features.arena_named)) arena(k, f, rec);

  // 4. Per-argument and return flags: F below its (trimmed) count, then F_impl for all.
  if (o_.features.arg_flags) {
    auto tag_args = [&](uint32_t target) {
      size_t cnt = std::min<size_t>(b_.type(b_.type(target).type()).vlen(), m->params.size());
      for (size_t i = 0; i < cnt; i++)
        for (const std::string &fl : arg_flag_names(m->params[i].flags))
          ensure_tag(target, std::string(kArgTagPrefix) + fl, static_cast<int32_t>(i), rec, st_.arg_tags);
      for (const std::string &fl : ret_flag_names(m->ret.flags))
        ensure_tag(target, std::string(kRetTagPrefix) + fl, -1, rec, st_.ret_tags);
    };
    tag_args(f);
    bool impl_is_kfunc = false;
    if (impl) {
      auto it = resolved_.find(std::string(b_.type(impl).name()));
      impl_is_kfunc = it != resolved_.end() && it->second == impl;
    }
    if (impl && !impl_is_kfunc) tag_args(impl);
  }

  // 5-6. Scope masks, nesting edges.
  if (o_.features.scopes) {
    scopes(k, f, false, rec);
    scopes(k, f, true, rec);
    hooks(k, f, rec);
  }
  rec.proto_id = b_.type(f).type();
}

void Emitter::sort_types(EmitResult &r) {
  uint32_t start = b_.start_id(), n = b_.own_type_cnt();
  std::vector<uint32_t> order(n);
  for (uint32_t i = 0; i < n; i++) order[i] = start + i;
  std::vector<std::string_view> names(n);
  for (uint32_t i = 0; i < n; i++) names[i] = b_.type(start + i).name();
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t c) {
    return names[a - start] < names[c - start];  // char_traits<char>: unsigned bytes, as strcmp
  });
  bool identity = true;
  for (uint32_t i = 0; i < n && identity; i++) identity = order[i] == start + i;
  st_.sorted = true;
  if (identity) return;
  std::vector<uint32_t> old_to_new(n);
  for (uint32_t i = 0; i < n; i++) old_to_new[order[i] - start] = start + i;
  b_.permute(order);
  auto map = [&](uint32_t &id) {
    if (id >= start && id - start < n) id = old_to_new[id - start];
  };
  for (EmitRecord &rec : r.records) {
    map(rec.func_id);
    map(rec.impl_id);
    map(rec.proto_id);
  }
}

EmitResult Emitter::run() {
  EmitResult r;
  st_.types_before = b_.type_cnt();

  // Each kfunc's own FUNC, in ascending id order.
  std::vector<Work> work;
  for (const Kfunc &k : ks_.kfuncs) {
    uint32_t id = 0;
    if (k.btf_id >= b_.start_id() && b_.valid_id(k.btf_id) &&
        b_.type(k.btf_id).kind() == Kind::FUNC && b_.type(k.btf_id).name() == k.name)
      id = k.btf_id;
    else
      id = btf::find_own(b_, k.name, Kind::FUNC);
    if (!id) {
      st_.skipped++;
      bool in_base = k.btf_id && k.btf_id < b_.start_id();
      if (in_base)
        error("emit-no-func", k, k.btf_id,
              "its FUNC is in the base BTF, not in this split BTF: nothing emitted", k.file, k.line,
              Severity::Warning);
      else if (o_.warn_missing_func)
        error("emit-no-func", k, 0, "no FUNC in BTF: nothing emitted", k.file, k.line,
              Severity::Warning);
      continue;
    }
    resolved_.emplace(k.name, id);
    work.push_back({&k, id});
  }
  std::sort(work.begin(), work.end(), [](const Work &a, const Work &c) { return a.id < c.id; });
  work.erase(std::unique(work.begin(), work.end(), [](const Work &a, const Work &c) { return a.id == c.id; }),
             work.end());

  for (const Work &w : work) {
    EmitRecord rec;
    rec.name = w.k->name;
    rec.func_id = w.id;
    try {
      process(*w.k, w.id, rec);
    } catch (const Error &e) {
      // The builder refuses more types (id space full) or strings: stop, report, write nothing.
      error("btf-full", *w.k, w.id, e.what());
      r.records.push_back(std::move(rec));
      break;
    }
    st_.kfuncs++;
    r.records.push_back(std::move(rec));
  }

  if (o_.features.sort) sort_types(r);
  st_.types_after = b_.type_cnt();
  r.stats = st_;
  return r;
}

}  // namespace

EmitResult emit_kfunc_btf(btf::Btf &btf, const KfuncList &ks, const EmitOptions &opt,
                          DiagSink &diags) {
  Emitter e(btf, ks, opt, diags);
  return e.run();
}

}  // namespace kfb::kfunc
