// The kernel's BTF loader rules (shared/kernel-btf-loader.md), one case per rule, asserting the
// errno and the exact verifier-log text the kernel writes. The running kernel agrees with
// these verdicts (tests/kernel/mutate.cc checks the same code against bpf(BPF_BTF_LOAD)).
#include "gcc12_bounds.h"
#include "kfb_catch.h"
#include <cerrno>
#include <array>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "../../kernel/btf_builder.h"
#include "check/loader.h"

using kfb::check::check_loader;
using kfb::check::CheckOptions;
using kfb::check::KernelVersion;
using kfb::check::LoaderMode;
using kfb::check::LoaderResult;
using kfb::test::Blob;
using kfb::test::Builder;

namespace {

enum K : uint32_t {
  INT = 1, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC,
  FUNC_PROTO, VAR, DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64
};

LoaderResult run(const Blob &b, KernelVersion v = KernelVersion::V6_18,
                 LoaderMode m = LoaderMode::User) {
  CheckOptions o;
  o.kernel = v;
  o.mode = m;
  return check_loader(b, o);
}

uint32_t rd(const Blob &b, size_t at) {
  uint32_t v;
  memcpy(&v, b.data() + at, 4);
  return v;
}
void wr(Blob &b, size_t at, uint32_t v) { memcpy(b.data() + at, &v, 4); }

void rejects(const Blob &b, int err, const std::string &log,
             KernelVersion v = KernelVersion::V6_18) {
  LoaderResult r = run(b, v);
  INFO("message: " << r.message);
  REQUIRE_FALSE(r.ok);
  CHECK(kfb::check::errno_name(r.err) == std::string(kfb::check::errno_name(err)));
  CHECK(r.kernel_log == log);
}

void accepts(const Blob &b, KernelVersion v = KernelVersion::V6_18) {
  LoaderResult r = run(b, v);
  INFO("kernel_log: " << r.kernel_log << " message: " << r.message);
  CHECK(r.ok);
}

Blob one_int() {
  Builder b;
  b.int_("int", 4, 32, 1);
  return b.build();
}

}  // namespace

// ---- header and sections (H1-H7, S1-S5) ----

TEST_CASE("header rules") {
  Blob ok = one_int();
  accepts(ok);
  rejects(Blob(ok.begin(), ok.begin() + 7), EINVAL, "hdr_len not found");
  Blob b = ok;
  wr(b, 4, 1000);
  rejects(b, EINVAL, "btf_header not found");

  // Bytes past 24 must be zero, and that is checked before the magic.
  Blob longer = ok;
  longer.insert(longer.begin() + 24, 4, 0);
  wr(longer, 4, 28);
  accepts(longer);
  longer[26] = 1;
  longer[0] = 0;
  rejects(longer, E2BIG, "Unsupported btf_header");

  b = ok;
  std::swap(b[0], b[1]);
  rejects(b, EINVAL, "Invalid magic");
  b = ok;
  b[2] = 2;
  rejects(b, kfb::check::kENOTSUPP, "Unsupported version");
  b = ok;
  b[3] = 1;
  rejects(b, kfb::check::kENOTSUPP, "Unsupported flags");
  rejects(Blob(ok.begin(), ok.begin() + 24), EINVAL, "No data");
}

TEST_CASE("header: hdr_len 25 with one zero byte is accepted") {
  Blob b = one_int();
  b.insert(b.begin() + 24, 1, 0);
  wr(b, 4, 25);
  accepts(b);
}

TEST_CASE("section layout rules") {
  Blob ok = one_int();
  uint32_t tl = rd(ok, 12), sl = rd(ok, 20);
  Blob b = ok;
  wr(b, 16, 0x10000);
  rejects(b, EINVAL, "Invalid section offset");
  b = ok;  // a gap before the type section
  b.insert(b.begin() + 24, 4, 0);
  wr(b, 8, 4);
  wr(b, 16, tl + 4);
  rejects(b, EINVAL, "Unsupported section found");
  b = ok;
  wr(b, 16, tl - 4);
  rejects(b, EINVAL, "Section overlap found");
  b = ok;
  wr(b, 20, sl + 1);
  rejects(b, EINVAL, "Total section length too long");
  b = ok;
  b.push_back(0);
  rejects(b, EINVAL, "Unsupported section found");
}

// ---- string section ----

TEST_CASE("string section rules") {
  Blob ok = one_int();
  uint32_t tl = rd(ok, 12), sl = rd(ok, 20);
  // strings first, types last
  Blob b(ok.begin(), ok.begin() + 24);
  b.insert(b.end(), ok.begin() + 24 + tl, ok.end());
  b.insert(b.end(), ok.begin() + 24, ok.begin() + 24 + tl);
  wr(b, 8, sl);
  wr(b, 16, 0);
  rejects(b, EINVAL, "String section is not at the end");
  b = ok;
  b.back() = 'x';
  rejects(b, EINVAL, "Invalid string section");
  b = ok;
  b[24 + tl] = 'x';
  rejects(b, EINVAL, "Invalid string section");
}

TEST_CASE("type section: Unaligned type_off and No type found") {
  // type_len 0 with the (empty) type section after 5 bytes of strings.
  Blob b(24);
  uint32_t hdr[6] = {0x0001eB9F, 24, 5, 0, 0, 5};
  memcpy(b.data(), hdr, 24);
  for (char c : std::string("\0abc\0", 5)) b.push_back(uint8_t(c));
  rejects(b, EINVAL, "Unaligned type_off");
  wr(b, 8, 0);
  rejects(b, EINVAL, "No type found");
}

// ---- check_meta, common part ----

TEST_CASE("check_meta: common btf_type rules") {
  Blob ok = one_int();
  Blob b = ok;
  wr(b, 12, 8);  // type_len 8: the type is cut
  wr(b, 16, 8);
  b.erase(b.begin() + 32, b.begin() + 40);
  rejects(b, EINVAL, "[1] meta_left:8 meta_needed:12");
  b = ok;
  wr(b, 28, rd(b, 28) | 0x10000);
  rejects(b, EINVAL, "[1] Invalid btf_info:1010000");
  b = ok;
  wr(b, 28, 0);
  rejects(b, EINVAL, "[1] Invalid kind:0");
  b = ok;
  wr(b, 28, 20u << 24);
  rejects(b, EINVAL, "[1] Invalid kind:20");
  b = ok;
  wr(b, 24, 100);
  rejects(b, EINVAL, "[1] Invalid name_offset:100");
}

// ---- check_meta per kind ----

