// lib/kfunc/emit: golden tests on hand-built BTF and kfunc lists (exact records appended, in
// order, as bpftool prints them), idempotence, sort, dedup, scopes, errors; features.
#include "kfb_catch.h"

#include <algorithm>
#include <string>
#include <vector>

#include "btf/btf.h"
#include "btf/dump.h"
#include "kfunc/emit.h"
#include "kfunc/features.h"
#include "kfunc/flags.h"
#include "support/diag.h"
#include "support/error.h"

using namespace kfb;
using kfb::btf::Btf;
using kfb::btf::Kind;

namespace {

// bpftool's text of the types with id >= from.
std::string dump_from(const Btf &b, uint32_t from) {
  std::string all;
  btf::dump_raw(b, all);
  std::string out;
  size_t pos = 0;
  while (pos < all.size()) {
    size_t next = all.find("\n[", pos);
    size_t end = next == std::string::npos ? all.size() : next + 1;
    std::string rec = all.substr(pos, end - pos);
    uint32_t id = static_cast<uint32_t>(std::stoul(rec.substr(1)));
    if (id >= from) out += rec;
    pos = end;
  }
  return out;
}

kfunc::KfuncParam param(const char *name, dwarf::TypeClass c, const char *ptr_to_struct = "", uint32_t flags = 0) {
  kfunc::KfuncParam p;
  p.name = name;
  p.type.type_class = c;
  p.type.ptr_to_struct = ptr_to_struct;
  p.type.text = name;
  p.flags = flags;
  p.implicit = flags & kfunc::ARG_IMPLICIT;
  return p;
}

kfunc::Kfunc make_kfunc(const char *name, uint32_t flags, std::vector<kfunc::KfuncParam> ps, uint32_t ret_flags = 0) {
  kfunc::Kfunc k;
  k.name = name;
  k.flags = flags;
  k.has_dwarf = true;
  k.params = std::move(ps);
  k.ret.flags = ret_flags;
  k.file = "src/k.c";
  k.line = 10;
  return k;
}

kfunc::KfuncList list(std::vector<kfunc::Kfunc> v) {
  std::sort(v.begin(), v.end(), [](const kfunc::Kfunc &a, const kfunc::Kfunc &b) { return a.name < b.name; });
  kfunc::KfuncList l;
  l.kfuncs = std::move(v);
  return l;
}

// [1] int, [2] struct bpf_prog_aux, [3] ptr -> 2, [4] u64 (INT), [5] void *,
// [6] struct btf_struct_meta, [7] ptr -> 6
struct World {
  Btf b;
  uint32_t int_id, aux, aux_ptr, u64, void_ptr, meta, meta_ptr;
  World() {
    int_id = b.add_int("int", 4, btf::INT_SIGNED, 32);
    aux = b.add_struct("bpf_prog_aux", 4, std::vector<btf::NewMember>{{"id", int_id, 0}});
    aux_ptr = b.add_ptr(aux);
    u64 = b.add_int("long long unsigned int", 8, 0, 64);
    void_ptr = b.add_ptr(0);
    meta = b.add_struct("btf_struct_meta", 4, std::vector<btf::NewMember>{{"btf_id", int_id, 0}});
    meta_ptr = b.add_ptr(meta);
  }
};

kfunc::EmitOptions opts(const char *features = "default") {
  kfunc::EmitOptions o;
  o.features = kfunc::parse_features(features, true, nullptr);
  o.ptr_size = 8;
  return o;
}

std::string messages(const DiagSink &d) {
  std::string s;
  for (const Diag &x : d.all()) s += DiagSink::format(x) + "\n";
  return s;
}

}  // namespace

TEST_CASE("emit: bpf_kfunc, bpf_fastcall, per-arg and return tags in the fixed order") {
  World w;
  uint32_t proto = w.b.add_func_proto(w.void_ptr, std::vector<btf::NewParam>{{"p__nullable", w.void_ptr},
                                                                               {"n__k", w.int_id}});
  uint32_t f = w.b.add_func("bpf_get", btf::FUNC_STATIC, proto);  // [9]
  uint32_t before = w.b.type_cnt();
  kfunc::KfuncList ks = list({make_kfunc("bpf_get", kfunc::KF_ACQUIRE | kfunc::KF_RET_NULL | kfunc::KF_FASTCALL,
                             {param("p__nullable", dwarf::TypeClass::Pointer, "", kfunc::ARG_NULLABLE),
                              param("n__k", dwarf::TypeClass::Scalar, "", kfunc::ARG_CONST)},
                             kfunc::RET_ACQUIRE | kfunc::RET_NULLABLE)});
  DiagSink d;
  kfunc::EmitResult r = kfunc::emit_kfunc_btf(w.b, ks, opts(), d);
  CHECK(messages(d) == "");
  CHECK(f == 9);
  CHECK(dump_from(w.b, before) ==
        "[10] DECL_TAG 'bpf_kfunc' type_id=9 component_idx=-1\n"
        "[11] DECL_TAG 'bpf_fastcall' type_id=9 component_idx=-1\n"
        "[12] DECL_TAG 'bpf_kfunc_arg:nullable' type_id=9 component_idx=0\n"
        "[13] DECL_TAG 'bpf_kfunc_arg:const' type_id=9 component_idx=1\n"
        "[14] DECL_TAG 'bpf_kfunc_ret:acquire' type_id=9 component_idx=-1\n"
        "[15] DECL_TAG 'bpf_kfunc_ret:nullable' type_id=9 component_idx=-1\n");
  CHECK(r.stats.kfunc_tags == 1);
  CHECK(r.stats.fastcall_tags == 1);
  CHECK(r.stats.arg_tags == 2);
  CHECK(r.stats.ret_tags == 2);
  CHECK(r.stats.added() == 6);

  SECTION("a second run adds nothing and writes the same bytes") {
    std::vector<uint8_t> once = w.b.write();
    DiagSink d2;
    kfunc::EmitResult r2 = kfunc::emit_kfunc_btf(w.b, ks, opts(), d2);
    CHECK(messages(d2) == "");
    CHECK(r2.stats.added() == 0);
    CHECK(w.b.write() == once);
  }
}

