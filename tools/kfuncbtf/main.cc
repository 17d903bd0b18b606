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

void write_stdout(std::string_view s) {
  if (fwrite(s.data(), 1, s.size(), stdout) != s.size() || fflush(stdout) != 0)
    throw Error(strfmt("standard output: write error: %s", strerror(errno)));
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

void print_stats(const Laps &t, std::initializer_list<std::pair<const char *, double>> phases) {
  std::string line = "kfuncbtf: stats: ";
  const char *sep = "";
  for (const auto &[name, secs] : phases) {
    line += strfmt("%s%s %.3f s", sep, name, secs);
    sep = ", ";
  }
  line += strfmt("; total %.3f s, peak RSS %ld MB\n", t.total(), peak_rss_mb());
  fputs(line.c_str(), stderr);
}

void write_diags_json(JsonWriter &j, const DiagSink &diags) {
  j.key("diagnostics").begin_array();
  for (const Diag &d : diags.all()) {
    j.begin_object();
    j.key("severity").value(severity_name(d.severity));
    j.key("rule").value(d.rule);
    j.key("name").value(d.name);
    j.key("file").value(d.file);
    j.key("line").value(static_cast<uint64_t>(d.line));
    j.key("message").value(d.message);
    j.end_object();
  }
  j.end_array();
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
  std::vector<CLI::App *> apps{&app};
  for (CLI::App *sub : app.get_subcommands({})) apps.push_back(sub);
  for (CLI::App *a : apps)
    for (CLI::Option *o : a->get_options())
      if (o->get_type_size_max() > 0 && o->get_expected_min() > 0 && o->get_name() != "--help")
        o->check(v);
}

static int run(int argc, char **argv) {
  CLI::App app{"kfuncbtf: find kfuncs in DWARF and .BTF_ids, rewrite and check their BTF"};
  app.name("kfuncbtf");
  app.require_subcommand(0, 1);
  app.fallthrough();  // global options are accepted after the command name too

  Globals g;
  int jobs = -1;  // -1: not given; 0: -j alone
  app.add_flag("-v,--verbose", g.verbose, "More output (repeatable)")->group("Global options");
  app.add_flag("-q,--quiet", g.quiet, "Only errors")->group("Global options");
  app.add_flag("--json", g.json, "JSON output")->group("Global options");
  app.add_flag("--pretty", g.pretty, "Indented JSON (implies --json)")->group("Global options");
  app.add_option("-j,--jobs", jobs, "Threads (-j alone or -j0: one per online CPU; default 1)")
      ->expected(0, 1)
      ->default_str("0")
      ->check(CLI::Validator(
          [](std::string &v) -> std::string {
            bool digits = !v.empty() && v.size() < 7 &&
                          v.find_first_not_of("0123456789") == std::string::npos;
            return digits ? "" : "expected a number of jobs >= 0, not '" + v + "'";
          },
          "N"))
      ->group("Global options");
  bool version = false;
  app.add_flag("--version", version, "Print version with libelf and libdwarf versions")
      ->group("Global options");

  auto &cmds = registered_commands();
  std::stable_sort(cmds.begin(), cmds.end(),
                   [](const auto &a, const auto &b) { return a.order < b.order; });
  std::vector<std::pair<CLI::App *, RunFn>> runs;
  for (auto &c : cmds) {
    size_t before = app.get_subcommands({}).size();
    RunFn fn = c.setup(app, g);
    auto subs = app.get_subcommands({});
    if (subs.size() > before) runs.emplace_back(subs.back(), std::move(fn));
  }

  refuse_option_like_values(app);
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
  if (jobs < 0) {
    g.jobs = 1;
  } else if (jobs == 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    g.jobs = n > 0 ? static_cast<unsigned>(n) : 1;
  } else {
    g.jobs = static_cast<unsigned>(jobs);
  }

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
