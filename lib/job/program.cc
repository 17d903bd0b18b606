// check_program: program mode's passes in the order they run (see program.h).
#include "job/program.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>

#include "btf/btf.h"
#include "btf/load.h"
#include "elf/elf.h"
#include "kfunc/kfunc.h"
#include "kfunc/scopes.h"
#include "support/diag.h"
#include "support/error.h"
#include "support/file.h"
#include "support/vocab.h"

namespace kfb::job {
namespace {

constexpr uint16_t kEmBpf = 247;

// One target's BTF and what keeps it alive.
struct TargetData {
  btf::Source src;
  std::unique_ptr<btf::Btf> vmlinux;
  std::vector<btf::Source> mod_src;
  std::vector<std::unique_ptr<btf::Btf>> mods;
  bpf::Kernel k;
};

std::string base_name(const std::string &p) {
  size_t s = p.find_last_of('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}

// A module BTF argument: a directory (every file but vmlinux, by name) or one file.
std::vector<std::string> module_files(const std::string &arg) {
  std::vector<std::string> out;
  if (DIR *d = opendir(arg.c_str())) {
    while (dirent *e = readdir(d)) {
      std::string n = e->d_name;
      if (n == "." || n == ".." || n == "vmlinux") continue;
      out.push_back(arg + "/" + n);
    }
    closedir(d);
    std::sort(out.begin(), out.end());
  } else {
    out.push_back(arg);
  }
  return out;
}

// "<ops>:0x<mask>" of a bpf_kfunc_scope tag (what emit writes) -> "<ops>.<member>" of kfunc.
void scope_mask_tag(const btf::Btf &b, std::string_view v, const std::string &fname,
                    std::map<std::string, std::map<uint32_t, std::string>> &slot_names, bpf::Kernel &k) {
  size_t colon = v.find(":0x");
  if (colon == std::string_view::npos) return;
  std::string ops(v.substr(0, colon));
  std::string_view hex = v.substr(colon + 3);
  if (!slot_names.count(ops)) {
    auto &m = slot_names[ops];
    for (auto &[name, slot] : bpf::ops_slots(b, ops)) m.emplace(slot, name);
  }
  const auto &slots = slot_names[ops];
  auto &set = k.scopes[fname][ops];  // 0x0: restricted to no member
  for (size_t i = 0; i < hex.size(); i++) {  // the last digit holds bits 0-3
    char c = hex[hex.size() - 1 - i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 0;
    for (int bit = 0; bit < 4; bit++)
      if (d >> bit & 1) {
        auto it = slots.find(static_cast<uint32_t>(i * 4 + bit));
        if (it != slots.end()) set.insert(it->second);
      }
  }
  k.have_scopes = true;
  k.scopes_source = "bpf_kfunc_scope tags";
}

// "<hook>,<hook>..." of a bpf_kfunc_hooks tag (what emit writes with a scope file's hooks:).
void hooks_tag(std::string_view v, const std::string &fname, bpf::Kernel &k) {
  std::vector<std::string> &hooks = k.hooks[fname];
  hooks.clear();
  for (size_t at = 0; at <= v.size();) {
    size_t comma = std::min(v.find(',', at), v.size());
    if (std::string_view h = v.substr(at, comma - at); !h.empty() && h != "none") hooks.emplace_back(h);
    at = comma + 1;
  }
  k.have_hooks = true;
  k.hooks_source = "bpf_kfunc_hooks tags";
}

// One pass over a target BTF's own DECL_TAGs: does it tag kfuncs, and the scope masks and
// program-type hooks emit wrote.
void read_tags(const btf::Btf &b, bpf::Kernel &k) {
  std::map<std::string, std::map<uint32_t, std::string>> slot_names;  // ops -> slot -> member
  b.for_each_head([&](uint32_t id, const btf::RawType &h) {
    if (btf::info_kind(h.info) != static_cast<unsigned>(btf::Kind::DECL_TAG)) return;
    btf::Type t = b.type(id);
    if (t.component_idx() != -1) return;
    std::string_view v = t.name();
    if (v == vocab::kKfuncTag) {
      k.kfunc_tags = true;
    } else if (v.starts_with(vocab::kScopeTagPrefix)) {
      scope_mask_tag(b, v.substr(vocab::kScopeTagPrefix.size()), std::string(b.type(t.type()).name()), slot_names, k);
    } else if (v.starts_with(vocab::kHooksTagPrefix)) {
      hooks_tag(v.substr(vocab::kHooksTagPrefix.size()), std::string(b.type(t.type()).name()), k);
    }
  });
}

// The FUNCs a BTF tags bpf_kfunc, by name (a kfunc list without sets, for a scope file).
void tagged_kfuncs(const btf::Btf &b, kfunc::KfuncList &ks) {
  b.for_each_head([&](uint32_t id, const btf::RawType &h) {
    if (btf::info_kind(h.info) != static_cast<unsigned>(btf::Kind::DECL_TAG)) return;
    btf::Type t = b.type(id);
    if (t.component_idx() == -1 && t.name() == vocab::kKfuncTag) {
      kfunc::Kfunc f;
      f.name = std::string(b.type(t.type()).name());
      ks.kfuncs.push_back(std::move(f));
    }
  });
}

// LINUX_KERNEL_VERSION as libbpf's get_kernel_version() computes it from a release
// ("7.3.0-rc7-amd64": KERNEL_VERSION(7, 3, 0), the third number at most 255); 0 when the release
// does not start with three numbers (libbpf then fails the load of an object that uses it).
uint64_t libbpf_kernel_version(std::string_view release) {
  uint64_t v[3] = {};
  for (int i = 0; i < 3; i++) {
    size_t n = 0;
    while (n < release.size() && n < 9 && release[n] >= '0' && release[n] <= '9') v[i] = v[i] * 10 + (release[n++] - '0');
    if (n == 0) return 0;
    release.remove_prefix(n);
    if (i < 2) {
      if (release.empty() || release[0] != '.') return 0;
      release.remove_prefix(1);
    }
  }
  return v[0] << 16 | v[1] << 8 | std::min<uint64_t>(v[2], 255);
}

// The target's release: an ELF's linux_banner, the running kernel's for /sys/kernel/btf/vmlinux.
uint64_t target_version(const std::string &path, const btf::Source &src) {
  if (src.elf) {
    constexpr std::string_view kPrefix = "Linux version ";
    std::string_view b = src.elf->linux_banner();
    return b.starts_with(kPrefix) ? libbpf_kernel_version(b.substr(kPrefix.size())) : 0;
  }
  struct utsname u;
  if (btf::sys_btf_kind(path) == btf::SysBtf::Vmlinux && uname(&u) == 0) return libbpf_kernel_version(u.release);
  return 0;
}

std::unique_ptr<TargetData> load_target(const std::string &path, const std::vector<std::string> &mod_args,
                                        const std::string &scopes, ProgramTarget &pt) {
  auto td = std::make_unique<TargetData>();
  td->src = btf::Source::open(path);
  // Read in place, as the kernel takes its own BTF: the types are not copied.
  td->vmlinux = std::make_unique<btf::Btf>(btf::Btf::parse_deferred(td->src.bytes, td->src.what));
  bpf::Kernel &k = td->k;
  k.name = base_name(path);
  k.vmlinux = td->vmlinux.get();
  k.version = target_version(path, td->src);
  for (const std::string &a : mod_args)
    for (const std::string &f : module_files(a)) {
      td->mod_src.push_back(btf::Source::open(f));
      td->mods.push_back(std::make_unique<btf::Btf>(btf::Btf::parse(td->mod_src.back().bytes,
                                                                     td->mod_src.back().what, k.vmlinux)));
      k.modules.push_back(td->mods.back().get());
      std::string n = base_name(f);
      if (n.size() > 3 && n.compare(n.size() - 3, 3, ".ko") == 0) n.resize(n.size() - 3);
      k.module_names.push_back(n);
    }
  // Kfunc tags, scopes and hooks: the target's own tags first (else the scope file, below).
  read_tags(*k.vmlinux, k);
  for (const btf::Btf *m : k.modules) read_tags(*m, k);

  // The kfunc list of a vmlinux ELF: set names and KF_* flags when it has symbols.
  DiagSink kd;
  kfunc::KfuncList ks;
  bool have_sets = false;
  if (td->src.elf && td->src.elf->section(".BTF_ids") && td->src.elf->symbols().size() > 1) {
    ks.kfuncs = kfunc::set_kfuncs(*td->src.elf, k.vmlinux, false, kd);
    have_sets = true;
    k.have_flags = !ks.kfuncs.empty();
    for (const kfunc::Kfunc &f : ks.kfuncs) {
      if (f.flags & kfunc::KF_SLEEPABLE) k.sleepable.insert(f.name);
      if (f.flags & kfunc::KF_DESTRUCTIVE) k.destructive.insert(f.name);
    }
  }
  // The scope file gives what the target's own tags do not: scopes, program-type hooks; and
  // what no tag carries (a kernel's code): the struct_ops members it refuses, the struct_ops
  // types a set's filter allows.
  if (!scopes.empty()) {
    if (!have_sets) {  // the tagged FUNCs by name, no sets (the file's members: lines name them)
      tagged_kfuncs(*k.vmlinux, ks);
      for (const btf::Btf *m : k.modules) tagged_kfuncs(*m, ks);
      std::sort(ks.kfuncs.begin(), ks.kfuncs.end(),
                [](const kfunc::Kfunc &a, const kfunc::Kfunc &b) { return a.name < b.name; });
    }
    bool tagged = k.have_scopes && k.have_hooks;  // the file's problems were emit's to report
    MappedFile sf = MappedFile::open(scopes);
    DiagSink sd;
    kfunc::apply_scope_file(scopes, sf.data(), ks, sd, tagged);
    if (!k.have_scopes) kfunc::expand_scope_rules(ks, *k.vmlinux, sd);
    if (!tagged)
      for (const Diag &d : sd.all()) pt.scope_problems.push_back(DiagSink::format(d));
    for (const kfunc::OpsMember &m : ks.unsupported) k.unsupported_members.insert(m.ops + "." + m.member);
    for (const kfunc::Kfunc &f : ks.kfuncs)
      if (f.struct_ops_limited) k.struct_ops_only[f.name] = {f.struct_ops.begin(), f.struct_ops.end()};
    if (!k.have_scopes) {
      for (const kfunc::Kfunc &f : ks.kfuncs)
        for (const kfunc::OpsMember &m : f.scopes) {
          std::set<std::string> &members = k.scopes[f.name][m.ops];
          if (!m.member.empty()) members.insert(m.member);
        }
      k.have_scopes = true;
      k.scopes_source = "--scopes " + scopes;
    }
    if (!k.have_hooks)
      for (const kfunc::Kfunc &f : ks.kfuncs)
        if (f.hooks_known) {
          k.hooks[f.name] = f.hooks;
          k.have_hooks = true;
          k.hooks_source = "--scopes " + scopes;
        }
  }
  pt.name = k.name;
  pt.modules = k.modules.size();
  pt.kfunc_tags = k.kfunc_tags;
  pt.scopes = k.have_scopes;
  pt.scopes_source = k.scopes_source;
  pt.flags = k.have_flags;
  pt.hooks = k.have_hooks;
  pt.hooks_source = k.hooks_source;
  return td;
}

}  // namespace

size_t ProgramOutcome::errors() const {
  return std::count_if(findings.begin(), findings.end(),
                       [](const bpf::Finding &f) { return f.level == bpf::FindingLevel::Error; });
}
size_t ProgramOutcome::warnings() const {
  return std::count_if(findings.begin(), findings.end(),
                       [](const bpf::Finding &f) { return f.level == bpf::FindingLevel::Warning; });
}

bool is_bpf_object(const std::string &path) {
  // Only a regular file is peeked at: a pipe's bytes would be gone for the BTF check.
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  FILE *f = fopen(path.c_str(), "rb");
  if (!f) return false;
  unsigned char h[20] = {};
  size_t n = fread(h, 1, sizeof h, f);
  fclose(f);
  if (n < sizeof h || h[0] != 0x7f || h[1] != 'E' || h[2] != 'L' || h[3] != 'F') return false;
  uint16_t m = h[5] == 2 ? static_cast<uint16_t>(h[18] << 8 | h[19]) : static_cast<uint16_t>(h[19] << 8 | h[18]);
  return m == kEmBpf;
}

std::vector<ProgramOutcome> check_programs(const ProgramRequest &rq, const std::vector<std::string> &files) {
  // The targets, once for every object: one column each.
  std::vector<std::string> kernels = rq.kernel_btfs;
  if (kernels.empty()) kernels.push_back(btf::kSysVmlinux);
  if (rq.module_btfs.size() > 1 && rq.module_btfs.size() != kernels.size())
    throw Error("--module-btf: give one per --kernel-btf (the i-th goes with the i-th), or one for one target");
  std::vector<std::unique_ptr<TargetData>> tds;
  std::vector<ProgramTarget> pts;
  for (size_t i = 0; i < kernels.size(); i++) {
    std::vector<std::string> mods;
    if (rq.module_btfs.size() == kernels.size()) mods.push_back(rq.module_btfs[i]);
    else if (kernels.size() == 1) mods = rq.module_btfs;
    ProgramTarget pt;
    tds.push_back(load_target(kernels[i], mods, rq.scopes, pt));
    tds.back()->k.knobs = rq.knobs;
    pts.push_back(std::move(pt));
  }

  std::vector<ProgramOutcome> out(files.size());
  std::map<std::string, size_t> knob_unknown;  // -G name -> objects without it
  for (size_t fi = 0; fi < files.size(); fi++) {
    ProgramOutcome &r = out[fi];
    r.file = files[fi];
    // The object, as libbpf opens it. With several objects, one that cannot be read is said
    // and the others are still checked.
    try {
      r.obj = bpf::read_object(files[fi]);
    } catch (const Error &e) {
      if (files.size() == 1) throw;
      r.error = e.what();
      continue;
    }
    for (size_t i = 0; i < tds.size(); i++) {
      ProgramTarget pt = pts[i];
      bpf::RuleResult rr = bpf::check_rules(r.obj, tds[i]->k);  // the rules (bpf/rules.h)
      pt.not_applied = std::move(rr.not_applied);
      if (i == 0)
        for (const std::string &n : rr.unknown_knobs) knob_unknown[n]++;
      for (bpf::Finding &f : rr.findings) {
        if (rq.fatal_warnings && f.level == bpf::FindingLevel::Warning) f.level = bpf::FindingLevel::Error;
        r.findings.push_back(std::move(f));
      }
      r.targets.push_back(std::move(pt));
    }
    bpf::sort_findings(r.findings);
  }
  // A -G name no object has is a mistake (veristat's "could not find global variable").
  size_t readable = std::count_if(out.begin(), out.end(), [](const ProgramOutcome &r) { return r.error.empty(); });
  for (const auto &[name, n] : knob_unknown)
    if (n == readable)
      throw Error("-G " + name + ": " +
                  (files.size() == 1 ? files[0] + " has no such" : "none of the " + std::to_string(files.size()) + " objects has a") +
                  " 'const volatile' variable (.rodata)");
  return out;
}

ProgramOutcome check_program(const ProgramRequest &rq) { return std::move(check_programs(rq, {rq.file})[0]); }

}  // namespace kfb::job
