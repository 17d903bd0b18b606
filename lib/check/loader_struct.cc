// Loader phases 5 and 6: type-tag chains, and the struct metas (btf_parse_struct_metas and
// btf_parse_fields) of user BTF on 6.18 and later.
#include "check/loader_impl.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kfb::check::detail {

// ------------------------------------------------------------------------------------------
// Type tags

int Loader::check_type_tags(uint32_t start) {
  int64_t good = int64_t(start) - 1;
  uint32_t n = nr_total();
  for (uint32_t i = start; i < n; i++) {
    const Ty *t = ty(i);
    if (!t) return -EINVAL;
    if (!is_modifier(t)) continue;
    int limit = 32;
    uint32_t cur = i;
    // 7.x dropped the ordering rule (btf_check_modifier_chain_length): only the length stays.
    bool in_tags = t->kind() == TYPE_TAG || v7_;
    while (is_modifier(t)) {
      if (!limit--) {
        std::string s = "Max chain length or cycle detected";
        log_id_ = i;
        return fail(ELOOP, "loader-type-tags", i, ty(i), ty(i)->off, s, s, s);
      }
      if (t->kind() == TYPE_TAG) {
        if (!in_tags && !v7_) {
          std::string s = "Type tags don't precede modifiers";
          return fail(EINVAL, "loader-type-tags", i, ty(i), ty(i)->off, s,
                      strfmt("%s (at [%u])", s.c_str(), cur), s);
        }
      } else if (!v7_) {
        in_tags = false;
      }
      if (int64_t(cur) <= good) break;
      cur = t->size_type;
      // A base type ends the walk at the next step (its id is <= good) and can fail it only as
      // the 33rd modifier or, before 7.x, as a TYPE_TAG after another modifier: otherwise its
      // kind is not needed, and a module's walk need not look into the base's types.
      if (cur < start && cur < nr_total() && limit > 0 && (v7_ || in_tags)) break;
      t = ty(cur);
      if (!t) {
        // The kernel returns EINVAL without a log line; resolve (user BTF) catches this first.
        return fail(EINVAL, "loader-type-tags", i, ty(i), ty(i)->off, "",
                    strfmt("modifier chain reaches missing type [%u]", cur), "");
      }
    }
    good = i;
  }
  return 0;
}

// ------------------------------------------------------------------------------------------
// Struct metas (6.2+, user BTF): btf_parse_struct_metas + btf_parse_fields +
// btf_check_and_fixup_fields (+ btf_check_ownership_depth on 7.x). The kernel logs nothing for
// these failures. What 7.x changed (kfunc::struct_metas_7x) is marked "7.x" below:
// - btf_find_field: one seen mask for the whole struct, nested structs included, so a second
//   bpf_spin_lock / bpf_res_spin_lock / bpf_refcount anywhere in it is E2BIG (6.18 started
//   each nested struct afresh, never counted bpf_refcount, and WARNed in btf_parse_fields);
// - btf_find_kptr: btf_type_tag_walk over every modifier after the pointer: unknown and
//   kflag tags are skipped, one kind of kptr tag may appear any number of times;
// - btf_check_ownership_depth replaces the "node type owning roots" ELOOP rule: graph roots
//   and kptr/percpu_kptr fields to program types may neither cycle nor chain deeper than 8.

