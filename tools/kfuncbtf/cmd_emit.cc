// kfuncbtf emit OBJ [--btf FILE] [-B BASE] [-o OUT] [--update-elf [--in-place]] [--scopes FILE]
//   [--features=LIST] [--features-strict] [--list-features] [--legacy-kfunc-sets]
//   [--fatal-warnings] [--stats]
// Rewrite OBJ's BTF for its kfuncs (man kfuncbtf(1), WHAT EMIT WRITES) and write it as raw BTF or
// into a copy of the ELF.
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <span>
#include <string>

#include "btf/btf.h"
#include "btf/load.h"
#include "check/emitted.h"
#include "check/kfunc_rules.h"
#include "check/loader.h"
#include "command.h"
#include "elf/elf.h"
#include "elf/rewrite.h"
#include "kfunc/btf_ids.h"
#include "kfunc/emit.h"
#include "kfunc/kernel.h"
#include "kfunc/features.h"
#include "kfunc/kfunc.h"
#include "kfunc/scopes.h"
#include "support/diag.h"
#include "support/error.h"
#include "support/file.h"
#include "support/json.h"
#include "support/process.h"

namespace kfb::tool {
namespace {

struct EmitOpts {
  std::string file;
  std::string btf;
  std::string base;
  std::string out;
  std::string scopes;
  std::string features = "default";
  bool features_given = false;
  bool features_strict = false;
  bool list_features = false;
  bool update_elf = false;
  bool in_place = false;
  bool legacy = false;
  bool all = false;
  bool fatal_warnings = false;
  bool stats = false;
};

void print_diags(const Globals &g, const DiagSink &diags) {
  for (const Diag &d : diags.all())
    if (d.severity == Severity::Error || !g.quiet) error_msg(DiagSink::format(d));
}

void list_features() {
  for (const kfunc::FeatureInfo &f : kfunc::feature_table())
    printf("%-10s %-8s %s\n", f.name, f.is_default ? "default" : "", f.help);
}

void summary_text(const kfunc::EmitStats &s, const std::string &in, const std::string &out,
                  const kfunc::EmitFeatures &f, std::string &t) {
  t += strfmt("emit: %s -> %s (features: %s)\n", in.c_str(), out.empty() ? "(nothing written: no -o)" : out.c_str(),
              kfunc::features_string(f).c_str());
  t += strfmt("  kfuncs:          %zu processed, %zu without a FUNC\n", s.kfuncs, s.skipped);
  t += strfmt("  decl tags:       %zu bpf_kfunc, %zu bpf_fastcall\n", s.kfunc_tags, s.fastcall_tags);
  t += strfmt("  twins:           %zu new _impl, %zu reused, %zu tags copied\n", s.twins_added,
              s.twins_reused, s.copied_tags);
  t += strfmt("  trimmed protos:  %zu added, %zu reused (dedup)\n", s.protos_added, s.protos_reused);
  t += strfmt("  per-arg tags:    %zu bpf_kfunc_arg, %zu bpf_kfunc_ret\n", s.arg_tags, s.ret_tags);
  t += strfmt("  scope tags:      %zu bpf_kfunc_scope, %zu bpf_kfunc_calls", s.scope_tags, s.calls_tags);
  if (s.scope_lines_elsewhere)
    t += strfmt(" (%zu scope-file lines name kfuncs this module does not have)", s.scope_lines_elsewhere);
  t += '\n';
  t += strfmt("  arena:           %zu address_space(1) attributes, %zu prototypes\n", s.arena_attrs,
              s.arena_protos);
  t += strfmt("  types:           %u -> %u (+%zu)%s\n", s.types_before - 1, s.types_after - 1, s.added(),
              s.sorted ? ", sorted by name" : "");
}

void summary_json(const kfunc::EmitStats &s, const std::string &in, const std::string &out,
                  const kfunc::EmitFeatures &f, const DiagSink &diags, bool pretty, std::string &t) {
  JsonWriter j(t, pretty);
  j.begin_object();
  j.key("input").value(in);
  if (out.empty()) j.key("output").null();
  else j.key("output").value(out);
  j.key("features").value(kfunc::features_string(f));
  j.key("kfuncs").value(static_cast<uint64_t>(s.kfuncs));
  j.key("skipped").value(static_cast<uint64_t>(s.skipped));
  j.key("bpf_kfunc_tags").value(static_cast<uint64_t>(s.kfunc_tags));
  j.key("bpf_fastcall_tags").value(static_cast<uint64_t>(s.fastcall_tags));
  j.key("twins_added").value(static_cast<uint64_t>(s.twins_added));
  j.key("twins_reused").value(static_cast<uint64_t>(s.twins_reused));
  j.key("copied_tags").value(static_cast<uint64_t>(s.copied_tags));
  j.key("protos_added").value(static_cast<uint64_t>(s.protos_added));
  j.key("protos_reused").value(static_cast<uint64_t>(s.protos_reused));
  j.key("arg_tags").value(static_cast<uint64_t>(s.arg_tags));
  j.key("ret_tags").value(static_cast<uint64_t>(s.ret_tags));
  j.key("scope_tags").value(static_cast<uint64_t>(s.scope_tags));
  j.key("calls_tags").value(static_cast<uint64_t>(s.calls_tags));
  j.key("scope_lines_elsewhere").value(static_cast<uint64_t>(s.scope_lines_elsewhere));
  j.key("arena_attrs").value(static_cast<uint64_t>(s.arena_attrs));
  j.key("arena_protos").value(static_cast<uint64_t>(s.arena_protos));
  j.key("types_before").value(static_cast<uint64_t>(s.types_before - 1));
  j.key("types_after").value(static_cast<uint64_t>(s.types_after - 1));
  j.key("sorted").value(s.sorted);
  write_diags_json(j, diags);
  j.end_object();
  j.finish();
}

int run_emit(const Globals &g, const EmitOpts &o) {
  if (o.list_features) {
    list_features();
    return kExitOk;
  }
  Laps t;
  std::vector<std::string> ignored;
  kfunc::EmitFeatures features = kfunc::parse_features(o.features, o.features_strict, &ignored);
  for (const std::string &n : ignored) warn_msg(g, strfmt("unknown feature '%s' ignored", n.c_str()));
  std::string out = o.out;
  if (o.in_place && !o.update_elf) throw Error("--in-place needs --update-elf");
  if (o.in_place && !out.empty()) throw Error("--in-place rewrites OBJ itself: give it or -o OUT, not both");
  // The same inode, also through a symbolic or hard link: raw BTF over the object destroys it.
  if (!o.update_elf && !out.empty() && out != "-" && same_file(out, o.file))
    throw Error(strfmt("%s: -o is the input object itself; raw BTF would replace the ELF "
                       "(--update-elf --in-place rewrites its .BTF)", out.c_str()));
  if (o.update_elf && out.empty()) {
    if (!o.in_place) throw Error("--update-elf needs -o OUT, or --in-place to rewrite OBJ itself");
    out = o.file;
  }

  // The object and its BTF: --btf FILE, else OBJ's .BTF; split on -B.
  auto elf = elf::ElfFile::open(o.file);
  btf::Loaded loaded = btf::load_object(*elf, o.btf, o.base);
  if (!loaded.btf) throw Error(o.file + ": no .BTF section (run pahole -J first, or give --btf FILE)");
  btf::Btf &btf = *loaded.btf;
  const std::vector<uint8_t> input_bytes = btf.write();  // for the loader check's baseline
  check::SortPlan plan = check::plan_sort(*elf, btf, features.sort, o.update_elf);
  double t_read = t.lap();

  // Kfuncs: .BTF_ids sets + DWARF (+ a scope file); rule violations stop us here.
  DiagSink diags;
  kfunc::ScanOptions sopt;
  sopt.jobs = g.jobs;
  sopt.legacy_kfunc_sets = o.legacy;
  sopt.all = o.all;
  // No DWARF at all (built without -g): names and flags from .BTF_ids, the rest from BTF.
  bool dwarf = elf->section(".debug_info") != nullptr;
  if (!dwarf) {
    Diag w;
    w.severity = Severity::Warning;
    w.rule = "kfunc-no-debug-info";
    w.file = elf->path();
    w.message = "no DWARF (.debug_info): kfunc parameters come from BTF, scopes from its decl tags";
    diags.add(std::move(w));
  }
  kfunc::KfuncList ks = dwarf ? kfunc::scan_kfuncs(*elf, &btf, sopt, diags) : kfunc::kfuncs_from_btf(*elf, btf, o.legacy, diags);
  size_t scope_lines_elsewhere = 0;
  if (!o.scopes.empty()) {
    MappedFile sf = MappedFile::open(o.scopes);
    scope_lines_elsewhere = kfunc::apply_scope_file(o.scopes, sf.data(), ks, diags, btf.base() != nullptr);
  }
  double t_scan = t.lap();
  if (o.fatal_warnings) diags.promote_warnings();

  // The rewrite (lib/kfunc/emit), unless the scan already found rule violations.
  kfunc::EmitResult res;
  if (!diags.errors()) {
    kfunc::EmitOptions eo;
    eo.features = features;
    eo.ptr_size = elf->is64() ? 8 : 4;
    eo.kernel = kfunc::kernel_version_of(*elf);
    eo.warn_missing_func = !dwarf;  // scan_kfuncs warned about every kfunc without a FUNC
    res = kfunc::emit_kfunc_btf(btf, ks, eo, diags);
    res.stats.scope_lines_elsewhere = scope_lines_elsewhere;
    if (o.fatal_warnings) diags.promote_warnings();
  }
  double t_emit = t.lap();
  diags.sort();
  if (diags.errors()) {
    print_diags(g, diags);
    error_msg(strfmt("%zu error(s): nothing written", diags.errors()));
    return kExitFindings;
  }

  // Bytes, then the kernel's loader rules on them (user BTF; split BTF in module mode).
  std::vector<uint8_t> bytes = btf.write();
  double t_write = t.lap();
  {
    std::string where = (o.btf.empty() ? o.file : o.btf) + " (emitted): .BTF";
    btf::Btf::parse(bytes, where, loaded.base.get());  // the writer's output reads back
    check::CheckOptions co;
    co.where = where;
    // The rules of the kernel the object comes from: 7.x's, or 6.18's (the running kernel's
    // generation) for older and unknown ones.
    co.kernel = kfunc::kernel_version_of(*elf) >= 702 ? check::KernelVersion::V7_3 : check::KernelVersion::V6_18;
    std::string note;
    check::LoaderResult lr = check::check_emitted_loader(bytes, input_bytes, btf, co, &note);
    if (!note.empty()) warn_msg(g, note);
    if (!lr.ok) {
      print_diags(g, diags);
      error_msg("the emitted BTF fails the kernel's loader rules: " + check::format_finding(lr, co));
      error_msg("nothing written");
      return kExitFindings;
    }
  }
  {
    DiagSink kd;
    check::check_emitted_kfuncs(btf, ks, res.records, *elf, plan, o.legacy, o.file, kd);
    if (kd.errors()) {
      kd.sort();
      print_diags(g, diags);
      for (const Diag &d : kd.all())
        if (d.severity == Severity::Error) error_msg(DiagSink::format(d));
      error_msg(strfmt("the emitted BTF fails %zu kfunc rule(s) of check: nothing written", kd.errors()));
      return kExitFindings;
    }
  }
  double t_check = t.lap();

  // Output: raw BTF, or a copy of the ELF with .BTF replaced; "-" is stdout, anything else
  // goes through write_file_atomic (temp file + rename; devices and pipes written in place).
  if (!out.empty() && o.update_elf) {
    elf::ElfRewrite rw = elf::rewrite_btf(*elf, bytes);  // OBJ stays mapped and open until written
    struct stat st;
    unsigned mode = fstat(elf->fd(), &st) == 0 ? st.st_mode & 07777 : 0644;
    if (out == "-") {
      std::vector<uint8_t> image = rw.image.bytes();
      write_stdout({reinterpret_cast<const char *>(image.data()), image.size()});
    } else {
      write_file_atomic(out, rw.image, mode);
    }
  } else if (!out.empty()) {
    if (out == "-") write_stdout({reinterpret_cast<const char *>(bytes.data()), bytes.size()});
    else write_file_atomic(out, bytes, 0644);
  }
  double t_out = t.lap();

  print_diags(g, diags);
  std::string text;
  if (g.json)
    summary_json(res.stats, o.file, out, features, diags, g.pretty, text);
  else if (!g.quiet)
    summary_text(res.stats, o.file, out, features, text);
  FILE *sum = out == "-" ? stderr : stdout;  // the BTF itself went to stdout
  if (!text.empty() && (fwrite(text.data(), 1, text.size(), sum) != text.size() || fflush(sum) != 0))
    throw Error("writing the summary failed");

  if (o.stats) {
    const kfunc::ScanStats &ss = ks.stats;
    const kfunc::EmitStats &s = res.stats;
    fprintf(stderr,
            "kfuncbtf: stats: read %.3f s, scan %.3f s (%zu of %zu CUs read, %zu DIEs), emit %.3f s, "
            "write %.3f s, check %.3f s, output %.3f s; total %.3f s\n"
            "kfuncbtf: stats: %zu kfuncs, %zu twins (%zu new), %zu tags added, %zu types added; "
            "peak RSS %ld MB\n",
            t_read, t_scan, ss.cus_read, ss.cus, ss.dies, t_emit, t_write, t_check, t_out, t.total(),
            s.kfuncs, s.twins_added + s.twins_reused, s.twins_added,
            s.kfunc_tags + s.fastcall_tags + s.copied_tags + s.arg_tags + s.ret_tags + s.scope_tags +
                s.calls_tags,
            s.added(), peak_rss_mb());
  }
  return kExitOk;
}

const CommandRegistration reg{"emit", 20, [](CLI::App &app, Globals &g) -> RunFn {
  auto *sub = app.add_subcommand(
      "emit", "Rewrite an object's BTF for its kfuncs: tags, _impl twins, per-argument flags, scopes");
  auto o = std::make_shared<EmitOpts>();
  sub->add_option("OBJ", o->file, "ELF object: vmlinux.o, vmlinux or a module .ko");
  sub->add_option("--btf", o->btf, "BTF to rewrite instead of OBJ's .BTF (raw or ELF)")->group("Input");
  sub->add_option("-B,--base-btf", o->base, "Base BTF of a split (module) BTF")->group("Input");
  sub->add_option("--scopes", o->scopes,
                  "Scope file: '<kfunc> <ops>.<member>...', 'set:<set> ...', 'calls:<kfunc> ...'")
      ->group("Input");
  sub->add_flag("--all", o->all,
                "Also take kfuncs known only by btf_decl_tag(\"bpf_kfunc\") (reads every CU with "
                "annotations)")
      ->group("Input");
  sub->add_flag("--legacy-kfunc-sets", o->legacy,
                "Treat every set8 as a kfunc set (kernels before 6.9 lack BTF_SET8_KFUNCS)")
      ->group("Input");
  sub->add_option("-o,--output", o->out, "Write the result here (raw BTF; an ELF with --update-elf); - for stdout")
      ->group("Output");
  sub->add_flag("--update-elf", o->update_elf,
                "Write a copy of OBJ with its .BTF section replaced (other sections byte-identical)")
      ->group("Output");
  sub->add_flag("--in-place", o->in_place, "With --update-elf and no -o: replace OBJ itself")
      ->group("Output");
  sub->add_option("--features", o->features,
                  "pahole-style list: default, all, name, +name, -name (see --list-features)")
      ->group("Features");
  sub->add_flag("--features-strict", o->features_strict, "Unknown feature names are an error")
      ->group("Features");
  sub->add_flag("--list-features", o->list_features, "List the features and their defaults")
      ->group("Features");
  sub->add_flag("--fatal-warnings", o->fatal_warnings, "Treat warnings as errors (exit 1)");
  sub->add_flag("--stats", o->stats, "Per-phase times, counts and peak RSS to stderr");
  return [&g, o] {
    if (o->file.empty() && !o->list_features) throw Error("emit: OBJ is required");
    return run_emit(g, *o);
  };
}};

}  // namespace
}  // namespace kfb::tool
