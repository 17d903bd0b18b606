// kfuncbtf scan OBJ [--btf FILE] [-B BASE] [--all] [--legacy-kfunc-sets] [--fatal-warnings]:
// list every kfunc of an object (.BTF_ids sets and DWARF bpf_kfunc tags) with its flags,
// prototype, per-argument flags and source line.

#include <cstdio>
#include <memory>
#include <string>

#include "btf/btf.h"
#include "btf/load.h"
#include "command.h"
#include "elf/elf.h"
#include "kfunc/kfunc.h"
#include "kfunc/report.h"
#include "support/diag.h"
#include "support/error.h"
#include "support/process.h"

namespace kfb::tool {
namespace {

struct ScanOpts {
  std::string file;
  std::string btf;
  std::string base;
  bool all = false;
  bool legacy = false;
  bool fatal_warnings = false;
  bool stats = false;
};

int run_scan(const Globals &g, const ScanOpts &o) {
  Laps t;
  // The object, once.
  auto elf = elf::ElfFile::open(o.file);
  elf->symbols();
  double t_elf = t.lap();

  // Its BTF: --btf FILE, else the ELF's own .BTF (needed to name the pairs of sorted sets).
  btf::Loaded loaded = btf::load_object(*elf, o.btf, o.base);

  // Sets + DWARF -> kfuncs with per-arg flags; findings into the sink.
  double t_btf = t.lap();
  DiagSink diags;
  kfunc::ScanOptions opt;
  opt.jobs = g.jobs;
  opt.all = o.all;
  opt.legacy_kfunc_sets = o.legacy;
  kfunc::KfuncList ks = kfunc::scan_kfuncs(*elf, loaded.btf.get(), opt, diags);
  if (o.fatal_warnings) diags.promote_warnings();
  diags.sort();

  std::string out;
  if (g.json)
    kfunc::format_json(ks, diags, g.pretty, out);
  else
    kfunc::format_text(ks, out);
  write_stdout(out);

  print_diags(g, diags);
  if (o.stats) {
    const kfunc::ScanStats &st = ks.stats;
    print_stats({{"elf+symbols", t_elf},
                 {"btf", t_btf},
                 {".BTF_ids", st.t_btf_ids, strfmt("%zu sets, %zu entries", st.sets, st.entries)},
                 {"dwarf open", st.t_dwarf_open, strfmt("%zu CUs", st.cus)},
                 {"dwarf find", st.t_dwarf_find,
                  strfmt("%zu CUs read%s, %zu DIEs", st.cus_read, st.aranges ? " via aranges" : "", st.dies)},
                 {"join", st.t_join}},
                strfmt("%zu kfuncs", ks.kfuncs.size()));
  }
  return diags.errors() ? kExitFindings : kExitOk;
}

const CommandRegistration reg{"scan", 10, [](CLI::App &app, Globals &g) -> RunFn {
  auto *sub = app.add_subcommand(
      "scan", "List the kfuncs of an object: .BTF_ids sets and DWARF bpf_kfunc tags");
  auto o = std::make_shared<ScanOpts>();
  sub->add_option("OBJ", o->file, "ELF object: vmlinux.o, vmlinux or a module .ko")->required();
  sub->add_option("--btf", o->btf, "BTF to use instead of OBJ's .BTF (raw or ELF)");
  sub->add_option("-B,--base-btf", o->base, "Base BTF of a split (module) BTF");
  sub->add_flag("--all", o->all,
                "Also find kfuncs known only by their btf_decl_tag(\"bpf_kfunc\") (reads every CU "
                "that has annotations)");
  sub->add_flag("--legacy-kfunc-sets", o->legacy,
                "Treat every set8 as a kfunc set (kernels before 6.9 lack BTF_SET8_KFUNCS)");
  sub->add_flag("--fatal-warnings", o->fatal_warnings, "Treat warnings as errors (exit 1)");
  sub->add_flag("--stats", o->stats, "Print time and peak RSS to stderr");
  return [&g, o] { return run_scan(g, *o); };
}};

}  // namespace
}  // namespace kfb::tool
