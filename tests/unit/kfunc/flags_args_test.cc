#include "kfb_catch.h"

#include "btf/btf.h"
#include "kfunc/args.h"
#include "kfunc/flags.h"
#include "kfunc/kfunc.h"
#include "kfunc/scopes.h"
#include "support/diag.h"

using namespace kfb;

namespace {

kfunc::KfuncParam param(const char *name, const char *type, dwarf::TypeClass c, const char *ptr_struct = "") {
  kfunc::KfuncParam p;
  p.name = name;
  p.type.text = type;
  p.type.type_class = c;
  p.type.ptr_to_struct = ptr_struct;
  return p;
}

std::vector<std::string> messages(const DiagSink &d) {
  std::vector<std::string> out;
  for (const Diag &x : d.all()) out.push_back(DiagSink::format(x));
  return out;
}

constexpr dwarf::TypeClass P = dwarf::TypeClass::Pointer, S = dwarf::TypeClass::Scalar;

}  // namespace

TEST_CASE("flags: KF_* names in bit order / unknown bits as one hex word") {
  CHECK(kfunc::kf_flags_string(0) == "0");
  CHECK(kfunc::kf_flags_string(kfunc::KF_ACQUIRE | kfunc::KF_RET_NULL) == "KF_ACQUIRE|KF_RET_NULL");
  CHECK(kfunc::kf_flags_string(0x40000020) == "KF_SLEEPABLE|0x40000000");
  CHECK(kfunc::kf_flags_string(1u << 3 | 1u << 19) == "0x80008");
  CHECK(kfunc::kf_flags_string(1u << 18) == "KF_PERFMON");
  CHECK(kfunc::kf_flags_string(kfunc::KF_TRUSTED_ARGS | kfunc::KF_IMPLICIT_ARGS | kfunc::KF_SPINLOCK_SAFE) ==
        "KF_TRUSTED_ARGS|KF_IMPLICIT_ARGS|KF_SPINLOCK_SAFE");
  CHECK(kfunc::kf_flag_bit("KF_FASTCALL") == 12);
  CHECK(kfunc::kf_flag_bit("ARENA_ARG2") == 15);
  CHECK(kfunc::kf_flag_bit("KF_NOPE") == -1);
  CHECK(kfunc::arg_flag_names(kfunc::ARG_REFCOUNTED_KPTR | kfunc::ARG_IMPLICIT | kfunc::ARG_NULLABLE) ==
        std::vector<std::string>{"implicit", "nullable", "refcounted_kptr"});
  CHECK(kfunc::arg_flag_by_name("irq_flag") == kfunc::ARG_IRQ_FLAG);
  CHECK(kfunc::ret_flag_names(kfunc::RET_ACQUIRE | kfunc::RET_ARENA) == std::vector<std::string>{"acquire", "arena"});
}

TEST_CASE("args: suffixes are read from the right while known") {
  auto sp = [](const char *n) { return kfunc::split_suffixes(n); };
  CHECK(sp("p__arena__nullable").flags == (kfunc::ARG_ARENA | kfunc::ARG_NULLABLE));
  CHECK(sp("p__arena__nullable").base == "p");
  CHECK(sp("cookie__unknown__k").flags == kfunc::ARG_CONST);
  CHECK(sp("cookie__unknown__k").base == "cookie__unknown");
  CHECK(sp("buffer__szk").flags == kfunc::ARG_CONST_SIZE);
  CHECK(sp("len__sz").flags == kfunc::ARG_SIZE);
  CHECK(sp("aux__magic").flags == kfunc::ARG_IMPLICIT);
  CHECK(sp("aux__implicit").flags == kfunc::ARG_IMPLICIT);
  CHECK(sp("buf__opt").flags == kfunc::ARG_NULLABLE);
  CHECK(sp("aux__prog").flags == kfunc::ARG_PROG);
  // The 7.3 verifier's newest suffixes, known by name.
  CHECK(sp("map__const_map").flags == kfunc::ARG_CONST_MAP);
  CHECK(sp("map__const_map").base == "map");
  CHECK(sp("node__nonown_allowed").flags == kfunc::ARG_NONOWN_ALLOWED);
  CHECK(kfunc::arg_flag_names(kfunc::ARG_CONST_MAP | kfunc::ARG_NONOWN_ALLOWED | kfunc::ARG_MAP) ==
        std::vector<std::string>{"const_map", "nonown_allowed", "map"});
  CHECK(sp("f__irq_flag").flags == kfunc::ARG_IRQ_FLAG);
  CHECK(sp("p__refcounted_kptr").flags == kfunc::ARG_REFCOUNTED_KPTR);
  CHECK(sp("x__release__rcu__trusted").flags == (kfunc::ARG_RELEASE | kfunc::ARG_RCU | kfunc::ARG_TRUSTED));
  CHECK(sp("rdwr_buf_size").flags == 0);
  CHECK(sp("__sz").flags == 0);  // only a suffix: not one
  CHECK(sp("a__b").flags == 0);
  CHECK(sp("").flags == 0);
}

