// lib/btf/query.h: the type questions lib/kfunc and lib/check share.
#include "kfb_catch.h"

#include <vector>

#include "btf/btf.h"
#include "btf/query.h"

using namespace kfb::btf;

TEST_CASE("skip_mods, pointee, is_func_ptr: through modifiers, typedefs when asked") {
  Btf b;
  uint32_t i = b.add_int("int", 4, INT_SIGNED, 32);
  uint32_t ci = b.add_const(i);
  uint32_t ti = b.add_typedef("s32", ci);
  uint32_t vti = b.add_volatile(ti);
  CHECK(skip_mods(b, vti) == ti);
  CHECK(skip_mods(b, vti, Typedefs::Skip) == i);
  CHECK(skip_mods(b, 0) == 0);
  CHECK(skip_mods(b, 999) == 0);            // past the end: no type
  CHECK(skip_mods(b, b.add_const(999)) == 0);

  uint32_t aux = b.add_struct("bpf_prog_aux", 8, std::vector<NewMember>{});
  uint32_t p = b.add_ptr(b.add_const(aux));
  uint32_t tp = b.add_typedef("aux_t", p);
  CHECK(pointee(b, p) == aux);
  CHECK(pointee(b, b.add_const(p)) == aux);
  CHECK(pointee(b, tp) == 0);               // a typedef stops it ...
  CHECK(pointee(b, tp, Typedefs::Skip) == aux);  // ... unless asked
  CHECK(pointee(b, i) == 0);
  CHECK(pointee(b, b.add_ptr(0)) == 0);     // void *

  uint32_t proto = b.add_func_proto(i, std::vector<NewParam>{{"x", i}});
  uint32_t fp = b.add_ptr(proto);
  uint32_t cb_t = b.add_typedef("cb_t", fp);
  CHECK(is_func_ptr(b, fp));
  CHECK(is_func_ptr(b, cb_t));              // bpf_wq_callback_t cb;
  CHECK(is_func_ptr(b, b.add_ptr(b.add_typedef("fn_t", proto))));
  CHECK_FALSE(is_func_ptr(b, proto));
  CHECK_FALSE(is_func_ptr(b, p));
  CHECK_FALSE(is_func_ptr(b, 0));
}

TEST_CASE("same_type: attributes aside, Same::Info also compares vlen") {
  Btf b;
  uint32_t i = b.add_int("int", 4, INT_SIGNED, 32);
  uint32_t i2 = b.add_int("int", 4, INT_SIGNED, 32);
  uint32_t u = b.add_int("unsigned int", 4, 0, 32);
  for (Same how : {Same::Info, Same::KindName}) {
    CHECK(same_type(b, i, i2, how));
    CHECK_FALSE(same_type(b, i, u, how));
    CHECK(same_type(b, b.add_ptr(i), b.add_ptr(i2), how));
    // An address_space(1) attribute between PTR and target is skipped, a plain tag is not.
    CHECK(same_type(b, b.add_ptr(b.add_type_tag("address_space(1)", i, true)), b.add_ptr(i2), how));
    CHECK_FALSE(same_type(b, b.add_ptr(b.add_type_tag("user", i)), b.add_ptr(i2), how));
    CHECK_FALSE(same_type(b, b.add_const(i), i2, how));
    CHECK(same_type(b, 0, 0, how));
    CHECK_FALSE(same_type(b, 0, i, how));
  }
  // Two structs of one name and size: the same by name; with another member count only for
  // Same::KindName.
  uint32_t s1 = b.add_struct("foo", 8, std::vector<NewMember>{{"a", i, 0}});
  uint32_t s2 = b.add_struct("foo", 8, std::vector<NewMember>{{"b", u, 0}});
  uint32_t s3 = b.add_struct("foo", 8, std::vector<NewMember>{{"a", i, 0}, {"b", i, 32}});
  CHECK(same_type(b, s1, s2, Same::Info));
  CHECK(same_type(b, s1, s2, Same::KindName));
  CHECK_FALSE(same_type(b, s1, s3, Same::Info));
  CHECK(same_type(b, s1, s3, Same::KindName));
  uint32_t anon1 = b.add_struct("", 8, std::vector<NewMember>{});
  uint32_t anon2 = b.add_struct("", 8, std::vector<NewMember>{});
  CHECK_FALSE(same_type(b, anon1, anon2, Same::KindName));  // anonymous: only as one id
}

TEST_CASE("pointer_size: the given size, else sizeof(long) from BTF, else 8") {
  Btf b;
  CHECK(pointer_size(b) == 8);
  CHECK(pointer_size(b, 4) == 4);
  b.add_int("long unsigned int", 4, 0, 32);
  CHECK(pointer_size(b) == 4);
  CHECK(pointer_size(b, 8) == 8);
  Btf odd;
  odd.add_int("long", 0, INT_SIGNED, 0);  // bad BTF: no division by zero downstream
  CHECK(pointer_size(odd) == 8);
}

TEST_CASE("find_own, find_defined") {
  Btf base;
  uint32_t bi = base.add_int("int", 4, INT_SIGNED, 32);
  uint32_t bp = base.add_func_proto(bi, std::vector<NewParam>{});
  uint32_t bf = base.add_func("f", FUNC_GLOBAL, bp);
  uint32_t decl = base.add_struct("ops", 0, std::vector<NewMember>{});
  Btf mod = Btf::new_split(base);
  CHECK(find_own(mod, "f", Kind::FUNC) == 0);
  CHECK(find_own(base, "f", Kind::FUNC) == bf);
  uint32_t mf = mod.add_func("f", FUNC_GLOBAL, bp);
  CHECK(find_own(mod, "f", Kind::FUNC) == mf);
  CHECK(find_defined(mod, "ops", Kind::STRUCT) == 0);
  CHECK(mod.find_first("ops", Kind::STRUCT) == decl);
  uint32_t def = mod.add_struct("ops", 8, std::vector<NewMember>{{"cb", bi, 0}});
  CHECK(find_defined(mod, "ops", Kind::STRUCT) == def);
}
