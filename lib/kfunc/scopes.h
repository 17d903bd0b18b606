// Callback scopes and nesting edges of kfuncs (man kfuncbtf(1), WHAT EMIT WRITES): from DWARF
// annotations and from a scope file.
//
//   kfb::kfunc::OpsMember m;
//   std::string why;
//   kfb::kfunc::parse_ops_member("sched_ext_ops.dispatch", m, why);  // m.ops, m.member
//   kfb::kfunc::scope_tag_kind("bpf_kfunc_scope:sched_ext_ops.enqueue")  // ScopeTag::Scope
//
//   // --scopes FILE: lines "<kfunc> <ops>.<member>...", "set:<set> <ops>.<member>...",
//   // "calls:<kfunc> <ops>.<member>...", "members:<set> <kfunc>..." (a set's members, used
//   // when the object's .BTF_ids cannot name its sets), "hooks:<set> <hook>..." (the program-type
//   // hooks the set is registered for: tools/scopes/gen-hooks), "unsupported:<ops> <member>..."
//   // (members the kernel refuses to attach a program to), "same-offsets:<ops> <from_ops>"
//   // (<ops>'s members take the scopes of <from_ops>'s members at the same byte offsets: 7.3's
//   // sched_ext_ops_cid), "deny:<ops> <set>..." (the sets' kfuncs are refused from every member
//   // of <ops>), "struct-ops:<set> <ops>..." (struct_ops programs of other types may not call
//   // the set's kfuncs: Kfunc::struct_ops); '#' starts a comment.
//   kfb::kfunc::apply_scope_file("scopes.txt", bytes, kfuncs, diags);  // appends to scopes / calls
//   kfb::kfunc::expand_scope_rules(kfuncs, btf, diags);  // same-offsets:, deny: -> scopes
//
// Problems (unknown kfunc or set, malformed "<ops>.<member>") are error diagnostics naming the
// file and line; whether the member exists in BTF is emit's and check's business.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "kfunc/kfunc.h"
#include "support/vocab.h"

namespace kfb::btf {
class Btf;
}

namespace kfb::kfunc {

enum class ScopeTag { None, Scope, Calls };

using vocab::kCallsTagPrefix;
using vocab::kScopeTagPrefix;

// Which kind of source-form tag `tag` is ("<prefix><ops>.<member>"); None for other tags and
// for the emitted mask form ("<prefix><ops>:0x<mask>").
ScopeTag scope_tag_kind(std::string_view tag);

// "<ops>.<member>" (both C identifiers) -> m.ops, m.member; false with `why` otherwise.
bool parse_ops_member(std::string_view text, OpsMember &m, std::string &why);

// Fills k.scopes / k.calls from k.tags (file/line: the kfunc's); malformed ones are errors.
void scopes_from_tags(Kfunc &k, DiagSink &diags);

// Adds the scope file's entries to `ks` (duplicates skipped).
// `module`: the object is a module (split BTF on vmlinux). One scope file serves the whole
// build, so its lines about kfuncs and sets the module does not have (vmlinux's, another
// module's) are skipped there and counted in the return value; the same lines are errors when
// the name is in no object at all, which vmlinux's emit, run by the same build, reports.
// Returns the number of lines skipped that way.
size_t apply_scope_file(const std::string &path, std::span<const uint8_t> bytes, KfuncList &ks,
                        DiagSink &diags, bool module = false);

// Applies the file's same-offsets: and deny: lines (ks.same_offsets, ks.denies) to the kfuncs'
// scopes, with the struct layouts of `b`: a kfunc restricted for <from_ops> is restricted for
// <ops> to the members at the same byte offsets (OpsMember::member "" when none is there), unless
// the file names <ops>'s members for it itself; a kfunc of a denied set is restricted for <ops>
// to no member. A struct missing from `b` is an error naming the line (skipped for a module).
void expand_scope_rules(KfuncList &ks, const btf::Btf &b, DiagSink &diags, bool module = false);

}  // namespace kfb::kfunc