TEST_CASE("INT check_meta") {
  auto with = [](uint32_t info_extra, uint32_t size, uint32_t data) {
    Builder b;
    b.type("i", INT, 0, false, size);
    b.w[1] |= info_extra;
    b.u(data);
    return b.build();
  };
  rejects(with(1, 4, 32), EINVAL, "[1] INT i size=4 bits_offset=0 nr_bits=32 encoding=(none) vlen != 0\n");
  rejects(with(1u << 31, 4, 32), EINVAL,
          "[1] INT i size=4 bits_offset=0 nr_bits=32 encoding=(none) Invalid btf_info kind_flag\n");
  rejects(with(0, 4, 0x10000020), EINVAL, "[1] INT i Invalid int_data:10000020\n");
  rejects(with(0, 16, 0x00800081), EINVAL,
          "[1] INT i size=16 bits_offset=128 nr_bits=129 encoding=(none) nr_bits exceeds 128\n");
  rejects(with(0, 4, 33), EINVAL,
          "[1] INT i size=4 bits_offset=0 nr_bits=33 encoding=(none) nr_bits exceeds type_size\n");
  rejects(with(0, 4, 0x03000020), kfb::check::kENOTSUPP,
          "[1] INT i size=4 bits_offset=0 nr_bits=32 encoding=UNKN Unsupported encoding\n");
  accepts(with(0, 0, 0));           // size 0, 0 bits
  accepts(with(0, 3, 24));          // odd size
  accepts(with(0, 4, 0x0000ff20));  // bits 8..15 are not checked
}

TEST_CASE("reference kinds check_meta") {
  auto ref = [](uint32_t kind, const std::string &name, uint32_t to, uint32_t extra = 0) {
    Builder b;
    b.int_("int", 4, 32);
    b.type(name, kind, 0, false, to);
    b.w[5] |= extra;
    return b.build();
  };
  rejects(ref(PTR, "", 1, 1), EINVAL, "[2] PTR (anon) type_id=1 vlen != 0\n");
  rejects(ref(CONST, "", 1, 1u << 31), EINVAL, "[2] CONST (anon) type_id=1 Invalid btf_info kind_flag\n");
  rejects(ref(VOLATILE, "", 0x100000), EINVAL, "[2] VOLATILE (anon) type_id=1048576 Invalid type_id\n");
  rejects(ref(PTR, "p", 1), EINVAL, "[2] PTR p type_id=1 Invalid name\n");
  rejects(ref(TYPEDEF, "", 1), EINVAL, "[2] TYPEDEF (anon) type_id=1 Invalid name\n");
  rejects(ref(TYPEDEF, "a-b", 1), EINVAL, "[2] TYPEDEF a-b type_id=1 Invalid name\n");
  rejects(ref(TYPE_TAG, "", 1), EINVAL, "[2] TYPE_TAG (anon) type_id=1 Invalid name\n");
  accepts(ref(TYPE_TAG, "any thing!", 1));
  // TYPE_TAG kflag: allowed since 6.13, rejected by 6.1.
  accepts(ref(TYPE_TAG, "t", 1, 1u << 31));
  rejects(ref(TYPE_TAG, "t", 1, 1u << 31), EINVAL,
          "[2] TYPE_TAG t type_id=1 Invalid btf_info kind_flag\n", KernelVersion::V6_1);
}

TEST_CASE("identifier names: Latin-1 letters, length 512") {
  auto td = [](const std::string &name) {
    Builder b;
    b.int_("int", 4, 32);
    b.ref(TYPEDEF, 1, name);
    return b.build();
  };
  accepts(td("caf\xe9"));
  accepts(td(std::string(512, 'a')));
  CHECK_FALSE(run(td(std::string(513, 'a'))).ok);
  CHECK_FALSE(run(td("x\xd7y")).ok);
  CHECK_FALSE(run(td("a$")).ok);
  CHECK_FALSE(run(td("1a")).ok);
  accepts(td(".a_1"));
}

TEST_CASE("ARRAY check_meta") {
  auto arr = [](const std::string &name, uint32_t info_extra, uint32_t size, uint32_t elem,
                uint32_t index) {
    Builder b;
    b.int_("int", 4, 32);
    b.type(name, ARRAY, 0, false, size);
    b.w[5] |= info_extra;
    b.u(elem), b.u(index), b.u(0);
    return b.build();
  };
  rejects(arr("a", 0, 0, 1, 1), EINVAL, "[2] ARRAY a type_id=1 index_type_id=1 nr_elems=0 Invalid name\n");
  rejects(arr("", 1, 0, 1, 1), EINVAL, "[2] ARRAY (anon) type_id=1 index_type_id=1 nr_elems=0 vlen != 0\n");
  rejects(arr("", 0, 4, 1, 1), EINVAL, "[2] ARRAY (anon) type_id=1 index_type_id=1 nr_elems=0 size != 0\n");
  rejects(arr("", 0, 0, 0, 1), EINVAL, "[2] ARRAY (anon) type_id=0 index_type_id=1 nr_elems=0 Invalid elem\n");
  rejects(arr("", 0, 0, 1, 0x100000), EINVAL,
          "[2] ARRAY (anon) type_id=1 index_type_id=1048576 nr_elems=0 Invalid index\n");
  accepts(arr("", 0, 0, 1, 1));  // nelems 0 is fine
}

TEST_CASE("STRUCT/UNION check_meta") {
  Builder b;
  uint32_t i = b.int_("int", 4, 32);
  b.struct_(STRUCT, "s", 8, {{"a", i, 0}, {"a", i, 0}});  // duplicate names, equal offsets: ok
  accepts(b.build());

  Builder c;
  c.int_("int", 4, 32);
  c.struct_(STRUCT, "s", 8, {{"a", 1, 32}, {"b", 1, 0}});
  rejects(c.build(), EINVAL, "\tb type_id=1 bits_offset=0 Invalid member bits_offset\n");

  Builder u;
  u.int_("int", 4, 32);
  u.struct_(UNION, "u", 8, {{"a", 1, 0}, {"b", 1, 8}});
  rejects(u.build(), EINVAL, "\tb type_id=1 bits_offset=8 Invalid member bits_offset\n");

  Builder d;
  d.int_("int", 4, 32);
  d.struct_(STRUCT, "s", 4, {{"a", 1, 33}});
  rejects(d.build(), EINVAL, "\ta type_id=1 bits_offset=33 Member bits_offset exceeds its struct size\n");

  Builder e;
  e.int_("int", 4, 32);
  e.struct_(STRUCT, "s", 4, {{"a", 0, 0}});
  rejects(e.build(), EINVAL, "\ta type_id=0 bits_offset=0 Invalid type_id\n");

  Builder f;
  f.int_("int", 4, 32);
  f.struct_(STRUCT, "s", 4, {{"a-b", 1, 0}}, true);
  rejects(f.build(), EINVAL, "\ta-b type_id=1 bitfield_size=0 bits_offset=0 Invalid name\n");

  Builder g;
  g.int_("int", 4, 32);
  g.struct_(STRUCT, "s", 4, {{"a", 1, 0}});
  g.w[7] = 999;  // the member's name_off
  rejects(g.build(), EINVAL,
          "\t(invalid-name-offset) type_id=1 bits_offset=0 Invalid member name_offset:999\n");

  Builder h;
  h.int_("int", 4, 32);
  h.struct_(STRUCT, "9s", 4, {});
  rejects(h.build(), EINVAL, "[2] STRUCT 9s size=4 vlen=0 Invalid name\n");
}

