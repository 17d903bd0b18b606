// KF_* kfunc flags (man kfuncbtf(1), KF FLAGS) and per-argument / return-value flags
// (PER-ARGUMENT FLAGS there), with names.
//
//   uint32_t f = kfb::kfunc::KF_ACQUIRE | kfb::kfunc::KF_RET_NULL | (1u << 30);
//   kfb::kfunc::kf_flags_string(f)  // "KF_ACQUIRE|KF_RET_NULL|0x40000000" ("0" when f == 0)
//   kfb::kfunc::kf_flag_names(f)    // {"KF_ACQUIRE", "KF_RET_NULL", "0x40000000"}
//   kfb::kfunc::arg_flag_names(kfb::kfunc::ARG_ARENA | kfb::kfunc::ARG_NULLABLE)  // {"arena", "nullable"}
//   kfb::kfunc::suffix_flag("__szk")  // kfb::kfunc::ARG_CONST_SIZE; 0 for an unknown suffix
//
// Per-argument flag bits are numbered in the canonical order of the suffix table in man
// kfuncbtf(1), PER-ARGUMENT FLAGS, read row
// by row (implicit, str, size, irq_flag, const_size, arena, const, prog, ignore, nullable,
// const_map, nonown_allowed, map, release, alloc, rcu, uninit, trusted, refcounted_kptr): iterating bits from 0 upwards gives
// the order in which `emit` writes `bpf_kfunc_arg:<flag>` tags. Unknown KF_* bits are never
// dropped: they print as one hex word.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kfb::kfunc {

enum KfFlag : uint32_t {
  KF_ACQUIRE = 1u << 0,
  KF_RELEASE = 1u << 1,
  KF_RET_NULL = 1u << 2,
  KF_TRUSTED_ARGS = 1u << 4,
  KF_SLEEPABLE = 1u << 5,
  KF_DESTRUCTIVE = 1u << 6,
  KF_RCU = 1u << 7,
  KF_ITER_NEW = 1u << 8,
  KF_ITER_NEXT = 1u << 9,
  KF_ITER_DESTROY = 1u << 10,
  KF_RCU_PROTECTED = 1u << 11,
  KF_FASTCALL = 1u << 12,
  KF_ARENA_RET = 1u << 13,
  KF_ARENA_ARG1 = 1u << 14,
  KF_ARENA_ARG2 = 1u << 15,
  KF_IMPLICIT_ARGS = 1u << 16,
  KF_SPINLOCK_SAFE = 1u << 17,
  KF_PERFMON = 1u << 18,  // 7.3
};
constexpr uint32_t BTF_SET8_KFUNCS = 1u << 0;  // btf_id_set8 header flag

// Name of one KF_* bit (0..31); nullptr for bits with no name (3, 19..31).
const char *kf_flag_name(unsigned bit);
// The KF_* bit named `name` ("KF_RCU" or "RCU"), or -1.
int kf_flag_bit(std::string_view name);
// Known names in bit order, then the unknown bits as one "0x..." word.
std::vector<std::string> kf_flag_names(uint32_t flags);
// kf_flag_names joined with '|'; "0" for no flags.
std::string kf_flags_string(uint32_t flags);

enum ArgFlag : uint32_t {
  ARG_IMPLICIT = 1u << 0,
  ARG_STR = 1u << 1,
  ARG_SIZE = 1u << 2,
  ARG_IRQ_FLAG = 1u << 3,
  ARG_CONST_SIZE = 1u << 4,
  ARG_ARENA = 1u << 5,
  ARG_CONST = 1u << 6,
  ARG_PROG = 1u << 7,
  ARG_IGNORE = 1u << 8,
  ARG_NULLABLE = 1u << 9,
  ARG_CONST_MAP = 1u << 10,       // 7.3
  ARG_NONOWN_ALLOWED = 1u << 11,  // 7.3
  ARG_MAP = 1u << 12,
  ARG_RELEASE = 1u << 13,
  ARG_ALLOC = 1u << 14,
  ARG_RCU = 1u << 15,
  ARG_UNINIT = 1u << 16,
  ARG_TRUSTED = 1u << 17,
  ARG_REFCOUNTED_KPTR = 1u << 18,
};
constexpr unsigned kArgFlagCount = 19;

// Return-value flags (from KF_ACQUIRE, KF_RET_NULL, KF_ARENA_RET).
enum RetFlag : uint32_t {
  RET_ACQUIRE = 1u << 0,
  RET_NULLABLE = 1u << 1,
  RET_ARENA = 1u << 2,
};

// "implicit", "str", ... for one ArgFlag bit (0..kArgFlagCount-1); nullptr beyond.
const char *arg_flag_name(unsigned bit);
// The ArgFlag whose name is `name`, or 0.
uint32_t arg_flag_by_name(std::string_view name);
std::vector<std::string> arg_flag_names(uint32_t flags);
std::vector<std::string> ret_flag_names(uint32_t flags);  // "acquire", "nullable", "arena"
std::string join(const std::vector<std::string> &parts, std::string_view sep);

// The ArgFlag for a parameter-name suffix including its leading "__" ("__sz"), or 0.
uint32_t suffix_flag(std::string_view suffix);

}  // namespace kfb::kfunc
