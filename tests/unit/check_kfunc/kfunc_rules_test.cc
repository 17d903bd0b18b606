// check_kfunc_rules on hand-built BTF: one test per rule (exact rule id, type id, message),
// and clean inputs that must give no finding at all.
#include "kfb_catch.h"

#include "btf/btf.h"
#include "check/kfunc_rules.h"
#include "kfunc/btf_ids.h"
#include "kfunc/flags.h"
#include "kfunc/kfunc.h"
#include "support/diag.h"

using namespace kfb;
using btf::Btf;
using btf::NewMember;
using btf::NewParam;

namespace {

// A small kernel-like world: scalars, a prog aux, an iterator struct, a struct_ops type.
struct World {
  Btf b;
  uint32_t int_, ulong, u64, voidp, aux, auxp, iter, iterp, cb_proto, cbp, ops;

  World() {
    int_ = b.add_int("int", 4, btf::INT_SIGNED, 32);
    ulong = b.add_int("long unsigned int", 8, 0, 64);
    u64 = b.add_typedef("u64", b.add_int("long long unsigned int", 8, 0, 64));
    voidp = b.add_ptr(0);
    aux = b.add_struct("bpf_prog_aux", 4, std::vector<NewMember>{{"id", int_, 0}});
    auxp = b.add_ptr(aux);
    iter = b.add_struct("bpf_iter_num", 8, std::vector<NewMember>{{"s", u64, 0}});
    iterp = b.add_ptr(iter);
    cb_proto = b.add_func_proto(int_, std::vector<NewParam>{{"ctx", voidp}});
    cbp = b.add_ptr(cb_proto);
    // bits: 0 dispatch, 1 flags (u64), 2 select, 3 kick
    ops = b.add_struct("fixture_ops", 32,
                       std::vector<NewMember>{{"dispatch", cbp, 0},
                                              {"flags", u64, 64},
                                              {"select", cbp, 128},
                                              {"kick", cbp, 192}});
  }
  uint32_t func(std::string_view name, uint32_t ret, std::vector<NewParam> params) {
    return b.add_func(name, btf::FUNC_STATIC, b.add_func_proto(ret, params));
  }
  uint32_t kfunc(std::string_view name, uint32_t ret, std::vector<NewParam> params) {
    uint32_t f = func(name, ret, std::move(params));
    b.add_decl_tag("bpf_kfunc", f, -1);
    return f;
  }
};

kfunc::Kfunc set_kfunc(const World &w, std::string_view name, uint32_t id, uint32_t flags) {
  kfunc::Kfunc k;
  k.name = std::string(name);
  k.sets = {"test_ids"};
  k.flags = flags;
  k.btf_id = id;
  k.file = "src/k.c";
  k.line = 42;
  (void)w;
  return k;
}

std::vector<Diag> run(const Btf &b, const kfunc::KfuncList *ks = nullptr,
                      check::KfuncRuleOptions opt = {}) {
  if (opt.input.empty()) opt.input = "in.btf";
  DiagSink diags;
  check::check_kfunc_rules(b, ks, opt, diags);
  return diags.all();
}

std::string dump(const std::vector<Diag> &ds) {
  std::string s;
  for (const Diag &d : ds) s += d.rule + " [" + std::to_string(d.type_id) + "] " + DiagSink::format(d) + "\n";
  return s;
}

// Exactly one finding: returns it.
Diag only(const std::vector<Diag> &ds) {
  INFO(dump(ds));
  REQUIRE(ds.size() == 1);
  return ds[0];
}

}  // namespace

