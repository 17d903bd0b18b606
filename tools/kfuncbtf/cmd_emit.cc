// kfuncbtf emit OBJ [--btf FILE] [-B BASE] [-o OUT] [--update-elf [--in-place]] [--scopes FILE]
//   [--features=LIST] [--features-strict] [--list-features] [--legacy-kfunc-sets]
//   [--fatal-warnings] [--stats]
// Rewrite OBJ's BTF for its kfuncs (man kfuncbtf(1), WHAT EMIT WRITES) and write it as raw BTF or
// into a copy of the ELF.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "command.h"
#include "job/emit.h"
#include "job/report.h"
#include "kfunc/features.h"
#include "support/error.h"
#include "support/file.h"

namespace kfb::tool {
namespace {

struct EmitOpts {
  job::EmitRequest rq;
  std::string features = "default";
  bool features_strict = false;
  bool list_features = false;
  bool stats = false;
};

void list_features() {
  for (const kfunc::FeatureInfo &f : kfunc::feature_table())
    printf("%-10s %-8s %s\n", f.name, f.is_default ? "default" : "", f.help);
}

// Why nothing was written, after the findings that say so.
void print_refusal(const Globals &g, const job::EmitOutcome &r) {
  print_diags(g, r.diags);
  switch (r.verdict) {
    case job::EmitVerdict::RuleErrors:
      error_msg(strfmt("%zu error(s): nothing written", r.diags.errors()));
      break;
    case job::EmitVerdict::LoaderRefused:
      error_msg("the emitted BTF fails the kernel's loader rules: " + r.loader_message);
      error_msg("nothing written");
      break;
    case job::EmitVerdict::RecheckFailed:
      for (const Diag &d : r.recheck.all())
        if (d.severity == Severity::Error) error_msg(DiagSink::format(d));
      error_msg(strfmt("the emitted BTF fails %zu kfunc rule(s) of check: nothing written", r.recheck.errors()));
      break;
    case job::EmitVerdict::Written: break;
  }
}

int run_emit(const Globals &g, EmitOpts &o) {
  if (o.list_features) {
    list_features();
    return kExitOk;
  }
  std::vector<std::string> ignored;
  o.rq.features = kfunc::parse_features(o.features, o.features_strict, &ignored);
  for (const std::string &n : ignored) warn_msg(g, strfmt("unknown feature '%s' ignored", n.c_str()));
  o.rq.jobs = g.jobs;

  // The pipeline (job/emit.h); nothing is written unless every check passed.
  job::EmitOutcome r = job::emit_object(o.rq);
  if (!r.note.empty()) warn_msg(g, r.note);
  if (r.verdict != job::EmitVerdict::Written) {
    print_refusal(g, r);
    return kExitFindings;
  }

  // Findings, the summary (to stderr when the BTF itself went to stdout), --stats.
  print_diags(g, r.diags);
  std::string text = g.json ? job::emit_summary_json(o.rq, r, g.pretty) : g.quiet ? "" : job::emit_summary_text(o.rq, r);
  FILE *sum = r.out == "-" ? stderr : stdout;
  if (!text.empty() && (fwrite(text.data(), 1, text.size(), sum) != text.size() || fflush(sum) != 0))
    throw Error("writing the summary failed");
  if (o.stats) print_stats(r.phases, job::emit_counts(r));
  return kExitOk;
}

const CommandRegistration reg{"emit", 20, [](CLI::App &app, Globals &g) -> RunFn {
  auto *sub = app.add_subcommand(
      "emit", "Rewrite an object's BTF for its kfuncs: tags, _impl twins, per-argument flags, scopes");
  auto o = std::make_shared<EmitOpts>();
  sub->add_option("OBJ", o->rq.object, "ELF object: vmlinux.o, vmlinux or a module .ko");
  sub->add_option("--btf", o->rq.btf, "BTF to rewrite instead of OBJ's .BTF (raw or ELF)")->group("Input");
  sub->add_option("-B,--base-btf", o->rq.base, "Base BTF of a split (module) BTF")->group("Input");
  sub->add_option("--scopes", o->rq.scopes,
                  "Scope file: '<kfunc> <ops>.<member>...', 'set:<set> ...', 'calls:<kfunc> ...', "
                  "'hooks:<set> <hook>...'")
      ->group("Input");
  sub->add_flag("--all", o->rq.all,
                "Also take kfuncs known only by btf_decl_tag(\"bpf_kfunc\") (reads every CU with "
                "annotations)")
      ->group("Input");
  sub->add_flag("--legacy-kfunc-sets", o->rq.legacy_kfunc_sets,
                "Treat every set8 as a kfunc set (kernels before 6.9 lack BTF_SET8_KFUNCS)")
      ->group("Input");
  sub->add_option("-o,--output", o->rq.out, "Write the result here (raw BTF; an ELF with --update-elf); - for stdout")
      ->group("Output");
  sub->add_flag("--update-elf", o->rq.update_elf,
                "Write a copy of OBJ with its .BTF section replaced (other sections byte-identical)")
      ->group("Output");
  sub->add_flag("--in-place", o->rq.in_place, "With --update-elf and no -o: replace OBJ itself")
      ->group("Output");
  sub->add_option("--features", o->features,
                  "pahole-style list: default, all, name, +name, -name (see --list-features)")
      ->group("Features");
  sub->add_flag("--features-strict", o->features_strict, "Unknown feature names are an error")
      ->group("Features");
  sub->add_flag("--list-features", o->list_features, "List the features and their defaults")
      ->group("Features");
  sub->add_flag("--fatal-warnings", o->rq.fatal_warnings, "Treat warnings as errors (exit 1)");
  sub->add_flag("--stats", o->stats, "Per-phase times, counts and peak RSS to stderr");
  return [&g, o] {
    if (o->rq.object.empty() && !o->list_features) throw Error("emit: OBJ is required");
    return run_emit(g, *o);
  };
}};

}  // namespace
}  // namespace kfb::tool
