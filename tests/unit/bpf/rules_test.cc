// check_rules on the BPF fixture (testdata/bpf/kfuncs.bpf.c) against a kernel BTF built here:
// each rule's exact message, at the call's line, for the programs that reach it.
#include "gcc12_bounds.h"  // first: before the vector inserts it silences
#include "kfb_catch.h"

#include <algorithm>
#include <string>
#include <vector>

#include "bpf/object.h"
#include "bpf/rules.h"
#include "btf/btf.h"

using namespace kfb;
using btf::Btf;
using btf::NewParam;
using kfbtest::fixture;

namespace {

// A kernel with: bpf_task_from_pid (a kfunc), bpf_task_release (a FUNC, not tagged),
// scx_bpf_dsq_move_to_local (one parameter: the fixture's ___v2 declares two),
// scx_bpf_create_dsq (a kfunc), struct sched_ext_ops and its map value type; no
// scx_bpf_kick_cpu.
struct Kernel {
  Btf b;
  explicit Kernel(bool with_task_from_pid = true, bool with_ops = true) {
    uint32_t s32 = b.add_int("int", 4, btf::INT_SIGNED, 32);
    uint32_t u64 = b.add_int("unsigned long long", 8, 0, 64);
    // The fixture declares `struct task_struct;` only: libbpf's rule wants the same kind (FWD).
    uint32_t task_ptr = b.add_ptr(b.add_fwd("task_struct", false));
    auto func = [&](const char *name, uint32_t ret, std::vector<uint32_t> ps, bool kfunc) {
      std::vector<NewParam> np;
      for (uint32_t t : ps) np.push_back({"", t});
      uint32_t f = b.add_func(name, 0, b.add_func_proto(ret, np));
      if (kfunc) b.add_decl_tag("bpf_kfunc", f, -1);
    };
    if (with_task_from_pid) func("bpf_task_from_pid", task_ptr, {s32}, true);
    func("bpf_task_release", 0, {task_ptr}, false);
    func("scx_bpf_dsq_move_to_local", s32, {u64}, true);
    func("scx_bpf_create_dsq", s32, {u64, s32}, true);
    if (!with_ops) return;
    uint32_t vp = b.add_ptr(0);
    uint32_t ops = b.add_struct("sched_ext_ops", 32,
                                std::vector<btf::NewMember>{{"select_cpu", vp, 0}, {"enqueue", vp, 64},
                                                            {"dispatch", vp, 128}, {"init", vp, 192}});
    b.add_struct("bpf_struct_ops_sched_ext_ops", 32, std::vector<btf::NewMember>{{"data", ops, 0}});
  }
  bpf::Kernel k() const {
    bpf::Kernel k;
    k.name = "test";
    k.vmlinux = &b;
    k.kfunc_tags = true;
    return k;
  }
};

std::string find(const bpf::RuleResult &r, const std::string &prog, const std::string &rule) {
  for (const bpf::Finding &f : r.findings)
    if (f.program == prog && f.rule == rule) return f.message;
  return "";
}

size_t count(const bpf::RuleResult &r, const std::string &rule) {
  size_t n = 0;
  for (const bpf::Finding &f : r.findings) n += f.rule == rule;
  return n;
}

}  // namespace

TEST_CASE("bpf rules: not a kfunc, poisoned calls, scopes, sleepable: the kernel's messages") {
  std::string path = fixture("bpf/kfuncs.bpf.o");
  if (path.empty()) KFB_SKIP("bpf/kfuncs.bpf.o not configured (no clang with the BPF target)");
  bpf::Object o = bpf::read_object(path);
  Kernel kb;
  bpf::Kernel k = kb.k();
  k.have_scopes = true;
  k.scopes["scx_bpf_create_dsq"]["sched_ext_ops"] = {"enqueue"};
  k.have_flags = true;
  k.sleepable = {"bpf_task_from_pid"};
  bpf::RuleResult r = bpf::check_rules(o, k);

  // bpf_task_release: reached from fx_syscall and fx_tc through release_pid -> put_task.
  CHECK(find(r, "fx_syscall", "not-a-kfunc") == "calling kernel function bpf_task_release is not allowed");
  CHECK(find(r, "fx_tc", "not-a-kfunc") == "calling kernel function bpf_task_release is not allowed");
  CHECK(count(r, "not-a-kfunc") == 2);
  // The ___v2 extern's prototype differs and fx_dispatch has no guard: refused at the call.
  CHECK(find(r, "fx_dispatch", "poisoned-call") ==
        "kfunc 'scx_bpf_dsq_move_to_local___v2' is referenced but wasn't resolved");
  for (const bpf::Finding &f : r.findings)
    if (f.rule == "poisoned-call") {
      CHECK(f.member == "sched_ext_ops.dispatch");
      CHECK(f.detail == "local:  int (u64, u64)\nkernel: int (unsigned long long)");
      CHECK(f.loc.line == 57);
    }
  // scx_bpf_kick_cpu is missing but guarded by bpf_ksym_exists: a note only.
  CHECK(find(r, "fx_enqueue", "guarded-missing").rfind("kfunc 'scx_bpf_kick_cpu' is referenced but wasn't resolved, if", 0) == 0);
  // Scope: create_dsq only from enqueue; fx_init implements init.
  CHECK(find(r, "fx_init", "scope") == "calling kernel function scx_bpf_create_dsq is not allowed");
  // KF_SLEEPABLE bpf_task_from_pid: fx_tc is not sleepable, fx_syscall is (libbpf's "syscall").
  CHECK(find(r, "fx_tc", "sleepable") == "program must be sleepable to call sleepable kfunc bpf_task_from_pid");
  CHECK(find(r, "fx_syscall", "sleepable").empty());

  // A scope of no member (a zero mask, a scope file's deny:) refuses every member; a scope for
  // another struct_ops type restricts nothing here; the member itself allows.
  k.scopes["scx_bpf_create_dsq"] = {{"sched_ext_ops", {}}};
  CHECK(find(bpf::check_rules(o, k), "fx_init", "scope") == "calling kernel function scx_bpf_create_dsq is not allowed");
  k.scopes["scx_bpf_create_dsq"] = {{"sched_ext_ops_cid", {}}};
  CHECK(count(bpf::check_rules(o, k), "scope") == 0);
  k.scopes["scx_bpf_create_dsq"] = {{"sched_ext_ops", {"init"}}};
  CHECK(count(bpf::check_rules(o, k), "scope") == 0);

  // A set's filter that allows other struct_ops types only (struct-ops: lines).
  k.struct_ops_only["scx_bpf_create_dsq"] = {"tcp_congestion_ops"};
  CHECK(find(bpf::check_rules(o, k), "fx_init", "struct-ops-type") ==
        "calling kernel function scx_bpf_create_dsq is not allowed");
  k.struct_ops_only["scx_bpf_create_dsq"] = {"sched_ext_ops", "sched_ext_ops_cid"};
  CHECK(count(bpf::check_rules(o, k), "struct-ops-type") == 0);
}

