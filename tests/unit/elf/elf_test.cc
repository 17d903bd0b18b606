#include "kfb_catch.h"
#include <elf.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "elf/elf.h"
#include "elf_builder.h"
#include "support/error.h"

using namespace kfb;
using kfbtest::build_elf;
using kfbtest::ElfSpec;

namespace {

using kfbtest::fixture;

}  // namespace

TEST_CASE("elf: sections / symbols and byte order for every class and byte order") {
  for (bool is64 : {false, true}) {
    for (bool be : {false, true}) {
      CAPTURE(is64, be);
      ElfSpec spec{.is64 = is64, .big_endian = be, .type = ET_EXEC};
      size_t text = spec.add_section(".text", SHT_PROGBITS, {0x90, 0x90, 0xc3}, 0x1000);
      size_t ids = spec.add_section(".BTF_ids", SHT_PROGBITS, kfbtest::words({0, 1, 2, 3}, be), 0x2000);
      spec.syms.push_back({"bpf_foo", 0x1000, 3, static_cast<uint32_t>(text), STT_FUNC, STB_GLOBAL});
      spec.syms.push_back({"__BTF_ID__set8__s", 0x2000, 16, static_cast<uint32_t>(ids), STT_OBJECT,
                           STB_LOCAL});
      auto img = build_elf(spec);
      auto elf = elf::ElfFile::from_memory(img, "t.elf");
      CHECK(elf->is64() == is64);
      CHECK(elf->big_endian() == be);
      CHECK(elf->type() == ET_EXEC);
      const elf::ElfSection *s = elf->section(".BTF_ids");
      REQUIRE(s);
      CHECK(s->index == ids);
      CHECK(s->addr == 0x2000);
      CHECK(s->size == 16);
      Cursor c = elf->cursor(*s);
      CHECK(c.u32() == 0);
      CHECK(c.u32() == 1);  // words come back in host order whatever the file's order
      CHECK(c.where() == "t.elf: .BTF_ids");
      const auto &syms = elf->symbols();
      REQUIRE(syms.size() == 3);
      CHECK(syms[1].name == "bpf_foo");
      CHECK(syms[1].value == 0x1000);
      CHECK(syms[1].size == 3);
      CHECK(syms[1].type == STT_FUNC);
      CHECK(syms[1].bind == STB_GLOBAL);
      CHECK(syms[1].shndx == text);
      CHECK(syms[2].name == "__BTF_ID__set8__s");
      CHECK(syms[2].shndx == ids);
      CHECK(syms[2].bind == STB_LOCAL);
      CHECK(elf->section(".nope") == nullptr);
    }
  }
}

TEST_CASE("elf: more than 65 /535 sections (extended numbering and SHN_XINDEX)") {
  ElfSpec spec{.is64 = true, .big_endian = false, .type = ET_REL, .filler = 70000};
  size_t ids = spec.add_section(".BTF_ids", SHT_PROGBITS, kfbtest::words({7, 1}, false));
  REQUIRE(ids > SHN_LORESERVE);
  spec.syms.push_back({"__BTF_ID__set8__big", 0, 8, static_cast<uint32_t>(ids), STT_OBJECT});
  auto img = build_elf(spec);
  auto elf = elf::ElfFile::from_memory(img, "big.o");
  CHECK(elf->sections().size() == 70000 + 1 + 1 + 4);  // null, filler, .BTF_ids, 4 tables
  const elf::ElfSection *s = elf->section(".BTF_ids");
  REQUIRE(s);
  CHECK(s->index == ids);
  REQUIRE(elf->symbols().size() == 2);
  CHECK(elf->symbols()[1].shndx == ids);
  CHECK(elf->section(".shstrtab") != nullptr);  // name table found through section 0's sh_link
}

TEST_CASE("elf: not an ELF / short header / truncated tables name the file") {
  const uint8_t text[] = "hello, world\n";
  CHECK_THROWS_WITH(elf::ElfFile::from_memory({text, sizeof(text)}, "notes.txt"), "notes.txt: not an ELF file");
  const uint8_t empty[1] = {0};
  CHECK_THROWS_WITH(elf::ElfFile::from_memory({empty, 0}, "empty"), "empty: not an ELF file");

  ElfSpec spec;
  spec.add_section(".BTF_ids", SHT_PROGBITS, kfbtest::words({1, 2, 3}, false));
  auto img = build_elf(spec);
  std::vector<uint8_t> hdr(img.begin(), img.begin() + 40);
  CHECK_THROWS_WITH(elf::ElfFile::from_memory(hdr, "short.o"),
                    "short.o: truncated ELF header (40 of 64 bytes)");
  // Cut inside the section header table (which is at the end).
  std::vector<uint8_t> cut(img.begin(), img.end() - 10);
  CHECK_THROWS_WITH(elf::ElfFile::from_memory(cut, "cut.o"),
                    kfbtest::StartsWith("cut.o: truncated: "));
  // A section whose data runs past the end of the file.
  auto bad = img;
  size_t shoff = kfb::load<uint64_t>(bad.data() + 40, false);
  kfb::store<uint64_t>(bad.data() + shoff + 64 + 32, 1u << 30, false);  // [1].sh_size
  CHECK_THROWS_WITH(elf::ElfFile::from_memory(bad, "big.o"),
                    kfbtest::StartsWith("big.o: truncated: section [1] at 0x"));
}