TEST_CASE("clean: tagged kfuncs, iterators, an emitted twin, arg tags, scopes") {
  World w;
  uint32_t a = w.kfunc("bpf_task_acquire", w.voidp, {{"p", w.voidp}});
  w.b.add_decl_tag("bpf_kfunc_ret:acquire", a, -1);
  w.b.add_decl_tag("bpf_kfunc_arg:rcu", a, 0);
  uint32_t n = w.kfunc("bpf_iter_num_new", w.int_, {{"it", w.iterp}, {"start", w.int_}});
  uint32_t x = w.kfunc("bpf_iter_num_next", w.b.add_ptr(w.int_), {{"it", w.iterp}});
  uint32_t d = w.kfunc("bpf_iter_num_destroy", 0, {{"it", w.iterp}});
  // emit's twin: F trimmed, F_impl on the original proto, tags copied, per-arg tags on both.
  uint32_t orig = w.b.add_func_proto(w.int_, std::vector<NewParam>{{"buf", w.voidp}, {"len__sz", w.u64}, {"aux", w.auxp}});
  uint32_t f = w.b.add_func("bpf_wq_thing", btf::FUNC_STATIC, orig);
  w.b.add_decl_tag("bpf_kfunc", f, -1);
  uint32_t fi = w.b.add_func("bpf_wq_thing_impl", btf::FUNC_STATIC, orig);
  uint32_t trimmed = w.b.add_func_proto(w.int_, std::vector<NewParam>{{"buf", w.voidp}, {"len__sz", w.u64}});
  w.b.set_type(f, trimmed);
  w.b.add_decl_tag("bpf_kfunc_arg:size", f, 1);
  w.b.add_decl_tag("bpf_kfunc_arg:size", fi, 1);
  w.b.add_decl_tag("bpf_kfunc_arg:implicit", fi, 2);
  // scopes: source forms (from pahole) and the masks emit adds
  uint32_t s = w.kfunc("scx_fixture_kick", 0, {});
  w.b.add_decl_tag("bpf_kfunc_scope:fixture_ops.select", s, -1);
  w.b.add_decl_tag("bpf_kfunc_scope:fixture_ops.dispatch", s, -1);
  w.b.add_decl_tag("bpf_kfunc_calls:fixture_ops.kick", s, -1);
  w.b.add_decl_tag("bpf_kfunc_scope:fixture_ops:0x5", s, -1);
  w.b.add_decl_tag("bpf_kfunc_calls:fixture_ops:0x8", s, -1);

  CHECK(dump(run(w.b)) == "");
  kfunc::KfuncList ks;
  ks.kfuncs = {set_kfunc(w, "bpf_iter_num_destroy", d, kfunc::KF_ITER_DESTROY),
               set_kfunc(w, "bpf_iter_num_new", n, kfunc::KF_ITER_NEW),
               set_kfunc(w, "bpf_iter_num_next", x, kfunc::KF_ITER_NEXT | kfunc::KF_RET_NULL),
               set_kfunc(w, "bpf_task_acquire", a, kfunc::KF_ACQUIRE | kfunc::KF_RCU),
               set_kfunc(w, "bpf_wq_thing", f, kfunc::KF_IMPLICIT_ARGS),
               set_kfunc(w, "scx_fixture_kick", s, 0)};
  CHECK(dump(run(w.b, &ks)) == "");
}

TEST_CASE("kfunc-reg-func: bpf_kfunc on a non-FUNC, a non-FUNC_PROTO type, a set entry with no FUNC") {
  World w;
  uint32_t tag = w.b.add_decl_tag("bpf_kfunc", w.aux, -1);
  Diag d = only(run(w.b));
  CHECK(d.rule == "kfunc-reg-func");
  CHECK(d.type_id == tag);
  CHECK(d.kind == "DECL_TAG");
  CHECK(DiagSink::format(d) ==
        "in.btf: bpf_kfunc: bpf_kfunc tag on [" + std::to_string(w.aux) + "] STRUCT, not on a FUNC");

  World v;
  uint32_t f = v.b.add_func("bpf_odd", btf::FUNC_STATIC, v.int_);
  v.b.add_decl_tag("bpf_kfunc", f, -1);
  d = only(run(v.b));
  CHECK(d.rule == "kfunc-reg-func");
  CHECK(d.type_id == f);
  CHECK(d.kind == "FUNC");
  CHECK(d.message == "type [1] is INT, not FUNC_PROTO");

  World u;
  kfunc::KfuncList ks;
  ks.kfuncs = {set_kfunc(u, "bpf_missing_kfunc", 0, kfunc::KF_SLEEPABLE)};
  d = only(run(u.b, &ks));
  CHECK(d.rule == "kfunc-reg-func");
  CHECK(d.type_id == 0);
  CHECK(d.severity == Severity::Warning);
  CHECK(DiagSink::format(d) ==
        "src/k.c:42: warning: bpf_missing_kfunc: in set 'test_ids' but has no FUNC in BTF: registering the "
        "set fails (-EINVAL)");
}

TEST_CASE("kfunc-reg-name: a module kfunc already in vmlinux") {
  World w;
  w.func("bpf_dup", w.int_, {{"x", w.int_}});
  Btf mod = Btf::new_split(w.b);
  uint32_t proto = mod.add_func_proto(w.int_, std::vector<NewParam>{{"x", w.int_}});
  uint32_t f = mod.add_func("bpf_dup", btf::FUNC_STATIC, proto);
  mod.add_decl_tag("bpf_kfunc", f, -1);
  uint32_t g = mod.add_func("bpf_mod_only", btf::FUNC_STATIC, proto);
  mod.add_decl_tag("bpf_kfunc", g, -1);
  Diag d = only(run(mod));
  CHECK(d.rule == "kfunc-reg-name");
  CHECK(d.type_id == f);
  CHECK(d.message == "kfunc bpf_dup (id: " + std::to_string(f) + ") is already present in vmlinux");
}

