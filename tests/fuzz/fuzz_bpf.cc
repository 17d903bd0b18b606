// Fuzz target for the BPF program object reader (lib/bpf) and what a checker does with its
// result: every program's uses, extern and line info looked at, and libbpf's prototype rule
// applied between every pair of extern prototypes of the object. Anything may throw
// kfb::Error; nothing may crash, hang or read out of bounds, and a result must be consistent
// (indices in range). Corpus: tests/fuzz/corpus/bpf (the compiled fixture
// testdata/bpf/kfuncs.bpf.c and truncated or corrupted copies of it).
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "bpf/object.h"
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
  return 0;
}