TEST_CASE("ENUM/ENUM64 check_meta") {
  auto en = [](uint32_t kind, uint32_t size, const std::string &ename) {
    Builder b;
    b.type("e", kind, 1, false, size);
    b.u(b.str(ename)), b.u(0);
    if (kind == ENUM64) b.u(0);
    return b.build();
  };
  rejects(en(ENUM, 3, "A"), EINVAL, "[1] ENUM e size=3 vlen=1 Unexpected size\n");
  rejects(en(ENUM, 0, "A"), EINVAL, "[1] ENUM e size=0 vlen=1 Unexpected size\n");
  rejects(en(ENUM64, 16, "A"), EINVAL, "[1] ENUM64 e size=16 vlen=1 Unexpected size\n");
  accepts(en(ENUM64, 1, "A"));
  rejects(en(ENUM, 4, ""), EINVAL, "[1] ENUM e size=4 vlen=1 Invalid name\n");
  Blob b = en(ENUM, 4, "A");
  wr(b, 24 + 12, 77);
  rejects(b, EINVAL, "\tInvalid name_offset:77");
}

TEST_CASE("FWD, FUNC, FUNC_PROTO, VAR, FLOAT, DECL_TAG check_meta") {
  {
    Builder b;
    b.type("f", FWD, 0, false, 1);
    rejects(b.build(), EINVAL, "[1] FWD f struct type != 0\n");
  }
  {
    Builder b;
    b.type("", FWD, 0, true, 0);
    rejects(b.build(), EINVAL, "[1] FWD (anon) union Invalid name\n");
  }
  {
    Builder b;
    b.proto(0, {});
    b.type("f", FUNC, 2, false, 1);  // BTF_FUNC_EXTERN
    rejects(b.build(), EINVAL, "[2] FUNC f type_id=1 Invalid func linkage\n");
  }
  {
    Builder b;
    b.type("p", FUNC_PROTO, 0, false, 0);
    rejects(b.build(), EINVAL, "[1] FUNC_PROTO p return=0 args=(void) Invalid name\n");
  }
  {
    Builder b;
    b.int_("int", 4, 32);
    b.type("v", VAR, 0, false, 1);
    b.u(2);
    rejects(b.build(), EINVAL, "[2] VAR v type_id=1 linkage=2 Linkage not supported\n");
  }
  {
    Builder b;
    b.type("f", FLOAT, 0, false, 3);
    rejects(b.build(), EINVAL, "[1] FLOAT f size=3 Invalid type_size\n");
  }
  {
    Builder b;
    b.int_("int", 4, 32);
    b.type("", DECL_TAG, 0, false, 1);
    b.u(uint32_t(-1));
    rejects(b.build(), EINVAL, "[2] DECL_TAG (anon) type=1 component_idx=-1 Invalid value\n");
  }
  {
    Builder b;
    b.int_("int", 4, 32);
    b.struct_(STRUCT, "s", 4, {{"a", 1, 0}});
    b.type("t", DECL_TAG, 0, false, 2);
    b.u(uint32_t(-2));
    rejects(b.build(), EINVAL, "[3] DECL_TAG t type=2 component_idx=-2 Invalid component_idx\n");
  }
  {  // DECL_TAG kflag: 6.18 allows it, 6.1 does not
    Builder b;
    b.int_("int", 4, 32);
    b.struct_(STRUCT, "s", 4, {{"a", 1, 0}});
    b.type("t", DECL_TAG, 0, true, 2);
    b.u(uint32_t(-1));
    accepts(b.build());
    rejects(b.build(), EINVAL, "[3] DECL_TAG t type=2 component_idx=-1 Invalid btf_info kind_flag\n",
            KernelVersion::V6_1);
  }
}

TEST_CASE("DATASEC check_meta") {
  auto ds = [](const std::string &name, uint32_t size,
               std::vector<std::array<uint32_t, 3>> vsis) {
    Builder b;
    b.int_("int", 4, 32);
    b.type("v", VAR, 0, false, 1);
    b.u(0);
    b.type(name, DATASEC, uint32_t(vsis.size()), false, size);
    for (auto &v : vsis) b.u(v[0]), b.u(v[1]), b.u(v[2]);
    return b.build();
  };
  rejects(ds(".d", 0, {}), EINVAL, "[3] DATASEC .d size=0 vlen=0 size == 0\n");
  rejects(ds("", 4, {}), EINVAL, "[3] DATASEC (anon) size=4 vlen=0 Invalid name\n");
  rejects(ds(".d", 8, {{0, 0, 4}}), EINVAL, "\t type_id=0 offset=0 size=4 Invalid type_id\n");
  rejects(ds(".d", 8, {{2, 8, 4}}), EINVAL, "\t type_id=2 offset=8 size=4 Invalid offset\n");
  rejects(ds(".d", 8, {{2, 0, 9}}), EINVAL, "\t type_id=2 offset=0 size=9 Invalid size\n");
  rejects(ds(".d", 8, {{2, 6, 4}}), EINVAL, "\t type_id=2 offset=6 size=4 Invalid offset+size\n");
  // 6.18 accepts any printable section name; 6.1 wants an identifier.
  Blob spaced = ds(".data sec/x", 8, {{2, 0, 4}});
  accepts(spaced);
  rejects(spaced, EINVAL, "[3] DATASEC .data sec/x size=8 vlen=1 Invalid name\n", KernelVersion::V6_1);
}

// ---- the 0xfffff types quirk ----

TEST_CASE("more types than the cap: logged, dropped, accepted") {
  Builder b;
  b.int_("int", 4, 32);
  for (uint32_t k = 1; k < 0xfffff + 2; k++) b.ref(CONST, 1);
  LoaderResult r = run(b.build());
  CHECK(r.ok);
  CHECK(r.nr_types == 0xffffe);
  REQUIRE(r.notes.size() == 1);
  CHECK(r.notes[0].find("Exceeded max num of types") != std::string::npos);
  b.w[6] = 0xfffff;  // [2] now refers to the id that was never added
  r = run(b.build());
  REQUIRE_FALSE(r.ok);
  CHECK(r.kernel_log == "[2] CONST (anon) type_id=1048575 Invalid type_id\n");
}

