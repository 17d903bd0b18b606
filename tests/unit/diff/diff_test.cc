// lib/diff: exact text for hand-built cases, renumbering invariance, mirror symmetry, and the
// fixtures' pahole BTF against a copy with emit-style additions.
#include "kfb_catch.h"

#include <algorithm>
#include <cstdlib>
#include <numeric>
#include <set>

#include "btf/btf.h"
#include "btf/load.h"
#include "btf/cname.h"
#include "diff/proto.h"
#include "diff/diff.h"
#include "support/file.h"

using kfb::btf::Btf;
using kfb::btf::Kind;
using namespace kfb::diff;

namespace {

std::string text(const Btf &a, const Btf &b, DiffOptions opt = {}) {
  std::string out;
  format_text(diff_btf(a, b, opt), out);
  return out;
}

// int, long, struct foo { int a; int b; }, struct foo *, FUNC bpf_foo(struct foo *p, int n)
// tagged bpf_kfunc, an anonymous union inside struct bar, an enum.
Btf base_btf() {
  Btf b;
  uint32_t i = b.add_int("int", 4, kfb::btf::INT_SIGNED, 32);
  b.add_int("long", 8, kfb::btf::INT_SIGNED, 64);
  kfb::btf::NewMember fm[] = {{"a", i, 0}, {"b", i, 32}};
  uint32_t foo = b.add_struct("foo", 8, fm);
  uint32_t pfoo = b.add_ptr(foo);
  kfb::btf::NewParam ps[] = {{"p", pfoo}, {"n", i}};
  uint32_t proto = b.add_func_proto(i, ps);
  uint32_t f = b.add_func("bpf_foo", kfb::btf::FUNC_GLOBAL, proto);
  b.add_decl_tag("bpf_kfunc", f, -1);
  kfb::btf::NewMember um[] = {{"x", i, 0}, {"y", pfoo, 0}};
  uint32_t u = b.add_union("", 8, um);
  kfb::btf::NewMember bm[] = {{"", u, 0}, {"z", i, 64}};
  b.add_struct("bar", 16, bm);
  kfb::btf::NewEnum ev[] = {{"E_A", 0}, {"E_B", 1}};
  b.add_enum("e", 4, ev);
  return b;
}

// Reorders own types by (name, kind, old id) descending: a pure renumbering.
Btf permuted(const Btf &in) {
  Btf b = in;
  std::vector<uint32_t> order(b.own_type_cnt());
  std::iota(order.begin(), order.end(), b.start_id());
  std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
    auto nx = b.name(x), ny = b.name(y);
    if (nx != ny) return nx > ny;
    return x > y;
  });
  b.permute(order);
  return b;
}

// What `emit` does to a kfunc F with an implicit last parameter: bpf_fastcall and per-arg tags,
// F_impl on the old proto, a trimmed proto for F.
void emit_like(Btf &b, std::string_view fname) {
  uint32_t f = b.find_first(fname, Kind::FUNC);
  REQUIRE(f != 0);
  uint32_t old_proto = b.type(f).type();
  std::vector<kfb::btf::NewParam> ps;
  std::vector<std::string> names;
  auto params = b.type(old_proto).params();
  for (const auto &p : params) names.emplace_back(b.str(p.name_off));
  for (size_t i = 0; i + 1 < params.size(); i++) ps.push_back({names[i], params[i].type});
  uint32_t ret = b.type(old_proto).type();
  b.add_decl_tag("bpf_fastcall", f, -1);
  uint32_t twin = b.add_func(std::string(fname) + "_impl", b.type(f).func_linkage(), old_proto);
  uint32_t trimmed = b.add_func_proto(ret, ps);
  b.set_type(f, trimmed);
  b.add_decl_tag("bpf_kfunc_arg:nullable", f, 0);
  b.add_decl_tag("bpf_kfunc_arg:nullable", twin, 0);
}

