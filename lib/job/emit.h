// emit as one pipeline (man kfuncbtf(1), WHAT EMIT WRITES): the order emit runs in, from the
// object to the bytes on disk, without any printing. tools/kfuncbtf/cmd_emit.cc parses options
// into an EmitRequest, calls emit_object() and formats the outcome (job/report.h).
//
//   kfb::job::EmitRequest rq;
//   rq.object = "vmlinux.o";
//   rq.out = "vmlinux.btf";
//   rq.features = kfb::kfunc::parse_features("default", false, nullptr);
//   kfb::job::EmitOutcome r = kfb::job::emit_object(rq);
//   if (r.verdict != kfb::job::EmitVerdict::Written) ...   // r.diags, r.recheck, r.loader_message say why
//
// The passes: load the object and its BTF (--btf, -B) -> plan the sort (a sorted 7.x vmlinux
// stays sorted) -> find the kfuncs (DWARF or BTF, kfunc::object_kfuncs) and apply a scope file
// -> rewrite (kfunc::emit_kfunc_btf) -> the bytes -> the kernel's loader rules on them (against
// the input's own verdict) -> check's kfunc rules on the result -> write (temp file + rename,
// or stdout). Any refusal stops the pipeline before the write: nothing is written. Usage errors
// and unreadable input throw kfb::Error.
#pragma once

#include <string>
#include <vector>

#include "kfunc/emit.h"
#include "kfunc/features.h"
#include "kfunc/kfunc.h"
#include "support/diag.h"
#include "support/process.h"

namespace kfb::job {

struct EmitRequest {
  std::string object;       // OBJ
  std::string btf;          // --btf FILE: the BTF to rewrite instead of OBJ's .BTF
  std::string base;         // -B BASE
  std::string out;          // -o OUT ("-": stdout; "": nothing written)
  std::string scopes;       // --scopes FILE
  kfunc::EmitFeatures features;
  bool update_elf = false;  // write a copy of OBJ with .BTF replaced
  bool in_place = false;    // with update_elf and no out: OBJ itself
  bool legacy_kfunc_sets = false;
  bool all = false;         // also annotation-only kfuncs
  bool fatal_warnings = false;
  unsigned jobs = 1;
};

enum class EmitVerdict {
  Written,          // passed every check; written when out is set
  RuleErrors,       // the scan or the rewrite found errors (diags)
  LoaderRefused,    // the kernel's loader rules refuse the emitted bytes (loader_message)
  RecheckFailed,    // check's kfunc rules fail on the emitted BTF (recheck)
};

struct EmitOutcome {
  EmitVerdict verdict = EmitVerdict::Written;
  std::string out;             // where the result went ("" none, "-" stdout): OBJ for --in-place
  DiagSink diags;              // the scan's and the rewrite's findings, sorted
  DiagSink recheck;            // RecheckFailed: check's kfunc rules' findings, sorted
  std::string loader_message;  // LoaderRefused: the loader's finding, as check prints it
  std::string note;            // the input already fails the loader rules: what was checked
  kfunc::EmitFeatures features;  // what was applied: the request's, with sort kept on a sorted vmlinux
  kfunc::EmitStats stats;
  kfunc::ScanStats scan;
  std::vector<Phase> phases;   // read, scan, emit, write, check, output (--stats)
};

// Checks the request's option combinations (kfb::Error naming the conflict), then runs the
// passes above.
EmitOutcome emit_object(const EmitRequest &rq);

}  // namespace kfb::job