// ---- resolve ----

TEST_CASE("resolve: loops and depth") {
  {
    Builder b;
    b.int_("int", 4, 32);
    b.ref(PTR, 2);
    rejects(b.build(), EEXIST, "[2] PTR (anon) type_id=2 Loop detected\n");
  }
  {
    Builder b;
    b.int_("int", 4, 32);
    b.ref(CONST, 3);
    b.ref(VOLATILE, 2);
    rejects(b.build(), EEXIST, "[2] CONST (anon) type_id=3 Loop detected\n");
  }
  {
    Builder b;
    b.int_("int", 4, 32);
    b.struct_(STRUCT, "s", 4, {{"a", 2, 0}});
    rejects(b.build(), EEXIST, "[2] STRUCT s size=4 vlen=1 Loop detected\n");
  }
  {  // struct A { struct A *p; } is fine
    Builder b;
    b.struct_(STRUCT, "A", 8, {{"p", 2, 0}});
    b.ref(PTR, 1);
    accepts(b.build());
  }
  {  // 33 modifiers, the head has the lowest id: too deep
    Builder b;
    b.int_("int", 4, 32);
    for (uint32_t k = 0; k < 33; k++) b.ref(CONST, k + 1 < 33 ? 3 + k : 1);
    rejects(b.build(), E2BIG, "[2] CONST (anon) type_id=3 Exceeded max resolving depth:32\n");
  }
  {  // 40 modifiers whose ids resolve tail-first: fine
    Builder b;
    b.int_("int", 4, 32);
    for (uint32_t k = 0; k < 40; k++) b.ref(CONST, 1 + k);
    accepts(b.build());
  }
}

TEST_CASE("resolve: modifiers, PTR, VAR") {
  {
    Builder b;
    b.int_("int", 4, 32);
    b.type("v", VAR, 0, false, 1);
    b.u(0);
    b.ref(PTR, 2);
    rejects(b.build(), EINVAL, "[3] PTR (anon) type_id=2 Invalid type_id\n");
  }
  {
    Builder b;
    b.int_("int", 4, 32);
    b.ref(CONST, 99);
    rejects(b.build(), EINVAL, "[2] CONST (anon) type_id=99 Invalid type_id\n");
  }
  {  // const void, typedef of a FWD, pointer to a proto: fine
    Builder b;
    b.ref(CONST, 0);
    b.type("f", FWD, 0, false, 0);
    b.ref(TYPEDEF, 2, "tf");
    b.proto(0, {});
    b.ref(PTR, 4);
    accepts(b.build());
  }
  {
    Builder b;
    b.type("f", FWD, 0, false, 0);
    b.type("v", VAR, 0, false, 1);
    b.u(0);
    rejects(b.build(), EINVAL, "[2] VAR v type_id=1 linkage=0 Invalid type_id\n");
  }
}

TEST_CASE("resolve: ARRAY") {
  auto arr = [](uint32_t elem, uint32_t index, uint32_t nelems, Builder b) {
    b.array(elem, index, nelems);
    return b.build();
  };
  Builder base;
  base.int_("int", 4, 32);              // 1
  base.enum_("e", 4, {"A"});            // 2
  base.ref(TYPEDEF, 1, "ti");           // 3
  base.ref(CONST, 0);                   // 4 const void
  base.int_("bits", 4, 3);              // 5 not a regular int
  rejects(arr(1, 2, 4, base), EINVAL, "[6] ARRAY (anon) type_id=1 index_type_id=2 nr_elems=4 Invalid index\n");
  accepts(arr(1, 3, 4, base));
  rejects(arr(4, 1, 4, base), EINVAL, "[6] ARRAY (anon) type_id=4 index_type_id=1 nr_elems=4 Invalid elem\n");
  rejects(arr(5, 1, 4, base), EINVAL,
          "[6] ARRAY (anon) type_id=5 index_type_id=1 nr_elems=4 Invalid array of int\n");
  rejects(arr(1, 1, 0x40000000, base), EINVAL,
          "[6] ARRAY (anon) type_id=1 index_type_id=1 nr_elems=1073741824 Array size overflows U32_MAX\n");
}

TEST_CASE("resolve: member checks") {
  {
    Builder c;
    c.int_("int", 4, 32);
    c.type("f", FWD, 0, false, 0);
    c.struct_(STRUCT, "s", 4, {{"a", 2, 0}});
    rejects(c.build(), EINVAL, "[3] STRUCT s size=4 vlen=1\n\ta type_id=2 bits_offset=0 Invalid member\n");
  }
  {
    Builder b;
    b.int_("int", 4, 32);
    b.struct_(STRUCT, "s", 4, {{"a", 1, 8}});
    rejects(b.build(), EINVAL,
            "[2] STRUCT s size=4 vlen=1\n\ta type_id=1 bits_offset=8 Member exceeds struct_size\n");
  }
  {  // kflag struct: the int must be regular
    Builder b;
    b.int_("bits", 4, 3);
    b.struct_(STRUCT, "s", 4, {{"a", 1, 3u << 24}}, true);
    rejects(b.build(), EINVAL,
            "[2] STRUCT s size=4 vlen=1\n\ta type_id=1 bitfield_size=3 bits_offset=0 Invalid member base type\n");
  }
  {
    Builder b;
    b.int_("int", 4, 32);
    b.struct_(STRUCT, "s", 8, {{"a", 1, 33u << 24}}, true);
    rejects(b.build(), EINVAL,
            "[2] STRUCT s size=8 vlen=1\n\ta type_id=1 bitfield_size=33 bits_offset=0 Invalid member bitfield_size\n");
  }
  {
    Builder b;
    b.int_("int", 4, 32);
    b.ref(PTR, 1);
    b.struct_(STRUCT, "s", 16, {{"p", 2, 4}});
    rejects(b.build(), EINVAL,
            "[3] STRUCT s size=16 vlen=1\n\tp type_id=2 bits_offset=4 Member is not byte aligned\n");
  }
  {
    Builder b;
    b.type("float", FLOAT, 0, false, 8);
    b.struct_(STRUCT, "s", 16, {{"f", 1, 32}});
    rejects(b.build(), EINVAL,
            "[2] STRUCT s size=16 vlen=1\n\tf type_id=1 bits_offset=32 Member is not properly aligned\n");
  }
  {  // a modifier member is checked as its resolved type, whose id the log shows
    Builder b;
    b.int_("int", 4, 32);
    b.ref(CONST, 1);
    b.struct_(STRUCT, "s", 4, {{"c", 2, 8}});
    rejects(b.build(), EINVAL,
            "[3] STRUCT s size=4 vlen=1\n\tc type_id=1 bits_offset=8 Member exceeds struct_size\n");
  }
  {
    Builder b;
    b.enum_("e", 4, {"A"});
    b.struct_(STRUCT, "s", 8, {{"e", 1, 33u << 24}}, true);
    rejects(b.build(), EINVAL,
            "[2] STRUCT s size=8 vlen=1\n\te type_id=1 bitfield_size=33 bits_offset=0 Invalid member bitfield_size\n");
  }
}

