// The kernel's BTF loader rules (kernel/bpf/btf.c, btf_parse and friends), run on raw bytes.
//
//   #include "check/loader.h"
//
//   kfb::check::CheckOptions o;                      // user BTF (BPF_BTF_LOAD), kernel 6.18
//   o.where = "vmlinux.o: .BTF";
//   kfb::check::LoaderResult r = kfb::check::check_loader(bytes, o);
//   if (!r.ok)
//     printf("%s\n", kfb::check::format_finding(r).c_str());
//       // vmlinux.o: .BTF+0x1a2c: [5] STRUCT 'foo': member 'bar': Invalid member
//   r.err           // 22 (EINVAL): what bpf(BPF_BTF_LOAD) would return
//   r.kernel_log    // "[5] STRUCT foo size=8 vlen=1\n\tbar type_id=3 bits_offset=0 Invalid member\n"
//
//   o.mode = kfb::check::LoaderMode::Module;         // split BTF on top of a base
//   o.base = vmlinux_bytes;
//   o.base_trusted = true;                           // vmlinux: not checked again (the kernel's way)
//
// The checker does its own parse in the kernel's order (header, strings, check_meta per type,
// the resolve pass, type-tag chains, struct metas) because the order decides which message
// the kernel prints first. It reports the FIRST failure, exactly as the kernel would: errno and
// the verifier-log text. It never throws on bad input; it throws kfb::Error only when it
// cannot run at all (a module's base BTF that is itself unreadable).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "kfunc/kernel.h"

namespace kfb::check {

enum class LoaderMode { User, Vmlinux, Module };
// Rule sets by kernel version: the kernel-version policy's (kfunc/kernel.h).
using KernelVersion = kfunc::LoaderRules;

struct CheckOptions {
  LoaderMode mode = LoaderMode::User;
  KernelVersion kernel = KernelVersion::V7_3;
  std::span<const uint8_t> base;  // Module mode: the base (vmlinux) BTF bytes
  // Module mode: the base is the kernel's own BTF (vmlinux, checked when it was emitted and by
  // the kernel at boot), which btf_parse_module takes as it is: its header and string section
  // are read and its types counted, not checked again. Not for a distilled base (.BTF.base),
  // which the kernel checks with the module (btf_parse_base).
  bool base_trusted = false;
  uint32_t base_type_cnt = 0;  // base_trusted: its type count with void, when the caller knows it
  std::string where = "<input>: .BTF";  // message prefix: "file: .BTF"
  std::string base_where = "base: .BTF";  // the base's prefix: "vmlinux: .BTF", "m.ko: .BTF.base"
  size_t section_offset = 0;            // offset of the blob inside its file section
};

// Errno values the loader produces. ENOTSUPP is the kernel-internal 524.
constexpr int kENOTSUPP = 524;
const char *errno_name(int err);

struct LoaderResult {
  bool ok = true;
  int err = 0;               // positive errno (EINVAL, E2BIG, EEXIST, ELOOP, kENOTSUPP, EFAULT)
  std::string rule;          // "loader-header", "loader-strings", "loader-meta", "loader-resolve",
                             // "loader-type-tags", "loader-struct-meta"
  uint32_t type_id = 0;      // the log's type id (0 when not about a type)
  std::string kind;          // "STRUCT", ... or empty
  std::string name;          // the type's name (raw bytes) or empty
  std::string message;       // the reason, with member/arg context: "member 'bar': Invalid member"
  std::string reason;        // the kernel's reason alone: "Invalid member"
  std::string kernel_log;    // exactly what the kernel writes to the verifier log for this
                             // failure (may span two lines; empty when the kernel logs nothing)
  size_t offset = 0;         // byte offset inside the blob (type, member, vsi or header field)
  uint32_t nr_types = 0;     // types accepted by check_meta (without void)
  std::vector<std::string> notes;  // non-fatal kernel messages ("Exceeded max num of types")
};

LoaderResult check_loader(std::span<const uint8_t> blob, const CheckOptions &opts);

// "file: .BTF+0xOFF: [id] KIND 'name': message" (drgn style; the kernel's text last).
std::string format_finding(const LoaderResult &r, const CheckOptions &opts);

}  // namespace kfb::check