TEST_CASE("args: types under KF_IMPLICIT_ARGS / kfunc-wide flags / return flags") {
  kfunc::Kfunc k;
  k.name = "bpf_refcount_acquire";
  k.flags = kfunc::KF_ACQUIRE | kfunc::KF_RET_NULL | kfunc::KF_RCU | kfunc::KF_IMPLICIT_ARGS;
  k.params = {param("p__refcounted_kptr", "void *", P),
              param("meta", "struct btf_struct_meta *", P, "btf_struct_meta")};
  DiagSink d;
  kfunc::derive_arg_flags(k, d);
  CHECK(d.empty());
  CHECK(k.params[0].flags == (kfunc::ARG_RCU | kfunc::ARG_REFCOUNTED_KPTR));
  CHECK(k.params[1].flags == kfunc::ARG_IMPLICIT);  // implicit is never rcu
  CHECK(k.params[1].implicit);
  CHECK(k.ret.flags == (kfunc::RET_ACQUIRE | kfunc::RET_NULLABLE));
  CHECK(k.explicit_count() == 1);

  kfunc::Kfunc n;  // the same type without KF_IMPLICIT_ARGS is not implicit
  n.flags = kfunc::KF_RELEASE;
  n.params = {param("p", "struct task_struct *", P), param("aux", "struct bpf_prog_aux *", P, "bpf_prog_aux")};
  kfunc::derive_arg_flags(n, d);
  CHECK(n.params[0].flags == kfunc::ARG_RELEASE);
  CHECK(n.params[1].flags == 0);

  kfunc::Kfunc a;  // arena args and return; a typedef to a pointer counts for KF_RCU
  a.flags = kfunc::KF_ARENA_RET | kfunc::KF_ARENA_ARG1 | kfunc::KF_ARENA_ARG2 | kfunc::KF_RCU;
  a.params = {param("p", "void *", P), param("q", "task_ptr_t", P), param("ign__ign", "void *", P),
              param("n", "u32", S)};
  kfunc::derive_arg_flags(a, d);
  CHECK(a.params[0].flags == (kfunc::ARG_ARENA | kfunc::ARG_RCU));
  CHECK(a.params[1].flags == (kfunc::ARG_ARENA | kfunc::ARG_RCU));
  CHECK(a.params[2].flags == kfunc::ARG_IGNORE);  // ignored args are not rcu
  CHECK(a.params[3].flags == 0);
  CHECK(a.ret.flags == kfunc::RET_ARENA);
  CHECK(d.empty());
}

