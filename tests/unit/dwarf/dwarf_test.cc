// DwarfReader on the compiled fixtures (testdata/src/MANIFEST.md is the truth).
#include "kfb_catch.h"

#include <cstdlib>
#include <filesystem>

#include "dwarf/dwarf.h"
#include "elf/elf.h"
#include "support/error.h"

using namespace kfb;

namespace {

using kfbtest::fixture;

const dwarf::FuncDef *find(const std::vector<dwarf::FuncDef> &v, const std::string &name) {
  for (const dwarf::FuncDef &f : v)
    if (f.name == name) return &f;
  return nullptr;
}

std::string proto(const dwarf::FuncDef &f) {
  std::string s = f.ret.text + " " + f.name + "(";
  for (size_t i = 0; i < f.params.size(); i++) s += (i ? ", " : "") + f.params[i].type.text + " " + f.params[i].name;
  return s + ")";
}

// The .o files are relocated by lib/dwarf itself (MIPS64's packed r_info, RISC-V's ADD/SUB
// pairs and zlib-compressed sections included); manysections.o has 70,030 sections, more than
// libdwarf's 16-bit section numbers hold.
const char *kVariants[] = {"gcc-dwarf4.o",   "gcc-dwarf5.o",   "clang-dwarf4.o",   "clang-dwarf5.o",
                           "gcc-dwarf4.elf", "gcc-dwarf5.elf", "clang-dwarf4.elf", "clang-dwarf5.elf",
                           "clang-powerpc64-dwarf5.o", "clang-i386-dwarf5.elf", "clang-powerpc-dwarf5.elf",
                           "manysections.o", "dwarfonly/clang-mips64el-dwarf5.o",
                           "dwarfonly/clang-riscv64-dwarf5.o", "dwarfonly/gcc-dwarf5-zlib.o"};

// A built fixture's ELF and DWARF reader; false when this build did not configure it (a
// configured one that is missing fails the test in fixture()).
struct Opened {
  std::unique_ptr<elf::ElfFile> elf;
  std::unique_ptr<dwarf::DwarfReader> dw;
};
bool open_fixture(const std::string &name, Opened &o) {
  std::string p = fixture(name);
  if (p.empty()) return false;
  o.elf = elf::ElfFile::open(p);
  o.dw = dwarf::DwarfReader::open(*o.elf);
  return true;
}

}  // namespace

TEST_CASE("dwarf: prototypes / C type spelling / classes and lines in every variant") {
  size_t seen = 0;
  for (const char *v : kVariants) {
    Opened o;
    if (!open_fixture(v, o)) continue;
    seen++;
    CAPTURE(v);
    dwarf::DwarfReader *dw = o.dw.get();
    dwarf::DwarfQuery q;
    q.names = {"bpf_wq_set_callback", "bpf_task_under_cgroup", "bpf_arena_memset", "hid_bpf_get_data",
               "bpf_wait_flag", "bpf_fill_random", "scx_bpf_dispatch_nr_slots", "bpf_obj_drop",
               "bpf_task_work_schedule_resume", "kf_check_size", "no_such_function"};
    std::vector<dwarf::FuncDef> defs = dw->find(q);
    const dwarf::FuncDef *f = find(defs, "bpf_wq_set_callback");
    REQUIRE(f);
    CHECK(proto(*f) == "int bpf_wq_set_callback(struct bpf_wq * wq, int (*)(void *, int *, void *) callback_fn, "
                       "unsigned int flags, struct bpf_prog_aux * aux)");
    CHECK(f->file == "testdata/src/helpers.c");
    CHECK(f->line == 118);
    CHECK(f->has_pc);
    CHECK(f->params[1].type.type_class == dwarf::TypeClass::Pointer);
    CHECK(f->params[3].type.ptr_to_struct == "bpf_prog_aux");
    CHECK(f->params[2].type.type_class == dwarf::TypeClass::Scalar);

    f = find(defs, "bpf_task_under_cgroup");
    REQUIRE(f);
    CHECK(proto(*f) == "bool bpf_task_under_cgroup(task_ptr_t task, struct cgroup * ancestor)");
    CHECK(f->params[0].type.type_class == dwarf::TypeClass::Pointer);  // typedef to a pointer
    CHECK(f->params[0].type.ptr_to_struct == "");              // but not without the typedef
    CHECK(f->ret.type_class == dwarf::TypeClass::Scalar);

    f = find(defs, "bpf_arena_memset");
    REQUIRE(f);
    CHECK(f->params[0].type.text == "void *const");
    CHECK(f->ret.type_class == dwarf::TypeClass::Void);
    CHECK(f->line == 44);
    CHECK(f->file == "testdata/src/arena.c");

    f = find(defs, "hid_bpf_get_data");
    REQUIRE(f);
    CHECK(proto(*f) == "u8 * hid_bpf_get_data(struct hid_bpf_ctx * ctx, unsigned int offset, const size_t rdwr_buf_size)");
    CHECK(f->params[2].type.type_class == dwarf::TypeClass::Scalar);

    f = find(defs, "bpf_wait_flag");
    REQUIRE(f);
    CHECK(f->params[0].type.text == "volatile u32 *");
    CHECK(f->params[1].type.text == "const int");

    f = find(defs, "bpf_fill_random");
    REQUIRE(f);
    CHECK(f->params[1].type.text == "enum bpf_buf_len");
    CHECK(f->params[1].type.type_class == dwarf::TypeClass::Scalar);

    f = find(defs, "scx_bpf_dispatch_nr_slots");
    REQUIRE(f);
    CHECK(f->params.empty());
    CHECK(f->ret.text == "u32");

    f = find(defs, "bpf_obj_drop");
    REQUIRE(f);
    CHECK(f->params[1].type.ptr_to_struct == "btf_struct_meta");

    f = find(defs, "bpf_task_work_schedule_resume");
    REQUIRE(f);
    CHECK(f->params[3].type.text == "bpf_task_work_callback_t");
    CHECK(f->params[3].type.type_class == dwarf::TypeClass::Pointer);

    // A static function defined in two CUs: the first CU's definition (helpers.c:17).
    f = find(defs, "kf_check_size");
    REQUIRE(f);
    CHECK(f->file == "testdata/src/helpers.c");
    CHECK(f->line == 17);
    CHECK(find(defs, "no_such_function") == nullptr);

    bool clang = std::string(v).find("gcc") == std::string::npos;
    const dwarf::FuncDef *c = find(defs, "bpf_wq_set_callback");
    CHECK(c->has_tag("bpf_kfunc") == clang);
    CHECK(c->tags.size() == (clang ? 1u : 0u));
  }
  if (seen == 0) KFB_SKIP("no fixture configured (no compiler or pahole)");
}

