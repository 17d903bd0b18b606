// The kernel's BTF loader, re-derived from the rules in kernel/bpf/btf.c (6.1 and 6.18).
//
// Design
// ------
// The point of this file is to fail exactly where the kernel fails, with the kernel's text, so it
// walks the bytes in the kernel's order and keeps the kernel's state machine:
//
//   1. header: hdr_len, the zero tail of a longer header, magic, version, flags, then the two
//      sections sorted by (off, len): no gaps, no overlap, nothing after the last one;
//   2. string section: must end the blob; base BTF needs a leading and a trailing NUL;
//   3. check_meta, type by type in file order: the common btf_type checks, then the kind's own
//      checks (names, vlen, kflag, sizes, member offsets, DATASEC layouts). The type array is
//      capped at 0xfffff entries (void included); a type past the cap is logged and dropped,
//      and the load goes on: the kernel ignores that error;
//   4. the resolve pass (user BTF only). For ids 1..n, every type that "needs resolve"
//      (modifiers, PTR, STRUCT/UNION, ARRAY, VAR, FUNC, DECL_TAG, DATASEC) and is not yet
//      resolved starts an iterative depth-first walk on a 32-deep stack. A vertex either pushes
//      the next type it depends on (when that type is neither a "sink" for the current mode nor
//      resolved) and is re-entered later, or finishes its checks and pops itself with a resolved
//      id and size. The mode is chosen by the first push after the start: PTR (pointer chains:
//      only modifiers and PTRs are followed) or STRUCT_OR_ARRAY (modifiers, structs and arrays
//      are followed; a PTR member ends the walk, which is why `struct A { struct A *p; }` is
//      fine). Pushing a VISITED id is a loop (EEXIST), a 33rd push is E2BIG; both are reported
//      on the line of the type the walk started from. Because the walk starts at the lowest
//      unresolved id, the depth depends on id order, as in the kernel. After that, every
//      FUNC_PROTO is checked (return type, params) whether or not anything refers to it, and
//      its return and param types are resolved on demand;
//   5. type-tag chains: TYPE_TAGs must precede the other modifiers; a walk of more than 32
//      modifiers is ELOOP;
//   6. struct metas (6.18, user BTF only): structs with a member whose type is one of the
//      special bpf_* structs or a kptr are parsed like btf_parse_fields; no log message.
//
// Messages are built like the kernel's verifier log: each printf is cut to 1023 bytes, type
// lines are "[id] KIND name details msg\n", member lines "\tname type_id=.. bits_offset=.. msg\n"
// and, in the resolve phase, the owning type's line comes first.
#include "check/loader.h"

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <functional>
#include <optional>
#include <string_view>

#include "support/cursor.h"
#include "support/error.h"
#include "support/vocab.h"

