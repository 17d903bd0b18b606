// Matching types across two BTFs — design notes.
//
// Type ids are an accident of encoding order: pahole numbers types as it meets them in DWARF,
// resolve_btfids may sort them by name, `emit` appends. A diff that pairs types by id drowns in
// renumbering, so every type gets an IDENTITY (its "key") and a CONTENT SIGNATURE, both built
// without ever looking at an id, and types are paired by key.
//
// Keys. A named type is (kind, name): "STRUCT task_struct", "FUNC bpf_obj_new". That is how a
// kernel engineer names a type, and it is stable. Anonymous types are named by what they are
// or where they live:
//   * PTR, CONST, VOLATILE, RESTRICT, TYPE_TAG, ARRAY: by their target chain — the key of a
//     PTR is ("PTR", key of its target), so "pointer to struct task_struct" is the same thing
//     in both files whatever ids the two have. An ARRAY adds its element count.
//   * FUNC_PROTO: by its shape (return key, parameter names and keys). pahole shares one
//     proto between all FUNCs and function pointers of that shape, so naming a proto after
//     "the FUNC using it" is ambiguous; when a FUNC's prototype changes (emit trims it) the
//     FUNC is reported as changed with its parameters compared one by one, and the new proto
//     shows as added — exactly what happened to the bytes.
//   * anonymous STRUCT/UNION: by the path of its first use, found by walking down from every
//     named type in (kind, name) order through members, typedefs, FUNC/VAR types, pointers,
//     arrays and prototype parameters: "struct sk_buff.#0.#1" (unnamed members count as #k
//     among the parent's unnamed members), "typedef atomic_t", "func f(p)". The first path
//     found wins; roots are walked in (kind, hash of name) order, which depends on names
//     only, so does the winner. An unused
//     one (vmlinux has ~1k: tracepoint `union { btf_trace_X handler; ... }`) is named by its
//     contents: kind, size, member names, offsets and member type keys.
//   * anonymous ENUM: by its first enumerator's name (C enumerator names are global, and the
//     kernel's many unused `enum { FOO = 1, ... };` have no use path at all); an empty one
//     by its path.
//   * DECL_TAG: (value, key of target, component_idx).
//   A key is therefore built from the keys of the types it refers to. Paths only go through
//   named types and members, so keys never depend on themselves except through malformed
//   cycles of modifiers, which get a fixed "cycle" key.
//
// Signatures. The shallow content of a type with every referenced type replaced by its KEY:
// a struct's size, and its members' names, offsets and member type keys. Two types with equal
// keys and equal signatures print identically in C and have nothing to report; a struct whose
// member type changed inside (struct bar grew) keeps its signature — bar is reported, not
// every user of bar.
//
// Hashing, not interning. Keys and signatures are 128-bit hashes of that content (two
// independent 64-bit streams over kind, names, numbers and the children's KEY hashes), so
// comparing across the two BTFs is a 16-byte compare and nothing is stored per type but two
// hashes (interning the serialized content instead would spend most of a vmlinux diff in that
// table and malloc). With 2^-128 per pair, a false
// "same" among 10^5 types is less likely than a cosmic-ray bit flip. The hashes are built from
// names and child hashes only, never from ids or visiting order, so they also order the
// output where names tie: the output does not depend on ids.
//
// Pairing. Own types are grouped by key. A 1:1 group pairs directly (the common case: over
// 99% of vmlinux). In a larger group (pahole keeps several `struct foo` that differ, or a
// static FUNC defined in several CUs) equal signatures pair first, then the rest pairs by
// similarity (shared members/values/parameters), best first, ties in hash order; what is
// left over is added or removed.
//
// Cost. One pass per side computes keys (memoized recursion), one the use paths (each
// anonymous type is entered once), one the signatures; pairing sorts (key, id) vectors. On
// vmlinux (~127k types) each pass is a few tens of ms.
#include "diff/match.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <unordered_map>

