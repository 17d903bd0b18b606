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

}  // namespace kfb::job