TEST_CASE("args: rule violations name kfunc / parameter and line") {
  auto run = [](uint32_t flags, std::vector<kfunc::KfuncParam> ps) {
    kfunc::Kfunc k;
    k.name = "bpf_bad";
    k.file = "testdata/src/helpers.c";
    k.line = 88;
    k.flags = flags;
    k.params = std::move(ps);
    DiagSink d;
    kfunc::derive_arg_flags(k, d);
    return messages(d);
  };
  // A parameter after an implicit one is normal (7.3's bpf_list_push_back(head, node, meta, off)).
  CHECK(run(0, {param("aux__magic", "struct bpf_prog_aux *", P), param("x", "int", S)}).empty());
  CHECK(run(kfunc::KF_IMPLICIT_ARGS, {param("aux", "struct bpf_prog_aux *", P, "bpf_prog_aux"), param("x", "int", S)}).empty());
  CHECK(run(0, {param("x", "int", S), param("cookie__magic", "u64", S)}) ==
        std::vector<std::string>{"testdata/src/helpers.c:88: bpf_bad: arg 'cookie__magic': implicit argument must be a pointer"});
  CHECK(run(0, {param("fd", "int", S), param("len__sz", "u32", S)}) ==
        std::vector<std::string>{"testdata/src/helpers.c:88: bpf_bad: arg 'len__sz': size argument must follow a pointer argument"});
  CHECK(run(0, {param("buf", "void *", P), param("len__szk", "void *", P)}) ==
        std::vector<std::string>{"testdata/src/helpers.c:88: bpf_bad: arg 'len__szk': constant size argument must be a scalar"});
  CHECK(run(0, {param("buf", "void *", P), param("len__sz", "enum e", S)}).empty());
  CHECK(run(0, {param("c__k", "const char *", P)}) ==
        std::vector<std::string>{"testdata/src/helpers.c:88: bpf_bad: arg 'c__k': constant argument must be a scalar"});
  // Kfunc-wide flags may land on an ignored parameter (7.3's bpf_arena_free_pages: ptr__ign
  // with KF_ARENA_ARG2); another suffix on it may not.
  CHECK(run(kfunc::KF_ARENA_ARG2, {param("p__map", "void *", P), param("ptr__ign", "void *", P), param("n", "u32", S)}).empty());
  CHECK(run(kfunc::KF_RELEASE, {param("p__ign", "int", S)}).empty());
  CHECK(run(0, {param("p__ign__nullable", "void *", P)}) ==
        std::vector<std::string>{"testdata/src/helpers.c:88: bpf_bad: arg 'p__ign__nullable': ignored argument cannot also be nullable"});
  CHECK(run(0, {param("m__map", "int", S)}) ==
        std::vector<std::string>{"testdata/src/helpers.c:88: bpf_bad: arg 'm__map': map needs a pointer argument, not 'int'"});
  CHECK(run(0, {param("s__str__nullable", "long", S)}) ==
        std::vector<std::string>{"testdata/src/helpers.c:88: bpf_bad: arg 's__str__nullable': str, nullable needs a pointer argument, not 'long'"});
  CHECK(run(0, {param("x__ign", "int", S)}).empty());  // ignore takes any type
}

