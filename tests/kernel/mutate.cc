// Differential test: `check --as user` against the running kernel's bpf(BPF_BTF_LOAD).
//
//   mutate [COUNT] [SEED]        (env KFB_DIFF_COUNT, KFB_DIFF_SEED, KFB_FIXTURES,
//                                 KFB_DIFF_SAVE=dir to keep the blobs that disagree)
//   KFB_DIFF_KERNEL=7.3 KFB_DIFF_WRITE=DIR mutate COUNT SEED
//       another kernel as the oracle (tests/kernel/qemu_oracle.sh boots it under QEMU): the
//       blobs go to DIR/b<i> and check_loader's verdicts under that kernel's rules to
//       DIR/expect ("<i> ok" or "<i> <ERRNO> <kernel log line, \n escaped>"); nothing is
//       loaded here. With 7.x rules a third of the blobs also get the 2026 format: 32-byte
//       headers, layout sections (valid and broken), vlen above 0xffff, kinds above 19.
//
// Seeds: hand-made small valid blobs covering every kind (and the special bpf_* structs of
// the struct-metas phase), the fixtures' *.btf when $KFB_FIXTURES has them, and
// /sys/kernel/btf/vmlinux. Each test blob is a seed with 1-3 mutations (field values per kind,
// header fields, truncation, string-table edits, id swaps) or a generated graph (modifier
// chains in every id order, loops, deep structs, DATASEC layouts, protos). Everything comes
// from one seeded generator, so a run is reproducible from COUNT and SEED.
//
// For every blob the kernel's verdict (accepted, or the errno) must equal check_loader's, and
// on a rejection the kernel's log must contain the checker's kernel_log text. Exit 0 when all
// agree, 1 on any disagreement (the first ones are printed), 77 when the kernel refuses the
// syscall itself (not root, no bpf(2)).
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "bpf_btf_load.h"
#include "btf_builder.h"
#include "check/loader.h"