#include "support/error.h"
#include "support/parallel.h"

namespace kfb::diff {

namespace {

using btf::Btf;
using btf::Kind;

using hash::kSeedA;
using hash::kSeedB;
using hash::mix;
using hash::bytes128;

// Content hash under construction.
struct Hasher {
  uint64_t a, b;
  explicit Hasher(char tag) : a(mix(kSeedA, uint8_t(tag), kSeedA)), b(mix(kSeedB, uint8_t(tag), kSeedB)) {}
  void u32(uint64_t v) {
    a = mix(a, v, kSeedA);
    b = mix(b, v, kSeedB);
  }
  void str(std::string_view s) { str_hash(bytes128(s)); }
  void str_hash(const Hash128 &h) {  // str() of a string whose bytes128() is h
    a = mix(a, h.a, kSeedA);
    b = mix(b, h.b, kSeedB);
  }
  void ref(const Hash128 &h) {
    a = mix(a, h.a, kSeedB);
    b = mix(b, h.b, kSeedA);
  }
  Hash128 done() const { return {a, b}; }
};

bool is_anon_aggregate(const btf::Type &t) {
  Kind k = t.kind();
  if (!t.name().empty()) return false;
  if (k == Kind::STRUCT || k == Kind::UNION) return true;
  return (k == Kind::ENUM || k == Kind::ENUM64) && t.vlen() == 0;
}

// Kinds whose identity is their name.
bool named_kind(Kind k) {
  switch (k) {
    case Kind::INT:
    case Kind::FLOAT:
    case Kind::STRUCT:
    case Kind::UNION:
    case Kind::ENUM:
    case Kind::ENUM64:
    case Kind::FWD:
    case Kind::TYPEDEF:
    case Kind::FUNC:
    case Kind::VAR:
    case Kind::DATASEC:
      return true;
    default:
      return false;
  }
}

constexpr int kMaxDepth = 256;

using KeyId = std::pair<Hash128, uint32_t>;

// Sorts as std::sort(v, less) would, faster when the order starts with a hash: a counting
// sort into `buckets` ordered buckets (bucket(x) < bucket(y) must imply less(x, y)), about one
// item each since hashes are uniform, leaves only tiny buckets to sort. On vmlinux's 127k
// keys: ~2 ms instead of ~12 ms.
template <typename T, typename Bucket, typename Less>
void bucket_sort(std::vector<T> &v, size_t buckets, Bucket bucket, Less less) {
  std::vector<uint32_t> at(buckets + 1, 0);
  for (const T &x : v) at[bucket(x) + 1]++;
  for (size_t b = 1; b < at.size(); b++) at[b] += at[b - 1];
  std::vector<T> out(v.size());
  std::vector<uint32_t> next(at.begin(), at.end() - 1);
  for (const T &x : v) out[next[bucket(x)]++] = x;
  for (size_t b = 0; b < buckets; b++)
    if (at[b + 1] - at[b] > 1) std::sort(out.begin() + at[b], out.begin() + at[b + 1], less);
  v.swap(out);
}

// Bits of hash for about one item per bucket.
int bucket_bits(size_t n) { return std::clamp(static_cast<int>(std::bit_width(n)), 1, 20); }

void sort_keys(std::vector<KeyId> &v) {
  int bits = bucket_bits(v.size());
  bucket_sort(v, size_t{1} << bits, [bits](const KeyId &x) { return x.first.a >> (64 - bits); },
              std::less<KeyId>());
}

}  // namespace

struct Side {
  const Btf *btf = nullptr;
  std::vector<Hash128> key;  // per id (0 .. type_cnt-1)
  std::vector<Hash128> sig;
  std::vector<uint8_t> state;  // key: 0 todo, 1 in progress, 2 done
  std::vector<uint8_t> named;  // 1: a named kind with a name; its key is (kind, name)
  std::vector<uint8_t> walked;
  std::unordered_map<uint32_t, std::string> path;  // anonymous aggregates only
  std::vector<uint32_t> peer;  // own types: index id - start_id
  std::vector<KeyId> by_key;   // own types in key order
};

struct Matcher::Impl {
  Side side[2];
  Hash128 cycle_key = Hasher('C').done();