TEST_CASE("kfunc-reg-iter: every btf_check_iter_kfuncs rule, first failure per kfunc") {
  struct Case {
    const char *name;
    uint32_t flags;
    int shape;  // which prototype
    const char *msg;
  };
  const Case cases[] = {
      {"bpf_iter_num_new", kfunc::KF_ITER_NEW | kfunc::KF_ITER_NEXT, 0,
       "iterator kfunc has KF_ITER_NEW|KF_ITER_NEXT: exactly one of KF_ITER_NEW, KF_ITER_NEXT, "
       "KF_ITER_DESTROY is allowed"},
      {"bpf_iter_num_new", kfunc::KF_ITER_NEW, 1,
       "iterator kfunc has no arguments: arg 0 must be struct bpf_iter_<type> *"},
      {"bpf_iter_num_new", kfunc::KF_ITER_NEW, 2,
       "iterator arg 0 must be a pointer to struct bpf_iter_<type>, not 'struct bpf_prog_aux *'"},
      {"bpf_iter_odd_new", kfunc::KF_ITER_NEW, 3,
       "iterator struct bpf_iter_odd has size 12: it must be > 0 and a multiple of 8"},
      {"bpf_iter_nums_next", kfunc::KF_ITER_NEXT, 0,
       "iterator next kfunc on struct bpf_iter_num must be named bpf_iter_num_next"},
      {"bpf_iter_num_next", kfunc::KF_ITER_NEXT, 4,
       "iterator next kfunc must take exactly 1 argument, not 2"},
      {"bpf_iter_num_next", kfunc::KF_ITER_NEXT, 0, "iterator next kfunc must return a pointer, not 'int'"},
      {"bpf_iter_num_destroy", kfunc::KF_ITER_DESTROY, 0,
       "iterator destroy kfunc must return void, not 'int'"},
  };
  for (const Case &c : cases) {
    World w;
    uint32_t odd = w.b.add_struct("bpf_iter_odd", 12, std::vector<NewMember>{{"a", w.int_, 0}});
    uint32_t cnst = w.b.add_const(w.iter);  // modifiers are skipped
    std::vector<NewParam> params;
    if (c.shape == 0) params = {{"it", w.b.add_ptr(cnst)}};
    if (c.shape == 2) params = {{"it", w.auxp}};
    if (c.shape == 3) params = {{"it", w.b.add_ptr(odd)}};
    if (c.shape == 4) params = {{"it", w.iterp}, {"x", w.int_}};
    uint32_t f = w.kfunc(c.name, w.int_, params);
    kfunc::KfuncList ks;
    ks.kfuncs = {set_kfunc(w, c.name, f, c.flags)};
    INFO(c.msg);
    Diag d = only(run(w.b, &ks));
    CHECK(d.rule == "kfunc-reg-iter");
    CHECK(d.type_id == f);
    CHECK(DiagSink::format(d) == std::string("src/k.c:42: ") + c.name + ": " + c.msg);
  }
}

TEST_CASE("kfunc-reg-set8: a kfunc only in a set8 without BTF_SET8_KFUNCS") {
  World w;
  uint32_t f = w.kfunc("bpf_legacy_only", w.int_, {{"x", w.int_}});
  uint32_t g = w.kfunc("bpf_both", w.int_, {{"x", w.int_}});
  w.func("bpf_plain", w.int_, {{"x", w.int_}});
  kfunc::KfuncList ks;
  kfunc::Kfunc tagged;
  tagged.name = "bpf_legacy_only";
  tagged.source = kfunc::KfuncSource::Tag;
  tagged.btf_id = f;
  ks.kfuncs = {set_kfunc(w, "bpf_both", g, 0), tagged};
  kfunc::BtfIds sets;
  sets.sets = {kfunc::BtfIdsSet{.name = "old_ids", .flags = 0}, kfunc::BtfIdsSet{.name = "test_ids", .flags = 1}};
  sets.entries = {kfunc::BtfIdsEntry{.name = "bpf_legacy_only", .set = "old_ids"},
                  kfunc::BtfIdsEntry{.name = "bpf_both", .set = "old_ids"},
                  kfunc::BtfIdsEntry{.name = "bpf_plain", .set = "old_ids"},
                  kfunc::BtfIdsEntry{.name = "bpf_both", .set = "test_ids"}};
  check::KfuncRuleOptions o;
  o.sets = &sets;
  Diag d = only(run(w.b, &ks, o));
  CHECK(d.rule == "kfunc-reg-set8");
  CHECK(d.type_id == f);
  CHECK(DiagSink::format(d) ==
        "in.btf: bpf_legacy_only: kfunc is only in set8 'old_ids', which lacks BTF_SET8_KFUNCS: "
        "register_btf_kfunc_id_set() rejects the set (-EINVAL)");
  o.legacy_kfunc_sets = true;
  CHECK(dump(run(w.b, &ks, o)) == "");

  // Not one set8 with the flag: a pre-6.9 kernel, a note that names the option.
  kfunc::BtfIds old;
  old.sets = {kfunc::BtfIdsSet{.name = "a_ids", .flags = 0}, kfunc::BtfIdsSet{.name = "b_ids", .flags = 0}};
  old.entries = {kfunc::BtfIdsEntry{.name = "bpf_plain", .set = "a_ids"}};
  check::KfuncRuleOptions o2;
  o2.sets = &old;
  Diag n = only(run(w.b, nullptr, o2));
  CHECK(n.rule == "kfunc-reg-set8");
  CHECK(n.severity == Severity::Note);
  CHECK(n.message == "no set8 has BTF_SET8_KFUNCS and 2 have none (a kernel before 6.9?): "
                     "--legacy-kfunc-sets counts them as kfunc sets");
}