std::string mirror(const Line &l) {
  Line m = l;
  if (l.change == Change::Added) {
    m.change = Change::Removed;
    m.old_value = l.new_value;
    m.new_value.clear();
  } else if (l.change == Change::Removed) {
    m.change = Change::Added;
    m.new_value = l.old_value;
    m.old_value.clear();
  } else {
    std::swap(m.old_value, m.new_value);
    if (m.field == "proto trimmed") m.field = "proto extended";
    else if (m.field == "proto extended") m.field = "proto trimmed";
  }
  return line_text(m);
}

// diff(A, B) and diff(B, A) are mirror images: same facts, added <-> removed, old <-> new.
void check_mirror(const Btf &a, const Btf &b) {
  DiffResult ab = diff_btf(a, b, {}), ba = diff_btf(b, a, {});
  std::multiset<std::string> x, y;
  for (const auto *v : {&ab.kfuncs, &ab.types})
    for (const Line &l : *v) x.insert(mirror(l));
  for (const auto *v : {&ba.kfuncs, &ba.types})
    for (const Line &l : *v) y.insert(line_text(l));
  CHECK(x == y);
  CHECK(!x.empty());
  for (unsigned k = 0; k <= kfb::btf::kKindMax; k++) {
    CHECK(ab.kinds[k].added == ba.kinds[k].removed);
    CHECK(ab.kinds[k].removed == ba.kinds[k].added);
    CHECK(ab.kinds[k].changed == ba.kinds[k].changed);
    CHECK(ab.kinds[k].same == ba.kinds[k].same);
  }
}

// Counts per kind add up to both sides' type counts.
void check_counts(const Btf &a, const Btf &b) {
  DiffResult r = diff_btf(a, b, {});
  std::vector<uint32_t> na(kfb::btf::kKindMax + 1), nb(kfb::btf::kKindMax + 1);
  for (uint32_t id = a.start_id(); id < a.type_cnt(); id++) na[a.type(id).kind_raw()]++;
  for (uint32_t id = b.start_id(); id < b.type_cnt(); id++) nb[b.type(id).kind_raw()]++;
  for (unsigned k = 0; k <= kfb::btf::kKindMax; k++) {
    const Counts &c = r.kinds[k];
    CHECK(c.removed + c.changed + c.same == na[k]);
    CHECK(c.added + c.changed + c.same == nb[k]);
  }
}

// A compiled fixture's BTF; null when this build did not configure it.
std::unique_ptr<Btf> fixture(const char *name) {
  std::string path = kfbtest::fixture(name);
  if (path.empty()) return nullptr;
  return std::move(kfb::btf::load(path).btf);
}

}  // namespace

TEST_CASE("identical BTF: no differences, exit verdict same") {
  Btf a = base_btf();
  DiffResult r = diff_btf(a, a, {});
  CHECK(!r.different());
  CHECK(text(a, a) == "no differences\n");
  CHECK(r.kinds[int(Kind::STRUCT)].same == 2);
  CHECK(r.kinds[int(Kind::UNION)].same == 1);
}

TEST_CASE("pure renumbering gives no differences") {
  Btf a = base_btf();
  Btf b = permuted(a);
  REQUIRE(b.name(1) != a.name(1));  // the ids really moved
  CHECK(text(a, b) == "no differences\n");
  CHECK(!diff_btf(a, b, {}).different());
}