TEST_CASE("emit: several flags on one argument come in ARG_* bit order") {
  World w;
  uint32_t proto = w.b.add_func_proto(0, std::vector<btf::NewParam>{{"p", w.void_ptr}});
  w.b.add_func("bpf_x", btf::FUNC_GLOBAL, proto);  // [9]
  uint32_t before = w.b.type_cnt();
  // nullable (bit 9) and arena (bit 5) given in the "wrong" order: bits decide.
  kfunc::KfuncList ks = list({make_kfunc("bpf_x", 0, {param("p", dwarf::TypeClass::Pointer, "", kfunc::ARG_NULLABLE | kfunc::ARG_ARENA | kfunc::ARG_RCU)})});
  DiagSink d;
  kfunc::emit_kfunc_btf(w.b, ks, opts(), d);
  CHECK(dump_from(w.b, before) ==
        "[10] DECL_TAG 'bpf_kfunc' type_id=9 component_idx=-1\n"
        "[11] DECL_TAG 'bpf_kfunc_arg:arena' type_id=9 component_idx=0\n"
        "[12] DECL_TAG 'bpf_kfunc_arg:nullable' type_id=9 component_idx=0\n"
        "[13] DECL_TAG 'bpf_kfunc_arg:rcu' type_id=9 component_idx=0\n");
}

TEST_CASE("emit: new _impl twin (resolve_btfids shape) and the trimmed proto") {
  World w;
  uint32_t proto = w.b.add_func_proto(w.int_id, std::vector<btf::NewParam>{{"x__k", w.int_id}, {"aux", w.aux_ptr}});
  uint32_t f = w.b.add_func("bpf_wq", btf::FUNC_STATIC, proto);  // [9]
  w.b.add_decl_tag("bpf_kfunc", f, -1);                          // [10] (clang + pahole)
  w.b.add_decl_tag("my_attr", f, -1, true);                      // [11] kflag=1
  w.b.add_decl_tag("arg_tag", f, 0);                             // [12]
  uint32_t before = w.b.type_cnt();
  kfunc::KfuncList ks = list({make_kfunc("bpf_wq", kfunc::KF_IMPLICIT_ARGS | kfunc::KF_FASTCALL,
                             {param("x__k", dwarf::TypeClass::Scalar, "", kfunc::ARG_CONST),
                              param("aux", dwarf::TypeClass::Pointer, "bpf_prog_aux", kfunc::ARG_IMPLICIT)})});
  DiagSink d;
  kfunc::EmitResult r = kfunc::emit_kfunc_btf(w.b, ks, opts(), d);
  CHECK(messages(d) == "");
  CHECK(dump_from(w.b, before) ==
        "[13] DECL_TAG 'bpf_fastcall' type_id=9 component_idx=-1\n"
        "[14] FUNC 'bpf_wq_impl' type_id=8 linkage=static\n"
        "[15] DECL_TAG 'my_attr' type_id=14 component_idx=-1\n"
        "[16] DECL_TAG 'arg_tag' type_id=14 component_idx=0\n"
        "[17] DECL_TAG 'bpf_fastcall' type_id=14 component_idx=-1\n"
        "[18] FUNC_PROTO '(anon)' ret_type_id=1 vlen=1\n"
        "\t'x__k' type_id=1\n"
        "[19] DECL_TAG 'bpf_kfunc_arg:const' type_id=9 component_idx=0\n"
        "[20] DECL_TAG 'bpf_kfunc_arg:const' type_id=14 component_idx=0\n"
        "[21] DECL_TAG 'bpf_kfunc_arg:implicit' type_id=14 component_idx=1\n");
  CHECK(w.b.type(15).kflag());  // kflag copied
  CHECK(w.b.type(f).type() == 18);
  CHECK(w.b.type(8).vlen() == 2);  // the original proto is untouched
  REQUIRE(r.records.size() == 1);
  CHECK(r.records[0].impl_id == 14);
  CHECK(r.records[0].proto_id == 18);
  CHECK(r.records[0].twin_added);
  CHECK(r.stats.twins_added == 1);
  CHECK(r.stats.copied_tags == 3);
  CHECK(r.stats.protos_added == 1);

  SECTION("idempotent: the processed state is recognised, no second twin or proto") {
    std::vector<uint8_t> once = w.b.write();
    DiagSink d2;
    kfunc::EmitResult r2 = kfunc::emit_kfunc_btf(w.b, ks, opts(), d2);
    CHECK(messages(d2) == "");
    CHECK(r2.stats.added() == 0);
    CHECK(r2.records[0].impl_id == 14);
    CHECK(w.b.write() == once);
  }
  SECTION("-twins: no twin, tags for every parameter on F") {
    World w2;
    uint32_t p2 = w2.b.add_func_proto(w2.int_id, std::vector<btf::NewParam>{{"x__k", w2.int_id}, {"aux", w2.aux_ptr}});
    w2.b.add_func("bpf_wq", btf::FUNC_STATIC, p2);
    DiagSink d2;
    kfunc::emit_kfunc_btf(w2.b, ks, opts("+tags,-twins"), d2);  // edits only: defaults minus twins
    CHECK(dump_from(w2.b, 10) ==
          "[10] DECL_TAG 'bpf_kfunc' type_id=9 component_idx=-1\n"
          "[11] DECL_TAG 'bpf_fastcall' type_id=9 component_idx=-1\n"
          "[12] DECL_TAG 'bpf_kfunc_arg:const' type_id=9 component_idx=0\n"
          "[13] DECL_TAG 'bpf_kfunc_arg:implicit' type_id=9 component_idx=1\n");
  }
}

