// diff_btf: pair types (match.h), compare each changed pair field by field, and put kfunc
// changes first. Everything printed is derived from names and keys, never from ids, and
// sorted by (kind, name, content hash), so renumbering alone changes nothing.
// The kfunc section is diff_kfuncs.cc, the text and JSON output diff_format.cc; Differ is
// declared in diff_impl.h.
#include "diff/diff.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "btf/cname.h"
#include "diff/diff_impl.h"
#include "diff/match.h"
#include "support/error.h"

namespace kfb::diff {

namespace detail {

namespace {

const char *func_linkage_name(uint32_t l) {
  switch (l) {
    case btf::FUNC_STATIC: return "static";
    case btf::FUNC_GLOBAL: return "global";
    case btf::FUNC_EXTERN: return "extern";
    default: return "unknown";
  }
}
const char *var_linkage_name(uint32_t l) {
  switch (l) {
    case btf::VAR_STATIC: return "static";
    case btf::VAR_GLOBAL_ALLOCATED: return "global";
    case btf::VAR_GLOBAL_EXTERN: return "extern";
    default: return "unknown";
  }
}

std::string int_encoding(uint8_t e) {
  std::string s;
  if (e & btf::INT_SIGNED) s += "signed";
  if (e & btf::INT_CHAR) s += s.empty() ? "char" : "|char";
  if (e & btf::INT_BOOL) s += s.empty() ? "bool" : "|bool";
  return s.empty() ? "(none)" : s;
}

}  // namespace

// One type to report. A named type's name is a view of its BTF's strings; an anonymous
// type's description is spelled into Differ::anon_names_ at [name_at, name_at + name_len),
// and name points there once all are spelled.
struct Entry {
  Change change;
  uint8_t kind;
  uint32_t name_at = UINT32_MAX, name_len = 0;
  std::string_view name;
  uint64_t h1, h2;
  uint32_t oid, nid;
  // The output order's first word: change, kind and the name's first 7 bytes (zero-padded),
  // so most comparisons in the sort are one integer compare.
  uint64_t order = 0;
  void set_order() {
    order = (uint64_t{static_cast<uint8_t>(change)} << 5 | kind) << 56;
    for (size_t i = 0; i < 7 && i < name.size(); i++)
      order |= uint64_t{static_cast<uint8_t>(name[i])} << (48 - 8 * i);
  }
};

DiffResult Differ::run() {
  DiffResult r;
  r.old_types = btf(Old).own_type_cnt();
  r.new_types = btf(New).own_type_cnt();
  kfuncs(r);
  if (sink_)
    for (const Line &l : r.kfuncs) (*sink_)(l, true);
  types(r);
  if (opt_.kfuncs_only) r.types.clear();
  return r;
}

// Appends the name of a named type, the "[...]" description of an anonymous one.
void Differ::display(std::string &d, SideId s, uint32_t id, bool bracket) {
  const Btf &b = btf(s);
  if (id == 0) {
    d += bracket ? "[void]" : "void";
    return;
  }
  btf::Type t = b.type(id);
  std::string_view nm = t.name();
  Kind k = t.kind();
  if (named(t)) {
    d += nm;
    return;
  }
  if (bracket) d += '[';
  switch (k) {
    case Kind::STRUCT:
    case Kind::UNION:
    case Kind::ENUM:
    case Kind::ENUM64: {
      d += k == Kind::STRUCT ? "struct {" : k == Kind::UNION ? "union {" : "enum {";
      if ((k == Kind::ENUM || k == Kind::ENUM64) && t.vlen() > 0) {
        d += str_or_empty(b, k == Kind::ENUM ? t.enums()[0].name_off : t.enum64s()[0].name_off);
        d += t.vlen() > 1 ? ", ...}" : "}";
      } else {
        std::string_view p = m_.anon_path(s, id);
        if (!p.empty() || k == Kind::ENUM || k == Kind::ENUM64 || t.vlen() == 0) {
          d += "...}";
        } else {  // unused: its first member says which one it is
          const btf::Member &m0 = t.members()[0];
          cw_[s].decl(d, m0.type, str_or_empty(b, m0.name_off));
          d += t.vlen() > 1 ? "; ...}" : ";}";
        }
        if (!p.empty()) {
          d += " in ";
          d += p;
        }
      }
      break;
    }
    case Kind::FUNC_PROTO:
      cw_[s].proto(d, id, true);
      break;
    case Kind::DECL_TAG: {
      d += nm;
      d += " on ";
      uint32_t tgt = t.type();
      d += b.valid_id(tgt) ? btf::kind_name(b.type(tgt).kind()) : "?";
      d += ' ';
      if (b.valid_id(tgt)) display(d, s, tgt, false);
      else d += '?';
      if (t.component_idx() >= 0) d += strfmt(" #%d", t.component_idx());
      break;
    }
    default:
      cw_[s].type(d, id);
      break;
  }
  if (bracket) d += ']';
}
std::string Differ::display(SideId s, uint32_t id, bool bracket) {
  std::string d;
  display(d, s, id, bracket);
  return d;
}

// A one-line C summary of a whole type for added/removed lines (nothing when the subject
// says it), appended to `out`.
void Differ::summary(std::string &out, SideId s, uint32_t id) {
  const Btf &b = btf(s);
  btf::Type t = b.type(id);
  auto count = [&](const char *what) {
    out += "size ";
    out += std::to_string(t.size());
    if (!what) return;
    out += ", ";
    out += std::to_string(t.vlen());
    out += what;
  };
  switch (t.kind()) {
    case Kind::FUNC:
      out += func_linkage_name(t.func_linkage());
      out += ' ';
      cw_[s].type(out, id);
      break;
    case Kind::VAR:
      out += var_linkage_name(t.var_linkage());
      out += ' ';
      cw_[s].type(out, id);
      break;
    case Kind::TYPEDEF:
      out += "typedef ";
      cw_[s].decl(out, t.type(), t.name());
      break;
    case Kind::STRUCT:
    case Kind::UNION:
      count(" members");
      break;
    case Kind::ENUM:
    case Kind::ENUM64:
      count(" values");
      break;
    case Kind::DATASEC:
      count(" entries");
      break;
    case Kind::INT:
    case Kind::FLOAT:
      count(nullptr);
      break;
    default:
      break;
  }
}

// ---- field-by-field comparison of a changed pair
struct Differ::Cmp {
  std::vector<Line> &lines;
  const std::string &kind, &name;
  void add(std::string field, Change c, std::string ov, std::string nv) {
    lines.push_back({kind, name, std::move(field), c, std::move(ov), std::move(nv)});
  }
  void num(const char *field, uint64_t a, uint64_t b) {
    if (a != b) add(field, Change::Changed, std::to_string(a), std::to_string(b));
  }
  void str(std::string field, const std::string &a, const std::string &b) {
    if (a != b) add(std::move(field), Change::Changed, a, b);
  }
};

void Differ::type_field(Cmp &c, std::string field, uint32_t o, uint32_t n) {
  if (same_key(o, n)) return;
  c.add(std::move(field), Change::Changed, c_type(btf(Old), o), c_type(btf(New), n));
}

std::string Differ::member_label(std::string_view nm, unsigned &unnamed) {
  if (!nm.empty()) return std::string(nm);
  return "#" + std::to_string(unnamed++);
}

std::string Differ::member_decl(SideId s, const btf::Member &mb, bool kflag, const std::string &label) {
  const Btf &b = btf(s);
  std::string d = c_decl(b, mb.type, str_or_empty(b, mb.name_off));
  if (mb.bitfield_size(kflag)) d += ":" + std::to_string(mb.bitfield_size(kflag));
  return d + " at bit " + std::to_string(mb.bit_offset(kflag)) + (label[0] == '#' ? " (" + label + ")" : "");
}

void Differ::compare_members(Cmp &c, btf::Type o, btf::Type n) {
  struct M {
    std::string label;
    const btf::Member *m;
  };
  auto list = [&](SideId s, btf::Type t) {
    std::vector<M> v;
    unsigned unnamed = 0;
    for (const btf::Member &mb : t.members())
      v.push_back({member_label(str_or_empty(btf(s), mb.name_off), unnamed), &mb});
    return v;
  };
  std::vector<M> mo = list(Old, o), mn = list(New, n);
  size_t before = c.lines.size();
  std::unordered_map<std::string_view, size_t> in_new;
  for (size_t i = 0; i < mn.size(); i++) in_new.emplace(mn[i].label, i);
  std::unordered_map<std::string_view, size_t> in_old;
  for (size_t i = 0; i < mo.size(); i++) in_old.emplace(mo[i].label, i);
  for (const M &a : mo) {
    auto it = in_new.find(a.label);
    if (it == in_new.end()) {
      c.add("member " + a.label, Change::Removed, member_decl(Old, *a.m, o.kflag(), a.label), "");
      continue;
    }
    const btf::Member &b = *mn[it->second].m;
    type_field(c, "member " + a.label + " type", a.m->type, b.type);
    c.num(("member " + a.label + " offset").c_str(), a.m->bit_offset(o.kflag()), b.bit_offset(n.kflag()));
    c.num(("member " + a.label + " bitfield size").c_str(), a.m->bitfield_size(o.kflag()), b.bitfield_size(n.kflag()));
  }
  for (const M &b : mn)
    if (!in_old.count(b.label))
      c.add("member " + b.label, Change::Added, "", member_decl(New, *b.m, n.kflag(), b.label));
  // Same members, other order (offsets equal): say so rather than nothing.
  if (c.lines.size() == before && mo.size() == mn.size()) {
    for (size_t i = 0; i < mo.size(); i++)
      if (mo[i].label != mn[i].label) {
        c.add("member order", Change::Changed, mo[i].label, mn[i].label);
        break;
      }
  }
}

template <typename E>
void Differ::compare_enums(Cmp &c, btf::Type o, btf::Type n, std::span<const E> eo, std::span<const E> en) {
  auto val = [](const E &e, bool sgn) -> std::string {
    if constexpr (std::is_same_v<E, btf::Enum>)
      return sgn ? std::to_string(e.sval()) : std::to_string(e.val);
    else
      return sgn ? std::to_string(static_cast<int64_t>(e.val())) : std::to_string(e.val());
  };
  std::unordered_map<std::string_view, const E *> vn, vo;
  for (const E &e : en) vn.emplace(str_or_empty(btf(New), e.name_off), &e);
  for (const E &e : eo) vo.emplace(str_or_empty(btf(Old), e.name_off), &e);
  for (const E &e : eo) {
    std::string_view nm = str_or_empty(btf(Old), e.name_off);
    auto it = vn.find(nm);
    if (it == vn.end()) c.add("value " + std::string(nm), Change::Removed, val(e, o.kflag()), "");
    else c.str("value " + std::string(nm), val(e, o.kflag()), val(*it->second, n.kflag()));
  }
  for (const E &e : en) {
    std::string_view nm = str_or_empty(btf(New), e.name_off);
    if (!vo.count(nm)) c.add("value " + std::string(nm), Change::Added, "", val(e, n.kflag()));
  }
}

void Differ::compare_protos(Cmp &c, uint32_t po, uint32_t pn) {
  const Btf &bo = btf(Old), &bn = btf(New);
  bool ok_o = bo.valid_id(po) && po && bo.type(po).kind() == Kind::FUNC_PROTO;
  bool ok_n = bn.valid_id(pn) && pn && bn.type(pn).kind() == Kind::FUNC_PROTO;
  if (!ok_o || !ok_n) {
    type_field(c, "type", po, pn);
    return;
  }
  btf::Type to = bo.type(po), tn = bn.type(pn);
  type_field(c, "return type", to.type(), tn.type());
  auto ps_o = to.params(), ps_n = tn.params();
  c.num("params", ps_o.size(), ps_n.size());
  size_t common = std::min(ps_o.size(), ps_n.size());
  for (size_t i = 0; i < common; i++) {
    std::string p = "param " + std::to_string(i);
    c.str(p + " name", std::string(str_or_empty(bo, ps_o[i].name_off)),
          std::string(str_or_empty(bn, ps_n[i].name_off)));
    type_field(c, p + " type", ps_o[i].type, ps_n[i].type);
  }
  for (size_t i = common; i < ps_o.size(); i++)
    c.add("param " + std::to_string(i), Change::Removed,
          c_decl(bo, ps_o[i].type, str_or_empty(bo, ps_o[i].name_off)), "");
  for (size_t i = common; i < ps_n.size(); i++)
    c.add("param " + std::to_string(i), Change::Added, "",
          c_decl(bn, ps_n[i].type, str_or_empty(bn, ps_n[i].name_off)));
}

void Differ::compare_datasec(Cmp &c, btf::Type o, btf::Type n) {
  struct V {
    std::string label;
    const btf::VarSecinfo *v;
  };
  auto list = [&](SideId s, btf::Type t) {
    std::vector<V> out;
    std::map<std::string, unsigned> seen;
    for (const btf::VarSecinfo &v : t.secinfos()) {
      std::string l = display(s, v.type, false);
      unsigned k = seen[l]++;
      if (k) l += " #" + std::to_string(k);
      out.push_back({l, &v});
    }
    return out;
  };
  std::vector<V> vo = list(Old, o), vn = list(New, n);
  std::unordered_map<std::string_view, const btf::VarSecinfo *> mn, mo;
  for (const V &v : vn) mn.emplace(v.label, v.v);
  for (const V &v : vo) mo.emplace(v.label, v.v);
  for (const V &v : vo) {
    auto it = mn.find(v.label);
    if (it == mn.end()) {
      c.add("entry " + v.label, Change::Removed, strfmt("offset %u size %u", v.v->offset, v.v->size), "");
      continue;
    }
    c.num(("entry " + v.label + " offset").c_str(), v.v->offset, it->second->offset);
    c.num(("entry " + v.label + " size").c_str(), v.v->size, it->second->size);
  }
  for (const V &v : vn)
    if (!mo.count(v.label))
      c.add("entry " + v.label, Change::Added, "", strfmt("offset %u size %u", v.v->offset, v.v->size));
}

void Differ::compare(std::vector<Line> &out, Entry &e, uint32_t oid, uint32_t nid) {
  std::string kind = btf::kind_name(e.kind), name(e.name);
  size_t before = out.size();
  Cmp c{out, kind, name};
  btf::Type o = btf(Old).type(oid), n = btf(New).type(nid);
  switch (o.kind()) {
    case Kind::INT:
      c.num("size", o.size(), n.size());
      c.num("bits", o.int_bits(), n.int_bits());
      c.num("bit offset", o.int_offset(), n.int_offset());
      c.str("encoding", int_encoding(o.int_encoding()), int_encoding(n.int_encoding()));
      break;
    case Kind::FLOAT:
      c.num("size", o.size(), n.size());
      break;
    case Kind::FWD:
      c.str("kind", o.fwd_is_union() ? "union" : "struct", n.fwd_is_union() ? "union" : "struct");
      break;
    case Kind::TYPEDEF:
      type_field(c, "type", o.type(), n.type());
      break;
    case Kind::STRUCT:
    case Kind::UNION:
      c.num("size", o.size(), n.size());
      compare_members(c, o, n);
      break;
    case Kind::ENUM:
      c.num("size", o.size(), n.size());
      c.str("signed", o.kflag() ? "true" : "false", n.kflag() ? "true" : "false");
      compare_enums(c, o, n, o.enums(), n.enums());
      break;
    case Kind::ENUM64:
      c.num("size", o.size(), n.size());
      c.str("signed", o.kflag() ? "true" : "false", n.kflag() ? "true" : "false");
      compare_enums(c, o, n, o.enum64s(), n.enum64s());
      break;
    case Kind::FUNC:
      c.str("linkage", func_linkage_name(o.func_linkage()), func_linkage_name(n.func_linkage()));
      if (!same_key(o.type(), n.type())) compare_protos(c, o.type(), n.type());
      break;
    case Kind::VAR:
      c.str("linkage", var_linkage_name(o.var_linkage()), var_linkage_name(n.var_linkage()));
      type_field(c, "type", o.type(), n.type());
      break;
    case Kind::DATASEC:
      c.num("size", o.size(), n.size());
      compare_datasec(c, o, n);
      break;
    case Kind::ARRAY:
      type_field(c, "index type", o.array().index_type, n.array().index_type);
      break;
    case Kind::DECL_TAG:
      c.num("kflag", o.kflag(), n.kflag());
      break;
    default:
      break;
  }
  if (out.size() == before)  // signatures differ in something not printed above
    c.add("content", Change::Changed, strfmt("%016llx", (unsigned long long)m_.sig_hash(Old, oid)),
          strfmt("%016llx", (unsigned long long)m_.sig_hash(New, nid)));
}

void Differ::types(DiffResult &r) {
  // 1. Counts, and one entry per type to report (no lines yet: they are made in output
  //    order below, straight into r.types, so nothing big is built twice).
  std::vector<Entry> entries;
  bool lines = !opt_.kfuncs_only && !opt_.counts_only;
  const Btf &bo = btf(Old), &bn = btf(New);
  if (lines) entries.reserve(bo.own_type_cnt() + bn.own_type_cnt());  // untouched pages are free
  auto entry = [&](SideId s, uint32_t id, btf::Type t, Change c) -> Entry & {
    Entry &e = entries.emplace_back();
    e.change = c;
    e.kind = static_cast<uint8_t>(t.kind_raw());
    if (named(t)) {
      e.name = t.name();
    } else {
      e.name_at = static_cast<uint32_t>(anon_names_.size());
      display(anon_names_, s, id);
      e.name_len = static_cast<uint32_t>(anon_names_.size() - e.name_at);
    }
    return e;
  };
  for (uint32_t id = bo.start_id(); id < bo.type_cnt(); id++) {
    btf::Type t = bo.type(id);
    unsigned k = t.kind_raw();
    uint32_t p = m_.peer(Old, id);
    if (p && m_.same(id, p)) {
      r.kinds[k].same++;
      continue;
    }
    if (p) r.kinds[k].changed++;
    else r.kinds[k].removed++;
    if (!lines) continue;
    Entry &e = entry(Old, id, t, p ? Change::Changed : Change::Removed);
    e.oid = id;
    e.nid = p;
    e.h1 = e.h2 = m_.sig_hash(Old, id);
    if (p) {
      uint64_t h = m_.sig_hash(New, p);
      e.h1 = std::min(e.h1, h);
      e.h2 = std::max(e.h2, h);
    }
  }
  for (uint32_t id = bn.start_id(); id < bn.type_cnt(); id++) {
    if (m_.peer(New, id)) continue;
    btf::Type t = bn.type(id);
    r.kinds[t.kind_raw()].added++;
    if (!lines) continue;
    Entry &e = entry(New, id, t, Change::Added);
    e.oid = 0;
    e.nid = id;
    e.h1 = e.h2 = m_.sig_hash(New, id);
  }
  if (!lines) return;
  // The descriptions are all spelled: point the anonymous entries at them.
  for (Entry &e : entries) {
    if (e.name_at != UINT32_MAX) e.name = std::string_view(anon_names_).substr(e.name_at, e.name_len);
    e.set_order();
  }
  // 2. Output order: added, removed, changed; then kind, name, content hash.
  std::sort(entries.begin(), entries.end(), [](const Entry &a, const Entry &b) {
    if (a.order != b.order) return a.order < b.order;
    if (a.name != b.name) return a.name < b.name;
    if (a.h1 != b.h1) return a.h1 < b.h1;
    return a.h2 < b.h2;
  });
  // 3. The lines: into r.types, or one type at a time through the sink. Added and removed
  //    lines are spelled into one reused Line, a changed type's lines into one reused
  //    vector, so a vmlinux-sized diff never holds its ~90k lines at once.
  std::vector<Line> scratch;
  std::vector<Line> &out = sink_ ? scratch : r.types;
  if (!sink_) r.types.reserve(entries.size() + entries.size() / 4);
  Line one;
  for (Entry &e : entries) {
    if (e.change == Change::Changed) {
      if (sink_) scratch.clear();
      compare(out, e, e.oid, e.nid);
      if (sink_)
        for (const Line &l : scratch) (*sink_)(l, false);
      continue;
    }
    one.kind = btf::kind_name(e.kind);
    one.name = e.name;
    one.change = e.change;
    one.old_value.clear();
    one.new_value.clear();
    if (e.change == Change::Added) summary(one.new_value, New, e.nid);
    else summary(one.old_value, Old, e.oid);
    if (sink_) (*sink_)(one, false);
    else r.types.push_back(one);
  }
}

}  // namespace detail

bool DiffResult::different() const {
  if (!kfuncs.empty() || !types.empty()) return true;
  for (const Counts &c : kinds)
    if (c.added || c.removed || c.changed) return !kfuncs_only;
  return false;
}

DiffResult diff_btf(const btf::Btf &old_btf, const btf::Btf &new_btf, const DiffOptions &opt) {
  DiffResult r = detail::Differ(old_btf, new_btf, opt, nullptr).run();
  r.kfuncs_only = opt.kfuncs_only;
  return r;
}

DiffResult diff_btf(const btf::Btf &old_btf, const btf::Btf &new_btf, const DiffOptions &opt,
                    const LineSink &sink) {
  DiffResult r = detail::Differ(old_btf, new_btf, opt, &sink).run();
  r.kfuncs_only = opt.kfuncs_only;
  return r;
}

}  // namespace kfb::diff
