// kfuncbtf dump FILE [-B BASE] [--format raw|json]: bpftool's `btf dump file` output.
#include <cstdio>
#include <memory>
#include <string>

#include "btf/dump.h"
#include "btf/load.h"
#include "command.h"
#include "support/error.h"

namespace kfb::tool {
namespace {

struct DumpOpts {
  std::string file;
  std::string base;
  std::string format = "raw";
  bool stats = false;
};

int run_dump(const Globals &g, const DumpOpts &o) {
  // Read the BTF (raw or ELF .BTF; split on -B, or on vmlinux for /sys/kernel/btf/<module>).
  Laps t;
  btf::Loaded in = btf::load(o.file, o.base);
  double t_read = t.lap();

  // Format into one reused 256 KiB buffer, written with one fwrite per chunk ("none": parse only).
  if (o.format == "none") {
  } else if (g.json || o.format == "json") {
    btf::dump_json(*in.btf, g.pretty, [](std::string_view s) { write_stdout(s); });
  } else {
    btf::dump_raw(*in.btf, [](std::string_view s) { write_stdout(s); });
  }
  if (o.stats) print_stats({{"read", t_read}, {"format", t.lap()}});
  return kExitOk;
}

const CommandRegistration reg{"dump", 50, [](CLI::App &app, Globals &g) -> RunFn {
  auto *sub = app.add_subcommand("dump", "Print BTF types like `bpftool btf dump file FILE`");
  auto o = std::make_shared<DumpOpts>();
  sub->add_option("FILE", o->file, "Raw BTF file, ELF object with .BTF, or /sys/kernel/btf/<name>")
      ->required();
  sub->add_option("-B,--base-btf", o->base,
                  "Base BTF (raw or ELF) of a split FILE; /sys/kernel/btf/<module> uses "
                  "/sys/kernel/btf/vmlinux by default");
  sub->add_option("--format", o->format,
                  "raw (bpftool's text, default), json (bpftool -j; with --pretty: bpftool -p), "
                  "none (parse only)")
      ->check(CLI::IsMember({"raw", "json", "none"}));
  sub->add_flag("--stats", o->stats, "Per-phase times and peak RSS to stderr");
  return [&g, o] { return run_dump(g, *o); };
}};

}  // namespace
}  // namespace kfb::tool
