// Reachability as the verifier sees it (bpf/prune.h) on testdata/bpf/prune.bpf.c: each guard
// prunes its call exactly when the target (or -G) makes it constant, and only then.
#include "gcc12_bounds.h"  // first: before the vector inserts it silences
#include "kfb_catch.h"

#include <set>
#include <string>
#include <vector>

#include "bpf/object.h"
#include "bpf/prune.h"
#include "bpf/rules.h"
#include "btf/btf.h"

using namespace kfb;
using kfbtest::fixture;

namespace {

// A kernel with kfb_present (a kfunc taking one u64), struct kfb_task { int pid; } and
// enum kfb_e { KFB_A = 1 }; or, if asked, with none of them.
struct Kernel {
  btf::Btf b;
  explicit Kernel(bool with_all = true) {
    uint32_t u64 = b.add_int("unsigned long long", 8, 0, 64);
    uint32_t s32 = b.add_int("int", 4, btf::INT_SIGNED, 32);
    if (!with_all) return;
    uint32_t f = b.add_func("kfb_present", 0, b.add_func_proto(0, std::vector<btf::NewParam>{{"x", u64}}));
    b.add_decl_tag("bpf_kfunc", f, -1);
    b.add_struct("kfb_task", 4, std::vector<btf::NewMember>{{"pid", s32, 0}});
    b.add_enum("kfb_e", 4, std::vector<btf::NewEnum>{{"KFB_A", 1}});
  }
  bpf::Kernel k() const {
    bpf::Kernel k;
    k.name = "test";
    k.vmlinux = &b;
    k.kfunc_tags = true;
    return k;
  }
};

// The programs with a "referenced but wasn't resolved" error.
std::set<std::string> refused(const bpf::RuleResult &r) {
  std::set<std::string> out;
  for (const bpf::Finding &f : r.findings)
    if (f.rule == "poisoned-call") {
      CHECK(f.message == "kfunc 'kfb_missing' is referenced but wasn't resolved");
      out.insert(f.program);
    }
  return out;
}

constexpr uint64_t kernel_version(uint64_t a, uint64_t b, uint64_t c) { return a << 16 | b << 8 | c; }

}  // namespace

TEST_CASE("prune: knobs, LINUX_KERNEL_VERSION, another ksym, subprograms (unknown: both ways)") {
  std::string path = fixture("bpf/prune.bpf.o");
  if (path.empty()) KFB_SKIP("bpf/prune.bpf.o not configured (no clang with the BPF target)");
  bpf::Object o = bpf::read_object(path);
  Kernel kb;
  bpf::Kernel k = kb.k();

  // Compiled knobs (use_missing 0, mode 2), version unknown: only the version's call, the
  // existing type's and the unguarded one can be walked (kfb_new_field and KFB_B are missing).
  CHECK(refused(bpf::check_rules(o, k)) == std::set<std::string>{"by_type", "by_version", "unguarded"});
  k.version = kernel_version(7, 2, 13);
  CHECK(refused(bpf::check_rules(o, k)) == std::set<std::string>{"by_type", "unguarded"});
  k.version = kernel_version(7, 3, 0);
  CHECK(refused(bpf::check_rules(o, k)) == std::set<std::string>{"by_type", "by_version", "unguarded"});

  // -G: the knob reaches into the subprogram too.
  k.version = kernel_version(7, 2, 0);
  k.knobs = {{"use_missing", 1}, {"mode", 3}};
  CHECK(refused(bpf::check_rules(o, k)) ==
        std::set<std::string>{"by_knob", "by_mode", "by_subprog", "by_type", "unguarded"});

  // A kernel without kfb_present, kfb_task or kfb_e: bpf_ksym_exists() is 0 and the else branch
  // is walked; bpf_core_type_exists() is 0.
  Kernel none(false);
  bpf::Kernel k2 = none.k();
  k2.version = kernel_version(7, 2, 0);
  CHECK(refused(bpf::check_rules(o, k2)) == std::set<std::string>{"by_other_ksym", "unguarded"});
}

TEST_CASE("prune: a -G name that is no .rodata variable is reported") {
  std::string path = fixture("bpf/prune.bpf.o");
  if (path.empty()) KFB_SKIP("bpf/prune.bpf.o not configured (no clang with the BPF target)");
  bpf::Object o = bpf::read_object(path);
  bpf::Facts f;
  f.knobs = {{"use_missing", 1}, {"nope", 2}};
  bpf::Reach r = bpf::reach(o, f);
  CHECK(r.unknown_knobs == std::vector<std::string>{"nope"});
}

TEST_CASE("prune: core_value of bpf_core_type_matches() (TYPE_MATCHES, kind 12), as libbpf writes it") {
  // clang 14 (Debian 12) cannot emit the relocation, so it is built here: the local types as a
  // program declares them, against the test kernel's struct kfb_task { int pid; }.
  Kernel kb;
  btf::Btf local;
  uint32_t s32 = local.add_int("int", 4, btf::INT_SIGNED, 32), u32 = local.add_int("unsigned int", 4, 0, 32);
  uint32_t same = local.add_struct("kfb_task___m", 4, std::vector<btf::NewMember>{{"pid", s32, 0}});
  uint32_t unsigned_pid = local.add_struct("kfb_task", 4, std::vector<btf::NewMember>{{"pid", u32, 0}});
  uint32_t absent = local.add_struct("kfb_nothing", 4, std::vector<btf::NewMember>{});
  auto value = [&](uint32_t root, uint32_t kind) {
    bpf::CoreRelo r;
    r.type_id = root, r.kind = kind, r.access = "0";
    return bpf::core_value(local, r, std::vector<const btf::Btf *>{&kb.b});
  };
  CHECK(value(same, 12) == 1u);
  CHECK(value(unsigned_pid, 12) == 0u);  // TYPE_EXISTS would say 1: compat ignores signedness
  CHECK(value(unsigned_pid, 8) == 1u);
  CHECK(value(absent, 12) == 0u);
}