TEST_CASE("dwarf: `all` finds every bpf_kfunc-tagged definition, -j never changes the result") {
  size_t seen = 0;
  for (const char *v : {"clang-dwarf5.o", "clang-dwarf4.elf", "gcc-dwarf5.elf"}) {
    Opened o;
    if (!open_fixture(v, o)) continue;
    seen++;
    CAPTURE(v);
    dwarf::DwarfReader *dw = o.dw.get();
    dwarf::DwarfQuery q;
    q.all = true;
    std::string first;
    for (unsigned j : {1u, 2u, 3u, 8u}) {
      q.jobs = j;
      std::vector<dwarf::FuncDef> defs = dw->find(q);
      std::string sig;
      for (const dwarf::FuncDef &f : defs) sig += proto(f) + "@" + f.file + ":" + std::to_string(f.line) + "\n";
      if (j == 1) {
        first = sig;
        bool clang = std::string(v).find("gcc") == std::string::npos;
        CHECK(defs.size() == (clang ? 46u : 0u));  // 45 set kfuncs + bpf_get_kmem_cache
        if (clang) {
          const dwarf::FuncDef *g = find(defs, "bpf_get_kmem_cache");
          REQUIRE(g);
          CHECK(g->line == 151);
          const dwarf::FuncDef *s = find(defs, "scx_bpf_dsq_insert");
          REQUIRE(s);
          CHECK(s->tags == std::vector<std::string>{"bpf_kfunc", "bpf_kfunc_scope:sched_ext_ops.select_cpu",
                                                    "bpf_kfunc_scope:sched_ext_ops.enqueue",
                                                    "bpf_kfunc_scope:sched_ext_ops.dispatch"});
        }
      } else {
        CHECK(sig == first);
      }
    }
  }
  if (seen == 0) KFB_SKIP("no fixture configured (no compiler or pahole)");
}

