// lib/btf/dump: bpftool's text and JSON for every kind, and fixture round trips.
#include "kfb_catch.h"
#include <dirent.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "btf/btf.h"
#include "btf/dump.h"
#include "btf/load.h"
#include "support/error.h"
#include "support/file.h"

using namespace kfb::btf;

namespace {

Btf every_kind(bool be) {
  Btf b(be);
  b.add_int("int", 4, INT_SIGNED, 32);                          // 1
  b.add_int("_Bool", 1, INT_BOOL, 8);                           // 2
  NewMember ms[] = {{"a", 1, 0}, {"", 1, 32, 3}};
  b.add_struct("s", 8, ms);                                     // 3
  NewMember um[] = {{"x", 1, 0}};
  b.add_union("", 4, um);                                       // 4
  NewEnum ev[] = {{"A", -1}, {"B", 7}};
  b.add_enum("e", 4, ev, true);                                 // 5
  NewEnum uv[] = {{"U", -1}};
  b.add_enum("u", 4, uv, false);                                // 6
  NewEnum e64[] = {{"S", -2}};
  b.add_enum64("s64", 8, e64, true);                            // 7
  NewEnum u64v[] = {{"BIG", static_cast<int64_t>(0xfffffffffffffffeull)}};
  b.add_enum64("u64", 8, u64v, false);                          // 8
  b.add_fwd("fu", true);                                        // 9
  b.add_typedef("t", 1);                                        // 10
  b.add_volatile(1);                                            // 11
  b.add_const(11);                                              // 12
  b.add_restrict(13);                                           // 13
  b.add_ptr(3);                                                 // 14
  b.add_array(1, 1, 16);                                        // 15
  NewParam ps[] = {{"p", 14}, {"", 0}};
  b.add_func_proto(1, ps);                                      // 16
  b.add_func("f", FUNC_GLOBAL, 16);                             // 17
  b.add_var("v", 1, VAR_GLOBAL_ALLOCATED);                      // 18
  VarSecinfo vs[] = {{18, 0, 4}, {99, 4, 4}};
  b.add_datasec(".data", 8, vs);                                // 19
  b.add_float("double", 8);                                     // 20
  b.add_decl_tag("bpf_kfunc", 17, -1);                          // 21
  b.add_decl_tag("arg", 17, 0);                                 // 22
  b.add_type_tag("rcu", 3);                                     // 23
  return b;
}

const char *kEveryKind =
    "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n"
    "[2] INT '_Bool' size=1 bits_offset=0 nr_bits=8 encoding=BOOL\n"
    "[3] STRUCT 's' size=8 vlen=2\n"
    "\t'a' type_id=1 bits_offset=0\n"
    "\t'(anon)' type_id=1 bits_offset=32 bitfield_size=3\n"
    "[4] UNION '(anon)' size=4 vlen=1\n"
    "\t'x' type_id=1 bits_offset=0\n"
    "[5] ENUM 'e' encoding=SIGNED size=4 vlen=2\n"
    "\t'A' val=-1\n"
    "\t'B' val=7\n"
    "[6] ENUM 'u' encoding=UNSIGNED size=4 vlen=1\n"
    "\t'U' val=4294967295\n"
    "[7] ENUM64 's64' encoding=SIGNED size=8 vlen=1\n"
    "\t'S' val=-2LL\n"
    "[8] ENUM64 'u64' encoding=UNSIGNED size=8 vlen=1\n"
    "\t'BIG' val=18446744073709551614ULL\n"
    "[9] FWD 'fu' fwd_kind=union\n"
    "[10] TYPEDEF 't' type_id=1\n"
    "[11] VOLATILE '(anon)' type_id=1\n"
    "[12] CONST '(anon)' type_id=11\n"
    "[13] RESTRICT '(anon)' type_id=13\n"
    "[14] PTR '(anon)' type_id=3\n"
    "[15] ARRAY '(anon)' type_id=1 index_type_id=1 nr_elems=16\n"
    "[16] FUNC_PROTO '(anon)' ret_type_id=1 vlen=2\n"
    "\t'p' type_id=14\n"
    "\t'(anon)' type_id=0\n"
    "[17] FUNC 'f' type_id=16 linkage=global\n"
    "[18] VAR 'v' type_id=1, linkage=global\n"
    "[19] DATASEC '.data' size=8 vlen=2\n"
    "\ttype_id=18 offset=0 size=4 (VAR 'v')\n"
    "\ttype_id=99 offset=4 size=4\n"
    "[20] FLOAT 'double' size=8\n"
    "[21] DECL_TAG 'bpf_kfunc' type_id=17 component_idx=-1\n"
    "[22] DECL_TAG 'arg' type_id=17 component_idx=0\n"
    "[23] TYPE_TAG 'rcu' type_id=3\n";

}  // namespace

