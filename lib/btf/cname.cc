// C spelling of BTF types: the classic inside-out declarator walk. The declarator grows
// around the name as the walk goes from the outer type to its target ("cb" -> "*cb" ->
// "(*cb)" -> "(*cb)(void *)"), and the walk ends at a type with a name (or void), which is
// written to its left. Building that as nested strings costs a temporary per link; instead
// the walk records each link as a Piece (CWriter::Piece) and, once the base is known, writes
// everything in one go: Lead pieces, the base, then Pre pieces in reverse, the name, Post
// pieces in order. Parameters are spelled by a nested walk when their Post piece is written.
//
// Bounds, for hostile BTF: a chain (and the parameter walks below it) ends after kMaxDepth
// links; a FUNC_PROTO inside itself (through its return type or parameters) ends its walk at
// once, in "<cycle>", so a cycle costs one step, not 2^64; and once one spelling passes
// kMaxChars, each parameter list not yet written is "..." (without a cycle, nested function
// pointers still double their spelling per level).
#include "btf/cname.h"


#include "support/error.h"

namespace kfb::btf {

namespace {

using btf::Btf;
using btf::Kind;

constexpr int kMaxDepth = 64;
// Far past any kernel type: the longest spelling on vmlinux 6.18 is a 480-byte prototype.
constexpr size_t kMaxChars = 4096;

const char *tag_word(Kind k) {
  return k == Kind::UNION ? "union " : (k == Kind::ENUM || k == Kind::ENUM64) ? "enum " : "struct ";
}

}  // namespace

// The name a walk ends at: "int", "struct foo", "struct {...}", "void", "<cycle>".
void CWriter::base_word(std::string &out, uint32_t id, bool cycle) const {
  if (cycle) {
    out += "<cycle>";
    return;
  }
  if (id == 0) {
    out += "void";
    return;
  }
  if (!btf_.valid_id(id)) {
    out += strfmt("<bad type id %u>", id);
    return;
  }
  btf::Type t = btf_.type(id);
  std::string_view name = t.name();
  switch (t.kind()) {
    case Kind::INT:
    case Kind::FLOAT:
    case Kind::TYPEDEF:
    case Kind::FUNC:  // without a FUNC_PROTO
      out += name;
      break;
    case Kind::STRUCT:
    case Kind::UNION:
    case Kind::ENUM:
    case Kind::ENUM64:
    case Kind::FWD:
      if (t.kind() == Kind::FWD) out += tag_word(t.fwd_is_union() ? Kind::UNION : Kind::STRUCT);
      else out += tag_word(t.kind());
      if (name.empty()) out += "{...}";
      else out += name;
      break;
    case Kind::DATASEC:
      out += "SEC(";
      out += name;
      out += ')';
      break;
    case Kind::DECL_TAG:
      out += "__decl_tag(";
      out += name;
      out += ')';
      break;
    default:
      out += strfmt("<kind %u>", t.kind_raw());
      break;
  }
}

void CWriter::put(std::string &out, const Piece &p) {
  switch (p.form) {
    case Piece::Text:
      out += p.text;
      break;
    case Piece::Tag:
      out += "__tag(";
      out += p.text;
      out += ')';
      break;
    case Piece::Attr:
      out += "__attribute__((";
      out += p.text;
      out += "))";
      break;
    case Piece::Dim:
      out += '[';
      out += std::to_string(p.num);
      out += ']';
      break;
    case Piece::Params:
      params(out, p.num, p.names, p.depth, p.proto);
      return;
  }
  if (p.place == Piece::Lead || (p.place == Piece::Pre && p.space)) out += ' ';
}

// The index of proto `id` in protos_, entered inside `up`; kNoProto when it is inside itself.
uint32_t CWriter::enter_proto(uint32_t id, uint32_t up) {
  for (uint32_t u = up; u != kNoProto; u = protos_[u].up)
    if (protos_[u].id == id) return kNoProto;
  protos_.push_back({id, up});
  return static_cast<uint32_t>(protos_.size() - 1);
}

void CWriter::params(std::string &out, uint32_t proto_id, bool names, int depth, uint32_t up) {
  auto ps = btf_.type(proto_id).params();
  if (ps.empty()) {
    out += "(void)";
    return;
  }
  out += '(';
  for (size_t i = 0; i < ps.size(); i++) {
    if (i) out += ", ";
    if (i + 1 == ps.size() && ps[i].type == 0 && ps[i].name_off == 0) {
      out += "...";
      break;
    }
    if (out.size() >= limit_) {
      out += "...";
      break;
    }
    std::string_view nm = names && btf_.valid_str(ps[i].name_off) ? btf_.str(ps[i].name_off) : "";
    walk(out, ps[i].type, nm, depth + 1, pieces_.size(), up);
  }
  out += ')';
}

void CWriter::proto(std::string &out, uint32_t proto_id, bool names) {
  if (!btf_.valid_id(proto_id) || proto_id == 0 || btf_.type(proto_id).kind() != Kind::FUNC_PROTO) {
    type(out, proto_id);
    return;
  }
  // "RET (PARAMS)": the walk of the return type around the parameter list.
  uint32_t at = enter_proto(proto_id, kNoProto);
  pieces_.push_back({Piece::Post, Piece::Params, false, names, {}, proto_id, 0, at});
  walk(out, btf_.type(proto_id).type(), {}, 1, pieces_.size() - 1, at);
  protos_.resize(at);
}

// Spells type `id` declaring `inner`; pieces_ from `first` on belong to this walk (proto()
// puts the parameter list there before walking the return type); `up` is the FUNC_PROTO the
// type is inside, if any (its entry in protos_).
void CWriter::walk(std::string &out, uint32_t id, std::string_view inner, int depth, size_t first,
                   uint32_t up) {
  if (nest_++ == 0) limit_ = out.size() + kMaxChars;
  const size_t first_proto = protos_.size();
  bool nonempty = !inner.empty() || first < pieces_.size();  // the declarator so far
  bool after_star = false;  // a qualifier that belongs after a pointer's star leads it
  bool cycle = false;
  auto pre = [&](Piece::Form f, std::string_view text) {
    pieces_.push_back({Piece::Pre, f, nonempty, false, text, 0, 0});
    nonempty = nonempty || !text.empty() || f == Piece::Tag || f == Piece::Attr;
  };
  for (;; depth++) {
    if (depth > kMaxDepth) {
      cycle = true;
      break;
    }
    if (id == 0 || !btf_.valid_id(id)) break;
    btf::Type t = btf_.type(id);
    Kind k = t.kind();
    if (k == Kind::PTR) {
      uint32_t tgt = t.type();
      pieces_.push_back({Piece::Pre, Piece::Text, false, false, after_star ? "* " : "*", 0, 0});
      nonempty = true;
      if (btf_.valid_id(tgt) && tgt != 0) {
        Kind tk = btf_.type(tgt).kind();
        if (tk == Kind::ARRAY || tk == Kind::FUNC_PROTO) {
          pieces_.push_back({Piece::Pre, Piece::Text, false, false, "(", 0, 0});
          pieces_.push_back({Piece::Post, Piece::Text, false, false, ")", 0, 0});
        }
      }
      after_star = false;
      id = tgt;
    } else if (t.is_modifier()) {
      if (k == Kind::TYPE_TAG && !sp_.type_tags) {
        id = t.type();
        continue;
      }
      // A TYPE_TAG with kflag is a type attribute (7.3's address_space(1) on arena pointers).
      Piece::Form f = k != Kind::TYPE_TAG ? Piece::Text : t.kflag() ? Piece::Attr : Piece::Tag;
      std::string_view q = k == Kind::CONST      ? "const"
                           : k == Kind::VOLATILE ? "volatile"
                           : k == Kind::RESTRICT ? "restrict"
                                                 : t.name();
      // On a pointer the qualifier follows the star; elsewhere it leads.
      uint32_t tgt = t.type();
      int guard = 0;
      while (btf_.valid_id(tgt) && tgt != 0 && btf_.type(tgt).is_modifier() && guard++ < kMaxDepth)
        tgt = btf_.type(tgt).type();
      bool on_ptr = btf_.valid_id(tgt) && tgt != 0 && btf_.type(tgt).is_ptr();
      if (on_ptr) {
        pre(f, q);
        after_star = true;
      } else {
        pieces_.push_back({Piece::Lead, f, false, false, q, 0, 0});
        after_star = false;
      }
      id = t.type();
    } else if (k == Kind::ARRAY) {
      const btf::Array &a = t.array();
      pieces_.push_back({Piece::Post, Piece::Dim, false, false, {}, a.nelems, 0});
      nonempty = true;
      after_star = false;
      id = a.type;
    } else if (k == Kind::FUNC_PROTO) {
      up = enter_proto(id, up);
      if (up == kNoProto) {
        cycle = true;
        break;
      }
      pieces_.push_back({Piece::Post, Piece::Params, false, false, {}, id, depth, up});
      nonempty = true;
      after_star = false;
      id = t.type();
    } else if (k == Kind::FUNC && btf_.valid_id(t.type()) &&
               btf_.type(t.type()).kind() == Kind::FUNC_PROTO) {
      up = enter_proto(t.type(), up);
      if (up == kNoProto) {
        cycle = true;
        break;
      }
      pre(Piece::Text, t.name());
      pieces_.push_back({Piece::Post, Piece::Params, false, true, {}, t.type(), depth, up});
      nonempty = true;
      after_star = false;
      id = btf_.type(t.type()).type();
    } else if (k == Kind::VAR) {
      pre(Piece::Text, t.name());
      after_star = false;
      id = t.type();
    } else {
      break;
    }
  }
  // Write: leads, base, then the declarator around `inner`. Pieces are copied out by index:
  // a parameter's nested walk pushes (and pops) its own past `last`.
  size_t last = pieces_.size();
  for (size_t i = first; i < last; i++)
    if (pieces_[i].place == Piece::Lead) put(out, Piece(pieces_[i]));
  base_word(out, id, cycle);
  if (nonempty) {
    out += ' ';
    for (size_t i = last; i-- > first;)
      if (pieces_[i].place == Piece::Pre) put(out, Piece(pieces_[i]));
    out += inner;
    for (size_t i = first; i < last; i++)
      if (pieces_[i].place == Piece::Post) put(out, Piece(pieces_[i]));
  }
  pieces_.resize(first);
  protos_.resize(first_proto);
  nest_--;
}

std::string c_type(const btf::Btf &btf, uint32_t id, Spell sp) {
  std::string s;
  CWriter(btf, sp).type(s, id);
  return s;
}

std::string c_decl(const btf::Btf &btf, uint32_t id, std::string_view name, Spell sp) {
  std::string s;
  CWriter(btf, sp).decl(s, id, name);
  return s;
}

std::string c_proto(const btf::Btf &btf, uint32_t proto_id, bool names, Spell sp) {
  std::string s;
  CWriter(btf, sp).proto(s, proto_id, names);
  return s;
}

}  // namespace kfb::btf
