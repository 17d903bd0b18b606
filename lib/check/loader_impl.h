// Private to lib/check: the declarations the loader*.cc files share (constants, the kernel's
// ctype, the parsed btf_type, the Loader class). Code outside lib/check includes loader.h.
#pragma once

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "check/loader.h"
#include "support/cursor.h"
#include "support/error.h"
#include "support/vocab.h"

// detail, not an anonymous namespace: these span the loader*.cc translation units. The small
// helpers stay inline here so the hot loops of every phase can still inline them.
namespace kfb::check::detail {

constexpr uint32_t kMaxType = 0xfffff;
constexpr uint32_t kMaxNameOffset = 0xffffff;
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

inline const char *const kKindStr[] = {"UNKNOWN", "INT",      "PTR",      "ARRAY",      "STRUCT",
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
inline constexpr CType kCtype;
constexpr bool is_alpha(uint8_t c) { return kCtype.t[c] & (C_U | C_L); }
constexpr bool is_alnum(uint8_t c) { return kCtype.t[c] & (C_U | C_L | C_D); }
constexpr bool is_print(uint8_t c) { return kCtype.t[c] & (C_U | C_L | C_D | C_P | C_SP); }

inline bool identifier_ok(std::string_view s) {
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
inline constexpr IdentTables kIdent;

inline bool section_ok_618(std::string_view s) {
  if (s.empty() || s.size() > kKsymNameLen) return false;
  for (char c : s)
    if (!is_print(static_cast<uint8_t>(c))) return false;
  return true;
}

inline std::string piece(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
inline std::string piece(const char *fmt, ...) {
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

inline bool is_modifier(const Ty *t) {
  switch (t->kind()) {
    case TYPEDEF: case VOLATILE: case CONST: case RESTRICT: case TYPE_TAG: return true;
  }
  return false;
}
inline bool is_struct(const Ty *t) { return t->kind() == STRUCT || t->kind() == UNION; }
inline bool is_void(const Ty *t) { return t->kind() == UNKN; }
inline bool nosize(const Ty *t) {
  switch (t->kind()) {
    case UNKN: case FWD: case FUNC: case FUNC_PROTO: case DECL_TAG: return true;
  }
  return false;
}
inline bool nosize_or_null(const Ty *t) { return !t || nosize(t); }
inline bool source_only(const Ty *t) {
  return t->kind() == VAR || t->kind() == DECL_TAG || t->kind() == DATASEC;
}
inline bool needs_resolve(const Ty *t) {
  return is_modifier(t) || t->kind() == PTR || is_struct(t) || t->kind() == ARRAY ||
         t->kind() == VAR || t->kind() == FUNC || t->kind() == DECL_TAG || t->kind() == DATASEC;
}
inline bool has_size(const Ty *t) {
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
      : blob_(blob), base_(base), cur_(blob, false, o.where, o.section_offset), where_(o.where) {
    ver_ = kfunc::loader_rules_version(o.kernel);
    v618_ = kfunc::loader_rules_618(o.kernel);
    v7_ = kfunc::loader_rules_7x(o.kernel);
    metas_7x_ = kfunc::struct_metas_7x(o.kernel);
    user_ = o.mode == LoaderMode::User;
    all_ = cur_.bytes(blob.size());
  }

  LoaderResult run();
  // A base the kernel already holds (vmlinux, proven when it was emitted and at boot): read as
  // btf_parse_module finds it, not checked again. Only the header and the string section are
  // read and the types counted; a type is looked up when a split type's chain reaches it.
  // `nr_types` (void included), when the caller's own read of the base counted them: the types
  // are then walked only when one is looked up.
  LoaderResult run_trusted(uint32_t nr_types = 0);

  // Type lookup by global id (base ids go to the base).
  const Ty *ty(uint32_t id) const {
    if (trusted_) return trusted_ty(id);
    if (id < start_id_) return base_ ? base_->ty(id) : nullptr;
    id -= start_id_;
    return id < types_.size() ? &types_[id] : nullptr;
  }
  uint32_t nr_total() const {
    return trusted_ ? trusted_cnt_ : start_id_ + static_cast<uint32_t>(types_.size());
  }
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
    // A small direct-mapped memo of valid offsets: member and param names repeat a lot
    // (pahole deduplicates strings), and 32 KiB stays in cache.
    if (ident_memo_.empty()) {
      // Made on first use (a trusted base never asks), no bigger than the strings need: a
      // module's few KiB of names get a 1-4 KiB memo, not the 32 KiB vmlinux's want.
      size_t want = std::bit_ceil(std::max<size_t>(256, strs_.size() / 8));
      ident_memo_.assign(std::min(kIdentMemo, want), 0);
    }
    uint32_t &memo = ident_memo_[off & (ident_memo_.size() - 1)];
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
  // Bytes after the 12-byte head of a type with this info word (check_meta's sizes; 0 for a
  // kind the loader does not know, which check_meta refuses).
  static uint32_t extra_size(uint32_t info) {
    uint32_t vlen = info & 0xffffff;
    switch ((info >> 24) & 0x7f) {
      case INT: case VAR: case DECL_TAG: return 4;
      case ARRAY: return 12;
      case STRUCT: case UNION: case DATASEC: case ENUM64: return 12 * vlen;
      case ENUM: case FUNC_PROTO: return 8 * vlen;
    }
    return 0;
  }
  const Ty *trusted_ty(uint32_t id) const;
  void trusted_walk() const;
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
  std::string where_;
  std::span<const uint8_t> all_;  // the whole blob, from the cursor
  int ver_ = 703;                // MAJOR*100+MINOR of the rule set
  bool v618_ = true, v7_ = true;  // at least 6.18 / 7.2
  bool metas_7x_ = true;           // kfunc::struct_metas_7x
  bool user_ = true;
  Header hdr_;
  size_t str_abs_ = 0;
  std::span<const uint8_t> strs_;  // the own string section, handed out by the cursor
  static constexpr size_t kIdentMemo = 8192;
  mutable std::vector<uint32_t> ident_memo_;
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
  // run_trusted: the type count (void included), the offset of every kTrustedStride-th type,
  // and the types looked up so far (node-based: the pointers handed out stay valid).
  static constexpr uint32_t kTrustedStride = 64;
  bool trusted_ = false;
  mutable uint32_t trusted_cnt_ = 0;
  mutable std::vector<uint32_t> trusted_offs_;
  mutable std::unordered_map<uint32_t, Ty> trusted_seen_;

  friend LoaderResult kfb::check::check_loader(std::span<const uint8_t>, const CheckOptions &);
};

}  // namespace kfb::check::detail
