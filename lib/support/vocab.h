// The kernel's vocabulary: the names and limits kfuncbtf shares with the kernel, pahole and
// resolve_btfids, in one place (every other file uses these, never its own spelling).
//
//   if (tag == kfb::vocab::kKfuncTag) ...
//   std::string twin = name + std::string(kfb::vocab::kImplSuffix);
//
// The KF_* flag names and bits are kfunc/flags.h's (include/linux/btf.h).
#pragma once

#include <cstddef>
#include <string_view>

namespace kfb::vocab {

// KSYM_NAME_LEN, include/linux/kallsyms.h (and tools/include/linux/kallsyms.h, which
// resolve_btfids uses): 512 since Linux 6.1. A name plus its NUL must fit: the loader refuses a
// longer identifier (btf_name_valid_identifier), resolve_btfids a longer twin name (-E2BIG).
inline constexpr size_t kKsymNameLen = 512;

// Decl tags on kfunc FUNCs: pahole's decl_tag_kfuncs and resolve_btfids 7.x write these two.
inline constexpr std::string_view kKfuncTag = "bpf_kfunc";
inline constexpr std::string_view kFastcallTag = "bpf_fastcall";

// The FUNC the verifier sees for a kfunc with implicit arguments (KF_IMPL_SUFFIX of
// resolve_btfids 7.3).
inline constexpr std::string_view kImplSuffix = "_impl";

// kfuncbtf's extension tags (man page, WHAT EMIT WRITES): per argument, on the return value,
// the callbacks that may call a kfunc, the callbacks a kfunc may invoke.
inline constexpr std::string_view kArgTagPrefix = "bpf_kfunc_arg:";
inline constexpr std::string_view kRetTagPrefix = "bpf_kfunc_ret:";
inline constexpr std::string_view kScopeTagPrefix = "bpf_kfunc_scope:";
inline constexpr std::string_view kCallsTagPrefix = "bpf_kfunc_calls:";
// The program-type hooks a kfunc's sets are registered for (register_btf_kfunc_id_set), as
// "bpf_kfunc_hooks:<hook>,<hook>" ("none": no call hook). Hook names are the kernel's
// BTF_KFUNC_HOOK_* in lower case, in its order; "common" (BPF_PROG_TYPE_UNSPEC) is every type.
inline constexpr std::string_view kHooksTagPrefix = "bpf_kfunc_hooks:";
inline constexpr std::string_view kKfuncHooks[] = {"common", "xdp",    "tc",        "struct_ops",    "tracing",
                                                   "syscall", "cgroup", "sched_act", "sk_skb",        "socket_filter",
                                                   "lwt",    "netfilter", "kprobe", "none"};

}  // namespace kfb::vocab