namespace {

enum Field : uint32_t {
  F_SPIN_LOCK = 1u << 0, F_RES_SPIN_LOCK = 1u << 1, F_KPTR_UNREF = 1u << 2,
  F_KPTR_REF = 1u << 3, F_KPTR_PERCPU = 1u << 4, F_LIST_HEAD = 1u << 5, F_LIST_NODE = 1u << 6,
  F_RB_ROOT = 1u << 7, F_RB_NODE = 1u << 8, F_REFCOUNT = 1u << 9, F_UPTR = 1u << 10,
  F_KPTR = F_KPTR_UNREF | F_KPTR_REF | F_KPTR_PERCPU,
  F_GRAPH_ROOT = F_LIST_HEAD | F_RB_ROOT, F_GRAPH_NODE = F_LIST_NODE | F_RB_NODE,
};
constexpr int kFound = 1, kIgnore = 0;
constexpr int kFieldsMax = 11;  // BTF_FIELDS_MAX

uint32_t field_size(uint32_t f) {
  switch (f) {
    case F_SPIN_LOCK: case F_REFCOUNT: return 4;
    case F_RES_SPIN_LOCK: return 8;
    case F_LIST_HEAD: case F_RB_ROOT: return 16;
    case F_LIST_NODE: return 24;
    case F_RB_NODE: return 32;
    default: return 8;  // kptrs
  }
}
uint32_t field_align(uint32_t f) { return (f == F_SPIN_LOCK || f == F_REFCOUNT) ? 4 : 8; }

struct FieldInfo {
  uint32_t type = 0, off = 0;
  uint32_t kptr_type_id = 0;
  uint32_t value_btf_id = 0;
  std::string node_name;
};

struct Record {
  uint32_t mask = 0;
  std::vector<FieldInfo> fields;
};

// Helpers as lambdas would not reach the private parts; a small local class does.
class StructMetas {
 public:
  StructMetas(const std::function<const Ty *(uint32_t)> &ty,
              const std::function<std::string(uint32_t)> &name,
              const std::function<uint32_t(const Ty *, uint32_t, int)> &rd, uint32_t n, bool v7)
      : ty_(ty), name_(name), rd_(rd), n_(n), v7_(v7) {}

  int32_t find_by_name_kind(std::string_view want, uint8_t kind) {
    for (uint32_t i = 1; i < n_; i++) {
      const Ty *t = ty_(i);
      if (t->kind() == kind && name_(t->name_off) == want) return static_cast<int32_t>(i);
    }
    return -ENOENT;
  }

  static uint32_t kptr_tag_type(const std::string &tag) {
    if (tag == "kptr_untrusted") return F_KPTR_UNREF;
    if (tag == "kptr") return F_KPTR_REF;
    if (tag == "percpu_kptr") return F_KPTR_PERCPU;
    if (tag == "uptr") return F_UPTR;
    return 0;
  }

  // 7.x (btf_type_tag_walk): every modifier after the pointer; the kptr tags found, of one
  // kind only; then the type the chain ends at.
  int find_kptr_7x(const Ty *t, uint32_t off, FieldInfo *info, uint32_t mask) {
    uint32_t res = 0, id = 0;
    for (uint32_t i = 0;; i++) {
      id = t->size_type;
      t = ty_(id);
      // Resolve and the modifier-chain check ran before: a chain ends within 32 steps.
      if (!t || !is_modifier(t) || i > kMaxResolveDepth) break;
      if (t->kind() != TYPE_TAG || t->kflag()) continue;
      res |= kptr_tag_type(name_(t->name_off));
    }
    if (__builtin_popcount(res) > 1) {
      why_ = "a kptr carries two kinds of kptr type tag";
      return -EINVAL;
    }
    if (!(res & mask)) return kIgnore;
    if (!t || t->kind() != STRUCT) {
      why_ = "a kptr does not point to a struct";
      return -EINVAL;
    }
    info->type = res;
    info->off = off;
    info->kptr_type_id = id;
    return kFound;
  }

  int find_kptr(const Ty *t, uint32_t off, FieldInfo *info, uint32_t mask) {
    if (t && t->kind() == VOLATILE) t = ty_(t->size_type);
    if (!t || t->kind() != PTR) return kIgnore;
    if (v7_) return find_kptr_7x(t, off, info, mask);
    t = ty_(t->size_type);
    if (!t || !(t->kind() == TYPE_TAG && !t->kflag())) return kIgnore;
    const Ty *after = ty_(t->size_type);
    if (after && after->kind() == TYPE_TAG) {
      why_ = "a kptr carries more than one type tag";
      return -EINVAL;
    }
    std::string tag = name_(t->name_off);
    uint32_t type = kptr_tag_type(tag);
    if (!type) {
      why_ = "pointer with type tag '" + tag + "' in a struct with special fields";
      return -EINVAL;
    }
    if (!(type & mask)) return kIgnore;
    uint32_t id = t->size_type;
    const Ty *x = ty_(id);
    while (x && is_modifier(x)) {
      id = x->size_type;
      x = ty_(id);
    }
    if (!x || x->kind() != STRUCT) {
      why_ = "kptr '" + tag + "' does not point to a struct";
      return -EINVAL;
    }
    info->type = type;
    info->off = off;
    info->kptr_type_id = id;
    return kFound;
  }

