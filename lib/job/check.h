// check as one pipeline (man kfuncbtf(1), WHAT CHECK VERIFIES): the kernel's loader rules on a
// file's BTF, then the kfunc rules, without any printing. tools/kfuncbtf/cmd_check.cc parses
// options into a CheckRequest, calls check_file() and formats the outcome (job/report.h).
//
//   kfb::job::CheckRequest rq;
//   rq.file = "vmlinux";
//   rq.mode = kfb::check::LoaderMode::Vmlinux;
//   kfb::job::CheckOutcome r = kfb::job::check_file(rq);
//   r.loader.ok;                 // the kernel's verdict; r.loader_message its finding
//   r.kfunc_diags.errors();      // the kfunc rules' findings
//
// The passes: read the file (raw BTF or an ELF's .BTF) and, for split BTF, its base -> choose
// the rules (--kernel, else the input's own kernel: kfunc/kernel.h) -> the loader rules, the
// first failure wins -> the kfunc rules on the parsed BTF (an ELF is scanned too), which go on
// after a loader failure while the BTF can still be read. Unreadable input and usage errors
// throw kfb::Error.
#pragma once

#include <string>
#include <vector>

#include "check/kfunc_rules.h"
#include "check/loader.h"
#include "support/diag.h"
#include "support/process.h"

namespace kfb::job {

struct CheckRequest {
  std::string file;
  std::string base;                                     // -B: the base of --as module
  check::LoaderMode mode = check::LoaderMode::User;     // --as
  std::string kernel;         // --kernel "7.3" ...; "": the input's own kernel, else the newest
  bool kfunc_rules = true;    // --no-kfunc-rules turns them off
  bool first = false;         // --first: a loader failure also stops the kfunc rules
  bool legacy_kfunc_sets = false;
  bool fatal_warnings = false;
  unsigned jobs = 1;
};

struct CheckOutcome {
  std::string kernel;            // the rule set applied: "7.3", "7.2", "6.18", "6.1"
  check::LoaderResult loader;    // the loader rules' verdict
  std::string loader_message;    // !loader.ok: the finding as the kernel's log reads
  bool kfunc_ran = false;        // the kfunc rules ran (not off, and the BTF was readable)
  check::KfuncFileResult kfunc;  // kfunc_ran: counts
  DiagSink kfunc_diags;          // the kfunc rules' findings, sorted
  std::vector<Phase> phases;     // read, loader rules, kfunc rules (--stats)
  bool ok() const { return loader.ok && !kfunc_diags.errors(); }
};

CheckOutcome check_file(const CheckRequest &rq);

}  // namespace kfb::job
