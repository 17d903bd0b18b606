// How a kfuncbtf command plugs into main.cc.
//
//   // cmd_dump.cc
//   static int run_dump(const Globals &g, const DumpOpts &o) { ... return kExitOk; }
//   static const CommandRegistration reg{"dump", 50, [](CLI::App &app, Globals &g) {
//     auto *sub = app.add_subcommand("dump", "Print BTF like bpftool btf dump file");
//     auto o = std::make_shared<DumpOpts>();
//     sub->add_option("FILE", o->file)->required();
//     return [&g, o] { return run_dump(g, *o); };   // called after parsing when chosen
//   }};
//
// `order` sorts commands in --help. A run callback returns the exit code; it may throw
// kfb::Error (exit 2 with the message). Output goes to stdout, messages to stderr.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "support/diag.h"
#include "support/process.h"

namespace kfb::tool {

enum ExitCode { kExitOk = 0, kExitFindings = 1, kExitTrouble = 2 };

struct Globals {
  int verbose = 0;
  bool quiet = false;
  bool json = false;
  bool pretty = false;
  unsigned jobs = 1;  // resolved: -j alone = online CPUs
};

using RunFn = std::function<int()>;
using SetupFn = std::function<RunFn(CLI::App &app, Globals &g)>;

struct CommandRegistration {
  CommandRegistration(const char *name, int order, SetupFn setup);
};

struct RegisteredCommand {
  std::string name;
  int order;
  SetupFn setup;
};
std::vector<RegisteredCommand> &registered_commands();

// Messages to stderr, prefixed "kfuncbtf: ". warn() is silenced by -q.
void error_msg(const std::string &msg);
void warn_msg(const Globals &g, const std::string &msg);

// Reports go out through kfb::write_stdout (support/file.h); main() also checks stdout when a
// command returns, so every report that cannot be written is exit 2 with that one message.

// Findings of lib/ as messages on stderr ("kfuncbtf: file:line: name: message"): errors always,
// warnings and notes unless -q.
void print_diags(const Globals &g, const DiagSink &diags);

// --stats: "kfuncbtf: stats: read 0.012 s, check 0.200 s; total 0.213 s, peak RSS 60 MB" to
// stderr (support/process.h's stats_text, the total being the phases' sum).
void print_stats(const std::vector<Phase> &phases, const std::string &counts = "");

}  // namespace kfb::tool