TEST_CASE("raw dump of every kind matches bpftool's format, both byte orders") {
  for (bool be : {false, true}) {
    Btf built = every_kind(be);
    Btf b = Btf::parse(built.write(), "t.btf");
    std::string out;
    dump_raw(b, out);
    CHECK(out == kEveryKind);
  }
}

TEST_CASE("raw dump streams in chunks with the same bytes") {
  Btf b = every_kind(false);
  std::string whole, chunked;
  size_t calls = 0;
  dump_raw(b, whole);
  dump_raw(b, [&](std::string_view s) { chunked.append(s), calls++; }, 64);
  CHECK(chunked == whole);
  CHECK(calls > 5);
}

TEST_CASE("JSON dump: bpftool's keys and value conventions") {
  Btf b(false);
  b.add_int("int", 4, INT_SIGNED, 32);
  NewEnum uv[] = {{"U", -1}};
  b.add_enum("u", 4, uv, false);
  NewMember ms[] = {{"a\"b", 1, 0, 2}};
  b.add_struct("s", 4, ms);
  b.add_decl_tag("t", 3, 0);
  std::string out;
  dump_json(b, out, false);
  CHECK(out ==
        "{\"types\":[{\"id\":1,\"kind\":\"INT\",\"name\":\"int\",\"size\":4,\"bits_offset\":0,"
        "\"nr_bits\":32,\"encoding\":\"SIGNED\"},{\"id\":2,\"kind\":\"ENUM\",\"name\":\"u\","
        "\"encoding\":\"UNSIGNED\",\"size\":4,\"vlen\":1,\"values\":[{\"name\":\"U\","
        "\"val\":18446744073709551615}]},{\"id\":3,\"kind\":\"STRUCT\",\"name\":\"s\",\"size\":4,"
        "\"vlen\":1,\"members\":[{\"name\":\"a\\\"b\",\"type_id\":1,\"bits_offset\":0,"
        "\"bitfield_size\":2}]},{\"id\":4,\"kind\":\"DECL_TAG\",\"name\":\"t\",\"type_id\":3,"
        "\"component_idx\":0}]}\n");
  std::string pretty;
  Btf one(false);
  NewParam ps[] = {{"x", 0}};
  one.add_func_proto(0, ps);
  dump_json(one, pretty, true);
  CHECK(pretty ==
        "{\n"
        "    \"types\": [{\n"
        "            \"id\": 1,\n"
        "            \"kind\": \"FUNC_PROTO\",\n"
        "            \"name\": \"(anon)\",\n"
        "            \"ret_type_id\": 0,\n"
        "            \"vlen\": 1,\n"
        "            \"params\": [{\n"
        "                    \"name\": \"x\",\n"
        "                    \"type_id\": 0\n"
        "                }\n"
        "            ]\n"
        "        }\n"
        "    ]\n"
        "}\n");
}

TEST_CASE("JSON dump: ENUM and ENUM64 values, both signs, as bpftool widens them") {
  Btf b(false);
  NewEnum sv[] = {{"A", -1}, {"B", 7}};
  b.add_enum("e", 4, sv, true);
  NewEnum uv[] = {{"U", -1}};
  b.add_enum("u", 4, uv, false);
  NewEnum s64[] = {{"S", -2}};
  b.add_enum64("s64", 8, s64, true);
  NewEnum u64v[] = {{"BIG", static_cast<int64_t>(0xfffffffffffffffeull)}};
  b.add_enum64("u64", 8, u64v, false);
  std::string out;
  dump_json(b, out, false);
  CHECK(out ==
        "{\"types\":[{\"id\":1,\"kind\":\"ENUM\",\"name\":\"e\",\"encoding\":\"SIGNED\","
        "\"size\":4,\"vlen\":2,\"values\":[{\"name\":\"A\",\"val\":-1},{\"name\":\"B\","
        "\"val\":7}]},{\"id\":2,\"kind\":\"ENUM\",\"name\":\"u\",\"encoding\":\"UNSIGNED\","
        "\"size\":4,\"vlen\":1,\"values\":[{\"name\":\"U\",\"val\":18446744073709551615}]},"
        "{\"id\":3,\"kind\":\"ENUM64\",\"name\":\"s64\",\"encoding\":\"SIGNED\",\"size\":8,"
        "\"vlen\":1,\"values\":[{\"name\":\"S\",\"val\":-2}]},{\"id\":4,\"kind\":\"ENUM64\","
        "\"name\":\"u64\",\"encoding\":\"UNSIGNED\",\"size\":8,\"vlen\":1,\"values\":[{"
        "\"name\":\"BIG\",\"val\":18446744073709551614}]}]}\n");
}