TEST_CASE("elf: open() of a missing file and of a real fixture") {
  CHECK_THROWS_WITH(elf::ElfFile::open("/nonexistent/x.o"),
                    kfbtest::StartsWith("/nonexistent/x.o: cannot open"));
  std::string p = fixture("clang-dwarf5.o");
  if (p.empty()) KFB_SKIP("fixture clang-dwarf5.o not configured (no clang, ld.lld or pahole)");
  auto elf = elf::ElfFile::open(p);
  CHECK(elf->type() == ET_REL);
  CHECK(elf->is64());
  CHECK(!elf->big_endian());
  CHECK(elf->fd() >= 0);
  CHECK(elf->section(".BTF_ids") != nullptr);
  CHECK(elf->section(".BTF") != nullptr);
  CHECK(elf->section(".debug_info") != nullptr);
  size_t sets = 0;
  for (const elf::ElfSymbol &s : elf->symbols()) sets += s.name.starts_with("__BTF_ID__set8__");
  CHECK(sets == 13);  // MANIFEST: 13 set8 symbols
}

TEST_CASE("elf: the cross fixtures (ELF32 / big-endian)") {
  struct V {
    const char *file;
    bool is64, be;
  };
  int checked = 0;
  for (V v : {V{"clang-powerpc64-dwarf5.o", true, true}, V{"clang-i386-dwarf5.o", false, false},
              V{"clang-powerpc-dwarf5.o", false, true}}) {
    std::string p = fixture(v.file);
    if (p.empty()) continue;  // clang of this build cannot target it (fixture() fails when it can)
    auto elf = elf::ElfFile::open(p);
    CHECK(elf->is64() == v.is64);
    CHECK(elf->big_endian() == v.be);
    CHECK(elf->section(".BTF_ids") != nullptr);
    checked++;
  }
  if (!checked) KFB_SKIP("no cross fixture configured (clang cannot target powerpc or i386)");
}

TEST_CASE("elf: the 70 030-section object (SHN_XINDEX)") {
  std::string p = fixture("manysections.o");
  if (p.empty()) KFB_SKIP("fixture manysections.o not configured (no clang, ld.lld or pahole)");
  auto elf = elf::ElfFile::open(p);
  CHECK(elf->sections().size() == 70030);
  const elf::ElfSection *ids = elf->section(".BTF_ids");
  REQUIRE(ids);
  CHECK(ids->index == 70003);
  size_t in_ids = 0;
  for (const elf::ElfSymbol &s : elf->symbols()) in_ids += s.shndx == ids->index;
  CHECK(in_ids > 50);
}

namespace {

// An ELF64 LE object whose one section holds `chdr` + `stream`, flagged SHF_COMPRESSED.
std::vector<uint8_t> compressed_elf(uint32_t type, uint64_t size, const std::vector<uint8_t> &stream) {
  std::vector<uint8_t> sec(24);
  kfb::store<uint32_t>(sec.data(), type, false);
  kfb::store<uint64_t>(sec.data() + 8, size, false);
  kfb::store<uint64_t>(sec.data() + 16, 1, false);
  sec.insert(sec.end(), stream.begin(), stream.end());
  ElfSpec spec;
  spec.add_section(".debug_str", SHT_PROGBITS, sec);
  std::vector<uint8_t> img = build_elf(spec);
  size_t shoff = kfb::load<uint64_t>(img.data() + 40, false);
  kfb::store<uint64_t>(img.data() + shoff + 64 + 8, SHF_COMPRESSED, false);  // [1].sh_flags
  return img;
}

}  // namespace