TEST_CASE("kfunc-twin-pending / -missing: implicit params and no F_impl") {
  World w;
  uint32_t f = w.kfunc("bpf_magic", w.int_, {{"x", w.int_}, {"aux__magic", w.auxp}});
  Diag d = only(run(w.b));
  CHECK(d.rule == "kfunc-twin-pending");
  CHECK(d.severity == Severity::Note);
  CHECK(d.type_id == f);
  CHECK(d.message == "arg 1 'aux__magic' is implicit and there is no bpf_magic_impl yet: emit adds the twin");

  // KF_IMPLICIT_ARGS, proto already trimmed, no twin: the verifier's message.
  World v;
  uint32_t g = v.kfunc("bpf_trimmed", v.int_, {{"x", v.int_}});
  kfunc::KfuncList ks;
  ks.kfuncs = {set_kfunc(v, "bpf_trimmed", g, kfunc::KF_IMPLICIT_ARGS)};
  d = only(run(v.b, &ks));
  CHECK(d.rule == "kfunc-twin-missing");
  CHECK(d.type_id == g);
  CHECK(d.severity == Severity::Error);
  CHECK(DiagSink::format(d) == "src/k.c:42: bpf_trimmed: cannot find function bpf_trimmed_impl in BTF");
  // by type under KF_IMPLICIT_ARGS, untrimmed: pending only
  World u;
  uint32_t h = u.kfunc("bpf_by_type", u.int_, {{"x", u.int_}, {"aux", u.auxp}});
  ks.kfuncs = {set_kfunc(u, "bpf_by_type", h, kfunc::KF_IMPLICIT_ARGS)};
  CHECK(only(run(u.b, &ks)).rule == "kfunc-twin-pending");
  ks.kfuncs[0].flags = 0;  // without the flag a prog aux pointer is an ordinary argument
  CHECK(dump(run(u.b, &ks)) == "");
}

TEST_CASE("kfunc-twin-proto: F_impl does not extend F") {
  World w;
  uint32_t f = w.kfunc("bpf_bad_twin", w.int_, {{"x", w.int_}, {"aux", w.auxp}});
  w.func("bpf_bad_twin_impl", w.int_, {{"x", w.ulong}, {"aux", w.voidp}});
  Diag d = only(run(w.b));  // F_impl exists: a pair even without flags
  CHECK(d.rule == "kfunc-twin-proto");
  CHECK(d.type_id == f);
  CHECK(d.message == "twin bpf_bad_twin_impl arg 0 'x' is 'long unsigned int', not 'int' as in bpf_bad_twin");

  World s;  // fewer params than F's explicit ones
  s.kfunc("bpf_s", s.int_, {{"x", s.int_}, {"y", s.int_}});
  s.func("bpf_s_impl", s.int_, {{"x", s.int_}});
  CHECK(only(run(s.b)).message == "twin bpf_s_impl has 1 params, fewer than bpf_s's 2 explicit ones");

  // Upstream reuses a legacy F_impl as it is: what follows F's params may be of any type and
  // count (7.3: bpf_list_push_back_impl(head, node, void *meta__ign, u64 off)).
  World v;
  v.kfunc("bpf_t", v.int_, {{"x", v.int_}});
  v.func("bpf_t_impl", v.int_, {{"x", v.int_}, {"n", v.u64}});
  CHECK(run(v.b).empty());
  World u;
  u.kfunc("bpf_p", u.int_, {{"x", u.int_}, {"aux__implicit", u.auxp}});
  u.func("bpf_p_impl", u.int_, {{"x", u.int_}, {"aux", u.auxp}, {"more", u.voidp}});
  CHECK(run(u.b).empty());

  // Type attributes aside: 7.3 tags F's arena pointer address_space(1), not F_impl's.
  World a;
  uint32_t attr = a.b.add_type_tag("address_space(1)", a.int_, /*kflag=*/true);
  uint32_t ap = a.b.add_ptr(attr);
  a.kfunc("bpf_a", a.int_, {{"p", ap}});
  a.func("bpf_a_impl", a.int_, {{"p", a.b.add_ptr(a.int_)}, {"aux", a.auxp}});
  CHECK(run(a.b).empty());
  a.func("bpf_b_impl", a.int_, {{"p", a.b.add_ptr(a.u64)}});
  a.kfunc("bpf_b", a.int_, {{"p", ap}});
  CHECK(only(run(a.b)).message ==
        "twin bpf_b_impl arg 0 'p' is 'u64 *', not '__attribute__((address_space(1))) int *' as in bpf_b");
}