TEST_CASE("scopes: tags and scope files") {
  CHECK(kfunc::scope_tag_kind("bpf_kfunc_scope:sched_ext_ops.enqueue") == kfunc::ScopeTag::Scope);
  CHECK(kfunc::scope_tag_kind("bpf_kfunc_calls:sched_ext_ops.enqueue") == kfunc::ScopeTag::Calls);
  CHECK(kfunc::scope_tag_kind("bpf_kfunc_scope:sched_ext_ops:0xb") == kfunc::ScopeTag::None);
  CHECK(kfunc::scope_tag_kind("bpf_kfunc") == kfunc::ScopeTag::None);

  kfunc::Kfunc k;
  k.name = "scx_bpf_reenqueue_local";
  k.file = "testdata/src/ops.c";
  k.line = 106;
  k.tags = {"bpf_kfunc", "bpf_kfunc_scope:sched_ext_ops.cpu_release",
            "bpf_kfunc_calls:sched_ext_ops.enqueue", "bpf_kfunc_scope:oops", "bpf_kfunc_scope:sched_ext_ops.cpu_release"};
  DiagSink d;
  kfunc::scopes_from_tags(k, d);
  REQUIRE(k.scopes.size() == 1);
  CHECK(k.scopes[0].ops == "sched_ext_ops");
  CHECK(k.scopes[0].member == "cpu_release");
  REQUIRE(k.calls.size() == 1);
  CHECK(k.calls[0].member == "enqueue");
  CHECK(messages(d) == std::vector<std::string>{
                           "testdata/src/ops.c:106: scx_bpf_reenqueue_local: annotation "
                           "'bpf_kfunc_scope:oops': 'oops' is not <ops_struct>.<member>"});

  kfunc::KfuncList ks;
  kfunc::Kfunc a, b;
  a.name = "a";
  a.sets = {"s1"};
  b.name = "b";
  b.sets = {"s1", "s2"};
  ks.kfuncs = {a, b};
  std::string text =
      "# comment\n"
      "a ops.one ops.two   # trailing\n"
      "set:s2 ops.three\n"
      "calls:a ops.four\n"
      "nope ops.x\n"
      "set:none ops.x\n"
      "b ops\n"
      "\n"
      "a\n";
  DiagSink d2;
  kfunc::apply_scope_file("scopes.txt", {reinterpret_cast<const uint8_t *>(text.data()), text.size()}, ks, d2);
  REQUIRE(ks.kfuncs[0].scopes.size() == 2);
  CHECK(ks.kfuncs[0].scopes[1].member == "two");
  CHECK(ks.kfuncs[0].scopes[1].file == "scopes.txt");
  CHECK(ks.kfuncs[0].scopes[1].line == 2);
  REQUIRE(ks.kfuncs[0].calls.size() == 1);
  CHECK(ks.kfuncs[0].calls[0].member == "four");
  REQUIRE(ks.kfuncs[1].scopes.size() == 1);
  CHECK(ks.kfuncs[1].scopes[0].member == "three");
  CHECK(messages(d2) == std::vector<std::string>{
                            "scopes.txt:5: nope: 'nope' is not a kfunc",
                            "scopes.txt:6: none: no kfunc set named 'none'",
                            "scopes.txt:7: b: 'ops' is not <ops_struct>.<member>",
                            "scopes.txt:9: a: no <ops_struct>.<member> after the name"});
}

TEST_CASE("scope file hooks: lines: a kfunc's hooks are its sets', known only when every set has a line") {
  kfunc::KfuncList ks;
  kfunc::Kfunc a, b, c, d;
  a.name = "a", a.sets = {"s1"};
  b.name = "b", b.sets = {"s1", "s2"};
  c.name = "c", c.sets = {"s3"};  // s3 has no hooks: line: not known
  d.name = "d", d.sets = {"s4"};
  ks.kfuncs = {a, b, c, d};
  std::string text =
      "hooks:s1 syscall tracing\n"
      "hooks:s2 common\n"
      "hooks:s4 none\n"
      "hooks:elsewhere tc\n"  // a set of another object (the file covers the whole tree)
      "hooks:s1 bogus\n"
      "hooks:s2\n";
  DiagSink diags;
  kfunc::apply_scope_file("h.scopes", {reinterpret_cast<const uint8_t *>(text.data()), text.size()}, ks, diags);
  CHECK(ks.kfuncs[0].hooks_known);
  CHECK(ks.kfuncs[0].hooks == std::vector<std::string>{"tracing", "syscall"});  // the kernel's order
  CHECK(ks.kfuncs[1].hooks == std::vector<std::string>{"common", "tracing", "syscall"});
  CHECK_FALSE(ks.kfuncs[2].hooks_known);
  CHECK(ks.kfuncs[3].hooks_known);
  CHECK(ks.kfuncs[3].hooks.empty());
  CHECK(messages(diags) ==
        std::vector<std::string>{"h.scopes:5: s1: unknown hook 'bogus' (one of: common, xdp, tc, struct_ops, tracing, "
                                 "syscall, cgroup, sched_act, sk_skb, socket_filter, lwt, netfilter, kprobe, none)",
                                 "h.scopes:6: s2: a hooks: line needs a set name and at least one hook (or 'none')"});
}

