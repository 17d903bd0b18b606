// Loader phase 3: check_meta, type by type in file order (the common btf_type checks, then each
// kind's own).
#include "check/loader_impl.h"

#include <algorithm>
#include <string>

namespace kfb::check::detail {

// ------------------------------------------------------------------------------------------
// check_meta

int Loader::check_all_metas() {
  uint64_t cur = uint64_t(hdr_.hdr_len) + hdr_.type_off;
  uint64_t end = cur + hdr_.type_len;
  types_.clear();
  {
    // Count the types first (a cheap walk over the info words) so the array is sized once.
    size_t count = 0;
    for (uint64_t at = cur; at + 12 <= end; count++) at += 12 + uint64_t{extra_size(rd32(at + 4))};
    types_.reserve(std::min<size_t>(count, kMaxType) + 2);
  }
  if (!base_) types_.push_back(Ty{});  // void
  log_id_ = base_ ? start_id_ : 1;
  bool warned = false;
  while (cur < end) {
    Ty t;
    t.off = static_cast<uint32_t>(cur);
    uint32_t left = static_cast<uint32_t>(end - cur);
    if (left >= 12) {
      t.name_off = rd32(cur);
      t.info = rd32(cur + 4);
      t.size_type = rd32(cur + 8);
    }
    int64_t n = check_meta(t, left);
    if (n < 0) return static_cast<int>(n);
    // The kernel's type array stops at 0xfffff entries (void included): later types are
    // logged, dropped, and the load goes on.
    if (start_id_ + types_.size() >= kMaxType) {
      if (!warned) {
        res_.notes.push_back(strfmt("[%u] Exceeded max num of types (ignored by the kernel: "
                                    "this type and all later ones are dropped)",
                                    log_id_));
        warned = true;
      }
    } else {
      types_.push_back(t);
    }
    cur += n;
    log_id_++;
  }
  return 0;
}

int64_t Loader::check_meta(const Ty &tref, uint32_t meta_left) {
  const Ty *t = &tref;
  if (meta_left < 12) {
    std::string s = strfmt("[%u] meta_left:%u meta_needed:12", log_id_, meta_left);
    return fail(EINVAL, "loader-meta", log_id_, nullptr, t->off,
                strfmt("meta_left:%u meta_needed:12", meta_left), s, s);
  }
  if (!v7_ && (t->info & ~kInfoMask)) {
    std::string s = strfmt("[%u] Invalid btf_info:%x", log_id_, t->info);
    return fail(EINVAL, "loader-meta", log_id_, t, t->off + 4,
                strfmt("Invalid btf_info:%x", t->info), s, s);
  }
  if (t->kind() > KIND_MAX || t->kind() == UNKN) {
    std::string s = strfmt("[%u] Invalid kind:%u", log_id_, t->kind());
    return fail(EINVAL, "loader-meta", log_id_, t, t->off + 4,
                strfmt("Invalid kind:%u", t->kind()), s, s);
  }
  if (!name_offset_valid(t->name_off)) {
    std::string s = strfmt("[%u] Invalid name_offset:%u", log_id_, t->name_off);
    return fail(EINVAL, "loader-meta", log_id_, t, t->off,
                strfmt("Invalid name_offset:%u", t->name_off), s, s);
  }
  int64_t extra = kind_check_meta(t, meta_left - 12);
  if (extra < 0) return extra;
  return 12 + extra;
}

int64_t Loader::kind_check_meta(const Ty *t, uint32_t left) {
  auto meta_short = [&](uint32_t needed) {
    return fail_type(t, strfmt("meta_left:%u meta_needed:%u", left, needed), EINVAL, true);
  };
  const uint8_t k = t->kind();
  switch (k) {
    case INT: {
      if (left < 4) return meta_short(4);
      if (t->vlen()) return fail_type(t, "vlen != 0");
      if (t->kflag()) return fail_type(t, "Invalid btf_info kind_flag");
      uint32_t d = int_data(t);
      if (d & ~kIntMask) return fail_type(t, strfmt("Invalid int_data:%x", d), EINVAL, true);
      uint32_t bits = (d & 0xff) + ((d >> 16) & 0xff);
      if (bits > 128) return fail_type(t, "nr_bits exceeds 128");
      if ((bits + 7) / 8 > t->size_type) return fail_type(t, "nr_bits exceeds type_size");
      uint32_t enc = (d >> 24) & 0x0f;
      if (enc && enc != 1 && enc != 2 && enc != 4)
        return fail_type(t, "Unsupported encoding", kENOTSUPP);
      return 4;
    }
    case PTR: case TYPEDEF: case VOLATILE: case CONST: case RESTRICT: case TYPE_TAG: {
      if (t->vlen()) return fail_type(t, "vlen != 0");
      if (t->kflag() && !(v618_ && k == TYPE_TAG))
        return fail_type(t, "Invalid btf_info kind_flag");
      if (t->size_type > kMaxType) return fail_type(t, "Invalid type_id");
      if (k == TYPEDEF) {
        if (!t->name_off || !valid_identifier(t->name_off)) return fail_type(t, "Invalid name");
      } else if (k == TYPE_TAG) {
        auto s = str(t->name_off);
        if (!s || s->empty()) return fail_type(t, "Invalid name");
      } else if (t->name_off) {
        return fail_type(t, "Invalid name");
      }
      return 0;
    }
    case ARRAY: {
      if (left < 12) return meta_short(12);
      if (t->name_off) return fail_type(t, "Invalid name");
      if (t->vlen()) return fail_type(t, "vlen != 0");
      if (t->kflag()) return fail_type(t, "Invalid btf_info kind_flag");
      if (t->size_type) return fail_type(t, "size != 0");
      uint32_t elem = rd32(t->off + 12), index = rd32(t->off + 16);
      if (!elem || elem > kMaxType) return fail_type(t, "Invalid elem");
      if (!index || index > kMaxType) return fail_type(t, "Invalid index");
      return 12;
    }
    case STRUCT: case UNION: {
      uint32_t needed = t->vlen() * 12u;
      if (left < needed) return meta_short(needed);
      if (t->name_off && !valid_identifier(t->name_off)) return fail_type(t, "Invalid name");
      uint32_t last = 0;
      for (uint32_t i = 0; i < t->vlen(); i++) {
        Member m = member(t, i);
        if (!name_offset_valid(m.name_off))
          return fail_member(t, m, i, strfmt("Invalid member name_offset:%u", m.name_off));
        if (m.name_off && !valid_identifier(m.name_off)) return fail_member(t, m, i, "Invalid name");
        if (!m.type || m.type > kMaxType) return fail_member(t, m, i, "Invalid type_id");
        uint32_t off = t->kflag() ? (m.offset & 0xffffff) : m.offset;
        if (k == UNION && off) return fail_member(t, m, i, "Invalid member bits_offset");
        if (last > off) return fail_member(t, m, i, "Invalid member bits_offset");
        if (off / 8 + ((off & 7) != 0) > t->size_type)
          return fail_member(t, m, i, "Member bits_offset exceeds its struct size");
        last = off;
      }
      return needed;
    }
    case ENUM: case ENUM64: {
      uint32_t esz = k == ENUM ? 8 : 12;
      uint32_t needed = t->vlen() * esz;
      if (left < needed) return meta_short(needed);
      uint32_t size = t->size_type;
      if (size > 8 || !size || (size & (size - 1))) return fail_type(t, "Unexpected size");
      if (t->name_off && !valid_identifier(t->name_off)) return fail_type(t, "Invalid name");
      for (uint32_t i = 0; i < t->vlen(); i++) {
        size_t at = t->off + 12 + size_t(esz) * i;
        uint32_t name = rd32(at);
        if (!name_offset_valid(name)) {
          std::string s = piece("\tInvalid name_offset:%u", name);
          return fail(EINVAL, "loader-meta", log_id_, t, at,
                      strfmt("Invalid name_offset:%u", name),
                      strfmt("enumerator #%u: Invalid name_offset:%u", i, name), s);
        }
        if (!name || !valid_identifier(name)) {
          std::string reason = "Invalid name";
          return fail(EINVAL, "loader-meta", log_id_, t, at, reason,
                      strfmt("enumerator #%u: %s", i, reason.c_str()),
                      type_line(log_id_, t, true, reason));
        }
      }
      return needed;
    }
    case FWD:
      if (t->vlen()) return fail_type(t, "vlen != 0");
      if (t->size_type) return fail_type(t, "type != 0");
      if (!t->name_off || !valid_identifier(t->name_off)) return fail_type(t, "Invalid name");
      return 0;
    case FUNC:
      if (!t->name_off || !valid_identifier(t->name_off)) return fail_type(t, "Invalid name");
      if (t->vlen() > 1) return fail_type(t, "Invalid func linkage");
      if (t->kflag()) return fail_type(t, "Invalid btf_info kind_flag");
      return 0;
    case FUNC_PROTO: {
      uint32_t needed = t->vlen() * 8u;
      if (left < needed) return meta_short(needed);
      if (t->name_off) return fail_type(t, "Invalid name");
      if (t->kflag()) return fail_type(t, "Invalid btf_info kind_flag");
      return needed;
    }
    case VAR: {
      if (left < 4) return meta_short(4);
      if (t->vlen()) return fail_type(t, "vlen != 0");
      if (t->kflag()) return fail_type(t, "Invalid btf_info kind_flag");
      if (!t->name_off || !valid_identifier(t->name_off)) return fail_type(t, "Invalid name");
      if (!t->size_type || t->size_type > kMaxType) return fail_type(t, "Invalid type_id");
      uint32_t linkage = rd32(t->off + 12);
      if (linkage != 0 && linkage != 1) return fail_type(t, "Linkage not supported");
      return 4;
    }
    case DATASEC: {
      uint32_t needed = t->vlen() * 12u;
      if (left < needed) return meta_short(needed);
      if (!t->size_type) return fail_type(t, "size == 0");
      if (t->kflag()) return fail_type(t, "Invalid btf_info kind_flag");
      if (!t->name_off || !valid_section(t->name_off)) return fail_type(t, "Invalid name");
      uint64_t last_end = 0, sum = 0;
      for (uint32_t i = 0; i < t->vlen(); i++) {
        size_t at = t->off + 12 + 12 * size_t(i);
        uint32_t type = rd32(at), off = rd32(at + 4), size = rd32(at + 8);
        if (!type || type > kMaxType) return fail_vsi(t, at, type, off, size, "Invalid type_id");
        if (off < last_end || off >= t->size_type)
          return fail_vsi(t, at, type, off, size, "Invalid offset");
        if (!size || size > t->size_type) return fail_vsi(t, at, type, off, size, "Invalid size");
        last_end = static_cast<uint32_t>(off + size);  // wraps in 32 bits, as in the kernel
        if (last_end > t->size_type)
          return fail_vsi(t, at, type, off, size, "Invalid offset+size");
        sum += size;
      }
      if (t->size_type < sum) return fail_type(t, "Invalid btf_info size");
      return needed;
    }
    case FLOAT: {
      if (t->vlen()) return fail_type(t, "vlen != 0");
      if (t->kflag()) return fail_type(t, "Invalid btf_info kind_flag");
      uint32_t s = t->size_type;
      if (s != 2 && s != 4 && s != 8 && s != 12 && s != 16) return fail_type(t, "Invalid type_size");
      return 0;
    }
    case DECL_TAG: {
      if (left < 4) return meta_short(4);
      auto s = str(t->name_off);
      if (!s || s->empty()) return fail_type(t, "Invalid value");
      if (t->vlen()) return fail_type(t, "vlen != 0");
      if (t->kflag() && !v618_) return fail_type(t, "Invalid btf_info kind_flag");
      int32_t idx = static_cast<int32_t>(rd32(t->off + 12));
      if (idx < -1) return fail_type(t, "Invalid component_idx");
      return 4;
    }
  }
  return fail_type(t, "Unsupported kind");  // unreachable: the kind was checked
}

}  // namespace kfb::check::detail
