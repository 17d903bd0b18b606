// What emit and check print, as strings: lib formats, tools/ writes (scan's formats are
// kfunc/report.h, diff's diff/diff.h, dump's btf/dump.h). Keys of the JSON forms equal the
// words of the text forms.
//
//   kfb::job::EmitOutcome r = kfb::job::emit_object(rq);
//   std::string s = kfb::job::emit_summary_text(rq, r);
//   // emit: vmlinux.o -> vmlinux.btf (features: tags,twins,arg_flags,scopes)
//   //   kfuncs:          316 processed, 0 without a FUNC ...
//   kfb::job::CheckOutcome c = kfb::job::check_file(crq);
//   std::string t = kfb::job::check_report_text(crq, c, /*verbose=*/1);
//   // vmlinux: ok (126000 types, loader rules of Linux 7.3, as vmlinux BTF)
#pragma once

#include <string>

#include "job/check.h"
#include "job/emit.h"
#include "job/program.h"

namespace kfb::job {

std::string emit_summary_text(const EmitRequest &rq, const EmitOutcome &r);
std::string emit_summary_json(const EmitRequest &rq, const EmitOutcome &r, bool pretty);
// --stats counts: "12 kfuncs, 3 twins (3 new), 40 tags added, 50 types added".
std::string emit_counts(const EmitOutcome &r);

// "--as" and "--kernel" words of the request, as the reports spell them.
const char *mode_name(check::LoaderMode m);

// The text report: the loader's finding (with -v its errno and the kernel's log, or "ok" and
// the rule set), then the kfunc findings (notes with -v), then with -v the kfunc rules' counts.
std::string check_report_text(const CheckRequest &rq, const CheckOutcome &r, int verbose);
// {file, mode, kernel, verdict, errno, nr_types, findings: [loader notes, the loader's finding,
// the kfunc findings]}.
std::string check_report_json(const CheckRequest &rq, const CheckOutcome &r, int verbose, bool pretty);

// Program mode. Text: one line per finding, as clang prints a diagnostic,
//   sched.bpf.c:42:3: error: enqueue (struct_ops/enqueue, sched_ext_ops.enqueue): calling kernel
//   function scx_bpf_dsq_move_to_local is not allowed [target vmlinux-7.3]
// its extra lines (both prototypes) indented under it; notes and the rules a target could not
// get ("note: vmlinux-7.3: not applied: ...") only with -v; with -v a summary line per target.
std::string program_report_text(const std::vector<ProgramOutcome> &rs, int verbose);
// One object: {file, targets: [{name, modules, kfunc_tags, scopes, flags, not_applied}],
// programs: [{name, section, type, sleepable, member}], findings: [{severity, rule, type_id, kind,
// name, message, file, line, col, program, section, member, kfunc, target, detail}]}; several:
// an array of those, in the order given (an object that could not be read is left out: its
// error goes to stderr).
std::string program_report_json(const std::vector<ProgramOutcome> &rs, int verbose, bool pretty);
// SARIF 2.1.0 (code-scanning UIs): one run for every object, driver kfuncbtf with a rule per
// finding rule; each
// result's level, message, location (file, startLine, startColumn when known) and properties
// {program, section, member, kfunc, target}.
std::string program_report_sarif(const std::vector<ProgramOutcome> &rs, int verbose, bool pretty);

}  // namespace kfb::job
