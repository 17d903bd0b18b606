// The BTF model: read, inspect, build and write BTF (base or split), either byte order.
//
//   kfb::MappedFile f = kfb::MappedFile::open("vmlinux.btf");
//   kfb::btf::Btf btf = kfb::btf::Btf::parse(f.data(), "vmlinux.btf: .BTF");
//   for (uint32_t id = btf.start_id(); id < btf.type_cnt(); id++) {
//     kfb::btf::Type t = btf.type(id);
//     if (t.kind() == kfb::btf::Kind::FUNC) printf("%s -> [%u]\n", t.name().data(), t.type());
//   }
//   uint32_t f = btf.find_first("bpf_obj_new_impl", kfb::btf::Kind::FUNC);   // 0: none
//   for (uint32_t tag : btf.decl_tags_of(f)) puts(btf.type(tag).name().data());
//
//   uint32_t proto = btf.add_func_proto(ret, {{"p", ptr_id}});   // builder: appends, returns id
//   btf.add_decl_tag("bpf_kfunc", f, -1);
//   btf.set_type(f, proto);                                      // repoint F at a new proto
//   std::vector<uint8_t> out = btf.write();                      // input byte order kept
//
//   // split BTF (a module) on top of its base:
//   Btf mod = Btf::parse(mod_bytes, "foo.ko: .BTF", &btf);       // ids continue after base
//
// Memory model: one vector of 16-byte type records (name_off, info, size_or_type, index into
// one shared u32 payload vector) plus one string buffer, all in host byte order. Parsing and
// writing vmlinux's 5.5 MB takes a few ms. Type, Member, ... are cheap views; they stay valid
// until the next mutation (add_*, set_type, remap) of the Btf they came from.
//
// parse() rejects only what cannot be represented or printed (see read.cc's header comment);
// the kernel's loader rules are lib/check's business. The writer lays out header, types,
// strings (type_off 0, str_off = type_len); parse -> write is byte-identical for every BTF
// pahole, libbpf or the kernel produce. Names in a split BTF without its base do not resolve:
// parse refuses such input with "split BTF needs its base: use -B/--base-btf".
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kfb::btf {

enum class Kind : uint8_t {
  UNKN = 0,
  INT = 1,
  PTR = 2,
  ARRAY = 3,
  STRUCT = 4,
  UNION = 5,
  ENUM = 6,
  FWD = 7,
  TYPEDEF = 8,
  VOLATILE = 9,
  CONST = 10,
  RESTRICT = 11,
  FUNC = 12,
  FUNC_PROTO = 13,
  VAR = 14,
  DATASEC = 15,
  FLOAT = 16,
  DECL_TAG = 17,
  TYPE_TAG = 18,
  ENUM64 = 19,
};
constexpr unsigned kKindMax = 19;
constexpr uint32_t kMaxTypeId = 0xfffff;  // the kernel's BTF_MAX_TYPE
constexpr uint32_t kMaxVlen = 0xffffff;  // 24 bits since 7.2 (16 before: the 6.x loaders refuse more)
// info: kflag (bit 31), kind (bits 24-30: 7 bits since 7.2), vlen (bits 0-23).
constexpr unsigned info_kind(uint32_t info) { return (info >> 24) & 0x7f; }
constexpr uint32_t info_vlen(uint32_t info) { return info & 0xffffff; }
constexpr uint16_t kMagic = 0xeB9F;

// bpftool's names ("INT", "FUNC_PROTO", ...); "UNKN" for 0, "UNKNOWN" beyond ENUM64.
const char *kind_name(Kind k);
inline const char *kind_name(unsigned k) { return kind_name(static_cast<Kind>(k)); }

// Payload words per entry of a kind whose entries each start with a name offset (members,
// enumerators, params): 3 for STRUCT, UNION, ENUM64; 2 for ENUM, FUNC_PROTO; 0 for the others.
constexpr size_t named_entry_stride(Kind k) {
  switch (k) {
    case Kind::STRUCT:
    case Kind::UNION:
    case Kind::ENUM64: return 3;
    case Kind::ENUM:
    case Kind::FUNC_PROTO: return 2;
    default: return 0;
  }
}

// INT encoding bits, FUNC linkage (in vlen), VAR linkage.
enum IntEncoding : uint8_t { INT_SIGNED = 1, INT_CHAR = 2, INT_BOOL = 4 };
enum FuncLinkage : uint16_t { FUNC_STATIC = 0, FUNC_GLOBAL = 1, FUNC_EXTERN = 2 };
enum VarLinkage : uint32_t { VAR_STATIC = 0, VAR_GLOBAL_ALLOCATED = 1, VAR_GLOBAL_EXTERN = 2 };

// Payload records, laid out as in the file (host order in memory).
struct Member {
  uint32_t name_off, type, offset;
  // With the struct's kflag: offset = bitfield_size << 24 | bit_offset.
  uint32_t bit_offset(bool kflag) const { return kflag ? offset & 0xffffff : offset; }
  uint32_t bitfield_size(bool kflag) const { return kflag ? offset >> 24 : 0; }
};
struct Param {
  uint32_t name_off, type;
};
struct Enum {
  uint32_t name_off, val;
  int32_t sval() const { return static_cast<int32_t>(val); }
};
struct Enum64 {
  uint32_t name_off, val_lo32, val_hi32;
  uint64_t val() const { return (uint64_t{val_hi32} << 32) | val_lo32; }
};
struct VarSecinfo {
  uint32_t type, offset, size;
};
struct Array {
  uint32_t type, index_type, nelems;
};
static_assert(sizeof(Member) == 12 && sizeof(Param) == 8 && sizeof(Enum) == 8 &&
              sizeof(Enum64) == 12 && sizeof(VarSecinfo) == 12 && sizeof(Array) == 12);

// The 12-byte btf_type head plus where its payload starts in Btf's payload vector.
struct RawType {
  uint32_t name_off = 0;
  uint32_t info = 0;
  uint32_t size_or_type = 0;
  uint32_t extra = 0;  // index into the payload vector (absent from records read in place)
};

// Number of u32 payload words after the 12-byte head for (kind, vlen); -1 for unknown kinds.
inline int payload_words(unsigned kind, uint32_t vlen) {
  // per kind: fixed words + words per vlen entry (UNKN INT PTR ARRAY STRUCT UNION ENUM FWD
  // TYPEDEF VOLATILE CONST RESTRICT FUNC FUNC_PROTO VAR DATASEC FLOAT DECL_TAG TYPE_TAG ENUM64)
  static constexpr uint8_t kFixed[20] = {0, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0};
  static constexpr uint8_t kPerVlen[20] = {0, 0, 0, 0, 3, 3, 2, 0, 0, 0, 0, 0, 0, 2, 0, 3, 0, 0, 0, 3};
  if (kind > 19) return -1;
  return kFixed[kind] + kPerVlen[kind] * static_cast<int>(vlen & 0xffffff);
}

class Btf;

// A view of one type. Cheap to copy; invalid after the Btf is mutated.
class Type {
 public:
  Type(const Btf *btf, uint32_t id, const RawType *raw, const uint32_t *extra)
      : btf_(btf), id_(id), raw_(raw), extra_(extra) {}

  uint32_t id() const { return id_; }
  const RawType &raw() const { return *raw_; }
  Kind kind() const { return static_cast<Kind>(info_kind(raw_->info)); }
  unsigned kind_raw() const { return info_kind(raw_->info); }
  uint32_t vlen() const { return info_vlen(raw_->info); }
  bool kflag() const { return raw_->info >> 31; }
  uint32_t info() const { return raw_->info; }
  uint32_t name_off() const { return raw_->name_off; }
  std::string_view name() const;  // "" when anonymous
  const char *name_c() const;     // the same, NUL-terminated, its length not measured
  uint32_t size() const { return raw_->size_or_type; }  // INT STRUCT UNION ENUM ENUM64 DATASEC FLOAT
  uint32_t type() const { return raw_->size_or_type; }  // PTR TYPEDEF CV TAGS FUNC VAR (ret: PROTO)

  bool is_int() const { return kind() == Kind::INT; }
  bool is_ptr() const { return kind() == Kind::PTR; }
  bool is_composite() const { return kind() == Kind::STRUCT || kind() == Kind::UNION; }
  bool is_modifier() const {  // skipped by "through modifiers": CONST VOLATILE RESTRICT TYPE_TAG
    Kind k = kind();
    return k == Kind::CONST || k == Kind::VOLATILE || k == Kind::RESTRICT || k == Kind::TYPE_TAG;
  }

  // INT
  uint32_t int_data() const { return extra_[0]; }
  uint8_t int_encoding() const { return (extra_[0] >> 24) & 0x0f; }
  uint8_t int_offset() const { return (extra_[0] >> 16) & 0xff; }
  uint8_t int_bits() const { return extra_[0] & 0xff; }
  // ARRAY
  const Array &array() const { return *reinterpret_cast<const Array *>(extra_); }
  // STRUCT, UNION
  std::span<const Member> members() const { return {as<Member>(), vlen()}; }
  // FUNC_PROTO
  std::span<const Param> params() const { return {as<Param>(), vlen()}; }
  // ENUM (signed when kflag), ENUM64
  std::span<const Enum> enums() const { return {as<Enum>(), vlen()}; }
  std::span<const Enum64> enum64s() const { return {as<Enum64>(), vlen()}; }
  // DATASEC
  std::span<const VarSecinfo> secinfos() const { return {as<VarSecinfo>(), vlen()}; }
  // VAR
  uint32_t var_linkage() const { return extra_[0]; }
  // FUNC: linkage lives in vlen
  uint32_t func_linkage() const { return vlen(); }  // all vlen bits: 7.x libbpf reads 24
  // DECL_TAG: -1 for the type itself, else member/param index
  int32_t component_idx() const { return static_cast<int32_t>(extra_[0]); }
  // FWD: union when kflag
  bool fwd_is_union() const { return kflag(); }

  // The raw payload words (length payload_words(kind, vlen); for a kind this reader does not
  // know, what the layout section says: Btf::layout()).
  std::span<const uint32_t> payload() const;

 private:
  template <typename T>
  const T *as() const {
    return reinterpret_cast<const T *>(extra_);
  }
  const Btf *btf_;
  uint32_t id_;
  const RawType *raw_;
  const uint32_t *extra_;
};

// Header fields as read (written back as they were, except the section offsets/lengths).
struct Header {
  uint16_t magic = kMagic;
  uint8_t version = 1;
  uint8_t flags = 0;
  uint32_t hdr_len = 24;
  uint32_t type_off = 0, type_len = 0, str_off = 0, str_len = 0;
  uint32_t layout_off = 0, layout_len = 0;  // 7.x: hdr_len >= 32
};

// Builder inputs.
struct NewMember {
  std::string_view name;
  uint32_t type;
  uint32_t bit_offset;
  uint8_t bitfield_size = 0;  // any nonzero bitfield_size sets the struct's kflag
};
struct NewParam {
  std::string_view name;
  uint32_t type;
};
struct NewEnum {
  std::string_view name;
  int64_t val;
};

class Btf {
 public:
  // An empty base BTF (only "" in strings), or an empty split BTF on `base`.
  explicit Btf(bool big_endian = false);
  static Btf new_split(const Btf &base);

  // Reads a .BTF blob. `where` names it in errors ("vmlinux.o: .BTF"). With `base`, the blob is
  // split BTF continuing base's ids and strings; base must outlive this Btf and share its byte
  // order. Throws kfb::Error "<where>+0x<off>: [id] KIND 'name': <why>".
  static Btf parse(std::span<const uint8_t> bytes, std::string where, const Btf *base = nullptr);
  // parse() of a base BTF that is mostly read for its split or looked up by name (the vmlinux
  // under a module: emit of a module without kfuncs needs none of its 126,000 types).
  // Reads the header and counts the types; the strings are read in place (`bytes` must
  // outlive this Btf). The first look at a type reads the records in place too (one walk: their
  // places and every name offset; no copy), or, in the other byte order, parses them; either
  // throws what parse() would. A check target is read so as well: check and the kernel both
  // take a kernel's BTF as its build wrote it. Thread-safe.
  static Btf parse_deferred(std::span<const uint8_t> bytes, std::string where);

  Btf(Btf &&) noexcept;
  Btf &operator=(Btf &&) noexcept;
  Btf(const Btf &);  // deep copy (indexes not copied)
  Btf &operator=(const Btf &);
  ~Btf();

  // Serializes: header (hdr_len bytes, extra header bytes kept), types, strings; the byte order
  // of the input. Deterministic.
  std::vector<uint8_t> write() const;

  // --- identity
  const Btf *base() const { return base_; }
  bool is_split() const { return base_ != nullptr; }
  uint32_t start_id() const { return start_id_; }          // 1 for base, base->type_cnt() for split
  uint32_t type_cnt() const { return start_id_ + own_type_cnt(); }
  uint32_t own_type_cnt() const {
    return deferred_ ? deferred_->cnt : static_cast<uint32_t>(types_.size());
  }
  uint32_t start_str_off() const { return start_str_off_; }  // base's str_len for split
  bool big_endian() const { return big_endian_; }
  bool swapped() const;  // file order differs from the host's
  const Header &header() const { return hdr_; }
  const std::string &where() const { return where_; }
  // Own string section bytes (without base), exactly as they will be written.
  std::string_view strings() const { return deferred_ ? deferred_->strs : std::string_view(strs_); }
  uint32_t str_len() const { return static_cast<uint32_t>(strings().size()); }  // own

  // parse_deferred: false until a look at a type walked (or parsed) the records; true for every
  // other Btf. For tests that a path leaves a trusted base unread (not while another thread may
  // be the first to look).
  bool records_read() const {
    return !deferred_ || view_cnt_.load(std::memory_order_acquire) != 0 || !types_.empty();
  }

  // --- access
  bool valid_id(uint32_t id) const { return id < type_cnt(); }
  Type type(uint32_t id) const;  // any id < type_cnt(), base ids delegate; 0 is void; throws else
                                 // (inline for own ids: the diff asks ~2 million times)
  // NUL-terminated string at `off` (base offsets resolve in split BTF); throws when out of range.
  std::string_view str(uint32_t off) const;  // inline for own strings (every name pass asks)
  // The same bytes NUL-terminated without measuring them: a pass over every name that tests a
  // name's first bytes needs no strlen of the 126,000 names that fail it.
  const char *str_c(uint32_t off) const;
  bool valid_str(uint32_t off) const;
  std::string_view name(uint32_t id) const { return type(id).name(); }
  // Byte offset of own type `id`'s record from the start of the blob as it was read
  // (hdr_len + type_off + position), for messages "file: .BTF+0x1a2c: [id] ..."; for types
  // added or moved since, where write() puts it. Built lazily (one pass) on first use.
  uint32_t type_offset(uint32_t id) const;

  // Calls fn(id, head) for every own type in id order; head holds name_off, info and
  // size_or_type (the payload: type(id)). The passes over all 126,000 types of a vmlinux that
  // look at a kind or a name first, without building a Type for each.
  template <typename Fn>
  void for_each_head(Fn &&fn) const;

  // The first own id whose name sorts before the name of the type before it (strcmp's byte
  // order, "" first: resolve_btfids' order, which the 7.x kernel trusts vmlinux BTF to be in),
  // or 0 when every own type is in that order.
  uint32_t first_unsorted_by_name() const;

  // --- indexes (built lazily on first use, kept up to date by add_*; thread-safe to query)
  // All ids (base first, ascending) with this name and kind.
  std::vector<uint32_t> find(std::string_view name, Kind kind) const;
  uint32_t find_first(std::string_view name, Kind kind) const;  // 0 when none
  // DECL_TAG ids (own and base, ascending) whose type() is `id`, any component_idx.
  std::vector<uint32_t> decl_tags_of(uint32_t id) const;
  // Offset of an existing string (base strings first in split BTF), or -1.
  int64_t find_str(std::string_view s) const;

  // --- builder (appends; every add returns the new type id; throws kfb::Error when the id
  // space (kMaxTypeId) is full or a vlen exceeds 0xffff)
  uint32_t add_str(std::string_view s);  // deduplicated; "" is offset 0
  uint32_t add_int(std::string_view name, uint32_t size, uint8_t encoding, uint8_t bits,
                   uint8_t offset = 0);
  uint32_t add_ptr(uint32_t type);
  uint32_t add_const(uint32_t type);
  uint32_t add_volatile(uint32_t type);
  uint32_t add_restrict(uint32_t type);
  uint32_t add_typedef(std::string_view name, uint32_t type);
  // kflag: a type attribute (`__attribute__((value))`, libbpf's btf__add_type_attr), as
  // resolve_btfids 7.3's address_space(1) on arena pointers.
  uint32_t add_type_tag(std::string_view value, uint32_t type, bool kflag = false);
  uint32_t add_fwd(std::string_view name, bool is_union);
  uint32_t add_array(uint32_t elem_type, uint32_t index_type, uint32_t nelems);
  uint32_t add_struct(std::string_view name, uint32_t size, std::span<const NewMember> members);
  uint32_t add_union(std::string_view name, uint32_t size, std::span<const NewMember> members);
  uint32_t add_enum(std::string_view name, uint32_t size, std::span<const NewEnum> values,
                    bool is_signed = false);
  uint32_t add_enum64(std::string_view name, uint32_t size, std::span<const NewEnum> values,
                      bool is_signed = false);
  uint32_t add_func(std::string_view name, uint16_t linkage, uint32_t proto);
  uint32_t add_func_proto(uint32_t ret, std::span<const NewParam> params);
  uint32_t add_var(std::string_view name, uint32_t type, uint32_t linkage);
  uint32_t add_datasec(std::string_view name, uint32_t size, std::span<const VarSecinfo> vars);
  uint32_t add_float(std::string_view name, uint32_t size);
  uint32_t add_decl_tag(std::string_view value, uint32_t type, int32_t component_idx,
                        bool kflag = false);
  // The layout section (7.x, `struct btf_layout` per kind), empty when there is none; written
  // back between the types and the strings.
  std::span<const uint8_t> layout() const { return layout_; }
  // Any record: head fields as in the file, payload of payload_words(kind, vlen) words.
  uint32_t add_raw(uint32_t name_off, uint32_t info, uint32_t size_or_type,
                   std::span<const uint32_t> payload);
  // Copies type `id` of `from` (which may be this Btf) with its strings re-added here.
  // Type ids inside are kept as they are.
  uint32_t add_copy(const Btf &from, uint32_t id);

  // --- mutation of existing own types
  void set_type(uint32_t id, uint32_t new_type);  // size_or_type of a FUNC, PTR, TYPEDEF, ...
  void set_name_off(uint32_t id, uint32_t name_off);
  // Calls fn on every type-id field of own types (size_or_type where it is a type, member/param
  // types, array elem/index, secinfo types, decl/type tag targets); fn may change it.
  void for_each_type_ref(const std::function<void(uint32_t &type_id)> &fn);
  void for_each_type_ref(uint32_t id, const std::function<void(uint32_t &type_id)> &fn);
  // Reorders own types: new_order[i] is the old id of the type that gets id start_id()+i (a
  // permutation of own ids); every reference to a moved own id is remapped.
  void permute(std::span<const uint32_t> new_order);

 private:
  friend class Type;
  struct Index;
  Type type_other(uint32_t id) const;  // type() of void, base and invalid ids
  const char *str_other(uint32_t off) const;  // str_c() of base and invalid offsets
  uint32_t push(uint32_t name_off, uint32_t info, uint32_t size_or_type,
                std::span<const uint32_t> payload);
  uint32_t add_composite(Kind k, std::string_view name, uint32_t size,
                         std::span<const NewMember> members);
  void invalidate();
  Index &index() const;
  // parse_deferred: what is read at once, and the rest of parse() on first use (materialize;
  // own_all before a mutation also drops the deferred state).
  static Btf parse_impl(std::span<const uint8_t> bytes, std::string where, const Btf *base, bool deferred);
  struct Deferred {
    std::span<const uint8_t> bytes;
    std::string_view strs;  // the own string section, in place (ends with a NUL)
    uint32_t cnt = 0;       // own types
    std::once_flag once, view_once;
    std::vector<uint32_t> offs;  // view_in_place: word offset of own record i in the type section
  };
  void materialize() const;
  // The deferred types read where they are: one walk records each record's place and checks
  // every name offset as parse() does; false when it cannot (other byte order, a misaligned
  // type section, a bad name: materialize() then parses them or says what is wrong).
  bool view_in_place() const;
  void own_all();
  RawType &own(uint32_t id);

  const Btf *base_ = nullptr;
  uint32_t start_id_ = 1;
  uint32_t start_str_off_ = 0;
  bool big_endian_ = false;
  Header hdr_;
  std::vector<uint8_t> hdr_extra_;  // header bytes past the ones we know (24, or 32 with layout)
  bool layout_hdr_ = false;         // the header has layout_off/layout_len (hdr_len >= 32)
  std::vector<uint8_t> layout_;     // the layout section: 4 bytes per kind (info_sz, elem_sz, flags)
  // Payload words of a record: payload_words() for the kinds we know, the layout for others.
  int words_of(uint32_t info) const;
  std::string where_;
  std::vector<RawType> types_;  // own types; types_[i] has id start_id_ + i
  std::vector<uint32_t> payload_;
  std::string strs_;  // own string section; std::string keeps a NUL after the end
  mutable std::unique_ptr<Index> index_;
  std::unique_ptr<Deferred> deferred_;
  // parse_deferred's records in place once view_in_place() ran: the type section and the
  // offsets; view_cnt_ (own types, 0 before) is stored last, so a reader that sees it sees both.
  mutable const uint8_t *view_types_ = nullptr;
  mutable const uint32_t *view_offs_ = nullptr;
  mutable std::atomic<uint32_t> view_cnt_{0};
};

inline const char *Btf::str_c(uint32_t off) const {
  std::string_view own = strings();  // NUL-terminated: std::string's, or a section ending with one
  if (off >= start_str_off_ && off - start_str_off_ < own.size()) return own.data() + (off - start_str_off_);
  return str_other(off);
}

inline std::string_view Btf::str(uint32_t off) const { return str_c(off); }

template <typename Fn>
void Btf::for_each_head(Fn &&fn) const {
  uint32_t n = own_type_cnt();
  if (!n) return;
  (void)type(start_id_);  // a deferred BTF: its records in place (or parsed) first
  if (!types_.empty()) {
    for (uint32_t i = 0; i < n; i++) fn(start_id_ + i, types_[i]);
    return;
  }
  const uint8_t *ts = view_types_;
  const uint32_t *offs = view_offs_;
  for (uint32_t i = 0; i < n; i++) fn(start_id_ + i, *reinterpret_cast<const RawType *>(ts + 4 * size_t{offs[i]}));
}

inline std::string_view Type::name() const { return btf_->str(raw_->name_off); }
inline const char *Type::name_c() const { return btf_->str_c(raw_->name_off); }

inline Type Btf::type(uint32_t id) const {
  uint32_t local = id - start_id_;
  if (id >= start_id_ && local < types_.size()) {
    const RawType &r = types_[local];
    return Type(this, id, &r, payload_.data() + r.extra);
  }
  if (id >= start_id_ && local < view_cnt_.load(std::memory_order_acquire)) {
    // A record in place: its 12-byte head is RawType's first three words (nothing reads extra).
    const uint8_t *rec = view_types_ + 4 * size_t{view_offs_[local]};
    return Type(this, id, reinterpret_cast<const RawType *>(rec), reinterpret_cast<const uint32_t *>(rec + 12));
  }
  return type_other(id);
}

}  // namespace kfb::btf
