// The kernel's BTF loader, re-derived from the rules in kernel/bpf/btf.c of Linux 6.1, 6.18, 7.2
// and 7.3 (7.2 and 7.3 share one rule set: loader.h).
//
// Design
// ------
// The point of the loader is to fail exactly where the kernel fails, with the kernel's text, so it
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
//
// Files: loader_impl.h (what the pieces share), loader_log.cc (the log text), loader_header.cc
// (1, 2), loader_meta.cc (3), loader_resolve.cc (4), loader_struct.cc (5, 6); this file runs them.
#include "check/loader.h"

#include <algorithm>
#include <cerrno>

#include "check/loader_impl.h"
#include "support/error.h"

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

namespace detail {

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

LoaderResult Loader::run_trusted(uint32_t nr_types) {
  if (parse_hdr() || parse_str_sec()) return res_;
  trusted_ = true;
  // The count the caller's own read of the base found: the walk waits for a lookup.
  if (nr_types) {
    trusted_cnt_ = std::min(nr_types, kMaxType);
    return res_;
  }
  trusted_walk();
  return res_;
}

// The one walk over a trusted base's types: their count, and where every kTrustedStride-th
// one starts.
void Loader::trusted_walk() const {
  uint64_t at = uint64_t(hdr_.hdr_len) + hdr_.type_off, end = at + hdr_.type_len;
  uint32_t n = 1;  // void
  for (; at + 12 <= end; n++) {
    if ((n - 1) % kTrustedStride == 0) trusted_offs_.push_back(static_cast<uint32_t>(at));
    uint32_t info = rd32(at + 4), kind = (info >> 24) & 0x7f;
    if (kind == UNKN || kind > KIND_MAX)
      throw Error(strfmt("base BTF is not valid: %s+0x%llx: [%u] Invalid kind:%u", where_.c_str(),
                         static_cast<unsigned long long>(at + 4), n, kind));
    at += 12 + uint64_t{extra_size(info)};
  }
  if (at != end)
    throw Error(strfmt("base BTF is not valid: %s+0x%llx: [%u] cut short by the end of the type section",
                       where_.c_str(), static_cast<unsigned long long>(std::min(at, end)), n));
  // The kernel's type array stops at 0xfffff entries, void included (check_all_metas).
  if (!trusted_cnt_) trusted_cnt_ = std::min(n, kMaxType);
}

const Ty *Loader::trusted_ty(uint32_t id) const {
  static const Ty kVoid{};
  if (id >= trusted_cnt_) return nullptr;
  if (id == 0) return &kVoid;
  auto [it, fresh] = trusted_seen_.try_emplace(id);
  if (fresh) {
    if (trusted_offs_.empty()) trusted_walk();
    uint32_t k = (id - 1) / kTrustedStride;
    if (k >= trusted_offs_.size()) {  // a count from the caller that the bytes do not have
      trusted_seen_.erase(it);
      return nullptr;
    }
    uint64_t at = trusted_offs_[k];
    for (uint32_t i = k * kTrustedStride + 1; i < id; i++) at += 12 + uint64_t{extra_size(rd32(at + 4))};
    Ty &t = it->second;
    t.off = static_cast<uint32_t>(at);
    t.name_off = rd32(at);
    t.info = rd32(at + 4);
    t.size_type = rd32(at + 8);
  }
  return &it->second;
}

}  // namespace detail

LoaderResult check_loader(std::span<const uint8_t> blob, const CheckOptions &opts) {
  if (opts.mode == LoaderMode::Module) {
    CheckOptions bo;
    bo.mode = LoaderMode::Vmlinux;
    bo.kernel = opts.kernel;
    bo.where = opts.base_where;
    detail::Loader base(opts.base, bo, nullptr);
    LoaderResult br = opts.base_trusted ? base.run_trusted(opts.base_type_cnt) : base.run();
    if (!br.ok)
      throw Error(strfmt("base BTF is not valid: %s", format_finding(br, bo).c_str()));
    detail::Loader l(blob, opts, &base);
    return l.run();
  }
  detail::Loader l(blob, opts, nullptr);
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
