// Pairing the types of two BTFs without looking at type ids.
//
//   kfb::diff::Matcher m(old_btf, new_btf);          // keys, signatures, pairs: one pass each
//   for (uint32_t id = old_btf.start_id(); id < old_btf.type_cnt(); id++) {
//     uint32_t peer = m.peer(kfb::diff::Old, id);     // 0: removed
//     if (peer && !m.same(id, peer)) ...;             // changed: compare field by field
//   }
//   m.key(kfb::diff::Old, a) == m.key(kfb::diff::New, b)   // same identity ("struct foo",
//                                                           // "const char *", ...)
//   m.anon_path(kfb::diff::New, id)                   // "struct foo.bar" for an anonymous
//                                                     // struct/union/enum; "" when unused
//   m.sig_hash(kfb::diff::Old, id)                    // id-free 64-bit content hash
//
// Keys and signatures are 128-bit content hashes built without ids, so comparing them across
// the two BTFs is a 16-byte compare. Only each side's own types are paired (for split
// BTF the base types serve as references). The essay at the top of match.cc explains how a
// type's identity is derived.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "btf/btf.h"
#include "support/hash.h"

namespace kfb::diff {

enum SideId : uint8_t { Old = 0, New = 1 };

// A 128-bit content hash: keys and signatures (see match.cc).
using kfb::Hash128;

class Matcher {
 public:
  // jobs > 1: index the two sides on two threads (the result does not depend on it).
  Matcher(const btf::Btf &old_btf, const btf::Btf &new_btf, unsigned jobs = 1);
  ~Matcher();
  Matcher(const Matcher &) = delete;
  Matcher &operator=(const Matcher &) = delete;

  const btf::Btf &btf(SideId s) const;
  // The paired own type on the other side, or 0.
  uint32_t peer(SideId s, uint32_t id) const;
  // Both types have equal signatures (nothing to report between them).
  bool same(uint32_t old_id, uint32_t new_id) const;
  // Identity of any type id (own or base, 0 = void) of side s.
  Hash128 key(SideId s, uint32_t id) const;
  Hash128 sig(SideId s, uint32_t id) const;
  uint64_t sig_hash(SideId s, uint32_t id) const;
  uint64_t key_hash(SideId s, uint32_t id) const;
  // Where an anonymous STRUCT/UNION/ENUM is used ("struct foo.bar", "typedef foo_t",
  // "func f(p)"); "" when not anonymous or not used.
  std::string_view anon_path(SideId s, uint32_t id) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace kfb::diff
