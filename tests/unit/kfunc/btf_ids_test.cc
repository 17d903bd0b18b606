#include "kfb_catch.h"
#include <elf.h>

#include <map>

#include "../elf/elf_builder.h"
#include "elf/elf.h"
#include "kfunc/btf_ids.h"
#include "kfunc/kernel.h"
#include "kfunc/kfunc.h"
#include "kfunc/flags.h"
#include "support/diag.h"
#include "support/error.h"

using namespace kfb;

namespace {

// A .BTF_ids section with symbols, built as an ELF so the whole path runs.
struct Ids {
  bool be = false;
  bool is64 = true;
  uint16_t type = ET_REL;
  uint64_t addr = 0;
  std::vector<uint32_t> words;
  std::vector<kfbtest::SymSpec> syms;  // shndx 0 here means ".BTF_ids"
  std::unique_ptr<elf::ElfFile> elf;
  std::vector<uint8_t> img;
  size_t at(size_t word) const { return addr + word * 4; }
  void set(const std::string &name, size_t word, size_t nwords) {
    syms.push_back({"__BTF_ID__set8__" + name, at(word), nwords * 4, 0, STT_OBJECT, STB_LOCAL});
  }
  void func(const std::string &name, size_t word, int n = 0) {
    syms.push_back({"__BTF_ID__func__" + name + "__" + std::to_string(n), at(word), 0, 0});
  }
  const elf::ElfFile &build() {
    kfbtest::ElfSpec spec{.is64 = is64, .big_endian = be, .type = type};
    size_t idx = spec.add_section(".BTF_ids", SHT_PROGBITS, kfbtest::words(words, be), addr);
    spec.add_section(".data", SHT_PROGBITS, {1, 2, 3, 4});
    for (auto s : syms) {
      if (s.shndx == 0) s.shndx = static_cast<uint32_t>(idx);
      spec.syms.push_back(s);
    }
    img = kfbtest::build_elf(spec);
    elf = elf::ElfFile::from_memory(img, "t.o");
    return *elf;
  }
};

std::string entries(const kfunc::BtfIds &ids) {
  std::string s;
  for (const kfunc::BtfIdsEntry &e : ids.entries)
    s += e.set + ":" + e.name + "=" + strfmt("0x%x", e.flags) + (e.btf_id ? strfmt("#%u", e.btf_id) : "") + " ";
  return s;
}

}  // namespace

TEST_CASE("btf_ids: unresolved set8 (vmlinux.o): names by symbol position / flags after the id") {
  for (bool be : {false, true}) {
    for (bool is64 : {false, true}) {
      CAPTURE(be, is64);
      Ids t;
      t.be = be;
      t.is64 = is64;
      // kfunc set "a": cnt 0, flags KFUNCS, two pairs; legacy set "old": flags 0, one pair.
      t.words = {0, kfunc::BTF_SET8_KFUNCS, 0, kfunc::KF_ACQUIRE | kfunc::KF_RET_NULL, 0, 0x40000020,
                 0, 0, 0, kfunc::KF_RELEASE};
      t.set("a", 0, 6);
      t.func("bpf_obj_new_impl", 2, 12);
      t.func("bpf_x__y", 4, 3);  // name cut at the LAST "__"
      t.set("old", 6, 4);
      t.func("bpf_rstat_updated", 8);
      DiagSink diags;
      kfunc::BtfIds ids = kfunc::decode_btf_ids(kfunc::BtfIdsInput::from_elf(t.build()), {});
      CHECK(entries(ids) == "a:bpf_obj_new_impl=0x5 a:bpf_x__y=0x40000020 ");
      REQUIRE(ids.sets.size() == 2);
      CHECK(ids.sets[0].name == "a");
      CHECK(ids.sets[0].kfuncs);
      CHECK(!ids.sets[0].resolved);
      CHECK(ids.sets[0].entries == 2);
      CHECK(ids.sets[1].name == "old");
      CHECK(!ids.sets[1].kfuncs);
      CHECK(diags.empty());

      kfunc::BtfIds legacy = kfunc::decode_btf_ids(kfunc::BtfIdsInput::from_elf(*t.elf, /*legacy=*/true), {});
      CHECK(entries(legacy) == "a:bpf_obj_new_impl=0x5 a:bpf_x__y=0x40000020 old:bpf_rstat_updated=0x2 ");
    }
  }
}

