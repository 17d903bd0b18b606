// C spelling of BTF types, the way bpftool's C dump and lib/dwarf's CType write them.
//
//   const kfb::btf::Btf &btf = ...;
//   kfb::btf::c_type(btf, ptr_id)             // "struct task_struct *"
//   kfb::btf::c_type(btf, arr_id)             // "u8 [16]"
//   kfb::btf::c_type(btf, fnptr_id)           // "int (*)(void *, u32)"
//   kfb::btf::c_decl(btf, fnptr_id, "cb")     // "int (*cb)(void *, u32)"
//   kfb::btf::c_proto(btf, proto_id, true)    // "void *(u64 local_type_id__k, void *meta__ign)"
//   kfb::btf::CWriter w(btf);                 // many spellings into one reused buffer:
//   w.decl(buf, fnptr_id, "cb");               // appends "int (*cb)(void *, u32)" to buf
//
// Typedef names are kept, never expanded; an anonymous struct prints as "struct {...}";
// qualifiers on a pointer follow the star ("char * const"); a variadic prototype ends in
// "..."; an empty parameter list is "(void)". TYPE_TAG prints as a qualifier
// `__tag(value)`, and one with kflag (a type attribute, as resolve_btfids 7.3 puts on arena
// pointers) as `__attribute__((address_space(1)))`, unless `Spell::type_tags` is off (DWARF has
// no type tags to compare with).
// Chains longer than 64 links or cyclic ones end in "<cycle>" instead of recursing forever.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "btf/btf.h"

namespace kfb::btf {

struct Spell {
  bool type_tags = true;
};

// Appends spellings to a caller's buffer: one CWriter for many types allocates nothing per
// type (the diff of two vmlinux BTFs spells ~80k of them).
class CWriter {
 public:
  explicit CWriter(const btf::Btf &btf, Spell sp = {}) : btf_(btf), sp_(sp) {}
  void type(std::string &out, uint32_t id) { decl(out, id, {}); }
  void decl(std::string &out, uint32_t id, std::string_view name) {
    walk(out, id, name, 0, pieces_.size());
  }
  void proto(std::string &out, uint32_t proto_id, bool names);

  // One piece of a declarator, recorded on the way in and written once the base is known:
  // Lead pieces go before the base ("const "), Pre pieces before the name in reverse order
  // ("*", "(", a qualifier after a star), Post pieces after it in order ("[16]", parameters, ")").
  struct Piece {
    enum Place : uint8_t { Lead, Pre, Post } place;
    enum Form : uint8_t { Text, Tag, Attr, Dim, Params } form;
    bool space;              // Pre Text/Tag: a space follows (something is inside it)
    bool names;              // Params: with parameter names
    std::string_view text;   // Text; Tag: the tag's value
    uint32_t num;            // Dim: nelems; Params: the FUNC_PROTO id
    int depth;               // Params: depth of the proto in the walk
  };

 private:
  void walk(std::string &out, uint32_t id, std::string_view inner, int depth, size_t first);
  void base_word(std::string &out, uint32_t id, bool cycle) const;
  void params(std::string &out, uint32_t proto_id, bool names, int depth);
  void put(std::string &out, const Piece &p);

  const btf::Btf &btf_;
  Spell sp_;
  std::vector<Piece> pieces_;  // the declarator links of the walks in progress
};

std::string c_type(const btf::Btf &btf, uint32_t id, Spell sp = {});
// A declaration of `name` with type `id` ("int (*cb)(void *)", "char comm[16]").
std::string c_decl(const btf::Btf &btf, uint32_t id, std::string_view name, Spell sp = {});
// A FUNC_PROTO as "RET (PARAMS)", with parameter names when `names`.
std::string c_proto(const btf::Btf &btf, uint32_t proto_id, bool names, Spell sp = {});

}  // namespace kfb::btf