TEST_CASE("scope file unsupported: lines: struct_ops members no program may attach to") {
  kfunc::KfuncList ks;
  std::string text =
      "unsupported:sched_ext_ops sub_caps_updated sub_ecaps_updated  # no CFI stub\n"
      "unsupported:sched_ext_ops sub_caps_updated\n"  // again: kept once
      "unsupported:sched_ext_ops\n"
      "unsupported:sched_ext_ops 9bad\n";
  DiagSink diags;
  kfunc::apply_scope_file("u.scopes", {reinterpret_cast<const uint8_t *>(text.data()), text.size()}, ks, diags);
  REQUIRE(ks.unsupported.size() == 2);
  CHECK(ks.unsupported[0].ops == "sched_ext_ops");
  CHECK(ks.unsupported[0].member == "sub_caps_updated");
  CHECK(ks.unsupported[0].line == 1);
  CHECK(ks.unsupported[1].member == "sub_ecaps_updated");
  std::vector<std::string> m = messages(diags);
  REQUIRE(m.size() == 2);
  CHECK(m[0] == "u.scopes:3: sched_ext_ops: an unsupported: line needs a struct_ops type and at least one member");
  CHECK(m[1].starts_with("u.scopes:4: sched_ext_ops: "));
}

TEST_CASE("scope file same-offsets: and deny: lines: 7.3's cid form as data") {
  // ops: a@0 b@8 c@16; ops_cid: x@0 c@16 y@24 (the cpu form's b has no slot in it).
  btf::Btf b;
  uint32_t vd = 0;
  uint32_t proto = b.add_func_proto(vd, {});
  uint32_t fp = b.add_ptr(proto);
  btf::NewMember cpu[] = {{"a", fp, 0}, {"b", fp, 64}, {"c", fp, 128}};
  btf::NewMember cid[] = {{"x", fp, 0}, {"c", fp, 128}, {"y", fp, 192}};
  b.add_struct("ops", 24, cpu);
  b.add_struct("ops_cid", 32, cid);

  kfunc::KfuncList ks;
  kfunc::Kfunc k1, k2, k3, k4, k5;
  k1.name = "k1", k1.sets = {"locked"};   // ops.a, ops.c -> ops_cid.x, ops_cid.c
  k2.name = "k2", k2.sets = {"locked"};   // ops.b only -> no slot: restricted to none
  k3.name = "k3", k3.sets = {"any"};      // unrestricted in ops -> unrestricted in ops_cid
  k4.name = "k4", k4.sets = {"any", "cpu_only"};      // denied
  k5.name = "k5", k5.sets = {"locked", "cpu_only"};   // denied, whatever ops says
  ks.kfuncs = {k1, k2, k3, k4, k5};
  std::string text =
      "k1 ops.a ops.c\n"
      "k2 ops.b\n"
      "k5 ops.a\n"
      "same-offsets:ops_cid ops\n"
      "deny:ops_cid cpu_only\n"
      "same-offsets:ops_cid\n"
      "deny:ops_cid nosuchset\n"
      "same-offsets:nowhere ops\n";
  DiagSink diags;
  kfunc::apply_scope_file("c.scopes", {reinterpret_cast<const uint8_t *>(text.data()), text.size()}, ks, diags);
  kfunc::expand_scope_rules(ks, b, diags);
  auto texts = [&](size_t i) {
    std::vector<std::string> out;
    for (const kfunc::OpsMember &m : ks.kfuncs[i].scopes) out.push_back(m.text());
    return out;
  };
  CHECK(texts(0) == std::vector<std::string>{"ops.a", "ops.c", "ops_cid.x", "ops_cid.c"});
  CHECK(texts(1) == std::vector<std::string>{"ops.b", "ops_cid (no member)"});
  CHECK(texts(2).empty());
  CHECK(texts(3) == std::vector<std::string>{"ops_cid (no member)"});
  CHECK(texts(4) == std::vector<std::string>{"ops.a", "ops_cid (no member)"});
  CHECK(ks.kfuncs[3].scopes[0].line == 5);
  CHECK(messages(diags) == std::vector<std::string>{
                               "c.scopes:6: ops_cid: a same-offsets: line is same-offsets:<ops_struct> <ops_struct>",
                               "c.scopes:7: nosuchset: no kfunc set named 'nosuchset'",
                               "c.scopes:8: nowhere: same-offsets: no struct 'nowhere' in BTF"});
}