  int field_type(const Ty *vt, uint32_t mask, uint32_t *seen, uint32_t *align, uint32_t *sz) {
    std::string name = name_(vt->name_off);
    uint32_t type = 0;
    // 7.x: the seen mask spans the nested structs, and bpf_refcount is unique too.
    const char *nested = v7_ ? " (nested structs included)" : "";
    if ((mask & F_SPIN_LOCK) && name == "bpf_spin_lock") {
      if (*seen & F_SPIN_LOCK) {
        why_ = std::string("two bpf_spin_lock fields") + nested;
        return -E2BIG;
      }
      *seen |= F_SPIN_LOCK;
      type = F_SPIN_LOCK;
    } else if ((mask & F_RES_SPIN_LOCK) && name == "bpf_res_spin_lock") {
      if (*seen & F_RES_SPIN_LOCK) {
        why_ = std::string("two bpf_res_spin_lock fields") + nested;
        return -E2BIG;
      }
      *seen |= F_RES_SPIN_LOCK;
      type = F_RES_SPIN_LOCK;
    } else if ((mask & F_LIST_HEAD) && name == "bpf_list_head") {
      type = F_LIST_HEAD;
    } else if ((mask & F_LIST_NODE) && name == "bpf_list_node") {
      type = F_LIST_NODE;
    } else if ((mask & F_RB_ROOT) && name == "bpf_rb_root") {
      type = F_RB_ROOT;
    } else if ((mask & F_RB_NODE) && name == "bpf_rb_node") {
      type = F_RB_NODE;
    } else if ((mask & F_REFCOUNT) && name == "bpf_refcount") {
      if (v7_ && (*seen & F_REFCOUNT)) {
        why_ = std::string("two bpf_refcount fields") + nested;
        return -E2BIG;
      }
      *seen |= F_REFCOUNT;
      type = F_REFCOUNT;
    } else if ((mask & (F_KPTR | F_UPTR)) && vt->kind() != STRUCT) {
      type = F_KPTR_REF;
    } else {
      return 0;
    }
    *sz = field_size(type);
    *align = field_align(type);
    return static_cast<int>(type);
  }

  int decl_tag_value(uint32_t pt, int32_t comp, std::string_view key, std::string *out) {
    int found = -ENOENT;
    for (uint32_t i = 1; i < n_; i++) {
      const Ty *t = ty_(i);
      if (t->kind() != DECL_TAG || t->size_type != pt) continue;
      if (static_cast<int32_t>(rd_(t, 12, 4)) != comp) continue;
      std::string v = name_(t->name_off);
      if (v.compare(0, key.size(), key) != 0) continue;
      if (found > 0) return -EEXIST;
      found = static_cast<int>(i);
      *out = v.substr(key.size());
    }
    return found;
  }

  int graph_root(uint32_t pt, const Ty *t, uint32_t comp, uint32_t off, uint32_t sz,
                 FieldInfo *info, uint32_t type) {
    if (t->kind() != STRUCT || t->size_type != sz) return kIgnore;
    std::string value;
    if (decl_tag_value(pt, static_cast<int32_t>(comp), "contains:", &value) < 0) {
      why_ = "bpf_list_head/bpf_rb_root without one 'contains:' decl tag";
      return -EINVAL;
    }
    size_t colon = value.find(':');
    if (colon == std::string::npos) {
      why_ = "'contains:' decl tag without ':field'";
      return -EINVAL;
    }
    int32_t id = find_by_name_kind(value.substr(0, colon), STRUCT);
    if (id < 0) {
      why_ = "'contains:' names a struct that does not exist: " + value.substr(0, colon);
      return id;
    }
    std::string node = value.substr(colon + 1);
    if (node.empty()) {
      why_ = "'contains:' decl tag with an empty field name";
      return -EINVAL;
    }
    info->type = type;
    info->off = off;
    info->value_btf_id = static_cast<uint32_t>(id);
    info->node_name = node;
    return kFound;
  }