TEST_CASE("kfunc-twin-kfunc-tag: F_impl tagged bpf_kfunc without being a kfunc") {
  World w;
  uint32_t orig = w.b.add_func_proto(w.int_, std::vector<NewParam>{{"x", w.int_}, {"aux", w.auxp}});
  uint32_t f = w.b.add_func("bpf_w", btf::FUNC_STATIC, orig);
  w.b.add_decl_tag("bpf_kfunc", f, -1);
  uint32_t fi = w.b.add_func("bpf_w_impl", btf::FUNC_STATIC, orig);
  w.b.add_decl_tag("bpf_kfunc", fi, -1);  // emit must not copy this one
  w.b.set_type(f, w.b.add_func_proto(w.int_, std::vector<NewParam>{{"x", w.int_}}));
  kfunc::KfuncList ks;
  ks.kfuncs = {set_kfunc(w, "bpf_w", f, kfunc::KF_IMPLICIT_ARGS)};
  // BTF alone cannot tell a legacy pair from a stray tag: bpf_w_impl is then a kfunc too
  Diag d = only(run(w.b, &ks));
  CHECK(d.rule == "kfunc-twin-kfunc-tag");
  CHECK(d.type_id == f);
  CHECK(d.message == "twin bpf_w_impl carries a bpf_kfunc tag but is not a kfunc (in no set, no "
                     "DWARF bpf_kfunc annotation)");
  // a legacy pair: bpf_w_impl is in a set, so it is fine
  ks.kfuncs.push_back(set_kfunc(w, "bpf_w_impl", fi, 0));
  CHECK(dump(run(w.b, &ks)) == "");
}

TEST_CASE("kfunc-tag-component: a tag past F's parameters") {
  World w;
  uint32_t f = w.kfunc("bpf_short", w.int_, {{"x", w.int_}});
  uint32_t t = w.b.add_decl_tag("bpf_kfunc_arg:implicit", f, 1);
  std::vector<Diag> ds = run(w.b);
  INFO(dump(ds));
  REQUIRE(ds.size() == 2);
  CHECK(ds[0].rule == "kfunc-tag-component");
  CHECK(ds[0].type_id == t);
  CHECK(ds[0].message == "decl tag 'bpf_kfunc_arg:implicit' has component_idx 1, past bpf_short's 1 params");
  CHECK(ds[1].rule == "kfunc-arg-tag");
  CHECK(ds[1].message == "argument flag 'implicit' has component_idx 1, not an argument of bpf_short");
}