TEST_CASE("scope file struct-ops: lines: the struct_ops types a set's filter allows, all of a kfunc's sets") {
  kfunc::KfuncList ks;
  kfunc::Kfunc a, b, c;
  a.name = "a", a.sets = {"s1"};
  b.name = "b", b.sets = {"s1", "s2"};  // both lines: the types both allow
  c.name = "c", c.sets = {"s3"};        // no line: not limited
  ks.kfuncs = {a, b, c};
  std::string text =
      "struct-ops:s1 ops ops_cid\n"
      "struct-ops:s2 ops other\n"
      "struct-ops:s1\n"
      "struct-ops:nosuch ops\n"
      "struct-ops:s3 9ops\n";
  DiagSink diags;
  kfunc::apply_scope_file("s.scopes", {reinterpret_cast<const uint8_t *>(text.data()), text.size()}, ks, diags);
  CHECK(ks.kfuncs[0].struct_ops_limited);
  CHECK(ks.kfuncs[0].struct_ops == std::vector<std::string>{"ops", "ops_cid"});
  CHECK(ks.kfuncs[1].struct_ops == std::vector<std::string>{"ops"});
  CHECK_FALSE(ks.kfuncs[2].struct_ops_limited);
  CHECK(messages(diags) == std::vector<std::string>{
                               "s.scopes:3: s1: a struct-ops: line needs a set name and at least one struct_ops type",
                               "s.scopes:4: nosuch: no kfunc set named 'nosuch'",
                               "s.scopes:5: s3: '9ops' is not a C identifier"});
}

TEST_CASE("scope file same-offsets: on a module without the kfuncs: the base's records stay unread") {
  // A module's emit with the build's scope file: the lines concern vmlinux's kfuncs, and looking
  // up the structs would walk all of the base's 126,000 records (8 ms per module, measured).
  btf::Btf b;
  uint32_t fp = b.add_ptr(b.add_func_proto(0, {}));
  btf::NewMember cpu[] = {{"a", fp, 0}};
  b.add_struct("ops", 8, cpu);
  b.add_struct("ops_cid", 8, cpu);
  std::vector<uint8_t> bytes = b.write();
  btf::Btf base = btf::Btf::parse_deferred(bytes, "base");
  btf::Btf split = btf::Btf::new_split(base);
  REQUIRE_FALSE(base.records_read());
  kfunc::KfuncList ks;
  kfunc::Kfunc k;
  k.name = "mod_kfunc", k.sets = {"mod_set"};  // no scopes for ops
  ks.kfuncs = {k};
  std::string text = "set:vmlinux_set ops.a\nsame-offsets:ops_cid ops\ndeny:ops_cid vmlinux_set\n";
  DiagSink diags;
  size_t skipped = kfunc::apply_scope_file("m.scopes", {reinterpret_cast<const uint8_t *>(text.data()), text.size()},
                                           ks, diags, true);
  kfunc::expand_scope_rules(ks, split, diags, true);
  CHECK(skipped == 2);
  CHECK(messages(diags).empty());
  CHECK(ks.kfuncs[0].scopes.empty());
  CHECK_FALSE(base.records_read());
  // A kfunc restricted for ops: now the structs are looked up.
  ks.kfuncs[0].scopes.push_back(kfunc::OpsMember{"ops", "a", "m.scopes", 1});
  kfunc::expand_scope_rules(ks, split, diags, true);
  CHECK(base.records_read());
  CHECK(ks.kfuncs[0].scopes.back().text() == "ops_cid.a");
}