namespace {

using kfb::test::Blob;
using kfb::test::Builder;

uint32_t rd(const Blob &b, size_t at) {
  uint32_t v = 0;
  if (at + 4 <= b.size()) memcpy(&v, b.data() + at, 4);
  return v;
}
void wr(Blob &b, size_t at, uint32_t v) {
  if (at + 4 <= b.size()) memcpy(b.data() + at, &v, 4);
}

Blob seed_all_kinds() {
  Builder b;
  uint32_t i32 = b.int_("int", 4, 32, 1);               // 1
  uint32_t chr = b.int_("char", 1, 8, 2);               // 2
  uint32_t p = b.ref(2, i32);                           // 3 PTR
  uint32_t arr = b.array(i32, i32, 4);                  // 4
  uint32_t foo = b.struct_(4, "foo", 32, {{"a", i32, 0}, {"b", p, 64}, {"c", arr, 128}});  // 5
  b.struct_(5, "u", 8, {{"x", i32, 0}, {"y", p, 0}});  // 6
  uint32_t en = b.enum_("e", 4, {"A", "B"});            // 7
  b.type("fwd_s", 7, 0, false, 0);                      // 8 FWD
  uint32_t td = b.ref(8, i32, "myint");                 // 9 TYPEDEF
  b.ref(9, i32);                                        // 10 VOLATILE
  b.ref(10, i32);                                       // 11 CONST
  b.ref(11, p);                                         // 12 RESTRICT
  uint32_t pr = b.proto(i32, {{"a", i32}, {"b", p}});   // 13
  uint32_t fn = b.type("fn", 12, 1, false, pr);         // 14 FUNC global
  uint32_t var = b.type("v", 14, 0, false, i32);        // 15 VAR
  b.u(1);
  b.type(".data", 15, 1, false, 4);                     // 16 DATASEC
  b.u(var), b.u(0), b.u(4);
  uint32_t flt = b.type("float", 16, 0, false, 4);      // 17 FLOAT
  b.type("tag", 17, 0, false, foo);                     // 18 DECL_TAG
  b.u(0);
  uint32_t tt = b.type("user", 18, 0, false, i32);      // 19 TYPE_TAG
  b.ref(2, tt);                                         // 20 PTR -> TYPE_TAG
  uint32_t e64 = b.type("e64", 19, 1, false, 8);        // 21 ENUM64
  b.u(b.str("C")), b.u(0), b.u(0x100);
  b.struct_(4, "bits", 4, {{"f1", i32, 3u << 24}, {"f2", i32, (5u << 24) | 3}}, true);  // 22
  b.proto(0, {{"a", i32}, {"", 0}});                    // 23 vararg proto
  b.struct_(4, "mix", 24, {{"f", flt, 0}, {"e", en, 32}, {"g", e64, 64}, {"t", td, 128},
                           {"h", chr, 160}});           // 24
  b.type("fn_tag", 17, 0, false, fn);                   // 25 DECL_TAG on param
  b.u(1);
  b.type("fwd_u", 7, 0, true, 0);                       // 26 FWD union
  b.struct_(4, "self", 8, {{"next", 28, 0}});           // 27 struct self { PTR(28) }
  b.ref(2, 27);                                         // 28 PTR -> self
  return b.build();
}

// A blob whose structs go through the struct-metas phase (spin lock, list head/node, kptr).
Blob seed_struct_metas() {
  Builder b;
  uint32_t i32 = b.int_("int", 4, 32, 1);                                  // 1
  uint32_t i64 = b.int_("long", 8, 64, 1);                                 // 2
  uint32_t lock = b.struct_(4, "bpf_spin_lock", 4, {{"val", i32, 0}});     // 3
  uint32_t head = b.struct_(4, "bpf_list_head", 16, {{"a", i64, 0}, {"b", i64, 64}});  // 4
  uint32_t node = b.struct_(4, "bpf_list_node", 24,
                            {{"a", i64, 0}, {"b", i64, 64}, {"c", i64, 128}});  // 5
  b.struct_(4, "node_data", 32, {{"key", i64, 0}, {"node", node, 64}});    // 6
  uint32_t mv = b.struct_(4, "map_value", 24, {{"lock", lock, 0}, {"head", head, 64}});  // 7
  b.type("contains:node_data:node", 17, 0, false, mv);                     // 8
  b.u(1);
  uint32_t local = b.struct_(4, "foo_local", 8, {{"x", i64, 0}});          // 9
  uint32_t tag = b.type("kptr_untrusted", 18, 0, false, local);            // 10
  uint32_t kp = b.ref(2, tag);                                             // 11
  b.struct_(4, "with_kptr", 16, {{"p", kp, 0}, {"n", i64, 64}});           // 12
  return b.build();
}

// ---- a lenient walk over a valid blob's types ----
struct Layout {
  uint32_t hdr_len = 24, type_start = 0, type_len = 0, str_start = 0, str_len = 0;
  std::vector<uint32_t> offs, sizes;  // type i+1 at offs[i], sizes[i] bytes
};

Layout layout(const Blob &b) {
  Layout l;
  if (b.size() < 24) return l;
  l.hdr_len = rd(b, 4);
  l.type_start = l.hdr_len + rd(b, 8);
  l.type_len = rd(b, 12);
  l.str_start = l.hdr_len + rd(b, 16);
  l.str_len = rd(b, 20);
  size_t cur = l.type_start, end = size_t(l.type_start) + l.type_len;
  while (cur + 12 <= end && cur + 12 <= b.size()) {
    uint32_t info = rd(b, cur + 4), kind = (info >> 24) & 0x1f, vlen = info & 0xffff;
    uint32_t extra = 0;
    switch (kind) {
      case 1: case 14: case 17: extra = 4; break;
      case 3: extra = 12; break;
      case 4: case 5: case 15: case 19: extra = 12 * vlen; break;
      case 6: case 13: extra = 8 * vlen; break;
    }
    if (cur + 12 + extra > b.size()) break;
    l.offs.push_back(uint32_t(cur));
    l.sizes.push_back(12 + extra);
    cur += 12 + extra;
  }
  return l;
}

struct Rng {
  std::mt19937_64 g;
  explicit Rng(uint64_t s) : g(s) {}
  uint64_t operator()(uint64_t n) { return n ? g() % n : 0; }
  bool chance(int pct) { return (*this)(100) < uint64_t(pct); }
};

uint32_t interesting(Rng &r, uint32_t old, uint32_t nr_types, uint32_t str_len) {
  switch (r(22)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return uint32_t(r(9));
    case 3: return 0xffffffff;
    case 4: return 0x80000000;
    case 5: return 0xfffff;
    case 6: return 0x100000;
    case 7: return nr_types ? nr_types - 1 : 0;
    case 8: return nr_types;
    case 9: return nr_types + 1;
    case 10: case 11: return uint32_t(r(nr_types + 1));
    case 12: return old + 1;
    case 13: return old - 1;
    case 14: return old ^ (1u << r(32));
    case 15: return old ^ (1u << (24 + r(8)));
    case 16: return str_len ? uint32_t(r(str_len)) : 0;
    case 17: return str_len;
    case 18: return old | (uint32_t(r(129)) << 24);
    case 19: return uint32_t(r(129)) << (r(2) ? 0 : 3);
    case 20: return 0x10000 | (old & 0xffff0000);
    default: return uint32_t(r.g());
  }
}

void mutate_once(Blob &b, Rng &r) {
  Layout l = layout(b);
  uint32_t nt = uint32_t(l.offs.size());
  switch (r(12)) {
    case 0: case 1: case 2: case 3: {  // a word of a type (its btf_type or its payload)
      if (!nt) break;
      uint32_t i = uint32_t(r(nt));
      uint32_t words = l.sizes[i] / 4;
      size_t at = l.offs[i] + 4 * r(std::min<uint32_t>(words, 3 + 3 * 4));
      wr(b, at, interesting(r, rd(b, at), nt + 1, l.str_len));
      break;
    }
    case 4: {  // info: kind, vlen, kflag
      if (!nt) break;
      size_t at = l.offs[r(nt)] + 4;
      uint32_t info = rd(b, at);
      switch (r(5)) {
        case 0: info = (info & ~0x1f000000u) | (uint32_t(r(21)) << 24); break;
        case 1: info = (info & 0xffff0000u) | uint32_t((info & 0xffff) + (r(2) ? 1 : -1)); break;
        case 2: info ^= 1u << 31; break;
        case 3: info ^= 1u << (16 + r(16)); break;
        default: info = (info & 0xffff0000u) | uint32_t(r(4));
      }
      wr(b, at, info);
      break;
    }
    case 5: {  // header field
      size_t at = 4 * (1 + r(5));
      if (r(4) == 0) at = 0;
      if (at == 0) {
        b[r(4)] ^= uint8_t(1u << r(8));
      } else {
        wr(b, at, interesting(r, rd(b, at), 0, uint32_t(b.size())));
      }
      break;
    }
    case 6: {  // truncation
      if (b.size() < 2) break;
      size_t n = r(b.size());
      b.resize(n);
      if (r(2) && b.size() >= 24) {  // keep the header consistent with the new size
        uint32_t hl = rd(b, 4);
        if (hl <= b.size()) {
          uint32_t body = uint32_t(b.size()) - hl, so = rd(b, 16);
          if (so <= body) wr(b, 20, body - so);
        }
      }
      break;
    }
    case 7: {  // string table edit
      if (!l.str_len || size_t(l.str_start) + l.str_len > b.size()) break;
      size_t at = l.str_start + r(l.str_len);
      static const uint8_t vals[] = {0, '$', '-', ' ', 0xff, 0xe9, 0xd7, 'a', '_', '.', '1', 0x80};
      b[at] = vals[r(sizeof(vals))];
      break;
    }
    case 8: {  // append or extend strings
      if (!l.str_len) break;
      std::string add = r(2) ? std::string(size_t(r(600)), 'x') : std::string("y\0", 2);
      if (r(3) == 0) add.push_back('\0');
      b.insert(b.end(), add.begin(), add.end());
      wr(b, 20, rd(b, 20) + uint32_t(add.size()));
      break;
    }
    case 9: {  // swap two types (ids move)
      if (nt < 2) break;
      uint32_t i = uint32_t(r(nt)), j = uint32_t(r(nt));
      if (i > j) std::swap(i, j);
      if (i == j) break;
      Blob a(b.begin() + l.offs[i], b.begin() + l.offs[i] + l.sizes[i]);
      Blob c(b.begin() + l.offs[j], b.begin() + l.offs[j] + l.sizes[j]);
      Blob mid(b.begin() + l.offs[i] + l.sizes[i], b.begin() + l.offs[j]);
      Blob out(b.begin(), b.begin() + l.offs[i]);
      out.insert(out.end(), c.begin(), c.end());
      out.insert(out.end(), mid.begin(), mid.end());
      out.insert(out.end(), a.begin(), a.end());
      out.insert(out.end(), b.begin() + l.offs[j] + l.sizes[j], b.end());
      b = std::move(out);
      break;
    }
    case 10: {  // duplicate or drop a type
      if (!nt) break;
      uint32_t i = uint32_t(r(nt));
      Blob t(b.begin() + l.offs[i], b.begin() + l.offs[i] + l.sizes[i]);
      if (r(2)) {
        b.insert(b.begin() + l.offs[i], t.begin(), t.end());
        wr(b, 12, rd(b, 12) + uint32_t(t.size()));
        wr(b, 16, rd(b, 16) + uint32_t(t.size()));
      } else {
        b.erase(b.begin() + l.offs[i], b.begin() + l.offs[i] + l.sizes[i]);
        wr(b, 12, rd(b, 12) - uint32_t(t.size()));
        wr(b, 16, rd(b, 16) - uint32_t(t.size()));
      }
      break;
    }
    default: {  // a random byte anywhere
      if (b.empty()) break;
      b[r(b.size())] = uint8_t(r.g());
    }
  }
}

// The 2026 format (7.x): a 32-byte header with a layout section, valid or broken; a kind above
// 19 (with or without a layout entry for it); a vlen above 0xffff.
void mutate_2026(Blob &b, Rng &r) {
  Layout l = layout(b);
  if (b.size() < 24 || l.hdr_len != 24 || size_t(l.str_start) + l.str_len != b.size() ||
      l.type_start < 24 || size_t(l.type_start) + l.type_len > b.size() || l.str_start < 24)
    return;
  switch (r(4)) {
    case 0: case 1: {  // 32-byte header + layout section (after the strings, or before them)
      uint32_t n = r.chance(70) ? 20 : uint32_t(r(30));
      uint32_t len = 4 * n;
      if (r.chance(15)) len = uint32_t(r(9));  // too small, not a multiple of 4, or 0
      Blob lay(len, 0);
      for (uint32_t k = 0; k + 4 <= len; k += 4) lay[k] = uint8_t(r(3) * 4), lay[k + 1] = uint8_t(r(4) * 4);
      Blob types(b.begin() + l.type_start, b.begin() + l.type_start + l.type_len);
      Blob strs(b.begin() + l.str_start, b.end());
      while (r.chance(60) && strs.size() % 4) strs.push_back(0);  // usually aligned
      bool before = r.chance(30);  // [types][layout][strings]
      Blob out(b.begin(), b.begin() + 24);
      out.resize(32, 0);
      wr(out, 4, 32);
      uint32_t tl = uint32_t(types.size()), sl = uint32_t(strs.size());
      out.insert(out.end(), types.begin(), types.end());
      const Blob &x = before ? lay : strs, &y = before ? strs : lay;
      out.insert(out.end(), x.begin(), x.end());
      out.insert(out.end(), y.begin(), y.end());
      wr(out, 8, 0);
      wr(out, 12, tl);
      wr(out, 16, before ? tl + len : tl);
      wr(out, 20, sl);
      wr(out, 24, before ? tl : tl + sl);
      wr(out, 28, len);
      if (r.chance(15)) wr(out, 24, rd(out, 24) + uint32_t(r(8)) - 4);  // misplaced
      if (r.chance(5)) out.resize(out.size() + 4, 0), out[33] = 1;      // nonzero header tail
      b = std::move(out);
      break;
    }
    case 2: {  // a kind above 19 (7 bits now), at a random type
      if (l.offs.empty()) break;
      size_t at = l.offs[r(l.offs.size())] + 4;
      uint32_t info = rd(b, at);
      wr(b, at, (info & 0x80ffffffu) | (uint32_t(20 + r(108)) << 24));
      break;
    }
    default: {  // a vlen with bits 16-23 set
      if (l.offs.empty()) break;
      size_t at = l.offs[r(l.offs.size())] + 4;
      wr(b, at, rd(b, at) | (uint32_t(1 + r(255)) << 16));
    }
  }
}

// A struct of more than 0xffff members (7.x: 24-bit vlen).
Blob wide_struct(Rng &r) {
  Builder b;
  uint32_t i32 = b.int_("int", 4, 32, 1);
  uint32_t n = 0x10000 + uint32_t(r(5000));
  std::vector<Builder::M> ms;
  for (uint32_t k = 0; k < n; k++) ms.push_back({r.chance(2) ? "m" : "", i32, 32 * k});
  b.struct_(4, "wide", 4 * n, ms);
  return b.build();
}

// Graphs: modifier chains in any id order, loops, deep structs, DATASECs, protos.
Blob generate(Rng &r) {
  Builder b;
  uint32_t i32 = b.int_("int", 4, 32, 1);
  switch (r(5)) {
    case 0: {  // a chain of L references ending at int (or looping), ids permuted
      uint32_t L = 20 + uint32_t(r(26));
      std::vector<uint32_t> ids(L);
      for (uint32_t k = 0; k < L; k++) ids[k] = 2 + k;
      int order = int(r(3));
      if (order == 1) std::reverse(ids.begin(), ids.end());
      if (order == 2) std::shuffle(ids.begin(), ids.end(), r.g);
      // ids[k] is the k-th element of the chain; element k points to element k+1.
      std::vector<std::pair<uint32_t, uint32_t>> slot(L);  // by id-2: (kind, target)
      bool loop = r.chance(20);
      for (uint32_t k = 0; k < L; k++) {
        static const uint32_t kinds[] = {2, 8, 9, 10, 11, 18, 10, 9};
        uint32_t kind = kinds[r(r.chance(70) ? 8 : 6)];
        if (r.chance(30)) kind = 18;
        uint32_t to = k + 1 < L ? ids[k + 1] : (loop ? ids[0] : i32);
        slot[ids[k] - 2] = {kind, to};
      }
      for (uint32_t k = 0; k < L; k++) {
        auto [kind, to] = slot[k];
        std::string name = kind == 8 ? "td" + std::to_string(k) : kind == 18 ? "tag" : "";
        b.ref(kind, to, name);
      }
      break;
    }
    case 1: {  // nested structs S_k { S_{k+1} m; } in some id order
      uint32_t L = 20 + uint32_t(r(20));
      bool rev = r(2);
      for (uint32_t k = 0; k < L; k++) {
        uint32_t id = 2 + k;
        uint32_t to = rev ? (k == 0 ? i32 : id - 1) : (k + 1 < L ? id + 1 : i32);
        if (r.chance(3)) to = 2 + uint32_t(r(L));
        b.struct_(r.chance(80) ? 4 : 5, "s" + std::to_string(k), 4, {{"m", to, 0}});
      }
      break;
    }
    case 2: {  // a DATASEC over some VARs
      uint32_t nv = 1 + uint32_t(r(5));
      std::vector<uint32_t> vars;
      for (uint32_t k = 0; k < nv; k++) {
        vars.push_back(b.type("v" + std::to_string(k), 14, 0, false, r.chance(90) ? i32 : 1 + uint32_t(r(nv + 2))));
        b.u(uint32_t(r(3)));
      }
      uint32_t size = uint32_t(r(40));
      b.type(r.chance(80) ? ".data" : "sec tion/x", 15, nv, false, size);
      uint32_t off = 0;
      for (uint32_t k = 0; k < nv; k++) {
        uint32_t s = r.chance(80) ? 4 : uint32_t(r(10));
        b.u(r.chance(90) ? vars[k] : 1), b.u(off), b.u(s);
        off += r.chance(80) ? s : uint32_t(r(8));
      }
      break;
    }
    case 3: {  // FUNC_PROTOs and FUNCs with random params
      uint32_t p = b.ref(2, i32);
      uint32_t np = uint32_t(r(4));
      std::vector<std::pair<std::string, uint32_t>> args;
      for (uint32_t k = 0; k < np; k++)
        args.push_back({r.chance(80) ? "a" + std::to_string(k) : "", r.chance(80) ? (r(2) ? i32 : p) : uint32_t(r(8))});
      uint32_t pr = b.proto(r.chance(70) ? i32 : uint32_t(r(8)), args);
      b.type("f", 12, uint32_t(r(3)), false, r.chance(90) ? pr : uint32_t(r(8)));
      if (r.chance(50)) {
        b.type("tag", 17, 0, false, b.n);
        b.u(uint32_t(int32_t(r(np + 2)) - 1));
      }
      break;
    }
    default: {  // arrays of arrays, with index/elem choices
      uint32_t L = 1 + uint32_t(r(40));
      uint32_t prev = i32;
      for (uint32_t k = 0; k < L; k++) prev = b.array(prev, r.chance(95) ? i32 : uint32_t(r(L + 2)), uint32_t(r(5)));
      b.struct_(4, "holder", 64, {{"a", prev, 0}});
      break;
    }
  }
  return b.build();
}

Blob read_file(const std::string &p) {
  std::ifstream in(p, std::ios::binary);
  return Blob((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

int main(int argc, char **argv) {
  const char *ec = getenv("KFB_DIFF_COUNT");
  const char *es = getenv("KFB_DIFF_SEED");
  uint64_t count = argc > 1 ? strtoull(argv[1], nullptr, 0) : ec ? strtoull(ec, nullptr, 0) : 3000;
  uint64_t seed = argc > 2 ? strtoull(argv[2], nullptr, 0) : es ? strtoull(es, nullptr, 0) : 1;
  const char *save = getenv("KFB_DIFF_SAVE");
  const char *write_dir = getenv("KFB_DIFF_WRITE");
  std::string kver = getenv("KFB_DIFF_KERNEL") ? getenv("KFB_DIFF_KERNEL") : "6.18";
  kfb::check::KernelVersion kv = kfb::check::KernelVersion::V6_18;
  kfb::kfunc::loader_rules_by_name(kver, &kv);
  bool v7 = kfb::kfunc::loader_rules_7x(kv);

  const uint32_t kLogSize = 64u << 20;  // level 1 logs every type: ~31 MB for 1M types
  std::vector<char> log(kLogSize);

  std::vector<Blob> small = {seed_all_kinds(), seed_struct_metas()};
  if (!write_dir) {
    // Refuse early (skip) when the syscall itself is refused.
    int fd = kfb_btf_load(small[0].data(), uint32_t(small[0].size()), 1, log.data(), kLogSize);
    if (fd < 0 && (errno == EPERM || errno == ENOSYS)) {
      printf("SKIP: bpf(BPF_BTF_LOAD) refused: %s\n", kfb_errno_name(errno));
      return 77;
    }
    if (fd < 0) {
      printf("seed blob rejected by the kernel (%s):\n%s\n", kfb_errno_name(errno), log.data());
      return 1;
    }
    close(fd);
  }
  std::vector<Blob> fixtures;
  if (const char *fx = getenv("KFB_FIXTURES")) {
    if (DIR *d = opendir(fx)) {
      std::vector<std::string> names;
      while (dirent *e = readdir(d)) {
        std::string n = e->d_name;
        if (n.size() > 4 && n.substr(n.size() - 4) == ".btf") names.push_back(std::string(fx) + "/" + n);
      }
      closedir(d);
      std::sort(names.begin(), names.end());
      for (auto &n : names) fixtures.push_back(read_file(n));
    }
  }
  // Written blobs go into an initramfs: leave out the 5 MB vmlinux and the 0xfffff-type ones.
  Blob vmlinux = write_dir ? Blob() : read_file("/sys/kernel/btf/vmlinux");
  printf("seeds: %zu hand-made, %zu fixtures, vmlinux %zu bytes\n", small.size(), fixtures.size(),
         vmlinux.size());

  kfb::check::CheckOptions opts;
  opts.kernel = kv;  // the running kernel's rules (6.18), or the oracle's under QEMU
  FILE *expect = nullptr;
  if (write_dir) {
    mkdir(write_dir, 0755);
    expect = fopen((std::string(write_dir) + "/expect").c_str(), "w");
    if (!expect) {
      perror(write_dir);
      return 2;
    }
  }
  uint64_t agree = 0, accepted = 0, rejected = 0, bad = 0, big = 0;
  std::vector<uint64_t> by_errno(600);
  auto t0 = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < count; i++) {
    Rng r(seed * 0x9E3779B97F4A7C15ull + i);
    Blob b;
    uint64_t pick = r(1000);
    bool is_big = false;
    if (v7 && i % 211 == 100) {
      b = wide_struct(r);
    } else if (i % 997 == 500 && !write_dir) {  // the 0xfffff-types quirk: more types than the cap
      Builder bb;
      bb.int_("int", 4, 32, 1);
      uint32_t n = 0xfffff + uint32_t(r(3));
      for (uint32_t k = 1; k < n; k++) bb.ref(10, 1);
      if (r(2)) bb.ref(2, 0xfffff);  // a reference to an id that does not exist
      b = bb.build();
      is_big = true;
    } else if (pick < 4 && !vmlinux.empty()) {
      b = vmlinux;
      is_big = true;
    } else if (pick < 150 && !fixtures.empty()) {
      b = fixtures[r(fixtures.size())];
    } else if (pick < 450) {
      b = generate(r);
    } else {
      b = small[r(small.size())];
    }
    int muts = pick < 450 && pick >= 150 ? int(r(2)) : 1 + int(r(3));
    bool fmt26 = v7 && r.chance(33);
    if (fmt26 && r(2)) mutate_2026(b, r);
    for (int m = 0; m < muts; m++) mutate_once(b, r);
    if (fmt26 && r(2)) mutate_2026(b, r);
    big += is_big;

    kfb::check::LoaderResult res = kfb::check::check_loader(b, opts);
    if (write_dir) {
      std::string p = std::string(write_dir) + "/b" + std::to_string(i);
      std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char *>(b.data()), b.size());
      std::string klog;
      // As qemu_init.c prints the kernel's log: \n, \xNN for other control bytes, DEL, bytes >=
      // 0x80 and the backslash itself; printable ASCII as it is.
      for (char ch : res.kernel_log) {
        unsigned char c = static_cast<unsigned char>(ch);
        if (c == '\n') {
          klog += "\\n";
        } else if (c < 0x20 || c >= 0x7f || c == '\\') {
          char hex[8];
          snprintf(hex, sizeof hex, "\\x%02x", c);
          klog += hex;
        } else {
          klog += static_cast<char>(c);
        }
      }
      fprintf(expect, "%llu %s %s\n", (unsigned long long)i, res.ok ? "ok" : kfb_errno_name(res.err),
              klog.c_str());
      if (res.ok) accepted++; else rejected++;
      continue;
    }
    log[0] = 0;
    int fd = kfb_btf_load(b.data(), uint32_t(b.size()), 1, log.data(), kLogSize);
    int kerr = fd < 0 ? errno : 0;
    if (fd >= 0) close(fd);
    bool log_ok = true;
    if (kerr == ENOSPC) {  // the log did not fit: compare the verdict alone
      log[0] = 0;
      log_ok = false;
      fd = kfb_btf_load(b.data(), uint32_t(b.size()), 0, nullptr, 0);
      kerr = fd < 0 ? errno : 0;
      if (fd >= 0) close(fd);
    }
    bool ok = (kerr == 0) == res.ok && (kerr == 0 || kerr == res.err);
    if (ok && kerr && log_ok && !res.kernel_log.empty() &&
        std::string_view(log.data()).find(res.kernel_log) == std::string_view::npos)
      ok = false;
    if (kerr) rejected++; else accepted++;
    by_errno[std::min(kerr, 599)]++;
    if (ok) {
      agree++;
      continue;
    }
    bad++;
    if (bad <= 10) {
      std::string_view lv(log.data());
      size_t tail = lv.size() > 600 ? lv.size() - 600 : 0;
      printf("DISAGREE #%llu (seed %llu): kernel %s, check %s\n  check: %s\n  check log: [%s]\n"
             "  kernel log tail: [%s]\n",
             (unsigned long long)i, (unsigned long long)seed, kfb_errno_name(kerr),
             res.ok ? "OK" : kfb::check::errno_name(res.err),
             res.ok ? "" : kfb::check::format_finding(res, opts).c_str(), res.kernel_log.c_str(),
             std::string(lv.substr(tail)).c_str());
    }
    if (save) {
      mkdir(save, 0755);
      std::string p = std::string(save) + "/diff-" + std::to_string(i) + ".btf";
      std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char *>(b.data()), b.size());
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (write_dir) {
    fclose(expect);
    printf("wrote %llu blobs to %s (check under %s: %llu accepted, %llu rejected)\n",
           (unsigned long long)count, write_dir, kver.c_str(), (unsigned long long)accepted,
           (unsigned long long)rejected);
    return 0;
  }
  printf("blobs=%llu agree=%llu disagree=%llu accepted=%llu rejected=%llu big=%llu seconds=%.1f\n",
         (unsigned long long)count, (unsigned long long)agree, (unsigned long long)bad,
         (unsigned long long)accepted, (unsigned long long)rejected, (unsigned long long)big, secs);
  printf("kernel verdicts:");
  for (int e = 0; e < 600; e++)
    if (by_errno[e]) printf(" %s=%llu", kfb_errno_name(e), (unsigned long long)by_errno[e]);
  printf("\n");
  return bad ? 1 : 0;
}
