// emit_object: emit's passes in the order they run (see emit.h); each one a line or a call.
#include "job/emit.h"

#include <sys/stat.h>

#include "btf/btf.h"
#include "btf/load.h"
#include "check/emitted.h"
#include "check/loader.h"
#include "elf/elf.h"
#include "elf/rewrite.h"
#include "kfunc/kernel.h"
#include "kfunc/scopes.h"
#include "support/error.h"
#include "support/file.h"

namespace kfb::job {
namespace {

// The output path the request means, or kfb::Error for options that contradict each other.
std::string output_of(const EmitRequest &rq) {
  if (rq.in_place && !rq.update_elf) throw Error("--in-place needs --update-elf");
  if (rq.in_place && !rq.out.empty()) throw Error("--in-place rewrites OBJ itself: give it or -o OUT, not both");
  // The same inode, also through a symbolic or hard link: raw BTF over the object destroys it.
  if (!rq.update_elf && !rq.out.empty() && rq.out != "-" && same_file(rq.out, rq.object))
    throw Error(strfmt("%s: -o is the input object itself; raw BTF would replace the ELF "
                       "(--update-elf --in-place rewrites its .BTF)", rq.out.c_str()));
  if (rq.update_elf && rq.out.empty()) {
    if (!rq.in_place) throw Error("--update-elf needs -o OUT, or --in-place to rewrite OBJ itself");
    return rq.object;
  }
  return rq.out;
}

// Raw BTF, or a copy of the ELF with .BTF replaced (OBJ stays mapped until written, and keeps
// its mode); "-" is stdout, anything else goes through write_file_atomic.
void write_output(const elf::ElfFile &elf, const std::vector<uint8_t> &bytes, const std::string &out,
                  bool update_elf) {
  if (out.empty()) return;
  if (!update_elf) {
    if (out == "-") write_stdout(bytes);
    else write_file_atomic(out, bytes, 0644);
    return;
  }
  elf::ElfRewrite rw = elf::rewrite_btf(elf, bytes);
  struct stat st;
  unsigned mode = fstat(elf.fd(), &st) == 0 ? st.st_mode & 07777 : 0644;
  if (out == "-") write_stdout(rw.image.bytes());
  else write_file_atomic(out, rw.image, mode);
}

}  // namespace

EmitOutcome emit_object(const EmitRequest &rq) {
  EmitOutcome r;
  r.out = output_of(rq);
  Laps t;

  // The object and its BTF: --btf FILE, else OBJ's .BTF; split on -B. A module's base is read
  // as far as it is looked at (a module without kfuncs: its header and type count).
  auto elf = elf::ElfFile::open(rq.object);
  btf::Loaded loaded = btf::load_object(*elf, rq.btf, rq.base, /*defer_base=*/true);
  if (!loaded.btf) throw Error(rq.object + ": no .BTF section (run pahole -J first, or give --btf FILE)");
  btf::Btf &btf = *loaded.btf;
  int kernel = kfunc::kernel_version_of(*elf);
  const std::vector<uint8_t> input_bytes = btf.write();  // the loader check's baseline
  kfunc::SortPlan plan = kfunc::plan_sort(*elf, btf, rq.features.sort, rq.update_elf);
  r.features = rq.features;
  r.features.sort = plan.sort;
  r.phases.push_back({"read", t.lap()});

  // Kfuncs: DWARF or, without it, .BTF_ids and BTF; then the scope file.
  kfunc::ObjectKfuncsOptions ko;
  ko.scan.jobs = rq.jobs;
  ko.scan.legacy_kfunc_sets = rq.legacy_kfunc_sets;
  ko.scan.all = rq.all;
  kfunc::KfuncList ks = kfunc::object_kfuncs(*elf, btf, ko, r.diags);
  r.scan = ks.stats;
  if (!rq.scopes.empty()) {
    MappedFile sf = MappedFile::open(rq.scopes);
    r.stats.scope_lines_elsewhere = kfunc::apply_scope_file(rq.scopes, sf.data(), ks, r.diags, btf.base() != nullptr);
    kfunc::expand_scope_rules(ks, btf, r.diags, btf.base() != nullptr);
  }
  r.phases.push_back({"scan", t.lap(), strfmt("%zu of %zu CUs read, %zu DIEs", ks.stats.cus_read, ks.stats.cus, ks.stats.dies)});
  if (rq.fatal_warnings) r.diags.promote_warnings();

  // The rewrite, unless the scan already found rule violations.
  kfunc::EmitResult res;
  if (!r.diags.errors()) {
    kfunc::EmitOptions eo;
    eo.features = r.features;
    eo.ptr_size = elf->is64() ? 8 : 4;
    eo.kernel = kernel;
    eo.warn_missing_func = !ks.from_dwarf;  // with DWARF, scan_kfuncs warned about every kfunc without a FUNC
    size_t elsewhere = r.stats.scope_lines_elsewhere;
    res = kfunc::emit_kfunc_btf(btf, ks, eo, r.diags);
    r.stats = res.stats;
    r.stats.scope_lines_elsewhere = elsewhere;
    if (rq.fatal_warnings) r.diags.promote_warnings();
  }
  r.phases.push_back({"emit", t.lap()});
  r.diags.sort();
  if (r.diags.errors()) {
    r.verdict = EmitVerdict::RuleErrors;
    return r;
  }

  // The bytes, read back unless they are the input's, then the loader rules of the object's
  // kernel on them (user BTF; split BTF in module mode, on the base as read: a kernel's own
  // BTF is not checked again, as btf_parse_module does not; a distilled .BTF.base is).
  std::vector<uint8_t> bytes = btf.write();
  r.phases.push_back({"write", t.lap()});
  check::CheckOptions co;
  co.where = (rq.btf.empty() ? rq.object : rq.btf) + " (emitted): .BTF";
  if (bytes != input_bytes) btf::Btf::parse(bytes, co.where, loaded.base.get());
  co.kernel = kfunc::emit_loader_rules_for(kernel);
  if (btf.is_split()) {
    co.mode = check::LoaderMode::Module;
    co.base = loaded.base_bytes;
    co.base_trusted = !loaded.base_distilled;
    co.base_type_cnt = loaded.base->type_cnt();
  }
  check::LoaderResult lr = check::check_emitted_loader(bytes, input_bytes, co, &r.note);
  if (!lr.ok) {
    r.verdict = EmitVerdict::LoaderRefused;
    r.loader_message = check::format_finding(lr, co);
    return r;
  }
  // check's kfunc rules on the result, the kfuncs renumbered to their final ids.
  check::check_emitted_kfuncs(btf, ks, res.records, *elf, plan, rq.legacy_kfunc_sets, rq.object, r.recheck);
  r.recheck.sort();
  if (r.recheck.errors()) {
    r.verdict = EmitVerdict::RecheckFailed;
    return r;
  }
  r.phases.push_back({"check", t.lap()});

  write_output(*elf, bytes, r.out, rq.update_elf);
  r.phases.push_back({"output", t.lap()});
  return r;
}

}  // namespace kfb::job
