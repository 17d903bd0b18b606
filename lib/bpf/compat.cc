// libbpf's loose type rule for extern kfuncs (bpf_core_types_are_compat in relo_core.c, called
// from bpf_object__resolve_ksym_func_btf_id) and its flavour rule for names
// (bpf_core_essential_name_len). Both decide whether a kernel will bind an extern, so they
// follow libbpf exactly, including its limits: 32 steps along one chain of pointers, arrays and
// return types, 32 levels of prototypes nested in parameters. And its stricter rule for CO-RE's
// bpf_core_type_matches() (bpf_core_types_match), which guards code as an existence check does.
#include <optional>

#include "bpf/object.h"

namespace kfb::bpf {

namespace {

using btf::Btf;
using btf::Kind;
using btf::Type;

constexpr int kMaxDepth = 32;  // libbpf's recursion depth and starting level

bool is_any_enum(Kind k) { return k == Kind::ENUM || k == Kind::ENUM64; }
bool kinds_compat(const Type &a, const Type &b) {
  return a.kind() == b.kind() || (is_any_enum(a.kind()) && is_any_enum(b.kind()));
}

// `id` past CONST, VOLATILE, RESTRICT, TYPE_TAG and TYPEDEF; nullopt for an id out of range or
// a chain that cannot end (longer than the type count: a cycle in a corrupt BTF).
std::optional<uint32_t> skip_mods_and_typedefs(const Btf &btf, uint32_t id) {
  for (uint32_t steps = 0; steps <= btf.type_cnt(); steps++) {
    if (!btf.valid_id(id)) return std::nullopt;
    Type t = btf.type(id);
    if (!t.is_modifier() && t.kind() != Kind::TYPEDEF) return id;
    id = t.type();
  }
  return std::nullopt;
}

// 1: compatible, 0: not, -1: libbpf's -EINVAL (bad id, too deep); callers treat <= 0 alike.
int compat(const Btf &local, uint32_t local_id, const Btf &targ, uint32_t targ_id, int level) {
  if (!local.valid_id(local_id) || !targ.valid_id(targ_id)) return -1;
  if (!kinds_compat(local.type(local_id), targ.type(targ_id))) return 0;
  for (int depth = kMaxDepth - 1;; depth--) {
    if (depth < 0) return -1;
    std::optional<uint32_t> l = skip_mods_and_typedefs(local, local_id);
    std::optional<uint32_t> t = skip_mods_and_typedefs(targ, targ_id);
    if (!l || !t) return -1;
    Type lt = local.type(*l), tt = targ.type(*t);
    if (!kinds_compat(lt, tt)) return 0;
    switch (lt.kind()) {
      case Kind::UNKN:
      case Kind::STRUCT:
      case Kind::UNION:
      case Kind::ENUM:
      case Kind::FWD:
      case Kind::ENUM64:
        return 1;
      case Kind::INT:
        // Only the old bitfield-like integers are refused; sizes and signedness do not matter.
        return lt.int_offset() == 0 && tt.int_offset() == 0;
      case Kind::PTR:
        local_id = lt.type(), targ_id = tt.type();
        continue;
      case Kind::ARRAY:
        local_id = lt.array().type, targ_id = tt.array().type;
        continue;
      case Kind::FUNC_PROTO: {
        if (lt.vlen() != tt.vlen()) return 0;
        auto lp = lt.params(), tp = tt.params();
        for (size_t i = 0; i < lp.size(); i++) {
          if (level <= 0) return -1;
          std::optional<uint32_t> pl = skip_mods_and_typedefs(local, lp[i].type);
          std::optional<uint32_t> pt = skip_mods_and_typedefs(targ, tp[i].type);
          if (!pl || !pt) return -1;
          int r = compat(local, *pl, targ, *pt, level - 1);
          if (r <= 0) return r;
        }
        local_id = lt.type(), targ_id = tt.type();  // the return types, on this chain
        continue;
      }
      default:
        return 0;  // FLOAT, FUNC, VAR, DATASEC, tags: libbpf does not relate them
    }
  }
}

// bpf_core_names_match: empty matches empty only; otherwise the essential names are equal.
bool names_match(const Btf &local, uint32_t local_off, const Btf &targ, uint32_t targ_off) {
  std::string_view ln = local.str(local_off), tn = targ.str(targ_off);
  if (tn.empty()) return ln.empty();
  return essential_name(ln) == essential_name(tn);
}

bool enums_match(const Btf &local, const Type &lt, const Btf &targ, const Type &tt) {
  if (lt.size() != tt.size() || lt.vlen() > tt.vlen()) return false;
  auto name_at = [](const Type &t, uint32_t i) {
    return t.kind() == Kind::ENUM ? t.enums()[i].name_off : t.enum64s()[i].name_off;
  };
  for (uint32_t i = 0; i < lt.vlen(); i++) {  // every local enumerator has a namesake
    bool found = false;
    for (uint32_t j = 0; j < tt.vlen() && !found; j++) found = names_match(local, name_at(lt, i), targ, name_at(tt, j));
    if (!found) return false;
  }
  return true;
}

int match(const Btf &local, uint32_t local_id, const Btf &targ, uint32_t targ_id, bool behind_ptr, int level);

int composites_match(const Btf &local, const Type &lt, const Btf &targ, const Type &tt, bool behind_ptr, int level) {
  if (lt.vlen() > tt.vlen()) return 0;
  for (const btf::Member &lm : lt.members()) {  // every local member has a matching namesake
    bool found = false;
    for (const btf::Member &tm : tt.members()) {
      if (!names_match(local, lm.name_off, targ, tm.name_off)) continue;
      int r = match(local, lm.type, targ, tm.type, behind_ptr, level - 1);
      if (r < 0) return r;
      if (r > 0) {
        found = true;
        break;
      }
    }
    if (!found) return 0;
  }
  return 1;
}

// libbpf's __bpf_core_types_match: 1 match, 0 not, -1 its -EINVAL (bad id, too deep).
int match(const Btf &local, uint32_t local_id, const Btf &targ, uint32_t targ_id, bool behind_ptr, int level) {
  if (level <= 0) return -1;
  for (int depth = kMaxDepth - 1;; depth--) {
    if (depth < 0) return -1;
    std::optional<uint32_t> l = skip_mods_and_typedefs(local, local_id);
    std::optional<uint32_t> t = skip_mods_and_typedefs(targ, targ_id);
    if (!l || !t) return -1;
    Type lt = local.type(*l), tt = targ.type(*t);
    if (!names_match(local, lt.name_off(), targ, tt.name_off())) return 0;
    Kind lk = lt.kind(), tk = tt.kind();
    switch (lk) {
      case Kind::UNKN:
        return lk == tk;
      case Kind::FWD:
        if (behind_ptr && lk != tk)  // kflag: a forward of a union
          return (tk == Kind::STRUCT && !lt.kflag()) || (tk == Kind::UNION && lt.kflag());
        return lk == tk && lt.kflag() == tt.kflag();
      case Kind::ENUM:
      case Kind::ENUM64:
        return is_any_enum(tk) && enums_match(local, lt, targ, tt);
      case Kind::STRUCT:
      case Kind::UNION:
        if (behind_ptr) return lk == tk || (tk == Kind::FWD && (lk == Kind::UNION) == tt.kflag());
        return lk == tk ? composites_match(local, lt, targ, tt, behind_ptr, level) : 0;
      case Kind::INT:
        return lk == tk && lt.size() == tt.size() && (lt.int_encoding() & 1) == (tt.int_encoding() & 1);
      case Kind::PTR:
        if (lk != tk) return 0;
        behind_ptr = true;
        local_id = lt.type(), targ_id = tt.type();
        continue;
      case Kind::ARRAY:
        if (lk != tk || lt.array().nelems != tt.array().nelems) return 0;
        local_id = lt.array().type, targ_id = tt.array().type;
        continue;
      case Kind::FUNC_PROTO: {
        if (lk != tk || lt.vlen() != tt.vlen()) return 0;
        auto lp = lt.params(), tp = tt.params();
        for (size_t i = 0; i < lp.size(); i++)
          if (int r = match(local, lp[i].type, targ, tp[i].type, behind_ptr, level - 1); r <= 0) return r;
        local_id = lt.type(), targ_id = tt.type();  // the return type, on this chain
        continue;
      }
      default:
        return 0;  // libbpf: "unexpected kind ... relocated"
    }
  }
}

}  // namespace

int types_match(const Btf &local, uint32_t local_id, const Btf &targ, uint32_t targ_id) {
  return match(local, local_id, targ, targ_id, false, kMaxDepth);
}

bool types_compat(const Btf &local, uint32_t local_id, const Btf &targ, uint32_t targ_id) {
  return compat(local, local_id, targ, targ_id, kMaxDepth) > 0;
}

std::string essential_name(std::string_view name) {
  // The last "X___Y" with X and Y not '_': keep up to and including X.
  for (size_t i = name.size() >= 5 ? name.size() - 5 + 1 : 0; i-- > 0;) {
    if (name[i] != '_' && name.substr(i + 1, 3) == "___" && name[i + 4] != '_')
      return std::string(name.substr(0, i + 1));
  }
  return std::string(name);
}

}  // namespace kfb::bpf