TEST_CASE("bpf rules: a strong extern the kernel lacks fails every program, with libbpf's text") {
  std::string path = fixture("bpf/kfuncs.bpf.o");
  if (path.empty()) KFB_SKIP("bpf/kfuncs.bpf.o not configured (no clang with the BPF target)");
  bpf::Object o = bpf::read_object(path);
  Kernel kb(false);
  bpf::RuleResult r = bpf::check_rules(o, kb.k());
  CHECK(count(r, "libbpf-not-found") == o.programs.size());
  for (const bpf::Finding &f : r.findings) {
    CHECK(f.rule == "libbpf-not-found");
    CHECK(f.message == "libbpf: extern (func ksym) 'bpf_task_from_pid': not found in kernel or module BTFs");
  }
}

TEST_CASE("bpf rules: a target without the struct_ops type: libbpf's struct_ops text") {
  std::string path = fixture("bpf/kfuncs.bpf.o");
  if (path.empty()) KFB_SKIP("bpf/kfuncs.bpf.o not configured (no clang with the BPF target)");
  bpf::Object o = bpf::read_object(path);
  Kernel kb(true, false);
  bpf::RuleResult r = bpf::check_rules(o, kb.k());
  std::vector<std::string> progs;
  for (const bpf::Finding &f : r.findings)
    if (f.rule == "struct-ops") {
      progs.push_back(f.program);
      CHECK(f.message == "libbpf: struct_ops init_kern: struct bpf_struct_ops_sched_ext_ops is not found in kernel BTF");
    }
  CHECK(progs == std::vector<std::string>{"fx_enqueue", "fx_dispatch", "fx_init"});
}

TEST_CASE("bpf rules: a kfunc whose sets are not registered for the program's type: the kernel's message") {
  std::string path = fixture("bpf/kfuncs.bpf.o");
  if (path.empty()) KFB_SKIP("bpf/kfuncs.bpf.o not configured (no clang with the BPF target)");
  bpf::Object o = bpf::read_object(path);
  Kernel kb;
  bpf::Kernel k = kb.k();
  bpf::RuleResult without = bpf::check_rules(o, k);
  CHECK(count(without, "prog-type") == 0);
  CHECK(std::count_if(without.not_applied.begin(), without.not_applied.end(), [](const std::string &s) {
          return s.starts_with("program types a kfunc set is registered for");
        }) == 1);

  k.have_hooks = true;
  k.hooks["bpf_task_from_pid"] = {"tracing", "syscall"};  // not tc
  k.hooks["scx_bpf_create_dsq"] = {"common"};             // every type
  bpf::RuleResult r = bpf::check_rules(o, k);
  CHECK(find(r, "fx_tc", "prog-type") == "calling kernel function bpf_task_from_pid is not allowed");
  CHECK(find(r, "fx_syscall", "prog-type").empty());
  CHECK(count(r, "prog-type") == 1);
  for (const std::string &s : r.not_applied) CHECK_FALSE(s.starts_with("program types"));
  CHECK(bpf::kfunc_hook("BPF_PROG_TYPE_LSM") == "tracing");
  CHECK(bpf::kfunc_hook("BPF_PROG_TYPE_SK_LOOKUP") == "none");
  CHECK(bpf::kfunc_hook("BPF_PROG_TYPE_EXT").empty());
}