TEST_CASE("emit: a legacy F_impl is reused, and as a kfunc it gets only its own tags") {
  World w;
  uint32_t pi = w.b.add_func_proto(w.void_ptr, std::vector<btf::NewParam>{{"local_type_id__k", w.u64},
                                                                            {"meta__ign", w.void_ptr}});
  uint32_t fi = w.b.add_func("bpf_obj_new_impl", btf::FUNC_STATIC, pi);  // [9]
  uint32_t pf = w.b.add_func_proto(w.void_ptr, std::vector<btf::NewParam>{{"local_type_id__k", w.u64},
                                                                            {"meta", w.meta_ptr}});
  uint32_t f = w.b.add_func("bpf_obj_new", btf::FUNC_STATIC, pf);  // [11]
  REQUIRE(fi == 9);
  REQUIRE(f == 11);
  uint32_t before = w.b.type_cnt();
  kfunc::KfuncList ks = list({make_kfunc("bpf_obj_new_impl", kfunc::KF_ACQUIRE | kfunc::KF_RET_NULL,
                             {param("local_type_id__k", dwarf::TypeClass::Scalar, "", kfunc::ARG_CONST),
                              param("meta__ign", dwarf::TypeClass::Pointer, "", kfunc::ARG_IGNORE)},
                             kfunc::RET_ACQUIRE | kfunc::RET_NULLABLE),
                       make_kfunc("bpf_obj_new", kfunc::KF_ACQUIRE | kfunc::KF_RET_NULL | kfunc::KF_IMPLICIT_ARGS,
                             {param("local_type_id__k", dwarf::TypeClass::Scalar, "", kfunc::ARG_CONST),
                              param("meta", dwarf::TypeClass::Pointer, "btf_struct_meta", kfunc::ARG_IMPLICIT)},
                             kfunc::RET_ACQUIRE | kfunc::RET_NULLABLE)});
  DiagSink d;
  kfunc::EmitResult r = kfunc::emit_kfunc_btf(w.b, ks, opts(), d);
  CHECK(messages(d) == "");
  CHECK(dump_from(w.b, before) ==
        // bpf_obj_new_impl [9] first (lower id), as its own kfunc
        "[12] DECL_TAG 'bpf_kfunc' type_id=9 component_idx=-1\n"
        "[13] DECL_TAG 'bpf_kfunc_arg:const' type_id=9 component_idx=0\n"
        "[14] DECL_TAG 'bpf_kfunc_arg:ignore' type_id=9 component_idx=1\n"
        "[15] DECL_TAG 'bpf_kfunc_ret:acquire' type_id=9 component_idx=-1\n"
        "[16] DECL_TAG 'bpf_kfunc_ret:nullable' type_id=9 component_idx=-1\n"
        // bpf_obj_new [11]: reuse, trimmed proto, own tags only
        "[17] DECL_TAG 'bpf_kfunc' type_id=11 component_idx=-1\n"
        "[18] FUNC_PROTO '(anon)' ret_type_id=5 vlen=1\n"
        "\t'local_type_id__k' type_id=4\n"
        "[19] DECL_TAG 'bpf_kfunc_arg:const' type_id=11 component_idx=0\n"
        "[20] DECL_TAG 'bpf_kfunc_ret:acquire' type_id=11 component_idx=-1\n"
        "[21] DECL_TAG 'bpf_kfunc_ret:nullable' type_id=11 component_idx=-1\n");
  CHECK(r.stats.twins_reused == 1);
  CHECK(r.stats.twins_added == 0);
  CHECK(w.b.type(f).type() == 18);
  CHECK(w.b.type(fi).type() == pi);

  SECTION("a reused F_impl that is not a kfunc gets F's tags for every parameter") {
    World w2;
    uint32_t pi2 = w2.b.add_func_proto(w2.void_ptr, std::vector<btf::NewParam>{{"x", w2.u64}, {"m", w2.void_ptr}});
    w2.b.add_func("bpf_obj_new_impl", btf::FUNC_STATIC, pi2);  // [9]
    uint32_t pf2 = w2.b.add_func_proto(w2.void_ptr, std::vector<btf::NewParam>{{"local_type_id__k", w2.u64},
                                                                                  {"meta", w2.meta_ptr}});
    w2.b.add_func("bpf_obj_new", btf::FUNC_STATIC, pf2);  // [11]
    kfunc::KfuncList ks2 = list({ks.kfuncs[0]});                 // bpf_obj_new only
    REQUIRE(ks2.kfuncs[0].name == "bpf_obj_new");
    DiagSink d2;
    kfunc::emit_kfunc_btf(w2.b, ks2, opts("-scopes"), d2);
    CHECK(messages(d2) == "");
    CHECK(dump_from(w2.b, 12) ==
          "[12] DECL_TAG 'bpf_kfunc' type_id=11 component_idx=-1\n"
          "[13] FUNC_PROTO '(anon)' ret_type_id=5 vlen=1\n"
          "\t'local_type_id__k' type_id=4\n"
          "[14] DECL_TAG 'bpf_kfunc_arg:const' type_id=11 component_idx=0\n"
          "[15] DECL_TAG 'bpf_kfunc_ret:acquire' type_id=11 component_idx=-1\n"
          "[16] DECL_TAG 'bpf_kfunc_ret:nullable' type_id=11 component_idx=-1\n"
          "[17] DECL_TAG 'bpf_kfunc_arg:const' type_id=9 component_idx=0\n"
          "[18] DECL_TAG 'bpf_kfunc_arg:implicit' type_id=9 component_idx=1\n"
          "[19] DECL_TAG 'bpf_kfunc_ret:acquire' type_id=9 component_idx=-1\n"
          "[20] DECL_TAG 'bpf_kfunc_ret:nullable' type_id=9 component_idx=-1\n");
  }
}

