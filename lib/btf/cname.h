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
// Chains longer than 64 links or cyclic ones end in "<cycle>" instead of recursing forever; a
// FUNC_PROTO met again inside its own parameters or return type is "<cycle>" at once. One
// spelling is at most about 4 KiB: past that, the remaining parameter lists are "..." (nested
// function pointers double their spelling per level; a 1 KB BTF spelled in full is 500 MB).
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
    walk(out, id, name, 0, pieces_.size(), kNoProto);
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
    uint32_t proto = 0;      // Params: the proto's entry in protos_
  };

 private:
  static constexpr uint32_t kNoProto = UINT32_MAX;
  void walk(std::string &out, uint32_t id, std::string_view inner, int depth, size_t first,
            uint32_t up);
  uint32_t enter_proto(uint32_t id, uint32_t up);
  void base_word(std::string &out, uint32_t id, bool cycle) const;
  void params(std::string &out, uint32_t proto_id, bool names, int depth, uint32_t up);
  void put(std::string &out, const Piece &p);

  const btf::Btf &btf_;
  Spell sp_;
  std::vector<Piece> pieces_;  // the declarator links of the walks in progress
  // The FUNC_PROTOs the walks in progress are inside: each with the index of the one it is
  // inside (kNoProto: none), so a proto's enclosing ones are a chain up from it.
  struct Open {
    uint32_t id, up;
  };
  std::vector<Open> protos_;
  size_t nest_ = 0;   // walks in progress
  size_t limit_ = 0;  // out.size() past which parameter lists are elided
};

std::string c_type(const btf::Btf &btf, uint32_t id, Spell sp = {});
// A declaration of `name` with type `id` ("int (*cb)(void *)", "char comm[16]").
std::string c_decl(const btf::Btf &btf, uint32_t id, std::string_view name, Spell sp = {});
// A FUNC_PROTO as "RET (PARAMS)", with parameter names when `names`.
std::string c_proto(const btf::Btf &btf, uint32_t proto_id, bool names, Spell sp = {});

}  // namespace kfb::btf
