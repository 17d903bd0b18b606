#include "btf/query.h"

namespace kfb::btf {

namespace {

constexpr int kMaxLinks = 64;   // a modifier chain longer than this is a cycle in bad BTF
constexpr int kMaxDepth = 16;   // same_type's recursion through PTR, TYPEDEF and modifiers

// Through type attributes only (TYPE_TAG with kflag).
uint32_t skip_attrs(const Btf &btf, uint32_t id) {
  for (int guard = 0; guard < kMaxLinks && id && btf.valid_id(id); guard++) {
    Type t = btf.type(id);
    if (t.kind() != Kind::TYPE_TAG || !t.kflag()) break;
    id = t.type();
  }
  return id;
}

bool same_type_at(const Btf &btf, uint32_t x, uint32_t y, Same how, int depth) {
  x = skip_attrs(btf, x);
  y = skip_attrs(btf, y);
  if (x == y) return true;
  if (!x || !y || !btf.valid_id(x) || !btf.valid_id(y) || depth > kMaxDepth) return false;
  Type a = btf.type(x), b = btf.type(y);
  bool head = how == Same::Info ? a.info() == b.info() : a.kind() == b.kind() && a.kflag() == b.kflag();
  if (!head || a.name() != b.name()) return false;
  switch (a.kind()) {
    case Kind::INT: return a.size() == b.size() && a.int_data() == b.int_data();
    case Kind::PTR:
    case Kind::TYPEDEF:
    case Kind::CONST:
    case Kind::VOLATILE:
    case Kind::RESTRICT:
    case Kind::TYPE_TAG: return same_type_at(btf, a.type(), b.type(), how, depth + 1);
    case Kind::STRUCT:
    case Kind::UNION:
    case Kind::ENUM:
    case Kind::ENUM64:
    case Kind::FLOAT: return a.size() == b.size() && !a.name().empty();  // named: same by name
    case Kind::FWD: return true;
    default: return false;
  }
}

}  // namespace

uint32_t skip_mods(const Btf &btf, uint32_t id, Typedefs td) {
  for (int guard = 0; guard < kMaxLinks && id && btf.valid_id(id); guard++) {
    Type t = btf.type(id);
    if (!t.is_modifier() && !(td == Typedefs::Skip && t.kind() == Kind::TYPEDEF)) return id;
    id = t.type();
  }
  return btf.valid_id(id) ? id : 0;
}

uint32_t pointee(const Btf &btf, uint32_t id, Typedefs td) {
  uint32_t p = skip_mods(btf, id, td);
  return p && btf.type(p).is_ptr() ? skip_mods(btf, btf.type(p).type(), td) : 0;
}

bool is_func_ptr(const Btf &btf, uint32_t id) {
  uint32_t to = pointee(btf, id, Typedefs::Skip);
  return to && btf.type(to).kind() == Kind::FUNC_PROTO;
}

bool same_type(const Btf &btf, uint32_t x, uint32_t y, Same how) {
  return same_type_at(btf, x, y, how, 0);
}

unsigned pointer_size(const Btf &btf, unsigned given) {
  unsigned size = given;
  if (!size)
    for (const char *name : {"long", "long int", "unsigned long", "long unsigned int"})
      if (uint32_t id = btf.find_first(name, Kind::INT)) {
        size = btf.type(id).size();
        break;
      }
  return size == 4 || size == 8 ? size : 8;
}

uint32_t find_own(const Btf &btf, std::string_view name, Kind kind) {
  for (uint32_t id : btf.find(name, kind))
    if (id >= btf.start_id()) return id;
  return 0;
}

uint32_t find_defined(const Btf &btf, std::string_view name, Kind kind) {
  for (uint32_t id : btf.find(name, kind))
    if (btf.type(id).vlen()) return id;
  return 0;
}

}  // namespace kfb::btf
