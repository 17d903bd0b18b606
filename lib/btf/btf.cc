// The BTF model: kinds, type views, construction, access, and the indexes. The reader is
// read.cc, the writer write.cc, the builder and mutation build.cc.
//
// Split BTF: its ids start at base->type_cnt() and its string offsets at the base's string
// end (start_str_off). A split blob read without its base cannot resolve names: its string
// section does not start with the empty string (libbpf and pahole write split strings with no
// leading NUL, while base BTF always starts with one), so that is refused with a hint to -B.
//
// Indexes (names, decl tags, strings) are open-addressing tables of ids/offsets with per-type
// "next" chains, so one lookup costs one hash and no per-type allocation; they are built on
// first query under a mutex and then extended in place by add_*.
#include "btf/btf.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>

#include "btf/btf_impl.h"
#include "support/endian.h"
#include "support/error.h"

namespace kfb::btf {

using namespace detail;

namespace {

const char *const kKindNames[] = {
    "UNKN",    "INT",      "PTR",   "ARRAY",    "STRUCT",     "UNION",   "ENUM",
    "FWD",     "TYPEDEF",  "VOLATILE", "CONST", "RESTRICT",   "FUNC",    "FUNC_PROTO",
    "VAR",     "DATASEC",  "FLOAT", "DECL_TAG", "TYPE_TAG",   "ENUM64",
};

const RawType kVoidType{};
const uint32_t kZeroPayload[4] = {0, 0, 0, 0};

}  // namespace

const char *kind_name(Kind k) {
  unsigned i = static_cast<unsigned>(k);
  return i <= kKindMax ? kKindNames[i] : "UNKNOWN";
}

std::span<const uint32_t> Type::payload() const {
  int w = btf_ ? btf_->words_of(raw_->info) : payload_words(kind_raw(), vlen());
  return {extra_, static_cast<size_t>(std::max(0, w))};
}

int Btf::words_of(uint32_t info) const {
  unsigned k = info_kind(info);
  if (k <= kKindMax || layout_.size() < 4 * (size_t{k} + 1)) return payload_words(k, info_vlen(info));
  size_t bytes = layout_[4 * k] + size_t{layout_[4 * k + 1]} * info_vlen(info);
  return bytes % 4 ? -1 : static_cast<int>(bytes / 4);
}

// ---------------------------------------------------------------------------------------------
// Indexes

Btf::Index &Btf::index() const {
  if (!index_) index_ = std::make_unique<Index>();
  return *index_;
}

void Btf::invalidate() {
  if (index_) index_->reset();
}

// ---------------------------------------------------------------------------------------------
// Deferred parsing (parse_deferred): the rest of parse() on first use

void Btf::materialize() const {
  if (!deferred_) return;
  std::call_once(deferred_->once, [this] {
    Btf full = parse(deferred_->bytes, where_, base_);
    Btf &self = const_cast<Btf &>(*this);  // created non-const; the types are a cache of the bytes
    self.types_ = std::move(full.types_);
    self.payload_ = std::move(full.payload_);
    self.strs_ = std::move(full.strs_);
  });
}

void Btf::own_all() {
  materialize();
  view_cnt_.store(0, std::memory_order_relaxed);
  view_types_ = nullptr, view_offs_ = nullptr;
  deferred_.reset();
}

uint32_t Btf::type_offset(uint32_t id) const {
  materialize();
  if (id < start_id_ || id - start_id_ >= types_.size())
    throw Error(strfmt("%s: type id %u is not one of this BTF's own types", where_.c_str(), id));
  Index &ix = index();
  if (!ix.offs_built.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> g(ix.mu);
    if (!ix.offs_built.load(std::memory_order_relaxed)) {
      ix.offs.resize(types_.size());
      uint64_t off = uint64_t{hdr_.hdr_len} + hdr_.type_off;
      for (size_t i = 0; i < types_.size(); i++) {
        ix.offs[i] = static_cast<uint32_t>(off);
        const RawType &r = types_[i];
        off += 12 + 4 * static_cast<uint64_t>(std::max(0, words_of(r.info)));
      }
      ix.offs_built.store(true, std::memory_order_release);
    }
  }
  return ix.offs[id - start_id_];
}

std::vector<uint32_t> Btf::find(std::string_view name, Kind kind) const {
  std::vector<uint32_t> out;
  if (base_) out = base_->find(name, kind);
  Index &ix = index();
  if (!ix.names_built.load(std::memory_order_acquire)) {
    if (own_type_cnt()) (void)type(start_id_);  // a deferred BTF: in place (or parsed) first
    std::lock_guard<std::mutex> g(ix.mu);
    if (!ix.names_built.load(std::memory_order_relaxed)) {
      ix.name_head.assign(pow2_at_least(own_type_cnt() * size_t{2} + 2), 0);
      ix.name_tail.assign(ix.name_head.size(), 0);
      ix.name_next.assign(own_type_cnt(), 0);
      ix.name_keys = 0;
      for (uint32_t id = start_id_; id < type_cnt(); id++)
        name_insert(*this, ix.name_head, ix.name_tail, ix.name_next, ix.name_keys, id);
      ix.names_built.store(true, std::memory_order_release);
    }
  }
  unsigned k = static_cast<unsigned>(kind);
  size_t mask = ix.name_head.size() - 1;
  size_t s = name_kind_hash(name, k) & mask;
  while (ix.name_head[s]) {
    Type h = type(ix.name_head[s]);
    if (h.kind_raw() == k && h.name() == name) {
      for (uint32_t id = ix.name_head[s]; id; id = ix.name_next[id - start_id_]) out.push_back(id);
      break;
    }
    s = (s + 1) & mask;
  }
  return out;
}

uint32_t Btf::find_first(std::string_view name, Kind kind) const {
  std::vector<uint32_t> ids = find(name, kind);
  return ids.empty() ? 0 : ids.front();
}

std::vector<uint32_t> Btf::decl_tags_of(uint32_t target) const {
  std::vector<uint32_t> out;
  if (base_ && target < base_->type_cnt()) out = base_->decl_tags_of(target);
  Index &ix = index();
  if (!ix.tags_built.load(std::memory_order_acquire)) {
    if (own_type_cnt()) (void)type(start_id_);
    std::lock_guard<std::mutex> g(ix.mu);
    if (!ix.tags_built.load(std::memory_order_relaxed)) {
      ix.tag_head.assign(type_cnt(), 0);
      ix.tag_tail.assign(type_cnt(), 0);
      ix.tag_next.assign(own_type_cnt(), 0);
      for (uint32_t id = start_id_; id < type_cnt(); id++)
        tag_insert(*this, ix.tag_head, ix.tag_tail, ix.tag_next, id);
      ix.tags_built.store(true, std::memory_order_release);
    }
  }
  if (target < ix.tag_head.size())
    for (uint32_t id = ix.tag_head[target]; id; id = ix.tag_next[id - start_id_]) out.push_back(id);
  return out;
}

int64_t Btf::find_str(std::string_view s) const {
  if (base_) {
    int64_t off = base_->find_str(s);
    if (off >= 0) return off;
  }
  materialize();
  Index &ix = index();
  if (!ix.strs_built.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> g(ix.mu);
    if (!ix.strs_built.load(std::memory_order_relaxed)) {
      size_t n = 0;
      for (size_t i = 0; i < strs_.size(); i++)
        if (strs_[i] == 0) n++;
      ix.str_slots.assign(pow2_at_least(n * 2 + 2), 0);
      ix.str_count = 0;
      for (size_t off = 0; off < strs_.size();) {
        str_slot_insert(ix.str_slots, strs_, static_cast<uint32_t>(off));
        ix.str_count++;
        off += std::strlen(strs_.data() + off) + 1;
      }
      ix.strs_built.store(true, std::memory_order_release);
    }
  }
  if (s.find('\0') != std::string_view::npos) return -1;
  size_t mask = ix.str_slots.size() - 1;
  size_t i = hash::bytes64(s) & mask;
  while (ix.str_slots[i]) {
    uint32_t local = ix.str_slots[i] - 1;
    if (std::string_view(strs_.data() + local) == s) return start_str_off_ + local;
    i = (i + 1) & mask;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Construction, copying

Btf::Btf(bool big_endian)
    : big_endian_(big_endian), where_("(new BTF)"), strs_(1, '\0'), index_(std::make_unique<Index>()) {}

Btf Btf::new_split(const Btf &base) {
  Btf b(base.big_endian());
  b.base_ = &base;
  b.start_id_ = base.type_cnt();
  b.start_str_off_ = base.start_str_off() + base.str_len();
  b.strs_.clear();
  b.hdr_.version = base.hdr_.version;
  b.hdr_.flags = base.hdr_.flags;
  b.where_ = "(new split BTF)";
  return b;
}

Btf::Btf(Btf &&o) noexcept { *this = std::move(o); }

Btf &Btf::operator=(Btf &&o) noexcept {
  deferred_ = std::move(o.deferred_);
  base_ = o.base_;
  start_id_ = o.start_id_;
  start_str_off_ = o.start_str_off_;
  big_endian_ = o.big_endian_;
  hdr_ = o.hdr_;
  hdr_extra_ = std::move(o.hdr_extra_);
  layout_hdr_ = o.layout_hdr_;
  layout_ = std::move(o.layout_);
  where_ = std::move(o.where_);
  types_ = std::move(o.types_);
  payload_ = std::move(o.payload_);
  strs_ = std::move(o.strs_);
  index_ = std::move(o.index_);
  view_types_ = o.view_types_;
  view_offs_ = o.view_offs_;
  view_cnt_.store(o.view_cnt_.load(std::memory_order_acquire), std::memory_order_release);
  o.view_cnt_.store(0, std::memory_order_relaxed);
  return *this;
}

Btf::Btf(const Btf &o) { *this = o; }

Btf &Btf::operator=(const Btf &o) {
  if (this == &o) return *this;
  o.materialize();
  deferred_.reset();
  view_cnt_.store(0, std::memory_order_relaxed);
  view_types_ = nullptr, view_offs_ = nullptr;
  base_ = o.base_;
  start_id_ = o.start_id_;
  start_str_off_ = o.start_str_off_;
  big_endian_ = o.big_endian_;
  hdr_ = o.hdr_;
  hdr_extra_ = o.hdr_extra_;
  layout_hdr_ = o.layout_hdr_;
  layout_ = o.layout_;
  where_ = o.where_;
  types_ = o.types_;
  payload_ = o.payload_;
  strs_ = o.strs_;
  index_ = std::make_unique<Index>();
  return *this;
}

Btf::~Btf() = default;

bool Btf::swapped() const { return big_endian_ != kHostBigEndian; }

// ---------------------------------------------------------------------------------------------
// Access

Type Btf::type_other(uint32_t id) const {
  if (deferred_ && id >= start_id_ && id < type_cnt()) {
    std::call_once(deferred_->view_once, [this] {
      if (!view_in_place()) materialize();
    });
    return type(id);
  }
  if (id < start_id_) {
    if (base_) return base_->type(id);
    if (id == 0) return Type(this, 0, &kVoidType, kZeroPayload);
  }
  throw Error(strfmt("%s: type id %u out of range (type_cnt %u)", where_.c_str(), id, type_cnt()));
}

bool Btf::valid_str(uint32_t off) const {
  if (off < start_str_off_) return base_ && base_->valid_str(off);
  uint32_t local = off - start_str_off_;
  std::string_view own = strings();
  return local < own.size() || (off == 0 && own.empty());
}

const char *Btf::str_other(uint32_t off) const {
  if (off < start_str_off_ && base_) return base_->str_c(off);
  std::string_view own = strings();
  if (off == 0 && !base_) return "";
  throw Error(strfmt("%s: string offset 0x%x out of range (strings end at 0x%zx)", where_.c_str(),
                     off, start_str_off_ + own.size()));
}

RawType &Btf::own(uint32_t id) {
  own_all();
  if (id < start_id_ || id - start_id_ >= types_.size())
    throw Error(strfmt("%s: cannot change type id %u: not one of this BTF's own types [%u, %u)",
                       where_.c_str(), id, start_id_, type_cnt()));
  return types_[id - start_id_];
}

}  // namespace kfb::btf
