// lib/bpf on testdata/bpf/kfuncs.bpf.c, compiled by the build (clang -target bpf -g -O2): every
// value below was checked against llvm-objdump -dr and the source's line:column.
#include "kfb_catch.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "bpf/object.h"
#include "elf/elf.h"
#include "support/error.h"

using namespace kfb;
using kfbtest::fixture;

namespace {

constexpr const char *kSrc = "./testdata/bpf/kfuncs.bpf.c";

std::string bpf_fixture() { return fixture("bpf/kfuncs.bpf.o"); }

const bpf::Program &program(const bpf::Object &o, std::string_view name) {
  for (const bpf::Program &p : o.programs)
    if (p.name == name) return p;
  FAIL("no program " << name);
  throw;
}

size_t extern_index(const bpf::Object &o, const std::string &name) {
  for (size_t i = 0; i < o.externs.size(); i++)
    if (o.externs[i].name == name) return i;
  FAIL("no extern " << name);
  return 0;
}

std::vector<uint8_t> read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The fixture's bytes with a little-endian value of `size` bytes written at `off` of section
// `sec` (a file offset when `sec` is empty).
std::vector<uint8_t> patched(const std::string &sec, uint64_t off, uint64_t value, size_t size) {
  std::vector<uint8_t> img = read_file(bpf_fixture());
  uint64_t base = 0;
  if (!sec.empty()) {
    auto elf = elf::ElfFile::from_memory(img, "t.o");
    const elf::ElfSection *s = elf->section(sec);
    REQUIRE(s);
    base = s->offset;
  }
  REQUIRE(base + off + size <= img.size());
  for (size_t i = 0; i < size; i++) img[base + off + i] = static_cast<uint8_t>(value >> (8 * i));
  return img;
}

std::string error_of(std::span<const uint8_t> img) {
  try {
    (void)bpf::read_object(img, "prog.bpf.o");
  } catch (const Error &e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("bpf: programs, their SEC types and sleepable, in section order") {
  std::string path = bpf_fixture();
  if (path.empty()) KFB_SKIP("bpf/kfuncs.bpf.o not configured (no clang with the BPF target)");
  bpf::Object o = bpf::read_object(path);
  CHECK(o.path == path);
  REQUIRE(o.btf);
  CHECK(o.has_line_info);
  struct Want {
    const char *name, *section, *type, *attach;
    bool sleepable;
    const char *pattern;
  };
  const Want want[] = {
      {"fx_enqueue", "struct_ops/fx_enqueue", "BPF_PROG_TYPE_STRUCT_OPS", "", false, "struct_ops+"},
      {"fx_dispatch", "struct_ops/fx_dispatch", "BPF_PROG_TYPE_STRUCT_OPS", "", false,
       "struct_ops+"},
      {"fx_init", "struct_ops.s/fx_init", "BPF_PROG_TYPE_STRUCT_OPS", "", true, "struct_ops.s+"},
      {"fx_syscall", "syscall", "BPF_PROG_TYPE_SYSCALL", "", true, "syscall"},
      {"fx_fentry", "fentry.s/do_sys_open", "BPF_PROG_TYPE_TRACING", "BPF_TRACE_FENTRY", true,
       "fentry.s+"},
      {"fx_tc", "tc", "BPF_PROG_TYPE_SCHED_CLS", "", false, "tc"},
  };
  REQUIRE(o.programs.size() == std::size(want));
  for (size_t i = 0; i < std::size(want); i++) {
    const bpf::Program &p = o.programs[i];
    CAPTURE(i, p.name);
    CHECK(p.name == want[i].name);
    CHECK(p.section == want[i].section);
    CHECK(p.def.prog_type == want[i].type);
    CHECK(p.def.attach_type == want[i].attach);
    CHECK(p.def.sleepable == want[i].sleepable);
    CHECK(p.def.pattern == want[i].pattern);
    CHECK(p.autoload);
    CHECK(p.insn_off == 0);
  }
  CHECK(program(o, "fx_enqueue").size == 56);  // 7 instructions
}

TEST_CASE("bpf: .ksyms externs: strong and weak, func and var, essential names, sorted by name") {
  std::string path = bpf_fixture();
  if (path.empty()) KFB_SKIP("bpf/kfuncs.bpf.o not configured (no clang with the BPF target)");
  bpf::Object o = bpf::read_object(path);
  struct Want {
    const char *name, *essential;
    bool weak, func;
  };
  const Want want[] = {
      {"bpf_prog_active", "bpf_prog_active", false, false},
      {"bpf_task_from_pid", "bpf_task_from_pid", false, true},
      {"bpf_task_release", "bpf_task_release", false, true},
      {"scx_bpf_create_dsq", "scx_bpf_create_dsq", false, true},
      {"scx_bpf_dsq_move_to_local___v2", "scx_bpf_dsq_move_to_local", true, true},
      {"scx_bpf_kick_cpu", "scx_bpf_kick_cpu", true, true},
  };
  REQUIRE(o.externs.size() == std::size(want));
  const btf::Btf &btf = *o.btf;
  for (size_t i = 0; i < std::size(want); i++) {
    const bpf::Extern &e = o.externs[i];
    CAPTURE(i, e.name);
    CHECK(e.name == want[i].name);
    CHECK(e.essential == want[i].essential);
    CHECK(e.weak == want[i].weak);
    CHECK(e.func == want[i].func);
    // btf_id is the FUNC/VAR of that name; type_id its FUNC_PROTO (func) or the type past
    // modifiers (var: `const int` -> int).
    CHECK(btf.name(e.btf_id) == e.name);
    CHECK(btf.type(e.btf_id).kind() == (e.func ? btf::Kind::FUNC : btf::Kind::VAR));
    if (e.func) {
      CHECK(e.type_id == btf.type(e.btf_id).type());
      CHECK(btf.type(e.type_id).kind() == btf::Kind::FUNC_PROTO);
    } else {
      CHECK(btf.type(e.type_id).kind() == btf::Kind::INT);
      CHECK(btf.name(e.type_id) == "int");
    }
  }
  CHECK(btf.type(o.externs[extern_index(o, "scx_bpf_dsq_move_to_local___v2")].type_id).vlen() == 2);
}

TEST_CASE("bpf: every extern use: kind, section, instruction offset, function and file:line:col") {
  std::string path = bpf_fixture();
  if (path.empty()) KFB_SKIP("bpf/kfuncs.bpf.o not configured (no clang with the BPF target)");
  bpf::Object o = bpf::read_object(path);
  using K = bpf::KsymUse;
  struct Want {
    const char *ext;
    K::Kind kind;
    const char *section;
    uint64_t insn_off;
    const char *function;
    uint32_t line, col;
  };
  const Want want[] = {
      // put_task, a static subprogram in .text
      {"bpf_task_from_pid", K::Call, ".text", 0x18, "put_task", 38, 27},
      {"bpf_task_release", K::Call, ".text", 0x38, "put_task", 41, 3},
      // bpf_ksym_exists(scx_bpf_kick_cpu): an ld_imm64, then the guarded call
      {"scx_bpf_kick_cpu", K::Ld64, "struct_ops/fx_enqueue", 0x0, "fx_enqueue", 51, 7},
      {"scx_bpf_kick_cpu", K::Call, "struct_ops/fx_enqueue", 0x28, "fx_enqueue", 52, 5},
      {"scx_bpf_dsq_move_to_local___v2", K::Call, "struct_ops/fx_dispatch", 0x10, "fx_dispatch", 57,
       3},
      {"scx_bpf_create_dsq", K::Call, "struct_ops.s/fx_init", 0x18, "fx_init", 62, 10},
      // reading a ksym variable: its address by ld_imm64
      {"bpf_prog_active", K::Ld64, "fentry.s/do_sys_open", 0x0, "fx_fentry", 80, 10},
  };
  REQUIRE(o.uses.size() == std::size(want));
  for (size_t i = 0; i < std::size(want); i++) {
    const bpf::KsymUse &u = o.uses[i];
    CAPTURE(i);
    CHECK(o.externs[u.ext].name == want[i].ext);
    CHECK(u.kind == want[i].kind);
    CHECK(u.section == want[i].section);
    CHECK(u.insn_off == want[i].insn_off);
    CHECK(u.function == want[i].function);
    CHECK(u.loc.file == kSrc);
    CHECK(u.loc.line == want[i].line);
    CHECK(u.loc.col == want[i].col);
  }
}

TEST_CASE("bpf: a .text subprogram's uses count for both programs that call it, transitively") {
  std::string path = bpf_fixture();
  if (path.empty()) KFB_SKIP("bpf/kfuncs.bpf.o not configured (no clang with the BPF target)");
  bpf::Object o = bpf::read_object(path);
  // fx_syscall and fx_tc call release_pid (a relocation against .text), which calls put_task
  // (a call inside .text, no relocation), which calls the two task kfuncs (uses 0 and 1).
  for (const char *name : {"fx_syscall", "fx_tc"}) {
    CAPTURE(name);
    const bpf::Program &p = program(o, name);
    CHECK(p.uses == std::vector<size_t>{0, 1});
    CHECK(p.subprograms == std::vector<std::string>{"release_pid", "put_task"});
  }
  CHECK(program(o, "fx_enqueue").uses == std::vector<size_t>{2, 3});
  CHECK(program(o, "fx_dispatch").uses == std::vector<size_t>{4});
  CHECK(program(o, "fx_init").uses == std::vector<size_t>{5});
  CHECK(program(o, "fx_fentry").uses == std::vector<size_t>{6});
  CHECK(program(o, "fx_enqueue").subprograms.empty());
}

TEST_CASE("bpf: struct_ops programs get their member from .rel.struct_ops.link") {
  std::string path = bpf_fixture();
  if (path.empty()) KFB_SKIP("bpf/kfuncs.bpf.o not configured (no clang with the BPF target)");
  bpf::Object o = bpf::read_object(path);
  struct Want {
    const char *prog, *member;
    int idx;
  };
  // The SEC names say fx_enqueue, fx_dispatch, fx_init; the members come from the map.
  for (const Want &w : {Want{"fx_enqueue", "enqueue", 1}, Want{"fx_dispatch", "dispatch", 2},
                        Want{"fx_init", "init", 3}}) {
    CAPTURE(w.prog);
    const bpf::Program &p = program(o, w.prog);
    CHECK(p.struct_ops_map == "fx_ops");
    CHECK(p.struct_ops_type == "sched_ext_ops");
    CHECK(p.member == w.member);
    CHECK(p.member_idx == w.idx);
    CHECK(p.struct_ops_maps == std::vector<std::string>{"fx_ops"});
  }
  for (const char *name : {"fx_syscall", "fx_fentry", "fx_tc"}) {
    const bpf::Program &p = program(o, name);
    CHECK(p.struct_ops_map.empty());
    CHECK(p.member.empty());
    CHECK(p.member_idx == -1);
  }
}

TEST_CASE("bpf: the same object from memory reads the same") {
  std::string path = bpf_fixture();
  if (path.empty()) KFB_SKIP("bpf/kfuncs.bpf.o not configured (no clang with the BPF target)");
  std::vector<uint8_t> img = read_file(path);
  bpf::Object a = bpf::read_object(path), b = bpf::read_object(img, "mem.o");
  CHECK(b.path == "mem.o");
  REQUIRE(a.uses.size() == b.uses.size());
  for (size_t i = 0; i < a.uses.size(); i++) CHECK(a.uses[i].insn_off == b.uses[i].insn_off);
  CHECK(a.programs.size() == b.programs.size());
}

TEST_CASE("bpf: section_def follows libbpf's table: '+', '/', exact names, first match, '?'") {
  auto def = [](const char *s) { return bpf::section_def(s); };
  CHECK(def("struct_ops").prog_type == "BPF_PROG_TYPE_STRUCT_OPS");
  CHECK(def("struct_ops/x").prog_type == "BPF_PROG_TYPE_STRUCT_OPS");
  CHECK_FALSE(def("struct_ops/x").sleepable);
  CHECK(def("struct_ops.s/x").sleepable);
  CHECK(def("struct_opsx").prog_type.empty());  // "+" needs the end or a '/'
  CHECK(def("fentry/x").attach_type == "BPF_TRACE_FENTRY");
  CHECK_FALSE(def("fentry/x").sleepable);
  CHECK(def("fentry.s/x").sleepable);
  CHECK(def("fexit.s/x").attach_type == "BPF_TRACE_FEXIT");
  CHECK(def("lsm.s/file_open").prog_type == "BPF_PROG_TYPE_LSM");
  CHECK(def("lsm.s/file_open").sleepable);
  CHECK(def("syscall").sleepable);
  CHECK(def("syscall/x").prog_type.empty());  // exact entry
  CHECK(def("tc").prog_type == "BPF_PROG_TYPE_SCHED_CLS");
  CHECK(def("tc/ingress").attach_type == "BPF_TCX_INGRESS");  // the earlier, longer entry wins
  CHECK(def("xdp.frags/devmap").attach_type == "BPF_XDP_DEVMAP");
  CHECK(def("kprobe/do_exit").prog_type == "BPF_PROG_TYPE_KPROBE");
  CHECK(def("kprobe.multi/x").attach_type == "BPF_TRACE_KPROBE_MULTI");
  CHECK(def("uprobe.s/x").sleepable);
  CHECK(def("tp_btf/sched_switch").attach_type == "BPF_TRACE_RAW_TP");
  CHECK(def("iter.s/task").sleepable);
  CHECK(def("?tc").prog_type == "BPF_PROG_TYPE_SCHED_CLS");  // '?': autoload off, same type
  CHECK(def("netfilter").attach_type == "BPF_NETFILTER");
  bpf::SectionDef none = def("my_section");
  CHECK(none.prog_type.empty());
  CHECK(none.attach_type.empty());
  CHECK(none.pattern.empty());
}

TEST_CASE("bpf: essential names drop the last ___flavour only") {
  CHECK(bpf::essential_name("scx_bpf_dsq_move_to_local___v2") == "scx_bpf_dsq_move_to_local");
  CHECK(bpf::essential_name("scx_bpf_dsq_reenq___compat") == "scx_bpf_dsq_reenq");
  CHECK(bpf::essential_name("a___b___c") == "a___b");
  CHECK(bpf::essential_name("bpf_task_acquire") == "bpf_task_acquire");
  CHECK(bpf::essential_name("a____b") == "a____b");  // four underscores: no separator
  CHECK(bpf::essential_name("a___") == "a___");      // nothing after it
  CHECK(bpf::essential_name("___v2") == "___v2");    // nothing before it
  CHECK(bpf::essential_name("x___y") == "x");
  CHECK(bpf::essential_name("") == "");
}

TEST_CASE("bpf: bad input: one message naming file, section and offset") {
  std::string path = bpf_fixture();
  if (path.empty()) KFB_SKIP("bpf/kfuncs.bpf.o not configured (no clang with the BPF target)");
  static const uint8_t kText[] = "hello, world\n";
  CHECK(error_of(kText) == "prog.bpf.o: not an ELF file");
  // e_machine (offset 18) = EM_X86_64
  CHECK(error_of(patched("", 18, 62, 2)) ==
        "prog.bpf.o: not a BPF object (e_machine 62, EM_BPF is 247)");
  // e_type (offset 16) = ET_EXEC
  CHECK(error_of(patched("", 16, 2, 2)) ==
        "prog.bpf.o: not a relocatable BPF object (e_type 2, ET_REL is 1)");
  // .BTF.ext: version 2; line_info's record size 12; line_info longer than the section
  CHECK(error_of(patched(".BTF.ext", 2, 2, 1)) ==
        "prog.bpf.o: .BTF.ext+0x2: unsupported version 2");
  CHECK(error_of(patched(".BTF.ext", 0x20 + 0x7c, 12, 4)) ==
        "prog.bpf.o: .BTF.ext+0x9c: line_info: record size 12 (want at least 16, a multiple of 4)");
  // (the section's size is the compiler's: clang 14 writes 0x238 bytes, clang 19 0x248)
  std::vector<uint8_t> img = read_file(path);
  auto img_elf = elf::ElfFile::from_memory(img, "t.o");  // kept alive: ext points into it
  const elf::ElfSection *ext = img_elf->section(".BTF.ext");
  REQUIRE(ext);
  CHECK(error_of(patched(".BTF.ext", 20, 0x10000, 4)) ==
        strfmt("prog.bpf.o: .BTF.ext+0x10: line_info: 0x10000 bytes at 0x9c run past the end of the section "
               "(0x%llx bytes)",
               static_cast<unsigned long long>(ext->size)));
  // .reltc's one relocation (the call of release_pid at tc+0x8) moved past the end of tc, off an
  // instruction, and onto `r1 = 2`
  CHECK(error_of(patched(".reltc", 0, 0x40, 8)) ==
        "prog.bpf.o: .reltc+0x0: relocation #0: offset 0x40 is outside section 'tc' (0x18 bytes)");
  CHECK(
      error_of(patched(".reltc", 0, 0x4, 8)) ==
      "prog.bpf.o: .reltc+0x0: relocation #0: offset 0x4 in section 'tc' is not on an instruction");
  CHECK(error_of(patched(".reltc", 0, 0x0, 8)) ==
        "prog.bpf.o: .reltc+0x0: relocation #0 against '.text': the instruction at tc+0x0 (code "
        "0xb7) "
        "is neither a call nor an ld_imm64");
  // .rel.struct_ops.link's first slot (enqueue, at 0x8) moved to 0x4 (inside select_cpu) and past
  // the map
  CHECK(
      error_of(patched(".rel.struct_ops.link", 0, 0x4, 8)) ==
      "prog.bpf.o: .rel.struct_ops.link+0x0: relocation #0: map 'fx_ops': struct sched_ext_ops has "
      "no member at offset 0x4");
  CHECK(
      error_of(patched(".rel.struct_ops.link", 0, 0x100, 8)) ==
      "prog.bpf.o: .rel.struct_ops.link+0x0: relocation #0: offset 0x100 of .struct_ops.link is in "
      "no struct_ops map");
  // The flags member (0x20) is an integer, not a function pointer.
  CHECK(
      error_of(patched(".rel.struct_ops.link", 0, 0x20, 8)) ==
      "prog.bpf.o: .rel.struct_ops.link+0x0: relocation #0: map 'fx_ops': member 'flags' is not a "
      "function pointer");
}
