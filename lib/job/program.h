// check in program mode (man kfuncbtf(1), PROGRAM MODE): a compiled BPF object (EM_BPF) against
// one or more target kernels, without any printing. tools/kfuncbtf/cmd_check.cc switches to it
// when the input's e_machine is EM_BPF and formats the outcome (job/report.h).
//
//   kfb::job::ProgramRequest rq;
//   rq.file = "scx_simple.bpf.o";
//   rq.kernel_btfs = {"vmlinux-7.2", "vmlinux-7.3"};   // one column each; default the running one
//   rq.scopes = "tools/scopes/sched_ext-7.3.scopes";   // for targets without scope tags
//   kfb::job::ProgramOutcome r = kfb::job::check_program(rq);
//   for (const kfb::bpf::Finding &f : r.findings) ...  // sorted (bpf::sort_findings)
//   r.targets[0].not_applied;                          // rules that target could not get, once
//
// The passes: read the object (lib/bpf; throws kfb::Error naming file, section, offset) -> per
// target: its BTF (raw or an ELF's .BTF), its modules split on it, whether it tags kfuncs, its
// scopes (tags, else the scope file), its KF_* flags (a vmlinux with symbols and .BTF_ids) ->
// the rules (bpf/rules.h) -> one sorted list.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bpf/object.h"
#include "bpf/rules.h"

namespace kfb::job {

struct ProgramRequest {
  std::string file;
  std::vector<std::string> kernel_btfs;  // --kernel-btf; empty: /sys/kernel/btf/vmlinux
  std::vector<std::string> module_btfs;  // --module-btf DIR|FILE; the i-th goes with the i-th
                                         // target (all with the only one when there is one)
  std::string scopes;                    // --scopes FILE
  std::map<std::string, uint64_t> knobs; // -G NAME=VALUE: a .rodata variable's value at load
  bool fatal_warnings = false;
};

struct ProgramTarget {
  std::string name;                      // the --kernel-btf path
  size_t modules = 0;
  bool kfunc_tags = false, scopes = false, flags = false, hooks = false;
  std::string scopes_source, hooks_source;
  std::vector<std::string> not_applied;  // once per target
  std::vector<std::string> scope_problems;  // the scope file's lines this target cannot use
};

struct ProgramOutcome {
  std::string file;                      // the object
  std::string error;                     // with several objects: why this one could not be read
  bpf::Object obj;
  std::vector<ProgramTarget> targets;
  std::vector<bpf::Finding> findings;    // every target's, sorted
  size_t errors() const;
  size_t warnings() const;
};

// True when `path` is a regular file, an ELF whose e_machine is EM_BPF (program mode); false
// for anything else, including non-ELF files and pipes (peeking would eat a pipe's bytes, so a
// BPF object on a pipe is not recognised: give its path).
bool is_bpf_object(const std::string &path);

ProgramOutcome check_program(const ProgramRequest &rq);
// Several objects against the same targets, read once (rq.file is not used): a project's
// objects in one run. An object that cannot be read gets its error and the others are still
// checked (one object alone throws, as check_program does).
std::vector<ProgramOutcome> check_programs(const ProgramRequest &rq, const std::vector<std::string> &files);

}  // namespace kfb::job