  int repeat(std::vector<FieldInfo> &info, size_t base, uint32_t cnt, uint32_t times,
             uint32_t elem_size, uint32_t cap) {
    for (uint32_t i = 0; i < cnt; i++) {
      uint32_t t = info[base + i].type;
      if (!(t & (F_KPTR | F_UPTR | F_GRAPH_ROOT))) {
        why_ = "an array of special fields that cannot be repeated";
        return -EINVAL;
      }
    }
    if (uint64_t(cnt) * (uint64_t(times) + 1) > cap) {
      why_ = "more special fields than the kernel's limit";
      return -E2BIG;
    }
    for (uint32_t r = 0; r < times; r++)
      for (uint32_t j = 0; j < cnt; j++) {
        FieldInfo f = info[base + j];
        f.off += (r + 1) * elem_size;
        info.push_back(f);
      }
    return 0;
  }

  // Appends to `out`; returns the number of fields found or a negative errno. `seen` is the
  // outermost struct's mask on 7.x; 6.18 starts one for each (nested) struct.
  int struct_fields(const Ty *t, uint32_t tid, uint32_t mask, std::vector<FieldInfo> &out,
                    uint32_t cap, uint32_t level, uint32_t *outer_seen) {
    uint32_t own_seen = 0;
    uint32_t *seen = v7_ ? outer_seen : &own_seen;
    size_t start = out.size();
    for (uint32_t i = 0; i < t->vlen(); i++) {
      uint32_t mtype = rd_(t, 12 + 12 * i + 4, 4), moff = rd_(t, 12 + 12 * i + 8, 4);
      uint32_t off = t->kflag() ? (moff & 0xffffff) : moff;
      if (off % 8) {
        why_ = strfmt("member #%u is not byte aligned", i);
        return -EINVAL;
      }
      int ret = field_one(tid, mtype, i, off / 8, mask, seen, out,
                          cap - static_cast<uint32_t>(out.size() - start), level);
      if (ret < 0) return ret;
    }
    return static_cast<int>(out.size() - start);
  }

  int field_one(uint32_t pt, uint32_t vid, uint32_t idx, uint32_t off, uint32_t mask,
                uint32_t *seen, std::vector<FieldInfo> &out, uint32_t cap, uint32_t level) {
    const Ty *vt = ty_(vid);
    uint32_t nelems = 1, i = 0;
    for (; i < kMaxResolveDepth && vt && vt->kind() == ARRAY; i++) {
      nelems *= rd_(vt, 20, 4);
      vid = rd_(vt, 12, 4);
      vt = ty_(vid);
    }
    if (i == kMaxResolveDepth) {
      why_ = "arrays nested too deep";
      return -E2BIG;
    }
    if (!nelems || !vt) return 0;
    uint32_t align = 1, sz = 0;
    int ft = field_type(vt, mask, seen, &align, &sz);
    if (!ft && vt->kind() == STRUCT) {
      // Look into nested structs.
      if (++level >= kMaxResolveDepth) {
        why_ = "structs nested too deep";
        return -E2BIG;
      }
      size_t base = out.size();
      int ret = struct_fields(vt, vid, mask, out, cap, level, seen);
      if (ret <= 0) return ret;
      for (size_t k = base; k < out.size(); k++) out[k].off += off;
      if (nelems > 1) {
        int err = repeat(out, base, static_cast<uint32_t>(ret), nelems - 1, vt->size_type, cap);
        if (err) return err;
        ret *= static_cast<int>(nelems);
      }
      return ret;
    }
    if (ft <= 0) return ft;
    if (off % align) return 0;
    FieldInfo info;
    int ret;
    switch (ft) {
      case F_SPIN_LOCK: case F_RES_SPIN_LOCK: case F_LIST_NODE: case F_RB_NODE: case F_REFCOUNT:
        if (vt->kind() != STRUCT || vt->size_type != sz) return 0;
        info.type = static_cast<uint32_t>(ft);
        info.off = off;
        ret = kFound;
        break;
      case F_KPTR_REF:
        ret = find_kptr(vt, off, &info, F_KPTR);
        if (ret < 0) return ret;
        break;
      default:  // graph roots
        ret = graph_root(pt, vt, idx, off, sz, &info, static_cast<uint32_t>(ft));
        if (ret < 0) return ret;
    }
    if (ret == kIgnore) return 0;
    if (nelems > cap) {
      why_ = "more special fields than the kernel's limit";
      return -E2BIG;
    }
    size_t base = out.size();
    out.push_back(info);
    if (nelems > 1) {
      int err = repeat(out, base, 1, nelems - 1, sz, cap);
      if (err) return err;
    }
    return static_cast<int>(nelems);
  }