TEST_CASE("emit: an existing F_impl of the wrong shape is an error naming the source line") {
  World w;
  uint32_t lng = w.b.add_int("long", 8, btf::INT_SIGNED, 64);  // [8]
  uint32_t pi = w.b.add_func_proto(w.int_id, std::vector<btf::NewParam>{{"x", lng}, {"aux", w.void_ptr}});
  w.b.add_func("bpf_bad_twin_impl", btf::FUNC_STATIC, pi);  // [10]
  uint32_t pf = w.b.add_func_proto(w.int_id, std::vector<btf::NewParam>{{"x", w.int_id}, {"aux", w.aux_ptr}});
  w.b.add_func("bpf_bad_twin", btf::FUNC_STATIC, pf);  // [12]
  kfunc::KfuncList ks = list({make_kfunc("bpf_bad_twin", kfunc::KF_IMPLICIT_ARGS,
                             {param("x", dwarf::TypeClass::Scalar), param("aux", dwarf::TypeClass::Pointer, "bpf_prog_aux", kfunc::ARG_IMPLICIT)})});
  DiagSink d;
  kfunc::emit_kfunc_btf(w.b, ks, opts(), d);
  CHECK(d.errors() == 1);
  CHECK(messages(d) ==
        "src/k.c:10: bpf_bad_twin: existing FUNC 'bpf_bad_twin_impl' [10]: arg 0 'x' is 'long', "
        "expected 'int' as in bpf_bad_twin\n");
  CHECK(d.all()[0].rule == "emit-twin");

  SECTION("a legacy F_impl is reused as it is; only F's explicit params must lead it") {
    World v;
    uint32_t p1 = v.b.add_func_proto(v.int_id, std::vector<btf::NewParam>{{"x", v.int_id}, {"aux", v.int_id}});
    v.b.add_func("bpf_t_impl", btf::FUNC_STATIC, p1);  // [9]
    uint32_t p2 = v.b.add_func_proto(v.int_id, std::vector<btf::NewParam>{{"x", v.int_id}, {"aux", v.aux_ptr}});
    v.b.add_func("bpf_t", btf::FUNC_STATIC, p2);  // [11]
    uint32_t p3 = v.b.add_func_proto(v.int_id, std::vector<btf::NewParam>{{"x", v.int_id}});
    v.b.add_func("bpf_u_impl", btf::FUNC_STATIC, p3);  // [13]
    v.b.add_func("bpf_u", btf::FUNC_STATIC, p2);       // [14]
    auto mk = [&](const char *n) {
      return make_kfunc(n, kfunc::KF_IMPLICIT_ARGS, {param("x", dwarf::TypeClass::Scalar), param("aux", dwarf::TypeClass::Pointer, "bpf_prog_aux", kfunc::ARG_IMPLICIT)});
    };
    DiagSink d2;
    kfunc::emit_kfunc_btf(v.b, list({mk("bpf_t"), mk("bpf_u")}), opts(), d2);
    CHECK(messages(d2) == "");  // upstream: (x, int aux) and (x) both follow F's explicit (x)
    World y;
    uint32_t q1 = y.b.add_func_proto(y.int_id, std::vector<btf::NewParam>{});
    y.b.add_func("bpf_t_impl", btf::FUNC_STATIC, q1);  // [9]
    y.b.add_func("bpf_t", btf::FUNC_STATIC, y.b.add_func_proto(y.int_id, std::vector<btf::NewParam>{{"x", y.int_id}, {"aux", y.aux_ptr}}));
    DiagSink d3;
    kfunc::emit_kfunc_btf(y.b, list({mk("bpf_t")}), opts(), d3);
    CHECK(messages(d3) ==
          "src/k.c:10: bpf_t: existing FUNC 'bpf_t_impl' [9] has 0 parameters, fewer than the 1 explicit "
          "ones of bpf_t\n");
  }
}