  // --- keys
  Hash128 key_of(Side &s, uint32_t id, int depth) {
    if (id >= s.key.size()) {
      Hasher b('?');
      b.u32(id);
      return b.done();
    }
    if (s.state[id] == 2) return s.key[id];
    if (s.state[id] == 1 || depth > kMaxDepth) return cycle_key;
    s.state[id] = 1;
    Hasher b('v');
    if (id != 0) {
      btf::Type t = s.btf->type(id);
      Kind k = t.kind();
      std::string_view name = t.name();
      if (named_kind(k) && !name.empty()) {
        b = Hasher('N');
        b.u32(t.kind_raw());
        b.str(name);
      } else {
        switch (k) {
          case Kind::STRUCT:
          case Kind::UNION:
          case Kind::ENUM:
          case Kind::ENUM64: {
            if ((k == Kind::ENUM || k == Kind::ENUM64) && t.vlen() > 0) {
              b = Hasher('E');
              b.u32(t.kind_raw());
              b.str(s.btf->str(k == Kind::ENUM ? t.enums()[0].name_off : t.enum64s()[0].name_off));
              break;
            }
            auto it = s.path.find(id);
            if (it != s.path.end()) {
              b = Hasher('A');
              b.u32(t.kind_raw());
              b.str(it->second);
            } else {  // unused: by its contents (member names, offsets, member type keys)
              b = Hasher('U');
              b.u32(t.kind_raw());
              b.u32(t.size());
              if (k == Kind::STRUCT || k == Kind::UNION)
                for (const btf::Member &m : t.members()) {
                  b.str(s.btf->valid_str(m.name_off) ? s.btf->str(m.name_off) : "");
                  b.ref(key_of(s, m.type, depth + 1));
                  b.u32(m.offset);
                }
            }
            break;
          }
          case Kind::PTR:
          case Kind::CONST:
          case Kind::VOLATILE:
          case Kind::RESTRICT:
          case Kind::TYPE_TAG: {
            Hash128 c = key_of(s, t.type(), depth + 1);
            b = Hasher('M');
            b.u32(t.kind_raw());
            if (k == Kind::TYPE_TAG) b.str(name);
            b.ref(c);
            break;
          }
          case Kind::ARRAY: {
            const btf::Array &a = t.array();
            Hash128 c = key_of(s, a.type, depth + 1);
            b = Hasher('R');
            b.ref(c);
            b.u32(a.nelems);
            break;
          }
          case Kind::FUNC_PROTO: {
            b = Hasher('F');
            b.ref(key_of(s, t.type(), depth + 1));
            b.u32(t.vlen());
            for (const btf::Param &p : t.params()) {
              b.str(s.btf->valid_str(p.name_off) ? s.btf->str(p.name_off) : "");
              b.ref(key_of(s, p.type, depth + 1));
            }
            break;
          }
          case Kind::DECL_TAG: {
            Hash128 c = key_of(s, t.type(), depth + 1);
            b = Hasher('D');
            b.str(name);
            b.ref(c);
            b.u32(static_cast<uint32_t>(t.component_idx()));
            break;
          }
          default:  // anonymous INT/TYPEDEF/FUNC/..., unknown kinds
            b = Hasher('X');
            b.u32(t.kind_raw());
            b.str(name);
            break;
        }
      }
    }
    Hash128 n = b.done();
    s.key[id] = n;
    s.state[id] = 2;
    return n;
  }

