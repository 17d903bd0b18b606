// Loader phase 4 (user BTF): the resolve pass, its iterative depth-first walk, the member checks
// and the FUNC_PROTO checks.
#include "check/loader_impl.h"

#include <algorithm>
#include <string>

namespace kfb::check::detail {

// ------------------------------------------------------------------------------------------
// The resolve pass

bool Loader::is_sink(const Ty *next) const {
  switch (mode_) {
    case RESOLVE_TBD: return !needs_resolve(next);
    case RESOLVE_PTR: return !is_modifier(next) && next->kind() != PTR;
    case RESOLVE_STRUCT_OR_ARRAY:
      return !is_modifier(next) && next->kind() != ARRAY && !is_struct(next);
  }
  return true;
}

int Loader::push(uint32_t id) {
  if (top_ == kMaxResolveDepth) return -E2BIG;
  if (id < start_id_ || visit_[id - start_id_] != NOT_VISITED) return -EEXIST;
  visit_[id - start_id_] = VISITED;
  stack_[top_++] = {id, 0};
  const Ty *t = ty(id);
  if (mode_ == RESOLVE_TBD) {
    if (t->kind() == PTR) mode_ = RESOLVE_PTR;
    else if (is_struct(t) || t->kind() == ARRAY) mode_ = RESOLVE_STRUCT_OR_ARRAY;
  }
  return 0;
}

void Loader::pop(uint32_t r_id, uint32_t r_size) {
  uint32_t id = stack_[--top_].id - start_id_;
  rsize_[id] = r_size;
  rid_[id] = r_id;
  visit_[id] = RESOLVED;
}

const Ty *Loader::id_size(uint32_t &id, uint32_t *size_out) const {
  uint32_t sid = id, size = 0;
  const Ty *st = ty(sid);
  if (nosize_or_null(st)) return nullptr;
  auto sized = [&](const Ty *x, uint32_t xid, uint32_t *sz) -> bool {
    if (has_size(x)) *sz = x->size_type;
    else if (x->kind() == ARRAY) *sz = rsize(xid);
    else if (x->kind() == PTR) *sz = 8;
    else return false;
    return true;
  };
  if (!sized(st, sid, &size)) {
    if (!is_modifier(st) && st->kind() != VAR) return nullptr;
    sid = rid(sid);
    st = ty(sid);
    if (nosize_or_null(st)) return nullptr;
    if (!sized(st, sid, &size)) return nullptr;
  }
  id = sid;
  if (size_out) *size_out = size;
  return st;
}

bool Loader::int_regular(const Ty *t) {
  uint32_t d = int_data(t);
  uint8_t bits = d & 0xff;
  uint8_t bytes = static_cast<uint8_t>((bits >> 3) + ((bits & 7) != 0));
  if ((bits & 7) || ((d >> 16) & 0xff) ||
      (bytes != 1 && bytes != 2 && bytes != 4 && bytes != 8 && bytes != 16))
    return false;
  return true;
}

// The kinds that refer to one type (size_type): the modifiers, PTR and VAR. PTR and VAR first
// resolve a modifier chain that ends in a pointer; a VAR's type must have a size, the others
// may also end in void, a FWD or a FUNC_PROTO.
int Loader::r_ref(const Ty *t) {
  const bool var = t->kind() == VAR;
  uint32_t next_id = t->size_type;
  const Ty *next = ty(next_id);
  if (!next || source_only(next)) return fail_type(t, "Invalid type_id");
  if (!is_sink(next) && !resolved(next_id)) return push(next_id);
  if ((var || t->kind() == PTR) && is_modifier(next)) {
    uint32_t r = next_id;
    const Ty *rt = id_resolve(r);
    if (rt && rt->kind() == PTR && !is_sink(rt) && !resolved(r)) return push(r);
  }
  if (!id_size(next_id, nullptr)) {
    if (var) return fail_type(t, "Invalid type_id");
    if (resolved(next_id)) next = id_resolve(next_id);
    if (!is_void(next) && next->kind() != FWD && next->kind() != FUNC_PROTO)
      return fail_type(t, "Invalid type_id");
  }
  pop(next_id, 0);
  return 0;
}

int Loader::r_array(const Ty *t) {
  uint32_t elem_id = rd32(t->off + 12), index_id = rd32(t->off + 16),
           nelems = rd32(t->off + 20);
  const Ty *index = ty(index_id);
  if (nosize_or_null(index) || source_only(index)) return fail_type(t, "Invalid index");
  if (!is_sink(index) && !resolved(index_id)) return push(index_id);
  index = id_size(index_id, nullptr);
  if (!index || index->kind() != INT || !int_regular(index)) return fail_type(t, "Invalid index");
  const Ty *elem = ty(elem_id);
  if (nosize_or_null(elem) || source_only(elem)) return fail_type(t, "Invalid elem");
  if (!is_sink(elem) && !resolved(elem_id)) return push(elem_id);
  uint32_t elem_size = 0;
  elem = id_size(elem_id, &elem_size);
  if (!elem) return fail_type(t, "Invalid elem");
  if (elem->kind() == INT && !int_regular(elem)) return fail_type(t, "Invalid array of int");
  if (nelems && elem_size > UINT32_MAX / nelems) return fail_type(t, "Array size overflows U32_MAX");
  pop(elem_id, elem_size * nelems);
  return 0;
}

int Loader::check_member(const Ty *st, const Member &m, uint32_t idx, const Ty *mt) {
  const bool kf = st->kflag();
  const uint32_t ssize = st->size_type;
  // Kinds whose kflag variant only demands bitfield_size == 0, then the plain check runs.
  auto generic_kflag = [&]() -> bool { return kf && (m.offset >> 24); };
  // A member of `size` bytes that must start on a byte and end inside the struct.
  auto whole_bytes = [&](uint32_t size) -> int {
    if (m.offset & 7) return fail_member(st, m, idx, "Member is not byte aligned");
    if (ssize - m.offset / 8 < size) return fail_member(st, m, idx, "Member exceeds struct_size");
    return 0;
  };
  switch (mt->kind()) {
    case INT: {
      uint32_t d = int_data(mt);
      uint32_t ibits = d & 0xff, ioff = (d >> 16) & 0xff;
      // The member's first bit and width: without kflag the INT's own offset and bits, with
      // kflag the member's bitfield_size (0: the whole, byte-aligned INT).
      uint32_t off, nbits;
      if (!kf) {
        off = m.offset;
        if (UINT32_MAX - off < ioff) return fail_member(st, m, idx, "bits_offset exceeds U32_MAX");
        off += ioff;
        nbits = ibits;
      } else {
        if (!int_regular(mt)) return fail_member(st, m, idx, "Invalid member base type");
        nbits = m.offset >> 24;
        off = m.offset & 0xffffff;
        if (!nbits) {
          if (off & 7) return fail_member(st, m, idx, "Invalid member offset");
          nbits = ibits;
        } else if (nbits > ibits) {
          return fail_member(st, m, idx, "Invalid member bitfield_size");
        }
      }
      uint32_t bytes_off = off / 8;
      uint32_t copy = nbits + (off & 7);
      if (copy > 128) return fail_member(st, m, idx, "nr_copy_bits exceeds 128");
      if (ssize < bytes_off || ssize - bytes_off < copy / 8 + ((copy & 7) != 0))
        return fail_member(st, m, idx, "Member exceeds struct_size");
      return 0;
    }
    case TYPEDEF: case VOLATILE: case CONST: case RESTRICT: case TYPE_TAG: {
      uint32_t rid2 = m.type;
      const Ty *rt = id_size(rid2, nullptr);
      if (!rt) return fail_member(st, m, idx, "Invalid member");
      Member rm = m;
      rm.type = rid2;
      return check_member(st, rm, idx, rt);
    }
    case PTR: case ARRAY: case STRUCT: case UNION: {
      if (generic_kflag()) return fail_member(st, m, idx, "Invalid member bitfield_size");
      uint32_t msize = mt->size_type;  // STRUCT, UNION
      if (mt->kind() == PTR) {
        msize = 8;
      } else if (mt->kind() == ARRAY) {
        uint32_t aid = m.type;
        msize = 0;
        id_size(aid, &msize);
      }
      return whole_bytes(msize);
    }
    case ENUM: case ENUM64: {
      if (!kf) return whole_bytes(mt->size_type);
      uint32_t off = m.offset & 0xffffff, nbits = m.offset >> 24;
      if (!nbits) {
        if (off & 7) return fail_member(st, m, idx, "Member is not byte aligned");
        nbits = 32;
      } else if (nbits > 32) {
        return fail_member(st, m, idx, "Invalid member bitfield_size");
      }
      uint32_t end = off + nbits;
      if (ssize < end / 8 + ((end & 7) != 0)) return fail_member(st, m, idx, "Member exceeds struct_size");
      return 0;
    }
    case FLOAT: {
      if (generic_kflag()) return fail_member(st, m, idx, "Invalid member bitfield_size");
      uint64_t align_bits = std::min<uint64_t>(8, mt->size_type) * 8;
      if (m.offset % align_bits) return fail_member(st, m, idx, "Member is not properly aligned");
      uint64_t end = uint64_t(m.offset / 8) + mt->size_type;
      if (end > ssize) return fail_member(st, m, idx, "Member exceeds struct_size");
      return 0;
    }
  }
  // FWD, FUNC, FUNC_PROTO, VAR, DATASEC, DECL_TAG: the kernel's default callbacks.
  return fail_type(st, kf ? "Unsupported check_kflag_member" : "Unsupported check_member",
                   EINVAL, true);
}

int Loader::r_struct(const Ty *t) {
  Vertex &v = stack_[top_ - 1];
  if (v.next_member) {
    uint32_t i = v.next_member - 1u;
    Member last = member(t, i);
    if (!resolved(last.type)) return -EINVAL;  // the kernel WARNs here; not reachable
    int err = check_member(t, last, i, ty(last.type));
    if (err) return err;
  }
  for (uint32_t i = v.next_member; i < t->vlen(); i++) {
    Member m = member(t, i);
    const Ty *mt = ty(m.type);
    if (nosize_or_null(mt) || source_only(mt)) return fail_member(t, m, i, "Invalid member");
    if (!is_sink(mt) && !resolved(m.type)) {
      stack_[top_ - 1].next_member = i + 1;
      return push(m.type);
    }
    int err = check_member(t, m, i, mt);
    if (err) return err;
  }
  pop(0, 0);
  return 0;
}

int Loader::r_datasec(const Ty *t) {
  mode_ = RESOLVE_TBD;
  for (uint32_t i = stack_[top_ - 1].next_member; i < t->vlen(); i++) {
    size_t at = t->off + 12 + 12 * size_t(i);
    uint32_t vid = rd32(at), voff = rd32(at + 4), vsize = rd32(at + 8);
    const Ty *var = ty(vid);
    if (!var || var->kind() != VAR) return fail_vsi(t, at, vid, voff, vsize, "Not a VAR kind member");
    if (!is_sink(var) && !resolved(vid)) {
      stack_[top_ - 1].next_member = i + 1;
      return push(vid);
    }
    uint32_t tid = var->size_type, tsize = 0;
    if (!id_size(tid, &tsize)) return fail_vsi(t, at, vid, voff, vsize, "Invalid type");
    if (vsize < tsize) return fail_vsi(t, at, vid, voff, vsize, "Invalid size");
  }
  pop(0, 0);
  return 0;
}

int Loader::r_decl_tag(const Ty *t) {
  uint32_t next_id = t->size_type;
  const Ty *next = ty(next_id);
  if (!next || !(next->kind() == FUNC || is_struct(next) || next->kind() == VAR ||
                 next->kind() == TYPEDEF))
    return fail_type(t, "Invalid type_id");
  if (!is_sink(next) && !resolved(next_id)) return push(next_id);
  int32_t idx = static_cast<int32_t>(rd32(t->off + 12));
  if (idx != -1) {
    if (next->kind() == VAR || next->kind() == TYPEDEF) return fail_type(t, "Invalid component_idx");
    uint32_t vlen;
    if (is_struct(next)) {
      vlen = next->vlen();
    } else {
      const Ty *proto = ty(next->size_type);
      vlen = proto ? proto->vlen() : 0;
    }
    if (static_cast<uint32_t>(idx) >= vlen) return fail_type(t, "Invalid component_idx");
  }
  pop(next_id, 0);
  return 0;
}

int Loader::func_check(const Ty *t) {
  const Ty *proto = ty(t->size_type);
  if (!proto || proto->kind() != FUNC_PROTO) return fail_type(t, "Invalid type_id");
  for (uint32_t i = 0; i < proto->vlen(); i++) {
    size_t at = proto->off + 12 + 8 * size_t(i);
    uint32_t name = rd32(at), type = rd32(at + 4);
    if (!name && type) return fail_type(t, strfmt("Invalid arg#%u", i + 1));
  }
  return 0;
}

int Loader::r_func(const Ty *t) {
  int err = func_check(t);
  if (err) return err;
  pop(t->size_type, 0);
  return 0;
}

int Loader::resolve_vertex() {
  const Vertex &v = stack_[top_ - 1];
  log_id_ = v.id;
  const Ty *t = ty(v.id);
  switch (t->kind()) {
    case TYPEDEF: case VOLATILE: case CONST: case RESTRICT: case TYPE_TAG:
    case PTR: case VAR: return r_ref(t);
    case ARRAY: return r_array(t);
    case STRUCT: case UNION: return r_struct(t);
    case DATASEC: return r_datasec(t);
    case DECL_TAG: return r_decl_tag(t);
    case FUNC: return r_func(t);
  }
  return fail_type(t, "Unsupported resolve", EINVAL, true);
}

bool Loader::resolve_valid(uint32_t id) {
  if (!resolved(id)) return false;
  const Ty *t = ty(id);
  if (is_struct(t) || t->kind() == DATASEC) return !rid(id) && !rsize(id);
  if (t->kind() == DECL_TAG || t->kind() == FUNC) return rid(id) && !rsize(id);
  if (is_modifier(t) || t->kind() == PTR || t->kind() == VAR) {
    uint32_t r = id;
    const Ty *rt = id_resolve(r);
    return rt && !is_modifier(rt) && rt->kind() != VAR && rt->kind() != DATASEC;
  }
  if (t->kind() == ARRAY) {
    uint32_t elem_id = rd32(t->off + 12), nelems = rd32(t->off + 20), elem_size = 0;
    const Ty *et = id_size(elem_id, &elem_size);
    return et && !is_modifier(et) && nelems * elem_size == rsize(id);
  }
  return false;
}

int Loader::resolve(uint32_t id) {
  uint32_t saved = log_id_;
  const Ty *t = ty(id);
  mode_ = RESOLVE_TBD;
  push(id);
  int err = 0;
  while (!err && top_) err = resolve_vertex();
  log_id_ = id;
  if (err == -E2BIG) {
    fail_type(t, strfmt("Exceeded max resolving depth:%u", kMaxResolveDepth), E2BIG);
  } else if (err == -EEXIST) {
    fail_type(t, "Loop detected", EEXIST);
  }
  if (!err && !resolve_valid(id)) err = fail_type(t, "Invalid resolve state");
  log_id_ = saved;
  return err;
}

int Loader::func_proto_check(const Ty *t) {
  if (t->size_type) {
    uint32_t ret_id = t->size_type;
    const Ty *ret = ty(ret_id);
    if (!ret || source_only(ret)) return fail_type(t, "Invalid return type");
    if (needs_resolve(ret) && !resolved(ret_id)) {
      int err = resolve(ret_id);
      if (err) return err;
    }
    if (!id_size(ret_id, nullptr)) return fail_type(t, "Invalid return type");
  }
  uint32_t n = t->vlen();
  if (!n) return 0;
  auto arg_at = [&](uint32_t i) { return t->off + 12 + 8 * size_t(i); };
  if (!rd32(arg_at(n - 1) + 4)) {
    if (rd32(arg_at(n - 1))) return fail_type(t, strfmt("Invalid arg#%u", n));
    n--;
  }
  for (uint32_t i = 0; i < n; i++) {
    uint32_t name = rd32(arg_at(i)), arg_id = rd32(arg_at(i) + 4);
    const Ty *at = ty(arg_id);
    if (!at || source_only(at)) return fail_type(t, strfmt("Invalid arg#%u", i + 1));
    if (name && (!name_offset_valid(name) || !valid_identifier(name)))
      return fail_type(t, strfmt("Invalid arg#%u", i + 1));
    if (needs_resolve(at) && !resolved(arg_id)) {
      int err = resolve(arg_id);
      if (err) return err;
    }
    if (!id_size(arg_id, nullptr)) return fail_type(t, strfmt("Invalid arg#%u", i + 1));
  }
  return 0;
}

int Loader::check_all_types() {
  size_t n = types_.size();
  visit_.assign(n, NOT_VISITED);
  rid_.assign(n, 0);
  rsize_.assign(n, 0);
  check_meta_phase_ = false;
  for (uint32_t i = base_ ? 0 : 1; i < n; i++) {
    uint32_t id = start_id_ + i;
    const Ty *t = &types_[i];
    log_id_ = id;
    if (needs_resolve(t) && !resolved(id)) {
      int err = resolve(id);
      if (err) return err;
    }
    if (t->kind() == FUNC_PROTO) {
      int err = func_proto_check(t);
      if (err) return err;
    }
  }
  return 0;
}

}  // namespace kfb::check::detail
