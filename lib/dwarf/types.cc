// Type spelling: ctype.h's helpers, and the walker's DWARF types rendered as C declarators and
// classified, through its per-thread cache of type DIEs.
#include "dwarf/ctype.h"

#include <algorithm>
#include <string>
#include <string_view>

#include "dwarf/dwarf_impl.h"

namespace kfb::dwarf {

const char *type_class_name(TypeClass c) {
  switch (c) {
    case TypeClass::Void: return "void";
    case TypeClass::Pointer: return "pointer";
    case TypeClass::Scalar: return "scalar";
    case TypeClass::Float: return "float";
    case TypeClass::Other: return "other";
  }
  return "other";
}

std::string c_int_spelling(std::string_view words) {
  int longs = 0, shorts = 0, chars = 0, ints = 0;
  const char *sign = nullptr;
  size_t pos = 0;
  while (pos <= words.size()) {
    size_t end = words.find(' ', pos);
    if (end == std::string_view::npos) end = words.size();
    std::string_view w = words.substr(pos, end - pos);
    if (w == "long") longs++;
    else if (w == "short") shorts++;
    else if (w == "char") chars++;
    else if (w == "int") ints++;
    else if ((w == "signed" || w == "unsigned") && !sign) sign = w == "signed" ? "signed" : "unsigned";
    else return "";
    pos = end + 1;
  }
  if (longs > 2 || shorts > 1 || chars > 1 || ints > 1 || (shorts && longs) || (chars && (ints || shorts || longs)))
    return "";
  bool is_unsigned = sign && sign[0] == 'u';
  if (chars) return sign ? std::string(sign) + " char" : "char";  // three distinct types
  std::string base = shorts ? "short" : longs == 2 ? "long long" : longs ? "long" : "int";
  return is_unsigned ? "unsigned " + base : base;
}

namespace detail {

const TypeNode &Walker::node(Dwarf_Off off) {
  auto it = types_.find(off);
  if (it != types_.end()) return it->second;
  Die d = offdie(off);
  // A declaration standing for a type unit's type (gcc's -fdebug-types-section): the node is
  // the unit's. Followed in a loop: a chain of such stubs in broken input must neither recurse
  // once per hop nor go round a cycle.
  const Dwarf_Off first = off;
  for (int hops = 0;; hops++) {
    Dwarf_Off def = 0;
    if (!ref(d.d, DW_AT_signature, def)) break;
    if (hops == 8)
      fail("%s: %s+0x%llx: more than 8 DW_AT_signature hops from this type", s_.path().c_str(),
           first & kInTypes ? ".debug_types" : ".debug_info",
           static_cast<unsigned long long>(first & ~kInTypes));
    if (auto done = types_.find(def); done != types_.end())
      return types_.emplace(first, TypeNode(done->second)).first->second;
    off = def;
    d = offdie(off);
  }
  TypeNode t;
  t.tag = tag(d.d);
  if (const char *n = diename(d.d)) t.name = n;
  t.has_type = ref(d.d, DW_AT_type, t.type);
  if (t.tag == DW_TAG_base_type) udata(d.d, DW_AT_encoding, t.encoding);
  if (t.tag == DW_TAG_subroutine_type) {
    t.prototyped = flag(d.d, DW_AT_prototyped);
    for (Die c = child(d.d); c; c = sibling(c.d)) {
      Dwarf_Half ct = tag(c.d);
      Dwarf_Off pt = 0;
      if (ct == DW_TAG_formal_parameter && ref(c.d, DW_AT_type, pt)) t.params.push_back(pt);
      if (ct == DW_TAG_unspecified_parameters) t.variadic = true;
    }
  }
  if (t.tag == DW_TAG_array_type) {
    for (Die c = child(d.d); c; c = sibling(c.d)) {
      if (tag(c.d) != DW_TAG_subrange_type) continue;
      uint64_t v;
      if (udata(c.d, DW_AT_count, v))
        t.count = static_cast<int64_t>(v);
      else if (udata(c.d, DW_AT_upper_bound, v))
        t.count = static_cast<int64_t>(v) + 1;
      break;  // first dimension only
    }
  }
  const TypeNode &n = types_.emplace(off, std::move(t)).first->second;
  if (first != off) return types_.emplace(first, TypeNode(n)).first->second;
  return n;
}

// GCC spells base types "long unsigned int", clang "unsigned long": print the C spelling both
// ways, so one source gives one prototype whatever the compiler.
static std::string base_type_name(const std::string &n) {
  if (std::string c = c_int_spelling(n); !c.empty()) return c;
  return n == "__int128 unsigned" ? "unsigned __int128" : n;
}

static std::string spaced(const std::string &base, const std::string &inner) {
  return inner.empty() ? base : base + " " + inner;
}

// The bounds of a spelling, as lib/btf's (cname.cc) for the same reasons: 64 links deep, a
// subroutine type inside itself is "<cycle>", and past about 4 KiB of names the parameter lists
// not yet spelled are "..." (clang's DWARF for 20 levels of nested function pointers is 3 KB;
// spelled in full, 14 MB).
constexpr int kMaxSpellDepth = 64;
constexpr size_t kMaxSpell = 4096;

std::string Walker::decl(Dwarf_Off off, const std::string &inner, int depth) {
  if (depth > kMaxSpellDepth) return spaced("?", inner);
  const TypeNode &t = node(off);
  auto sub = [&](const std::string &in) {
    return t.has_type ? decl(t.type, in, depth + 1) : spaced("void", in);
  };
  // A name at the base of the declarator, counted against the budget (with room for a
  // separator or a star).
  auto base = [&](const std::string &word) {
    spell_left_ -= std::min(spell_left_, word.size() + 2);
    return spaced(word, inner);
  };
  switch (t.tag) {
    case DW_TAG_base_type:
      return base(base_type_name(t.name));
    case DW_TAG_typedef:
    case DW_TAG_unspecified_type:
      return base(t.name.empty() ? "void" : t.name);
    case DW_TAG_structure_type:
    case DW_TAG_class_type:
      return base("struct " + (t.name.empty() ? std::string("{...}") : t.name));
    case DW_TAG_union_type:
      return base("union " + (t.name.empty() ? std::string("{...}") : t.name));
    case DW_TAG_enumeration_type:
      return base("enum " + (t.name.empty() ? std::string("{...}") : t.name));
    case DW_TAG_pointer_type:
    case DW_TAG_reference_type:
    case DW_TAG_rvalue_reference_type: {
      std::string star = t.tag == DW_TAG_pointer_type ? "*" : "&";
      if (t.has_type) {
        Dwarf_Half pt = node(t.type).tag;
        if (pt == DW_TAG_subroutine_type || pt == DW_TAG_array_type)
          return decl(t.type, "(" + star + inner + ")", depth + 1);
      }
      return sub(star + inner);  // "char **", "char *const"
    }
    case DW_TAG_const_type:
    case DW_TAG_volatile_type:
    case DW_TAG_restrict_type:
    case DW_TAG_atomic_type: {
      const char *q = t.tag == DW_TAG_const_type      ? "const"
                      : t.tag == DW_TAG_volatile_type ? "volatile"
                      : t.tag == DW_TAG_restrict_type ? "restrict"
                                                      : "_Atomic";
      bool on_pointer = t.has_type && node(t.type).tag == DW_TAG_pointer_type;
      if (on_pointer) return sub(spaced(q, inner));  // "char *const"
      return std::string(q) + " " + sub(inner);      // "const char *"
    }
    case DW_TAG_array_type:
      return sub(inner + "[" + (t.count >= 0 ? std::to_string(t.count) : "") + "]");
    case DW_TAG_subroutine_type: {
      if (std::find(open_subr_.begin(), open_subr_.end(), off) != open_subr_.end())
        return base("<cycle>");
      open_subr_.push_back(off);
      std::string ps;
      bool cut = false;
      for (size_t i = 0; i < t.params.size() && !cut; i++) {
        if (i) ps += ", ";
        cut = spell_left_ == 0;
        ps += cut ? "..." : decl(t.params[i], "", depth + 1);
      }
      if (t.variadic && !cut) ps += t.params.empty() ? "..." : ", ...";
      if (ps.empty() && t.prototyped) ps = "void";
      std::string s = sub(inner + "(" + ps + ")");
      open_subr_.pop_back();
      return s;
    }
    default:
      return base(t.name.empty() ? "?" : t.name);
  }
}

TypeClass Walker::classify(Dwarf_Off off, int depth) {
  if (depth > 64) return TypeClass::Other;
  const TypeNode &t = node(off);
  switch (t.tag) {
    case DW_TAG_typedef:
    case DW_TAG_const_type:
    case DW_TAG_volatile_type:
    case DW_TAG_restrict_type:
    case DW_TAG_atomic_type:
      return t.has_type ? classify(t.type, depth + 1) : TypeClass::Void;
    case DW_TAG_pointer_type:
    case DW_TAG_reference_type:
    case DW_TAG_rvalue_reference_type:
    case DW_TAG_ptr_to_member_type:
      return TypeClass::Pointer;
    case DW_TAG_base_type:
      return t.encoding == DW_ATE_float || t.encoding == DW_ATE_complex_float ? TypeClass::Float
                                                                             : TypeClass::Scalar;
    case DW_TAG_enumeration_type:
      return TypeClass::Scalar;
    case DW_TAG_unspecified_type:
      return TypeClass::Void;
    default:
      return TypeClass::Other;
  }
}

static bool is_modifier(Dwarf_Half tag) {
  return tag == DW_TAG_const_type || tag == DW_TAG_volatile_type || tag == DW_TAG_restrict_type ||
         tag == DW_TAG_atomic_type;
}

std::string Walker::ptr_to_struct(Dwarf_Off off) {
  const TypeNode *t = &node(off);
  for (int i = 0; i < 16 && is_modifier(t->tag) && t->has_type; i++) t = &node(t->type);
  if (t->tag != DW_TAG_pointer_type || !t->has_type) return "";
  const TypeNode *p = &node(t->type);
  for (int i = 0; i < 16 && is_modifier(p->tag) && p->has_type; i++) p = &node(p->type);
  return p->tag == DW_TAG_structure_type ? p->name : "";
}

CType Walker::ctype(bool has_type, Dwarf_Off off) {
  CType c;
  if (!has_type) {
    c.text = "void";
    c.type_class = TypeClass::Void;
    return c;
  }
  spell_left_ = kMaxSpell;
  open_subr_.clear();
  c.text = decl(off, "");
  c.type_class = classify(off);
  c.ptr_to_struct = ptr_to_struct(off);
  return c;
}

}  // namespace detail
}  // namespace kfb::dwarf
