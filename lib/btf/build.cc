// The builder (add_str, add_* of every kind, add_copy) and the mutation of own types
// (set_type, set_name_off, for_each_type_ref, permute), keeping the indexes up to date.
#include <cstring>
#include <functional>

#include "btf/btf.h"
#include "btf/btf_impl.h"
#include "support/error.h"

namespace kfb::btf {

using namespace detail;

// ---------------------------------------------------------------------------------------------
// Builder

uint32_t Btf::add_str(std::string_view s) {
  own_all();
  if (s.find('\0') != std::string_view::npos)
    throw Error(strfmt("%s: cannot add a string with an embedded NUL", where_.c_str()));
  // Offset 0 of a base BTF's strings is "" (how a reader tells base from split BTF): an empty
  // string section gets it before its first string.
  if (!base_ && strs_.empty()) strs_.push_back('\0');
  if (s.empty() && (base_ || strs_[0] == '\0')) return 0;
  int64_t off = find_str(s);  // builds the index
  if (off >= 0) return static_cast<uint32_t>(off);
  uint64_t local = strs_.size();
  if (start_str_off_ + local + s.size() + 1 > 0xffffffffull)
    throw Error(strfmt("%s: string section full", where_.c_str()));
  strs_.append(s);
  strs_.push_back('\0');
  Index &ix = index();
  if ((ix.str_count + 1) * 2 > ix.str_slots.size()) {
    ix.str_slots.assign(pow2_at_least((ix.str_count + 1) * 4), 0);
    for (size_t o = 0; o < strs_.size();) {
      str_slot_insert(ix.str_slots, strs_, static_cast<uint32_t>(o));
      o += std::strlen(strs_.data() + o) + 1;
    }
  } else {
    str_slot_insert(ix.str_slots, strs_, static_cast<uint32_t>(local));
  }
  ix.str_count++;
  return static_cast<uint32_t>(start_str_off_ + local);
}

uint32_t Btf::push(uint32_t name_off, uint32_t info, uint32_t size_or_type,
                   std::span<const uint32_t> payload) {
  own_all();
  uint32_t id = type_cnt();
  if (id > kMaxTypeId)
    throw Error(strfmt("%s: BTF type id space is full: cannot add a type past id 0x%x (%u)",
                       where_.c_str(), kMaxTypeId, kMaxTypeId));
  RawType r{name_off, info, size_or_type, static_cast<uint32_t>(payload_.size())};
  payload_.insert(payload_.end(), payload.begin(), payload.end());
  types_.push_back(r);
  if (index_) {
    Index &ix = *index_;
    ix.offs_built = false;
    if (ix.names_built) name_insert(*this, ix.name_head, ix.name_tail, ix.name_next, ix.name_keys, id);
    if (ix.tags_built) tag_insert(*this, ix.tag_head, ix.tag_tail, ix.tag_next, id);
  }
  return id;
}

static uint32_t make_info(Kind k, uint32_t vlen, bool kflag) {
  return (kflag ? 1u << 31 : 0u) | (static_cast<uint32_t>(k) << 24) | (vlen & 0xffffff);
}

static void check_vlen(const std::string &where, size_t n, const char *what) {
  if (n > kMaxVlen)
    throw Error(strfmt("%s: too many %s: %zu (vlen max %u)", where.c_str(), what, n, kMaxVlen));
}

uint32_t Btf::add_raw(uint32_t name_off, uint32_t info, uint32_t size_or_type,
                      std::span<const uint32_t> payload) {
  int words = words_of(info);
  if (words < 0 || static_cast<size_t>(words) != payload.size())
    throw Error(strfmt("%s: add_raw: kind %u vlen %u needs %d payload words, got %zu",
                       where_.c_str(), info_kind(info), info_vlen(info), words, payload.size()));
  return push(name_off, info, size_or_type, payload);
}

uint32_t Btf::add_int(std::string_view name, uint32_t size, uint8_t encoding, uint8_t bits,
                      uint8_t offset) {
  uint32_t data = (uint32_t{encoding} & 0x0f) << 24 | uint32_t{offset} << 16 | bits;
  return push(add_str(name), make_info(Kind::INT, 0, false), size, {&data, 1});
}

uint32_t Btf::add_ptr(uint32_t t) { return push(0, make_info(Kind::PTR, 0, false), t, {}); }
uint32_t Btf::add_const(uint32_t t) { return push(0, make_info(Kind::CONST, 0, false), t, {}); }
uint32_t Btf::add_volatile(uint32_t t) { return push(0, make_info(Kind::VOLATILE, 0, false), t, {}); }
uint32_t Btf::add_restrict(uint32_t t) { return push(0, make_info(Kind::RESTRICT, 0, false), t, {}); }

uint32_t Btf::add_typedef(std::string_view name, uint32_t t) {
  return push(add_str(name), make_info(Kind::TYPEDEF, 0, false), t, {});
}

uint32_t Btf::first_unsorted_by_name() const {
  uint32_t start = start_id(), n = own_type_cnt();
  for (uint32_t i = 1; i < n; i++)
    if (type(start + i).name() < type(start + i - 1).name()) return start + i;
  return 0;
}

uint32_t Btf::add_type_tag(std::string_view value, uint32_t t, bool kflag) {
  return push(add_str(value), make_info(Kind::TYPE_TAG, 0, kflag), t, {});
}

uint32_t Btf::add_fwd(std::string_view name, bool is_union) {
  return push(add_str(name), make_info(Kind::FWD, 0, is_union), 0, {});
}

uint32_t Btf::add_array(uint32_t elem, uint32_t index_type, uint32_t nelems) {
  uint32_t p[3] = {elem, index_type, nelems};
  return push(0, make_info(Kind::ARRAY, 0, false), 0, p);
}

uint32_t Btf::add_composite(Kind k, std::string_view name, uint32_t size,
                            std::span<const NewMember> members) {
  check_vlen(where_, members.size(), "members");
  bool kflag = false;
  for (const NewMember &m : members) kflag |= m.bitfield_size != 0;
  uint32_t name_off = add_str(name);
  std::vector<uint32_t> p;
  p.reserve(members.size() * 3);
  for (const NewMember &m : members) {
    if (kflag && m.bit_offset > 0xffffff)
      throw Error(strfmt("%s: member '%.*s': bit offset %u does not fit 24 bits", where_.c_str(),
                         static_cast<int>(m.name.size()), m.name.data(), m.bit_offset));
    p.push_back(add_str(m.name));
    p.push_back(m.type);
    p.push_back(kflag ? uint32_t{m.bitfield_size} << 24 | m.bit_offset : m.bit_offset);
  }
  return push(name_off, make_info(k, static_cast<uint32_t>(members.size()), kflag), size, p);
}

uint32_t Btf::add_struct(std::string_view name, uint32_t size, std::span<const NewMember> members) {
  return add_composite(Kind::STRUCT, name, size, members);
}

uint32_t Btf::add_union(std::string_view name, uint32_t size, std::span<const NewMember> members) {
  return add_composite(Kind::UNION, name, size, members);
}

uint32_t Btf::add_enum(std::string_view name, uint32_t size, std::span<const NewEnum> values,
                       bool is_signed) {
  check_vlen(where_, values.size(), "enumerators");
  uint32_t name_off = add_str(name);
  std::vector<uint32_t> p;
  for (const NewEnum &v : values) {
    p.push_back(add_str(v.name));
    p.push_back(static_cast<uint32_t>(v.val));
  }
  return push(name_off, make_info(Kind::ENUM, static_cast<uint32_t>(values.size()), is_signed), size, p);
}

uint32_t Btf::add_enum64(std::string_view name, uint32_t size, std::span<const NewEnum> values,
                         bool is_signed) {
  check_vlen(where_, values.size(), "enumerators");
  uint32_t name_off = add_str(name);
  std::vector<uint32_t> p;
  for (const NewEnum &v : values) {
    uint64_t u = static_cast<uint64_t>(v.val);
    p.push_back(add_str(v.name));
    p.push_back(static_cast<uint32_t>(u));
    p.push_back(static_cast<uint32_t>(u >> 32));
  }
  return push(name_off, make_info(Kind::ENUM64, static_cast<uint32_t>(values.size()), is_signed), size, p);
}

uint32_t Btf::add_func(std::string_view name, uint16_t linkage, uint32_t proto) {
  return push(add_str(name), make_info(Kind::FUNC, linkage, false), proto, {});
}

uint32_t Btf::add_func_proto(uint32_t ret, std::span<const NewParam> params) {
  check_vlen(where_, params.size(), "parameters");
  std::vector<uint32_t> p;
  p.reserve(params.size() * 2);
  for (const NewParam &pr : params) {
    p.push_back(add_str(pr.name));
    p.push_back(pr.type);
  }
  return push(0, make_info(Kind::FUNC_PROTO, static_cast<uint32_t>(params.size()), false), ret, p);
}

uint32_t Btf::add_var(std::string_view name, uint32_t t, uint32_t linkage) {
  return push(add_str(name), make_info(Kind::VAR, 0, false), t, {&linkage, 1});
}

uint32_t Btf::add_datasec(std::string_view name, uint32_t size, std::span<const VarSecinfo> vars) {
  check_vlen(where_, vars.size(), "variables");
  std::vector<uint32_t> p;
  for (const VarSecinfo &v : vars) p.insert(p.end(), {v.type, v.offset, v.size});
  return push(add_str(name), make_info(Kind::DATASEC, static_cast<uint32_t>(vars.size()), false), size, p);
}

uint32_t Btf::add_float(std::string_view name, uint32_t size) {
  return push(add_str(name), make_info(Kind::FLOAT, 0, false), size, {});
}

uint32_t Btf::add_decl_tag(std::string_view value, uint32_t t, int32_t component_idx, bool kflag) {
  uint32_t c = static_cast<uint32_t>(component_idx);
  return push(add_str(value), make_info(Kind::DECL_TAG, 0, kflag), t, {&c, 1});
}

uint32_t Btf::add_copy(const Btf &from, uint32_t id) {
  Type t = from.type(id);
  std::vector<uint32_t> p(t.payload().begin(), t.payload().end());
  // Strings first (they may grow strs_, not the payload we copied).
  std::string name(t.name());
  uint32_t info = t.info(), sot = t.raw().size_or_type;
  size_t stride = named_entry_stride(t.kind());
  std::vector<std::string> names;
  if (stride)
    for (size_t i = 0; i < t.vlen(); i++) names.emplace_back(from.str(p[i * stride]));
  uint32_t name_off = add_str(name);
  for (size_t i = 0; i < names.size(); i++) p[i * stride] = add_str(names[i]);
  return push(name_off, info, sot, p);
}

// ---------------------------------------------------------------------------------------------
// Mutation

// A changed reference moves a DECL_TAG to another target and nothing else: the name, string and
// offset indexes stay valid (emit repoints every kfunc with a twin; rebuilding all of them per
// call would be 0.3 of emit's 0.36 s on a 60,000-type 7.3 vmlinux).
void Btf::set_type(uint32_t id, uint32_t new_type) {
  RawType &r = own(id);
  r.size_or_type = new_type;
  if (index_ && static_cast<Kind>(info_kind(r.info)) == Kind::DECL_TAG) index_->reset_tags();
}

// A new name invalidates the name index only.
void Btf::set_name_off(uint32_t id, uint32_t name_off) {
  own(id).name_off = name_off;
  if (index_) index_->reset_names();
}

void Btf::for_each_type_ref(uint32_t id, const std::function<void(uint32_t &)> &fn) {
  RawType &r = own(id);
  uint32_t *p = payload_.data() + r.extra;
  uint32_t vlen = info_vlen(r.info);
  switch (static_cast<Kind>(info_kind(r.info))) {
    case Kind::PTR:
    case Kind::TYPEDEF:
    case Kind::VOLATILE:
    case Kind::CONST:
    case Kind::RESTRICT:
    case Kind::FUNC:
    case Kind::VAR:
    case Kind::TYPE_TAG:
    case Kind::DECL_TAG: fn(r.size_or_type); break;
    case Kind::ARRAY:
      fn(p[0]);
      fn(p[1]);
      break;
    case Kind::STRUCT:
    case Kind::UNION:
      for (uint32_t i = 0; i < vlen; i++) fn(p[3 * i + 1]);
      break;
    case Kind::FUNC_PROTO:
      fn(r.size_or_type);
      for (uint32_t i = 0; i < vlen; i++) fn(p[2 * i + 1]);
      break;
    case Kind::DATASEC:
      for (uint32_t i = 0; i < vlen; i++) fn(p[3 * i]);
      break;
    default: break;
  }
}

void Btf::for_each_type_ref(const std::function<void(uint32_t &)> &fn) {
  for (uint32_t id = start_id_; id < type_cnt(); id++) for_each_type_ref(id, fn);
  invalidate();
}

void Btf::permute(std::span<const uint32_t> new_order) {
  own_all();
  uint32_t n = own_type_cnt();
  if (new_order.size() != n)
    throw Error(strfmt("%s: permute: %zu ids given for %u types", where_.c_str(), new_order.size(), n));
  std::vector<uint32_t> old_to_new(n, 0);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t old = new_order[i];
    if (old < start_id_ || old - start_id_ >= n || old_to_new[old - start_id_])
      throw Error(strfmt("%s: permute: id %u is not an own id or repeats", where_.c_str(), old));
    old_to_new[old - start_id_] = start_id_ + i;
  }
  std::vector<RawType> nt(n);
  for (uint32_t i = 0; i < n; i++) nt[i] = types_[new_order[i] - start_id_];
  types_.swap(nt);
  uint32_t lo = start_id_;
  for_each_type_ref([&](uint32_t &t) {
    if (t >= lo && t - lo < n) t = old_to_new[t - lo];
  });
}

}  // namespace kfb::btf