  int parse_graph_root(const FieldInfo &f, const char *node_type) {
    const Ty *t = ty_(f.value_btf_id);
    const Ty *n = nullptr;
    for (uint32_t i = 0; i < t->vlen(); i++) {
      if (name_(rd_(t, 12 + 12 * i, 4)) != f.node_name) continue;
      if (n) {
        why_ = "two members named '" + f.node_name + "'";
        return -EINVAL;
      }
      n = ty_(rd_(t, 12 + 12 * i + 4, 4));
      if (!n || n->kind() != STRUCT || name_(n->name_off) != node_type) {
        why_ = strfmt("'%s' is not a struct %s", f.node_name.c_str(), node_type);
        return -EINVAL;
      }
      uint32_t moff = rd_(t, 12 + 12 * i + 8, 4);
      uint32_t off = n->kflag() ? (moff & 0xffffff) : moff;
      if (off % 8 || (off / 8) % 8) {
        why_ = strfmt("'%s' is not aligned", f.node_name.c_str());
        return -EINVAL;
      }
    }
    if (!n) {
      why_ = "no member '" + f.node_name + "' in the contained struct";
      return -ENOENT;
    }
    return 0;
  }

  // btf_parse_fields for one struct.
  int parse_fields(const Ty *t, uint32_t tid, Record *rec) {
    std::vector<FieldInfo> infos;
    uint32_t mask = F_SPIN_LOCK | F_RES_SPIN_LOCK | F_LIST_HEAD | F_LIST_NODE | F_RB_ROOT |
                    F_RB_NODE | F_REFCOUNT | F_KPTR;
    uint32_t seen = 0;
    int ret = struct_fields(t, tid, mask, infos, kFieldsMax, 0, &seen);
    if (ret < 0) return ret;
    if (ret == 0) {
      why_ = "a member's type is special but no special field was found";
      return -EFAULT;
    }
    uint32_t next_off = 0;
    bool spin = false, res_spin = false, refcount = false;
    for (auto &f : infos) {
      uint32_t size = field_size(f.type);
      if (uint64_t(f.off) + size > t->size_type) {
        why_ = "special field past the end of the struct";
        return -EFAULT;
      }
      if (f.off < next_off) {
        why_ = "special fields overlap";
        return -EEXIST;
      }
      next_off = f.off + size;
      rec->mask |= f.type;
      if (f.type == F_SPIN_LOCK) spin = true;
      if (f.type == F_RES_SPIN_LOCK) res_spin = true;
      if (f.type == F_REFCOUNT) refcount = true;
      if (f.type == F_LIST_HEAD) {
        int err = parse_graph_root(f, "bpf_list_node");
        if (err) return err;
      } else if (f.type == F_RB_ROOT) {
        int err = parse_graph_root(f, "bpf_rb_node");
        if (err) return err;
      }
      // kptrs: the kernel looks the target up in vmlinux and module BTF and, for a
      // referenced kptr to a kernel type, needs a registered destructor kfunc. That depends
      // on the running kernel, not on this BTF; a type only in this BTF is always fine.
    }
    if (spin && res_spin) {
      why_ = "both bpf_spin_lock and bpf_res_spin_lock";
      return -EINVAL;
    }
    if ((rec->mask & F_GRAPH_ROOT) && !spin && !res_spin) {
      why_ = "bpf_list_head/bpf_rb_root without a bpf_spin_lock";
      return -EINVAL;
    }
    if (!refcount && (rec->mask & F_LIST_NODE) && (rec->mask & F_RB_NODE)) {
      why_ = "bpf_list_node and bpf_rb_node without bpf_refcount";
      return -EINVAL;
    }
    std::sort(infos.begin(), infos.end(),
              [](const FieldInfo &a, const FieldInfo &b) { return a.off < b.off; });
    rec->fields = std::move(infos);
    return 0;
  }

