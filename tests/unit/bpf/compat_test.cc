// types_compat: libbpf's bpf_core_types_are_compat, on prototypes built with the BTF builder
// and on the fixture object's externs against a kernel-like BTF.
#include "gcc12_bounds.h"  // first: before the vector inserts it silences
#include "kfb_catch.h"

#include <vector>

#include "bpf/names.h"
#include "bpf/object.h"
#include "btf/btf.h"

using namespace kfb;
using btf::Btf;
using btf::NewParam;

namespace {

// A "kernel" and a "program" BTF with the pieces the cases combine.
struct Pair {
  Btf k, p;  // kernel (target), program (local)
  uint32_t k_int, k_u64, k_task, k_task_ptr, k_union_ptr, k_enum, k_float;
  uint32_t p_int, p_u64, p_s32, p_task_fwd_ptr, p_task_ptr, p_other_ptr, p_union_ptr, p_enum64,
      p_float, p_bitfield_int;
  Pair() {
    k_int = k.add_int("int", 4, btf::INT_SIGNED, 32);
    k_u64 = k.add_int("unsigned long long", 8, 0, 64);
    k_task = k.add_struct("task_struct", 16, std::vector<btf::NewMember>{{"pid", k_int, 0}});
    k_task_ptr = k.add_ptr(k_task);
    uint32_t k_union = k.add_union("u", 4, std::vector<btf::NewMember>{{"a", k_int, 0}});
    k_union_ptr = k.add_ptr(k_union);
    k_enum = k.add_enum("e", 4, std::vector<btf::NewEnum>{{"A", 0}});
    k_float = k.add_float("float", 4);

    p_int = p.add_int("int", 4, btf::INT_SIGNED, 32);
    uint32_t ull = p.add_int("unsigned long long", 8, 0, 64);
    p_u64 = p.add_typedef("u64", ull);
    p_s32 = p.add_const(p.add_typedef("s32", p_int));
    p_task_fwd_ptr = p.add_ptr(p.add_fwd("task_struct", false));
    uint32_t task = p.add_struct("task_struct", 8, std::vector<btf::NewMember>{});  // other size
    p_task_ptr = p.add_ptr(p.add_volatile(task));
    p_other_ptr = p.add_ptr(p.add_struct("cgroup", 4, std::vector<btf::NewMember>{}));
    p_union_ptr = p.add_ptr(p.add_union("v", 4, std::vector<btf::NewMember>{}));
    p_enum64 = p.add_enum64("e64", 8, std::vector<btf::NewEnum>{{"B", 1}});
    p_float = p.add_float("float", 4);
    p_bitfield_int = p.add_int("int", 4, btf::INT_SIGNED, 8, 8);  // offset 8: bitfield-like
  }
  uint32_t kproto(uint32_t ret, std::vector<uint32_t> params) {
    std::vector<NewParam> ps;
    for (uint32_t t : params) ps.push_back({"", t});
    return k.add_func_proto(ret, ps);
  }
  uint32_t pproto(uint32_t ret, std::vector<uint32_t> params) {
    std::vector<NewParam> ps;
    for (uint32_t t : params) ps.push_back({"", t});
    return p.add_func_proto(ret, ps);
  }
  bool compat(uint32_t local, uint32_t targ) { return bpf::types_compat(p, local, k, targ); }
};

}  // namespace

TEST_CASE("bpf: types_compat: loose where libbpf is loose") {
  Pair t;
  uint32_t kern = t.kproto(t.k_int, {t.k_task_ptr, t.k_u64});
  // Integer sizes, signedness, typedefs and modifiers do not matter; struct names and sizes do
  // not either (a pointer to any struct matches a pointer to any struct).
  CHECK(t.compat(t.pproto(t.p_s32, {t.p_task_ptr, t.p_u64}), kern));
  CHECK(t.compat(t.pproto(t.p_u64, {t.p_other_ptr, t.p_int}), kern));
  // Enums match enums, ENUM64 included.
  CHECK(t.compat(t.pproto(t.p_enum64, {}), t.kproto(t.k_enum, {})));
  // void returns match.
  CHECK(t.compat(t.pproto(0, {t.p_u64}), t.kproto(0, {t.k_u64})));
}

