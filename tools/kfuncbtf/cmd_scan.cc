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
#include "support/diag.h"
#include "support/error.h"
#include "support/json.h"
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

std::string flag_list(const std::vector<std::string> &names) {
  return names.empty() ? std::string() : " [" + kfunc::join(names, ",") + "]";
}

// "struct task_struct *p", "int (*cb)(void *)" is not attempted: the type, then the name.
std::string param_text(const kfunc::KfuncParam &p) {
  const std::string &t = p.type.text;
  if (t.empty() || p.name.empty()) return t + p.name;
  return t.back() == '*' ? t + p.name : t + " " + p.name;
}

void print_text(const kfunc::KfuncList &ks, std::string &out) {
  for (const kfunc::Kfunc &k : ks.kfuncs) {
    out += k.name;
    out += " flags=" + kfunc::kf_flags_string(k.flags);
    out += " source=" + std::string(kfunc::kfunc_source_name(k.source));
    if (!k.sets.empty()) out += " sets=" + kfunc::join(k.sets, ",");
    if (k.btf_id) out += " btf_id=" + std::to_string(k.btf_id);
    if (!k.file.empty()) out += " at=" + k.file + ":" + std::to_string(k.line);
    out += "\n";
    if (!k.has_dwarf) {
      out += "  (no DWARF definition)\n";
      continue;
    }
    out += "  ret: " + k.ret.type.text + flag_list(kfunc::ret_flag_names(k.ret.flags)) + "\n";
    for (size_t i = 0; i < k.params.size(); i++) {
      const kfunc::KfuncParam &p = k.params[i];
      out += "  arg" + std::to_string(i) + ": " + param_text(p) + flag_list(kfunc::arg_flag_names(p.flags));
      if (!p.tags.empty()) out += " tags=" + kfunc::join(p.tags, ",");
      out += "\n";
    }
    for (const kfunc::OpsMember &s : k.scopes) out += "  scope: " + s.ops + "." + s.member + "\n";
    for (const kfunc::OpsMember &s : k.calls) out += "  calls: " + s.ops + "." + s.member + "\n";
  }
}

void ops_list(JsonWriter &j, const char *key, const std::vector<kfunc::OpsMember> &v) {
  j.key(key).begin_array();
  for (const kfunc::OpsMember &m : v) j.value(m.ops + "." + m.member);
  j.end_array();
}

void strings(JsonWriter &j, const char *key, const std::vector<std::string> &v) {
  j.key(key).begin_array();
  for (const std::string &s : v) j.value(s);
  j.end_array();
}

void print_json(const kfunc::KfuncList &ks, const DiagSink &diags, bool pretty, std::string &out) {
  JsonWriter j(out, pretty);
  j.begin_object();
  j.key("kfuncs").begin_array();
  for (const kfunc::Kfunc &k : ks.kfuncs) {
    j.begin_object();
    j.key("name").value(k.name);
    strings(j, "sets", k.sets);
    strings(j, "flags", kfunc::kf_flag_names(k.flags));
    j.key("flags_value").value(static_cast<uint64_t>(k.flags));
    j.key("source").value(kfunc::kfunc_source_name(k.source));
    j.key("btf_id").value(static_cast<uint64_t>(k.btf_id));
    if (k.has_dwarf) {
      j.key("file").value(k.file);
      j.key("line").value(static_cast<uint64_t>(k.line));
      j.key("ret").begin_object();
      j.key("type").value(k.ret.type.text);
      strings(j, "flags", kfunc::ret_flag_names(k.ret.flags));
      j.end_object();
      j.key("params").begin_array();
      for (const kfunc::KfuncParam &p : k.params) {
        j.begin_object();
        j.key("name").value(p.name);
        j.key("type").value(p.type.text);
        j.key("type_class").value(dwarf::type_class_name(p.type.type_class));
        strings(j, "flags", kfunc::arg_flag_names(p.flags));
        j.key("implicit").value(p.implicit);
        strings(j, "tags", p.tags);
        j.end_object();
      }
      j.end_array();
      strings(j, "tags", k.tags);
    } else {
      j.key("file").null();
      j.key("line").null();
      j.key("ret").null();
      j.key("params").null();
      j.key("tags").begin_array().end_array();
    }
    ops_list(j, "scopes", k.scopes);
    ops_list(j, "calls", k.calls);
    j.end_object();
  }
  j.end_array();
  write_diags_json(j, diags);
  j.end_object();
  j.finish();
}

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
    print_json(ks, diags, g.pretty, out);
  else
    print_text(ks, out);
  write_stdout(out);

  for (const Diag &d : diags.all()) {
    if (d.severity == Severity::Error)
      error_msg(DiagSink::format(d));
    else if (!g.quiet)
      error_msg(DiagSink::format(d));
  }
  if (o.stats) {
    const kfunc::ScanStats &st = ks.stats;
    fprintf(stderr,
            "kfuncbtf: stats: elf+symbols %.3f s, btf %.3f s, .BTF_ids %.3f s (%zu sets, %zu "
            "entries), dwarf open %.3f s (%zu CUs), dwarf find %.3f s (%zu CUs read%s, %zu DIEs), "
            "join %.3f s; %zu kfuncs; total %.3f s, peak RSS %ld MB\n",
            t_elf, t_btf, st.t_btf_ids, st.sets, st.entries, st.t_dwarf_open,
            st.cus, st.t_dwarf_find, st.cus_read, st.aranges ? " via aranges" : "", st.dies,
            st.t_join, ks.kfuncs.size(), t.total(), peak_rss_mb());
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