  std::string why_;

 private:
  const std::function<const Ty *(uint32_t)> &ty_;
  const std::function<std::string(uint32_t)> &name_;
  const std::function<uint32_t(const Ty *, uint32_t, int)> &rd_;
  uint32_t n_;
  bool v7_;
};

// 7.x btf_check_ownership_depth: an edge from each graph root to its element type and from
// each kptr / percpu_kptr to a program type with special fields; a path may hold at most
// BTF_MAX_OWNERSHIP_DEPTH metas and no cycle (ELOOP). A kptr to a type the running kernel's BTF
// also defines (by name) is the kernel's and no edge there; check cannot know those names and
// takes every kptr target as the program's, as btf_parse_kptr does for names vmlinux lacks.
// Returns the first meta (in id order) whose walk fails, or 0.
constexpr int kMaxOwnershipDepth = 8;  // BTF_MAX_OWNERSHIP_DEPTH

uint32_t ownership_too_deep(const std::vector<std::pair<uint32_t, Record>> &metas,
                            const std::function<int(uint32_t)> &meta_index) {
  std::vector<uint8_t> depth(metas.size(), 0);
  std::function<int(size_t, int)> walk = [&](size_t idx, int left) -> int {
    if (!left) return -ELOOP;
    if (!depth[idx]) {
      int deepest = 0;
      for (const FieldInfo &f : metas[idx].second.fields) {
        int to = -1;
        if (f.type & F_GRAPH_ROOT) to = meta_index(f.value_btf_id);
        else if (f.type == F_KPTR_REF || f.type == F_KPTR_PERCPU) to = meta_index(f.kptr_type_id);
        if (to < 0) continue;
        int r = walk(static_cast<size_t>(to), left - 1);
        if (r < 0) return r;
        deepest = std::max(deepest, r);
      }
      depth[idx] = static_cast<uint8_t>(deepest + 1);
    }
    return depth[idx] > left ? -ELOOP : depth[idx];
  };
  for (size_t i = 0; i < metas.size(); i++)
    if (walk(i, kMaxOwnershipDepth) < 0) return metas[i].first;
  return 0;
}

}  // namespace

