// Fuzz target for the BPF program object reader (lib/bpf) and what a checker does with its
// result: every program's uses, extern and line info looked at, libbpf's prototype rule
// applied between every pair of extern prototypes of the object, and the reachability walk. Anything may throw
// kfb::Error; nothing may crash, hang or read out of bounds, and a result must be consistent
// (indices in range). Corpus: tests/fuzz/corpus/bpf (the compiled fixture
// testdata/bpf/kfuncs.bpf.c and truncated or corrupted copies of it).
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "bpf/object.h"
#include "bpf/prune.h"
#include "support/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  kfb::bpf::Object o;
  try {
    o = kfb::bpf::read_object(std::span<const uint8_t>(data, size), "fuzz.bpf.o");
  } catch (const kfb::Error &) {
    return 0;
  }
  auto check = [](bool ok, const char *what) {
    if (!ok) {
      fprintf(stderr, "fuzz_bpf.cc: inconsistent result: %s\n", what);
      abort();
    }
  };
  for (const kfb::bpf::KsymUse &u : o.uses) check(u.ext < o.externs.size(), "use of no extern");
  for (const kfb::bpf::Program &p : o.programs) {
    for (size_t u : p.uses) check(u < o.uses.size(), "program use out of range");
    (void)kfb::bpf::section_def(p.section);
  }
  if (!o.externs.empty()) check(o.btf != nullptr, "externs without BTF");
  for (const kfb::bpf::Extern &a : o.externs) {
    check(o.btf->valid_id(a.btf_id), "extern btf_id out of range");
    (void)kfb::bpf::essential_name(a.name);
    for (const kfb::bpf::Extern &b : o.externs)
      (void)kfb::bpf::types_compat(*o.btf, a.type_id, *o.btf, b.type_id);
  }
  // The reachability walk over the code as it is (every ksym resolved, then none; the object's
  // own BTF as the CO-RE target): it must end, and say only what is in range.
  for (bool resolved : {true, false}) {
    kfb::bpf::Facts f;
    f.ksym_resolved.assign(o.externs.size(), resolved);
    if (o.btf) f.targets.push_back(o.btf.get());
    f.kconfig["LINUX_KERNEL_VERSION"] = 0x070300;
    kfb::bpf::Reach r = kfb::bpf::reach(o, f);
    check(r.use_reached.size() == o.uses.size() && r.program_uses.size() == o.programs.size(), "reach sizes");
  }
  for (const kfb::bpf::FuncCode &fc : o.funcs)
    for (const auto &[idx, ref] : fc.refs) {
      check(idx < fc.insns.size(), "ref past the function");
      if (ref.kind == kfb::bpf::InsnRef::Callee) check(ref.index < o.funcs.size(), "callee out of range");
    }
  return 0;
}
