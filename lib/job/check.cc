// check_file: check's passes in the order they run (see check.h).
#include "job/check.h"

#include <sys/utsname.h>

#include <memory>
#include <optional>

#include "btf/btf.h"
#include "btf/load.h"
#include "elf/elf.h"
#include "kfunc/kernel.h"
#include "support/error.h"

namespace kfb::job {
namespace {

// The kernel an input comes from: an ELF's linux_banner; the running kernel for the files of
// /sys/kernel/btf (known by device and inode, however the path is spelled); 0 when unknown.
int input_kernel(const std::string &file, const btf::Source &in) {
  if (in.elf) return kfunc::kernel_version_of(*in.elf);
  struct utsname u;
  if (btf::sys_btf_kind(file) != btf::SysBtf::None && uname(&u) == 0) return kfunc::parse_kernel_version(u.release);
  return 0;
}

}  // namespace

CheckOutcome check_file(const CheckRequest &rq) {
  CheckOutcome r;
  Laps t;
  btf::Source in = btf::Source::open(rq.file);  // an ELF is checked by lib/elf first
  kfunc::LoaderRules rules = kfunc::loader_rules_for(input_kernel(rq.file, in));
  if (!rq.kernel.empty() && !kfunc::loader_rules_by_name(rq.kernel, &rules))
    throw Error("--kernel: no rules for Linux " + rq.kernel);
  r.kernel = kfunc::loader_rules_name(rules);
  check::CheckOptions co;
  co.mode = rq.mode;
  co.kernel = rules;
  co.where = rq.file + ": .BTF";

  // Split BTF's base: the module's own .BTF.base (7.x out-of-tree modules), else -B, else
  // vmlinux for /sys/kernel/btf/<module> (btf::base_source, as every reader of BTF chooses it).
  std::optional<btf::Source> base;
  if (co.mode == check::LoaderMode::Module) {
    base = btf::base_source(in.elf.get(), rq.file, rq.base);
    if (!base) throw Error("--as module needs the base BTF (-B/--base-btf)");
    co.base = base->bytes;
    co.base_where = base->what;
  } else if (!rq.base.empty()) {
    throw Error("-B/--base-btf is only used with --as module");
  }
  r.phases.push_back({"read", t.lap()});

  // The loader rules, in the kernel's order; the first failure wins.
  r.loader = check::check_loader(in.bytes, co);
  if (!r.loader.ok) r.loader_message = check::format_finding(r.loader, co);
  r.phases.push_back({"loader rules", t.lap()});

  // The kfunc rules. Unlike the kernel, go on after a loader failure while the BTF can still be
  // read (every finding), unless --first.
  if (rq.kfunc_rules && !(rq.first && !r.loader.ok)) {
    check::KfuncFileOptions ko;
    ko.rules.input = rq.file;
    ko.rules.legacy_kfunc_sets = rq.legacy_kfunc_sets;
    ko.rules.first = rq.first;
    ko.jobs = rq.jobs;
    try {
      // The model is parsed from the bytes read above, on the same base; any other
      // /sys/kernel/btf file than vmlinux is split on vmlinux, as btf::load has it.
      if (!base && co.mode != check::LoaderMode::Module) base = btf::base_source(in.elf.get(), rq.file, "");
      std::unique_ptr<btf::Btf> kbase;
      if (base) kbase = std::make_unique<btf::Btf>(btf::Btf::parse(base->bytes, base->what));
      btf::Btf b = btf::Btf::parse(in.bytes, in.what, kbase.get());
      r.kfunc = check::check_kfunc_file(b, in.elf.get(), ko, r.kfunc_diags);
      r.kfunc_ran = true;
      if (co.mode == check::LoaderMode::Vmlinux && kfunc::sorts_vmlinux_btf(rules))
        check::check_vmlinux_order(b, rq.file, r.kernel, r.kfunc_diags);
    } catch (const Error &) {
      if (r.loader.ok) throw;  // readable for the kernel but not for us: cannot run
    }
    if (rq.fatal_warnings) r.kfunc_diags.promote_warnings();
    r.kfunc_diags.sort();
  }
  r.phases.push_back({"kfunc rules", t.lap()});
  return r;
}

}  // namespace kfb::job
