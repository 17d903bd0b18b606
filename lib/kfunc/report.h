// What scan prints: the kfunc list as text (one line per kfunc, then its prototype, flags and
// scopes) and as JSON ({"kfuncs":[...],"diagnostics":[...]}); lib formats, tools/ writes.
//
//   std::string out;
//   kfb::kfunc::format_text(ks, out);
//   // bpf_obj_new_impl flags=KF_ACQUIRE|KF_RET_NULL source=both sets=generic_btf_ids at=...
//   //   ret: void * [acquire,nullable]
//   kfb::kfunc::format_json(ks, diags, /*pretty=*/false, out);
#pragma once

#include <string>

#include "kfunc/kfunc.h"
#include "support/diag.h"

namespace kfb::kfunc {

void format_text(const KfuncList &ks, std::string &out);
void format_json(const KfuncList &ks, const DiagSink &diags, bool pretty, std::string &out);

}  // namespace kfb::kfunc