TEST_CASE("kfunc-arg-tag: unknown flags and the per-argument type rules on BTF types") {
  struct Case {
    std::vector<std::pair<const char *, int>> tags;
    const char *msg;
  };
  // params: 0 int x, 1 void *buf, 2 u64 n, 3 struct bpf_prog_aux *aux, 4 task_ptr_t (typedef ptr)
  const Case cases[] = {
      {{{"bpf_kfunc_arg:bogus", 0}}, "unknown argument flag 'bogus'"},
      {{{"bpf_kfunc_ret:maybe", -1}}, "unknown return flag 'maybe'"},
      {{{"bpf_kfunc_ret:acquire", 0}}, "return flag 'acquire' has component_idx 0, not -1"},
      {{{"bpf_kfunc_arg:size", 0}}, "arg 0 'x': size argument must follow a pointer argument"},
      {{{"bpf_kfunc_arg:const_size", 4}},
       "arg 4 't': constant size argument must be a scalar, not 'task_ptr_t'"},
      {{{"bpf_kfunc_arg:const", 3}}, "arg 3 'aux': constant argument must be a scalar, not 'struct bpf_prog_aux *'"},
      {{{"bpf_kfunc_arg:implicit", 2}, {"bpf_kfunc_arg:implicit", 3}, {"bpf_kfunc_arg:implicit", 4}},
       "arg 2 'n': implicit argument must be a pointer, not 'u64'"},
      {{{"bpf_kfunc_arg:ignore", 1}, {"bpf_kfunc_arg:nullable", 1}},
       "arg 1 'buf': ignored argument cannot also be nullable"},
      {{{"bpf_kfunc_arg:map", 0}}, "arg 0 'x': map needs a pointer argument, not 'int'"},
  };
  for (const Case &c : cases) {
    World w;
    uint32_t task = w.b.add_struct("task_struct", 4, std::vector<NewMember>{{"pid", w.int_, 0}});
    uint32_t tp = w.b.add_typedef("task_ptr_t", w.b.add_ptr(task));
    uint32_t f = w.kfunc("bpf_args", w.int_,
                         {{"x", w.int_}, {"buf", w.voidp}, {"n", w.u64}, {"aux", w.auxp}, {"t", tp}});
    uint32_t last = 0;
    for (auto &[name, idx] : c.tags) last = w.b.add_decl_tag(name, f, idx);
    INFO(c.msg);
    Diag d = only(run(w.b));
    CHECK(d.rule == "kfunc-arg-tag");
    std::string msg = c.msg;
    CHECK(d.type_id == (msg.starts_with("arg ") ? f : last));
    CHECK(d.message == msg);
  }
  // clean: a parameter after an implicit one (upstream: the BPF-visible prototype ends at the
  // first implicit one), and arena from KF_ARENA_ARG2 on an ignored parameter (7.3's
  // bpf_arena_free_pages(p__map, ptr__ign, page_cnt))
  {
    World w;
    uint32_t f = w.kfunc("bpf_args", w.int_, {{"x", w.int_}, {"buf", w.voidp}, {"aux", w.auxp}, {"n", w.u64}});
    w.b.add_decl_tag("bpf_kfunc_arg:implicit", f, 2);
    w.b.add_decl_tag("bpf_kfunc_arg:ignore", f, 1);
    w.b.add_decl_tag("bpf_kfunc_arg:arena", f, 1);
    INFO(dump(run(w.b)));
    CHECK(run(w.b).empty());
  }
  // clean: size after a pointer, rcu on a typedef to a pointer, const on an enum-ish scalar
  World w;
  uint32_t task = w.b.add_struct("task_struct", 4, std::vector<NewMember>{{"pid", w.int_, 0}});
  uint32_t tp = w.b.add_typedef("task_ptr_t", w.b.add_ptr(task));
  uint32_t f = w.kfunc("bpf_ok", w.int_, {{"buf", w.voidp}, {"n", w.u64}, {"t", tp}, {"k", w.b.add_const(w.int_)}});
  w.b.add_decl_tag("bpf_kfunc_arg:size", f, 1);
  w.b.add_decl_tag("bpf_kfunc_arg:rcu", f, 2);
  w.b.add_decl_tag("bpf_kfunc_arg:const", f, 3);
  w.b.add_decl_tag("bpf_kfunc_arg:nullable", f, 0);
  w.b.add_decl_tag("bpf_kfunc_ret:nullable", f, -1);
  CHECK(dump(run(w.b)) == "");
}

TEST_CASE("kfunc-arg-flag: BTF parameter-name suffixes when there are no flag tags and no DWARF") {
  World w;
  uint32_t f = w.kfunc("bpf_bad_map_int", w.int_, {{"m__map", w.int_}});
  Diag d = only(run(w.b));
  CHECK(d.rule == "kfunc-arg-flag");
  CHECK(d.type_id == f);
  CHECK(DiagSink::format(d) == "in.btf: bpf_bad_map_int: arg 0 'm__map': map needs a pointer argument, not 'int'");
  // with a DWARF definition, scan_kfuncs judged the names already
  kfunc::KfuncList ks;
  ks.kfuncs = {set_kfunc(w, "bpf_bad_map_int", f, 0)};
  ks.kfuncs[0].has_dwarf = true;
  CHECK(dump(run(w.b, &ks)) == "");
  // emitted flag tags win over names
  World v;
  uint32_t g = v.kfunc("bpf_sz", v.int_, {{"fd", v.int_}, {"len__sz", v.u64}});
  CHECK(only(run(v.b)).message == "arg 1 'len__sz': size argument must follow a pointer argument");
  v.b.add_decl_tag("bpf_kfunc_arg:const", g, 1);
  CHECK(dump(run(v.b)) == "");
}