TEST_CASE("split dump prints only the split's own types with base names resolved") {
  Btf base = every_kind(false);
  Btf split = Btf::new_split(base);
  VarSecinfo vs[] = {{18, 0, 4}};
  split.add_datasec(".bss", 4, vs);
  split.add_decl_tag("bpf_kfunc", 17, -1);
  Btf again = Btf::parse(split.write(), "m.btf", &base);
  std::string out;
  dump_raw(again, out);
  CHECK(out ==
        "[24] DATASEC '.bss' size=4 vlen=1\n"
        "\ttype_id=18 offset=0 size=4 (VAR 'v')\n"
        "[25] DECL_TAG 'bpf_kfunc' type_id=17 component_idx=-1\n");
}

TEST_CASE("fixtures: parse -> write is byte-identical (raw .btf and ELF .BTF)") {
  const char *fx = getenv("KFB_FIXTURES");
  std::vector<std::string> files;
  if (fx)
    if (DIR *d = opendir(fx)) {
      while (dirent *e = readdir(d)) {
        std::string n = e->d_name;
        auto ends = [&](const char *s) {
          return n.size() > strlen(s) && n.compare(n.size() - strlen(s), strlen(s), s) == 0;
        };
        if (ends(".btf") || ends(".o") || ends(".elf")) files.push_back(std::string(fx) + "/" + n);
      }
      closedir(d);
    }
  if (files.empty()) {
    if (kfbtest::fixtures_configured()) FAIL("this build configured fixtures, but none is in " << fx);
    KFB_SKIP("no fixtures configured (no compiler or pahole)");
  }
  int checked = 0;
  for (const std::string &f : files) {
    INFO(f);
    auto m = kfb::MappedFile::open(f);
    Source src;
    try {
      src = Source::from_memory(m.data(), f);
    } catch (const kfb::Error &) {
      continue;  // an ELF without .BTF (nobtf fixtures)
    }
    std::span<const uint8_t> bytes = src.bytes;
    Btf b = Btf::parse(bytes, f);
    auto out = b.write();
    CHECK(std::equal(out.begin(), out.end(), bytes.begin(), bytes.end()));
    Btf again = Btf::parse(out, f);
    CHECK(again.write() == out);
    checked++;
  }
  CHECK(checked > 0);
}

TEST_CASE("distribution kernels: .BTF of a cached Debian vmlinux round-trips byte for byte") {
  const char *c = getenv("KFB_CACHE");
  std::string cache = c ? c : "/var/cache/kfuncbtf";
  std::vector<std::string> files;
  if (DIR *d = opendir(cache.c_str())) {
    while (dirent *e = readdir(d)) {
      std::string sub = cache + "/" + e->d_name;
      if (e->d_name[0] == '.') continue;
      if (DIR *s = opendir(sub.c_str())) {
        while (dirent *f = readdir(s))
          if (std::string(f->d_name).rfind("vmlinux-", 0) == 0) files.push_back(sub + "/" + f->d_name);
        closedir(s);
      }
    }
    closedir(d);
  }
  if (files.empty()) KFB_SKIP("no cached vmlinux in " << cache << " (tests/bench/realkernel.sh fetch)");
  for (const std::string &f : files) {
    INFO(f);
    auto m = kfb::MappedFile::open(f);
    Source src = Source::from_memory(m.data(), f);
    auto sec = src.bytes;
    Btf b = Btf::parse(sec, f + ": .BTF");
    CHECK(b.type_cnt() > 10000);
    auto out = b.write();
    CHECK(std::equal(out.begin(), out.end(), sec.begin(), sec.end()));
  }
}
