// The kfunc rules a kernel applies to a BPF program object when libbpf loads it (man kfuncbtf(1),
// PROGRAM MODE): what check predicts before the object reaches the target machine.
//
//   kfb::bpf::Object obj = kfb::bpf::read_object("sched.bpf.o");
//   kfb::bpf::Kernel k;                       // one target column, plain data (job fills it)
//   k.name = "vmlinux-7.3";
//   k.vmlinux = &vmlinux_btf;                 // modules: split on it, searched after it
//   k.kfunc_tags = true;                      // the BTF tags kfuncs bpf_kfunc (pahole 1.27+)
//   k.scopes["scx_bpf_dsq_insert"]["sched_ext_ops"] = {"select_cpu", "enqueue", ...};
//   kfb::bpf::RuleResult r = kfb::bpf::check_rules(obj, k);
//   for (const kfb::bpf::Finding &f : r.findings)
//     ;  // f.loc "scx_simple.bpf.c:42:3", f.program, f.member, f.kfunc, f.message
//   r.not_applied;  // "sleepable and destructive kfunc rules: no KF_* flags (...)", once each
//
// The rules, each with the kernel's or libbpf's own message (the text users grep for):
// 1. resolution as libbpf's bpf_object__resolve_ksym_func_btf_id: the essential name, FUNC kind,
//    vmlinux then modules; libbpf's prototype rule (types_compat). A strong extern that fails
//    fails the object (every program); a weak one is poisoned (poison_kfunc_call): a call in a
//    program with no bpf_ksym_exists() guard (an ld_imm64 of a weak kfunc extern: its own or,
//    as sched_ext's compat macros do, the newer name's) is refused by the verifier; a guarded
//    call of an incompatible one silently takes the fallback (a warning).
// 2. not a kfunc: the FUNC has no bpf_kfunc DECL_TAG while the target tags kfuncs.
// 3. callback scope: a struct_ops program of `ops` member M calling a kfunc whose scope for
//    `ops` excludes M (scx_kfunc_context_filter in 7.3).
// 4. KF_SLEEPABLE from a non-sleepable program; KF_DESTRUCTIVE (CAP_SYS_BOOT).
// 5. program type: no set holding the kfunc is registered for the program's hook nor for
//    every type (btf_kfunc_is_allowed; the hooks come from the target's bpf_kfunc_hooks tags
//    or a scope file's hooks: lines).
// 6. struct_ops type: a kfunc whose set's filter allows only some struct_ops types (a scope file's
//    struct-ops: lines; 7.3's sched_ext kfuncs from tcp_congestion_ops).
// Only the uses each program reaches count (Program::uses: subprograms attributed to each).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "bpf/object.h"
#include "bpf/prune.h"
#include "btf/btf.h"
#include "support/diag.h"

namespace kfb::bpf {

// One target kernel, as the rules need it.
struct Kernel {
  std::string name;                            // the column ("vmlinux-7.3-amd64")
  const btf::Btf *vmlinux = nullptr;
  std::vector<const btf::Btf *> modules;       // split on vmlinux; searched in this order
  std::vector<std::string> module_names;       // libbpf's mod_btf->name, for messages
  bool kfunc_tags = false;                     // some FUNC carries DECL_TAG bpf_kfunc
  // Callback scopes: kfunc name -> ops struct -> the members it may be called from (none: a
  // zero mask, a scope file's deny:). A kfunc with no entry for an ops struct is unrestricted
  // there.
  bool have_scopes = false;
  std::string scopes_source;                   // "bpf_kfunc_scope tags", "--scopes FILE"
  std::map<std::string, std::map<std::string, std::set<std::string>>> scopes;
  // Program-type hooks each kfunc's sets are registered for (bpf_kfunc_hooks tags, else a
  // scope file's hooks: lines); a kfunc with no entry is not judged. An empty list: no hook.
  bool have_hooks = false;
  std::string hooks_source;
  std::map<std::string, std::vector<std::string>> hooks;
  // LINUX_KERNEL_VERSION as libbpf computes it for this target (KERNEL_VERSION(a, b, c), c at
  // most 255); 0 when not known. Knobs: -G NAME=VALUE over the object's .rodata variables.
  uint64_t version = 0;
  std::map<std::string, uint64_t> knobs;
  // KF_* flags (a debug vmlinux's .BTF_ids): which kfuncs are sleepable, destructive.
  bool have_flags = false;
  std::set<std::string> sleepable, destructive;
  // struct_ops members ("sched_ext_ops.sub_caps_updated") the kernel refuses to attach a
  // program to: code, not BTF (a NULL CFI stub), so from a scope file's unsupported: lines.
  std::set<std::string> unsupported_members;
  // kfunc -> the struct_ops types whose programs may call it (a scope file's struct-ops: lines:
  // a set's .filter, code); a kfunc with no entry is not limited.
  std::map<std::string, std::set<std::string>> struct_ops_only;
};

// A finding's level is a diagnostic's severity (support/diag.h).
using FindingLevel = Severity;

struct Finding {
  FindingLevel level = FindingLevel::Error;
  std::string rule;     // "libbpf-not-found", "libbpf-incompatible", "poisoned-call",
                        // "poisoned-silently", "guarded-missing", "not-a-kfunc", "scope",
                        // "sleepable", "destructive", "struct-ops", "struct-ops-member",
                        // "prog-type", "struct-ops-type"
  SrcLoc loc;           // the call (or the object's first use of the extern)
  std::string program, section, member;  // member: "sched_ext_ops.enqueue" or ""
  std::string kfunc;    // as declared in the program ("scx_bpf_dsq_move_to_local___v2")
  std::string target;   // Kernel::name
  std::string message;  // the kernel's or libbpf's own text
  std::string detail;   // extra lines (both prototypes); "" when none
};

struct RuleResult {
  std::vector<Finding> findings;       // in program order, then use order
  std::vector<std::string> not_applied;  // rules that could not be applied to this target, once
  std::vector<std::string> unknown_knobs;  // -G names that are no .rodata variable
};

RuleResult check_rules(const Object &obj, const Kernel &k);

// Stable order of findings from several targets: file, line, col, program, target, level, kfunc,
// message.
void sort_findings(std::vector<Finding> &fs);

// Member name -> scope bit (byte offset / 8) of `ops` in `btf` (e.g. "sched_ext_ops"); empty
// when the struct is not there.
std::map<std::string, uint32_t> ops_slots(const btf::Btf &btf, const std::string &ops);

}  // namespace kfb::bpf