TEST_CASE("emit-like additions: exact text, kfunc section first") {
  Btf a = base_btf();
  Btf b = a;
  emit_like(b, "bpf_foo");
  CHECK(text(a, b) ==
        "kfunc bpf_foo: twin bpf_foo_impl: added\n"
        "kfunc bpf_foo: tag bpf_fastcall: added\n"
        "kfunc bpf_foo: tag bpf_kfunc_arg:nullable arg 0 (p): added\n"
        "twin bpf_foo_impl: tag bpf_kfunc_arg:nullable arg 0 (p): added\n"
        "kfunc bpf_foo: proto trimmed: changed: int (struct foo *p, int n) -> int (struct foo *p)\n"
        "FUNC bpf_foo_impl: added: global int bpf_foo_impl(struct foo *p, int n)\n"
        "FUNC_PROTO [int (struct foo *p)]: added\n"
        "DECL_TAG [bpf_fastcall on FUNC bpf_foo]: added\n"
        "DECL_TAG [bpf_kfunc_arg:nullable on FUNC bpf_foo #0]: added\n"
        "DECL_TAG [bpf_kfunc_arg:nullable on FUNC bpf_foo_impl #0]: added\n"
        "FUNC bpf_foo: params: changed: 2 -> 1\n"
        "FUNC bpf_foo: param 1: removed: int n\n");
  DiffResult r = diff_btf(a, b, {});
  CHECK(r.different());
  CHECK(r.kinds[int(Kind::DECL_TAG)].added == 3);
  CHECK(r.kinds[int(Kind::FUNC)].added == 1);
  CHECK(r.kinds[int(Kind::FUNC)].changed == 1);
  CHECK(r.kinds[int(Kind::FUNC_PROTO)].added == 1);
  CHECK(r.kinds[int(Kind::FUNC_PROTO)].same == 1);
  CHECK(r.kfunc_counts.changed == 1);
  // --kfuncs-only keeps the kfunc section only.
  DiffOptions ko;
  ko.kfuncs_only = true;
  CHECK(diff_btf(a, b, ko).types.empty());
  CHECK(diff_btf(a, b, ko).kfuncs.size() == 5);
  check_mirror(a, b);
  check_counts(a, b);
  // Renumbering the new side changes nothing in the output.
  CHECK(text(a, permuted(b)) == text(a, b));
}

TEST_CASE("struct, enum, func and anonymous member changes in C form") {
  Btf a = base_btf();
  Btf b;
  uint32_t i = b.add_int("int", 4, kfb::btf::INT_SIGNED, 32);
  uint32_t l = b.add_int("long", 8, kfb::btf::INT_SIGNED, 64);
  kfb::btf::NewMember fm[] = {{"a", i, 0}, {"b", l, 64}, {"c", i, 128, 3}};
  uint32_t foo = b.add_struct("foo", 24, fm);
  uint32_t pfoo = b.add_ptr(foo);
  kfb::btf::NewParam ps[] = {{"q", pfoo}, {"n", l}};
  uint32_t proto = b.add_func_proto(pfoo, ps);
  uint32_t f = b.add_func("bpf_foo", kfb::btf::FUNC_STATIC, proto);
  b.add_decl_tag("bpf_kfunc", f, -1);
  kfb::btf::NewMember um[] = {{"x", l, 0}, {"y", pfoo, 0}};
  uint32_t u = b.add_union("", 8, um);
  kfb::btf::NewMember bm[] = {{"", u, 0}, {"z", i, 64}};
  b.add_struct("bar", 16, bm);
  kfb::btf::NewEnum ev[] = {{"E_A", 0}, {"E_B", 2}, {"E_C", 3}};
  b.add_enum("e", 4, ev);
  CHECK(text(a, b) ==
        "kfunc bpf_foo: proto: changed: int (struct foo *p, int n) -> struct foo *(struct foo *q, long n)\n"
        "FUNC_PROTO [struct foo *(struct foo *q, long n)]: added\n"
        "FUNC_PROTO [int (struct foo *p, int n)]: removed\n"
        "STRUCT foo: size: changed: 8 -> 24\n"
        "STRUCT foo: member b type: changed: int -> long\n"
        "STRUCT foo: member b offset: changed: 32 -> 64\n"
        "STRUCT foo: member c: added: int c:3 at bit 128\n"
        "UNION [union {...} in struct bar.#0]: member x type: changed: int -> long\n"
        "ENUM e: value E_B: changed: 1 -> 2\n"
        "ENUM e: value E_C: added: 3\n"
        "FUNC bpf_foo: linkage: changed: global -> static\n"
        "FUNC bpf_foo: return type: changed: int -> struct foo *\n"
        "FUNC bpf_foo: param 0 name: changed: p -> q\n"
        "FUNC bpf_foo: param 1 type: changed: int -> long\n");
  check_mirror(a, b);
  check_counts(a, b);
}

