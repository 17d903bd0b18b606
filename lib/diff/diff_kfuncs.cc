// The kfunc section of diff_btf: kfuncs added and removed, their _impl twins, decl tags and
// prototypes (Differ::kfuncs and its per-side index).
#include <map>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "btf/cname.h"
#include "diff/diff_impl.h"
#include "support/vocab.h"

namespace kfb::diff::detail {

// ---- kfuncs

void Differ::index_kfuncs(SideId s) {
  KfIndex &x = kx_[s];
  const Btf &b = btf(s);
  for (uint32_t id = b.start_id(); id < b.type_cnt(); id++) {
    btf::Type t = b.type(id);
    if (t.kind() != Kind::DECL_TAG) continue;
    uint32_t f = t.type();
    x.tags[f].push_back(id);
    if (t.component_idx() != -1 || t.name() != vocab::kKfuncTag) continue;
    if (!b.valid_id(f) || !f || b.type(f).kind() != Kind::FUNC) continue;
    x.kfuncs.emplace(b.type(f).name(), f);
  }
}

void Differ::index_funcs(SideId s, const std::unordered_set<std::string_view> &wanted) {
  KfIndex &x = kx_[s];
  const Btf &b = btf(s);
  if (wanted.empty()) return;
  for (uint32_t id = b.start_id(); id < b.type_cnt(); id++) {
    btf::Type t = b.type(id);
    if (t.kind() != Kind::FUNC) continue;
    std::string_view nm = t.name();
    if (wanted.count(nm)) x.funcs.emplace(nm, id);  // the first (lowest id) wins
  }
}

// The FUNC of that name on side s (own first, then a split BTF's base), or 0.
uint32_t Differ::func_named(SideId s, std::string_view name) const {
  auto it = kx_[s].funcs.find(name);
  if (it != kx_[s].funcs.end()) return it->second;
  const Btf &b = btf(s);
  if (!b.is_split()) return 0;
  std::vector<uint32_t> ids = b.find(name, Kind::FUNC);
  return ids.empty() ? 0 : ids.front();
}

// Tags on `func` other than bpf_kfunc: "tag <value>[ arg N (name)]" -> count.
std::map<std::string, unsigned> Differ::tag_fields(SideId s, uint32_t func) const {
  std::map<std::string, unsigned> out;
  if (!func) return out;
  const Btf &b = btf(s);
  btf::Type f = b.type(func);
  std::span<const btf::Param> ps;
  if (b.valid_id(f.type()) && f.type() && b.type(f.type()).kind() == Kind::FUNC_PROTO)
    ps = b.type(f.type()).params();
  auto tit = kx_[s].tags.find(func);
  const std::vector<uint32_t> own_tags = tit == kx_[s].tags.end() ? std::vector<uint32_t>{} : tit->second;
  const std::vector<uint32_t> &tag_ids = func >= b.start_id() ? own_tags : b.decl_tags_of(func);
  for (uint32_t tid : tag_ids) {
    btf::Type t = b.type(tid);
    if (t.name() == vocab::kKfuncTag && t.component_idx() == -1) continue;
    std::string field = "tag " + std::string(t.name());
    int ci = t.component_idx();
    if (ci >= 0) {
      field += " arg " + std::to_string(ci);
      if (static_cast<size_t>(ci) < ps.size()) {
        std::string_view pn = str_or_empty(b, ps[ci].name_off);
        if (!pn.empty()) field += " (" + std::string(pn) + ")";
      } else {
        field += " (past the last parameter)";
      }
    }
    out[field]++;
  }
  return out;
}

void Differ::tag_lines(std::vector<Line> &out, const char *kind, const std::string &name, uint32_t fo, uint32_t fn) {
  std::map<std::string, unsigned> to = tag_fields(Old, fo), tn = tag_fields(New, fn);
  std::set<std::string> all;
  for (auto &[f, n] : to) all.insert(f);
  for (auto &[f, n] : tn) all.insert(f);
  for (const std::string &f : all) {
    unsigned a = to.count(f) ? to[f] : 0, b = tn.count(f) ? tn[f] : 0;
    for (unsigned i = b; i < a; i++) out.push_back({kind, name, f, Change::Removed, "", ""});
    for (unsigned i = a; i < b; i++) out.push_back({kind, name, f, Change::Added, "", ""});
  }
}

// The `sp` proto's parameters are a strict prefix of the `lp` proto's (names and types), with
// the same return type: emit's trimmed prototype (lp on side ls, sp on the other side).
bool Differ::params_prefix(SideId ls, uint32_t lp, uint32_t sp) const {
  SideId ss = ls == Old ? New : Old;
  const Btf &bl = btf(ls), &bs = btf(ss);
  auto ok = [](const Btf &b, uint32_t p) { return b.valid_id(p) && p && b.type(p).kind() == Kind::FUNC_PROTO; };
  if (!ok(bl, lp) || !ok(bs, sp)) return false;
  btf::Type tl = bl.type(lp), ts = bs.type(sp);
  if (m_.key(ls, tl.type()) != m_.key(ss, ts.type())) return false;
  auto a = tl.params(), b = ts.params();
  if (b.size() >= a.size()) return false;
  for (size_t i = 0; i < b.size(); i++)
    if (m_.key(ls, a[i].type) != m_.key(ss, b[i].type) ||
        str_or_empty(bl, a[i].name_off) != str_or_empty(bs, b[i].name_off))
      return false;
  return true;
}

void Differ::kfuncs(DiffResult &r) {
  index_kfuncs(Old);
  index_kfuncs(New);
  std::set<std::string, std::less<>> names_impl;  // storage for the "_impl" names
  std::unordered_set<std::string_view> wanted;      // looked up once per FUNC
  for (SideId sd : {Old, New})
    for (auto &[n, id] : kx_[sd].kfuncs) {
      wanted.emplace(n);
      wanted.emplace(*names_impl.insert(std::string(n) + std::string(vocab::kImplSuffix)).first);
    }
  index_funcs(Old, wanted);
  index_funcs(New, wanted);
  auto &ko = kx_[Old].kfuncs, &kn = kx_[New].kfuncs;
  std::set<std::string_view> names;
  for (auto &[n, id] : ko) names.insert(n);
  for (auto &[n, id] : kn) names.insert(n);
  std::vector<Line> added_removed, twins, tags, protos;
  std::set<std::string_view> changed;
  for (std::string_view nm : names) {
    std::string name(nm);
    bool in_o = ko.count(nm), in_n = kn.count(nm);
    if (in_n && !in_o) {
      added_removed.push_back({"kfunc", name, "", Change::Added, "", c_type(btf(New), kn[nm])});
      r.kfunc_counts.added++;
    } else if (in_o && !in_n) {
      added_removed.push_back({"kfunc", name, "", Change::Removed, c_type(btf(Old), ko[nm]), ""});
      r.kfunc_counts.removed++;
    }
    // Twins.
    std::string twin = name + std::string(vocab::kImplSuffix);
    uint32_t to = in_o ? func_named(Old, twin) : 0, tn = in_n ? func_named(New, twin) : 0;
    size_t before = twins.size() + tags.size() + protos.size();
    if (tn && !to) twins.push_back({"kfunc", name, "twin " + twin, Change::Added, "", ""});
    if (to && !tn) twins.push_back({"kfunc", name, "twin " + twin, Change::Removed, "", ""});
    // Tags on the kfunc, then on its twin.
    uint32_t fo = func_named(Old, nm), fn = func_named(New, nm);
    tag_lines(tags, "kfunc", name, fo, fn);
    if (to || tn) tag_lines(tags, "twin", twin, to ? to : func_named(Old, twin), tn ? tn : func_named(New, twin));
    // Prototype.
    if (fo && fn) {
      uint32_t po = btf(Old).type(fo).type(), pn = btf(New).type(fn).type();
      if (!same_key(po, pn)) {
        const char *field = params_prefix(Old, po, pn)   ? "proto trimmed"
                            : params_prefix(New, pn, po) ? "proto extended"
                                                         : "proto";
        protos.push_back({"kfunc", name, field, Change::Changed,
                          c_proto(btf(Old), po, true), c_proto(btf(New), pn, true)});
      }
    }
    if (in_o && in_n) {
      if (twins.size() + tags.size() + protos.size() != before) r.kfunc_counts.changed++;
      else r.kfunc_counts.same++;
    }
  }
  for (auto *v : {&added_removed, &twins, &tags, &protos})
    for (Line &l : *v) r.kfuncs.push_back(std::move(l));
}

}  // namespace kfb::diff::detail
