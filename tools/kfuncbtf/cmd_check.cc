// kfuncbtf check FILE [--as user|vmlinux|module] [-B BASE] [--kernel 6.1|6.18|7.2|7.3] [--first]
//
// Runs the kernel's BTF loader rules on FILE (raw BTF or an ELF's .BTF) and reports the first
// failure the kernel would report, with the kernel's own text last. Then the kfunc rules
// (check/kfunc_rules.h; an ELF is also scanned): every finding, [--legacy-kfunc-sets]
// [--fatal-warnings] [--no-kfunc-rules]; notes (twins emit will add) only with -v.
#include <sys/utsname.h>

#include <cstdio>
#include <memory>
#include <string>

#include "btf/load.h"
#include "check/kfunc_rules.h"
#include "check/loader.h"
#include "command.h"
#include "elf/elf.h"
#include "kfunc/kernel.h"
#include "support/diag.h"
#include "support/error.h"
#include "support/file.h"
#include "support/json.h"

namespace kfb::tool {
namespace {


struct CheckOpts {
  std::string file;
  std::string as = "user";
  std::string base;
  std::string kernel;  // "" (not given): the input's own kernel, else the newest (7.3)
  bool first = true;
  bool first_given = false;        // --first on the command line: also stop the kfunc rules
  bool kfunc_rules = true;         // --no-kfunc-rules turns them off
  bool legacy_kfunc_sets = false;  // every set8 is a kfunc set (pre-6.9 kernels)
  bool fatal_warnings = false;
  bool stats = false;
};

// The rule set for a kernel version (kernel.h): each version gets the newest set at or below it.
const char *rules_for(int version) {
  if (version >= 703) return "7.3";
  if (version >= 702) return "7.2";
  if (version >= 618) return "6.18";
  return "6.1";
}

// Without --kernel: the kernel the input comes from (an ELF's linux_banner; the running kernel
// for /sys/kernel/btf), else the newest rules.
std::string default_kernel(const std::string &file, const btf::Source &in) {
  int v = 0;
  if (in.elf) {
    v = kfunc::kernel_version_of(*in.elf);
  } else if (btf::sys_btf_kind(file) != btf::SysBtf::None) {
    struct utsname u;
    if (uname(&u) == 0) v = kfunc::parse_kernel_version(u.release);
  }
  return v ? rules_for(v) : "7.3";
}

int run_check(const Globals &g, const CheckOpts &opts) {
  CheckOpts o = opts;
  Laps t;
  btf::Source in = btf::Source::open(o.file);  // an ELF is checked by lib/elf first
  if (o.kernel.empty()) o.kernel = default_kernel(o.file, in);
  check::CheckOptions co;
  co.mode = o.as == "vmlinux"  ? check::LoaderMode::Vmlinux
            : o.as == "module" ? check::LoaderMode::Module
                               : check::LoaderMode::User;
  co.kernel = o.kernel == "6.1"    ? check::KernelVersion::V6_1
              : o.kernel == "6.18" ? check::KernelVersion::V6_18
              : o.kernel == "7.2"  ? check::KernelVersion::V7_2
                                   : check::KernelVersion::V7_3;
  co.where = o.file + ": .BTF";

  // Read the input and, for split BTF, its base (a module in /sys/kernel/btf defaults to vmlinux).
  std::span<const uint8_t> blob = in.bytes;
  // The base of a module: its own .BTF.base (7.x out-of-tree modules), else -B, else vmlinux
  // for /sys/kernel/btf/<module> (btf::base_source, as every reader of BTF chooses it).
  std::optional<btf::Source> base;
  if (co.mode == check::LoaderMode::Module) {
    base = btf::base_source(in.elf.get(), o.file, o.base);
    if (!base) throw Error("--as module needs the base BTF (-B/--base-btf)");
    co.base = base->bytes;
    co.base_where = base->what;
  } else if (!o.base.empty()) {
    throw Error("-B/--base-btf is only used with --as module");
  }

  // The loader rules, in the kernel's order; the first failure wins.
  double t_read = t.lap();
  check::LoaderResult r = check::check_loader(blob, co);
  double t_loader = t.lap();

  // The kfunc rules (man kfuncbtf(1), WHAT CHECK VERIFIES). Unlike the kernel, keep going after a
  // loader failure while
  // the BTF can still be read, and report every kfunc finding; --first stops at the first.
  DiagSink kdiags;
  check::KfuncFileResult kr;
  bool kran = false;
  if (o.kfunc_rules && !(o.first_given && !r.ok)) {
    check::KfuncFileOptions ko;
    ko.rules.input = o.file;
    ko.rules.legacy_kfunc_sets = o.legacy_kfunc_sets;
    ko.rules.first = o.first_given;
    ko.jobs = g.jobs;
    try {
      // The BTF model is parsed from the bytes read above (the loader rules parse in the
      // kernel's order on their own), on the same base; any other /sys/kernel/btf file than
      // vmlinux is split on vmlinux, as btf::load has it.
      if (!base && co.mode != check::LoaderMode::Module) base = btf::base_source(in.elf.get(), o.file, "");
      std::unique_ptr<btf::Btf> kbase;
      if (base) kbase = std::make_unique<btf::Btf>(btf::Btf::parse(base->bytes, base->what));
      auto b = std::make_unique<btf::Btf>(btf::Btf::parse(in.bytes, in.what, kbase.get()));
      kr = check::check_kfunc_file(*b, in.elf.get(), ko, kdiags);
      kran = true;
      bool v7 = co.kernel == check::KernelVersion::V7_2 || co.kernel == check::KernelVersion::V7_3;
      if (co.mode == check::LoaderMode::Vmlinux && v7) check::check_vmlinux_order(*b, o.file, o.kernel, kdiags);
    } catch (const Error &e) {
      if (r.ok) throw;  // readable for the kernel but not for us: cannot run
    }
    if (o.fatal_warnings) kdiags.promote_warnings();
    kdiags.sort();
  }
  bool kfunc_errors = kdiags.errors() > 0;
  double t_kfunc = t.lap();

  if (g.json || g.pretty) {
    std::string out;
    JsonWriter j(out, g.pretty);
    j.begin_object();
    j.key("file").value(o.file);
    j.key("mode").value(o.as);
    j.key("kernel").value(o.kernel);
    j.key("verdict").value(r.ok ? "accepted" : "rejected");
    j.key("errno").value(r.ok ? "" : check::errno_name(r.err));
    j.key("nr_types").value(r.nr_types);
    j.key("findings").begin_array();
    auto finding = [&](const char *sev, const std::string &rule, uint32_t id,
                       const std::string &kind, const std::string &name, const std::string &msg,
                       const std::string &err, size_t off, const std::string &klog) {
      j.begin_object();
      j.key("severity").value(sev);
      j.key("rule").value(rule);
      j.key("type_id").value(id);
      j.key("kind").value(kind);
      j.key("name").value(name);
      j.key("message").value(msg);
      j.key("errno").value(err);
      j.key("offset").value(uint64_t(off));
      j.key("kernel_log").value(klog);
      j.end_object();
    };
    auto kfinding = [&](const Diag &d) {
      j.begin_object();
      j.key("severity").value(severity_name(d.severity));
      j.key("rule").value(d.rule);
      j.key("type_id").value(d.type_id);
      j.key("kind").value(d.kind);
      j.key("name").value(d.name);
      j.key("message").value(d.message);
      j.key("file").value(d.file);
      j.key("line").value(d.line);
      j.end_object();
    };
    for (auto &n : r.notes) finding("warning", "loader-meta", 0, "", "", n, "", 0, "");
    if (!r.ok)
      finding("error", r.rule, r.type_id, r.kind, r.name, r.message, check::errno_name(r.err),
              r.offset, r.kernel_log);
    for (const Diag &d : kdiags.all())
      if (d.severity != Severity::Note || g.verbose) kfinding(d);
    j.end_array();
    j.end_object();
    j.finish();
    fputs(out.c_str(), stdout);
  } else {
    for (auto &n : r.notes) warn_msg(g, o.file + ": .BTF: " + n);
    if (!r.ok) {
      printf("%s\n", check::format_finding(r, co).c_str());
      if (g.verbose) {
        printf("  errno: %s\n", check::errno_name(r.err));
        if (!r.kernel_log.empty()) printf("  kernel log:\n    %s\n", r.kernel_log.c_str());
      }
    } else if (g.verbose) {
      printf("%s: ok (%u types, loader rules of Linux %s, as %s BTF)\n", o.file.c_str(),
             r.nr_types, o.kernel.c_str(), o.as.c_str());
    }
  }
  if (!(g.json || g.pretty))
    for (const Diag &d : kdiags.all())
      if (d.severity != Severity::Note || g.verbose) printf("%s\n", DiagSink::format(d).c_str());
  if (!(g.json || g.pretty) && g.verbose && kran)
    printf("%s: kfunc rules: %zu kfuncs%s, %zu errors, %zu warnings, %zu notes\n", o.file.c_str(),
           kr.kfuncs, kr.from_elf ? " (ELF scanned)" : " (BTF alone)", kdiags.errors(),
           kdiags.warnings(), kdiags.count(Severity::Note));
  if (o.stats) {
    fflush(stdout);
    print_stats(t, {{"read", t_read}, {"loader rules", t_loader}, {"kfunc rules", t_kfunc}, {"output", t.lap()}});
  }
  return r.ok && !kfunc_errors ? kExitOk : kExitFindings;
}

const CommandRegistration reg{"check", 40, [](CLI::App &app, Globals &g) -> RunFn {
  auto *sub = app.add_subcommand(
      "check", "Check BTF against the kernel's loader rules (the first failure, kernel text)");
  auto o = std::make_shared<CheckOpts>();
  sub->add_option("FILE", o->file, "Raw BTF file or ELF object with .BTF")->required();
  sub->add_option("--as", o->as,
                  "Rules of: user (bpf(BPF_BTF_LOAD), default), vmlinux (the kernel's own BTF), "
                  "module (split BTF on -B)")
      ->check(CLI::IsMember({"user", "vmlinux", "module"}));
  sub->add_option("-B,--base-btf", o->base, "Base BTF (raw or ELF) for --as module");
  sub->add_option("--kernel", o->kernel,
                  "Kernel version whose rules apply: 7.3, 7.2, 6.18, 6.1 (default: the input's own "
                  "kernel, from an ELF's linux_banner or the running one for /sys/kernel/btf; else 7.3)")
      ->check(CLI::IsMember({"6.1", "6.18", "7.2", "7.3"}));
  sub->add_flag("--first", o->first, "Stop at the first loader failure, as the kernel does "
                                     "(the default for loader rules)");
  sub->add_flag("--no-kfunc-rules", [o](int64_t) { o->kfunc_rules = false; },
                "Only the loader rules (no registration, twin, per-arg flag and scope rules)");
  sub->add_flag("--legacy-kfunc-sets", o->legacy_kfunc_sets,
                "Every set8 is a kfunc set (kernels before 6.9 never set BTF_SET8_KFUNCS)");
  sub->add_flag("--fatal-warnings", o->fatal_warnings, "Warnings count as errors (exit 1)");
  sub->add_flag("--stats", o->stats, "Per-phase times and peak RSS to stderr");
  return [&g, o, sub] {
    o->first_given = sub->get_option("--first")->count() > 0;
    return run_check(g, *o);
  };
}};

}  // namespace
}  // namespace kfb::tool
