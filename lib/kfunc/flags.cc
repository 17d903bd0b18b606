#include "kfunc/flags.h"

#include "support/error.h"

namespace kfb::kfunc {

namespace {

constexpr const char *kKfNames[32] = {
    "KF_ACQUIRE",       "KF_RELEASE",       "KF_RET_NULL",      nullptr,
    "KF_TRUSTED_ARGS",  "KF_SLEEPABLE",     "KF_DESTRUCTIVE",   "KF_RCU",
    "KF_ITER_NEW",      "KF_ITER_NEXT",     "KF_ITER_DESTROY",  "KF_RCU_PROTECTED",
    "KF_FASTCALL",      "KF_ARENA_RET",     "KF_ARENA_ARG1",    "KF_ARENA_ARG2",
    "KF_IMPLICIT_ARGS", "KF_SPINLOCK_SAFE", "KF_PERFMON",
};

constexpr const char *kArgNames[kArgFlagCount] = {
    "implicit", "str",       "size",           "irq_flag", "const_size",
    "arena",    "const",     "prog",           "ignore",   "nullable",
    "const_map", "nonown_allowed", "map",      "release",  "alloc",
    "rcu",      "uninit",    "trusted",        "refcounted_kptr",
};

struct Suffix {
  std::string_view text;
  uint32_t flag;
};
constexpr Suffix kSuffixes[] = {
    {"__magic", ARG_IMPLICIT},  {"__implicit", ARG_IMPLICIT},
    {"__str", ARG_STR},         {"__sz", ARG_SIZE},
    {"__irq_flag", ARG_IRQ_FLAG}, {"__szk", ARG_CONST_SIZE},
    {"__arena", ARG_ARENA},     {"__k", ARG_CONST},
    {"__prog", ARG_PROG},       {"__ign", ARG_IGNORE},
    {"__opt", ARG_NULLABLE},    {"__const_map", ARG_CONST_MAP},
    {"__nonown_allowed", ARG_NONOWN_ALLOWED}, {"__map", ARG_MAP},
    {"__release", ARG_RELEASE}, {"__alloc", ARG_ALLOC},
    {"__rcu", ARG_RCU},         {"__uninit", ARG_UNINIT},
    {"__trusted", ARG_TRUSTED}, {"__refcounted_kptr", ARG_REFCOUNTED_KPTR},
    {"__nullable", ARG_NULLABLE},
};

}  // namespace

const char *kf_flag_name(unsigned bit) { return bit < 32 ? kKfNames[bit] : nullptr; }

int kf_flag_bit(std::string_view name) {
  for (unsigned b = 0; b < 32; b++) {
    if (!kKfNames[b]) continue;
    std::string_view n = kKfNames[b];
    if (n == name || n.substr(3) == name) return static_cast<int>(b);
  }
  return -1;
}

std::vector<std::string> kf_flag_names(uint32_t flags) {
  std::vector<std::string> out;
  uint32_t unknown = 0;
  for (unsigned b = 0; b < 32; b++) {
    if (!(flags & (1u << b))) continue;
    if (kKfNames[b])
      out.emplace_back(kKfNames[b]);
    else
      unknown |= 1u << b;
  }
  if (unknown) out.push_back(strfmt("0x%x", unknown));
  return out;
}

std::string kf_flags_string(uint32_t flags) {
  return flags ? join(kf_flag_names(flags), "|") : "0";
}

const char *arg_flag_name(unsigned bit) { return bit < kArgFlagCount ? kArgNames[bit] : nullptr; }

uint32_t arg_flag_by_name(std::string_view name) {
  for (unsigned b = 0; b < kArgFlagCount; b++)
    if (name == kArgNames[b]) return 1u << b;
  return 0;
}

std::vector<std::string> arg_flag_names(uint32_t flags) {
  std::vector<std::string> out;
  for (unsigned b = 0; b < kArgFlagCount; b++)
    if (flags & (1u << b)) out.emplace_back(kArgNames[b]);
  return out;
}

std::vector<std::string> ret_flag_names(uint32_t flags) {
  std::vector<std::string> out;
  if (flags & RET_ACQUIRE) out.emplace_back("acquire");
  if (flags & RET_NULLABLE) out.emplace_back("nullable");
  if (flags & RET_ARENA) out.emplace_back("arena");
  return out;
}

std::string join(const std::vector<std::string> &parts, std::string_view sep) {
  std::string s;
  for (size_t i = 0; i < parts.size(); i++) {
    if (i) s += sep;
    s += parts[i];
  }
  return s;
}

uint32_t suffix_flag(std::string_view suffix) {
  for (const Suffix &s : kSuffixes)
    if (s.text == suffix) return s.flag;
  return 0;
}

}  // namespace kfb::kfunc