TEST_CASE("resolve: FUNC and FUNC_PROTO") {
  {
    Builder b;
    b.int_("int", 4, 32);
    b.type("f", FUNC, 0, false, 1);
    rejects(b.build(), EINVAL, "[2] FUNC f type_id=1 Invalid type_id\n");
  }
  {
    Builder b;
    b.int_("int", 4, 32);
    b.proto(1, {{"", 1}});
    b.type("f", FUNC, 0, false, 2);
    rejects(b.build(), EINVAL, "[3] FUNC f type_id=2 Invalid arg#1\n");
  }
  {
    Builder b;
    b.int_("int", 4, 32);
    b.proto(0, {});
    b.type("f", FUNC, 0, false, 2);
    b.proto(3, {});
    rejects(b.build(), EINVAL, "[4] FUNC_PROTO (anon) return=3 args=(void) Invalid return type\n");
  }
  {
    Builder b;
    b.int_("int", 4, 32);
    b.proto(1, {{"a", 1}, {"x", 0}});
    rejects(b.build(), EINVAL, "[2] FUNC_PROTO (anon) return=1 args=(1 a, vararg) Invalid arg#2\n");
  }
  {
    Builder b;
    b.int_("int", 4, 32);
    b.type("v", VAR, 0, false, 1);
    b.u(0);
    b.proto(0, {{"a", 2}});
    rejects(b.build(), EINVAL, "[3] FUNC_PROTO (anon) return=0 args=(2 a) Invalid arg#1\n");
  }
  {  // a proto with one vararg param, and an unreferenced proto is checked too
    Builder b;
    b.proto(0, {{"", 0}});
    accepts(b.build());
  }
}

TEST_CASE("resolve: DATASEC and DECL_TAG") {
  {
    Builder b;
    b.int_("int", 4, 32);
    b.type(".d", DATASEC, 1, false, 8);
    b.u(1), b.u(0), b.u(4);
    rejects(b.build(), EINVAL,
            "[2] DATASEC .d size=8 vlen=1\n\t type_id=1 offset=0 size=4 Not a VAR kind member\n");
  }
  {
    Builder b;
    b.int_("long", 8, 64);
    b.type("v", VAR, 0, false, 1);
    b.u(0);
    b.type(".d", DATASEC, 1, false, 8);
    b.u(2), b.u(0), b.u(4);
    rejects(b.build(), EINVAL, "[3] DATASEC .d size=8 vlen=1\n\t type_id=2 offset=0 size=4 Invalid size\n");
  }
  {
    Builder b;
    b.int_("int", 4, 32);
    b.type("t", DECL_TAG, 0, false, 1);
    b.u(uint32_t(-1));
    rejects(b.build(), EINVAL, "[2] DECL_TAG t type=1 component_idx=-1 Invalid type_id\n");
  }
  {
    Builder b;
    b.int_("int", 4, 32);
    b.type("v", VAR, 0, false, 1);
    b.u(0);
    b.type("t", DECL_TAG, 0, false, 2);
    b.u(0);
    rejects(b.build(), EINVAL, "[3] DECL_TAG t type=2 component_idx=0 Invalid component_idx\n");
  }
  {
    Builder b;
    b.int_("int", 4, 32);
    b.struct_(STRUCT, "s", 4, {{"a", 1, 0}});
    b.type("t", DECL_TAG, 0, false, 2);
    b.u(1);
    rejects(b.build(), EINVAL, "[3] DECL_TAG t type=2 component_idx=1 Invalid component_idx\n");
  }
}

// ---- type tags ----

TEST_CASE("type tags: order and chain length") {
  {
    Builder b;
    b.int_("int", 4, 32);
    b.ref(TYPE_TAG, 1, "tag");
    b.ref(TYPEDEF, 2, "td");
    rejects(b.build(), EINVAL, "Type tags don't precede modifiers");
  }
  {  // PTR -> TYPE_TAG -> CONST -> int is the right order
    Builder b;
    b.int_("int", 4, 32);
    b.ref(CONST, 1);
    b.ref(TYPE_TAG, 2, "tag");
    b.ref(PTR, 3);
    accepts(b.build());
  }
  {  // a PTR resolves the upper half first, so resolve never gets deep; the walk does
    Builder b;
    b.int_("int", 4, 32);  // 1
    b.ref(PTR, 20);        // 2
    for (uint32_t id = 3; id <= 40; id++) b.ref(CONST, id < 40 ? id + 1 : 1);
    rejects(b.build(), ELOOP, "Max chain length or cycle detected");
  }
}

// ---- struct metas (6.18, user BTF; no log text) ----

TEST_CASE("struct metas") {
  Builder b;
  uint32_t i = b.int_("int", 4, 32);
  uint32_t lock = b.struct_(STRUCT, "bpf_spin_lock", 4, {{"v", i, 0}});
  b.struct_(STRUCT, "two", 8, {{"a", lock, 0}, {"b", lock, 32}});
  LoaderResult r = run(b.build());
  REQUIRE_FALSE(r.ok);
  CHECK(r.err == E2BIG);
  CHECK(r.kernel_log.empty());
  CHECK(r.rule == "loader-struct-meta");
  CHECK(run(b.build(), KernelVersion::V6_1).ok);  // 6.1 has no such phase

  Builder c;
  uint32_t c32 = c.int_("int", 4, 32);
  uint32_t ci = c.int_("long", 8, 64);
  uint32_t cl = c.struct_(STRUCT, "bpf_spin_lock", 4, {{"v", c32, 0}});
  uint32_t head = c.struct_(STRUCT, "bpf_list_head", 16, {{"a", ci, 0}, {"b", ci, 64}});
  c.struct_(STRUCT, "v", 24, {{"l", cl, 0}, {"h", head, 64}});  // no "contains:" tag
  r = run(c.build());
  REQUIRE_FALSE(r.ok);
  CHECK(r.err == EINVAL);
}

// ---- struct metas: what 7.x changed (kfunc::struct_metas_7x; each verdict is the kernels'
// own, testdata/kernel-verdicts/struct-metas.txt, tests/kernel/struct_metas_oracle.sh) ----