TEST_CASE("duplicate same-named structs pair by structure") {
  // Two different `struct dup` in each file (pahole keeps both); only one changed.
  auto make = [](bool change) {
    Btf b;
    uint32_t i = b.add_int("int", 4, kfb::btf::INT_SIGNED, 32);
    uint32_t c = b.add_int("char", 1, kfb::btf::INT_CHAR, 8);
    kfb::btf::NewMember m1[] = {{"a", i, 0}};
    kfb::btf::NewMember m2[] = {{"a", c, 0}, {"b", change ? i : c, 8}};
    if (change) {  // other order and ids, too
      b.add_struct("dup", 4, m2);
      b.add_struct("dup", 4, m1);
    } else {
      b.add_struct("dup", 4, m1);
      b.add_struct("dup", 4, m2);
    }
    return b;
  };
  Btf a = make(false), b = make(true);
  CHECK(text(a, b) == "STRUCT dup: member b type: changed: char -> int\n");
  check_mirror(a, b);
}

TEST_CASE("C spelling of BTF types") {
  Btf b;
  uint32_t c = b.add_int("char", 1, kfb::btf::INT_CHAR | kfb::btf::INT_SIGNED, 8);
  uint32_t i = b.add_int("int", 4, kfb::btf::INT_SIGNED, 32);
  uint32_t cc = b.add_const(c);
  uint32_t pcc = b.add_ptr(cc);
  uint32_t pc = b.add_ptr(c);
  uint32_t cpc = b.add_const(pc);
  uint32_t arr = b.add_array(c, i, 16);
  uint32_t parr = b.add_ptr(arr);
  kfb::btf::NewParam ps[] = {{"", pc}, {"", i}};
  uint32_t fp = b.add_func_proto(i, ps);
  uint32_t pfp = b.add_ptr(fp);
  kfb::btf::NewParam none[] = {{"", 0}};
  uint32_t var = b.add_func_proto(i, std::span<const kfb::btf::NewParam>(none, 0));
  CHECK(c_type(b, pcc) == "const char *");
  CHECK(c_type(b, cpc) == "char * const");
  CHECK(c_type(b, arr) == "char [16]");
  CHECK(c_decl(b, arr, "comm") == "char comm[16]");
  CHECK(c_type(b, parr) == "char (*)[16]");
  CHECK(c_type(b, pfp) == "int (*)(char *, int)");
  CHECK(c_decl(b, pfp, "cb") == "int (*cb)(char *, int)");
  CHECK(c_type(b, var) == "int (void)");
  CHECK(c_type(b, 0) == "void");
  CHECK(normalize_c_type("  const char  * ") == "const char*");
  CHECK(normalize_c_type("int (*) (void *, int)") == "int(*)(void*,int)");
  // gcc's BTF spells base types the DWARF way; the C spelling of the prototype does not.
  CHECK(normalize_c_type("long unsigned int *") == "unsigned long*");
  CHECK(normalize_c_type("const short unsigned int *") == "const unsigned short*");
  CHECK(normalize_c_type("long long int (*)(long int, char)") == "long long(*)(long,char)");
  CHECK(normalize_c_type("unsigned") == "unsigned int");
  CHECK(normalize_c_type("struct long_list *") == "struct long_list*");  // words, not keywords
  CHECK(normalize_c_type("signed char") == "signed char");
}