TEST_CASE("bpf: types_compat: strict where libbpf is strict") {
  Pair t;
  uint32_t kern = t.kproto(t.k_int, {t.k_task_ptr, t.k_u64});
  // A different parameter count: the ___v2 case (two parameters locally, one in the kernel).
  CHECK_FALSE(t.compat(t.pproto(t.p_int, {t.p_u64, t.p_u64}), t.kproto(t.k_int, {t.k_u64})));
  CHECK_FALSE(t.compat(t.pproto(t.p_int, {t.p_task_ptr}), kern));
  // Kinds differ: an integer where the kernel has a pointer; void against int returns.
  CHECK_FALSE(t.compat(t.pproto(t.p_int, {t.p_u64, t.p_u64}), kern));
  CHECK_FALSE(t.compat(t.pproto(0, {t.p_task_ptr, t.p_u64}), kern));
  // A union pointer where the kernel has a struct pointer.
  CHECK_FALSE(t.compat(t.pproto(t.p_int, {t.p_union_ptr, t.p_u64}), kern));
  // A forward declaration is not a struct: `struct task_struct;` alone does not match.
  CHECK_FALSE(t.compat(t.pproto(t.p_int, {t.p_task_fwd_ptr, t.p_u64}), kern));
  // Enum against int.
  CHECK_FALSE(t.compat(t.pproto(t.p_enum64, {}), t.kproto(t.k_int, {})));
  // FLOAT is not among the kinds libbpf relates, not even to FLOAT.
  CHECK_FALSE(t.compat(t.pproto(t.p_float, {}), t.kproto(t.k_float, {})));
  // Bitfield-like integers.
  CHECK_FALSE(t.compat(t.pproto(t.p_bitfield_int, {}), t.kproto(t.k_int, {})));
  // A FUNC_PROTO against a non-prototype.
  CHECK_FALSE(t.compat(t.pproto(t.p_int, {}), t.k_int));
  // Ids out of range.
  CHECK_FALSE(bpf::types_compat(t.p, 9999, t.k, kern));
}

TEST_CASE("bpf: types_compat: depth limits as libbpf's (32 steps, 32 nested prototypes)") {
  Pair t;
  // n pointers to int: n + 1 steps along one chain; 32 steps are allowed, 33 are not.
  auto chain = [](Btf &b, uint32_t base, int n) {
    for (int i = 0; i < n; i++) base = b.add_ptr(base);
    return base;
  };
  CHECK(t.compat(chain(t.p, t.p_int, 31), chain(t.k, t.k_int, 31)));
  CHECK_FALSE(t.compat(chain(t.p, t.p_int, 32), chain(t.k, t.k_int, 32)));
  // Prototypes nested in parameters (a callback taking a callback ...): 32 levels are allowed.
  auto nest = [](Btf &b, uint32_t leaf, int n) {
    uint32_t proto = b.add_func_proto(0, std::vector<NewParam>{{"", leaf}});
    for (int i = 1; i < n; i++)
      proto = b.add_func_proto(0, std::vector<NewParam>{{"", b.add_ptr(proto)}});
    return proto;
  };
  CHECK(t.compat(nest(t.p, t.p_int, 32), nest(t.k, t.k_int, 32)));
  CHECK_FALSE(t.compat(nest(t.p, t.p_int, 33), nest(t.k, t.k_int, 33)));
}

TEST_CASE("bpf: types_match: libbpf's bpf_core_type_matches() rule") {
  Btf k, p;
  uint32_t k_int = k.add_int("int", 4, btf::INT_SIGNED, 32), k_uint = k.add_int("unsigned int", 4, 0, 32);
  uint32_t k_long = k.add_int("long", 8, btf::INT_SIGNED, 64);
  uint32_t k_task = k.add_struct("task_struct", 16,
                                 std::vector<btf::NewMember>{{"pid", k_int, 0}, {"flags", k_uint, 32}, {"x", k_long, 64}});
  uint32_t k_enum = k.add_enum("state", 4, std::vector<btf::NewEnum>{{"RUNNING", 0}, {"SLEEPING", 1}});
  uint32_t k_arr = k.add_array(k_int, k_int, 4);
  uint32_t k_union_fwd_ptr = k.add_ptr(k.add_fwd("u", true));

  uint32_t p_int = p.add_int("int", 4, btf::INT_SIGNED, 32), p_uint = p.add_int("unsigned int", 4, 0, 32);
  // A subset of the members, flavoured, through a typedef and a const: matches.
  uint32_t sub = p.add_struct("task_struct___new", 8,
                              std::vector<btf::NewMember>{{"flags", p_uint, 0}, {"pid", p.add_typedef("pid_t", p_int), 32}});
  CHECK(bpf::types_match(p, p.add_const(sub), k, k_task) == 1);
  // A member whose signedness differs, or one the target lacks: no match.
  uint32_t sgn = p.add_struct("task_struct", 4, std::vector<btf::NewMember>{{"flags", p_int, 0}});
  CHECK(bpf::types_match(p, sgn, k, k_task) == 0);
  uint32_t extra = p.add_struct("task_struct", 4, std::vector<btf::NewMember>{{"nope", p_int, 0}});
  CHECK(bpf::types_match(p, extra, k, k_task) == 0);
  // Another name: no match (types_compat does not look at names).
  uint32_t other = p.add_struct("cgroup", 4, std::vector<btf::NewMember>{});
  CHECK(bpf::types_match(p, other, k, k_task) == 0);
  // Behind a pointer a struct matches by kind alone, and a union a forward of a union.
  CHECK(bpf::types_match(p, p.add_ptr(extra), k, k.add_ptr(k_task)) == 1);
  uint32_t p_union = p.add_union("u", 4, std::vector<btf::NewMember>{{"a", p_int, 0}});
  CHECK(bpf::types_match(p, p.add_ptr(p_union), k, k_union_fwd_ptr) == 1);
  CHECK(bpf::types_match(p, p_union, k, k_union_fwd_ptr) == 0);  // not behind a pointer
  // Enums: same size, every local enumerator by name (values do not matter).
  CHECK(bpf::types_match(p, p.add_enum("state", 4, std::vector<btf::NewEnum>{{"SLEEPING", 7}}), k, k_enum) == 1);
  CHECK(bpf::types_match(p, p.add_enum("state", 4, std::vector<btf::NewEnum>{{"DEAD", 1}}), k, k_enum) == 0);
  CHECK(bpf::types_match(p, p.add_enum64("state", 8, std::vector<btf::NewEnum>{{"RUNNING", 0}}), k, k_enum) == 0);
  // Arrays by length.
  CHECK(bpf::types_match(p, p.add_array(p_int, p_int, 4), k, k_arr) == 1);
  CHECK(bpf::types_match(p, p.add_array(p_int, p_int, 5), k, k_arr) == 0);
  // Integers by size and signedness; a bad id is libbpf's -EINVAL.
  CHECK(bpf::types_match(p, p_int, k, k_int) == 1);
  CHECK(bpf::types_match(p, p_uint, k, k_uint) == 1);
  CHECK(bpf::types_match(p, 9999, k, k_int) == -1);
}