namespace {

// Rejected by the struct-meta phase: the errno, no log text, and check's message.
void meta_rejects(const Blob &b, KernelVersion v, int err, uint32_t id, const std::string &why) {
  LoaderResult r = run(b, v);
  INFO("message: " << r.message);
  REQUIRE_FALSE(r.ok);
  CHECK(kfb::check::errno_name(r.err) == std::string(kfb::check::errno_name(err)));
  CHECK(r.rule == "loader-struct-meta");
  CHECK(r.kernel_log.empty());
  CHECK(r.type_id == id);
  CHECK(r.message == "special fields (struct metas): " + why);
}

// selftests prog_tests/btf.c "struct test duplicate nested unique fields"
Blob nested_spin_locks() {
  Builder b;
  uint32_t i = b.int_("int", 4, 32, 1);
  uint32_t lock = b.struct_(STRUCT, "bpf_spin_lock", 4, {{"val", i, 0}});
  uint32_t inner = b.struct_(STRUCT, "inner", 4, {{"lock", lock, 0}});
  b.struct_(STRUCT, "value", 8, {{"lock", lock, 0}, {"nested", inner, 32}});  // [4]
  return b.build();
}

// local_kptr_ownership.c's init_btf: [1] int, [2] bpf_spin_lock, [3] bpf_list_head,
// [4] bpf_list_node.
Builder ownership_base() {
  Builder b;
  b.int_("int", 4, 32, 1);
  b.struct_(STRUCT, "bpf_spin_lock", 4, {});
  b.struct_(STRUCT, "bpf_list_head", 16, {});
  b.struct_(STRUCT, "bpf_list_node", 24, {});
  return b;
}

uint32_t kptr(Builder &b, uint32_t to, const std::string &tag) {
  return b.ref(PTR, b.ref(TYPE_TAG, to, tag));
}

// struct value { struct bpf_spin_lock lock; <p> p; } with [3] struct kfb_obj { int v; }.
Blob lock_and(const std::function<uint32_t(Builder &)> &p) {
  Builder b;
  uint32_t i = b.int_("int", 4, 32, 1);
  uint32_t lock = b.struct_(STRUCT, "bpf_spin_lock", 4, {{"val", i, 0}});
  b.struct_(STRUCT, "kfb_obj", 4, {{"v", i, 0}});
  uint32_t ptr = p(b);
  b.struct_(STRUCT, "value", 16, {{"lock", lock, 0}, {"p", ptr, 64}});
  return b.build();
}

// graph_owner_0 owns _1 owns ... _{depth-1} through bpf_list_head (local_kptr_ownership.c's
// test_graph_depth).
Blob list_chain(uint32_t depth) {
  Builder b = ownership_base();
  for (uint32_t i = 0; i < depth; i++) {
    uint32_t lock_off = i ? 24 : 0, root_off = lock_off + 8;
    uint32_t size = i == depth - 1 ? 24 : root_off + 16;
    std::vector<Builder::M> ms;
    if (i) ms.push_back({"node", 4, 0});
    if (i != depth - 1) {
      ms.push_back({"lock", 2, lock_off * 8});
      ms.push_back({"root", 3, root_off * 8});
    }
    uint32_t id = b.struct_(STRUCT, "graph_owner_" + std::to_string(i), size, ms);
    if (i != depth - 1) {
      b.type("contains:graph_owner_" + std::to_string(i + 1) + ":node", DECL_TAG, 0, false, id);
      b.u(i ? 2 : 1);
    }
  }
  return b.build();
}

}  // namespace

TEST_CASE("7.x struct metas: one lock per struct, nested structs included") {
  Blob b = nested_spin_locks();
  accepts(b, KernelVersion::V6_18);  // 6.18 WARNs and takes the second lock
  for (KernelVersion v : {KernelVersion::V7_2, KernelVersion::V7_3})
    meta_rejects(b, v, E2BIG, 4, "two bpf_spin_lock fields (nested structs included)");

  // value { lock; struct inner nested[2]; }: 6.18 refuses to repeat the lock, 7.x has
  // already seen the second one.
  Builder c;
  uint32_t i = c.int_("int", 4, 32, 1);
  uint32_t lock = c.struct_(STRUCT, "bpf_spin_lock", 4, {{"val", i, 0}});
  uint32_t inner = c.struct_(STRUCT, "inner", 4, {{"lock", lock, 0}});
  uint32_t arr = c.array(inner, i, 2);
  c.struct_(STRUCT, "value", 12, {{"lock", lock, 0}, {"nested", arr, 32}});
  meta_rejects(c.build(), KernelVersion::V6_18, EINVAL, 5,
               "an array of special fields that cannot be repeated");
  meta_rejects(c.build(), KernelVersion::V7_3, E2BIG, 5,
               "two bpf_spin_lock fields (nested structs included)");
}

TEST_CASE("7.x struct metas: bpf_refcount is unique") {
  // selftests prog_tests/btf.c "struct test duplicate bpf_refcount fields"
  Builder b;
  uint32_t i = b.int_("int", 4, 32, 1);
  uint32_t rc = b.struct_(STRUCT, "bpf_refcount", 4, {{"refs", i, 0}});
  b.struct_(STRUCT, "value", 8, {{"a", rc, 0}, {"b", rc, 32}});
  accepts(b.build(), KernelVersion::V6_18);
  for (KernelVersion v : {KernelVersion::V7_2, KernelVersion::V7_3})
    meta_rejects(b.build(), v, E2BIG, 3, "two bpf_refcount fields (nested structs included)");
}

TEST_CASE("7.x struct metas: kptr type tags anywhere after the pointer") {
  // An unknown tag: 6.18 refuses it in a struct with special fields, 7.x skips it.
  Blob unknown = lock_and([](Builder &b) { return kptr(b, 3, "kfb_tag"); });
  meta_rejects(unknown, KernelVersion::V6_18, EINVAL, 6,
               "pointer with type tag 'kfb_tag' in a struct with special fields");
  accepts(unknown, KernelVersion::V7_3);
  // The same kptr tag twice: 6.18 refuses a second tag, 7.x takes one kind.
  Blob twice = lock_and([](Builder &b) { return b.ref(PTR, b.ref(TYPE_TAG, b.ref(TYPE_TAG, 3, "kptr"), "kptr")); });
  meta_rejects(twice, KernelVersion::V6_18, EINVAL, 7, "a kptr carries more than one type tag");
  accepts(twice, KernelVersion::V7_2);
  // Two kinds: refused by both.
  Blob kinds = lock_and([](Builder &b) {
    return b.ref(PTR, b.ref(TYPE_TAG, b.ref(TYPE_TAG, 3, "kptr"), "kptr_untrusted"));
  });
  meta_rejects(kinds, KernelVersion::V7_3, EINVAL, 7, "a kptr carries two kinds of kptr type tag");
  // After a CONST (7.x lets tags follow modifiers): a kptr, to an int.
  Blob after_const = lock_and([](Builder &b) { return b.ref(PTR, b.ref(CONST, b.ref(TYPE_TAG, 1, "kptr"))); });
  meta_rejects(after_const, KernelVersion::V7_3, EINVAL, 7, "a kptr does not point to a struct");
}

