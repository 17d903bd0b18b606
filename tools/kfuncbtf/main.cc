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

static int run(int argc, char **argv) {
  CLI::App app{"kfuncbtf: find kfuncs in DWARF and .BTF_ids, rewrite and check their BTF"};
  app.name("kfuncbtf");
  app.require_subcommand(0, 1);
  app.fallthrough();  // global options are accepted after the command name too

  Globals g;
  std::string jobs;  // decimal digits (checked below); "0" for -j alone
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
  unsigned n_jobs = 0;
  for (char c : jobs) n_jobs = n_jobs * 10 + static_cast<unsigned>(c - '0');  // checked digits
  if (jobs.empty()) {
    g.jobs = 1;
  } else if (n_jobs == 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    g.jobs = n > 0 ? static_cast<unsigned>(n) : 1;
  } else {
    g.jobs = n_jobs;
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