TEST_CASE("CWriter appends the spellings the functions return, through tags and cycles") {
  Btf b;
  uint32_t c = b.add_int("char", 1, kfb::btf::INT_CHAR | kfb::btf::INT_SIGNED, 8);
  uint32_t i = b.add_int("int", 4, kfb::btf::INT_SIGNED, 32);
  uint32_t pc = b.add_ptr(c);
  uint32_t tag = b.add_type_tag("rcu", pc);
  uint32_t vtag = b.add_volatile(tag);  // qualifiers on a pointer follow the star, outermost last
  kfb::btf::NewParam ps[] = {{"p", vtag}, {"", 0}};
  uint32_t fp = b.add_func_proto(i, ps);
  uint32_t pfp = b.add_ptr(fp);
  uint32_t arr = b.add_array(pfp, i, 4);
  uint32_t f = b.add_func("f", kfb::btf::FUNC_GLOBAL, fp);
  uint32_t loop = b.add_ptr(0);  // PTR -> CONST -> itself
  b.set_type(loop, b.add_const(loop));

  kfb::btf::CWriter w(b);
  std::string out = "x: ";
  w.decl(out, arr, "handlers");
  out += " | ";
  w.type(out, f);
  out += " | ";
  w.proto(out, fp, true);
  out += " | ";
  w.proto(out, fp, false);
  CHECK(out ==
        "x: int (*handlers[4])(char * __tag(rcu) volatile, ...)"
        " | int f(char * __tag(rcu) volatile p, ...)"
        " | int (char * __tag(rcu) volatile p, ...) | int (char * __tag(rcu) volatile, ...)");
  CHECK(c_decl(b, arr, "handlers") == "int (*handlers[4])(char * __tag(rcu) volatile, ...)");
  CHECK(c_proto(b, fp, true) == "int (char * __tag(rcu) volatile p, ...)");
  kfb::btf::Spell no_tags;
  no_tags.type_tags = false;
  CHECK(c_type(b, vtag, no_tags) == "char * volatile");
  std::string cyc = c_type(b, loop);
  CHECK(cyc.starts_with("<cycle> * const * const"));
  CHECK(cyc.ends_with("* const *"));
  std::string again;
  w.type(again, loop);  // the writer is reusable after a cut-off walk
  w.decl(again, pc, "s");
  CHECK(again == cyc + "char *s");
}

TEST_CASE("fixtures: pahole BTF against emit-like additions lists exactly those") {
  int checked = 0;
  for (const char *name : {"clang-dwarf5.btf", "gcc-dwarf4.btf", "clang-powerpc64-dwarf5.btf"}) {
    std::unique_ptr<Btf> a = fixture(name);
    if (!a) continue;
    checked++;
    INFO(name);
    CHECK(text(*a, *a) == "no differences\n");
    Btf p = permuted(*a);
    CHECK(text(*a, p) == "no differences\n");
    Btf b = *a;
    uint32_t before = b.type_cnt();
    emit_like(b, "bpf_wq_set_callback");
    DiffResult r = diff_btf(*a, b, {});
    uint32_t added = 0, changed = 0, removed = 0;
    for (const Counts &c : r.kinds) added += c.added, changed += c.changed, removed += c.removed;
    CHECK(added == b.type_cnt() - before);
    CHECK(removed == 0);
    CHECK(changed == 1);  // the kfunc's FUNC, repointed at the trimmed proto
    check_mirror(*a, b);
    check_counts(*a, b);
    CHECK(text(p, b) == text(*a, b));
  }
  if (!checked) KFB_SKIP("no fixture .btf configured (no compiler or pahole)");
}

TEST_CASE("streaming form gives the same lines in the same order") {
  Btf a = base_btf();
  Btf b = a;
  emit_like(b, "bpf_foo");
  std::unique_ptr<Btf> fa = fixture("clang-dwarf5.btf");
  std::vector<std::pair<const Btf *, const Btf *>> pairs = {{&a, &b}, {&b, &a}};
  Btf fb;
  if (fa) {
    fb = *fa;
    emit_like(fb, "bpf_wq_set_callback");
    pairs.push_back({fa.get(), &fb});
  }
  for (auto [x, y] : pairs) {
    DiffResult whole = diff_btf(*x, *y, {});
    std::vector<std::string> streamed;
    size_t kfunc_lines = 0;
    DiffResult r = diff_btf(*x, *y, {}, [&](const Line &l, bool kf) {
      streamed.push_back(line_text(l));
      if (kf) kfunc_lines++;
    });
    std::vector<std::string> expect;
    for (const auto *v : {&whole.kfuncs, &whole.types})
      for (const Line &l : *v) expect.push_back(line_text(l));
    CHECK(streamed == expect);
    CHECK(kfunc_lines == whole.kfuncs.size());
    CHECK(r.types.empty());
    CHECK(r.different() == whole.different());
  }
}
