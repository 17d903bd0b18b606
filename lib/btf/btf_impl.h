// Private to lib/btf (not an interface: include btf/btf.h): Btf::Index and the primitives of
// its tables, shared by the lookups (btf.cc) and the builder (build.cc).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "btf/btf.h"
#include "support/hash.h"

namespace kfb::btf {

struct Btf::Index {
  std::mutex mu;
  std::atomic<bool> names_built{false}, tags_built{false}, strs_built{false};

  // (name, kind) -> chain of own ids. slots hold head ids (0 = empty); tails for appends.
  std::vector<uint32_t> name_head, name_tail, name_next;
  size_t name_keys = 0;
  // target id -> chain of own DECL_TAG ids.
  std::vector<uint32_t> tag_head, tag_tail, tag_next;
  // byte offset of each own type's record (type_offset()).
  std::atomic<bool> offs_built{false};
  std::vector<uint32_t> offs;
  // own string offsets (local) + 1; 0 = empty.
  std::vector<uint32_t> str_slots;
  size_t str_count = 0;

  void reset_names() {
    names_built = false;
    name_head.clear(), name_tail.clear(), name_next.clear();
    name_keys = 0;
  }
  void reset_tags() {
    tags_built = false;
    tag_head.clear(), tag_tail.clear(), tag_next.clear();
  }
  void reset() {
    reset_names();
    reset_tags();
    strs_built = offs_built = false;
    offs.clear();
    str_slots.clear();
    str_count = 0;
  }
};

namespace detail {

inline uint64_t name_kind_hash(std::string_view name, unsigned kind) { return hash::bytes64(name, kind + 1); }

inline size_t pow2_at_least(size_t n) {
  size_t c = 16;
  while (c < n) c <<= 1;
  return c;
}

// Inserting into the name table; `ids` are own ids. Grows at load 1/2.
inline void name_insert(const Btf &b, std::vector<uint32_t> &head, std::vector<uint32_t> &tail,
                        std::vector<uint32_t> &next, size_t &keys, uint32_t id);

inline void name_rehash(const Btf &b, std::vector<uint32_t> &head, std::vector<uint32_t> &tail,
                        size_t cap) {
  std::vector<uint32_t> nh(cap, 0), nt(cap, 0);
  for (size_t i = 0; i < head.size(); i++) {
    if (!head[i]) continue;
    Type t = b.type(head[i]);
    size_t mask = cap - 1;
    size_t s = name_kind_hash(t.name(), t.kind_raw()) & mask;
    while (nh[s]) s = (s + 1) & mask;
    nh[s] = head[i], nt[s] = tail[i];
  }
  head.swap(nh), tail.swap(nt);
}

inline void name_insert(const Btf &b, std::vector<uint32_t> &head, std::vector<uint32_t> &tail,
                        std::vector<uint32_t> &next, size_t &keys, uint32_t id) {
  if ((keys + 1) * 2 > head.size()) name_rehash(b, head, tail, pow2_at_least((keys + 1) * 2));
  Type t = b.type(id);
  std::string_view name = t.name();
  unsigned kind = t.kind_raw();
  size_t mask = head.size() - 1;
  size_t s = name_kind_hash(name, kind) & mask;
  uint32_t local = id - b.start_id();
  if (next.size() <= local) next.resize(b.own_type_cnt(), 0);
  while (head[s]) {
    Type h = b.type(head[s]);
    if (h.kind_raw() == kind && h.name() == name) {
      next[tail[s] - b.start_id()] = id;
      tail[s] = id;
      return;
    }
    s = (s + 1) & mask;
  }
  head[s] = tail[s] = id;
  keys++;
}

inline void tag_insert(const Btf &b, std::vector<uint32_t> &head, std::vector<uint32_t> &tail,
                       std::vector<uint32_t> &next, uint32_t id) {
  Type t = b.type(id);
  if (t.kind() != Kind::DECL_TAG) return;
  uint32_t target = t.type();
  if (target >= b.type_cnt()) return;  // dangling: nothing can ask for it
  if (head.size() < b.type_cnt()) head.resize(b.type_cnt(), 0), tail.resize(b.type_cnt(), 0);
  if (next.size() < b.own_type_cnt()) next.resize(b.own_type_cnt(), 0);
  if (!head[target]) {
    head[target] = tail[target] = id;
  } else {
    next[tail[target] - b.start_id()] = id;
    tail[target] = id;
  }
}

inline void str_slot_insert(std::vector<uint32_t> &slots, const std::string &strs, uint32_t local) {
  size_t mask = slots.size() - 1;
  std::string_view s(strs.data() + local);
  size_t i = hash::bytes64(s) & mask;
  while (slots[i]) {
    if (std::string_view(strs.data() + slots[i] - 1) == s) return;  // keep the first
    i = (i + 1) & mask;
  }
  slots[i] = local + 1;
}

}  // namespace detail

}  // namespace kfb::btf