TEST_CASE("elf: contents() inflates zlib and zstd sections, data() stays the file's bytes") {
  std::vector<uint8_t> text;
  for (int i = 0; i < 5000; i++) text.push_back(static_cast<uint8_t>("bpf_kfunc\0"[i % 10]));
  std::vector<uint8_t> z(compressBound(text.size()));
  uLongf zn = z.size();
  REQUIRE(compress2(z.data(), &zn, text.data(), text.size(), 9) == Z_OK);
  z.resize(zn);
  std::vector<uint8_t> zs(ZSTD_compressBound(text.size()));
  size_t zsn = ZSTD_compress(zs.data(), zs.size(), text.data(), text.size(), 3);
  REQUIRE(!ZSTD_isError(zsn));
  zs.resize(zsn);
  for (auto [type, stream] : {std::pair{1u, z}, std::pair{2u, zs}}) {
    CAPTURE(type);
    std::vector<uint8_t> img = compressed_elf(type, text.size(), stream);
    auto elf = elf::ElfFile::from_memory(img, "t.o");
    const elf::ElfSection &s = *elf->section(".debug_str");
    CHECK(elf->content_size(s) == text.size());
    std::span<const uint8_t> c = elf->contents(s);
    CHECK(std::vector<uint8_t>(c.begin(), c.end()) == text);
    CHECK(elf->contents(s).data() == c.data());  // inflated once
    CHECK(elf->data(s).size() == 24 + stream.size());
  }
}

TEST_CASE("elf: a corrupt compressed section is an error naming the file and section") {
  std::vector<uint8_t> text(300, 'k');
  std::vector<uint8_t> z(compressBound(text.size()));
  uLongf zn = z.size();
  REQUIRE(compress2(z.data(), &zn, text.data(), text.size(), 9) == Z_OK);
  z.resize(zn);
  auto check = [](std::vector<uint8_t> img, const char *msg) {
    auto elf = elf::ElfFile::from_memory(img, "t.o");
    const elf::ElfSection &s = *elf->section(".debug_str");
    CHECK_THROWS_WITH(elf->contents(s), msg);
  };
  check(compressed_elf(7, 300, z), "t.o: .debug_str+0x18: unknown compression type 7 (zlib and zstd are known)");
  check(compressed_elf(1, uint64_t(1) << 40, z),
        ("t.o: .debug_str+0x18: compressed section claims 1099511627776 bytes from " +
         std::to_string(z.size()) + " (more than 1024:1)").c_str());
  check(compressed_elf(1, 301, z), "t.o: .debug_str: corrupt zlib stream (or not 301 bytes when inflated)");
  std::vector<uint8_t> bad = z;
  bad[bad.size() / 2] ^= 0xff;
  check(compressed_elf(1, 300, bad), "t.o: .debug_str: corrupt zlib stream (or not 300 bytes when inflated)");
  check(compressed_elf(2, 300, z), "t.o: .debug_str: corrupt zstd stream (or not 300 bytes when inflated)");
  // Shorter than its compression header. (from_memory does not own the bytes: `img` must
  // outlive `elf`.)
  ElfSpec spec;
  spec.add_section(".debug_str", SHT_PROGBITS, std::vector<uint8_t>(10, 0));
  std::vector<uint8_t> img = build_elf(spec);
  size_t shoff = kfb::load<uint64_t>(img.data() + 40, false);
  kfb::store<uint64_t>(img.data() + shoff + 64 + 8, SHF_COMPRESSED, false);
  auto elf = elf::ElfFile::from_memory(img, "t.o");
  CHECK_THROWS_WITH(elf->content_size(*elf->section(".debug_str")),
                    kfbtest::StartsWith("t.o: .debug_str+0x"));
}

TEST_CASE("elf: section headers sharing compressed bytes cannot claim more than 1024:1 in total") {
  // Eight headers name the same 1,000-byte stream, each claiming 900 KB (within the ratio
  // alone): 7.2 MB from a file of a few KB is refused before anything is inflated.
  std::vector<uint8_t> sec(24 + 1000, 0);
  kfb::store<uint32_t>(sec.data(), 1, false);
  kfb::store<uint64_t>(sec.data() + 8, 900000, false);
  ElfSpec spec;
  spec.add_section(".debug_str", SHT_PROGBITS, sec);
  for (int i = 0; i < 7; i++) spec.add_section(".debug_line", SHT_PROGBITS, {0});
  std::vector<uint8_t> img = build_elf(spec);
  size_t shoff = kfb::load<uint64_t>(img.data() + 40, false);
  uint64_t off1 = kfb::load<uint64_t>(img.data() + shoff + 64 + 24, false);
  for (int i = 1; i <= 8; i++) {
    uint8_t *sh = img.data() + shoff + 64 * i;
    kfb::store<uint64_t>(sh + 8, SHF_COMPRESSED, false);
    kfb::store<uint64_t>(sh + 24, off1, false);
    kfb::store<uint64_t>(sh + 32, sec.size(), false);
  }
  auto elf = elf::ElfFile::from_memory(img, "t.o");
  std::string msg = "t.o: compressed sections claim 7200000 bytes in total from a file of " +
                    std::to_string(img.size()) + " (more than 1024:1)";
  CHECK_THROWS_WITH(elf->contents(*elf->section(".debug_str")), msg);
  CHECK_THROWS_WITH(elf->content_size(*elf->section(".debug_line")), msg);
}