TEST_CASE("emit: twin names must fit KSYM_NAME_LEN, 512 as in the kernel since 6.1") {
  World w;
  uint32_t p = w.b.add_func_proto(w.int_id, std::vector<btf::NewParam>{{"aux", w.aux_ptr}});
  // + "_impl": 511 fits, 512 does not (resolve_btfids 7.3: snprintf into char[KSYM_NAME_LEN]);
  // a 127-byte twin name, the old 128 limit's first refusal, is fine.
  std::string ok(506, 'a'), bad(507, 'b'), mid(122, 'c');
  w.b.add_func(mid, btf::FUNC_STATIC, p);
  w.b.add_func(ok, btf::FUNC_STATIC, p);
  w.b.add_func(bad, btf::FUNC_STATIC, p);
  auto mk = [](const std::string &n) {
    kfunc::Kfunc k = make_kfunc("", kfunc::KF_IMPLICIT_ARGS, {param("aux", dwarf::TypeClass::Pointer, "bpf_prog_aux", kfunc::ARG_IMPLICIT)});
    k.name = n;
    return k;
  };
  DiagSink d;
  kfunc::EmitResult r = kfunc::emit_kfunc_btf(w.b, list({mk(ok), mk(bad), mk(mid)}), opts(), d);
  CHECK(messages(d) == "src/k.c:10: " + bad + ": twin name '" + bad +
                           "_impl' is 512 bytes, longer than KSYM_NAME_LEN - 1 (511)\n");
  CHECK(r.stats.twins_added == 2);
  CHECK(w.b.find_first(ok + "_impl", Kind::FUNC) != 0);
  CHECK(w.b.find_first(mid + "_impl", Kind::FUNC) != 0);
}

TEST_CASE("emit: DWARF and BTF disagreeing on the parameter count is an error") {
  World w;
  uint32_t p = w.b.add_func_proto(w.int_id, std::vector<btf::NewParam>{{"x", w.int_id}});
  w.b.add_func("bpf_m", btf::FUNC_STATIC, p);  // [9]
  DiagSink d;
  kfunc::emit_kfunc_btf(w.b, list({make_kfunc("bpf_m", 0, {param("x", dwarf::TypeClass::Scalar), param("y", dwarf::TypeClass::Scalar)})}),
                 opts(), d);
  CHECK(messages(d) == "src/k.c:10: bpf_m: DWARF has 2 parameters but BTF FUNC_PROTO [8] has 1\n");
}

TEST_CASE("emit: scope and calls masks (bit = byte offset / pointer size)") {
  for (unsigned psz : {8u, 4u}) {
    CAPTURE(psz);
    Btf b;
    uint32_t i32 = b.add_int("int", 4, btf::INT_SIGNED, 32);                              // [1]
    uint32_t u64 = b.add_int("u64", 8, 0, 64);                                            // [2]
    uint32_t fp = b.add_func_proto(i32, std::vector<btf::NewParam>{{"ctx", 0}});          // [3]
    uint32_t fpp = b.add_ptr(fp);                                                          // [4]
    uint32_t cb_t = b.add_typedef("cb_t", fpp);                                           // [5]
    uint32_t ccb = b.add_const(cb_t);                                                     // [6]
    uint32_t vp = b.add_ptr(0);                                                           // [7]
    uint32_t P = psz * 8;
    std::vector<btf::NewMember> ms = {{"open", fpp, 0},        {"cookie", u64, P},  // u64: 2 slots on 32-bit
                                      {"close", ccb, 3 * P},   {"priv", vp, 4 * P},
                                      {"flags", i32, 5 * P}};
    b.add_struct("ops", 6 * psz, ms);                                                      // [8]
    uint32_t proto = b.add_func_proto(0, {});                                              // [9]
    b.add_func("k1", btf::FUNC_STATIC, proto);                                             // [10]
    b.add_decl_tag("bpf_kfunc_scope:ops.open", 10, -1);                                    // [11] source form
    kfunc::Kfunc k = make_kfunc("k1", 0, {});
    k.scopes = {{"ops", "close", "", 0}, {"ops", "open", "", 0}};
    k.calls = {{"ops", "close", "", 0}};
    kfunc::EmitOptions o = opts();
    o.ptr_size = psz;
    DiagSink d;
    kfunc::EmitResult r = kfunc::emit_kfunc_btf(b, list({k}), o, d);
    CHECK(messages(d) == "");
    CHECK(dump_from(b, 12) ==
          "[12] DECL_TAG 'bpf_kfunc' type_id=10 component_idx=-1\n"
          "[13] DECL_TAG 'bpf_kfunc_scope:ops:0x9' type_id=10 component_idx=-1\n"
          "[14] DECL_TAG 'bpf_kfunc_calls:ops:0x8' type_id=10 component_idx=-1\n");
    CHECK(r.stats.scope_tags == 1);
    CHECK(r.stats.calls_tags == 1);
    CHECK(std::string(b.type(11).name()) == "bpf_kfunc_scope:ops.open");  // untouched

    DiagSink d2;
    kfunc::Kfunc bad = k;
    bad.scopes = {{"ops", "nope", "scopes.txt", 3}, {"ops", "priv", "", 0}, {"ops", "flags", "", 0},
                  {"no_ops", "x", "", 0}};
    bad.calls.clear();
    kfunc::emit_kfunc_btf(b, list({bad}), o, d2);
    CHECK(messages(d2) ==
          "scopes.txt:3: k1: scope 'ops.nope': struct ops has no member 'nope'\n"
          "src/k.c:10: k1: scope 'ops.priv': member 'priv' of struct ops is not a function pointer (void *)\n"
          "src/k.c:10: k1: scope 'ops.flags': member 'flags' of struct ops is not a function pointer (int)\n"
          "src/k.c:10: k1: scope 'no_ops.x': no struct 'no_ops' in BTF\n");
  }
}

