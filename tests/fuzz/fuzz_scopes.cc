// Fuzz target for the scope file parser (kfunc::apply_scope_file): any bytes, as a vmlinux's and
// as a module's file, against a kfunc list with sets, then its same-offsets:/deny: lines against a
// BTF with two struct_ops types (ops, ops_cid); it may report problems, never crash, every
// kfunc's hooks stay in the kernel's hook vocabulary and an expanded scope names a member of its
// struct (or none). A failure aborts.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <span>

#include "btf/btf.h"
#include "kfunc/kfunc.h"
#include "kfunc/scopes.h"
#include "support/diag.h"
#include "support/vocab.h"

namespace {

// ops: a@0 b@8 c@16; ops_cid: x@0 c@16 y@24.
const kfb::btf::Btf &layouts() {
  static const kfb::btf::Btf b = [] {
    kfb::btf::Btf t;
    uint32_t fp = t.add_ptr(t.add_func_proto(0, {}));
    kfb::btf::NewMember cpu[] = {{"a", fp, 0}, {"b", fp, 64}, {"c", fp, 128}};
    kfb::btf::NewMember cid[] = {{"x", fp, 0}, {"c", fp, 128}, {"y", fp, 192}};
    t.add_struct("ops", 24, cpu);
    t.add_struct("ops_cid", 32, cid);
    return t;
  }();
  return b;
}

}  // namespace

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
    std::vector<size_t> before;
    for (const kfb::kfunc::Kfunc &k : ks.kfuncs) before.push_back(k.scopes.size());
    kfb::kfunc::expand_scope_rules(ks, layouts(), diags, module);
    // What the expansion added (after each kfunc's own lines) names a member of the layouts, or
    // none.
    static const char *const kMembers[] = {"ops.a", "ops.b", "ops.c", "ops_cid.x", "ops_cid.c", "ops_cid.y"};
    for (size_t i = 0; i < ks.kfuncs.size(); i++)
      for (size_t j = before[i]; j < ks.kfuncs[i].scopes.size(); j++) {
        const kfb::kfunc::OpsMember &m = ks.kfuncs[i].scopes[j];
        if (!m.member.empty() && std::find(std::begin(kMembers), std::end(kMembers), m.text()) == std::end(kMembers)) {
          fprintf(stderr, "fuzz_scopes.cc: expanded scope %s names no member of its struct\n", m.text().c_str());
          abort();
        }
      }
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
