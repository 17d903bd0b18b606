// kfuncbtf diff OLD NEW [-B BASE | --old-base B1 --new-base B2] [--kfuncs-only] [--stat]
// kfuncbtf diff OBJ [--btf FILE] [--legacy-kfunc-sets]: each kfunc's DWARF prototype against
// its BTF.
// Exit 0: same; 1: different; 2: cannot compare (message names the file).
#include <cstdio>
#include <memory>
#include <string>

#include "btf/load.h"
#include "command.h"
#include "diff/diff.h"
#include "diff/proto.h"
#include "elf/elf.h"
#include "kfunc/kfunc.h"
#include "support/diag.h"
#include "support/error.h"
#include "support/json.h"
#include "support/process.h"

namespace kfb::tool {
namespace {

struct DiffOpts {
  std::vector<std::string> files;
  std::string base, old_base, new_base;
  std::string btf;  // one-argument form: BTF instead of OBJ's .BTF (a 6.1 vmlinux.o has none)
  bool legacy = false;
  bool kfuncs_only = false;
  bool stat = false;
  bool stats = false;
};

void put(const std::string &s) { write_stdout(s); }

int run_protos(const Globals &g, const DiffOpts &o) {
  // The object's own .BTF (or --btf) names the FUNCs; scan finds the kfuncs and their DWARF
  // prototypes.
  const std::string &path = o.files[0];
  auto elf = elf::ElfFile::open(path);
  btf::Loaded in = btf::load_object(*elf, o.btf, o.base);
  if (!in.btf) throw Error(path + ": no .BTF section");
  DiagSink diags;
  kfunc::ScanOptions so;
  so.jobs = g.jobs;
  so.legacy_kfunc_sets = o.legacy;
  kfunc::KfuncList ks = kfunc::scan_kfuncs(*elf, in.btf.get(), so, diags);
  print_diags(g, diags);

  diff::DiffResult r;  // reuse the line formatting: all lines are kfunc lines
  r.kfuncs = diff::diff_protos(ks, *in.btf);
  std::string out;
  if (g.json || g.pretty) diff::format_json(r, g.pretty, out);
  else diff::format_text(r, out);
  put(out);
  return r.kfuncs.empty() ? kExitOk : kExitFindings;
}

// The diff's lines to stdout as they are made, in 256 KiB pieces (a vmlinux diff is ~90k
// lines): text, or JSON {"kfuncs":[...],"types":[...]}.
diff::DiffResult stream_diff(const btf::Btf &a, const btf::Btf &b, const diff::DiffOptions &opt, bool json,
                             bool pretty) {
  constexpr size_t kFlushAt = 256 * 1024;
  std::string out;
  JsonWriter j(out, pretty);
  bool any = false, in_types = false;
  if (json) j.begin_object().key("kfuncs").begin_array();
  diff::LineSink sink = [&](const diff::Line &l, bool kfunc_section) {
    any = true;
    if (json) {
      if (!kfunc_section && !in_types) {
        j.end_array().key("types").begin_array();
        in_types = true;
      }
      diff::json_line(j, l);
    } else {
      diff::append_line(out, l);
      out += '\n';
    }
    if (out.size() >= kFlushAt) {
      put(out);
      out.clear();
    }
  };
  diff::DiffResult r = diff::diff_btf(a, b, opt, sink);
  if (json) {
    if (!in_types) j.end_array().key("types").begin_array();
    j.end_array().end_object();
    j.finish();
  } else if (!any) {
    out += "no differences\n";
  }
  put(out);
  return r;
}

int run_diff(const Globals &g, const DiffOpts &o) {
  if (o.files.size() == 1) return run_protos(g, o);
  if (!o.btf.empty() || o.legacy)
    throw Error("diff: --btf and --legacy-kfunc-sets apply to the one-argument form (diff OBJ)");
  if (!o.base.empty() && (!o.old_base.empty() || !o.new_base.empty()))
    throw Error("diff: give either -B/--base-btf or --old-base/--new-base, not both");
  Laps t;
  prepare_heap(64 << 20);  // a vmlinux diff allocates ~50 MB of short-lived vectors and strings

  // Both sides, each on its own base (a base of the wrong byte order is refused by the parser);
  // with -j, NEW is read on a second thread.
  auto [a, b] = btf::load_pair(o.files[0], o.old_base.empty() ? o.base : o.old_base, o.files[1],
                               o.new_base.empty() ? o.base : o.new_base, g.jobs > 1);
  double t_read = t.lap();

  // Pair by identity, compare, order: kfunc changes, then added, removed, changed types.
  diff::DiffOptions opt;
  opt.kfuncs_only = o.kfuncs_only;
  opt.counts_only = o.stat;
  opt.jobs = g.jobs;
  bool json = g.json || g.pretty;
  if (o.stat) {
    std::string out;
    diff::DiffResult r = diff::diff_btf(*a.btf, *b.btf, opt);
    json ? diff::format_stat_json(r, g.pretty, out) : diff::format_stat_text(r, out);
    put(out);
    if (o.stats) print_stats({{"read", t_read}, {"diff", t.lap()}});
    return r.different() ? kExitFindings : kExitOk;
  }

  diff::DiffResult r = stream_diff(*a.btf, *b.btf, opt, json, g.pretty);
  if (o.stats) print_stats({{"read", t_read}, {"diff and output", t.lap()}});
  return r.different() ? kExitFindings : kExitOk;
}

const CommandRegistration reg{"diff", 40, [](CLI::App &app, Globals &g) -> RunFn {
  auto *sub = app.add_subcommand(
      "diff", "Semantic BTF diff (OLD NEW), or DWARF prototypes vs BTF of kfuncs (OBJ)");
  auto o = std::make_shared<DiffOpts>();
  sub->add_option("FILES", o->files,
                  "OLD NEW: raw BTF, ELF with .BTF, or /sys/kernel/btf/<name>; or one OBJ")
      ->required()
      ->expected(1, 2);
  sub->add_option("-B,--base-btf", o->base, "Base BTF of both split inputs");
  sub->add_option("--old-base", o->old_base, "Base BTF of a split OLD");
  sub->add_option("--new-base", o->new_base, "Base BTF of a split NEW");
  sub->add_option("--btf", o->btf, "diff OBJ: BTF to compare with instead of OBJ's .BTF");
  sub->add_flag("--legacy-kfunc-sets", o->legacy,
                "diff OBJ: set8s without BTF_SET8_KFUNCS are kfunc sets too (kernels before 6.9)");
  sub->add_flag("--kfuncs-only", o->kfuncs_only, "Only kfunc changes (and exit status)");
  sub->add_flag("--stat", o->stat, "Counts per kind: added removed changed same");
  sub->add_flag("--stats", o->stats, "Per-phase times and peak RSS to stderr");
  return [&g, o] { return run_diff(g, *o); };
}};

}  // namespace
}  // namespace kfb::tool