TEST_CASE("emit: wide masks, several ops structs in name order, a disagreeing mask tag") {
  Btf b;
  uint32_t fp = b.add_func_proto(0, {});
  uint32_t fpp = b.add_ptr(fp);
  std::vector<btf::NewMember> ms;
  std::vector<std::string> names;
  for (int i = 0; i < 70; i++) names.push_back("m" + std::to_string(i));
  for (int i = 0; i < 70; i++) ms.push_back({names[i], fpp, static_cast<uint32_t>(64 * i)});
  b.add_struct("zops", 70 * 8, ms);  // [3]
  b.add_struct("aops", 8, std::vector<btf::NewMember>{{"m0", fpp, 0}});  // [4]
  b.add_func("k", btf::FUNC_STATIC, fp);                                  // [5]
  kfunc::Kfunc k = make_kfunc("k", 0, {});
  k.scopes = {{"zops", "m69", "", 0}, {"zops", "m1", "", 0}, {"aops", "m0", "", 0}};
  DiagSink d;
  kfunc::emit_kfunc_btf(b, list({k}), opts(), d);
  CHECK(messages(d) == "");
  CHECK(dump_from(b, 6) ==
        "[6] DECL_TAG 'bpf_kfunc' type_id=5 component_idx=-1\n"
        "[7] DECL_TAG 'bpf_kfunc_scope:aops:0x1' type_id=5 component_idx=-1\n"
        "[8] DECL_TAG 'bpf_kfunc_scope:zops:0x200000000000000002' type_id=5 component_idx=-1\n");
  CHECK(kfunc::mask_hex({}) == "0x0");
  CHECK(kfunc::mask_hex({0x10, 0}) == "0x10");

  k.scopes = {{"aops", "m0", "", 0}, {"zops", "m2", "", 0}};
  DiagSink d2;
  kfunc::EmitResult r = kfunc::emit_kfunc_btf(b, list({k}), opts(), d2);
  CHECK(messages(d2) ==
        "src/k.c:10: k: existing tag 'bpf_kfunc_scope:zops:0x200000000000000002' [8] disagrees with "
        "the computed bpf_kfunc_scope:zops:0x4\n");
  CHECK(r.stats.added() == 0);
}

TEST_CASE("emit: dedup reuses an identical FUNC_PROTO, also between kfuncs") {
  World w;
  uint32_t same = w.b.add_func_proto(w.int_id, std::vector<btf::NewParam>{{"x", w.int_id}});  // [8]
  uint32_t p = w.b.add_func_proto(w.int_id, std::vector<btf::NewParam>{{"x", w.int_id}, {"aux", w.aux_ptr}});
  w.b.add_func("a", btf::FUNC_STATIC, p);  // [10]
  uint32_t p2 = w.b.add_func_proto(w.void_ptr, std::vector<btf::NewParam>{{"y", w.int_id}, {"aux", w.aux_ptr}});
  w.b.add_func("b", btf::FUNC_STATIC, p2);  // [12]
  w.b.add_func("c", btf::FUNC_STATIC, p2);  // [13]
  auto mk = [](const char *n) {
    return make_kfunc(n, kfunc::KF_IMPLICIT_ARGS, {param("x", dwarf::TypeClass::Scalar), param("aux", dwarf::TypeClass::Pointer, "bpf_prog_aux", kfunc::ARG_IMPLICIT)});
  };
  DiagSink d;
  kfunc::EmitResult r = kfunc::emit_kfunc_btf(w.b, list({mk("a"), mk("b"), mk("c")}), opts("default,dedup,-arg_flags,-tags"), d);
  CHECK(messages(d) == "");
  CHECK(w.b.type(10).type() == same);
  CHECK(r.stats.protos_reused == 2);  // a: the existing [8]; c: b's new one
  CHECK(r.stats.protos_added == 1);
  CHECK(w.b.type(12).type() == w.b.type(13).type());
  CHECK(dump_from(w.b, 14) ==
        "[14] FUNC 'a_impl' type_id=9 linkage=static\n"
        "[15] FUNC 'b_impl' type_id=11 linkage=static\n"
        "[16] FUNC_PROTO '(anon)' ret_type_id=5 vlen=1\n"
        "\t'y' type_id=1\n"
        "[17] FUNC 'c_impl' type_id=11 linkage=static\n");
}

