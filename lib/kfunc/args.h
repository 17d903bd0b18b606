// Per-argument flags of a kfunc (man kfuncbtf(1), PER-ARGUMENT FLAGS): name suffixes, types,
// kfunc-wide flags, and rules.
//
//   kfb::kfunc::SuffixSplit s = kfb::kfunc::split_suffixes("p__arena__nullable");
//   s.base == "p"; s.flags == (kfb::kfunc::ARG_ARENA | kfb::kfunc::ARG_NULLABLE);
//
//   kfb::kfunc::Kfunc k = ...;               // name, flags, params with name and type filled
//   kfb::kfunc::derive_arg_flags(k, diags);  // fills base, suffix_flags, flags, implicit, ret.flags
//   // rule violations: diags gets errors like
//   //   "testdata/src/helpers.c:88: bpf_bad: arg 'cookie__magic': implicit argument must be a pointer"
//
// Suffixes are read from the right while the last "__<word>" is a known suffix; a name that is
// only a suffix ("__sz") has none. Under KF_IMPLICIT_ARGS a parameter whose type, skipping
// const/volatile/restrict/type_tag but not typedefs, points to struct bpf_prog_aux or struct
// btf_struct_meta is implicit. KF_RELEASE marks arg 0 release; KF_RCU marks every pointer
// argument (typedefs to pointers count) rcu except implicit and ignored ones; KF_ARENA_ARG1/2
// mark arg 0/1 arena. Return flags: KF_ACQUIRE acquire, KF_RET_NULL nullable, KF_ARENA_RET arena.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "kfunc/kfunc.h"

namespace kfb::kfunc {

struct SuffixSplit {
  std::string base;
  uint32_t flags = 0;  // ARG_*
};
SuffixSplit split_suffixes(std::string_view name);

// Struct names whose pointers are implicit under KF_IMPLICIT_ARGS.
bool is_implicit_struct(std::string_view name);

void derive_arg_flags(Kfunc &k, DiagSink &diags);

}  // namespace kfb::kfunc
