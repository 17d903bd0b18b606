// The kfunc rules on struct_ops scopes: the source forms and the mask tags, and the nesting
// cycles of the callback -> kfunc -> callback graph.
#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <queue>
#include <set>

#include "btf/btf.h"
#include "btf/query.h"
#include "check/kfunc_rules_impl.h"
#include "kfunc/flags.h"
#include "kfunc/scopes.h"
#include "support/error.h"

namespace kfb::check::detail {

// ---------------------------------------------------------------- scopes and nesting

uint32_t Rules::find_struct(std::string_view ops) const {
  uint32_t id = btf::find_defined(btf_, ops, Kind::STRUCT);  // skip empty declarations
  return id ? id : btf_.find_first(ops, Kind::STRUCT);
}

bool Rules::check_member(uint32_t st, const std::string &member, uint32_t &bit,
                         std::string &why) const {
  Type s = btf_.type(st);
  for (const btf::Member &m : s.members()) {
    if (btf_.str(m.name_off) != member) continue;
    uint32_t off = m.bit_offset(s.kflag());
    unsigned ps = ptr_size();
    if (!btf::is_func_ptr(btf_, m.type)) {
      why = strfmt("member '%s' of struct %s is '%s', not a function pointer", member.c_str(),
                   std::string(s.name()).c_str(), type_str(m.type).c_str());
      return false;
    }
    if (off % (ps * 8)) {
      why = strfmt("member '%s' of struct %s is at bit offset %u, not pointer aligned",
                   member.c_str(), std::string(s.name()).c_str(), off);
      return false;
    }
    bit = off / (ps * 8);
    return true;
  }
  why = strfmt("struct %s has no member '%s'", std::string(s.name()).c_str(), member.c_str());
  return false;
}

void Rules::scopes(const KInfo &ki) {
  // (kind, ops) -> set bits from masks; and source forms.
  struct Mask {
    uint32_t tag = 0;
    std::set<uint32_t> bits;
  };
  std::map<std::pair<kfunc::ScopeTag, std::string>, Mask> masks;
  struct Source {
    uint32_t tag;
    kfunc::ScopeTag kind;
    std::string ops, member;
    uint32_t bit;
  };
  std::vector<Source> sources;
  unsigned ps = ptr_size();

  auto edge = [&](kfunc::ScopeTag kind, const std::string &ops, const std::string &member, uint32_t bit) {
    std::string cb = ops + "." + member;
    callbacks_.emplace(cb, std::make_pair(ops, bit));
    if (kind == kfunc::ScopeTag::Scope)
      edges_[cb].insert(ki.name);
    else
      edges_[ki.name].insert(cb);
  };

  for (uint32_t t : btf_.decl_tags_of(ki.id)) {
    Type tag = btf_.type(t);
    std::string_view n = tag.name();
    kfunc::ScopeTag kind = n.starts_with(vocab::kScopeTagPrefix) ? kfunc::ScopeTag::Scope
                    : n.starts_with(vocab::kCallsTagPrefix) ? kfunc::ScopeTag::Calls
                                                      : kfunc::ScopeTag::None;
    if (kind == kfunc::ScopeTag::None) continue;
    std::string_view body = n.substr(vocab::kScopeTagPrefix.size());  // both prefixes are 16 chars
    const char *what = kind == kfunc::ScopeTag::Scope ? "scope" : "calls";
    size_t colon = body.find(':');
    if (colon == std::string_view::npos) {
      // Source form <ops>.<member>.
      kfunc::OpsMember m;
      std::string why;
      if (!kfunc::parse_ops_member(body, m, why)) {
        add(Severity::Error, "kfunc-scope-member", t, ki.name, ki.k,
            strfmt("%s tag '%s': %s", what, std::string(n).c_str(), why.c_str()));
        continue;
      }
      uint32_t st = find_struct(m.ops);
      uint32_t bit = 0;
      if (!st) {
        add(Severity::Error, "kfunc-scope-member", t, ki.name, ki.k,
            strfmt("%s %s.%s: no struct %s in BTF", what, m.ops.c_str(), m.member.c_str(),
                   m.ops.c_str()));
        continue;
      }
      if (!check_member(st, m.member, bit, why)) {
        add(Severity::Error, "kfunc-scope-member", t, ki.name, ki.k,
            strfmt("%s %s.%s: %s", what, m.ops.c_str(), m.member.c_str(), why.c_str()));
        continue;
      }
      sources.push_back({t, kind, m.ops, m.member, bit});
      edge(kind, m.ops, m.member, bit);
      continue;
    }
    // Mask form <ops>:0x<hex>, lowercase, no leading zeros. A scope of 0x0: callable from no
    // member of <ops> (a scope file's deny: line, 7.3's cpu-only kfuncs in sched_ext_ops_cid).
    std::string ops(body.substr(0, colon));
    std::string_view hex = body.substr(colon + 1);
    bool zero = hex == "0x0" && kind == kfunc::ScopeTag::Scope;
    bool ok = hex.size() > 2 && hex.starts_with("0x") && (hex[2] != '0' || zero) && !ops.empty();
    for (char c : hex.substr(std::min<size_t>(2, hex.size())))
      ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    if (!ok || tag.component_idx() != -1) {
      add(Severity::Error, "kfunc-scope-mask", t, ki.name, ki.k,
          strfmt("malformed %s tag '%s': want %s<ops>:0x<mask> (lowercase hex, no leading zeros) "
                 "with component_idx -1", what, std::string(n).c_str(),
                 std::string(kind == kfunc::ScopeTag::Scope ? vocab::kScopeTagPrefix : vocab::kCallsTagPrefix).c_str()));
      continue;
    }
    uint32_t st = find_struct(ops);
    if (!st) {
      add(Severity::Error, "kfunc-scope-mask", t, ki.name, ki.k,
          strfmt("%s mask '%s': no struct %s in BTF", what, std::string(n).c_str(), ops.c_str()));
      continue;
    }
    Mask &mk = masks[{kind, ops}];
    mk.tag = t;
    Type s = btf_.type(st);
    std::string_view digits = hex.substr(2);
    for (size_t d = 0; d < digits.size(); d++) {
      unsigned v = digits[digits.size() - 1 - d];
      v = v <= '9' ? v - '0' : v - 'a' + 10;
      for (unsigned b = 0; b < 4; b++) {
        if (!(v & (1u << b))) continue;
        uint32_t bit = static_cast<uint32_t>(d * 4 + b);
        mk.bits.insert(bit);
        const btf::Member *hit = nullptr;
        for (const btf::Member &m : s.members())
          if (m.bit_offset(s.kflag()) == bit * ps * 8 && !btf_.str(m.name_off).empty()) hit = &m;
        if (!hit) {
          add(Severity::Error, "kfunc-scope-mask", t, ki.name, ki.k,
              strfmt("%s mask '%s': bit %u (byte offset %u) names no member of struct %s", what,
                     std::string(n).c_str(), bit, bit * ps, ops.c_str()));
          continue;
        }
        std::string member(btf_.str(hit->name_off));
        if (!btf::is_func_ptr(btf_, hit->type)) {
          add(Severity::Error, "kfunc-scope-mask", t, ki.name, ki.k,
              strfmt("%s mask '%s': bit %u names member '%s' of struct %s, which is '%s', not a "
                     "function pointer", what, std::string(n).c_str(), bit, member.c_str(),
                     ops.c_str(), type_str(hit->type).c_str()));
          continue;
        }
        edge(kind, ops, member, bit);
      }
    }
  }
  // Source forms agree with the masks (once emit has run: the BTF holds mask tags).
  if (!emitted_scopes_) return;
  for (const Source &s : sources) {
    const char *what = s.kind == kfunc::ScopeTag::Scope ? "scope" : "calls";
    std::string_view prefix = s.kind == kfunc::ScopeTag::Scope ? vocab::kScopeTagPrefix : vocab::kCallsTagPrefix;
    auto it = masks.find({s.kind, s.ops});
    if (it == masks.end())
      add(Severity::Error, "kfunc-scope-source", s.tag, ki.name, ki.k,
          strfmt("%s %s.%s (bit %u) has no %s%s:0x<mask> tag", what, s.ops.c_str(),
                 s.member.c_str(), s.bit, std::string(prefix).c_str(), s.ops.c_str()));
    else if (!it->second.bits.contains(s.bit))
      add(Severity::Error, "kfunc-scope-source", s.tag, ki.name, ki.k,
          strfmt("%s %s.%s (bit %u) is not in the mask tag '%s'", what, s.ops.c_str(),
                 s.member.c_str(), s.bit, std::string(btf_.name(it->second.tag)).c_str()));
  }
}

void Rules::cycles() {
  // Tarjan's SCC over the string graph (iterative enough for kernel sizes: recursion depth is
  // bounded by the node count, a few thousand at most).
  std::vector<std::string> nodes;
  std::map<std::string, int> index_of;
  auto node = [&](const std::string &n) {
    auto [it, fresh] = index_of.emplace(n, static_cast<int>(nodes.size()));
    if (fresh) nodes.push_back(n);
    return it->second;
  };
  for (auto &[from, tos] : edges_) {
    node(from);
    for (const std::string &to : tos) node(to);
  }
  size_t cnt = nodes.size();
  std::vector<std::vector<int>> adj(cnt);
  for (auto &[from, tos] : edges_)
    for (const std::string &to : tos) adj[index_of[from]].push_back(index_of[to]);
  for (auto &a : adj)
    std::sort(a.begin(), a.end(), [&](int x, int y) { return nodes[x] < nodes[y]; });

  std::vector<int> idx(cnt, -1), low(cnt, 0), comp(cnt, -1);
  std::vector<bool> on(cnt, false);
  std::vector<int> stack;
  int counter = 0, ncomp = 0;
  std::function<void(int)> strong = [&](int v) {
    idx[v] = low[v] = counter++;
    stack.push_back(v);
    on[v] = true;
    for (int w : adj[v]) {
      if (idx[w] < 0) {
        strong(w);
        low[v] = std::min(low[v], low[w]);
      } else if (on[w]) {
        low[v] = std::min(low[v], idx[w]);
      }
    }
    if (low[v] == idx[v]) {
      for (;;) {
        int w = stack.back();
        stack.pop_back();
        on[w] = false;
        comp[w] = ncomp;
        if (w == v) break;
      }
      ncomp++;
    }
  };
  std::vector<int> order(cnt);
  for (size_t i = 0; i < cnt; i++) order[i] = static_cast<int>(i);
  std::sort(order.begin(), order.end(), [&](int x, int y) { return nodes[x] < nodes[y]; });
  for (int v : order)
    if (idx[v] < 0) strong(v);

  // Per component: its first callback (by ops name, then member order), then the shortest
  // cycle back to it.
  std::map<int, int> start;  // comp -> first callback node
  for (int v : order) {
    auto cb = callbacks_.find(nodes[v]);
    if (cb == callbacks_.end()) continue;
    auto it = start.find(comp[v]);
    if (it == start.end() || cb->second < callbacks_.at(nodes[it->second])) start[comp[v]] = v;
  }
  std::vector<std::pair<std::string, std::vector<int>>> found;
  for (auto &[c, s] : start) {
    std::vector<int> prev(cnt, -1);
    std::queue<int> q;
    q.push(s);
    int last = -1;
    std::vector<bool> seen(cnt, false);
    seen[s] = true;
    while (!q.empty() && last < 0) {
      int v = q.front();
      q.pop();
      for (int w : adj[v]) {
        if (comp[w] != c) continue;
        if (w == s) {
          last = v;
          break;
        }
        if (!seen[w]) {
          seen[w] = true;
          prev[w] = v;
          q.push(w);
        }
      }
    }
    if (last < 0) continue;
    std::vector<int> path;
    for (int v = last; v != -1; v = prev[v]) path.push_back(v);
    std::reverse(path.begin(), path.end());
    path.push_back(s);
    found.emplace_back(nodes[s], path);
  }
  for (auto &[first, path] : found) {
    std::string text = "cycle:";
    for (size_t i = 0; i < path.size(); i++) text += (i ? " -> " : " ") + nodes[path[i]];
    const KInfo &ki = *kfunc_by_name_.at(nodes[path[1]]);
    err("kfunc-scope-cycle", ki, text);
  }
}

}  // namespace kfb::check::detail
