// kfuncbtf check FILE [--as user|vmlinux|module] [-B BASE] [--kernel 6.1|6.18|7.2|7.3] [--first]
//
// Runs the kernel's BTF loader rules on FILE (raw BTF or an ELF's .BTF) and reports the first
// failure the kernel would report, with the kernel's own text last. Then the kfunc rules
// (check/kfunc_rules.h; an ELF is also scanned): every finding, [--legacy-kfunc-sets]
// [--fatal-warnings] [--no-kfunc-rules]; notes (twins emit will add) only with -v.
//
// kfuncbtf check PROG.bpf.o... [--kernel-btf FILE]... [--module-btf DIR|FILE]... [--scopes FILE]
// An EM_BPF input switches to program mode (job/program.h): the object's kfunc calls against
// each target kernel, one column per --kernel-btf.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "command.h"
#include "job/check.h"
#include "job/report.h"
#include "job/program.h"
#include "support/error.h"
#include "support/file.h"

namespace kfb::tool {
namespace {

struct CheckOpts {
  job::CheckRequest rq;
  std::string as = "user";
  bool stats = false;
  bool sarif = false;
  std::vector<std::string> knobs;  // -G "NAME=VALUE"
  job::ProgramRequest prog;
  std::vector<std::string> files;  // FILE...: several only in program mode
};

// -G "NAME = VALUE" (veristat's form): VALUE decimal, 0x hex, negative, true or false.
void parse_knob(const std::string &arg, std::map<std::string, uint64_t> &out) {
  size_t eq = arg.find('=');
  auto trim = [](std::string s) {
    size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
    return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
  };
  std::string name = trim(arg.substr(0, eq)), value = eq == std::string::npos ? "" : trim(arg.substr(eq + 1));
  if (name.empty() || value.empty()) throw Error("-G '" + arg + "': want NAME=VALUE");
  if (value == "true" || value == "false") {
    out[name] = value == "true";
    return;
  }
  const char *s = value.c_str();
  bool neg = *s == '-';
  char *end = nullptr;
  errno = 0;
  unsigned long long v = strtoull(s + neg, &end, 0);
  if (errno || *end || end == s + neg) throw Error("-G '" + arg + "': '" + value + "' is not a number");
  out[name] = neg ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
}

int run_program(const Globals &g, CheckOpts &o) {
  o.prog.file = o.files[0];
  o.prog.fatal_warnings = o.rq.fatal_warnings;
  for (const std::string &k : o.knobs) parse_knob(k, o.prog.knobs);
  // The pipeline (job/program.h): each target once, then each object against them.
  std::vector<job::ProgramOutcome> rs = job::check_programs(o.prog, o.files);
  // The report: findings to stdout, as text, JSON or SARIF; an object that could not be read
  // to stderr, and the run ends 2 once the others are reported.
  write_stdout(o.sarif  ? job::program_report_sarif(rs, g.verbose, g.pretty)
               : g.json ? job::program_report_json(rs, g.verbose, g.pretty)
                        : job::program_report_text(rs, g.verbose));
  bool unreadable = false, findings = false;
  for (const job::ProgramOutcome &r : rs) {
    if (!r.error.empty()) error_msg(r.error), unreadable = true;
    findings = findings || r.errors();
  }
  return unreadable ? kExitTrouble : findings ? kExitFindings : kExitOk;
}

int run_check(const Globals &g, CheckOpts &o) {
  // An EM_BPF object, several files, or program mode's options: each object is read as libbpf
  // reads it, and lib/bpf says why when it is not one (not ELF, not EM_BPF, ...).
  o.rq.file = o.files[0];
  if (job::is_bpf_object(o.rq.file) || o.files.size() > 1 || !o.prog.kernel_btfs.empty() ||
      !o.prog.module_btfs.empty() || !o.prog.scopes.empty() || !o.knobs.empty())
    return run_program(g, o);
  if (o.sarif) throw Error("--sarif is for a BPF program object (EM_BPF)");
  o.rq.mode = o.as == "vmlinux"  ? check::LoaderMode::Vmlinux
              : o.as == "module" ? check::LoaderMode::Module
                                 : check::LoaderMode::User;
  o.rq.jobs = g.jobs;

  // The pipeline (job/check.h): loader rules, then kfunc rules.
  job::CheckOutcome r = job::check_file(o.rq);

  // The report: loader notes to stderr; findings to stdout, as text or JSON; --stats.
  if (!g.json)
    for (const std::string &n : r.loader.notes) warn_msg(g, o.rq.file + ": .BTF: " + n);
  Laps t;
  write_stdout(g.json ? job::check_report_json(o.rq, r, g.verbose, g.pretty) : job::check_report_text(o.rq, r, g.verbose));
  r.phases.push_back({"output", t.lap()});
  if (o.stats) print_stats(r.phases);
  return r.ok() ? kExitOk : kExitFindings;
}

const CommandRegistration reg{"check", 40, [](CLI::App &app, Globals &g) -> RunFn {
  auto *sub = app.add_subcommand(
      "check", "Check BTF against the kernel's loader rules (the first failure, kernel text)");
  auto o = std::make_shared<CheckOpts>();
  sub->add_option("FILE", o->files,
                  "Raw BTF file or ELF object with .BTF; or BPF objects (EM_BPF), several checked against "
                  "the same targets in one run")
      ->required();
  sub->add_option("--as", o->as,
                  "Rules of: user (bpf(BPF_BTF_LOAD), default), vmlinux (the kernel's own BTF), "
                  "module (split BTF on -B)")
      ->check(CLI::IsMember({"user", "vmlinux", "module"}));
  sub->add_option("-B,--base-btf", o->rq.base, "Base BTF (raw or ELF) for --as module");
  sub->add_option("--kernel", o->rq.kernel,
                  "Kernel version whose rules apply: 7.3, 7.2, 6.18, 6.1 (default: the input's own "
                  "kernel, from an ELF's linux_banner or the running one for /sys/kernel/btf; else 7.3)")
      ->check(CLI::IsMember({"6.1", "6.18", "7.2", "7.3"}));
  sub->add_flag("--first", o->rq.first, "Stop at the first loader failure, as the kernel does "
                                     "(the default for loader rules)");
  sub->add_flag("--no-kfunc-rules", [o](int64_t) { o->rq.kfunc_rules = false; },
                "Only the loader rules (no registration, twin, per-arg flag and scope rules)");
  sub->add_flag("--legacy-kfunc-sets", o->rq.legacy_kfunc_sets,
                "Every set8 is a kfunc set (kernels before 6.9 never set BTF_SET8_KFUNCS)");
  sub->add_flag("--fatal-warnings", o->rq.fatal_warnings, "Warnings count as errors (exit 1)");
  sub->add_option("--kernel-btf", o->prog.kernel_btfs,
                  "BPF object: a target kernel's BTF (raw or an ELF's .BTF), one column each "
                  "(default /sys/kernel/btf/vmlinux)")
      ->group("Program mode (EM_BPF input)");
  sub->add_option("--module-btf", o->prog.module_btfs,
                  "BPF object: module BTFs split on the target's vmlinux (a directory such as "
                  "/sys/kernel/btf, or a file); the i-th goes with the i-th --kernel-btf")
      ->group("Program mode (EM_BPF input)");
  sub->add_option("--scopes", o->prog.scopes,
                  "BPF object: callback scopes and program-type hooks (tools/scopes format) for "
                  "targets whose BTF has no bpf_kfunc_scope / bpf_kfunc_hooks tags")
      ->group("Program mode (EM_BPF input)");
  sub->add_flag("--sarif", o->sarif, "BPF object: findings as SARIF 2.1.0 (code-scanning UIs)")
      ->group("Program mode (EM_BPF input)");
  sub->add_option("-G,--global", o->knobs,
                  "BPF object: NAME=VALUE, a 'const volatile' global's value at load (as veristat -G); "
                  "the verifier prunes by it")
      ->group("Program mode (EM_BPF input)");
  sub->add_flag("--stats", o->stats, "Per-phase times and peak RSS to stderr");
  return [&g, o] { return run_check(g, *o); };
}};

}  // namespace
}  // namespace kfb::tool