TEST_CASE("kfunc-scope-mask: malformed, unknown struct, bit with no member, non-function member") {
  struct Case {
    const char *tag;
    const char *msg;
  };
  const Case cases[] = {
      {"bpf_kfunc_scope:fixture_ops:0x05",
       "malformed scope tag 'bpf_kfunc_scope:fixture_ops:0x05': want bpf_kfunc_scope:<ops>:0x<mask> "
       "(lowercase hex, no leading zeros) with component_idx -1"},
      {"bpf_kfunc_scope:fixture_ops:0x00",
       "malformed scope tag 'bpf_kfunc_scope:fixture_ops:0x00': want bpf_kfunc_scope:<ops>:0x<mask> "
       "(lowercase hex, no leading zeros) with component_idx -1"},
      {"bpf_kfunc_calls:fixture_ops:0x0",  // a zero mask is a scope's (deny:), no calls edge
       "malformed calls tag 'bpf_kfunc_calls:fixture_ops:0x0': want bpf_kfunc_calls:<ops>:0x<mask> "
       "(lowercase hex, no leading zeros) with component_idx -1"},
      {"bpf_kfunc_calls:fixture_ops:0xA",
       "malformed calls tag 'bpf_kfunc_calls:fixture_ops:0xA': want bpf_kfunc_calls:<ops>:0x<mask> "
       "(lowercase hex, no leading zeros) with component_idx -1"},
      {"bpf_kfunc_scope:nope_ops:0x1", "scope mask 'bpf_kfunc_scope:nope_ops:0x1': no struct nope_ops in BTF"},
      {"bpf_kfunc_scope:fixture_ops:0x11",
       "scope mask 'bpf_kfunc_scope:fixture_ops:0x11': bit 4 (byte offset 32) names no member of "
       "struct fixture_ops"},
      {"bpf_kfunc_calls:fixture_ops:0x2",
       "calls mask 'bpf_kfunc_calls:fixture_ops:0x2': bit 1 names member 'flags' of struct "
       "fixture_ops, which is 'u64', not a function pointer"},
  };
  for (const Case &c : cases) {
    World w;
    uint32_t f = w.kfunc("scx_k", 0, {});
    uint32_t t = w.b.add_decl_tag(c.tag, f, -1);
    INFO(c.tag);
    Diag d = only(run(w.b));
    CHECK(d.rule == "kfunc-scope-mask");
    CHECK(d.type_id == t);
    CHECK(d.message == c.msg);
  }
}

TEST_CASE("kfunc-scope-mask: 0x0 is a scope to no member (a scope file's deny:)") {
  World w;
  uint32_t f = w.kfunc("scx_k", 0, {});
  w.b.add_decl_tag("bpf_kfunc_scope:fixture_ops:0x0", f, -1);
  CHECK(dump(run(w.b)) == "");
}

TEST_CASE("kfunc-scope-member and kfunc-scope-source: source forms") {
  World w;
  uint32_t f = w.kfunc("scx_k", 0, {});
  uint32_t t1 = w.b.add_decl_tag("bpf_kfunc_scope:fixture_ops.no_such_member", f, -1);
  uint32_t t2 = w.b.add_decl_tag("bpf_kfunc_scope:fixture_ops.flags", f, -1);
  std::vector<Diag> ds = run(w.b);
  INFO(dump(ds));
  REQUIRE(ds.size() == 2);
  CHECK(ds[0].rule == "kfunc-scope-member");
  CHECK(ds[0].type_id == t1);
  CHECK(ds[0].message == "scope fixture_ops.no_such_member: struct fixture_ops has no member 'no_such_member'");
  CHECK(ds[1].type_id == t2);
  CHECK(ds[1].message == "scope fixture_ops.flags: member 'flags' of struct fixture_ops is 'u64', not a function pointer");

  // Once emit ran (a mask tag exists), every source form needs its bit.
  World v;
  uint32_t g = v.kfunc("scx_g", 0, {});
  v.b.add_decl_tag("bpf_kfunc_scope:fixture_ops.select", g, -1);
  uint32_t s2 = v.b.add_decl_tag("bpf_kfunc_scope:fixture_ops.dispatch", g, -1);
  uint32_t c1 = v.b.add_decl_tag("bpf_kfunc_calls:fixture_ops.kick", g, -1);
  CHECK(dump(run(v.b)) == "");  // pahole stage: no masks yet
  v.b.add_decl_tag("bpf_kfunc_scope:fixture_ops:0x4", g, -1);
  ds = run(v.b);
  INFO(dump(ds));
  REQUIRE(ds.size() == 2);
  CHECK(ds[0].rule == "kfunc-scope-source");
  CHECK(ds[0].type_id == s2);
  CHECK(ds[0].message == "scope fixture_ops.dispatch (bit 0) is not in the mask tag 'bpf_kfunc_scope:fixture_ops:0x4'");
  CHECK(ds[1].type_id == c1);
  CHECK(ds[1].message == "calls fixture_ops.kick (bit 3) has no bpf_kfunc_calls:fixture_ops:0x<mask> tag");
}

