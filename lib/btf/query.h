// Questions about one type that the kfunc rewrite (lib/kfunc) and the kfunc rules (lib/check)
// both ask: what it is through modifiers and typedefs, what a pointer points to, whether two
// types are the same, how wide a pointer is. The C spelling of a type is cname.h's.
//
//   const kfb::btf::Btf &btf = ...;
//   uint32_t t = kfb::btf::skip_mods(btf, id);              // through CONST VOLATILE RESTRICT TYPE_TAG
//   uint32_t r = kfb::btf::skip_mods(btf, id, kfb::btf::Typedefs::Skip);   // ... and TYPEDEF
//   uint32_t s = kfb::btf::pointee(btf, param.type);        // `struct bpf_prog_aux *aux` -> the STRUCT
//   if (kfb::btf::is_func_ptr(btf, member.type)) ...        // `bpf_wq_callback_t cb` counts
//   if (kfb::btf::same_type(btf, x, y, kfb::btf::Same::KindName)) ...   // type attributes aside
//   unsigned ps = kfb::btf::pointer_size(btf, elf->is64() ? 8 : 4);  // 0: sizeof(long) from BTF
//   uint32_t f = kfb::btf::find_own(btf, "bpf_wq_set_callback_impl", kfb::btf::Kind::FUNC);
//   uint32_t o = kfb::btf::find_defined(btf, "sched_ext_ops", kfb::btf::Kind::STRUCT);
//
// Every walk stops after 64 links (a cycle in bad BTF ends there) and answers 0 ("no type")
// when a link names an id past the end: callers may look at btf.type() of any result.
#pragma once

#include <cstdint>
#include <string_view>

#include "btf/btf.h"

namespace kfb::btf {

enum class Typedefs : bool { Keep, Skip };

// The first type from `id` on that is not a modifier (CONST VOLATILE RESTRICT TYPE_TAG) and,
// with Typedefs::Skip, not a TYPEDEF; 0 for void or an id past the end.
uint32_t skip_mods(const Btf &btf, uint32_t id, Typedefs td = Typedefs::Keep);

// What `id` points to when it is a PTR through skip_mods(td), itself through skip_mods(td);
// 0 when `id` is not a pointer (or points to void).
uint32_t pointee(const Btf &btf, uint32_t id, Typedefs td = Typedefs::Keep);

// A pointer to a FUNC_PROTO, through modifiers and typedefs on both sides: `int (*cb)(void)`
// and `bpf_wq_callback_t cb` alike.
bool is_func_ptr(const Btf &btf, uint32_t id);

// Equality of two types of one Btf (pahole's dedup makes equal types one id; two BTFs glued
// together without dedup may hold equal types twice). Type attributes (TYPE_TAG with kflag:
// resolve_btfids 7.3's address_space(1) on F's arena pointers) are skipped on both sides at
// every level; then the two records have the same name and header word `info` (Same::Info:
// kind, kflag and vlen; Same::KindName: kind and kflag, vlen not compared), and
//   INT: the same size and encoding word;  PTR TYPEDEF CONST VOLATILE RESTRICT TYPE_TAG: the
//   same target (recursively, 16 levels at most);  STRUCT UNION ENUM ENUM64 FLOAT: the same
//   size and a name (named types are the same by name, their members are not compared);
//   FWD: nothing more;  every other kind (ARRAY, FUNC_PROTO, ...): only as the same id.
enum class Same : uint8_t {
  Info,      // `emit` (emit-twin), before it reuses an existing F_impl
  KindName,  // `check` (kfunc-twin-proto), on F_impl's explicit params against F's
};
// The two differ only for distinct same-named STRUCT/UNION/ENUM/ENUM64 records of one size
// with another member count (a module's private struct named as one in its base), and on a
// vlen the loader refuses anyway (INT, PTR, modifiers, FWD, FLOAT); they are kept apart only
// so that no verdict changes, and one of them should go.
bool same_type(const Btf &btf, uint32_t x, uint32_t y, Same how);

// Bytes per pointer (a scope-mask bit stands for one pointer-sized slot of an ops struct):
// `given` (the ELF class), or when it is 0 sizeof(long) from the BTF's first INT named "long",
// "long int", "unsigned long" or "long unsigned int" (in that order); 8 when that is not 4 or 8.
unsigned pointer_size(const Btf &btf, unsigned given = 0);

// The first of the BTF's own types (a split BTF's, not its base's) with this name and kind; 0
// when there is none.
uint32_t find_own(const Btf &btf, std::string_view name, Kind kind);

// The first type with this name and kind that has members (vlen > 0: a STRUCT or UNION
// defined, not an empty declaration); 0 when there is none.
uint32_t find_defined(const Btf &btf, std::string_view name, Kind kind);

}  // namespace kfb::btf