  // --- use paths of anonymous aggregates
  // The path is kept as a stack of components and spelled only when an anonymous aggregate is
  // reached: most members lead to named types or to pointers already walked, and pay nothing.
  struct Comp {
    char how;               // 'r' root type #num, 'm' member, 'u' unnamed member #num,
                            // 'R' return, 'p' parameter, 'P' unnamed parameter #num
    std::string_view text;  // member or parameter name
    uint32_t num;
  };

  static std::string spell_path(const Btf &btf, const std::vector<Comp> &st) {
    std::string p;
    for (const Comp &c : st) {
      switch (c.how) {
        case 'r': {
          btf::Type t = btf.type(c.num);
          p += t.kind() == Kind::STRUCT    ? "struct "
               : t.kind() == Kind::UNION   ? "union "
               : t.kind() == Kind::TYPEDEF ? "typedef "
               : t.kind() == Kind::FUNC    ? "func "
                                           : "var ";
          p += t.name();
          break;
        }
        case 'm': p += '.'; p += c.text; break;
        case 'u': p += ".#"; p += std::to_string(c.num); break;
        case 'R': p += "()"; break;
        case 'p': p += '('; p += c.text; p += ')'; break;
        case 'P': p += "(#"; p += std::to_string(c.num); p += ')'; break;
        default: break;
      }
    }
    return p;
  }

  void walk(Side &s, uint32_t id, std::vector<Comp> &st, int depth) {
    if (depth > kMaxDepth) return;
    const Btf &btf = *s.btf;
    btf::Type t = btf.type(id);
    // Enters `child` under component `c` (nothing pushed when c.how == 0).
    auto enter = [&](uint32_t child, auto &&make_comp) {
      if (child == 0 || child >= s.walked.size() || s.walked[child] || s.named[child]) return;
      btf::Type c = btf.type(child);
      s.walked[child] = 1;
      Comp comp = make_comp();
      if (comp.how) st.push_back(comp);
      if (is_anon_aggregate(c)) s.path.emplace(child, spell_path(btf, st));
      walk(s, child, st, depth + 1);
      if (comp.how) st.pop_back();
    };
    auto none = [] { return Comp{0, {}, 0}; };
    switch (t.kind()) {
      case Kind::STRUCT:
      case Kind::UNION: {
        // Names are looked at only for the members entered (most lead to named types): an
        // unnamed one is #k, k counting the unnamed members before it.
        auto ms = t.members();
        auto has_name = [&](const btf::Member &m) {
          return m.name_off != 0 && btf.valid_str(m.name_off) && !btf.str(m.name_off).empty();
        };
        for (size_t i = 0; i < ms.size(); i++) {
          enter(ms[i].type, [&] {
            if (has_name(ms[i])) return Comp{'m', btf.str(ms[i].name_off), 0};
            uint32_t k = 0;
            for (size_t j = 0; j < i; j++) k += !has_name(ms[j]);
            return Comp{'u', {}, k};
          });
        }
        break;
      }
      case Kind::FUNC_PROTO: {
        enter(t.type(), [] { return Comp{'R', {}, 0}; });
        uint32_t i = 0;
        for (const btf::Param &p : t.params()) {
          enter(p.type, [&] {
            std::string_view pn = btf.valid_str(p.name_off) ? btf.str(p.name_off) : "";
            return pn.empty() ? Comp{'P', {}, i} : Comp{'p', pn, 0};
          });
          i++;
        }
        break;
      }
      case Kind::ARRAY:
        enter(t.array().type, none);
        break;
      case Kind::PTR:
      case Kind::CONST:
      case Kind::VOLATILE:
      case Kind::RESTRICT:
      case Kind::TYPE_TAG:
      case Kind::TYPEDEF:
      case Kind::FUNC:
      case Kind::VAR:
        enter(t.type(), none);
        break;
      default:
        break;
    }
  }