TEST_CASE("dwarf: relocations lib/dwarf cannot apply are an error naming the entry") {
  // Nothing falls back to libdwarf's relocation (slower, no RISC-V, and its line-table code
  // crashed under fuzzing): the fixtures of every machine open (kVariants), and anything
  // else is refused before libdwarf sees it.
  auto patched = [](const std::string &name, auto patch) -> std::vector<uint8_t> {
    std::string p = fixture(name);
    if (p.empty()) return {};
    auto elf = elf::ElfFile::open(p);
    std::vector<uint8_t> img(elf->bytes().begin(), elf->bytes().end());
    patch(*elf, img);
    return img;
  };
  // gcc-dwarf5.o claiming to be m68k (e_machine 4): R_X86_64_32 (10) means nothing there.
  std::vector<uint8_t> m68k = patched("gcc-dwarf5.o", [](const elf::ElfFile &, std::vector<uint8_t> &img) {
    img[18] = 4, img[19] = 0;
  });
  if (!m68k.empty()) {
    auto elf = elf::ElfFile::from_memory(m68k, "m68k.o");
    CHECK_THROWS_WITH(dwarf::DwarfReader::open(*elf),
                      "m68k.o: .rela.debug_aranges+0x0: relocation type 10 (e_machine 4, RELA) is not one "
                      "kfuncbtf applies to debug sections");
  }
  // A MIPS64 entry whose second type is not R_MIPS_NONE (r_type2 is byte 14 of the entry).
  std::vector<uint8_t> mips = patched("dwarfonly/clang-mips64el-dwarf5.o", [](const elf::ElfFile &elf, std::vector<uint8_t> &img) {
    const elf::ElfSection *rs = elf.section(".rela.debug_info");
    REQUIRE(rs);
    img[rs->offset + 24 + 14] = 3;  // the second entry
  });
  if (!mips.empty()) {
    auto elf = elf::ElfFile::from_memory(mips, "mips.o");
    CHECK_THROWS_WITH(dwarf::DwarfReader::open(*elf),
                      "mips.o: .rela.debug_info+0x18: a MIPS64 entry with a second or third relocation "
                      "type; kfuncbtf applies single ones");
  }
  if (m68k.empty() && mips.empty()) KFB_SKIP("fixtures gcc-dwarf5.o, clang-mips64el-dwarf5.o not configured");
}

TEST_CASE("dwarf: in a relocatable object .debug_aranges picks the one CU a function is in") {
  // gcc writes .debug_aranges; its addresses are relocated against each CU's .text, so a
  // symbol's section and value name one CU (helpers.c is CU 0 of 5, arena.c CU 3).
  // The RISC-V fixture's aranges lengths are ADD64/SUB64 relocation pairs.
  size_t seen = 0;
  for (const char *v : {"gcc-dwarf5.o", "gcc-dwarf4.o", "gcc-dwarf5.elf", "dwarfonly/clang-riscv64-dwarf5.o"}) {
    Opened o;
    if (!open_fixture(v, o)) continue;
    seen++;
    CAPTURE(v);
    dwarf::DwarfReader *dw = o.dw.get();
    dwarf::DwarfQuery q;
    q.names = {"bpf_arena_memset"};
    std::vector<dwarf::FuncDef> defs = dw->find(q);
    CHECK(dw->stats().aranges);
    CHECK(dw->stats().cus == 5);
    CHECK(dw->stats().cus_read == 1);
    REQUIRE(defs.size() == 1);
    CHECK(defs[0].cu_index == 3);
    CHECK(defs[0].file == "testdata/src/arena.c");
    CHECK(defs[0].line == 44);

    // A name the aranges cannot place (no symbol, or no range covering it): every CU is
    // walked, so nothing the aranges miss goes unfound.
    q.names = {"bpf_arena_memset", "no_such_function"};
    defs = dw->find(q);
    CHECK_FALSE(dw->stats().aranges);
    CHECK(dw->stats().cus_read == 5);
    REQUIRE(defs.size() == 1);
    CHECK(defs[0].line == 44);
  }
  if (seen == 0) KFB_SKIP("no gcc or RISC-V fixture configured");
}

TEST_CASE("dwarf: no DWARF is an error that says how to get it") {
  std::string p = fixture("nodwarf.o");
  if (p.empty()) KFB_SKIP("fixture nodwarf.o not configured (no clang or pahole)");
  auto elf = elf::ElfFile::open(p);
  CHECK_THROWS_WITH(dwarf::DwarfReader::open(*elf),
                    p + ": no DWARF debug information (.debug_info); build with CONFIG_DEBUG_INFO");
}

TEST_CASE("dwarf: integer base types get one C spelling whatever the producer wrote") {
  CHECK(dwarf::c_int_spelling("long unsigned int") == "unsigned long");  // gcc
  CHECK(dwarf::c_int_spelling("unsigned long") == "unsigned long");      // clang
  CHECK(dwarf::c_int_spelling("long long int") == "long long");
  CHECK(dwarf::c_int_spelling("long long unsigned int") == "unsigned long long");
  CHECK(dwarf::c_int_spelling("short unsigned int") == "unsigned short");
  CHECK(dwarf::c_int_spelling("short int") == "short");
  CHECK(dwarf::c_int_spelling("signed") == "int");
  CHECK(dwarf::c_int_spelling("unsigned") == "unsigned int");
  CHECK(dwarf::c_int_spelling("signed char") == "signed char");
  CHECK(dwarf::c_int_spelling("char") == "char");
  CHECK(dwarf::c_int_spelling("unsigned char") == "unsigned char");
  CHECK(dwarf::c_int_spelling("_Bool").empty());
  CHECK(dwarf::c_int_spelling("long long long").empty());
  CHECK(dwarf::c_int_spelling("short long").empty());
  CHECK(dwarf::c_int_spelling("unsigned signed int").empty());
  CHECK(dwarf::c_int_spelling("long  int").empty());  // one space between words, as DWARF names have
  CHECK(dwarf::c_int_spelling("").empty());
}
