// diff_protos: DWARF says what the C source declared; BTF says what pahole (and emit) wrote.
// Types are compared as C spellings because the two sides share no ids: DWARF's CType text
// and the BTF rendered the same way (typedef names kept, type tags left out since DWARF has
// none), both with spacing normalized.
#include "diff/proto.h"

#include <cctype>

#include "btf/cname.h"
#include "dwarf/ctype.h"

namespace kfb::diff {

namespace {

using btf::Kind;
using btf::Spell;

std::string dwarf_proto(const kfunc::Kfunc &k) {
  std::string s = k.ret.type.text;
  if (!s.empty() && s.back() != '*') s += ' ';
  s += k.name + "(";
  for (size_t i = 0; i < k.params.size(); i++) {
    if (i) s += ", ";
    s += k.params[i].type.text;
    if (!k.params[i].name.empty()) {
      if (s.back() != '*') s += ' ';
      s += k.params[i].name;
    }
  }
  if (k.params.empty()) s += "void";
  return s + ")";
}

// Spellings past the spellers' budget (about 4 KiB: nested function pointers double theirs per
// level) end in "..." lists, cut at different points by the DWARF and the BTF speller: those are
// compared up to the first "..." of either. Normal kernel spellings are far shorter (< 600
// bytes on vmlinux 6.18) and compare whole.
bool same_spelling(const std::string &dw, const std::string &bt) {
  std::string a = normalize_c_type(dw), b = normalize_c_type(bt);
  if (a == b) return true;
  constexpr size_t kCut = 2048;  // a cut spelling is longer (cname.cc, dwarf/types.cc)
  if (dw.size() < kCut && bt.size() < kCut) return false;
  size_t n = std::min(a.find("..."), b.find("..."));
  return n != std::string::npos && a.compare(0, n, b, 0, n) == 0;
}

}  // namespace

std::vector<Line> diff_protos(const kfunc::KfuncList &kfuncs, const btf::Btf &btf) {
  std::vector<Line> out;
  Spell sp;
  sp.type_tags = false;
  for (const kfunc::Kfunc &k : kfuncs.kfuncs) {
    if (!k.has_dwarf) continue;
    auto add = [&](std::string field, Change c, std::string ov, std::string nv) {
      out.push_back({"kfunc", k.name, std::move(field), c, std::move(ov), std::move(nv)});
    };
    uint32_t f = k.btf_id;
    if (!f || !btf.valid_id(f) || btf.type(f).kind() != Kind::FUNC) {
      std::vector<uint32_t> ids = btf.find(k.name, Kind::FUNC);
      f = ids.empty() ? 0 : ids.back();
    }
    if (!f) {
      add("func", Change::Removed, dwarf_proto(k), "");
      continue;
    }
    uint32_t p = btf.type(f).type();
    if (!btf.valid_id(p) || !p || btf.type(p).kind() != Kind::FUNC_PROTO) {
      add("type", Change::Changed, "FUNC_PROTO",
          btf.valid_id(p) ? btf::kind_name(btf.type(p).kind()) : "invalid");
      continue;
    }
    btf::Type proto = btf.type(p);
    auto cmp_type = [&](std::string field, const std::string &dw, uint32_t tid) {
      std::string bt = c_type(btf, tid, sp);
      if (!same_spelling(dw, bt)) add(std::move(field), Change::Changed, dw, bt);
    };
    cmp_type("return type", k.ret.type.text, proto.type());
    auto ps = proto.params();
    if (ps.size() != k.params.size())
      add("params", Change::Changed, std::to_string(k.params.size()), std::to_string(ps.size()));
    size_t common = std::min(ps.size(), k.params.size());
    for (size_t i = 0; i < common; i++) {
      std::string pf = "param " + std::to_string(i);
      std::string bn = btf.valid_str(ps[i].name_off) ? std::string(btf.str(ps[i].name_off)) : "";
      if (bn != k.params[i].name) add(pf + " name", Change::Changed, k.params[i].name, bn);
      cmp_type(pf + " type", k.params[i].type.text, ps[i].type);
    }
    for (size_t i = common; i < k.params.size(); i++)
      add("param " + std::to_string(i), Change::Removed,
          k.params[i].type.text + (k.params[i].type.text.ends_with('*') ? "" : " ") + k.params[i].name, "");
    for (size_t i = common; i < ps.size(); i++)
      add("param " + std::to_string(i), Change::Added, "",
          c_decl(btf, ps[i].type, btf.valid_str(ps[i].name_off) ? btf.str(ps[i].name_off) : "", sp));
  }
  return out;
}

std::string normalize_c_type(std::string_view s) {
  auto tight = [](char c) {
    return c == '*' || c == '(' || c == ')' || c == '[' || c == ']' || c == ',';
  };
  std::string spaced;
  bool pending_space = false;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      pending_space = true;
      continue;
    }
    if (pending_space && !spaced.empty() && !tight(spaced.back()) && !tight(c)) spaced += ' ';
    pending_space = false;
    spaced += c;
  }

  // Integer keyword runs in one spelling: gcc's BTF says "long unsigned int" where clang's and
  // DWARF's C spelling say "unsigned long".
  auto ident = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  auto keyword = [](std::string_view w) {
    return w == "signed" || w == "unsigned" || w == "short" || w == "long" || w == "int" || w == "char";
  };
  std::string out;
  size_t i = 0;
  while (i < spaced.size()) {
    if (!ident(spaced[i])) {
      out += spaced[i++];
      continue;
    }
    // A run of keywords joined by single spaces, ending before a non-keyword word.
    size_t run_end = i, j = i;
    while (j < spaced.size()) {
      size_t e = j;
      while (e < spaced.size() && ident(spaced[e])) e++;
      if (!keyword(std::string_view(spaced).substr(j, e - j))) break;
      run_end = e;
      if (e + 1 < spaced.size() && spaced[e] == ' ' && ident(spaced[e + 1])) j = e + 1;
      else break;
    }
    if (run_end > i) {
      std::string_view run = std::string_view(spaced).substr(i, run_end - i);
      std::string c = dwarf::c_int_spelling(run);
      out += c.empty() ? std::string(run) : c;
      i = run_end;
    } else {
      while (i < spaced.size() && ident(spaced[i])) out += spaced[i++];
    }
  }
  return out;
}

}  // namespace kfb::diff
