// lib/btf: reader, writer, builder, indexes, sources.
#include "kfb_catch.h"
#include <dirent.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "btf/btf.h"
#include "btf/load.h"
#include "support/endian.h"
#include "support/error.h"
#include "support/file.h"

using namespace kfb::btf;
using kfb::strfmt;

namespace {

// Little helpers to lay out a blob by hand, so the reader is tested against bytes we wrote
// ourselves, not against our own writer.
struct Blob {
  bool be = false;
  std::vector<uint8_t> types, strs{0};
  void u32(uint32_t v) {
    for (int i = 0; i < 4; i++) types.push_back(static_cast<uint8_t>(be ? v >> (24 - 8 * i) : v >> (8 * i)));
  }
  uint32_t str(const char *s) {
    uint32_t off = static_cast<uint32_t>(strs.size());
    strs.insert(strs.end(), s, s + strlen(s) + 1);
    return off;
  }
  void head(uint32_t name, Kind k, uint32_t vlen, bool kflag, uint32_t st) {
    u32(name);
    u32((kflag ? 1u << 31 : 0) | uint32_t(k) << 24 | vlen);
    u32(st);
  }
  std::vector<uint8_t> layout;  // 7.x: with it (or layout_hdr), a 32-byte header
  bool layout_hdr = false;
  std::vector<uint8_t> bytes() const {
    bool l = layout_hdr || !layout.empty();
    std::vector<uint8_t> out;
    auto put = [&](uint32_t v) {
      for (int i = 0; i < 4; i++) out.push_back(static_cast<uint8_t>(be ? v >> (24 - 8 * i) : v >> (8 * i)));
    };
    if (be) out = {0xeb, 0x9f, 1, 0};
    else out = {0x9f, 0xeb, 1, 0};
    uint32_t tl = static_cast<uint32_t>(types.size()), ll = static_cast<uint32_t>(layout.size());
    put(l ? 32 : 24);
    put(0);
    put(tl);
    put(tl + ll);  // types, layout, strings: the order libbpf writes
    put(static_cast<uint32_t>(strs.size()));
    if (l) put(ll ? tl : 0), put(ll);
    out.insert(out.end(), types.begin(), types.end());
    out.insert(out.end(), layout.begin(), layout.end());
    out.insert(out.end(), strs.begin(), strs.end());
    return out;
  }
};

// int, struct foo { int a; int b:3; }, const ptr, func proto, func, decl tag, enum, enum64.
Blob sample(bool be) {
  Blob b;
  b.be = be;
  b.head(b.str("int"), Kind::INT, 0, false, 4);  // [1]
  b.u32(1u << 24 | 32);
  uint32_t foo = b.str("foo"), a = b.str("a"), bb = b.str("b");
  b.head(foo, Kind::STRUCT, 2, true, 8);  // [2]
  b.u32(a), b.u32(1), b.u32(0);
  b.u32(bb), b.u32(1), b.u32(3u << 24 | 32);
  b.head(0, Kind::PTR, 0, false, 2);  // [3]
  b.head(0, Kind::FUNC_PROTO, 1, false, 1);  // [4]
  b.u32(b.str("p")), b.u32(3);
  b.head(b.str("f"), Kind::FUNC, 1, false, 4);  // [5]
  b.head(b.str("bpf_kfunc"), Kind::DECL_TAG, 0, false, 5);  // [6]
  b.u32(0xffffffff);
  b.head(b.str("e"), Kind::ENUM, 1, true, 4);  // [7]
  b.u32(b.str("E_NEG")), b.u32(static_cast<uint32_t>(-5));
  b.head(b.str("e64"), Kind::ENUM64, 1, false, 8);  // [8]
  b.u32(b.str("BIG")), b.u32(1), b.u32(0x80000000);
  return b;
}

void check_sample(const Btf &btf) {
  REQUIRE(btf.type_cnt() == 9);
  REQUIRE(btf.start_id() == 1);
  CHECK(btf.type(1).kind() == Kind::INT);
  CHECK(btf.type(1).int_bits() == 32);
  CHECK(btf.type(1).int_encoding() == INT_SIGNED);
  Type s = btf.type(2);
  CHECK(s.name() == "foo");
  CHECK(s.kflag());
  REQUIRE(s.members().size() == 2);
  CHECK(btf.str(s.members()[1].name_off) == "b");
  CHECK(s.members()[1].bit_offset(s.kflag()) == 32);
  CHECK(s.members()[1].bitfield_size(s.kflag()) == 3);
  CHECK(btf.type(4).params()[0].type == 3);
  CHECK(btf.type(5).func_linkage() == FUNC_GLOBAL);
  CHECK(btf.type(6).component_idx() == -1);
  CHECK(btf.type(7).enums()[0].sval() == -5);
  CHECK(btf.type(8).enum64s()[0].val() == 0x8000000000000001ull);
  CHECK(btf.type(0).kind() == Kind::UNKN);
  CHECK(btf.find_first("foo", Kind::STRUCT) == 2);
  CHECK(btf.find_first("foo", Kind::UNION) == 0);
  CHECK(btf.decl_tags_of(5) == std::vector<uint32_t>{6});
}

std::string error_of(std::span<const uint8_t> bytes, const Btf *base = nullptr) {
  try {
    Btf::parse(bytes, "t.btf", base);
  } catch (const kfb::Error &e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("kind names are bpftool's") {
  CHECK(std::string(kind_name(Kind::FUNC_PROTO)) == "FUNC_PROTO");
  CHECK(std::string(kind_name(Kind::ENUM64)) == "ENUM64");
  CHECK(std::string(kind_name(Kind::DECL_TAG)) == "DECL_TAG");
  CHECK(std::string(kind_name(20u)) == "UNKNOWN");
}

TEST_CASE("parse a hand-made little-endian blob and write it back identically") {
  auto bytes = sample(false).bytes();
  Btf btf = Btf::parse(bytes, "t.btf");
  CHECK_FALSE(btf.big_endian());
  check_sample(btf);
  CHECK(btf.write() == bytes);
  CHECK(btf.type_offset(1) == 24);
  CHECK(btf.type_offset(2) == 24 + 16);
  CHECK(btf.type_offset(3) == 24 + 16 + 12 + 24);
  CHECK_THROWS(btf.type_offset(9));
}

TEST_CASE("parse a hand-made big-endian blob, output keeps big-endian") {
  auto bytes = sample(true).bytes();
  Btf btf = Btf::parse(bytes, "t.btf");
  CHECK(btf.big_endian());
  check_sample(btf);
  CHECK(btf.write() == bytes);
}

TEST_CASE("builder output equals the hand-made blob, both byte orders") {
  for (bool be : {false, true}) {
    Btf b(be);
    CHECK(b.add_int("int", 4, INT_SIGNED, 32) == 1);
    NewMember ms[] = {{"a", 1, 0}, {"b", 1, 32, 3}};
    CHECK(b.add_struct("foo", 8, ms) == 2);
    CHECK(b.add_ptr(2) == 3);
    NewParam ps[] = {{"p", 3}};
    CHECK(b.add_func_proto(1, ps) == 4);
    CHECK(b.add_func("f", FUNC_GLOBAL, 4) == 5);
    CHECK(b.add_decl_tag("bpf_kfunc", 5, -1) == 6);
    NewEnum es[] = {{"E_NEG", -5}};
    CHECK(b.add_enum("e", 4, es, true) == 7);
    NewEnum es64[] = {{"BIG", static_cast<int64_t>(0x8000000000000001ull)}};
    CHECK(b.add_enum64("e64", 8, es64) == 8);
    CHECK(b.write() == sample(be).bytes());
  }
}

TEST_CASE("a BTF with no strings at all gets \"\" at offset 0 before its first string") {
  // Found by fuzz_btf: the output began "x\0", which a reader takes for split BTF.
  for (bool be : {false, true}) {
    std::vector<uint8_t> hdr(24, 0);
    kfb::store<uint16_t>(hdr.data(), 0xeb9f, be);
    hdr[2] = 1;
    kfb::store<uint32_t>(hdr.data() + 4, 24, be);
    Btf btf = Btf::parse(hdr, "t.btf");
    CHECK(btf.str_len() == 0);
    CHECK(btf.add_str("x") == 1);
    CHECK(btf.add_str("") == 0);
    std::vector<uint8_t> out = btf.write();
    Btf again = Btf::parse(out, "again");
    CHECK(again.str(1) == "x");
    CHECK(again.str_len() == 3);
  }
}

TEST_CASE("add_str deduplicates against existing and base strings") {
  auto bytes = sample(false).bytes();
  Btf btf = Btf::parse(bytes, "t.btf");
  CHECK(btf.add_str("foo") == 5);  // "\0int\0foo"
  CHECK(btf.add_str("") == 0);
  uint32_t n = btf.add_str("new_name");
  CHECK(n == btf.str_len() - 9);
  CHECK(btf.add_str("new_name") == n);
  CHECK(btf.str(n) == "new_name");
  Btf split = Btf::new_split(btf);
  CHECK(split.add_str("foo") == 5);
  uint32_t s = split.add_str("only_split");
  CHECK(s == btf.str_len());
  CHECK(split.str(s) == "only_split");
  CHECK(split.add_str("only_split") == s);
}

TEST_CASE("indexes follow additions") {
  Btf btf = Btf::parse(sample(false).bytes(), "t.btf");
  CHECK(btf.find("f", Kind::FUNC) == std::vector<uint32_t>{5});
  CHECK(btf.decl_tags_of(5) == std::vector<uint32_t>{6});
  uint32_t f2 = btf.add_func("f", FUNC_STATIC, 4);
  uint32_t t2 = btf.add_decl_tag("bpf_fastcall", 5, -1);
  CHECK(btf.find("f", Kind::FUNC) == std::vector<uint32_t>{5, f2});
  CHECK(btf.decl_tags_of(5) == std::vector<uint32_t>{6, t2});
  for (int i = 0; i < 1000; i++) btf.add_typedef("td" + std::to_string(i), 1);
  CHECK(btf.find_first("td999", Kind::TYPEDEF) == btf.type_cnt() - 1);
  CHECK(btf.find_first("td0", Kind::TYPEDEF) == t2 + 1);
}

TEST_CASE("split BTF: ids and strings continue the base's") {
  Btf base = Btf::parse(sample(false).bytes(), "base.btf");
  Btf split = Btf::new_split(base);
  CHECK(split.start_id() == 9);
  NewParam ps[] = {{"x", 1}};
  uint32_t proto = split.add_func_proto(1, ps);
  uint32_t fn = split.add_func("mod_fn", FUNC_GLOBAL, proto);
  split.add_decl_tag("bpf_kfunc", fn, -1);
  split.add_decl_tag("bpf_kfunc", 5, -1);  // a tag on a base type
  auto bytes = split.write();
  Btf again = Btf::parse(bytes, "mod.btf", &base);
  CHECK(again.start_id() == 9);
  CHECK(again.type_cnt() == 13);
  CHECK(again.type(fn).name() == "mod_fn");
  CHECK(again.type(2).name() == "foo");  // delegated to base
  CHECK(again.str(again.type(proto).params()[0].name_off) == "x");
  CHECK(again.decl_tags_of(5) == std::vector<uint32_t>{6, 12});
  CHECK(again.find("f", Kind::FUNC) == std::vector<uint32_t>{5});
  CHECK(again.write() == bytes);
  // Without base: refused with the hint.
  CHECK(error_of(bytes) ==
        "t.btf+0x58: split BTF needs its base: use -B/--base-btf (the string section does not "
        "start with an empty string)");
  // Base of the other byte order.
  Btf be_base = Btf::parse(sample(true).bytes(), "be.btf");
  CHECK(error_of(bytes, &be_base) ==
        "t.btf+0x0: byte order (little-endian) differs from its base BTF's (big-endian, be.btf)");
}

TEST_CASE("set_type and set_name_off keep every index right (each rebuilds only its own)") {
  Btf btf = Btf::parse(sample(false).bytes(), "t.btf");
  // Build the name, tag and string indexes first.
  REQUIRE(btf.find_first("f", Kind::FUNC) == 5);
  REQUIRE(btf.decl_tags_of(5) == std::vector<uint32_t>{6});
  REQUIRE(btf.find_str("foo") >= 0);
  // A DECL_TAG moved from FUNC f to STRUCT foo: the tag index follows, the others still answer.
  btf.set_type(6, 2);
  CHECK(btf.decl_tags_of(5).empty());
  CHECK(btf.decl_tags_of(2) == std::vector<uint32_t>{6});
  CHECK(btf.find_first("f", Kind::FUNC) == 5);
  // A non-tag reference change leaves the tag index as it is.
  btf.set_type(5, 4);
  CHECK(btf.decl_tags_of(2) == std::vector<uint32_t>{6});
  // A rename: the name index follows; strings and tags stay valid.
  btf.set_name_off(5, btf.type(2).name_off());
  CHECK(btf.find("f", Kind::FUNC).empty());
  CHECK(btf.find_first("foo", Kind::FUNC) == 5);
  CHECK(btf.find_first("foo", Kind::STRUCT) == 2);
  CHECK(btf.find_str("foo") == btf.type(2).name_off());
  CHECK(btf.decl_tags_of(2) == std::vector<uint32_t>{6});
}

TEST_CASE("set_type, for_each_type_ref and permute") {
  Btf btf = Btf::parse(sample(false).bytes(), "t.btf");
  NewParam none[] = {};
  uint32_t p2 = btf.add_func_proto(1, std::span<const NewParam>(none, 0));
  btf.set_type(5, p2);
  CHECK(btf.type(5).type() == p2);
  CHECK_THROWS_WITH(btf.set_type(0, 1), kfbtest::ContainsSubstring("not one of this BTF's own types"));
  // Reverse all types: every reference follows.
  std::vector<uint32_t> order;
  for (uint32_t id = btf.type_cnt() - 1; id >= 1; id--) order.push_back(id);
  btf.permute(order);
  uint32_t n = btf.type_cnt();
  auto nid = [&](uint32_t old) { return n - old; };
  CHECK(btf.type(nid(2)).name() == "foo");
  CHECK(btf.type(nid(2)).members()[0].type == nid(1));
  CHECK(btf.type(nid(3)).type() == nid(2));
  CHECK(btf.type(nid(5)).type() == nid(p2));
  CHECK(btf.find_first("f", Kind::FUNC) == nid(5));
  CHECK(btf.decl_tags_of(nid(5)) == std::vector<uint32_t>{nid(6)});
  Btf again = Btf::parse(btf.write(), "t2.btf");
  CHECK(again.write() == btf.write());
}

TEST_CASE("the id space is limited to 0xfffff") {
  Btf btf;
  for (uint32_t i = 1; i <= kMaxTypeId; i++) btf.add_ptr(0);
  CHECK(btf.type_cnt() == kMaxTypeId + 1);
  CHECK_THROWS_WITH(btf.add_ptr(0),
                    "(new BTF): BTF type id space is full: cannot add a type past id 0xfffff (1048575)");
}

TEST_CASE("exact errors for truncated and garbage input") {
  auto good = sample(false).bytes();
  std::vector<uint8_t> empty;
  CHECK(error_of(empty) == "t.btf+0x0: not BTF: 0 bytes, too short for a header");
  std::vector<uint8_t> garbage = {'h', 'e', 'l', 'l', 'o'};
  CHECK(error_of(garbage) == "t.btf+0x0: not BTF: bad magic 0x6865 (want 0xeb9f in either byte order)");
  CHECK(error_of(std::span(good).first(10)) == "t.btf+0x0: truncated header: 10 bytes, need 24");
  auto bad = good;
  bad[4] = 0xff;  // hdr_len 255
  CHECK(error_of(bad) == "t.btf+0x4: header length 255 past the end (size " +
                             std::to_string(good.size()) + ")");
  bad = good;
  bad[4] = 8;
  CHECK(error_of(bad) == "t.btf+0x4: header length 8 is less than 24");
  // Cut the file inside the struct's member list: the header still claims the full length.
  auto cut = good;
  cut[20] = 0, cut[21] = 0;  // str_len 0 -> strings empty, names out of range
  CHECK(error_of(cut) == "t.btf+0x18: [1] INT: name offset 0x1 out of range (strings end at 0x0)");
  // type_len shortened so the struct's members are cut.
  Blob b = sample(false);
  auto bytes = b.bytes();
  uint32_t type_len = 16 + 12 + 12;  // int + struct head + one member
  std::memcpy(bytes.data() + 12, &type_len, 4);
  CHECK(error_of(bytes) == "t.btf+0x34: [2] STRUCT 'foo': truncated member list: need 24 bytes, 12 left");
  type_len = 16 + 5;
  std::memcpy(bytes.data() + 12, &type_len, 4);
  CHECK(error_of(bytes) == "t.btf+0x28: [2] truncated type record: 5 bytes left, need 12");
  // Unknown kind.
  bytes = good;
  bytes[24 + 7] = 25;  // kind byte of [1]
  CHECK(error_of(bytes) == "t.btf+0x18: [1] unknown kind 25 (no layout section to skip it by)");
  // Section past the end.
  bytes = good;
  bytes[16] = 0xf0;
  CHECK(error_of(bytes).find("t.btf+0x10: string section [0x") == 0);
}

TEST_CASE("raw files and ELF .BTF sections load the same") {
  std::string obj = kfbtest::fixture("gcc-dwarf5.o"), raw = kfbtest::fixture("gcc-dwarf5.btf");
  if (obj.empty() || raw.empty()) KFB_SKIP("fixtures gcc-dwarf5.{o,btf} not configured (no gcc or pahole)");
  Loaded a = load(obj), b = load(raw);
  CHECK(a.from_elf);
  CHECK_FALSE(b.from_elf);
  CHECK(a.btf->write() == b.btf->write());
}

TEST_CASE("round trip is byte-identical on the running kernel's BTF") {
  if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) KFB_SKIP("/sys/kernel/btf/vmlinux not readable");
  auto vf = kfb::MappedFile::open("/sys/kernel/btf/vmlinux");
  Btf vmlinux = Btf::parse(vf.data(), "/sys/kernel/btf/vmlinux");
  CHECK(vmlinux.type_cnt() > 1000);
  auto out = vmlinux.write();
  CHECK(out.size() == vf.size());
  CHECK(std::equal(out.begin(), out.end(), vf.data().begin(), vf.data().end()));
  // Every module with vmlinux as base.
  DIR *d = opendir("/sys/kernel/btf");
  REQUIRE(d);
  int modules = 0;
  while (dirent *e = readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == ".." || n == "vmlinux") continue;
    auto mf = kfb::MappedFile::open("/sys/kernel/btf/" + n);
    Btf m = Btf::parse(mf.data(), n, &vmlinux);
    auto mo = m.write();
    INFO(n);
    CHECK(std::equal(mo.begin(), mo.end(), mf.data().begin(), mf.data().end()));
    modules++;
  }
  closedir(d);
  WARN("modules checked: " << modules);
}

// ---- the 2026 format (7.1+: 32-byte header and layout section; 7.2+: 24-bit vlen, 7-bit kind)

namespace {

// The layout entries of every kind this reader knows (UNKN..ENUM64), as pahole writes them,
// then `extra` entries for kinds 20 and up.
std::vector<uint8_t> known_layout(std::vector<std::array<uint8_t, 2>> extra = {}) {
  std::vector<uint8_t> l;
  for (unsigned k = 0; k <= kKindMax; k++) {
    int fixed = payload_words(k, 0), per = payload_words(k, 1) - fixed;
    l.push_back(static_cast<uint8_t>(4 * fixed));
    l.push_back(static_cast<uint8_t>(4 * per));
    l.push_back(0), l.push_back(0);
  }
  for (auto &e : extra) l.push_back(e[0]), l.push_back(e[1]), l.push_back(0), l.push_back(0);
  return l;
}

}  // namespace

TEST_CASE("2026 format: a 32-byte header and its layout section round-trip byte for byte") {
  for (bool be : {false, true}) {
    Blob b = sample(be);
    b.layout = known_layout();
    auto bytes = b.bytes();
    Btf btf = Btf::parse(bytes, "t.btf");
    check_sample(btf);
    CHECK(btf.layout().size() == 80);
    CHECK(btf.write() == bytes);
    // A 32-byte header without a layout section, too.
    Blob n = sample(be);
    n.layout_hdr = true;
    CHECK(Btf::parse(n.bytes(), "t.btf").write() == n.bytes());
  }
}

TEST_CASE("2026 format: a struct of 70,000 members (24-bit vlen)") {
  Blob b;
  b.head(b.str("int"), Kind::INT, 0, false, 4);
  b.u32(1u << 24 | 32);
  b.head(b.str("big"), Kind::STRUCT, 70000, false, 70000 * 4);
  for (uint32_t i = 0; i < 70000; i++) b.u32(0), b.u32(1), b.u32(i * 32);
  auto bytes = b.bytes();
  Btf btf = Btf::parse(bytes, "t.btf");
  CHECK(btf.type(2).vlen() == 70000);
  CHECK(btf.type(2).members().size() == 70000);
  CHECK(btf.type(2).members()[69999].offset == 69999 * 32);
  CHECK(btf.write() == bytes);
  // The builder makes one too.
  Btf made;
  uint32_t i = made.add_int("int", 4, INT_SIGNED, 32);
  std::vector<NewMember> ms;
  for (uint32_t k = 0; k < 70000; k++) ms.push_back({"", i, k * 32});
  CHECK(made.type(made.add_struct("big", 70000 * 4, ms)).vlen() == 70000);
}

TEST_CASE("2026 format: a kind this reader does not know is skipped by its layout entry and kept") {
  Blob b = sample(false);
  // kind 20 (say, a location kind): after the 12-byte head, 4 bytes + 8 per vlen entry; vlen 2.
  b.head(b.str("loc"), static_cast<Kind>(20), 2, false, 1);  // [9]
  b.u32(7), b.u32(1), b.u32(2), b.u32(3), b.u32(4);
  b.head(0, Kind::PTR, 0, false, 9);  // [10] after it: the reader found the right boundary
  b.layout = known_layout({{4, 8}});
  auto bytes = b.bytes();
  Btf btf = Btf::parse(bytes, "t.btf");
  REQUIRE(btf.type_cnt() == 11);
  CHECK(btf.type(9).kind_raw() == 20);
  CHECK(btf.type(9).name() == "loc");
  CHECK(btf.type(9).payload().size() == 5);
  CHECK(btf.type(10).is_ptr());
  CHECK(btf.type(10).type() == 9);
  CHECK(btf.write() == bytes);  // kept byte for byte
  // Without a layout entry for it: an error naming the type id and offset.
  Blob c = sample(false);
  c.head(0, static_cast<Kind>(21), 0, false, 0);
  c.layout = known_layout({{4, 8}});
  size_t at = 32 + c.types.size() - 12;
  CHECK(error_of(c.bytes()) == strfmt("t.btf+0x%zx: [9] unknown kind 21 and no layout entry for it", at));
}

TEST_CASE("2026 format: a layout section that lies is an error, never a wild read") {
  {  // about a kind we know: INT said to be 8 + 0
    Blob b = sample(false);
    b.layout = known_layout();
    b.layout[4 * 1] = 8;
    size_t at = 32 + b.types.size() + 4;
    CHECK(error_of(b.bytes()) ==
          strfmt("t.btf+0x%zx: layout entry for kind 1 (INT) says 8 + 0 per vlen bytes after the head; INT has 4 + 0", at));
  }
  {  // about an unknown kind: bigger than what is left
    Blob b = sample(false);
    b.head(b.str("loc"), static_cast<Kind>(20), 0xffffff, false, 0);  // 16M entries of 252 bytes
    b.layout = known_layout({{12, 252}});
    size_t at = 32 + b.types.size() - 12;
    std::string e = error_of(b.bytes());
    CHECK(e.starts_with(strfmt("t.btf+0x%zx: [9] UNKNOWN 'loc': truncated ", at + 12)));
  }
  {  // not a whole number of words
    Blob b = sample(false);
    b.head(0, static_cast<Kind>(20), 1, false, 0);
    b.layout = known_layout({{12, 3}});
    size_t at = 32 + b.types.size() - 12;
    CHECK(error_of(b.bytes()) ==
          strfmt("t.btf+0x%zx: [9] kind 20: its layout entry gives 12 + 3 * 1 bytes, not a whole number of words", at));
  }
  {  // layout past the end; layout_len not a multiple of 4
    Blob b = sample(false);
    b.layout = known_layout();
    auto bytes = b.bytes();
    uint32_t big = 0x1000;
    std::memcpy(bytes.data() + 28, &big, 4);
    CHECK(error_of(bytes).starts_with("t.btf+0x18: layout section [0x"));
    uint32_t odd = 6;
    std::memcpy(bytes.data() + 28, &odd, 4);
    CHECK(error_of(bytes) == "t.btf+0x1c: layout section of 6 bytes is not a whole number of 4-byte entries");
  }
}

TEST_CASE("parse_deferred: a base read for its split, its types parsed on first use") {
  for (bool be : {false, true}) {
    std::vector<uint8_t> bytes = sample(be).bytes();
    Btf eager = Btf::parse(bytes, "t.btf");
    Btf base = Btf::parse_deferred(bytes, "t.btf");
    // What a split's parse asks before any type is looked at: the counts and the strings.
    CHECK(base.type_cnt() == 9);
    CHECK(base.own_type_cnt() == 8);
    CHECK(base.str_len() == eager.str_len());
    CHECK(base.strings() == eager.strings());
    CHECK(base.str(1) == "int");
    CHECK(base.valid_str(eager.str_len() - 1));
    CHECK_FALSE(base.valid_str(eager.str_len()));
    // A split on it reads the same as on the eager base.
    Blob sp;
    sp.be = be;
    sp.head(0, Kind::PTR, 0, false, 2);                // [9] -> struct foo
    sp.head(1, Kind::TYPEDEF, 0, false, 9);            // [10] 'int' (a base string)
    Btf split = Btf::parse(sp.bytes(), "m.btf", &base), split2 = Btf::parse(sp.bytes(), "m.btf", &eager);
    CHECK(split.start_id() == 9);
    CHECK(split.type(10).name() == "int");
    CHECK(split.write() == split2.write());
    // The first look at a type reads them all: the same model as parse(); in the host's byte
    // order in place (the record is the input's), in the other one parsed.
    check_sample(base);
    const auto *rec = reinterpret_cast<const uint8_t *>(&base.type(2).raw());
    CHECK((rec >= bytes.data() && rec < bytes.data() + bytes.size()) == !be);
    CHECK(base.write() == bytes);
    CHECK(base.type_offset(2) == eager.type_offset(2));
    // A copy and a mutation own their types.
    Btf copy = Btf::parse_deferred(bytes, "t.btf");
    Btf c2 = copy;
    check_sample(c2);
    uint32_t id = copy.add_int("x", 4, 0, 32);
    CHECK(id == 9);
    CHECK(copy.type_cnt() == 10);
    CHECK(copy.type(9).name() == "x");
  }
  // for_each_head and str_c see what type() and str() see: parsed, in place, and from a split.
  for (bool be : {false, true}) {
    std::vector<uint8_t> bytes = sample(be).bytes();
    Btf eager = Btf::parse(bytes, "t.btf"), lazy = Btf::parse_deferred(bytes, "t.btf");
    for (const Btf *b : {&eager, &lazy}) {
      std::vector<uint32_t> seen;
      b->for_each_head([&](uint32_t id, const RawType &h) {
        Type t = b->type(id);
        CHECK(h.name_off == t.name_off());
        CHECK(h.info == t.info());
        CHECK(h.size_or_type == t.raw().size_or_type);
        CHECK(std::string_view(b->str_c(h.name_off)) == t.name());
        CHECK(std::string_view(t.name_c()) == t.name());
        seen.push_back(id);
      });
      CHECK(seen == std::vector<uint32_t>{1, 2, 3, 4, 5, 6, 7, 8});
    }
    Blob sp;
    sp.be = be;
    sp.head(1, Kind::TYPEDEF, 0, false, 1);  // [9] 'int' (a base string)
    Btf split = Btf::parse(sp.bytes(), "m.btf", &lazy);
    std::vector<uint32_t> seen;
    split.for_each_head([&](uint32_t id, const RawType &h) {
      seen.push_back(id);
      CHECK(std::string_view(split.str_c(h.name_off)) == "int");
    });
    CHECK(seen == std::vector<uint32_t>{9});
    CHECK(std::string_view(split.str_c(0)) == "");
    CHECK_THROWS_WITH(split.str_c(0xffff), kfbtest::ContainsSubstring("string offset 0xffff out of range"));
  }
  // Input the count cannot walk is parsed at once, with parse()'s message...
  std::vector<uint8_t> cut = sample(false).bytes();
  cut.resize(cut.size() - 3);
  CHECK_THROWS_WITH(Btf::parse_deferred(cut, "t.btf"), kfbtest::ContainsSubstring("t.btf"));
  // ...and what only the full parse sees (a name past the strings) is said on first use.
  Blob bad = sample(false);
  bad.types[0] = 0xff;  // [1] INT's name offset
  std::vector<uint8_t> bb = bad.bytes();
  Btf late = Btf::parse_deferred(bb, "t.btf");
  CHECK(late.type_cnt() == 9);
  CHECK_THROWS_WITH(late.type(1), kfbtest::ContainsSubstring("name offset 0xff out of range"));
  // A member's name past the strings: the in-place walk gives up and parse() names the member.
  Blob badm = sample(false);
  Btf eager = Btf::parse(badm.bytes(), "t.btf");
  size_t member_name = eager.type_offset(2) - 24 + 12;  // [2] STRUCT's first member's name
  REQUIRE(eager.type(2).kind() == Kind::STRUCT);
  badm.types[member_name] = 0xff, badm.types[member_name + 1] = 0x0f;
  std::vector<uint8_t> bm = badm.bytes();
  Btf late2 = Btf::parse_deferred(bm, "t.btf");
  CHECK_THROWS_WITH(late2.find_first("foo", Kind::STRUCT),
                    kfbtest::ContainsSubstring("member 0: name offset 0xfff out of range"));
}