TEST_CASE("emit: sort orders own types by name, anonymous first, references remapped") {
  World w;
  uint32_t p = w.b.add_func_proto(w.int_id, std::vector<btf::NewParam>{{"x", w.int_id}, {"aux", w.aux_ptr}});
  w.b.add_func("zz_kfunc", btf::FUNC_STATIC, p);
  kfunc::KfuncList ks = list({make_kfunc("zz_kfunc", kfunc::KF_IMPLICIT_ARGS,
                             {param("x", dwarf::TypeClass::Scalar), param("aux", dwarf::TypeClass::Pointer, "bpf_prog_aux", kfunc::ARG_IMPLICIT)})});
  DiagSink d;
  kfunc::EmitResult r = kfunc::emit_kfunc_btf(w.b, ks, opts("+sort"), d);
  CHECK(messages(d) == "");
  CHECK(r.stats.sorted);
  std::string prev;
  bool anon_done = false;
  for (uint32_t id = 1; id < w.b.type_cnt(); id++) {
    std::string n(w.b.name(id));
    if (n.empty()) {
      CHECK_FALSE(anon_done);
    } else {
      anon_done = true;
      CHECK(prev <= n);
      prev = n;
    }
  }
  uint32_t f = w.b.find_first("zz_kfunc", Kind::FUNC);
  uint32_t impl = w.b.find_first("zz_kfunc_impl", Kind::FUNC);
  REQUIRE(f);
  REQUIRE(impl);
  CHECK(r.records[0].func_id == f);
  CHECK(r.records[0].impl_id == impl);
  CHECK(w.b.type(w.b.type(f).type()).vlen() == 1);
  CHECK(w.b.type(w.b.type(impl).type()).vlen() == 2);
  uint32_t auxp = w.b.type(w.b.type(impl).type()).params()[1].type;
  CHECK(w.b.type(auxp).kind() == Kind::PTR);
  CHECK(w.b.name(w.b.type(auxp).type()) == "bpf_prog_aux");
  for (uint32_t t : w.b.decl_tags_of(f)) CHECK(w.b.type(t).type() == f);

  std::vector<uint8_t> once = w.b.write();
  DiagSink d2;
  kfunc::EmitResult r2 = kfunc::emit_kfunc_btf(w.b, ks, opts("+sort"), d2);
  CHECK(messages(d2) == "");
  CHECK(r2.stats.added() == 0);
  CHECK(w.b.write() == once);
}

TEST_CASE("emit: kfuncs are processed in FUNC id order whatever the list order") {
  World w;
  uint32_t p = w.b.add_func_proto(0, {});
  w.b.add_func("zeta", btf::FUNC_STATIC, p);   // [9]
  w.b.add_func("alpha", btf::FUNC_STATIC, p);  // [10]
  DiagSink d;
  kfunc::emit_kfunc_btf(w.b, list({make_kfunc("alpha", 0, {}), make_kfunc("zeta", 0, {})}), opts(), d);
  CHECK(dump_from(w.b, 11) ==
        "[11] DECL_TAG 'bpf_kfunc' type_id=9 component_idx=-1\n"
        "[12] DECL_TAG 'bpf_kfunc' type_id=10 component_idx=-1\n");
}

TEST_CASE("emit: no DWARF: parameters and flags come from the BTF proto") {
  World w;
  uint32_t p = w.b.add_func_proto(w.int_id, std::vector<btf::NewParam>{{"buf__nullable", w.void_ptr},
                                                                        {"aux", w.aux_ptr}});
  w.b.add_func("bpf_nd", btf::FUNC_STATIC, p);  // [9]
  kfunc::Kfunc k;
  k.name = "bpf_nd";
  k.flags = kfunc::KF_IMPLICIT_ARGS | kfunc::KF_RET_NULL;
  DiagSink d;
  kfunc::EmitResult r = kfunc::emit_kfunc_btf(w.b, list({k}), opts(), d);
  CHECK(messages(d) == "");
  CHECK(dump_from(w.b, 10) ==
        "[10] DECL_TAG 'bpf_kfunc' type_id=9 component_idx=-1\n"
        "[11] FUNC 'bpf_nd_impl' type_id=8 linkage=static\n"
        "[12] FUNC_PROTO '(anon)' ret_type_id=1 vlen=1\n"
        "\t'buf__nullable' type_id=5\n"
        "[13] DECL_TAG 'bpf_kfunc_arg:nullable' type_id=9 component_idx=0\n"
        "[14] DECL_TAG 'bpf_kfunc_ret:nullable' type_id=9 component_idx=-1\n"
        "[15] DECL_TAG 'bpf_kfunc_arg:nullable' type_id=11 component_idx=0\n"
        "[16] DECL_TAG 'bpf_kfunc_arg:implicit' type_id=11 component_idx=1\n"
        "[17] DECL_TAG 'bpf_kfunc_ret:nullable' type_id=11 component_idx=-1\n");
  CHECK(r.stats.twins_added == 1);
}