TEST_CASE("bpf: types_compat: the fixture's externs against kernel prototypes") {
  std::string path = kfbtest::fixture("bpf/kfuncs.bpf.o");
  if (path.empty()) KFB_SKIP("bpf/kfuncs.bpf.o not configured (no clang with the BPF target)");
  bpf::Object o = bpf::read_object(path);
  auto ext = [&](const char *name) -> const bpf::Extern & {
    for (const bpf::Extern &e : o.externs)
      if (e.name == name) return e;
    FAIL("no extern " << name);
    throw;
  };
  Btf k;
  uint32_t k_int = k.add_int("int", 4, btf::INT_SIGNED, 32);
  uint32_t k_u64 = k.add_int("unsigned long long", 8, 0, 64);
  uint32_t k_task_ptr = k.add_ptr(k.add_struct("task_struct", 8, std::vector<btf::NewMember>{}));
  auto proto = [&](uint32_t ret, std::vector<uint32_t> params) {
    std::vector<NewParam> ps;
    for (uint32_t t : params) ps.push_back({"", t});
    return k.add_func_proto(ret, ps);
  };
  // scx_bpf_dsq_move_to_local___v2(u64, u64) against the BPF-visible form with one parameter
  // (the rest implicit): libbpf drops the weak extern silently. Against two parameters it binds.
  const bpf::Extern &v2 = ext("scx_bpf_dsq_move_to_local___v2");
  CHECK_FALSE(bpf::types_compat(*o.btf, v2.type_id, k, proto(k_int, {k_u64})));
  CHECK(bpf::types_compat(*o.btf, v2.type_id, k, proto(k_int, {k_u64, k_u64})));
  // s32 scx_bpf_create_dsq(u64, s32) against int (unsigned long long, int).
  CHECK(bpf::types_compat(*o.btf, ext("scx_bpf_create_dsq").type_id, k,
                          proto(k_int, {k_u64, k_int})));
  // The fixture only forward-declares task_struct: a FWD does not match the kernel's STRUCT, so
  // libbpf would refuse this strong extern ("func_proto [33] incompatible with vmlinux [..]").
  CHECK_FALSE(
      bpf::types_compat(*o.btf, ext("bpf_task_release").type_id, k, proto(0, {k_task_ptr})));
}

TEST_CASE("NameSet: a first-two-bytes pre-test, then the names themselves") {
  bpf::NameSet s;
  s.add("bpf_task_acquire");
  s.add("x", true);  // CO-RE: also "x___flavour"
  s.add("y");
  CHECK(s.contains("bpf_task_acquire"));
  CHECK_FALSE(s.contains("bpf_task_acquir"));
  CHECK(s.maybe("bpf_anything"));       // same first two bytes: the map decides
  CHECK_FALSE(s.maybe("cpf_task_acquire"));
  CHECK_FALSE(s.maybe(""));
  CHECK(s.maybe("x"));
  CHECK(s.maybe("x___v2"));             // flavoured: let through
  CHECK(s.contains("x"));
  CHECK_FALSE(s.contains("x___v2"));    // contains() answers for the name itself
  CHECK(s.maybe("y"));
  CHECK_FALSE(s.maybe("y___v2"));       // not flavoured
  CHECK_FALSE(s.maybe("xy"));
  CHECK_FALSE(bpf::NameSet().maybe("a"));
}