TEST_CASE("kfunc-scope-cycle: the full path, once per cycle") {
  World w;
  uint32_t kick = w.kfunc("scx_fixture_kick", 0, {});
  uint32_t disp = w.kfunc("scx_fixture_dispatch", 0, {});
  w.b.add_decl_tag("bpf_kfunc_scope:fixture_ops:0x1", kick, -1);  // dispatch
  w.b.add_decl_tag("bpf_kfunc_calls:fixture_ops:0x4", kick, -1);  // select
  w.b.add_decl_tag("bpf_kfunc_scope:fixture_ops.select", disp, -1);
  w.b.add_decl_tag("bpf_kfunc_calls:fixture_ops.dispatch", disp, -1);
  w.b.add_decl_tag("bpf_kfunc_scope:fixture_ops:0x4", disp, -1);
  w.b.add_decl_tag("bpf_kfunc_calls:fixture_ops:0x1", disp, -1);
  kfunc::KfuncList ks;
  ks.kfuncs = {set_kfunc(w, "scx_fixture_dispatch", disp, 0), set_kfunc(w, "scx_fixture_kick", kick, 0)};
  ks.kfuncs[1].line = 7;
  Diag d = only(run(w.b, &ks));
  CHECK(d.rule == "kfunc-scope-cycle");
  CHECK(d.type_id == kick);
  CHECK(DiagSink::format(d) ==
        "src/k.c:7: scx_fixture_kick: cycle: fixture_ops.dispatch -> scx_fixture_kick -> "
        "fixture_ops.select -> scx_fixture_dispatch -> fixture_ops.dispatch");

  // The cycle starts at the first callback in member order (select, bit 2), not by name (kick).
  World x;
  uint32_t k1 = x.kfunc("scx_k1", 0, {});
  uint32_t k2 = x.kfunc("scx_k2", 0, {});
  x.b.add_decl_tag("bpf_kfunc_scope:fixture_ops.kick", k2, -1);
  x.b.add_decl_tag("bpf_kfunc_calls:fixture_ops.select", k2, -1);
  x.b.add_decl_tag("bpf_kfunc_scope:fixture_ops.select", k1, -1);
  x.b.add_decl_tag("bpf_kfunc_calls:fixture_ops.kick", k1, -1);
  d = only(run(x.b));
  CHECK(d.type_id == k1);
  CHECK(d.message == "cycle: fixture_ops.select -> scx_k1 -> fixture_ops.kick -> scx_k2 -> fixture_ops.select");

  // A kfunc that calls the callback it is scoped to.
  World v;
  uint32_t self = v.kfunc("scx_self", 0, {});
  v.b.add_decl_tag("bpf_kfunc_scope:fixture_ops.kick", self, -1);
  v.b.add_decl_tag("bpf_kfunc_calls:fixture_ops.kick", self, -1);
  CHECK(only(run(v.b)).message == "cycle: fixture_ops.kick -> scx_self -> fixture_ops.kick");
  // no cycle: calls into a callback the kfunc is not reachable from
  World u;
  uint32_t k = u.kfunc("scx_fine", 0, {});
  u.b.add_decl_tag("bpf_kfunc_scope:fixture_ops.select", k, -1);
  u.b.add_decl_tag("bpf_kfunc_calls:fixture_ops.kick", k, -1);
  CHECK(dump(run(u.b)) == "");
}

TEST_CASE("option first: the rules stop at the first error") {
  World w;
  uint32_t f = w.kfunc("bpf_a", w.int_, {{"x", w.int_}});
  w.b.add_decl_tag("bpf_kfunc_arg:bogus", f, 0);
  w.b.add_decl_tag("bpf_kfunc_arg:map", f, 0);
  CHECK(run(w.b).size() == 2);
  check::KfuncRuleOptions o;
  o.first = true;
  DiagSink diags;
  CHECK(check::check_kfunc_rules(w.b, nullptr, o, diags) == 1);
  CHECK(diags.all().size() == 1);
}

TEST_CASE("scope bits use the pointer size: 32-bit targets") {
  World w;  // a 4-byte long: bit k is byte offset 4k
  Btf b;
  uint32_t i = b.add_int("long int", 4, btf::INT_SIGNED, 32);
  uint32_t proto = b.add_func_proto(i, std::vector<NewParam>{});
  uint32_t fp = b.add_ptr(proto);
  b.add_struct("ops32", 8, std::vector<NewMember>{{"a", fp, 0}, {"b", fp, 32}});
  uint32_t f = b.add_func("k32", btf::FUNC_STATIC, proto);
  b.add_decl_tag("bpf_kfunc", f, -1);
  b.add_decl_tag("bpf_kfunc_scope:ops32.b", f, -1);
  b.add_decl_tag("bpf_kfunc_scope:ops32:0x2", f, -1);
  CHECK(dump(run(b)) == "");
  check::KfuncRuleOptions o;
  o.ptr_size = 8;
  CHECK(dump(run(b, nullptr, o)) != "");
}
