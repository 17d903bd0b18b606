// emit's and check's reports (report.h).
#include "job/report.h"

#include <algorithm>

#include "kfunc/features.h"
#include "support/error.h"
#include "support/json.h"

namespace kfb::job {

std::string emit_summary_text(const EmitRequest &rq, const EmitOutcome &r) {
  const kfunc::EmitStats &s = r.stats;
  std::string t;
  t += strfmt("emit: %s -> %s (features: %s)\n", rq.object.c_str(),
              r.out.empty() ? "(nothing written: no -o)" : r.out.c_str(), kfunc::features_string(r.features).c_str());
  t += strfmt("  kfuncs:          %zu processed, %zu without a FUNC\n", s.kfuncs, s.skipped);
  t += strfmt("  decl tags:       %zu bpf_kfunc, %zu bpf_fastcall\n", s.kfunc_tags, s.fastcall_tags);
  t += strfmt("  twins:           %zu new _impl, %zu reused, %zu tags copied\n", s.twins_added,
              s.twins_reused, s.copied_tags);
  t += strfmt("  trimmed protos:  %zu added, %zu reused (dedup)\n", s.protos_added, s.protos_reused);
  t += strfmt("  per-arg tags:    %zu bpf_kfunc_arg, %zu bpf_kfunc_ret\n", s.arg_tags, s.ret_tags);
  t += strfmt("  scope tags:      %zu bpf_kfunc_scope, %zu bpf_kfunc_calls, %zu bpf_kfunc_hooks", s.scope_tags,
              s.calls_tags, s.hook_tags);
  if (s.scope_lines_elsewhere)
    t += strfmt(" (%zu scope-file lines name kfuncs this module does not have)", s.scope_lines_elsewhere);
  t += '\n';
  t += strfmt("  arena:           %zu address_space(1) attributes, %zu prototypes\n", s.arena_attrs,
              s.arena_protos);
  t += strfmt("  types:           %u -> %u (+%zu)%s\n", s.types_before - 1, s.types_after - 1, s.added(),
              s.sorted ? ", sorted by name" : "");
  return t;
}

std::string emit_summary_json(const EmitRequest &rq, const EmitOutcome &r, bool pretty) {
  const kfunc::EmitStats &s = r.stats;
  std::string t;
  JsonWriter j(t, pretty);
  j.begin_object();
  j.key("input").value(rq.object);
  if (r.out.empty()) j.key("output").null();
  else j.key("output").value(r.out);
  j.key("features").value(kfunc::features_string(r.features));
  const std::pair<const char *, size_t> counts[] = {
      {"kfuncs", s.kfuncs},           {"skipped", s.skipped},
      {"bpf_kfunc_tags", s.kfunc_tags}, {"bpf_fastcall_tags", s.fastcall_tags},
      {"twins_added", s.twins_added}, {"twins_reused", s.twins_reused},
      {"copied_tags", s.copied_tags}, {"protos_added", s.protos_added},
      {"protos_reused", s.protos_reused}, {"arg_tags", s.arg_tags},
      {"ret_tags", s.ret_tags},       {"scope_tags", s.scope_tags},
      {"calls_tags", s.calls_tags},   {"hook_tags", s.hook_tags}, {"scope_lines_elsewhere", s.scope_lines_elsewhere},
      {"arena_attrs", s.arena_attrs}, {"arena_protos", s.arena_protos},
      {"types_before", s.types_before - 1}, {"types_after", s.types_after - 1}};
  for (const auto &[key, n] : counts) j.key(key).value(static_cast<uint64_t>(n));
  j.key("sorted").value(s.sorted);
  write_diags_json(j, "diagnostics", r.diags);
  j.end_object();
  j.finish();
  return t;
}

std::string emit_counts(const EmitOutcome &r) {
  const kfunc::EmitStats &s = r.stats;
  size_t tags = s.kfunc_tags + s.fastcall_tags + s.copied_tags + s.arg_tags + s.ret_tags + s.scope_tags + s.calls_tags +
                s.hook_tags;
  return strfmt("%zu kfuncs, %zu twins (%zu new), %zu tags added, %zu types added", s.kfuncs,
                s.twins_added + s.twins_reused, s.twins_added, tags, s.added());
}

const char *mode_name(check::LoaderMode m) {
  switch (m) {
    case check::LoaderMode::Vmlinux: return "vmlinux";
    case check::LoaderMode::Module: return "module";
    case check::LoaderMode::User: break;
  }
  return "user";
}

std::string check_report_text(const CheckRequest &rq, const CheckOutcome &r, int verbose) {
  std::string t;
  const check::LoaderResult &l = r.loader;
  if (!l.ok) {
    t += r.loader_message + "\n";
    if (verbose) {
      t += strfmt("  errno: %s\n", check::errno_name(l.err));
      if (!l.kernel_log.empty()) t += "  kernel log:\n    " + l.kernel_log + "\n";
    }
  } else if (verbose) {
    t += strfmt("%s: ok (%u types, loader rules of Linux %s, as %s BTF)\n", rq.file.c_str(), l.nr_types,
                r.kernel.c_str(), mode_name(rq.mode));
  }
  for (const Diag &d : r.kfunc_diags.all())
    if (d.severity != Severity::Note || verbose) t += DiagSink::format(d) + "\n";
  if (verbose && r.kfunc_ran)
    t += strfmt("%s: kfunc rules: %zu kfuncs%s, %zu errors, %zu warnings, %zu notes\n", rq.file.c_str(),
                r.kfunc.kfuncs, r.kfunc.from_elf ? " (ELF scanned)" : " (BTF alone)", r.kfunc_diags.errors(),
                r.kfunc_diags.warnings(), r.kfunc_diags.count(Severity::Note));
  return t;
}

namespace {

// A loader finding in check's JSON: a Diag's keys, with the errno, the offset in the BTF and
// the kernel's log where a kfunc finding has file and line.
void loader_json(JsonWriter &j, const char *severity, const check::LoaderResult &l, const std::string &rule,
                 const std::string &message) {
  j.begin_object();
  j.key("severity").value(severity);
  j.key("rule").value(rule);
  j.key("type_id").value(l.ok ? 0 : l.type_id);
  j.key("kind").value(l.ok ? "" : l.kind);
  j.key("name").value(l.ok ? "" : l.name);
  j.key("message").value(message);
  j.key("errno").value(l.ok ? "" : check::errno_name(l.err));
  j.key("offset").value(static_cast<uint64_t>(l.ok ? 0 : l.offset));
  j.key("kernel_log").value(l.ok ? "" : l.kernel_log);
  j.end_object();
}

}  // namespace

std::string check_report_json(const CheckRequest &rq, const CheckOutcome &r, int verbose, bool pretty) {
  const check::LoaderResult &l = r.loader;
  std::string t;
  JsonWriter j(t, pretty);
  j.begin_object();
  j.key("file").value(rq.file);
  j.key("mode").value(mode_name(rq.mode));
  j.key("kernel").value(r.kernel);
  j.key("verdict").value(l.ok ? "accepted" : "rejected");
  j.key("errno").value(l.ok ? "" : check::errno_name(l.err));
  j.key("nr_types").value(l.nr_types);
  j.key("findings").begin_array();
  check::LoaderResult none;  // a note: no type, errno or log
  for (const std::string &n : l.notes) loader_json(j, "warning", none, "loader-meta", n);
  if (!l.ok) loader_json(j, "error", l, l.rule, l.message);
  for (const Diag &d : r.kfunc_diags.all())
    if (d.severity != Severity::Note || verbose) write_diag_json(j, d);
  j.end_array();
  j.end_object();
  j.finish();
  return t;
}

namespace {
void program_text(const ProgramOutcome &r, int verbose, std::string &t);
void program_json(const ProgramOutcome &r, int verbose, JsonWriter &j);
}  // namespace

std::string program_report_text(const std::vector<ProgramOutcome> &rs, int verbose) {
  std::string t;
  for (const ProgramOutcome &r : rs) program_text(r, verbose, t);
  return t;
}

std::string program_report_json(const std::vector<ProgramOutcome> &rs, int verbose, bool pretty) {
  std::string t;
  JsonWriter j(t, pretty);
  if (rs.size() != 1) j.begin_array();
  for (const ProgramOutcome &r : rs)
    if (r.error.empty()) program_json(r, verbose, j);
  if (rs.size() != 1) j.end_array();
  j.finish();
  return t;
}

namespace {

void program_text(const ProgramOutcome &r, int verbose, std::string &t) {
  if (!r.error.empty()) return;
  for (const bpf::Finding &f : r.findings) {
    if (f.level == bpf::FindingLevel::Note && !verbose) continue;
    std::string where = f.loc.file;
    if (f.loc.line) where += strfmt(":%u:%u", f.loc.line, f.loc.col);
    t += strfmt("%s: %s: %s (%s%s%s): %s [target %s]\n", where.c_str(), severity_name(f.level), f.program.c_str(),
                f.section.c_str(), f.member.empty() ? "" : ", ", f.member.c_str(), f.message.c_str(),
                f.target.c_str());
    size_t pos = 0;
    while (pos < f.detail.size()) {
      size_t nl = f.detail.find('\n', pos);
      if (nl == std::string::npos) nl = f.detail.size();
      t += "    " + f.detail.substr(pos, nl - pos) + "\n";
      pos = nl + 1;
    }
  }
  if (verbose)
    for (const ProgramTarget &pt : r.targets) {
      for (const std::string &n : pt.not_applied)
        t += strfmt("%s: note: target %s: not applied: %s\n", r.file.c_str(), pt.name.c_str(), n.c_str());
      for (const std::string &n : pt.scope_problems)
        t += strfmt("%s: note: target %s: scope file: %s\n", r.file.c_str(), pt.name.c_str(), n.c_str());
      size_t e = 0, w = 0;
      for (const bpf::Finding &f : r.findings)
        if (f.target == pt.name) {
          e += f.level == bpf::FindingLevel::Error;
          w += f.level == bpf::FindingLevel::Warning;
        }
      t += strfmt("%s: target %s: %zu programs, %zu errors, %zu warnings (modules %zu; kfunc tags %s; scopes %s; "
                  "KF_* flags %s; hooks %s)\n",
                  r.file.c_str(), pt.name.c_str(), r.obj.programs.size(), e, w, pt.modules,
                  pt.kfunc_tags ? "yes" : "no", pt.scopes ? pt.scopes_source.c_str() : "none", pt.flags ? "yes" : "no",
                  pt.hooks ? pt.hooks_source.c_str() : "none");
    }
}

void program_json(const ProgramOutcome &r, int verbose, JsonWriter &j) {
  j.begin_object();
  j.key("file").value(r.file);
  j.key("targets").begin_array();
  for (const ProgramTarget &pt : r.targets) {
    j.begin_object();
    j.key("name").value(pt.name);
    j.key("modules").value(static_cast<uint64_t>(pt.modules));
    j.key("kfunc_tags").value(pt.kfunc_tags);
    j.key("scopes").value(pt.scopes ? pt.scopes_source : "");
    j.key("flags").value(pt.flags);
    j.key("hooks").value(pt.hooks ? pt.hooks_source : "");
    j.key("not_applied").begin_array();
    for (const std::string &n : pt.not_applied) j.value(n);
    j.end_array();
    j.end_object();
  }
  j.end_array();
  j.key("programs").begin_array();
  for (const bpf::Program &p : r.obj.programs) {
    j.begin_object();
    j.key("name").value(p.name);
    j.key("section").value(p.section);
    j.key("type").value(p.def.prog_type);
    j.key("sleepable").value(p.def.sleepable);
    j.key("member").value(p.member.empty() ? "" : bpf::essential_name(p.struct_ops_type) + "." + p.member);
    j.end_object();
  }
  j.end_array();
  j.key("findings").begin_array();
  for (const bpf::Finding &f : r.findings) {
    if (f.level == bpf::FindingLevel::Note && !verbose) continue;
    j.begin_object();
    write_diag_fields(j, Diag{f.level, f.rule, 0, "FUNC", f.kfunc, f.message, f.loc.file, f.loc.line});
    j.key("col").value(f.loc.col);
    j.key("program").value(f.program);
    j.key("section").value(f.section);
    j.key("member").value(f.member);
    j.key("kfunc").value(f.kfunc);
    j.key("target").value(f.target);
    j.key("detail").value(f.detail);
    j.end_object();
  }
  j.end_array();
  j.end_object();
}

}  // namespace

std::string program_report_sarif(const std::vector<ProgramOutcome> &rs, int verbose, bool pretty) {
  std::vector<std::string> rules;
  for (const ProgramOutcome &r : rs)
    for (const bpf::Finding &f : r.findings)
      if (std::find(rules.begin(), rules.end(), f.rule) == rules.end()) rules.push_back(f.rule);
  std::sort(rules.begin(), rules.end());
  std::string t;
  JsonWriter j(t, pretty);
  j.begin_object();
  j.key("$schema").value("https://json.schemastore.org/sarif-2.1.0.json");
  j.key("version").value("2.1.0");
  j.key("runs").begin_array().begin_object();
  j.key("tool").begin_object().key("driver").begin_object();
  j.key("name").value("kfuncbtf");
  j.key("rules").begin_array();
  for (const std::string &id : rules) j.begin_object().key("id").value(id).end_object();
  j.end_array();
  j.end_object().end_object();
  j.key("results").begin_array();
  for (const ProgramOutcome &r : rs)
  for (const bpf::Finding &f : r.findings) {
    if (f.level == bpf::FindingLevel::Note && !verbose) continue;
    j.begin_object();
    j.key("ruleId").value(f.rule);
    j.key("level").value(severity_name(f.level));
    std::string text = f.program + " (" + f.section + (f.member.empty() ? "" : ", " + f.member) + "): " + f.message +
                       " [target " + f.target + "]";
    if (!f.detail.empty()) text += "\n" + f.detail;
    j.key("message").begin_object().key("text").value(text).end_object();
    j.key("locations").begin_array().begin_object();
    j.key("physicalLocation").begin_object();
    j.key("artifactLocation").begin_object().key("uri").value(f.loc.file).end_object();
    if (f.loc.line) {
      j.key("region").begin_object().key("startLine").value(f.loc.line);
      if (f.loc.col) j.key("startColumn").value(f.loc.col);
      j.end_object();
    }
    j.end_object();
    j.end_object().end_array();
    j.key("properties").begin_object();
    j.key("program").value(f.program).key("section").value(f.section).key("member").value(f.member);
    j.key("kfunc").value(f.kfunc).key("target").value(f.target);
    j.end_object();
    j.end_object();
  }
  j.end_array();
  j.end_object().end_array();
  j.end_object();
  j.finish();
  return t;
}

}  // namespace kfb::job
