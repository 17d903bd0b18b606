// C spelling of BTF types: the classic inside-out declarator walk. `inner` is the declarator
// built so far (a name, "*", "(*)", "[16]", ...); each link wraps it and passes it on to its
// target, and the walk ends at a type with a name (or void), which is written to its left.
#include "diff/cname.h"

#include <cctype>

#include "dwarf/ctype.h"
#include "support/error.h"

namespace kfb::diff {

namespace {

using btf::Btf;
using btf::Kind;

constexpr int kMaxDepth = 64;

struct Speller {
  const Btf &btf;
  Spell sp;

  static std::string join(std::string left, const std::string &inner) {
    if (!inner.empty()) {
      left += ' ';
      left += inner;
    }
    return left;
  }

  std::string tag_name(Kind k, std::string_view name) const {
    const char *word = k == Kind::UNION ? "union" : (k == Kind::ENUM || k == Kind::ENUM64) ? "enum" : "struct";
    std::string s = word;
    s += ' ';
    if (name.empty()) s += "{...}";
    else s += name;
    return s;
  }

  std::string params(uint32_t proto_id, bool names, int depth) const {
    btf::Type p = btf.type(proto_id);
    auto ps = p.params();
    if (ps.empty()) return "(void)";
    std::string s = "(";
    for (size_t i = 0; i < ps.size(); i++) {
      if (i) s += ", ";
      if (i + 1 == ps.size() && ps[i].type == 0 && ps[i].name_off == 0) {
        s += "...";
        break;
      }
      std::string nm = names && btf.valid_str(ps[i].name_off) ? std::string(btf.str(ps[i].name_off)) : "";
      s += spell(ps[i].type, nm, false, depth + 1);
    }
    s += ')';
    return s;
  }

  // `after_star`: inner starts with a qualifier that belongs after a pointer's star.
  std::string spell(uint32_t id, const std::string &inner, bool after_star, int depth) const {
    if (depth > kMaxDepth) return join("<cycle>", inner);
    if (id == 0) return join("void", inner);
    if (!btf.valid_id(id)) return join(strfmt("<bad type id %u>", id), inner);
    btf::Type t = btf.type(id);
    switch (t.kind()) {
      case Kind::INT:
      case Kind::FLOAT:
      case Kind::TYPEDEF:
        return join(std::string(t.name()), inner);
      case Kind::STRUCT:
      case Kind::UNION:
      case Kind::ENUM:
      case Kind::ENUM64:
        return join(tag_name(t.kind(), t.name()), inner);
      case Kind::FWD:
        return join(tag_name(t.fwd_is_union() ? Kind::UNION : Kind::STRUCT, t.name()), inner);
      case Kind::PTR: {
        std::string d = after_star ? "* " + inner : "*" + inner;
        uint32_t tgt = t.type();
        if (btf.valid_id(tgt) && tgt != 0) {
          Kind tk = btf.type(tgt).kind();
          if (tk == Kind::ARRAY || tk == Kind::FUNC_PROTO) d = "(" + d + ")";
        }
        return spell(tgt, d, false, depth + 1);
      }
      case Kind::CONST:
      case Kind::VOLATILE:
      case Kind::RESTRICT:
      case Kind::TYPE_TAG: {
        if (t.kind() == Kind::TYPE_TAG && !sp.type_tags) return spell(t.type(), inner, after_star, depth + 1);
        std::string q = t.kind() == Kind::CONST      ? "const"
                        : t.kind() == Kind::VOLATILE ? "volatile"
                        : t.kind() == Kind::RESTRICT ? "restrict"
                                                     : "__tag(" + std::string(t.name()) + ")";
        // On a pointer the qualifier follows the star; elsewhere it leads.
        uint32_t tgt = t.type();
        int guard = 0;
        while (btf.valid_id(tgt) && tgt != 0 && btf.type(tgt).is_modifier() && guard++ < kMaxDepth)
          tgt = btf.type(tgt).type();
        bool on_ptr = btf.valid_id(tgt) && tgt != 0 && btf.type(tgt).is_ptr();
        if (on_ptr) return spell(t.type(), join(q, inner), true, depth + 1);
        return q + " " + spell(t.type(), inner, false, depth + 1);
      }
      case Kind::ARRAY: {
        const btf::Array &a = t.array();
        return spell(a.type, inner + "[" + std::to_string(a.nelems) + "]", false, depth + 1);
      }
      case Kind::FUNC_PROTO:
        return spell(t.type(), inner + params(id, false, depth), false, depth + 1);
      case Kind::FUNC:
        if (btf.valid_id(t.type()) && btf.type(t.type()).kind() == Kind::FUNC_PROTO)
          return spell(btf.type(t.type()).type(),
                       join(std::string(t.name()), inner) + params(t.type(), true, depth), false,
                       depth + 1);
        return join(std::string(t.name()), inner);
      case Kind::VAR:
        return spell(t.type(), join(std::string(t.name()), inner), false, depth + 1);
      case Kind::DATASEC:
        return join("SEC(" + std::string(t.name()) + ")", inner);
      case Kind::DECL_TAG:
        return join("__decl_tag(" + std::string(t.name()) + ")", inner);
      default:
        return join(strfmt("<kind %u>", t.kind_raw()), inner);
    }
  }
};

}  // namespace

std::string c_type(const btf::Btf &btf, uint32_t id, Spell sp) {
  return Speller{btf, sp}.spell(id, "", false, 0);
}

std::string c_decl(const btf::Btf &btf, uint32_t id, std::string_view name, Spell sp) {
  return Speller{btf, sp}.spell(id, std::string(name), false, 0);
}

std::string c_proto(const btf::Btf &btf, uint32_t proto_id, bool names, Spell sp) {
  if (!btf.valid_id(proto_id) || proto_id == 0 || btf.type(proto_id).kind() != Kind::FUNC_PROTO)
    return c_type(btf, proto_id, sp);
  Speller s{btf, sp};
  return s.spell(btf.type(proto_id).type(), s.params(proto_id, names, 0), false, 1);
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
      std::string c = c_int_spelling(run);
      out += c.empty() ? std::string(run) : c;
      i = run_end;
    } else {
      while (i < spaced.size() && ident(spaced[i])) out += spaced[i++];
    }
  }
  return out;
}

}  // namespace kfb::diff
