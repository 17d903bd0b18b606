// Fuzz target for the scope file parser (kfunc::apply_scope_file): any bytes, as a vmlinux's and
// as a module's file, against a kfunc list with sets; it may report problems, never crash, and
// every kfunc's hooks stay in the kernel's hook vocabulary. A failure aborts.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <span>

#include "kfunc/kfunc.h"
#include "kfunc/scopes.h"
#include "support/diag.h"
#include "support/vocab.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  for (bool module : {false, true}) {
    kfb::kfunc::KfuncList ks;
    for (const char *name : {"a", "b", "scx_bpf_kick_cpu"}) {
      kfb::kfunc::Kfunc k;
      k.name = name;
      k.sets = {"s1"};
      if (name[0] == 'b') k.sets.push_back("s2");
      ks.kfuncs.push_back(k);
    }
    kfb::DiagSink diags;
    kfb::kfunc::apply_scope_file("fuzz.scopes", std::span<const uint8_t>(data, size), ks, diags, module);
    for (const kfb::kfunc::Kfunc &k : ks.kfuncs)
      for (const std::string &h : k.hooks)
        if (std::find(std::begin(kfb::vocab::kKfuncHooks), std::end(kfb::vocab::kKfuncHooks), h) ==
                std::end(kfb::vocab::kKfuncHooks) || h == "none") {
          fprintf(stderr, "fuzz_scopes.cc: hook '%s' outside the vocabulary\n", h.c_str());
          abort();
        }
  }
  return 0;
}