TEST_CASE("7.x struct metas: ownership may neither cycle nor nest deeper than 8") {
  // local_kptr_ownership.c self_cycle / untrusted_self_cycle
  for (const char *tag : {"kptr", "percpu_kptr", "kptr_untrusted"}) {
    Builder b = ownership_base();
    kptr(b, 7, tag);
    b.struct_(STRUCT, "self_cycle", 8, {{"next", 6, 0}});
    accepts(b.build(), KernelVersion::V6_18);
    if (std::string(tag) == "kptr_untrusted")
      accepts(b.build(), KernelVersion::V7_3);  // not an owning pointer
    else
      meta_rejects(b.build(), KernelVersion::V7_3, ELOOP, 7,
                   "ownership (graph roots, kptrs to program types) from [7] cycles or is deeper than 8");
  }
  // test_graph_depth: 6.18 refuses a node type that owns roots; 7.x counts the depth.
  meta_rejects(list_chain(4), KernelVersion::V6_18, ELOOP, 7, "ownership cycle through [9]");
  accepts(list_chain(4), KernelVersion::V7_3);
  accepts(list_chain(8), KernelVersion::V7_2);
  meta_rejects(list_chain(9), KernelVersion::V7_3, ELOOP, 5,
               "ownership (graph roots, kptrs to program types) from [5] cycles or is deeper than 8");
  accepts(list_chain(3), KernelVersion::V6_18);
  // A kptr that only 7.x's tag walk finds (after a kflag attribute tag) closes a cycle.
  Builder self;
  self.int_("int", 4, 32, 1);
  self.ref(PTR, 3);
  self.type("kfb_attr", TYPE_TAG, 0, true, 4);
  self.ref(TYPE_TAG, 5, "kptr");
  self.struct_(STRUCT, "kfb_self", 8, {{"next", 2, 0}});
  accepts(self.build(), KernelVersion::V6_18);
  meta_rejects(self.build(), KernelVersion::V7_3, ELOOP, 5,
               "ownership (graph roots, kptrs to program types) from [5] cycles or is deeper than 8");
}

// ---- vmlinux and module modes ----

TEST_CASE("vmlinux mode: no resolve pass") {
  Builder b;
  b.int_("int", 4, 32);
  b.ref(PTR, 2);  // a loop: only the resolve pass sees it
  CHECK_FALSE(run(b.build()).ok);
  CHECK(run(b.build(), KernelVersion::V6_18, LoaderMode::Vmlinux).ok);
  CHECK_THROWS(run(b.build(), KernelVersion::V6_18, LoaderMode::Module));  // needs a base
}

TEST_CASE("module mode: split BTF on a base") {
  Blob base = one_int();  // [1] int, strings "\0int\0"
  Builder m;
  m.w = {1, (TYPEDEF << 24), 1};  // TYPEDEF named by the base's "int" string, to [1]
  m.strs = "x";  // the split string section may start with a non-NUL byte...
  m.strs += '\0';
  Blob blob = m.build();
  CheckOptions o;
  o.mode = LoaderMode::Module;
  o.base = base;
  LoaderResult r = check_loader(blob, o);
  INFO(r.message);
  CHECK(r.ok);
  // ...and log ids continue after the base's.
  m.w[2] = 99;
  m.w.push_back(0), m.w.push_back(PTR << 24), m.w.push_back(2);
  r = check_loader(m.build(), o);
  // No resolve pass for modules, but the type-tag walk meets the missing [99]: EINVAL, no log.
  REQUIRE_FALSE(r.ok);
  CHECK(r.err == EINVAL);
  CHECK(r.rule == "loader-type-tags");
  CHECK(r.kernel_log.empty());
  m.w[2] = 1;
  CHECK(check_loader(m.build(), o).ok);  // PTR -> [2] -> base int
  m.w[1] = (TYPEDEF << 24) | 1;
  r = check_loader(m.build(), o);
  REQUIRE_FALSE(r.ok);
  CHECK(r.kernel_log == "[2] TYPEDEF int type_id=1 vlen != 0\n");
}

TEST_CASE("module mode on a trusted base: the split's verdicts, the base not checked again") {
  // A base of 200 types (more than one run_trusted stride), ending in a TYPE_TAG and a CONST.
  Builder b;
  uint32_t i = b.int_("int", 4, 32, 1);
  for (int k = 0; k < 196; k++) b.struct_(STRUCT, "s" + std::to_string(k), 4, {{"a", i, 0}});
  uint32_t enm = b.enum_("e", 4, {"A", "B"});
  uint32_t tag = b.type("tag", TYPE_TAG, 0, false, i);
  uint32_t cst = b.ref(CONST, i);
  Blob base = b.build();
  uint32_t n = cst + 1;  // the split's first id

  // Split BTFs, each with what it is about: the trusted base must give the same verdict, log
  // line and type as the checked one, on every rule set.
  struct Split {
    const char *what;
    std::vector<uint32_t> w;
  };
  std::vector<Split> splits = {
      {"typedef and const into the base", {1, TYPEDEF << 24, cst, 0, CONST << 24, n, 0, PTR << 24, enm}},
      {"a modifier onto a base TYPE_TAG (6.x: tags must come first)", {0, CONST << 24, tag}},
      {"an own type that is wrong (TYPEDEF without a name)", {0, TYPEDEF << 24, i}},
      {"an own type past the base's ids", {1, TYPEDEF << 24, n + 5}},
      {"an own INT wider than its size", {1, INT << 24, 4, 40}},
  };
  for (KernelVersion v : {KernelVersion::V6_1, KernelVersion::V6_18, KernelVersion::V7_3}) {
    for (const Split &sp : splits) {
      Builder m;
      m.w = sp.w;
      m.strs = "x";
      m.strs += '\0';
      Blob blob = m.build();
      CheckOptions o;
      o.mode = LoaderMode::Module;
      o.kernel = v;
      o.base = base;
      LoaderResult full = check_loader(blob, o);
      o.base_trusted = true;
      LoaderResult trusted = check_loader(blob, o);
      INFO(sp.what << " (" << kfb::kfunc::loader_rules_version(v) << "): " << full.message);
      CHECK(trusted.ok == full.ok);
      CHECK(trusted.err == full.err);
      CHECK(trusted.rule == full.rule);
      CHECK(trusted.type_id == full.type_id);
      CHECK(trusted.kernel_log == full.kernel_log);
      CHECK(trusted.nr_types == full.nr_types);
      o.base_type_cnt = n;  // the count emit's own read of the base found: types walked on demand
      LoaderResult counted = check_loader(blob, o);
      CHECK(counted.ok == full.ok);
      CHECK(counted.kernel_log == full.kernel_log);
      CHECK(counted.type_id == full.type_id);
    }
  }
  CheckOptions vm;
  vm.mode = LoaderMode::Vmlinux;
  CHECK(check_loader(base, vm).ok);

  // A base the full check refuses (an INT of 33 bits in 4 bytes): trusted, it is not looked at,
  // as the kernel does not look at vmlinux again; unreadable as BTF, it still stops the check.
  Builder bad = b;
  bad.w[3] = (1u << 24) | 33;
  Blob bad_base = bad.build();
  Builder m;
  m.w = {0, PTR << 24, i};
  m.strs = std::string(1, '\0');
  CheckOptions o;
  o.mode = LoaderMode::Module;
  o.base = bad_base;
  CHECK_THROWS_WITH(check_loader(m.build(), o), kfbtest::ContainsSubstring("base BTF is not valid"));
  o.base_trusted = true;
  CHECK(check_loader(m.build(), o).ok);
  Blob cut = base;
  wr(cut, 12, rd(cut, 12) - 4);  // type_len ends inside the last type
  wr(cut, 16, rd(cut, 16) - 4);
  cut.erase(cut.begin() + 24 + rd(cut, 12), cut.begin() + 24 + rd(cut, 12) + 4);
  o.base = cut;
  CHECK_THROWS_WITH(check_loader(m.build(), o), kfbtest::ContainsSubstring("base BTF is not valid"));
}

