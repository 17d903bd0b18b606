// libbpf's loose type rule for extern kfuncs (bpf_core_types_are_compat in relo_core.c, called
// from bpf_object__resolve_ksym_func_btf_id) and its flavour rule for names
// (bpf_core_essential_name_len). Both decide whether a kernel will bind an extern, so they
// follow libbpf exactly, including its limits: 32 steps along one chain of pointers, arrays and
// return types, 32 levels of prototypes nested in parameters.
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

}  // namespace

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