  // Named types' keys need nothing but their own (kind, name): they are set in one pass, which
  // also collects the roots of the use paths (named STRUCT/UNION/TYPEDEF/FUNC/VAR with an
  // anonymous child), so each name is measured and hashed once.
  struct Root {
    uint64_t h;  // bytes128(name).a
    uint8_t kind;
    uint32_t id;
  };
  void named_keys(Side &s, std::vector<Root> &roots) {
    const Btf &btf = *s.btf;
    uint32_t n = btf.type_cnt();
    // Anonymous as a child: not a named kind, or no name (no string needed to tell).
    auto anon = [&](uint32_t c) {
      if (c == 0 || c >= n) return false;
      btf::Type ct = btf.type(c);
      return !named_kind(ct.kind()) || ct.name_off() == 0;
    };
    for (uint32_t id = 1; id < n; id++) {
      btf::Type t = btf.type(id);
      Kind k = t.kind();
      if (!named_kind(k) || t.name_off() == 0) continue;
      std::string_view nm = t.name();
      if (nm.empty()) continue;
      Hash128 nh = bytes128(nm);
      Hasher b('N');
      b.u32(t.kind_raw());
      b.str_hash(nh);
      s.key[id] = b.done();
      s.state[id] = 2;
      s.named[id] = 1;
      if (k != Kind::STRUCT && k != Kind::UNION && k != Kind::TYPEDEF && k != Kind::FUNC &&
          k != Kind::VAR)
        continue;
      // Only roots with an anonymous child can give a path.
      bool anon_child = false;
      if (k == Kind::STRUCT || k == Kind::UNION) {
        for (const btf::Member &m : t.members())
          if (anon(m.type)) {
            anon_child = true;
            break;
          }
      } else {
        anon_child = anon(t.type());
      }
      if (anon_child) roots.push_back({nh.a, static_cast<uint8_t>(k), id});
    }
  }

  void compute_paths(Side &s, std::vector<Root> &roots) {
    const Btf &btf = *s.btf;
    s.walked.assign(btf.type_cnt(), 0);
    // Roots in an order that depends on names only: (kind, hash of name); equal names (pahole's
    // duplicates) by id, which only matters when two of them share an anonymous child.
    // Buckets: the kind's rank among the five root kinds (STRUCT < UNION < TYPEDEF < FUNC <
    // VAR, as their numbers), then the hash's top bits.
    auto rank = [](uint8_t k) -> size_t {
      switch (static_cast<Kind>(k)) {
        case Kind::STRUCT: return 0;
        case Kind::UNION: return 1;
        case Kind::TYPEDEF: return 2;
        case Kind::FUNC: return 3;
        default: return 4;  // VAR
      }
    };
    int bits = bucket_bits(roots.size());
    bucket_sort(
        roots, size_t{5} << bits,
        [bits, rank](const Root &r) { return rank(r.kind) << bits | r.h >> (64 - bits); },
        [](const Root &a, const Root &b) {
          if (a.kind != b.kind) return a.kind < b.kind;
          if (a.h != b.h) return a.h < b.h;
          return a.id < b.id;
        });
    std::vector<Comp> st;
    for (const Root &r : roots) {
      st.clear();
      st.push_back({'r', {}, r.id});
      walk(s, r.id, st, 0);
    }
  }