// ---- Linux 7.2 / 7.3 (kernel/bpf/btf.c of linux-source-7.x; the two versions' parse paths
// are the same) ----

namespace {

// one_int() with a 32-byte header and a layout section: [hdr 32][types][strings][layout], or
// [hdr][types][layout][strings]. The strings are NUL-padded to 4 bytes unless `unaligned`.
Blob with_layout(uint32_t layout_len, bool strings_last = false, bool unaligned = false) {
  Blob b = one_int();
  uint32_t tl = rd(b, 12), sl = rd(b, 20);
  Blob types(b.begin() + 24, b.begin() + 24 + tl), strs(b.begin() + 24 + tl, b.end());
  (void)sl;
  if (!unaligned)
    while (strs.size() % 4) strs.push_back(0);
  Blob layout(layout_len, 0);
  Blob out(32, 0);
  memcpy(out.data(), b.data(), 24);
  wr(out, 4, 32);
  out.insert(out.end(), types.begin(), types.end());
  const Blob &second = strings_last ? layout : strs, &third = strings_last ? strs : layout;
  out.insert(out.end(), second.begin(), second.end());
  out.insert(out.end(), third.begin(), third.end());
  uint32_t str_off = strings_last ? tl + layout_len : tl;
  uint32_t layout_off = strings_last ? tl : tl + uint32_t(strs.size());
  wr(out, 16, str_off);
  wr(out, 20, uint32_t(strs.size()));
  wr(out, 24, layout_off);
  wr(out, 28, layout_len);
  return out;
}

}  // namespace

TEST_CASE("7.x: a 32-byte header with a layout section after the strings") {
  for (KernelVersion v : {KernelVersion::V7_2, KernelVersion::V7_3}) {
    accepts(with_layout(20 * 4), v);       // one btf_layout per kind
    accepts(with_layout(0), v);            // no layout: layout_off is not looked at
    accepts(with_layout(8, true), v);      // strings need not be last with a 32-byte header
  }
  // 6.18 has a 24-byte header: bytes 24..31 must be zero.
  rejects(with_layout(80), E2BIG, "Unsupported btf_header");
}

TEST_CASE("7.x: layout section rules, in the kernel's order") {
  rejects(with_layout(2), EINVAL, "Layout section is too small", KernelVersion::V7_3);
  rejects(with_layout(6), EINVAL, "layout_len is not multiple of 4", KernelVersion::V7_3);
  rejects(with_layout(8, false, /*unaligned=*/true), EINVAL, "Unaligned layout_off", KernelVersion::V7_3);
  {
    Blob b = with_layout(8);
    wr(b, 24, rd(b, 24) + 12);  // past the end: btf_check_sec_info sees it first
    rejects(b, EINVAL, "Invalid section offset", KernelVersion::V7_3);
  }
  // vmlinux BTF never reads the layout (btf_parse_base): only its placement counts.
  CHECK(run(with_layout(2), KernelVersion::V7_3, LoaderMode::Vmlinux).ok);
}

TEST_CASE("7.x: 24-bit vlen and 7-bit kind, no Invalid btf_info") {
  // A struct with 70,000 members: vlen 0x11170 uses bits 16-23.
  Builder b;
  b.int_("int", 4, 32);
  std::vector<Builder::M> ms;
  for (uint32_t i = 0; i < 70000; i++) ms.push_back({"", 1, i * 32});
  b.struct_(STRUCT, "big", 70000 * 4, ms);
  Blob big = b.build();
  accepts(big, KernelVersion::V7_3);
  rejects(big, EINVAL, "[2] Invalid btf_info:4011170");  // 6.18
  // Kind 32 (bit 29): 6.18 says Invalid btf_info, 7.x Invalid kind.
  Builder k;
  k.type("", 32, 0, false, 0);
  rejects(k.build(), EINVAL, "[1] Invalid kind:32", KernelVersion::V7_3);
  rejects(k.build(), EINVAL, "[1] Invalid btf_info:20000000");
  // vlen bits on an INT: "vlen != 0" rather than Invalid btf_info.
  Builder i;
  i.type("int", INT, 0x10000, false, 4);
  i.u(32);
  rejects(i.build(), EINVAL, "[1] INT int size=4 bits_offset=0 nr_bits=32 encoding=(none) vlen != 0\n",
          KernelVersion::V7_3);
}

TEST_CASE("7.x: type tags may follow modifiers, the chain length still counts") {
  Builder b;
  b.int_("int", 4, 32);
  b.ref(TYPE_TAG, 1, "tag");
  b.ref(TYPEDEF, 2, "td");
  accepts(b.build(), KernelVersion::V7_3);
  accepts(b.build(), KernelVersion::V7_2);
  Builder c;
  c.int_("int", 4, 32);  // 1
  c.ref(PTR, 20);        // 2
  for (uint32_t id = 3; id <= 40; id++) c.ref(CONST, id < 40 ? id + 1 : 1);
  rejects(c.build(), ELOOP, "Max chain length or cycle detected", KernelVersion::V7_3);
}