TEST_CASE("btf_ids: linked objects use sh_addr, func symbols outside sets are not kfuncs") {
  Ids t;
  t.type = ET_EXEC;
  t.addr = 0xffffffff82b6f868ull;
  t.words = {0, 0, 0, 1, 0, 0, 0, 0};
  t.set("s", 2, 6);
  t.func("before_set", 0);  // a BTF_ID_LIST slot before the set
  t.func("k", 4);
  DiagSink diags;
  kfunc::BtfIds ids = kfunc::decode_btf_ids(kfunc::BtfIdsInput::from_elf(t.build()), {});
  CHECK(entries(ids) == "s:k=0x0 ");
}

TEST_CASE("btf_ids: resolved sets (resolve_btfids sorted them) are named through BTF ids") {
  Ids t;
  t.type = ET_EXEC;
  t.addr = 0x1000;
  // Symbols in source order b, a, c; pairs sorted by id: a(10) c(20) b(30), plus one id 0.
  t.words = {4, kfunc::BTF_SET8_KFUNCS, 0, 0x20, 10, 0x1, 20, 0x4, 30, 0x2};
  t.set("s", 0, 10);
  t.func("b", 2);
  t.func("a", 4);
  t.func("c", 6);
  t.func("gone", 8);
  std::map<uint32_t, std::string> funcs{{10, "a"}, {20, "c"}, {30, "b"}};
  auto resolve = [&](uint32_t id) { return funcs.count(id) ? funcs[id] : std::string(); };
  DiagSink diags;
  kfunc::BtfIds ids = kfunc::decode_btf_ids(kfunc::BtfIdsInput::from_elf(t.build()), resolve);
  CHECK(entries(ids) == "s:gone=0x20 s:a=0x1#10 s:c=0x4#20 s:b=0x2#30 ");
  CHECK(ids.sets[0].resolved);

  CHECK_THROWS_WITH(kfunc::decode_btf_ids(kfunc::BtfIdsInput::from_elf(*t.elf), {}),
                    "t.o: .BTF_ids: set 's' was already resolved and sorted by resolve_btfids; its "
                    "entries can only be named through BTF (no .BTF section: give --btf FILE)");
  funcs.erase(20);
  CHECK_THROWS_WITH(kfunc::decode_btf_ids(kfunc::BtfIdsInput::from_elf(*t.elf), resolve),
                    "t.o: .BTF_ids+0x18: set 's': id 20 is not a FUNC in the BTF");
}

TEST_CASE("btf_ids: a kfunc whose flags differ between sets is recorded against its first set") {
  Ids t;
  t.words = {0, 1, 0, kfunc::KF_ACQUIRE | kfunc::KF_RET_NULL, 0, 1, 0, kfunc::KF_ACQUIRE, 0, 1, 0, kfunc::KF_ACQUIRE};
  t.set("bad_set_a", 0, 4);
  t.func("bpf_bad_task_get", 2, 1);
  t.set("bad_set_b", 4, 4);
  t.func("bpf_bad_task_get", 6, 2);
  t.set("bad_set_c", 8, 4);
  t.func("bpf_bad_task_get", 10, 3);
  kfunc::BtfIds ids = kfunc::decode_btf_ids(kfunc::BtfIdsInput::from_elf(t.build()), {});
  REQUIRE(ids.conflicts.size() == 2);
  CHECK(ids.conflicts[0].name == "bpf_bad_task_get");
  CHECK(ids.conflicts[0].message() ==
        "inconsistent flags across BTF ID sets: 'bad_set_a' has KF_ACQUIRE|KF_RET_NULL, "
        "'bad_set_b' has KF_ACQUIRE");
  CHECK(ids.conflicts[1].message() ==
        "inconsistent flags across BTF ID sets: 'bad_set_a' has KF_ACQUIRE|KF_RET_NULL, "
        "'bad_set_c' has KF_ACQUIRE");
}

