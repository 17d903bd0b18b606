// core_value: what libbpf writes for a CO-RE relocation that guards code (prune.h), on one target.
//
// libbpf (relo_core.c) takes the local root type's essential name, collects the target's types
// of that name and kind (an enum matches ENUM and ENUM64), and matches the access string
// against each: "0:i:j": the array index on the root, then a member index per struct or union
// level (found in the target by name, through anonymous members) or an element index per array.
// Kinds evaluated here, the ones that decide branches: FIELD_EXISTS, TYPE_EXISTS (libbpf's
// types_compat on some candidate), TYPE_MATCHES (its types_match), TYPE_SIZE, ENUMVAL_EXISTS,
// ENUMVAL_VALUE. Anything else, or
// any doubt, is "not known" (the caller takes both ways).
#include <algorithm>
#include <charconv>

#include "bpf/names.h"
#include "bpf/prune.h"
#include "btf/query.h"

namespace kfb::bpf {
namespace {

enum : uint32_t { kFieldExists = 2, kTypeExists = 8, kTypeSize = 9, kEnumvalExists = 10, kEnumvalValue = 11, kTypeMatches = 12 };

using btf::Btf;
using btf::Kind;

bool split_access(std::string_view s, std::vector<uint32_t> &out) {
  while (!s.empty()) {
    size_t colon = s.find(':');
    std::string_view part = s.substr(0, colon);
    uint32_t v = 0;
    auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (ec != std::errc() || p != part.data() + part.size() || part.empty()) return false;
    out.push_back(v);
    s = colon == std::string_view::npos ? std::string_view() : s.substr(colon + 1);
  }
  return !out.empty();
}

// essential_name(name) == ess, without building a string for every type of the target.
bool same_essential(std::string_view name, std::string_view ess) {
  return name.starts_with(ess) && (name.size() == ess.size() || essential_name(name) == ess);
}

bool is_enum(Kind k) { return k == Kind::ENUM || k == Kind::ENUM64; }
bool is_composite(Kind k) { return k == Kind::STRUCT || k == Kind::UNION; }

// The member of `id` (a struct or union in `b`) named `name`, through anonymous members; its
// type, or 0.
uint32_t member_type(const Btf &b, uint32_t id, std::string_view name, int depth = 0) {
  if (depth > 32) return 0;
  btf::Type t = b.type(id);
  for (const btf::Member &m : t.members()) {
    std::string_view mn = b.str(m.name_off);
    if (mn == name) return m.type;
    if (mn.empty()) {
      uint32_t inner = btf::skip_mods(b, m.type, btf::Typedefs::Skip);
      if (b.valid_id(inner) && is_composite(b.type(inner).kind()))
        if (uint32_t found = member_type(b, inner, name, depth + 1)) return found;
    }
  }
  return 0;
}

// Does the access path of `local` (from `lid`) exist in `targ` (from `tid`)?
bool field_path(const Btf &local, uint32_t lid, const Btf &targ, uint32_t tid, const std::vector<uint32_t> &acc) {
  for (size_t i = 1; i < acc.size(); i++) {
    lid = btf::skip_mods(local, lid, btf::Typedefs::Skip);
    tid = btf::skip_mods(targ, tid, btf::Typedefs::Skip);
    if (!local.valid_id(lid) || !targ.valid_id(tid)) return false;
    btf::Type lt = local.type(lid), tt = targ.type(tid);
    if (is_composite(lt.kind())) {
      if (!is_composite(tt.kind()) || acc[i] >= lt.vlen()) return false;
      const btf::Member &m = lt.members()[acc[i]];
      std::string_view name = local.str(m.name_off);
      if (name.empty()) return false;  // an anonymous member by index: not followed here
      uint32_t found = member_type(targ, tid, name);
      if (!found) return false;
      lid = m.type, tid = found;
    } else if (lt.kind() == Kind::ARRAY) {
      if (tt.kind() != Kind::ARRAY) return false;
      lid = lt.array().type, tid = tt.array().type;
    } else {
      return false;
    }
  }
  return true;
}

// The local root's essential name when `r` is a kind evaluated here, else "".
std::string root_essential(const Btf &local, const CoreRelo &r) {
  if (r.kind != kFieldExists && r.kind != kTypeExists && r.kind != kTypeSize && r.kind != kEnumvalExists &&
      r.kind != kEnumvalValue && r.kind != kTypeMatches)
    return {};
  if (!local.valid_id(r.type_id)) return {};
  return essential_name(local.type(r.type_id).name());
}

}  // namespace

CoreCandidates core_candidates(const Btf &local, const std::vector<const CoreRelo *> &relos,
                               const std::vector<const Btf *> &targets) {
  CoreCandidates out;
  if (std::none_of(targets.begin(), targets.end(), [](const Btf *b) { return b != nullptr; })) return out;
  for (const CoreRelo *r : relos)
    if (std::string e = root_essential(local, *r); !e.empty()) out.try_emplace(std::move(e));
  if (out.empty()) return out;
  // A name matches when its essential name is a wanted one: its first two bytes rule out
  // nearly every type before its length, the "___" search and the map.
  NameSet wanted;
  for (const auto &[name, list] : out) wanted.add(name, true);
  for (const Btf *tb : targets) {
    if (!tb) continue;
    tb->for_each_head([&](uint32_t id, const btf::RawType &h) {
      const char *p = tb->str_c(h.name_off);
      if (!wanted.maybe(p)) return;
      std::string_view n(p);
      auto it = n.find("___") == std::string_view::npos ? out.find(n) : out.find(essential_name(n));
      if (it != out.end()) it->second.push_back({tb, id});
    });
  }
  return out;
}

std::optional<uint64_t> core_value(const Btf &local, const CoreRelo &r, const std::vector<const Btf *> &targets) {
  return core_value(local, r, core_candidates(local, {&r}, targets));
}

std::optional<uint64_t> core_value(const Btf &local, const CoreRelo &r, const CoreCandidates &cands) {
  std::string ess = root_essential(local, r);
  auto cit = cands.find(ess);
  if (ess.empty() || cit == cands.end()) return std::nullopt;
  uint32_t lroot = r.type_id;
  btf::Type lt = local.type(lroot);
  std::vector<uint32_t> acc;
  if (r.kind != kTypeExists && r.kind != kTypeSize && r.kind != kTypeMatches && !split_access(r.access, acc))
    return std::nullopt;
  std::string_view enumerator;
  if (r.kind == kEnumvalExists || r.kind == kEnumvalValue) {
    if (!is_enum(lt.kind()) || acc.size() != 1 || acc[0] >= lt.vlen()) return std::nullopt;
    enumerator = local.str(lt.kind() == Kind::ENUM ? lt.enums()[acc[0]].name_off : lt.enum64s()[acc[0]].name_off);
  }
  std::string enum_ess = essential_name(enumerator);
  std::optional<uint64_t> value;
  bool any = false;
  for (const CoreCandidate &c : cit->second) {
    const Btf *tb = c.btf;
    uint32_t id = c.id;
    btf::Type t = tb->type(id);
    bool kind_ok = t.kind() == lt.kind() || (is_enum(t.kind()) && is_enum(lt.kind()));
    if (!kind_ok) continue;
    switch (r.kind) {
      case kTypeExists:
      case kTypeSize:
        if (!types_compat(local, lroot, *tb, id)) break;
        any = true;
        if (r.kind == kTypeSize) value = t.size();
        break;
      case kTypeMatches:
        switch (types_match(local, lroot, *tb, id)) {
          case 1: any = true; break;
          case 0: break;
          default: return std::nullopt;  // libbpf fails the relocation: not a branch it decides
        }
        break;
      case kFieldExists:
        any = any || field_path(local, lroot, *tb, id, acc);
        break;
      default:  // enumerators, by essential name
        if (t.kind() == Kind::ENUM) {
          for (const btf::Enum &e : t.enums())
            if (same_essential(tb->str(e.name_off), enum_ess))
              any = true, value = t.kflag() ? static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(e.val)))
                                            : uint64_t{e.val};
        } else {
          for (const btf::Enum64 &e : t.enum64s())
            if (same_essential(tb->str(e.name_off), enum_ess)) any = true, value = e.val();
        }
        break;
    }
  }
  if (r.kind == kTypeSize || r.kind == kEnumvalValue) return any ? value : std::nullopt;
  return any ? 1 : 0;
}

}  // namespace kfb::bpf