  // --- signatures
  Hash128 sig_of(Side &s, uint32_t id) {
    if (id == 0) return s.key[0];
    const Btf &btf = *s.btf;
    btf::Type t = btf.type(id);
    Hasher b('S');
    b.ref(s.key[id]);
    auto ref = [&](uint32_t tid) { b.ref(key_of(s, tid, 0)); };
    switch (t.kind()) {
      case Kind::INT:
        b.u32(t.size());
        b.u32(t.int_data());
        break;
      case Kind::FLOAT:
        b.u32(t.size());
        break;
      case Kind::FWD:
        b.u32(t.kflag());
        break;
      case Kind::TYPEDEF:
      case Kind::FUNC:
      case Kind::VAR:
        ref(t.type());
        b.u32(t.kind() == Kind::VAR ? t.var_linkage() : t.vlen());
        break;
      case Kind::STRUCT:
      case Kind::UNION:
        b.u32(t.size());
        b.u32(t.kflag());
        b.u32(t.vlen());
        for (const btf::Member &m : t.members()) {
          b.str(btf.valid_str(m.name_off) ? btf.str(m.name_off) : "");
          ref(m.type);
          b.u32(m.offset);
        }
        break;
      case Kind::ENUM:
        b.u32(t.size());
        b.u32(t.kflag());
        b.u32(t.vlen());
        for (const btf::Enum &e : t.enums()) {
          b.str(btf.valid_str(e.name_off) ? btf.str(e.name_off) : "");
          b.u32(e.val);
        }
        break;
      case Kind::ENUM64:
        b.u32(t.size());
        b.u32(t.kflag());
        b.u32(t.vlen());
        for (const btf::Enum64 &e : t.enum64s()) {
          b.str(btf.valid_str(e.name_off) ? btf.str(e.name_off) : "");
          b.u32(e.val_lo32);
          b.u32(e.val_hi32);
        }
        break;
      case Kind::DATASEC:
        b.u32(t.size());
        b.u32(t.vlen());
        for (const btf::VarSecinfo &v : t.secinfos()) {
          ref(v.type);
          b.u32(v.offset);
          b.u32(v.size);
        }
        break;
      case Kind::ARRAY:
        ref(t.array().index_type);
        break;
      case Kind::DECL_TAG:
        b.u32(t.kflag());
        break;
      default:
        break;
    }
    return b.done();
  }