namespace kfb::check {

const char *errno_name(int err) {
  switch (err) {
    case 0: return "OK";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case E2BIG: return "E2BIG";
    case ENOMEM: return "ENOMEM";
    case EFAULT: return "EFAULT";
    case EEXIST: return "EEXIST";
    case EINVAL: return "EINVAL";
    case ENOSPC: return "ENOSPC";
    case ELOOP: return "ELOOP";
    case ENOSYS: return "ENOSYS";
    case kENOTSUPP: return "ENOTSUPP";
  }
  return "E?";
}

namespace {

constexpr uint32_t kMaxType = 0xfffff;
constexpr uint32_t kMaxNameOffset = 0xffffff;
// lib/sort.c's __sort_r (the bottom-up heapsort with the two-largest pop of Linux 6.11 and
// later; on two elements it orders as the older one does), on elements of one unit: the same
// comparisons and swaps, so a comparator that is not an order gives the kernel's permutation.
template <typename T, typename Cmp>
void kernel_sort(T *base, size_t num, Cmp cmp) {
  size_t n = num, a = num / 2, shift = 0;
  if (!a) return;
  auto parent = [](size_t i) {
    i -= 1;
    i -= i & 1;
    return i / 2;
  };
  for (;;) {
    size_t b, c, d;
    if (a) {
      a -= size_t{1} << shift;
    } else if (n > 3) {
      n -= 1;
      std::swap(base[0], base[n]);
      shift = cmp(base[1], base[2]) <= 0;
      a = size_t{1} << shift;
      n -= 1;
      std::swap(base[a], base[n]);
    } else {
      break;
    }
    for (b = a; c = 2 * b + 1, (d = c + 1) < n;) b = cmp(base[c], base[d]) > 0 ? c : d;
    if (d == n) b = c;
    while (b != a && cmp(base[a], base[b]) >= 0) b = parent(b);
    c = b;
    while (b != a) {
      b = parent(b);
      std::swap(base[b], base[c]);
    }
  }
  n -= 1;
  std::swap(base[0], base[n]);
  if (n == 2 && cmp(base[0], base[1]) > 0) std::swap(base[0], base[1]);
}

constexpr uint32_t kMaxSize = 16 * 1024 * 1024;
constexpr uint32_t kInfoMask = 0x9f00ffff;
constexpr uint32_t kIntMask = 0x0fffffff;
constexpr uint32_t kMaxResolveDepth = 32;
using vocab::kKsymNameLen;
constexpr size_t kLogPiece = 1023;  // one vscnprintf into the kernel's 1024-byte buffer
constexpr uint32_t kHdrSize = 24;    // struct btf_header before 7.x
constexpr uint32_t kHdrSize7 = 32;   // 7.x: layout_off, layout_len follow str_len
constexpr uint32_t kLayoutSize = 4;  // struct btf_layout { u8 info_sz, elem_sz; u16 flags; }
constexpr uint16_t kMagic = 0xeB9F;

enum Kind : uint8_t {
  UNKN, INT, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC,
  FUNC_PROTO, VAR, DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64, KIND_MAX = ENUM64
};

const char *const kKindStr[] = {"UNKNOWN", "INT",      "PTR",      "ARRAY",      "STRUCT",
                                "UNION",   "ENUM",     "FWD",      "TYPEDEF",    "VOLATILE",
                                "CONST",   "RESTRICT", "FUNC",     "FUNC_PROTO", "VAR",
                                "DATASEC", "FLOAT",    "DECL_TAG", "TYPE_TAG",   "ENUM64"};

// The kernel's ctype is Latin-1 (lib/ctype.c).
enum : uint8_t { C_U = 1, C_L = 2, C_D = 4, C_P = 8, C_SP = 16 };
struct CType {
  uint8_t t[256] = {};
  constexpr CType() {
    for (int c = 0x20; c <= 0x7e; c++) t[c] = C_P;
    t[0x20] = C_SP;
    for (int c = '0'; c <= '9'; c++) t[c] = C_D;
    for (int c = 'A'; c <= 'Z'; c++) t[c] = C_U;
    for (int c = 'a'; c <= 'z'; c++) t[c] = C_L;
    t[0xa0] = C_SP;
    for (int c = 0xa1; c <= 0xbf; c++) t[c] = C_P;
    for (int c = 0xc0; c <= 0xde; c++) t[c] = C_U;
    t[0xd7] = C_P;
    for (int c = 0xdf; c <= 0xff; c++) t[c] = C_L;
    t[0xf7] = C_P;
  }
};
constexpr CType kCtype;
constexpr bool is_alpha(uint8_t c) { return kCtype.t[c] & (C_U | C_L); }
constexpr bool is_alnum(uint8_t c) { return kCtype.t[c] & (C_U | C_L | C_D); }
constexpr bool is_print(uint8_t c) { return kCtype.t[c] & (C_U | C_L | C_D | C_P | C_SP); }

bool identifier_ok(std::string_view s) {
  if (s.empty() || s.size() > kKsymNameLen) return false;
  for (size_t i = 0; i < s.size(); i++) {
    uint8_t c = static_cast<uint8_t>(s[i]);
    bool ok = (i == 0 ? is_alpha(c) : is_alnum(c)) || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// Per-byte tables for the identifier scan (the hot loop on vmlinux: ~1M names).
struct IdentTables {
  bool first[256] = {}, rest[256] = {};
  constexpr IdentTables() {
    for (int c = 0; c < 256; c++) {
      uint8_t u = static_cast<uint8_t>(c);
      first[c] = is_alpha(u) || c == '_' || c == '.';
      rest[c] = is_alnum(u) || c == '_' || c == '.';
    }
  }
};
constexpr IdentTables kIdent;

bool section_ok_618(std::string_view s) {
  if (s.empty() || s.size() > kKsymNameLen) return false;
  for (char c : s)
    if (!is_print(static_cast<uint8_t>(c))) return false;
  return true;
}

std::string piece(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
std::string piece(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::string s = vstrfmt(fmt, ap);
  va_end(ap);
  if (s.size() > kLogPiece) s.resize(kLogPiece);
  return s;
}

// One parsed btf_type: where it is and its fixed 12 bytes.
struct Ty {
  uint32_t off = 0;  // absolute offset of the btf_type in the blob
  uint32_t name_off = 0;
  uint32_t info = 0;
  uint32_t size_type = 0;
  // 7.x widened kind to 7 bits and vlen to 24; before 7.x check_meta refuses any type whose
  // bits 16-23 or 29-30 are set ("Invalid btf_info") before it reads either, so the wide
  // masks give the same answers on every version.
  uint8_t kind() const { return (info >> 24) & 0x7f; }
  uint32_t vlen() const { return info & 0xffffff; }
  bool kflag() const { return info >> 31; }
};

struct Member {
  uint32_t name_off, type, offset;
  size_t at;  // absolute offset of the btf_member
};

enum Visit : uint8_t { NOT_VISITED, VISITED, RESOLVED };
enum Mode { RESOLVE_TBD, RESOLVE_PTR, RESOLVE_STRUCT_OR_ARRAY };

bool is_modifier(const Ty *t) {
  switch (t->kind()) {
    case TYPEDEF: case VOLATILE: case CONST: case RESTRICT: case TYPE_TAG: return true;
  }
  return false;
}
bool is_struct(const Ty *t) { return t->kind() == STRUCT || t->kind() == UNION; }
bool is_void(const Ty *t) { return t->kind() == UNKN; }
bool nosize(const Ty *t) {
  switch (t->kind()) {
    case UNKN: case FWD: case FUNC: case FUNC_PROTO: case DECL_TAG: return true;
  }
  return false;
}
bool nosize_or_null(const Ty *t) { return !t || nosize(t); }
bool source_only(const Ty *t) {
  return t->kind() == VAR || t->kind() == DECL_TAG || t->kind() == DATASEC;
}
bool needs_resolve(const Ty *t) {
  return is_modifier(t) || t->kind() == PTR || is_struct(t) || t->kind() == ARRAY ||
         t->kind() == VAR || t->kind() == FUNC || t->kind() == DECL_TAG || t->kind() == DATASEC;
}
bool has_size(const Ty *t) {
  switch (t->kind()) {
    case INT: case STRUCT: case UNION: case ENUM: case DATASEC: case FLOAT: case ENUM64:
      return true;
  }
  return false;
}

struct Header {
  uint16_t magic = 0;
  uint8_t version = 0, flags = 0;
  uint32_t hdr_len = 0, type_off = 0, type_len = 0, str_off = 0, str_len = 0;
  uint32_t layout_off = 0, layout_len = 0;  // 7.x, when hdr_len >= 32
};

class Loader {
 public:
  Loader(std::span<const uint8_t> blob, const CheckOptions &o, const Loader *base)
      : blob_(blob), base_(base), cur_(blob, false, o.where, o.section_offset) {
    switch (o.kernel) {
      case KernelVersion::V6_1: ver_ = 601; break;
      case KernelVersion::V6_18: ver_ = 618; break;
      case KernelVersion::V7_2: ver_ = 702; break;
      case KernelVersion::V7_3: ver_ = 703; break;
    }
    v618_ = ver_ >= 618;
    v7_ = ver_ >= 702;
    user_ = o.mode == LoaderMode::User;
    all_ = cur_.bytes(blob.size());
  }

  LoaderResult run();

  // Type lookup by global id (base ids go to the base).
  const Ty *ty(uint32_t id) const {
    if (id < start_id_) return base_ ? base_->ty(id) : nullptr;
    id -= start_id_;
    return id < types_.size() ? &types_[id] : nullptr;
  }
  uint32_t nr_total() const { return start_id_ + static_cast<uint32_t>(types_.size()); }
  uint32_t str_len_total() const { return start_str_off_ + hdr_.str_len; }

 private:
  // ---- reads: everything goes through the cursor ----
  // Bounds-checked reads at absolute offsets: the hot loops read ~10M words from vmlinux, so
  // they index the span the cursor handed out instead of seeking; an overrun still fails
  // through the cursor with the offset.
  uint32_t rd32(size_t at) const {
    if (at > all_.size() || all_.size() - at < 4) cur_.fail_at(at, "read past the end");
    return load<uint32_t>(all_.data() + at, false);
  }
  uint8_t rd8(size_t at) const {
    if (at >= all_.size()) cur_.fail_at(at, "read past the end");
    return all_[at];
  }
  Member member(const Ty *t, uint32_t i) {
    size_t at = t->off + 12 + 12 * size_t(i);
    return {rd32(at), rd32(at + 4), rd32(at + 8), at};
  }
  uint32_t int_data(const Ty *t) { return rd32(t->off + 12); }

  // ---- strings ----
  bool name_offset_valid(uint32_t off) const {
    if (off > kMaxNameOffset) return false;
    if (off < start_str_off_) return base_ && base_->name_offset_valid(off);
    return off - start_str_off_ < hdr_.str_len;
  }
  std::optional<std::string_view> str(uint32_t off) const {
    if (off < start_str_off_) {
      if (!base_) return std::nullopt;
      return base_->str(off);
    }
    off -= start_str_off_;
    if (off >= hdr_.str_len) return std::nullopt;
    return cur_.cstr_at(str_abs_ + off);
  }
  std::string log_name(uint32_t off) const {
    if (!off) return "(anon)";
    auto s = str(off);
    return s ? std::string(*s) : std::string("(invalid-name-offset)");
  }
  bool valid_identifier(uint32_t off) const {
    if (off < start_str_off_ || off - start_str_off_ >= strs_.size()) {
      auto s = str(off);
      return s && identifier_ok(*s);
    }
    // Fast path: scan the string in place (the section ends with a NUL, checked above).
    // (A per-offset cache of answers was slower: its pages cost more than the scans.)
    // A small direct-mapped memo of valid offsets: member and param names repeat a lot
    // (pahole deduplicates strings), and 32 KiB stays in cache.
    uint32_t &memo = ident_memo_[off & (kIdentMemo - 1)];
    if (memo == off + 1) return true;
    size_t i = off - start_str_off_, start = i, n = strs_.size();
    if (!kIdent.first[strs_[i]]) return false;
    for (i++; i < n && strs_[i]; i++) {
      if (!kIdent.rest[strs_[i]]) return false;
    }
    if (i < n && i - start <= kKsymNameLen) {
      memo = off + 1;
      return true;
    }
    return false;
  }
  bool valid_section(uint32_t off) const {
    auto s = str(off);
    return s && (v618_ ? section_ok_618(*s) : identifier_ok(*s));
  }

  // ---- the verifier log ----
  std::string details(const Ty *t);
  std::string type_line(uint32_t id, const Ty *t, bool with_details, const std::string &msg);
  std::string member_text(const Ty *st, const Member &m, const std::string &msg);

  int fail(int err, const char *rule, uint32_t id, const Ty *t, size_t at, std::string reason,
           std::string message, std::string kernel_log);
  int fail_raw(int err, const char *rule, size_t at, std::string text) {
    return fail(err, rule, 0, nullptr, at, text, text, text);
  }
  int fail_type(const Ty *t, const std::string &reason, int err = EINVAL, bool basic = false);
  int fail_member(const Ty *st, const Member &m, uint32_t idx, const std::string &reason);
  int fail_vsi(const Ty *ds, size_t at, uint32_t type, uint32_t off, uint32_t size,
               const std::string &reason);

  // ---- phases ----
  int parse_hdr();
  int check_sec_info();
  int parse_str_sec();
  int parse_layout_sec();
  int check_all_metas();
  int64_t check_meta(const Ty &t, uint32_t meta_left);
  int64_t kind_check_meta(const Ty *t, uint32_t meta_left);
  int check_all_types();
  int check_type_tags(uint32_t start_id);
  int parse_struct_metas();

  // ---- resolve ----
  bool resolved(uint32_t id) const {
    if (id < start_id_) return true;
    id -= start_id_;
    return id < visit_.size() && visit_[id] == RESOLVED;
  }
  bool is_sink(const Ty *next) const;
  int push(uint32_t id);
  void pop(uint32_t rid, uint32_t rsize);
  uint32_t rid(uint32_t id) const { return rid_[id - start_id_]; }
  uint32_t rsize(uint32_t id) const { return rsize_[id - start_id_]; }
  const Ty *id_resolve(uint32_t &id) const {
    id = rid(id);
    return ty(id);
  }
  const Ty *id_size(uint32_t &id, uint32_t *size) const;
  bool int_regular(const Ty *t);
  int resolve(uint32_t id);
  int resolve_vertex();
  int r_ref(const Ty *t);
  int r_array(const Ty *t);
  int r_struct(const Ty *t);
  int r_datasec(const Ty *t);
  int r_decl_tag(const Ty *t);
  int r_func(const Ty *t);
  bool resolve_valid(uint32_t id);
  int func_check(const Ty *t);
  int func_proto_check(const Ty *t);
  int check_member(const Ty *st, const Member &m, uint32_t idx, const Ty *mt);

  std::span<const uint8_t> blob_;
  const Loader *base_;
  Cursor cur_;
  std::span<const uint8_t> all_;  // the whole blob, from the cursor
  int ver_ = 703;                // MAJOR*100+MINOR of the rule set
  bool v618_ = true, v7_ = true;  // at least 6.18 / 7.2
  bool user_ = true;
  Header hdr_;
  size_t str_abs_ = 0;
  std::span<const uint8_t> strs_;  // the own string section, handed out by the cursor
  static constexpr size_t kIdentMemo = 8192;
  mutable std::vector<uint32_t> ident_memo_ = std::vector<uint32_t>(kIdentMemo, 0);
  uint32_t start_id_ = 0, start_str_off_ = 0;
  std::vector<Ty> types_;  // local ids; [0] is void for base BTF
  // resolve state (local ids)
  std::vector<uint8_t> visit_;
  std::vector<uint32_t> rid_, rsize_;
  struct Vertex {
    uint32_t id;
    uint32_t next_member;
  };
  Vertex stack_[kMaxResolveDepth];
  uint32_t top_ = 0;
  Mode mode_ = RESOLVE_TBD;
  uint32_t log_id_ = 0;
  bool check_meta_phase_ = true;
  LoaderResult res_;
  bool failed_ = false;

  friend LoaderResult kfb::check::check_loader(std::span<const uint8_t>, const CheckOptions &);
};

// ------------------------------------------------------------------------------------------
// Log text

std::string Loader::details(const Ty *t) {
  switch (t->kind()) {
    case INT: {
      uint32_t d = int_data(t);
      uint8_t enc = (d >> 24) & 0x0f;
      const char *es = enc == 0 ? "(none)" : enc == 1 ? "SIGNED" : enc == 2 ? "CHAR"
                       : enc == 4 ? "BOOL" : "UNKN";
      return piece("size=%u bits_offset=%u nr_bits=%u encoding=%s", t->size_type,
                   (d >> 16) & 0xff, d & 0xff, es);
    }
    case PTR: case TYPEDEF: case VOLATILE: case CONST: case RESTRICT: case TYPE_TAG: case FUNC:
      return piece("type_id=%u", t->size_type);
    case ARRAY:
      return piece("type_id=%u index_type_id=%u nr_elems=%u", rd32(t->off + 12),
                   rd32(t->off + 16), rd32(t->off + 20));
    case STRUCT: case UNION: case ENUM: case ENUM64: case DATASEC:
      return piece("size=%u vlen=%u", t->size_type, t->vlen());
    case FWD:
      return t->kflag() ? "union" : "struct";
    case FUNC_PROTO: {
      std::string s = piece("return=%u args=(", t->size_type);
      uint32_t n = t->vlen();
      auto arg = [&](uint32_t i, uint32_t *type) {
        size_t at = t->off + 12 + 8 * size_t(i);
        *type = rd32(at + 4);
        return rd32(at);
      };
      uint32_t ty0;
      if (n == 0) {
        s += "void";
      } else if (arg(0, &ty0), n == 1 && ty0 == 0) {
        s += "vararg";
      } else {
        uint32_t name = arg(0, &ty0);
        s += piece("%u %s", ty0, log_name(name).c_str());
        for (uint32_t i = 1; i + 1 < n; i++) {
          uint32_t at;
          uint32_t nm = arg(i, &at);
          s += piece(", %u %s", at, log_name(nm).c_str());
        }
        if (n > 1) {
          uint32_t lt;
          uint32_t nm = arg(n - 1, &lt);
          s += lt ? piece(", %u %s", lt, log_name(nm).c_str()) : std::string(", vararg");
        }
      }
      return s + ")";
    }
    case VAR:
      return piece("type_id=%u linkage=%u", t->size_type, rd32(t->off + 12));
    case FLOAT:
      return piece("size=%u", t->size_type);
    case DECL_TAG:
      return piece("type=%u component_idx=%d", t->size_type,
                   static_cast<int32_t>(rd32(t->off + 12)));
  }
  return "";
}

std::string Loader::type_line(uint32_t id, const Ty *t, bool with_details,
                              const std::string &msg) {
  std::string s = piece("[%u] %s %s%s", id, kKindStr[t->kind()], log_name(t->name_off).c_str(),
                        with_details ? " " : "");
  if (with_details) s += details(t);
  if (!msg.empty()) s += " " + msg.substr(0, kLogPiece);
  return s + "\n";
}

std::string Loader::member_text(const Ty *st, const Member &m, const std::string &msg) {
  std::string s;
  if (!check_meta_phase_) s = type_line(log_id_, st, true, "");
  if (st->kflag())
    s += piece("\t%s type_id=%u bitfield_size=%u bits_offset=%u", log_name(m.name_off).c_str(),
               m.type, m.offset >> 24, m.offset & 0xffffff);
  else
    s += piece("\t%s type_id=%u bits_offset=%u", log_name(m.name_off).c_str(), m.type,
               m.offset);
  return s + " " + msg.substr(0, kLogPiece) + "\n";
}

int Loader::fail(int err, const char *rule, uint32_t id, const Ty *t, size_t at,
                 std::string reason, std::string message, std::string kernel_log) {
  if (!failed_) {
    failed_ = true;
    res_.ok = false;
    res_.err = err;
    res_.rule = rule;
    res_.type_id = id;
    if (t) {
      res_.kind = t->kind() <= KIND_MAX ? kKindStr[t->kind()] : "";
      auto s = t->name_off ? str(t->name_off) : std::nullopt;
      res_.name = s ? std::string(*s) : std::string();
    }
    res_.offset = at;
    res_.reason = std::move(reason);
    res_.message = std::move(message);
    res_.kernel_log = std::move(kernel_log);
  }
  return -err;
}

int Loader::fail_type(const Ty *t, const std::string &reason, int err, bool basic) {
  const char *rule = check_meta_phase_ ? "loader-meta" : "loader-resolve";
  return fail(err, rule, log_id_, t, t->off, reason, reason,
              type_line(log_id_, t, !basic, reason));
}

int Loader::fail_member(const Ty *st, const Member &m, uint32_t idx, const std::string &reason) {
  std::string who = m.name_off ? strfmt("member '%s'", log_name(m.name_off).c_str())
                               : strfmt("member #%u", idx);
  const char *rule = check_meta_phase_ ? "loader-meta" : "loader-resolve";
  return fail(EINVAL, rule, log_id_, st, m.at, reason, who + ": " + reason,
              member_text(st, m, reason));
}

int Loader::fail_vsi(const Ty *ds, size_t at, uint32_t type, uint32_t off, uint32_t size,
                     const std::string &reason) {
  std::string s;
  if (!check_meta_phase_) s = type_line(log_id_, ds, true, "");
  s += piece("\t type_id=%u offset=%u size=%u", type, off, size) + " " + reason + "\n";
  const char *rule = check_meta_phase_ ? "loader-meta" : "loader-resolve";
  return fail(EINVAL, rule, log_id_, ds, at, reason,
              strfmt("var_secinfo type_id=%u offset=%u size=%u: %s", type, off, size,
                     reason.c_str()),
              s);
}

// ------------------------------------------------------------------------------------------
// Header and sections

int Loader::parse_hdr() {
  uint32_t size = static_cast<uint32_t>(blob_.size());
  if (size < 8) return fail_raw(EINVAL, "loader-header", 0, "hdr_len not found");
  uint32_t hdr_len = rd32(4);
  if (size < hdr_len) return fail_raw(EINVAL, "loader-header", 4, "btf_header not found");
  const uint32_t hdr_size = v7_ ? kHdrSize7 : kHdrSize;  // sizeof(struct btf_header)
  if (hdr_len > hdr_size) {
    for (uint32_t i = hdr_size; i < hdr_len; i++)
      if (rd8(i)) return fail_raw(E2BIG, "loader-header", i, "Unsupported btf_header");
  }
  // Only min(hdr_len, sizeof(struct btf_header)) bytes are taken; missing fields read as 0.
  uint8_t h[kHdrSize7] = {};
  uint32_t copy = std::min(hdr_len, hdr_size);
  cur_.seek(0);
  auto b = cur_.bytes(copy);
  std::memcpy(h, b.data(), copy);
  hdr_.magic = load<uint16_t>(h, false);
  hdr_.version = h[2];
  hdr_.flags = h[3];
  hdr_.hdr_len = load<uint32_t>(h + 4, false);
  hdr_.type_off = load<uint32_t>(h + 8, false);
  hdr_.type_len = load<uint32_t>(h + 12, false);
  hdr_.str_off = load<uint32_t>(h + 16, false);
  hdr_.str_len = load<uint32_t>(h + 20, false);
  hdr_.layout_off = load<uint32_t>(h + 24, false);  // 0 unless 7.x and hdr_len >= 32
  hdr_.layout_len = load<uint32_t>(h + 28, false);

  if (hdr_.magic != kMagic) return fail_raw(EINVAL, "loader-header", 0, "Invalid magic");
  if (hdr_.version != 1) return fail_raw(kENOTSUPP, "loader-header", 2, "Unsupported version");
  if (hdr_.flags) return fail_raw(kENOTSUPP, "loader-header", 3, "Unsupported flags");
  if (!base_ && size == hdr_.hdr_len) return fail_raw(EINVAL, "loader-header", 4, "No data");
  return check_sec_info();
}

int Loader::check_sec_info() {
  struct Sec {
    uint32_t off, len;
    size_t field;
  } secs[3] = {{hdr_.type_off, hdr_.type_len, 8},
               {hdr_.str_off, hdr_.str_len, 16},
               {hdr_.layout_off, hdr_.layout_len, 24}};
  // 7.x: the layout section is a third one when the header has it and it is not empty;
  // otherwise layout_off is not looked at.
  size_t nr = v7_ && hdr_.hdr_len >= kHdrSize7 && hdr_.layout_len ? 3 : 2;
  auto cmp = [](const Sec &x, const Sec &y) {
    int d = static_cast<int>(x.off - y.off);
    if (!d) d = static_cast<int>(x.len - y.len);
    return d;
  };
  // The kernel's sort(), not std::sort: the comparator is not transitive when offsets differ by
  // 2^31 or more, and then only lib/sort.c's own heapsort gives the kernel's order (and message).
  kernel_sort(secs, nr, cmp);
  uint32_t total = 0;
  uint32_t expected = static_cast<uint32_t>(blob_.size()) - hdr_.hdr_len;
  for (size_t i = 0; i < nr; i++) {
    const Sec &s = secs[i];
    if (expected < s.off) return fail_raw(EINVAL, "loader-header", s.field, "Invalid section offset");
    if (total < s.off) return fail_raw(EINVAL, "loader-header", s.field, "Unsupported section found");
    if (total > s.off) return fail_raw(EINVAL, "loader-header", s.field, "Section overlap found");
    if (expected - total < s.len)
      return fail_raw(EINVAL, "loader-header", s.field + 4, "Total section length too long");
    total += s.len;
  }
  if (expected != total)
    return fail_raw(EINVAL, "loader-header", hdr_.hdr_len + total, "Unsupported section found");
  return 0;
}

int Loader::parse_str_sec() {
  // Offsets are 32-bit in the kernel, but the blob is at most 4 GiB here anyway.
  uint64_t start = uint64_t(hdr_.hdr_len) + hdr_.str_off;
  uint64_t end = start + hdr_.str_len;
  // 7.x: only a header without the layout fields needs the strings last.
  if ((!v7_ || hdr_.hdr_len < kHdrSize7) && end != blob_.size())
    return fail_raw(EINVAL, "loader-strings", 16, "String section is not at the end");
  str_abs_ = start;
  if (base_ && !hdr_.str_len) return 0;
  if (!hdr_.str_len || hdr_.str_len - 1 > kMaxNameOffset || rd8(end - 1))
    return fail_raw(EINVAL, "loader-strings", start, "Invalid string section");
  if (!base_ && rd8(start))
    return fail_raw(EINVAL, "loader-strings", start, "Invalid string section");
  cur_.seek(start);
  strs_ = cur_.bytes(hdr_.str_len);
  return 0;
}

// 7.x, user BTF: the layout section's placement (its contents are not read by the kernel).
int Loader::parse_layout_sec() {
  if (!v7_ || hdr_.hdr_len < kHdrSize7 || !hdr_.layout_len) return 0;
  if (hdr_.layout_off & 3) return fail_raw(EINVAL, "loader-layout", 24, "Unaligned layout_off");
  if (hdr_.layout_len < kLayoutSize)
    return fail_raw(EINVAL, "loader-layout", 28, "Layout section is too small");
  if (hdr_.layout_len % kLayoutSize)
    return fail_raw(EINVAL, "loader-layout", 28,
                    strfmt("layout_len is not multiple of %u", kLayoutSize));
  if (uint64_t(hdr_.hdr_len) + hdr_.layout_off + hdr_.layout_len > blob_.size())
    return fail_raw(EINVAL, "loader-layout", 28, "Layout section is too big");
  return 0;
}

// ------------------------------------------------------------------------------------------
// check_meta

int Loader::check_all_metas() {
  uint64_t cur = uint64_t(hdr_.hdr_len) + hdr_.type_off;
  uint64_t end = cur + hdr_.type_len;
  types_.clear();
  {
    // Count the types first (a cheap walk over the info words) so the array is sized once.
    size_t count = 0;
    for (uint64_t at = cur; at + 12 <= end; count++) {
      uint32_t info = rd32(at + 4), vlen = info & 0xffffff, extra = 0;
      switch ((info >> 24) & 0x7f) {
        case INT: case VAR: case DECL_TAG: extra = 4; break;
        case ARRAY: extra = 12; break;
        case STRUCT: case UNION: case DATASEC: case ENUM64: extra = 12 * vlen; break;
        case ENUM: case FUNC_PROTO: extra = 8 * vlen; break;
      }
      at += 12 + extra;
    }
    types_.reserve(std::min<size_t>(count, kMaxType) + 2);
  }
  if (!base_) types_.push_back(Ty{});  // void
  log_id_ = base_ ? start_id_ : 1;
  bool warned = false;
  while (cur < end) {
    Ty t;
    t.off = static_cast<uint32_t>(cur);
    uint32_t left = static_cast<uint32_t>(end - cur);
    if (left >= 12) {
      t.name_off = rd32(cur);
      t.info = rd32(cur + 4);
      t.size_type = rd32(cur + 8);
    }
    int64_t n = check_meta(t, left);
    if (n < 0) return static_cast<int>(n);
    // The kernel's type array stops at 0xfffff entries (void included): later types are
    // logged, dropped, and the load goes on.
    if (start_id_ + types_.size() >= kMaxType) {
      if (!warned) {
        res_.notes.push_back(strfmt("[%u] Exceeded max num of types (ignored by the kernel: "
                                    "this type and all later ones are dropped)",
                                    log_id_));
        warned = true;
      }
    } else {
      types_.push_back(t);
    }
    cur += n;
    log_id_++;
  }
  return 0;
}

int64_t Loader::check_meta(const Ty &tref, uint32_t meta_left) {
  const Ty *t = &tref;
  if (meta_left < 12) {
    std::string s = strfmt("[%u] meta_left:%u meta_needed:12", log_id_, meta_left);
    return fail(EINVAL, "loader-meta", log_id_, nullptr, t->off,
                strfmt("meta_left:%u meta_needed:12", meta_left), s, s);
  }
  if (!v7_ && (t->info & ~kInfoMask)) {
    std::string s = strfmt("[%u] Invalid btf_info:%x", log_id_, t->info);
    return fail(EINVAL, "loader-meta", log_id_, t, t->off + 4,
                strfmt("Invalid btf_info:%x", t->info), s, s);
  }
  if (t->kind() > KIND_MAX || t->kind() == UNKN) {
    std::string s = strfmt("[%u] Invalid kind:%u", log_id_, t->kind());
    return fail(EINVAL, "loader-meta", log_id_, t, t->off + 4,
                strfmt("Invalid kind:%u", t->kind()), s, s);
  }
  if (!name_offset_valid(t->name_off)) {
    std::string s = strfmt("[%u] Invalid name_offset:%u", log_id_, t->name_off);
    return fail(EINVAL, "loader-meta", log_id_, t, t->off,
                strfmt("Invalid name_offset:%u", t->name_off), s, s);
  }
  int64_t extra = kind_check_meta(t, meta_left - 12);
  if (extra < 0) return extra;
  return 12 + extra;
}

int64_t Loader::kind_check_meta(const Ty *t, uint32_t left) {
  auto meta_short = [&](uint32_t needed) {
    return fail_type(t, strfmt("meta_left:%u meta_needed:%u", left, needed), EINVAL, true);
  };
  const uint8_t k = t->kind();
  switch (k) {
    case INT: {
      if (left < 4) return meta_short(4);
      if (t->vlen()) return fail_type(t, "vlen != 0");
      if (t->kflag()) return fail_type(t, "Invalid btf_info kind_flag");
      uint32_t d = int_data(t);
      if (d & ~kIntMask) return fail_type(t, strfmt("Invalid int_data:%x", d), EINVAL, true);
      uint32_t bits = (d & 0xff) + ((d >> 16) & 0xff);
      if (bits > 128) return fail_type(t, "nr_bits exceeds 128");
      if ((bits + 7) / 8 > t->size_type) return fail_type(t, "nr_bits exceeds type_size");
      uint32_t enc = (d >> 24) & 0x0f;
      if (enc && enc != 1 && enc != 2 && enc != 4)
        return fail_type(t, "Unsupported encoding", kENOTSUPP);
      return 4;
    }
    case PTR: case TYPEDEF: case VOLATILE: case CONST: case RESTRICT: case TYPE_TAG: {
      if (t->vlen()) return fail_type(t, "vlen != 0");
      if (t->kflag() && !(v618_ && k == TYPE_TAG))
        return fail_type(t, "Invalid btf_info kind_flag");
      if (t->size_type > kMaxType) return fail_type(t, "Invalid type_id");
      if (k == TYPEDEF) {
        if (!t->name_off || !valid_identifier(t->name_off)) return fail_type(t, "Invalid name");
      } else if (k == TYPE_TAG) {
        auto s = str(t->name_off);
        if (!s || s->empty()) return fail_type(t, "Invalid name");
      } else if (t->name_off) {
        return fail_type(t, "Invalid name");
      }
      return 0;
    }
    case ARRAY: {
      if (left < 12) return meta_short(12);
      if (t->name_off) return fail_type(t, "Invalid name");
      if (t->vlen()) return fail_type(t, "vlen != 0");
      if (t->kflag()) return fail_type(t, "Invalid btf_info kind_flag");
      if (t->size_type) return fail_type(t, "size != 0");
      uint32_t elem = rd32(t->off + 12), index = rd32(t->off + 16);
      if (!elem || elem > kMaxType) return fail_type(t, "Invalid elem");
      if (!index || index > kMaxType) return fail_type(t, "Invalid index");
      return 12;
    }
    case STRUCT: case UNION: {
      uint32_t needed = t->vlen() * 12u;
      if (left < needed) return meta_short(needed);
      if (t->name_off && !valid_identifier(t->name_off)) return fail_type(t, "Invalid name");
      uint32_t last = 0;
      for (uint32_t i = 0; i < t->vlen(); i++) {
        Member m = member(t, i);
        if (!name_offset_valid(m.name_off))
          return fail_member(t, m, i, strfmt("Invalid member name_offset:%u", m.name_off));
        if (m.name_off && !valid_identifier(m.name_off)) return fail_member(t, m, i, "Invalid name");
        if (!m.type || m.type > kMaxType) return fail_member(t, m, i, "Invalid type_id");
        uint32_t off = t->kflag() ? (m.offset & 0xffffff) : m.offset;
        if (k == UNION && off) return fail_member(t, m, i, "Invalid member bits_offset");
        if (last > off) return fail_member(t, m, i, "Invalid member bits_offset");
        if (off / 8 + ((off & 7) != 0) > t->size_type)
          return fail_member(t, m, i, "Member bits_offset exceeds its struct size");
        last = off;
      }
      return needed;
    }
    case ENUM: case ENUM64: {
      uint32_t esz = k == ENUM ? 8 : 12;
      uint32_t needed = t->vlen() * esz;
      if (left < needed) return meta_short(needed);
      uint32_t size = t->size_type;
      if (size > 8 || !size || (size & (size - 1))) return fail_type(t, "Unexpected size");
      if (t->name_off && !valid_identifier(t->name_off)) return fail_type(t, "Invalid name");
      for (uint32_t i = 0; i < t->vlen(); i++) {
        size_t at = t->off + 12 + size_t(esz) * i;
        uint32_t name = rd32(at);
        if (!name_offset_valid(name)) {
          std::string s = piece("\tInvalid name_offset:%u", name);
          return fail(EINVAL, "loader-meta", log_id_, t, at,
                      strfmt("Invalid name_offset:%u", name),
                      strfmt("enumerator #%u: Invalid name_offset:%u", i, name), s);
        }
        if (!name || !valid_identifier(name)) {
          std::string reason = "Invalid name";
          return fail(EINVAL, "loader-meta", log_id_, t, at, reason,
                      strfmt("enumerator #%u: %s", i, reason.c_str()),
                      type_line(log_id_, t, true, reason));
        }
      }
      return needed;
    }
    case FWD:
      if (t->vlen()) return fail_type(t, "vlen != 0");
      if (t->size_type) return fail_type(t, "type != 0");
      if (!t->name_off || !valid_identifier(t->name_off)) return fail_type(t, "Invalid name");
      return 0;
    case FUNC:
      if (!t->name_off || !valid_identifier(t->name_off)) return fail_type(t, "Invalid name");
      if (t->vlen() > 1) return fail_type(t, "Invalid func linkage");
      if (t->kflag()) return fail_type(t, "Invalid btf_info kind_flag");
      return 0;
    case FUNC_PROTO: {
      uint32_t needed = t->vlen() * 8u;
      if (left < needed) return meta_short(needed);
      if (t->name_off) return fail_type(t, "Invalid name");
      if (t->kflag()) return fail_type(t, "Invalid btf_info kind_flag");
      return needed;
    }
    case VAR: {
      if (left < 4) return meta_short(4);
      if (t->vlen()) return fail_type(t, "vlen != 0");
      if (t->kflag()) return fail_type(t, "Invalid btf_info kind_flag");
      if (!t->name_off || !valid_identifier(t->name_off)) return fail_type(t, "Invalid name");
      if (!t->size_type || t->size_type > kMaxType) return fail_type(t, "Invalid type_id");
      uint32_t linkage = rd32(t->off + 12);
      if (linkage != 0 && linkage != 1) return fail_type(t, "Linkage not supported");
      return 4;
    }
    case DATASEC: {
      uint32_t needed = t->vlen() * 12u;
      if (left < needed) return meta_short(needed);
      if (!t->size_type) return fail_type(t, "size == 0");
      if (t->kflag()) return fail_type(t, "Invalid btf_info kind_flag");
      if (!t->name_off || !valid_section(t->name_off)) return fail_type(t, "Invalid name");
      uint64_t last_end = 0, sum = 0;
      for (uint32_t i = 0; i < t->vlen(); i++) {
        size_t at = t->off + 12 + 12 * size_t(i);
        uint32_t type = rd32(at), off = rd32(at + 4), size = rd32(at + 8);
        if (!type || type > kMaxType) return fail_vsi(t, at, type, off, size, "Invalid type_id");
        if (off < last_end || off >= t->size_type)
          return fail_vsi(t, at, type, off, size, "Invalid offset");
        if (!size || size > t->size_type) return fail_vsi(t, at, type, off, size, "Invalid size");
        last_end = static_cast<uint32_t>(off + size);  // wraps in 32 bits, as in the kernel
        if (last_end > t->size_type)
          return fail_vsi(t, at, type, off, size, "Invalid offset+size");
        sum += size;
      }
      if (t->size_type < sum) return fail_type(t, "Invalid btf_info size");
      return needed;
    }
    case FLOAT: {
      if (t->vlen()) return fail_type(t, "vlen != 0");
      if (t->kflag()) return fail_type(t, "Invalid btf_info kind_flag");
      uint32_t s = t->size_type;
      if (s != 2 && s != 4 && s != 8 && s != 12 && s != 16) return fail_type(t, "Invalid type_size");
      return 0;
    }
    case DECL_TAG: {
      if (left < 4) return meta_short(4);
      auto s = str(t->name_off);
      if (!s || s->empty()) return fail_type(t, "Invalid value");
      if (t->vlen()) return fail_type(t, "vlen != 0");
      if (t->kflag() && !v618_) return fail_type(t, "Invalid btf_info kind_flag");
      int32_t idx = static_cast<int32_t>(rd32(t->off + 12));
      if (idx < -1) return fail_type(t, "Invalid component_idx");
      return 4;
    }
  }
  return fail_type(t, "Unsupported kind");  // unreachable: the kind was checked
}

// ------------------------------------------------------------------------------------------
// The resolve pass

bool Loader::is_sink(const Ty *next) const {
  switch (mode_) {
    case RESOLVE_TBD: return !needs_resolve(next);
    case RESOLVE_PTR: return !is_modifier(next) && next->kind() != PTR;
    case RESOLVE_STRUCT_OR_ARRAY:
      return !is_modifier(next) && next->kind() != ARRAY && !is_struct(next);
  }
  return true;
}

int Loader::push(uint32_t id) {
  if (top_ == kMaxResolveDepth) return -E2BIG;
  if (id < start_id_ || visit_[id - start_id_] != NOT_VISITED) return -EEXIST;
  visit_[id - start_id_] = VISITED;
  stack_[top_++] = {id, 0};
  const Ty *t = ty(id);
  if (mode_ == RESOLVE_TBD) {
    if (t->kind() == PTR) mode_ = RESOLVE_PTR;
    else if (is_struct(t) || t->kind() == ARRAY) mode_ = RESOLVE_STRUCT_OR_ARRAY;
  }
  return 0;
}

void Loader::pop(uint32_t r_id, uint32_t r_size) {
  uint32_t id = stack_[--top_].id - start_id_;
  rsize_[id] = r_size;
  rid_[id] = r_id;
  visit_[id] = RESOLVED;
}

const Ty *Loader::id_size(uint32_t &id, uint32_t *size_out) const {
  uint32_t sid = id, size = 0;
  const Ty *st = ty(sid);
  if (nosize_or_null(st)) return nullptr;
  auto sized = [&](const Ty *x, uint32_t xid, uint32_t *sz) -> bool {
    if (has_size(x)) *sz = x->size_type;
    else if (x->kind() == ARRAY) *sz = rsize(xid);
    else if (x->kind() == PTR) *sz = 8;
    else return false;
    return true;
  };
  if (!sized(st, sid, &size)) {
    if (!is_modifier(st) && st->kind() != VAR) return nullptr;
    sid = rid(sid);
    st = ty(sid);
    if (nosize_or_null(st)) return nullptr;
    if (!sized(st, sid, &size)) return nullptr;
  }
  id = sid;
  if (size_out) *size_out = size;
  return st;
}

bool Loader::int_regular(const Ty *t) {
  uint32_t d = int_data(t);
  uint8_t bits = d & 0xff;
  uint8_t bytes = static_cast<uint8_t>((bits >> 3) + ((bits & 7) != 0));
  if ((bits & 7) || ((d >> 16) & 0xff) ||
      (bytes != 1 && bytes != 2 && bytes != 4 && bytes != 8 && bytes != 16))
    return false;
  return true;
}

// The kinds that refer to one type (size_type): the modifiers, PTR and VAR. PTR and VAR first
// resolve a modifier chain that ends in a pointer; a VAR's type must have a size, the others
// may also end in void, a FWD or a FUNC_PROTO.
int Loader::r_ref(const Ty *t) {
  const bool var = t->kind() == VAR;
  uint32_t next_id = t->size_type;
  const Ty *next = ty(next_id);
  if (!next || source_only(next)) return fail_type(t, "Invalid type_id");
  if (!is_sink(next) && !resolved(next_id)) return push(next_id);
  if ((var || t->kind() == PTR) && is_modifier(next)) {
    uint32_t r = next_id;
    const Ty *rt = id_resolve(r);
    if (rt && rt->kind() == PTR && !is_sink(rt) && !resolved(r)) return push(r);
  }
  if (!id_size(next_id, nullptr)) {
    if (var) return fail_type(t, "Invalid type_id");
    if (resolved(next_id)) next = id_resolve(next_id);
    if (!is_void(next) && next->kind() != FWD && next->kind() != FUNC_PROTO)
      return fail_type(t, "Invalid type_id");
  }
  pop(next_id, 0);
  return 0;
}

int Loader::r_array(const Ty *t) {
  uint32_t elem_id = rd32(t->off + 12), index_id = rd32(t->off + 16),
           nelems = rd32(t->off + 20);
  const Ty *index = ty(index_id);
  if (nosize_or_null(index) || source_only(index)) return fail_type(t, "Invalid index");
  if (!is_sink(index) && !resolved(index_id)) return push(index_id);
  index = id_size(index_id, nullptr);
  if (!index || index->kind() != INT || !int_regular(index)) return fail_type(t, "Invalid index");
  const Ty *elem = ty(elem_id);
  if (nosize_or_null(elem) || source_only(elem)) return fail_type(t, "Invalid elem");
  if (!is_sink(elem) && !resolved(elem_id)) return push(elem_id);
  uint32_t elem_size = 0;
  elem = id_size(elem_id, &elem_size);
  if (!elem) return fail_type(t, "Invalid elem");
  if (elem->kind() == INT && !int_regular(elem)) return fail_type(t, "Invalid array of int");
  if (nelems && elem_size > UINT32_MAX / nelems) return fail_type(t, "Array size overflows U32_MAX");
  pop(elem_id, elem_size * nelems);
  return 0;
}

int Loader::check_member(const Ty *st, const Member &m, uint32_t idx, const Ty *mt) {
  const bool kf = st->kflag();
  const uint32_t ssize = st->size_type;
  // Kinds whose kflag variant only demands bitfield_size == 0, then the plain check runs.
  auto generic_kflag = [&]() -> bool { return kf && (m.offset >> 24); };
  // A member of `size` bytes that must start on a byte and end inside the struct.
  auto whole_bytes = [&](uint32_t size) -> int {
    if (m.offset & 7) return fail_member(st, m, idx, "Member is not byte aligned");
    if (ssize - m.offset / 8 < size) return fail_member(st, m, idx, "Member exceeds struct_size");
    return 0;
  };
  switch (mt->kind()) {
    case INT: {
      uint32_t d = int_data(mt);
      uint32_t ibits = d & 0xff, ioff = (d >> 16) & 0xff;
      // The member's first bit and width: without kflag the INT's own offset and bits, with
      // kflag the member's bitfield_size (0: the whole, byte-aligned INT).
      uint32_t off, nbits;
      if (!kf) {
        off = m.offset;
        if (UINT32_MAX - off < ioff) return fail_member(st, m, idx, "bits_offset exceeds U32_MAX");
        off += ioff;
        nbits = ibits;
      } else {
        if (!int_regular(mt)) return fail_member(st, m, idx, "Invalid member base type");
        nbits = m.offset >> 24;
        off = m.offset & 0xffffff;
        if (!nbits) {
          if (off & 7) return fail_member(st, m, idx, "Invalid member offset");
          nbits = ibits;
        } else if (nbits > ibits) {
          return fail_member(st, m, idx, "Invalid member bitfield_size");
        }
      }
      uint32_t bytes_off = off / 8;
      uint32_t copy = nbits + (off & 7);
      if (copy > 128) return fail_member(st, m, idx, "nr_copy_bits exceeds 128");
      if (ssize < bytes_off || ssize - bytes_off < copy / 8 + ((copy & 7) != 0))
        return fail_member(st, m, idx, "Member exceeds struct_size");
      return 0;
    }
    case TYPEDEF: case VOLATILE: case CONST: case RESTRICT: case TYPE_TAG: {
      uint32_t rid2 = m.type;
      const Ty *rt = id_size(rid2, nullptr);
      if (!rt) return fail_member(st, m, idx, "Invalid member");
      Member rm = m;
      rm.type = rid2;
      return check_member(st, rm, idx, rt);
    }
    case PTR: case ARRAY: case STRUCT: case UNION: {
      if (generic_kflag()) return fail_member(st, m, idx, "Invalid member bitfield_size");
      uint32_t msize = mt->size_type;  // STRUCT, UNION
      if (mt->kind() == PTR) {
        msize = 8;
      } else if (mt->kind() == ARRAY) {
        uint32_t aid = m.type;
        msize = 0;
        id_size(aid, &msize);
      }
      return whole_bytes(msize);
    }
    case ENUM: case ENUM64: {
      if (!kf) return whole_bytes(mt->size_type);
      uint32_t off = m.offset & 0xffffff, nbits = m.offset >> 24;
      if (!nbits) {
        if (off & 7) return fail_member(st, m, idx, "Member is not byte aligned");
        nbits = 32;
      } else if (nbits > 32) {
        return fail_member(st, m, idx, "Invalid member bitfield_size");
      }
      uint32_t end = off + nbits;
      if (ssize < end / 8 + ((end & 7) != 0)) return fail_member(st, m, idx, "Member exceeds struct_size");
      return 0;
    }
    case FLOAT: {
      if (generic_kflag()) return fail_member(st, m, idx, "Invalid member bitfield_size");
      uint64_t align_bits = std::min<uint64_t>(8, mt->size_type) * 8;
      if (m.offset % align_bits) return fail_member(st, m, idx, "Member is not properly aligned");
      uint64_t end = uint64_t(m.offset / 8) + mt->size_type;
      if (end > ssize) return fail_member(st, m, idx, "Member exceeds struct_size");
      return 0;
    }
  }
  // FWD, FUNC, FUNC_PROTO, VAR, DATASEC, DECL_TAG: the kernel's default callbacks.
  return fail_type(st, kf ? "Unsupported check_kflag_member" : "Unsupported check_member",
                   EINVAL, true);
}

int Loader::r_struct(const Ty *t) {
  Vertex &v = stack_[top_ - 1];
  if (v.next_member) {
    uint32_t i = v.next_member - 1u;
    Member last = member(t, i);
    if (!resolved(last.type)) return -EINVAL;  // the kernel WARNs here; not reachable
    int err = check_member(t, last, i, ty(last.type));
    if (err) return err;
  }
  for (uint32_t i = v.next_member; i < t->vlen(); i++) {
    Member m = member(t, i);
    const Ty *mt = ty(m.type);
    if (nosize_or_null(mt) || source_only(mt)) return fail_member(t, m, i, "Invalid member");
    if (!is_sink(mt) && !resolved(m.type)) {
      stack_[top_ - 1].next_member = i + 1;
      return push(m.type);
    }
    int err = check_member(t, m, i, mt);
    if (err) return err;
  }
  pop(0, 0);
  return 0;
}

int Loader::r_datasec(const Ty *t) {
  mode_ = RESOLVE_TBD;
  for (uint32_t i = stack_[top_ - 1].next_member; i < t->vlen(); i++) {
    size_t at = t->off + 12 + 12 * size_t(i);
    uint32_t vid = rd32(at), voff = rd32(at + 4), vsize = rd32(at + 8);
    const Ty *var = ty(vid);
    if (!var || var->kind() != VAR) return fail_vsi(t, at, vid, voff, vsize, "Not a VAR kind member");
    if (!is_sink(var) && !resolved(vid)) {
      stack_[top_ - 1].next_member = i + 1;
      return push(vid);
    }
    uint32_t tid = var->size_type, tsize = 0;
    if (!id_size(tid, &tsize)) return fail_vsi(t, at, vid, voff, vsize, "Invalid type");
    if (vsize < tsize) return fail_vsi(t, at, vid, voff, vsize, "Invalid size");
  }
  pop(0, 0);
  return 0;
}

int Loader::r_decl_tag(const Ty *t) {
  uint32_t next_id = t->size_type;
  const Ty *next = ty(next_id);
  if (!next || !(next->kind() == FUNC || is_struct(next) || next->kind() == VAR ||
                 next->kind() == TYPEDEF))
    return fail_type(t, "Invalid type_id");
  if (!is_sink(next) && !resolved(next_id)) return push(next_id);
  int32_t idx = static_cast<int32_t>(rd32(t->off + 12));
  if (idx != -1) {
    if (next->kind() == VAR || next->kind() == TYPEDEF) return fail_type(t, "Invalid component_idx");
    uint32_t vlen;
    if (is_struct(next)) {
      vlen = next->vlen();
    } else {
      const Ty *proto = ty(next->size_type);
      vlen = proto ? proto->vlen() : 0;
    }
    if (static_cast<uint32_t>(idx) >= vlen) return fail_type(t, "Invalid component_idx");
  }
  pop(next_id, 0);
  return 0;
}

int Loader::func_check(const Ty *t) {
  const Ty *proto = ty(t->size_type);
  if (!proto || proto->kind() != FUNC_PROTO) return fail_type(t, "Invalid type_id");
  for (uint32_t i = 0; i < proto->vlen(); i++) {
    size_t at = proto->off + 12 + 8 * size_t(i);
    uint32_t name = rd32(at), type = rd32(at + 4);
    if (!name && type) return fail_type(t, strfmt("Invalid arg#%u", i + 1));
  }
  return 0;
}

int Loader::r_func(const Ty *t) {
  int err = func_check(t);
  if (err) return err;
  pop(t->size_type, 0);
  return 0;
}

int Loader::resolve_vertex() {
  const Vertex &v = stack_[top_ - 1];
  log_id_ = v.id;
  const Ty *t = ty(v.id);
  switch (t->kind()) {
    case TYPEDEF: case VOLATILE: case CONST: case RESTRICT: case TYPE_TAG:
    case PTR: case VAR: return r_ref(t);
    case ARRAY: return r_array(t);
    case STRUCT: case UNION: return r_struct(t);
    case DATASEC: return r_datasec(t);
    case DECL_TAG: return r_decl_tag(t);
    case FUNC: return r_func(t);
  }
  return fail_type(t, "Unsupported resolve", EINVAL, true);
}

bool Loader::resolve_valid(uint32_t id) {
  if (!resolved(id)) return false;
  const Ty *t = ty(id);
  if (is_struct(t) || t->kind() == DATASEC) return !rid(id) && !rsize(id);
  if (t->kind() == DECL_TAG || t->kind() == FUNC) return rid(id) && !rsize(id);
  if (is_modifier(t) || t->kind() == PTR || t->kind() == VAR) {
    uint32_t r = id;
    const Ty *rt = id_resolve(r);
    return rt && !is_modifier(rt) && rt->kind() != VAR && rt->kind() != DATASEC;
  }
  if (t->kind() == ARRAY) {
    uint32_t elem_id = rd32(t->off + 12), nelems = rd32(t->off + 20), elem_size = 0;
    const Ty *et = id_size(elem_id, &elem_size);
    return et && !is_modifier(et) && nelems * elem_size == rsize(id);
  }
  return false;
}

int Loader::resolve(uint32_t id) {
  uint32_t saved = log_id_;
  const Ty *t = ty(id);
  mode_ = RESOLVE_TBD;
  push(id);
  int err = 0;
  while (!err && top_) err = resolve_vertex();
  log_id_ = id;
  if (err == -E2BIG) {
    fail_type(t, strfmt("Exceeded max resolving depth:%u", kMaxResolveDepth), E2BIG);
  } else if (err == -EEXIST) {
    fail_type(t, "Loop detected", EEXIST);
  }
  if (!err && !resolve_valid(id)) err = fail_type(t, "Invalid resolve state");
  log_id_ = saved;
  return err;
}

int Loader::func_proto_check(const Ty *t) {
  if (t->size_type) {
    uint32_t ret_id = t->size_type;
    const Ty *ret = ty(ret_id);
    if (!ret || source_only(ret)) return fail_type(t, "Invalid return type");
    if (needs_resolve(ret) && !resolved(ret_id)) {
      int err = resolve(ret_id);
      if (err) return err;
    }
    if (!id_size(ret_id, nullptr)) return fail_type(t, "Invalid return type");
  }
  uint32_t n = t->vlen();
  if (!n) return 0;
  auto arg_at = [&](uint32_t i) { return t->off + 12 + 8 * size_t(i); };
  if (!rd32(arg_at(n - 1) + 4)) {
    if (rd32(arg_at(n - 1))) return fail_type(t, strfmt("Invalid arg#%u", n));
    n--;
  }
  for (uint32_t i = 0; i < n; i++) {
    uint32_t name = rd32(arg_at(i)), arg_id = rd32(arg_at(i) + 4);
    const Ty *at = ty(arg_id);
    if (!at || source_only(at)) return fail_type(t, strfmt("Invalid arg#%u", i + 1));
    if (name && (!name_offset_valid(name) || !valid_identifier(name)))
      return fail_type(t, strfmt("Invalid arg#%u", i + 1));
    if (needs_resolve(at) && !resolved(arg_id)) {
      int err = resolve(arg_id);
      if (err) return err;
    }
    if (!id_size(arg_id, nullptr)) return fail_type(t, strfmt("Invalid arg#%u", i + 1));
  }
  return 0;
}

int Loader::check_all_types() {
  size_t n = types_.size();
  visit_.assign(n, NOT_VISITED);
  rid_.assign(n, 0);
  rsize_.assign(n, 0);
  check_meta_phase_ = false;
  for (uint32_t i = base_ ? 0 : 1; i < n; i++) {
    uint32_t id = start_id_ + i;
    const Ty *t = &types_[i];
    log_id_ = id;
    if (needs_resolve(t) && !resolved(id)) {
      int err = resolve(id);
      if (err) return err;
    }
    if (t->kind() == FUNC_PROTO) {
      int err = func_proto_check(t);
      if (err) return err;
    }
  }
  return 0;
}

// ------------------------------------------------------------------------------------------
// Type tags

int Loader::check_type_tags(uint32_t start) {
  int64_t good = int64_t(start) - 1;
  uint32_t n = nr_total();
  for (uint32_t i = start; i < n; i++) {
    const Ty *t = ty(i);
    if (!t) return -EINVAL;
    if (!is_modifier(t)) continue;
    int limit = 32;
    uint32_t cur = i;
    // 7.x dropped the ordering rule (btf_check_modifier_chain_length): only the length stays.
    bool in_tags = t->kind() == TYPE_TAG || v7_;
    while (is_modifier(t)) {
      if (!limit--) {
        std::string s = "Max chain length or cycle detected";
        log_id_ = i;
        return fail(ELOOP, "loader-type-tags", i, ty(i), ty(i)->off, s, s, s);
      }
      if (t->kind() == TYPE_TAG) {
        if (!in_tags && !v7_) {
          std::string s = "Type tags don't precede modifiers";
          return fail(EINVAL, "loader-type-tags", i, ty(i), ty(i)->off, s,
                      strfmt("%s (at [%u])", s.c_str(), cur), s);
        }
      } else if (!v7_) {
        in_tags = false;
      }
      if (int64_t(cur) <= good) break;
      cur = t->size_type;
      t = ty(cur);
      if (!t) {
        // The kernel returns EINVAL without a log line; resolve (user BTF) catches this first.
        return fail(EINVAL, "loader-type-tags", i, ty(i), ty(i)->off, "",
                    strfmt("modifier chain reaches missing type [%u]", cur), "");
      }
    }
    good = i;
  }
  return 0;
}

// ------------------------------------------------------------------------------------------
// Struct metas (6.2+, user BTF): btf_parse_struct_metas + btf_parse_fields +
// btf_check_and_fixup_fields. The kernel logs nothing for these failures.

namespace {

enum Field : uint32_t {
  F_SPIN_LOCK = 1u << 0, F_RES_SPIN_LOCK = 1u << 1, F_KPTR_UNREF = 1u << 2,
  F_KPTR_REF = 1u << 3, F_KPTR_PERCPU = 1u << 4, F_LIST_HEAD = 1u << 5, F_LIST_NODE = 1u << 6,
  F_RB_ROOT = 1u << 7, F_RB_NODE = 1u << 8, F_REFCOUNT = 1u << 9, F_UPTR = 1u << 10,
  F_KPTR = F_KPTR_UNREF | F_KPTR_REF | F_KPTR_PERCPU,
  F_GRAPH_ROOT = F_LIST_HEAD | F_RB_ROOT, F_GRAPH_NODE = F_LIST_NODE | F_RB_NODE,
};
constexpr int kFound = 1, kIgnore = 0;
constexpr int kFieldsMax = 11;  // BTF_FIELDS_MAX

uint32_t field_size(uint32_t f) {
  switch (f) {
    case F_SPIN_LOCK: case F_REFCOUNT: return 4;
    case F_RES_SPIN_LOCK: return 8;
    case F_LIST_HEAD: case F_RB_ROOT: return 16;
    case F_LIST_NODE: return 24;
    case F_RB_NODE: return 32;
    default: return 8;  // kptrs
  }
}
uint32_t field_align(uint32_t f) { return (f == F_SPIN_LOCK || f == F_REFCOUNT) ? 4 : 8; }

struct FieldInfo {
  uint32_t type = 0, off = 0;
  uint32_t kptr_type_id = 0;
  uint32_t value_btf_id = 0;
  std::string node_name;
};

struct Record {
  uint32_t mask = 0;
  std::vector<FieldInfo> fields;
};

}  // namespace

// Helpers as lambdas would not reach the private parts; a small local class does.
class StructMetas {
 public:
  StructMetas(const std::function<const Ty *(uint32_t)> &ty,
              const std::function<std::string(uint32_t)> &name,
              const std::function<uint32_t(const Ty *, uint32_t, int)> &rd, uint32_t n)
      : ty_(ty), name_(name), rd_(rd), n_(n) {}

  int32_t find_by_name_kind(std::string_view want, uint8_t kind) {
    for (uint32_t i = 1; i < n_; i++) {
      const Ty *t = ty_(i);
      if (t->kind() == kind && name_(t->name_off) == want) return static_cast<int32_t>(i);
    }
    return -ENOENT;
  }

  int find_kptr(const Ty *t, uint32_t off, FieldInfo *info, uint32_t mask) {
    if (t && t->kind() == VOLATILE) t = ty_(t->size_type);
    if (!t || t->kind() != PTR) return kIgnore;
    t = ty_(t->size_type);
    if (!t || !(t->kind() == TYPE_TAG && !t->kflag())) return kIgnore;
    const Ty *after = ty_(t->size_type);
    if (after && after->kind() == TYPE_TAG) {
      why_ = "a kptr carries more than one type tag";
      return -EINVAL;
    }
    std::string tag = name_(t->name_off);
    uint32_t type;
    if (tag == "kptr_untrusted") type = F_KPTR_UNREF;
    else if (tag == "kptr") type = F_KPTR_REF;
    else if (tag == "percpu_kptr") type = F_KPTR_PERCPU;
    else if (tag == "uptr") type = F_UPTR;
    else {
      why_ = "pointer with type tag '" + tag + "' in a struct with special fields";
      return -EINVAL;
    }
    if (!(type & mask)) return kIgnore;
    uint32_t id = t->size_type;
    const Ty *x = ty_(id);
    while (x && is_modifier(x)) {
      id = x->size_type;
      x = ty_(id);
    }
    if (!x || x->kind() != STRUCT) {
      why_ = "kptr '" + tag + "' does not point to a struct";
      return -EINVAL;
    }
    info->type = type;
    info->off = off;
    info->kptr_type_id = id;
    return kFound;
  }

  int field_type(const Ty *vt, uint32_t mask, uint32_t *seen, uint32_t *align, uint32_t *sz) {
    std::string name = name_(vt->name_off);
    uint32_t type = 0;
    if ((mask & F_SPIN_LOCK) && name == "bpf_spin_lock") {
      if (*seen & F_SPIN_LOCK) {
        why_ = "two bpf_spin_lock fields";
        return -E2BIG;
      }
      *seen |= F_SPIN_LOCK;
      type = F_SPIN_LOCK;
    } else if ((mask & F_RES_SPIN_LOCK) && name == "bpf_res_spin_lock") {
      if (*seen & F_RES_SPIN_LOCK) {
        why_ = "two bpf_res_spin_lock fields";
        return -E2BIG;
      }
      *seen |= F_RES_SPIN_LOCK;
      type = F_RES_SPIN_LOCK;
    } else if ((mask & F_LIST_HEAD) && name == "bpf_list_head") {
      type = F_LIST_HEAD;
    } else if ((mask & F_LIST_NODE) && name == "bpf_list_node") {
      type = F_LIST_NODE;
    } else if ((mask & F_RB_ROOT) && name == "bpf_rb_root") {
      type = F_RB_ROOT;
    } else if ((mask & F_RB_NODE) && name == "bpf_rb_node") {
      type = F_RB_NODE;
    } else if ((mask & F_REFCOUNT) && name == "bpf_refcount") {
      type = F_REFCOUNT;
    } else if ((mask & (F_KPTR | F_UPTR)) && vt->kind() != STRUCT) {
      type = F_KPTR_REF;
    } else {
      return 0;
    }
    *sz = field_size(type);
    *align = field_align(type);
    return static_cast<int>(type);
  }

  int decl_tag_value(uint32_t pt, int32_t comp, std::string_view key, std::string *out) {
    int found = -ENOENT;
    for (uint32_t i = 1; i < n_; i++) {
      const Ty *t = ty_(i);
      if (t->kind() != DECL_TAG || t->size_type != pt) continue;
      if (static_cast<int32_t>(rd_(t, 12, 4)) != comp) continue;
      std::string v = name_(t->name_off);
      if (v.compare(0, key.size(), key) != 0) continue;
      if (found > 0) return -EEXIST;
      found = static_cast<int>(i);
      *out = v.substr(key.size());
    }
    return found;
  }

  int graph_root(uint32_t pt, const Ty *t, uint32_t comp, uint32_t off, uint32_t sz,
                 FieldInfo *info, uint32_t type) {
    if (t->kind() != STRUCT || t->size_type != sz) return kIgnore;
    std::string value;
    if (decl_tag_value(pt, static_cast<int32_t>(comp), "contains:", &value) < 0) {
      why_ = "bpf_list_head/bpf_rb_root without one 'contains:' decl tag";
      return -EINVAL;
    }
    size_t colon = value.find(':');
    if (colon == std::string::npos) {
      why_ = "'contains:' decl tag without ':field'";
      return -EINVAL;
    }
    int32_t id = find_by_name_kind(value.substr(0, colon), STRUCT);
    if (id < 0) {
      why_ = "'contains:' names a struct that does not exist: " + value.substr(0, colon);
      return id;
    }
    std::string node = value.substr(colon + 1);
    if (node.empty()) {
      why_ = "'contains:' decl tag with an empty field name";
      return -EINVAL;
    }
    info->type = type;
    info->off = off;
    info->value_btf_id = static_cast<uint32_t>(id);
    info->node_name = node;
    return kFound;
  }

  int repeat(std::vector<FieldInfo> &info, size_t base, uint32_t cnt, uint32_t times,
             uint32_t elem_size, uint32_t cap) {
    for (uint32_t i = 0; i < cnt; i++) {
      uint32_t t = info[base + i].type;
      if (!(t & (F_KPTR | F_UPTR | F_GRAPH_ROOT))) {
        why_ = "an array of special fields that cannot be repeated";
        return -EINVAL;
      }
    }
    if (uint64_t(cnt) * (uint64_t(times) + 1) > cap) {
      why_ = "more special fields than the kernel's limit";
      return -E2BIG;
    }
    for (uint32_t r = 0; r < times; r++)
      for (uint32_t j = 0; j < cnt; j++) {
        FieldInfo f = info[base + j];
        f.off += (r + 1) * elem_size;
        info.push_back(f);
      }
    return 0;
  }

  // Appends to `out`; returns the number of fields found or a negative errno.
  int struct_fields(const Ty *t, uint32_t tid, uint32_t mask, std::vector<FieldInfo> &out,
                    uint32_t cap, uint32_t level) {
    uint32_t seen = 0;
    size_t start = out.size();
    for (uint32_t i = 0; i < t->vlen(); i++) {
      uint32_t mtype = rd_(t, 12 + 12 * i + 4, 4), moff = rd_(t, 12 + 12 * i + 8, 4);
      uint32_t off = t->kflag() ? (moff & 0xffffff) : moff;
      if (off % 8) {
        why_ = strfmt("member #%u is not byte aligned", i);
        return -EINVAL;
      }
      int ret = field_one(tid, mtype, i, off / 8, mask, &seen, out,
                          cap - static_cast<uint32_t>(out.size() - start), level);
      if (ret < 0) return ret;
    }
    return static_cast<int>(out.size() - start);
  }

  int field_one(uint32_t pt, uint32_t vid, uint32_t idx, uint32_t off, uint32_t mask,
                uint32_t *seen, std::vector<FieldInfo> &out, uint32_t cap, uint32_t level) {
    const Ty *vt = ty_(vid);
    uint32_t nelems = 1, i = 0;
    for (; i < kMaxResolveDepth && vt && vt->kind() == ARRAY; i++) {
      nelems *= rd_(vt, 20, 4);
      vid = rd_(vt, 12, 4);
      vt = ty_(vid);
    }
    if (i == kMaxResolveDepth) {
      why_ = "arrays nested too deep";
      return -E2BIG;
    }
    if (!nelems || !vt) return 0;
    uint32_t align = 1, sz = 0;
    int ft = field_type(vt, mask, seen, &align, &sz);
    if (!ft && vt->kind() == STRUCT) {
      // Look into nested structs.
      if (++level >= kMaxResolveDepth) {
        why_ = "structs nested too deep";
        return -E2BIG;
      }
      size_t base = out.size();
      int ret = struct_fields(vt, vid, mask, out, cap, level);
      if (ret <= 0) return ret;
      for (size_t k = base; k < out.size(); k++) out[k].off += off;
      if (nelems > 1) {
        int err = repeat(out, base, static_cast<uint32_t>(ret), nelems - 1, vt->size_type, cap);
        if (err) return err;
        ret *= static_cast<int>(nelems);
      }
      return ret;
    }
    if (ft <= 0) return ft;
    if (off % align) return 0;
    FieldInfo info;
    int ret;
    switch (ft) {
      case F_SPIN_LOCK: case F_RES_SPIN_LOCK: case F_LIST_NODE: case F_RB_NODE: case F_REFCOUNT:
        if (vt->kind() != STRUCT || vt->size_type != sz) return 0;
        info.type = static_cast<uint32_t>(ft);
        info.off = off;
        ret = kFound;
        break;
      case F_KPTR_REF:
        ret = find_kptr(vt, off, &info, F_KPTR);
        if (ret < 0) return ret;
        break;
      default:  // graph roots
        ret = graph_root(pt, vt, idx, off, sz, &info, static_cast<uint32_t>(ft));
        if (ret < 0) return ret;
    }
    if (ret == kIgnore) return 0;
    if (nelems > cap) {
      why_ = "more special fields than the kernel's limit";
      return -E2BIG;
    }
    size_t base = out.size();
    out.push_back(info);
    if (nelems > 1) {
      int err = repeat(out, base, 1, nelems - 1, sz, cap);
      if (err) return err;
    }
    return static_cast<int>(nelems);
  }

  int parse_graph_root(const FieldInfo &f, const char *node_type) {
    const Ty *t = ty_(f.value_btf_id);
    const Ty *n = nullptr;
    for (uint32_t i = 0; i < t->vlen(); i++) {
      if (name_(rd_(t, 12 + 12 * i, 4)) != f.node_name) continue;
      if (n) {
        why_ = "two members named '" + f.node_name + "'";
        return -EINVAL;
      }
      n = ty_(rd_(t, 12 + 12 * i + 4, 4));
      if (!n || n->kind() != STRUCT || name_(n->name_off) != node_type) {
        why_ = strfmt("'%s' is not a struct %s", f.node_name.c_str(), node_type);
        return -EINVAL;
      }
      uint32_t moff = rd_(t, 12 + 12 * i + 8, 4);
      uint32_t off = n->kflag() ? (moff & 0xffffff) : moff;
      if (off % 8 || (off / 8) % 8) {
        why_ = strfmt("'%s' is not aligned", f.node_name.c_str());
        return -EINVAL;
      }
    }
    if (!n) {
      why_ = "no member '" + f.node_name + "' in the contained struct";
      return -ENOENT;
    }
    return 0;
  }

  // btf_parse_fields for one struct.
  int parse_fields(const Ty *t, uint32_t tid, Record *rec) {
    std::vector<FieldInfo> infos;
    uint32_t mask = F_SPIN_LOCK | F_RES_SPIN_LOCK | F_LIST_HEAD | F_LIST_NODE | F_RB_ROOT |
                    F_RB_NODE | F_REFCOUNT | F_KPTR;
    int ret = struct_fields(t, tid, mask, infos, kFieldsMax, 0);
    if (ret < 0) return ret;
    if (ret == 0) {
      why_ = "a member's type is special but no special field was found";
      return -EFAULT;
    }
    uint32_t next_off = 0;
    bool spin = false, res_spin = false, refcount = false;
    for (auto &f : infos) {
      uint32_t size = field_size(f.type);
      if (uint64_t(f.off) + size > t->size_type) {
        why_ = "special field past the end of the struct";
        return -EFAULT;
      }
      if (f.off < next_off) {
        why_ = "special fields overlap";
        return -EEXIST;
      }
      next_off = f.off + size;
      rec->mask |= f.type;
      if (f.type == F_SPIN_LOCK) spin = true;
      if (f.type == F_RES_SPIN_LOCK) res_spin = true;
      if (f.type == F_REFCOUNT) refcount = true;
      if (f.type == F_LIST_HEAD) {
        int err = parse_graph_root(f, "bpf_list_node");
        if (err) return err;
      } else if (f.type == F_RB_ROOT) {
        int err = parse_graph_root(f, "bpf_rb_node");
        if (err) return err;
      }
      // kptrs: the kernel looks the target up in vmlinux and module BTF and, for a
      // referenced kptr to a kernel type, needs a registered destructor kfunc. That depends
      // on the running kernel, not on this BTF; a type only in this BTF is always fine.
    }
    if (spin && res_spin) {
      why_ = "both bpf_spin_lock and bpf_res_spin_lock";
      return -EINVAL;
    }
    if ((rec->mask & F_GRAPH_ROOT) && !spin && !res_spin) {
      why_ = "bpf_list_head/bpf_rb_root without a bpf_spin_lock";
      return -EINVAL;
    }
    if (!refcount && (rec->mask & F_LIST_NODE) && (rec->mask & F_RB_NODE)) {
      why_ = "bpf_list_node and bpf_rb_node without bpf_refcount";
      return -EINVAL;
    }
    rec->fields = std::move(infos);
    return 0;
  }

  std::string why_;

 private:
  const std::function<const Ty *(uint32_t)> &ty_;
  const std::function<std::string(uint32_t)> &name_;
  const std::function<uint32_t(const Ty *, uint32_t, int)> &rd_;
  uint32_t n_;
};

int Loader::parse_struct_metas() {
  std::function<const Ty *(uint32_t)> tyf = [this](uint32_t id) { return ty(id); };
  std::function<std::string(uint32_t)> namef = [this](uint32_t off) { return log_name(off); };
  std::function<uint32_t(const Ty *, uint32_t, int)> rdf = [this](const Ty *t, uint32_t rel,
                                                                  int) {
    return rd32(t->off + rel);
  };
  uint32_t n = nr_total();
  StructMetas sm(tyf, namef, rdf, n);

  // The special structs (first of each name by id) and every kptr type.
  static const char *const kSpecial[] = {"bpf_spin_lock", "bpf_list_head", "bpf_list_node",
                                         "bpf_rb_root",   "bpf_rb_node",   "bpf_refcount"};
  int32_t special[6] = {-1, -1, -1, -1, -1, -1};
  std::vector<uint32_t> aof;
  for (uint32_t i = 1; i < n; i++) {
    const Ty *t = ty(i);
    if (t->kind() == STRUCT && t->name_off && t->name_off >= start_str_off_ &&
        t->name_off - start_str_off_ + 4 < strs_.size() &&
        strs_[t->name_off - start_str_off_] == 'b' && strs_[t->name_off - start_str_off_ + 3] == '_') {
      auto s = str(t->name_off);
      if (s && s->size() >= 11 && s->substr(0, 4) == "bpf_")
        for (int k = 0; k < 6; k++)
          if (special[k] < 0 && *s == kSpecial[k]) special[k] = static_cast<int32_t>(i);
    }
  }
  for (int k = 0; k < 6; k++)
    if (special[k] >= 0) aof.push_back(static_cast<uint32_t>(special[k]));
  for (uint32_t i = 1; i < n; i++) {
    const Ty *t = ty(i);
    if (t->kind() != PTR && t->kind() != VOLATILE) continue;
    FieldInfo tmp;
    if (sm.find_kptr(t, 0, &tmp, F_KPTR) == kFound) aof.push_back(i);
  }
  if (aof.empty()) return 0;
  std::sort(aof.begin(), aof.end());
  std::vector<bool> in_aof(n, false);
  for (uint32_t id : aof) in_aof[id] = true;

  std::vector<std::pair<uint32_t, Record>> metas;
  for (uint32_t i = 1; i < n; i++) {
    const Ty *t = ty(i);
    if (t->kind() != STRUCT) continue;
    bool hit = false;
    for (uint32_t j = 0; j < t->vlen() && !hit; j++)
      hit = [&](uint32_t mt) { return mt < n && in_aof[mt]; }(rd32(t->off + 12 + 12 * j + 4));
    if (!hit) continue;
    Record rec;
    sm.why_.clear();
    int err = sm.parse_fields(t, i, &rec);
    if (err) {
      log_id_ = i;
      std::string why = "special fields (struct metas): " + sm.why_;
      return fail(-err, "loader-struct-meta", i, t, t->off, why, why, "");
    }
    metas.emplace_back(i, std::move(rec));
  }
  auto find_meta = [&](uint32_t id) -> const Record * {
    auto it = std::lower_bound(metas.begin(), metas.end(), id,
                               [](const auto &m, uint32_t v) { return m.first < v; });
    return it != metas.end() && it->first == id ? &it->second : nullptr;
  };
  for (auto &[id, rec] : metas) {
    if (!(rec.mask & F_GRAPH_ROOT)) continue;
    std::vector<FieldInfo> sorted = rec.fields;
    std::sort(sorted.begin(), sorted.end(),
              [](const FieldInfo &a, const FieldInfo &b) { return a.off < b.off; });
    for (auto &f : sorted) {
      if (!(f.type & F_GRAPH_ROOT)) continue;
      const Record *vm = find_meta(f.value_btf_id);
      const Ty *t = ty(id);
      if (!vm) {
        std::string why = strfmt("special fields (struct metas): contained struct [%u] has no "
                                 "special fields", f.value_btf_id);
        return fail(EFAULT, "loader-struct-meta", id, t, t->off, why, why, "");
      }
      if (!(rec.mask & F_GRAPH_NODE)) continue;
      if (vm->mask & F_GRAPH_ROOT) {
        std::string why = strfmt("special fields (struct metas): ownership cycle through [%u]",
                                 f.value_btf_id);
        return fail(ELOOP, "loader-struct-meta", id, t, t->off, why, why, "");
      }
    }
  }
  return 0;
}

}  // namespace

// ------------------------------------------------------------------------------------------

LoaderResult Loader::run() {
  if (base_) {
    start_id_ = base_->nr_total();
    start_str_off_ = base_->str_len_total();
  }
  if (user_ && blob_.size() > kMaxSize) {
    fail(E2BIG, "loader-size", 0, nullptr, 0,
         strfmt("BTF is %zu bytes, more than the %u-byte limit of BPF_BTF_LOAD", blob_.size(),
                kMaxSize),
         strfmt("BTF is %zu bytes, more than the %u-byte limit of BPF_BTF_LOAD", blob_.size(),
                kMaxSize),
         "");
    return res_;
  }
  if (parse_hdr()) {
    // The kernel reads the header in its own byte order; say why a big-endian blob fails.
    if (blob_.size() >= 2 && rd8(0) == 0xeb && rd8(1) == 0x9f)
      res_.message += " (the BTF is big-endian; the kernel loads only its own byte order)";
    return res_;
  }
  if (parse_str_sec()) return res_;
  if (user_ && parse_layout_sec()) return res_;
  if (user_) {
    if (hdr_.type_off & 3) {
      fail_raw(EINVAL, "loader-types", 8, "Unaligned type_off");
      return res_;
    }
    if (!base_ && !hdr_.type_len) {
      fail_raw(EINVAL, "loader-types", 12, "No type found");
      return res_;
    }
  }
  if (check_all_metas()) return res_;
  res_.nr_types = static_cast<uint32_t>(types_.size()) - (base_ ? 0 : 1);
  if (user_ && check_all_types()) return res_;
  if (check_type_tags(base_ ? start_id_ : 1)) return res_;
  if (user_ && v618_ && parse_struct_metas()) return res_;
  return res_;
}

LoaderResult check_loader(std::span<const uint8_t> blob, const CheckOptions &opts) {
  if (opts.mode == LoaderMode::Module) {
    CheckOptions bo;
    bo.mode = LoaderMode::Vmlinux;
    bo.kernel = opts.kernel;
    bo.where = "base: .BTF";
    Loader base(opts.base, bo, nullptr);
    LoaderResult br = base.run();
    if (!br.ok)
      throw Error(strfmt("base BTF is not valid: %s", format_finding(br, bo).c_str()));
    Loader l(blob, opts, &base);
    return l.run();
  }
  Loader l(blob, opts, nullptr);
  return l.run();
}

std::string format_finding(const LoaderResult &r, const CheckOptions &opts) {
  std::string s = strfmt("%s+0x%zx: ", opts.where.c_str(), opts.section_offset + r.offset);
  if (r.type_id) {
    s += strfmt("[%u] ", r.type_id);
    if (!r.kind.empty()) s += r.kind + " ";
    s += "'" + r.name + "': ";
  }
  return s + r.message;
}

}  // namespace kfb::check