int Loader::parse_struct_metas() {
  std::function<const Ty *(uint32_t)> tyf = [this](uint32_t id) { return ty(id); };
  std::function<std::string(uint32_t)> namef = [this](uint32_t off) { return log_name(off); };
  std::function<uint32_t(const Ty *, uint32_t, int)> rdf = [this](const Ty *t, uint32_t rel,
                                                                  int) {
    return rd32(t->off + rel);
  };
  uint32_t n = nr_total();
  StructMetas sm(tyf, namef, rdf, n, metas_7x_);

  // The special structs (first of each name by id) and every kptr type.
  static const char *const kSpecial[] = {"bpf_spin_lock", "bpf_list_head", "bpf_list_node",
                                         "bpf_rb_root",   "bpf_rb_node",   "bpf_refcount"};
  int32_t special[6] = {-1, -1, -1, -1, -1, -1};
  std::vector<uint32_t> aof;
  for (uint32_t i = 1; i < n; i++) {
    const Ty *t = ty(i);
    if (t->kind() == STRUCT && t->name_off && t->name_off >= start_str_off_ &&
        t->name_off - start_str_off_ + 4 < strs_.size() &&
        strs_[t->name_off - start_str_off_] == 'b' && strs_[t->name_off - start_str_off_ + 3] == '_') {
      auto s = str(t->name_off);
      if (s && s->size() >= 11 && s->substr(0, 4) == "bpf_")
        for (int k = 0; k < 6; k++)
          if (special[k] < 0 && *s == kSpecial[k]) special[k] = static_cast<int32_t>(i);
    }
  }
  for (int k = 0; k < 6; k++)
    if (special[k] >= 0) aof.push_back(static_cast<uint32_t>(special[k]));
  for (uint32_t i = 1; i < n; i++) {
    const Ty *t = ty(i);
    if (t->kind() != PTR && t->kind() != VOLATILE) continue;
    FieldInfo tmp;
    if (sm.find_kptr(t, 0, &tmp, F_KPTR) == kFound) aof.push_back(i);
  }
  if (aof.empty()) return 0;
  std::sort(aof.begin(), aof.end());
  std::vector<bool> in_aof(n, false);
  for (uint32_t id : aof) in_aof[id] = true;

  std::vector<std::pair<uint32_t, Record>> metas;
  for (uint32_t i = 1; i < n; i++) {
    const Ty *t = ty(i);
    if (t->kind() != STRUCT) continue;
    bool hit = false;
    for (uint32_t j = 0; j < t->vlen() && !hit; j++)
      hit = [&](uint32_t mt) { return mt < n && in_aof[mt]; }(rd32(t->off + 12 + 12 * j + 4));
    if (!hit) continue;
    Record rec;
    sm.why_.clear();
    int err = sm.parse_fields(t, i, &rec);
    if (err) {
      log_id_ = i;
      std::string why = "special fields (struct metas): " + sm.why_;
      return fail(-err, "loader-struct-meta", i, t, t->off, why, why, "");
    }
    metas.emplace_back(i, std::move(rec));
  }
  auto meta_index = [&](uint32_t id) -> int {
    auto it = std::lower_bound(metas.begin(), metas.end(), id,
                               [](const auto &m, uint32_t v) { return m.first < v; });
    return it != metas.end() && it->first == id ? static_cast<int>(it - metas.begin()) : -1;
  };
  // btf_check_and_fixup_fields, each meta in id order, its fields in offset order.
  for (auto &[id, rec] : metas) {
    if (!(rec.mask & F_GRAPH_ROOT)) continue;
    for (auto &f : rec.fields) {
      if (!(f.type & F_GRAPH_ROOT)) continue;
      int vm = meta_index(f.value_btf_id);
      const Ty *t = ty(id);
      if (vm < 0) {
        std::string why = strfmt("special fields (struct metas): contained struct [%u] has no "
                                 "special fields", f.value_btf_id);
        return fail(EFAULT, "loader-struct-meta", id, t, t->off, why, why, "");
      }
      // 6.18: a node type may not own roots. 7.x checks the whole ownership graph below.
      if (metas_7x_ || !(rec.mask & F_GRAPH_NODE)) continue;
      if (metas[vm].second.mask & F_GRAPH_ROOT) {
        std::string why = strfmt("special fields (struct metas): ownership cycle through [%u]",
                                 f.value_btf_id);
        return fail(ELOOP, "loader-struct-meta", id, t, t->off, why, why, "");
      }
    }
  }
  if (!metas_7x_) return 0;
  if (uint32_t id = ownership_too_deep(metas, meta_index)) {
    const Ty *t = ty(id);
    log_id_ = id;
    std::string why = strfmt("special fields (struct metas): ownership (graph roots, kptrs to "
                             "program types) from [%u] cycles or is deeper than %d",
                             id, kMaxOwnershipDepth);
    return fail(ELOOP, "loader-struct-meta", id, t, t->off, why, why, "");
  }
  return 0;
}

}  // namespace kfb::check::detail