TEST_CASE("emit: missing FUNCs warn, and split BTF looks for F and F_impl in its own types only") {
  World w;
  uint32_t pb = w.b.add_func_proto(w.int_id, std::vector<btf::NewParam>{{"x", w.int_id}, {"aux", w.void_ptr}});
  w.b.add_func("mod_fn_impl", btf::FUNC_STATIC, pb);  // [9] in the base: must not be reused
  w.b.add_func("base_fn", btf::FUNC_STATIC, pb);      // [10]
  Btf mod = Btf::new_split(w.b);
  uint32_t p = mod.add_func_proto(w.int_id, std::vector<btf::NewParam>{{"x", w.int_id}, {"aux", w.aux_ptr}});
  uint32_t f = mod.add_func("mod_fn", btf::FUNC_STATIC, p);  // [12]
  REQUIRE(f == 12);
  kfunc::Kfunc k = make_kfunc("mod_fn", kfunc::KF_IMPLICIT_ARGS, {param("x", dwarf::TypeClass::Scalar), param("aux", dwarf::TypeClass::Pointer, "bpf_prog_aux", kfunc::ARG_IMPLICIT)});
  kfunc::Kfunc in_base = make_kfunc("base_fn", 0, {});
  in_base.btf_id = 10;
  kfunc::Kfunc gone = make_kfunc("gone", 0, {});
  DiagSink d;
  kfunc::EmitResult r = kfunc::emit_kfunc_btf(mod, list({k, in_base, gone}), opts("-arg_flags"), d);
  CHECK(d.errors() == 0);
  CHECK(messages(d) ==
        "src/k.c:10: warning: base_fn: its FUNC is in the base BTF, not in this split BTF: nothing emitted\n"
        "src/k.c:10: warning: gone: no FUNC in BTF: nothing emitted\n");
  CHECK(r.stats.skipped == 2);
  CHECK(dump_from(mod, 13) ==
        "[13] DECL_TAG 'bpf_kfunc' type_id=12 component_idx=-1\n"
        "[14] FUNC 'mod_fn_impl' type_id=11 linkage=static\n"
        "[15] FUNC_PROTO '(anon)' ret_type_id=1 vlen=1\n"
        "\t'x' type_id=1\n");
  // The module round-trips through its writer on top of the base.
  std::vector<uint8_t> bytes = mod.write();
  Btf again = Btf::parse(bytes, "mod", &w.b);
  CHECK(again.type_cnt() == mod.type_cnt());
}

TEST_CASE("emit: a full type id space is an error, not a crash") {
  Btf b;
  uint32_t i32 = b.add_int("int", 4, btf::INT_SIGNED, 32);
  uint32_t p = b.add_func_proto(i32, {});
  b.add_func("k", btf::FUNC_STATIC, p);
  while (b.type_cnt() <= btf::kMaxTypeId) b.add_ptr(i32);
  DiagSink d;
  kfunc::emit_kfunc_btf(b, list({make_kfunc("k", 0, {})}), opts(), d);
  REQUIRE(d.errors() == 1);
  CHECK(d.all()[0].rule == "btf-full");
  CHECK(d.all()[0].message.find("type id space is full") != std::string::npos);
}

TEST_CASE("features: pahole-style lists") {
  kfunc::EmitFeatures def;
  CHECK(kfunc::parse_features("default", false, nullptr) == def);
  CHECK(kfunc::parse_features("", false, nullptr) == def);
  CHECK(kfunc::features_string(def) == "tags,twins,arg_flags,scopes,arena");
  kfunc::EmitFeatures f = kfunc::parse_features("+sort,-scopes", false, nullptr);
  CHECK(kfunc::features_string(f) == "tags,twins,arg_flags,arena,sort");
  CHECK(kfunc::features_string(kfunc::parse_features("tags,twins", false, nullptr)) == "tags,twins");
  CHECK(kfunc::features_string(kfunc::parse_features("default,dedup", false, nullptr)) ==
        "tags,twins,arg_flags,scopes,arena,dedup");
  CHECK(kfunc::features_string(kfunc::parse_features("all,-sort", false, nullptr)) == "tags,twins,arg_flags,scopes,arena,dedup");
  std::vector<std::string> ignored;
  CHECK(kfunc::features_string(kfunc::parse_features("tags, bogus ,+twins", false, &ignored)) == "tags,twins");
  CHECK(ignored == std::vector<std::string>{"bogus"});
  CHECK_THROWS_WITH(kfunc::parse_features("tags,bogus", true, nullptr),
                    "unknown feature 'bogus' (see --list-features)");
  size_t defaults = 0;
  for (const kfunc::FeatureInfo &i : kfunc::feature_table()) defaults += i.is_default;
  CHECK(defaults == 5);
}

TEST_CASE("emit: a member that is not a function pointer is spelled as check spells it") {
  // lib/btf's c_type, the one C speller: a pointer to a function pointer and a const pointer.
  Btf b;
  uint32_t i32 = b.add_int("int", 4, btf::INT_SIGNED, 32);
  uint32_t ch = b.add_int("char", 1, btf::INT_CHAR, 8);
  uint32_t fpp = b.add_ptr(b.add_ptr(b.add_func_proto(i32, {})));
  uint32_t cp = b.add_const(b.add_ptr(ch));
  std::vector<btf::NewMember> ms = {{"hook", fpp, 0}, {"name", cp, 64}};
  b.add_struct("ops", 16, ms);
  b.add_func("k1", btf::FUNC_STATIC, b.add_func_proto(0, {}));
  kfunc::Kfunc k = make_kfunc("k1", 0, {});
  k.scopes = {{"ops", "hook", "", 0}, {"ops", "name", "", 0}};
  DiagSink d;
  kfunc::emit_kfunc_btf(b, list({k}), opts(), d);
  CHECK(messages(d) ==
        "src/k.c:10: k1: scope 'ops.hook': member 'hook' of struct ops is not a function pointer (int (**)(void))\n"
        "src/k.c:10: k1: scope 'ops.name': member 'name' of struct ops is not a function pointer (char * const)\n");
}
