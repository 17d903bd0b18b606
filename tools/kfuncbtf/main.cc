// kfuncbtf: BTF post-processing for kfuncs in the kernel build.
//
// main() only wires the global options and the registered commands together; every command's
// logic is in lib/ and its option parsing in cmd_<name>.cc.
#include <elfutils/version.h>
#include <libdwarf/libdwarf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <iostream>

#include "command.h"
#include "support/error.h"
#include "support/file.h"

namespace kfb::tool {

std::vector<RegisteredCommand> &registered_commands() {
  static std::vector<RegisteredCommand> cmds;
  return cmds;
}

CommandRegistration::CommandRegistration(const char *name, int order, SetupFn setup) {
  registered_commands().push_back({name, order, std::move(setup)});
}

// After a command returned: what it printed must have reached stdout (a full disk, /dev/full,
// a closed pipe with SIGPIPE ignored). Returns the exit code to use.
static int check_stdout(int rc) {
  errno = 0;
  std::cout.flush();
  if (fflush(stdout) == 0 && !ferror(stdout) && std::cout.good()) return rc;
  error_msg(strfmt("standard output: write error: %s", strerror(errno ? errno : EIO)));
  return kExitTrouble;
}

void error_msg(const std::string &msg) { fprintf(stderr, "kfuncbtf: %s\n", msg.c_str()); }

void warn_msg(const Globals &g, const std::string &msg) {
  if (!g.quiet) fprintf(stderr, "kfuncbtf: warning: %s\n", msg.c_str());
}

// Errors always; warnings unless -q; notes with -v (as check's report prints them).
void print_diags(const Globals &g, const DiagSink &diags) {
  for (const Diag &d : diags.all())
    if (d.severity == Severity::Error || (!g.quiet && (d.severity != Severity::Note || g.verbose)))
      error_msg(DiagSink::format(d));
}

void print_stats(const std::vector<Phase> &phases, const std::string &counts) {
  double total = 0;
  for (const Phase &p : phases) total += p.seconds;
  fflush(stdout);
  fputs(stats_text(phases, total, counts).c_str(), stderr);
}

// The options (of the tool and of every command) that take a value.
static std::vector<CLI::Option *> value_options(CLI::App &app) {
  std::vector<CLI::App *> apps{&app};
  for (CLI::App *sub : app.get_subcommands({})) apps.push_back(sub);
  std::vector<CLI::Option *> out;
  for (CLI::App *a : apps)
    for (CLI::Option *o : a->get_options())
      if (o->get_type_size_max() > 0 && o->get_name() != "--help" && !o->get_lnames().empty()) out.push_back(o);
  return out;
}

static std::string version_text() {
  return strfmt("kfuncbtf %s (libelf %d.%d, libdwarf %s)", KFUNCBTF_VERSION,
                _ELFUTILS_VERSION / 1000, _ELFUTILS_VERSION % 1000, dwarf_package_version());
}

// Every option that takes a value refuses an empty one and one that starts with "--": CLI11
// would otherwise take `--features --list-features` or `--features= --stats` as the value.
static void refuse_option_like_values(CLI::App &app) {
  CLI::Validator v(
      [](std::string &s) -> std::string {
        if (s.empty()) return "an empty value";
        if (s.rfind("--", 0) == 0) return "expected a value, got the option '" + s + "'";
        return "";
      },
      "");
  for (CLI::Option *o : value_options(app))
    if (o->get_expected_min() > 0) o->check(v);
}

// "--output=" is an empty value, refused as `-o ""` is; CLI11 alone would take the next word
// instead (`--output= x.btf` wrote x.btf, `--jobs= 4` ran 4 jobs). Looked for before CLI11
// parses, up to a bare "--": "--output: an empty value (usage: kfuncbtf emit --help)".
static std::string empty_value_error(CLI::App &app, int argc, char **argv) {
  std::vector<std::string> names;
  for (CLI::Option *o : value_options(app))
    for (const std::string &n : o->get_lnames()) names.push_back("--" + n + "=");
  std::vector<std::string> subs;
  for (CLI::App *sub : app.get_subcommands({})) subs.push_back(sub->get_name());
  std::string cmd = "kfuncbtf", bad;
  for (int i = 1; i < argc && std::string_view(argv[i]) != "--"; i++) {
    std::string a = argv[i];
    if (cmd == "kfuncbtf" && std::find(subs.begin(), subs.end(), a) != subs.end()) cmd += " " + a;
    if (bad.empty() && std::find(names.begin(), names.end(), a) != names.end()) bad = a.substr(0, a.size() - 1);
  }
  return bad.empty() ? "" : strfmt("%s: an empty value (usage: %s --help)", bad.c_str(), cmd.c_str());
}

// The global options (pahole's and bpftool's spellings); -j's value is read by resolve_jobs.
static void add_global_options(CLI::App &app, Globals &g, std::string &jobs, bool &version) {
  app.add_flag("-v,--verbose", g.verbose, "More output (repeatable)")->group("Global options");
  app.add_flag("-q,--quiet", g.quiet, "Only errors")->group("Global options");
  app.add_flag("--json", g.json, "JSON output")->group("Global options");
  app.add_flag("--pretty", g.pretty, "Indented JSON (implies --json)")->group("Global options");
  app.add_option("-j,--jobs", jobs, "Threads (-j alone or -j0: one per online CPU; default 1)")
      ->expected(0, 1)
      ->default_str("0")
      ->check(CLI::Validator(
          [](std::string &v) -> std::string {
            // Decimal, as make and ninja read -j: -j08 is 8 jobs (CLI11 would read octal).
            bool digits = !v.empty() && v.size() < 7 &&
                          v.find_first_not_of("0123456789") == std::string::npos;
            if (v.empty()) return "an empty value";
            return digits ? "" : "expected a number of jobs >= 0, not '" + v + "'";
          },
          "N"))
      ->group("Global options");
  app.add_flag("--version", version, "Print version with libelf and libdwarf versions")
      ->group("Global options");
}

// Each registered command's subcommand, in --help order, with the callback that runs it. When
// the command line names one (its first word that is a command's name), only that one is set
// up: the pahole wrapper starts kfuncbtf once per module, and the other commands' ~100 options
// were a tenth of the instructions and a sixth of the page faults of an emit on a module.
static std::vector<std::pair<CLI::App *, RunFn>> add_commands(CLI::App &app, Globals &g, int argc, char **argv) {
  auto &cmds = registered_commands();
  std::stable_sort(cmds.begin(), cmds.end(),
                   [](const auto &a, const auto &b) { return a.order < b.order; });
  std::string_view named;
  for (int i = 1; i < argc && named.empty() && std::string_view(argv[i]) != "--"; i++)
    for (auto &c : cmds)
      if (c.name == argv[i]) named = argv[i];
  std::vector<std::pair<CLI::App *, RunFn>> runs;
  for (auto &c : cmds) {
    if (!named.empty() && c.name != named) continue;
    size_t before = app.get_subcommands({}).size();
    RunFn fn = c.setup(app, g);
    auto subs = app.get_subcommands({});
    if (subs.size() > before) runs.emplace_back(subs.back(), std::move(fn));
  }
  return runs;
}

// -j's checked digits: not given is 1 thread; -j alone or -j0 one per online CPU.
static unsigned resolve_jobs(const std::string &jobs) {
  unsigned n = 0;
  for (char c : jobs) n = n * 10 + static_cast<unsigned>(c - '0');
  if (jobs.empty()) return 1;
  if (n > 0) return n;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  return cpus > 0 ? static_cast<unsigned>(cpus) : 1;
}

static int run(int argc, char **argv) {
  CLI::App app{"kfuncbtf: find kfuncs in DWARF and .BTF_ids, rewrite and check their BTF"};
  app.name("kfuncbtf");
  app.require_subcommand(0, 1);
  app.fallthrough();  // global options are accepted after the command name too

  Globals g;
  std::string jobs;  // decimal digits; "0" for -j alone
  bool version = false;
  add_global_options(app, g, jobs, version);
  std::vector<std::pair<CLI::App *, RunFn>> runs = add_commands(app, g, argc, argv);
  refuse_option_like_values(app);
  if (std::string e = empty_value_error(app, argc, argv); !e.empty()) {
    error_msg(e);
    return kExitTrouble;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success &e) {
    return app.exit(e);
  } catch (const CLI::ParseError &e) {
    std::string cmd = "kfuncbtf";
    for (CLI::App *sub : app.get_subcommands()) cmd += " " + sub->get_name();
    error_msg(strfmt("%s (usage: %s --help)", e.what(), cmd.c_str()));
    return kExitTrouble;
  }

  if (version) {
    printf("%s\n", version_text().c_str());
    return kExitOk;
  }
  if (g.pretty) g.json = true;
  g.jobs = resolve_jobs(jobs);
  for (auto &[sub, fn] : runs)
    if (sub->parsed()) return fn();
  std::cout << app.help();
  return kExitTrouble;
}

}  // namespace kfb::tool

int main(int argc, char **argv) {
  // A signal during a write, or an input truncated under its mapping, says what happened.
  kfb::report_fatal_signals("kfuncbtf", kfb::tool::kExitTrouble);
  try {
    return kfb::tool::check_stdout(kfb::tool::run(argc, argv));
  } catch (const kfb::Error &e) {
    kfb::tool::error_msg(e.what());
    return kfb::tool::kExitTrouble;
  } catch (const std::bad_alloc &) {
    kfb::tool::error_msg("out of memory");
    return kfb::tool::kExitTrouble;
  } catch (const std::exception &e) {
    kfb::tool::error_msg(std::string("internal error: ") + e.what());
    return kfb::tool::kExitTrouble;
  }
}