TEST_CASE("btf_ids: flags that differ between sets: an error for 7.3 and later, a warning before") {
  kfunc::Kfunc k;
  k.name = "hid_bpf_hw_request";
  k.flag_conflicts = {"inconsistent flags across BTF ID sets: 'a' has KF_SLEEPABLE, 'b' has 0"};
  for (int kernel : {0, 703, 800}) {
    DiagSink diags;
    kfunc::report_flag_conflicts(k, kernel, "vmlinux", diags);
    REQUIRE(diags.all().size() == 1);
    CHECK(diags.all()[0].severity == Severity::Error);
    CHECK(diags.all()[0].rule == "kfunc-set-flags");
    CHECK(DiagSink::format(diags.all()[0]) ==
          "vmlinux: hid_bpf_hw_request: inconsistent flags across BTF ID sets: 'a' has KF_SLEEPABLE, "
          "'b' has 0");
  }
  DiagSink diags;
  k.has_dwarf = true;
  k.file = "drivers/hid/bpf/hid_bpf_dispatch.c";
  k.line = 451;
  kfunc::report_flag_conflicts(k, 702, "vmlinux", diags);
  REQUIRE(diags.all().size() == 1);
  CHECK(diags.all()[0].severity == Severity::Warning);
  CHECK(DiagSink::format(diags.all()[0]) ==
        "drivers/hid/bpf/hid_bpf_dispatch.c:451: warning: hid_bpf_hw_request: inconsistent flags across BTF "
        "ID sets: 'a' has KF_SLEEPABLE, 'b' has 0 (the 7.2 build accepts this; resolve_btfids 7.3 "
        "and later refuse it)");
}

TEST_CASE("kernel version: from a release string") {
  CHECK(kfunc::parse_kernel_version("7.2.13+deb14-amd64 (debian-kernel@lists.debian.org)") == 702);
  CHECK(kfunc::parse_kernel_version("7.3-rc7") == 703);
  CHECK(kfunc::parse_kernel_version("6.12.118+deb12-amd64") == 612);
  CHECK(kfunc::parse_kernel_version("6.1.0-57-amd64") == 601);
  CHECK(kfunc::parse_kernel_version("7") == 0);
  CHECK(kfunc::parse_kernel_version("x.3") == 0);
  CHECK(kfunc::parse_kernel_version("") == 0);
  CHECK(kfunc::kernel_version_text(703) == "7.3");
  CHECK(kfunc::kernel_version_text(0).empty());
}

TEST_CASE("btf_ids: malformed input gives clear errors") {
  {
    Ids t;  // set past the end of the section
    t.words = {0, 1, 0, 0};
    t.set("long", 0, 8);
    DiagSink d;
    CHECK_THROWS_WITH(kfunc::decode_btf_ids(kfunc::BtfIdsInput::from_elf(t.build()), {}),
                      "t.o: .BTF_ids+0x0: set 'long' (0x20 bytes) extends past the end of the "
                      "section (0x10 bytes)");
  }
  {
    Ids t;  // a set symbol in another section
    t.words = {0, 1};
    t.syms.push_back({"__BTF_ID__set8__elsewhere", 0, 8, 2, STT_OBJECT});
    DiagSink d;
    CHECK_THROWS_WITH(kfunc::decode_btf_ids(kfunc::BtfIdsInput::from_elf(t.build()), {}),
                      "t.o: symbol '__BTF_ID__set8__elsewhere' is in section [2] .data, not in .BTF_ids");
  }
  {
    Ids t;  // func symbol without the __<n> tail
    t.words = {0, 1, 0, 0};
    t.set("s", 0, 4);
    t.syms.push_back({"__BTF_ID__func__nosuffix", 8, 0, 0});
    DiagSink d;
    CHECK_THROWS_WITH(kfunc::decode_btf_ids(kfunc::BtfIdsInput::from_elf(t.build()), {}),
                      "t.o: .BTF_ids: symbol '__BTF_ID__func__nosuffix' is not of the form "
                      "__BTF_ID__func__<name>__<n>");
  }
  {
    Ids t;  // func symbol on the set header / between slots
    t.words = {0, 1, 0, 0};
    t.set("s", 0, 4);
    t.func("hdr", 1);
    DiagSink d;
    CHECK_THROWS_WITH(kfunc::decode_btf_ids(kfunc::BtfIdsInput::from_elf(t.build()), {}),
                      "t.o: .BTF_ids+0x4: kfunc 'hdr' sits in the header of set 's'");
  }
  {
    Ids t;  // no .BTF_ids but a set symbol elsewhere
    kfbtest::ElfSpec spec;
    spec.add_section(".data", SHT_PROGBITS, {0, 0, 0, 0});
    spec.syms.push_back({"__BTF_ID__set8__x", 0, 8, 1, STT_OBJECT});
    auto img = kfbtest::build_elf(spec);
    auto elf = elf::ElfFile::from_memory(img, "n.o");
    kfunc::BtfIdsInput in = kfunc::BtfIdsInput::from_elf(*elf);
    CHECK(!in.present);
    DiagSink d;
    CHECK_THROWS_WITH(kfunc::decode_btf_ids(in, {}),
                      "n.o: symbol '__BTF_ID__set8__x' is in section [1] .data, not in .BTF_ids");
  }
}