  // --- pairing
  // Items a type is made of, for similarity: hashes of (name, key, offset) per member etc. Only
  // which items two types share counts (common() on the sorted lists), never their order.
  std::vector<uint64_t> parts(Side &s, uint32_t id) {
    std::vector<uint64_t> out;
    const Btf &btf = *s.btf;
    btf::Type t = btf.type(id);
    auto nm = [&](uint32_t off) { return btf.valid_str(off) ? btf.str(off) : std::string_view(); };
    auto kh = [&](uint32_t tid) { return key_of(s, tid, 0).a; };
    auto sh = [](std::string_view name) { return hash::bytes64(name); };
    switch (t.kind()) {
      case Kind::STRUCT:
      case Kind::UNION:
        for (const btf::Member &m : t.members()) out.push_back(mix(mix(sh(nm(m.name_off)), kh(m.type), kSeedA), m.offset, kSeedB));
        break;
      case Kind::ENUM:
        for (const btf::Enum &e : t.enums()) out.push_back(mix(sh(nm(e.name_off)), e.val, kSeedA));
        break;
      case Kind::ENUM64:
        for (const btf::Enum64 &e : t.enum64s()) out.push_back(mix(sh(nm(e.name_off)), e.val(), kSeedA));
        break;
      case Kind::DATASEC:
        for (const btf::VarSecinfo &v : t.secinfos()) out.push_back(mix(kh(v.type), v.offset, kSeedA));
        break;
      case Kind::FUNC:
      case Kind::VAR:
      case Kind::TYPEDEF: {
        uint32_t tt = t.type();
        out.push_back(kh(tt));
        if (t.kind() == Kind::FUNC && btf.valid_id(tt) && tt && btf.type(tt).kind() == Kind::FUNC_PROTO) {
          unsigned i = 0;
          for (const btf::Param &p : btf.type(tt).params()) out.push_back(mix(mix(sh(nm(p.name_off)), kh(p.type), kSeedA), i++, kSeedB));
        }
        break;
      }
      default:
        break;
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  static size_t common(const std::vector<uint64_t> &a, const std::vector<uint64_t> &b) {
    size_t i = 0, j = 0, n = 0;
    while (i < a.size() && j < b.size()) {
      if (a[i] == b[j]) n++, i++, j++;
      else if (a[i] < b[j]) i++;
      else j++;
    }
    return n;
  }

  void pair(uint32_t o, uint32_t n) {
    side[Old].peer[o - side[Old].btf->start_id()] = n;
    side[New].peer[n - side[New].btf->start_id()] = o;
  }

  void pair_group(std::vector<uint32_t> &olds, std::vector<uint32_t> &news) {
    Side &so = side[Old], &sn = side[New];
    auto by_sig = [](Side &s) {
      return [&s](uint32_t a, uint32_t b) {
        if (s.sig[a] != s.sig[b]) return s.sig[a] < s.sig[b];
        return a < b;
      };
    };
    std::sort(olds.begin(), olds.end(), by_sig(so));
    std::sort(news.begin(), news.end(), by_sig(sn));
    // 1. equal signatures: a merge over the hash-sorted lists; runs of one hash are tiny.
    std::vector<uint32_t> lo, ln;
    size_t i = 0, j = 0;
    while (i < olds.size() || j < news.size()) {
      if (j == news.size()) {
        lo.push_back(olds[i++]);
        continue;
      }
      if (i == olds.size()) {
        ln.push_back(news[j++]);
        continue;
      }
      Hash128 ho = so.sig[olds[i]], hn = sn.sig[news[j]];
      if (ho < hn) {
        lo.push_back(olds[i++]);
      } else if (hn < ho) {
        ln.push_back(news[j++]);
      } else {
        size_t i2 = i, j2 = j;
        while (i2 < olds.size() && so.sig[olds[i2]] == ho) i2++;
        while (j2 < news.size() && sn.sig[news[j2]] == ho) j2++;
        std::vector<uint8_t> used(j2 - j, 0);
        for (size_t x = i; x < i2; x++) {
          bool found = false;
          for (size_t y = j; y < j2; y++) {
            if (!used[y - j] && sn.sig[news[y]] == so.sig[olds[x]]) {
              used[y - j] = 1;
              pair(olds[x], news[y]);
              found = true;
              break;
            }
          }
          if (!found) lo.push_back(olds[x]);
        }
        for (size_t y = j; y < j2; y++)
          if (!used[y - j]) ln.push_back(news[y]);
        i = i2;
        j = j2;
      }
    }
    if (lo.empty() || ln.empty()) return;
    if (lo.size() == 1 && ln.size() == 1) {
      pair(lo[0], ln[0]);
      return;
    }
    // 2. most similar first (groups over 64 x 64, e.g. unused anonymous structs, pair in hash order)
    if (lo.size() * ln.size() > 4096) {
      for (size_t x = 0; x < std::min(lo.size(), ln.size()); x++) pair(lo[x], ln[x]);
      return;
    }
    std::vector<std::vector<uint64_t>> po, pn;
    for (uint32_t o : lo) po.push_back(parts(so, o));
    for (uint32_t n : ln) pn.push_back(parts(sn, n));
    struct Cand {
      size_t score, i, j;
    };
    std::vector<Cand> cands;
    for (size_t i = 0; i < lo.size(); i++)
      for (size_t j = 0; j < ln.size(); j++) cands.push_back({common(po[i], pn[j]), i, j});
    std::stable_sort(cands.begin(), cands.end(), [](const Cand &a, const Cand &b) { return a.score > b.score; });
    std::vector<uint8_t> ui(lo.size(), 0), uj(ln.size(), 0);
    for (const Cand &c : cands) {
      if (ui[c.i] || uj[c.j]) continue;
      ui[c.i] = uj[c.j] = 1;
      pair(lo[c.i], ln[c.j]);
    }
  }

  void run(const Btf &a, const Btf &b, unsigned jobs) {
    side[Old].btf = &a;
    side[New].btf = &b;
    auto index = [this](Side &s) {
      uint32_t n = s.btf->type_cnt();
      s.key.assign(n, Hash128{});
      s.state.assign(n, 0);
      s.named.assign(n, 0);
      s.sig.assign(n, Hash128{});
      s.peer.assign(s.btf->own_type_cnt(), 0);
      std::vector<Root> roots;
      roots.reserve(n / 2);
      named_keys(s, roots);
      compute_paths(s, roots);
      for (uint32_t id = 0; id < n; id++) key_of(s, id, 0);
      for (uint32_t id = 0; id < n; id++) s.sig[id] = sig_of(s, id);
      s.by_key.reserve(s.btf->own_type_cnt());
      for (uint32_t id = s.btf->start_id(); id < n; id++) s.by_key.emplace_back(s.key[id], id);
      sort_keys(s.by_key);
    };
    // The sides share nothing while being indexed: one thread each with -j.
    if (jobs > 1) {
      run_parallel(2, [&](unsigned k) { index(side[k == 0 ? Old : New]); });
    } else {
      index(side[Old]);
      index(side[New]);
    }
    // Group own types by key: a merge of the two key-ordered lists.
    const std::vector<KeyId> &ko = side[Old].by_key, &kn = side[New].by_key;
    size_t i = 0, j = 0;
    std::vector<uint32_t> go, gn;
    while (i < ko.size() && j < kn.size()) {
      if (ko[i].first < kn[j].first) {
        i++;
        continue;
      }
      if (kn[j].first < ko[i].first) {
        j++;
        continue;
      }
      Hash128 k = ko[i].first;
      size_t i2 = i, j2 = j;
      while (i2 < ko.size() && ko[i2].first == k) i2++;
      while (j2 < kn.size() && kn[j2].first == k) j2++;
      if (i2 - i == 1 && j2 - j == 1) {
        pair(ko[i].second, kn[j].second);
      } else {
        go.clear();
        gn.clear();
        for (size_t x = i; x < i2; x++) go.push_back(ko[x].second);
        for (size_t x = j; x < j2; x++) gn.push_back(kn[x].second);
        pair_group(go, gn);
      }
      i = i2;
      j = j2;
    }
    side[Old].by_key = {};
    side[New].by_key = {};
  }
};

Matcher::Matcher(const btf::Btf &old_btf, const btf::Btf &new_btf, unsigned jobs)
    : impl_(std::make_unique<Impl>()) {
  impl_->run(old_btf, new_btf, jobs);
}
Matcher::~Matcher() = default;

const btf::Btf &Matcher::btf(SideId s) const { return *impl_->side[s].btf; }

uint32_t Matcher::peer(SideId s, uint32_t id) const {
  const Side &sd = impl_->side[s];
  if (id < sd.btf->start_id() || id >= sd.btf->type_cnt()) return 0;
  return sd.peer[id - sd.btf->start_id()];
}

bool Matcher::same(uint32_t old_id, uint32_t new_id) const {
  return impl_->side[Old].sig[old_id] == impl_->side[New].sig[new_id];
}

Hash128 Matcher::key(SideId s, uint32_t id) const {
  const Side &sd = impl_->side[s];
  return id < sd.key.size() ? sd.key[id] : Hash128{};
}
Hash128 Matcher::sig(SideId s, uint32_t id) const {
  const Side &sd = impl_->side[s];
  return id < sd.sig.size() ? sd.sig[id] : Hash128{};
}
uint64_t Matcher::sig_hash(SideId s, uint32_t id) const { return sig(s, id).a; }
uint64_t Matcher::key_hash(SideId s, uint32_t id) const { return key(s, id).a; }

std::string_view Matcher::anon_path(SideId s, uint32_t id) const {
  const Side &sd = impl_->side[s];
  auto it = sd.path.find(id);
  return it == sd.path.end() ? std::string_view() : std::string_view(it->second);
}

}  // namespace kfb::diff
