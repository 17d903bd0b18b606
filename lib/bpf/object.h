// A compiled BPF program object (EM_BPF, `clang -target bpf`), read as libbpf reads it at open.
//
//   kfb::bpf::Object obj = kfb::bpf::read_object("sched.bpf.o");   // throws kfb::Error
//   for (const kfb::bpf::Program &p : obj.programs) {
//     // p.section "struct_ops/fx_enqueue", p.def.prog_type "BPF_PROG_TYPE_STRUCT_OPS",
//     // p.def.sleepable, p.member "enqueue" (of p.struct_ops_type, in map p.struct_ops_map)
//     for (size_t u : p.uses) {                                  // its own and its subprograms'
//       const kfb::bpf::KsymUse &use = obj.uses[u];
//       const kfb::bpf::Extern &ext = obj.externs[use.ext];
//       printf("%s:%u:%u: %s calls %s (looked up as %s, %s)\n", use.loc.file.c_str(),
//              use.loc.line, use.loc.col, p.name.c_str(), ext.name.c_str(),
//              ext.essential.c_str(), ext.weak ? "weak" : "strong");
//     }
//   }
//   // libbpf's prototype rule, local extern against a kernel FUNC's proto:
//   bool ok = kfb::bpf::types_compat(*obj.btf, ext.type_id, vmlinux, kfunc_proto_id);
//   kfb::bpf::essential_name("scx_bpf_dsq_move_to_local___v2");  // "scx_bpf_dsq_move_to_local"
//   kfb::bpf::section_def("fentry.s/do_sys_open").sleepable;       // true
//
// What is modelled, and from which libbpf function (tools/lib/bpf/libbpf.c of 7.3):
// - programs: every STT_FUNC symbol of an SHF_EXECINSTR PROGBITS section other than .text
//   (bpf_object__add_programs); the SEC name with a leading '?' dropped (autoload off); type,
//   attach type and sleepable from libbpf's section_defs[] (find_sec_def, sec_def_matches).
// - externs: undefined NOTYPE GLOBAL/WEAK symbols with a FUNC or VAR of extern linkage in the
//   .ksyms DATASEC (bpf_object__collect_externs); .kconfig externs are checked the same way but
//   not listed; externs sorted by name, as libbpf sorts its ksyms.
// - uses: relocations against those externs, Call when the instruction is `call`, else Ld64
//   (bpf_program__record_reloc), attributed to the function whose range holds them.
// - subprograms: calls into .text with a relocation (global or static callee), calls inside .text
//   without one, and ld_imm64 of a .text function (callbacks, BPF_PSEUDO_FUNC), followed
//   transitively, as bpf_object__reloc_code appends subprograms to each calling program.
// - struct_ops: the .struct_ops / .struct_ops.link DATASEC's variables are the maps; their
//   relocations name the program at each member offset (bpf_object__collect_st_ops_relos,
//   find_member_by_offset).
// - line info: .BTF.ext line_info (byte insn offsets, as in an object file); line = line_col >> 10,
//   col = line_col & 0x3ff; a use gets the last record at or before its instruction.
// Not modelled: maps other than struct_ops, CO-RE relocations (framing of core_relo is checked),
// custom section handlers (libbpf_register_prog_handler). Unlike libbpf, which drops a .BTF.ext
// it cannot parse and carries on, a corrupt .BTF.ext is an error here: a checker that reports
// file:line must not quietly lose them.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "btf/btf.h"

namespace kfb::bpf {

// What libbpf's section table makes of a SEC name.
struct SectionDef {
  std::string prog_type;    // "BPF_PROG_TYPE_STRUCT_OPS"; "" when no entry matches (libbpf
                            // leaves the type unset and the load fails)
  std::string attach_type;  // expected_attach_type, "BPF_TRACE_FENTRY"; "" for none (0)
  bool sleepable = false;   // SEC_SLEEPABLE: loaded with BPF_F_SLEEPABLE
  std::string pattern;      // the entry that matched: "fentry.s+"; "" when none
};

// libbpf's rules: an entry "x+" matches "x" and "x/...", an entry ending in '/' matches any name
// with that prefix, any other entry only itself; the first match in table order wins. A leading
// '?' (autoload off) is ignored.
SectionDef section_def(std::string_view sec_name);

// The kfunc hook the verifier looks a program type up in (bpf_prog_type_to_kfunc_hook,
// kernel/bpf/btf.c): "tracing" for BPF_PROG_TYPE_LSM, "none" for a type with no hook (only
// "common" kfuncs), "" when not known here (BPF_PROG_TYPE_EXT takes its target's type).
std::string_view kfunc_hook(std::string_view prog_type);

struct SrcLoc {
  std::string file;  // as the compiler wrote it ("testdata/bpf/kfuncs.bpf.c"); "" when unknown
  uint32_t line = 0, col = 0;
};

// An extern of the .ksyms DATASEC: a kfunc (func) or a kernel variable.
struct Extern {
  std::string name;       // as declared: "scx_bpf_dsq_move_to_local___v2"
  std::string essential;  // what libbpf looks up in the kernel: "scx_bpf_dsq_move_to_local"
  bool weak = false;      // STB_WEAK (`__weak`): missing or incompatible means poisoned, not error
  bool func = false;      // a FUNC; false: a VAR (`extern const int x __ksym`)
  uint32_t btf_id = 0;    // the FUNC or VAR in the object's BTF
  uint32_t type_id = 0;   // FUNC: its FUNC_PROTO; VAR: its type past modifiers and typedefs
  uint32_t sym_idx = 0;   // its ELF symbol
};

// One relocation of an instruction against an extern.
struct KsymUse {
  enum Kind { Call, Ld64 };  // `call` (R_BPF_64_32); anything else is an ld_imm64 (R_BPF_64_64,
                             // bpf_ksym_exists or taking a variable's address)
  size_t ext = 0;            // index into Object::externs
  Kind kind = Call;
  std::string section;       // ELF section of the instruction ("struct_ops/fx_enqueue", ".text")
  uint64_t insn_off = 0;     // byte offset of the instruction in that section
  std::string function;      // the program or .text subprogram that holds it
  size_t func = 0;           // into Object::funcs
  uint32_t func_insn = 0;    // instruction index within that function
  SrcLoc loc;
};

struct Program {
  std::string name;     // the function symbol
  std::string section;  // SEC name without a leading '?'
  bool autoload = true;  // false for SEC("?...")
  SectionDef def;
  uint64_t insn_off = 0, size = 0;  // bytes, within the section
  // struct_ops: the first map slot that points at this program (relocation order). A program may
  // sit in several maps (libbpf allows it for the same type and member): all are in
  // struct_ops_maps. member_idx is the member's index in the object's own struct type (libbpf
  // maps it to the kernel's member by name).
  std::string struct_ops_map, struct_ops_type, member;
  int member_idx = -1;
  std::vector<std::string> struct_ops_maps;
  std::vector<size_t> uses;              // indices into Object::uses, ascending: its own and
                                         // those of every subprogram it reaches
  std::vector<std::string> subprograms;  // the .text functions it reaches, by offset
};

// One instruction, decoded in the object's byte order.
struct BpfInsn {
  uint8_t code = 0, dst_reg = 0, src_reg = 0;
  int16_t off = 0;
  int32_t imm = 0;
};

// What a relocated (or pseudo-call) instruction refers to, as libbpf resolves it.
struct InsnRef {
  enum Kind { Ksym, Kconfig, Data, Callee };
  Kind kind = Data;
  size_t index = 0;   // Ksym: into Object::externs; Callee: into Object::funcs
  std::string name;   // Kconfig: the extern ("LINUX_KERNEL_VERSION"); Data: the section (".rodata")
  int64_t off = 0;    // Data: byte offset in that section (symbol value + the instruction's imm)
};

// A CO-RE relocation of an instruction (.BTF.ext core_relo): what libbpf rewrites per target.
struct CoreRelo {
  uint32_t type_id = 0;  // the local root type
  std::string access;    // "0:1:2": array index, then member (or enumerator) indices
  uint32_t kind = 0;     // enum bpf_core_relo_kind: 2 FIELD_EXISTS, 8 TYPE_EXISTS, 10 ENUMVAL_EXISTS, ...
};

// A program's or subprogram's code, for reachability (bpf/prune.h).
struct FuncCode {
  std::string name;
  int program = -1;                   // into Object::programs; -1 for a .text subprogram
  std::vector<BpfInsn> insns;
  std::map<uint32_t, InsnRef> refs;   // by instruction index within the function
  std::map<uint32_t, CoreRelo> core;  // by instruction index within the function
};

struct Object {
  std::string path;
  bool big_endian = false;        // bpfeb
  std::unique_ptr<btf::Btf> btf;  // the object's .BTF; null when it has none (then no externs)
  bool has_line_info = false;     // .BTF.ext with line_info records
  std::vector<Extern> externs;
  std::vector<Program> programs;  // by section index, then offset (libbpf's order)
  std::vector<KsymUse> uses;      // by section index, then offset
  std::vector<FuncCode> funcs;    // every function; Program's root is funcs[program_func[i]]
  std::vector<size_t> program_func;  // parallel to programs
  // Read-only data sections (.rodata, .rodata.*) as compiled: what the verifier sees as
  // constants once libbpf has frozen those maps ('const volatile' knobs).
  std::map<std::string, std::vector<uint8_t>> rodata;
  // Their variables by name, from the symbol table (the object's DATASECs say offset 0 until
  // libbpf fixes them up from the same symbols).
  struct DataVar {
    std::string section;
    uint64_t off = 0, size = 0;
  };
  std::map<std::string, DataVar> rodata_vars;
};

// Reads the object. Throws kfb::Error for input libbpf would refuse or this reader cannot trust:
// not an ELF, not EM_BPF, not ET_REL, no symbol table, a program outside its section, a
// relocation outside its section or against an instruction libbpf cannot relocate, an extern
// without BTF, a corrupt .BTF.ext, a struct_ops slot that is not a struct_ops program; each
// message names the file, the section and the offset ("x.o: .reltc+0x10: ...").
Object read_object(const std::string &path);
// Over bytes the caller keeps alive during the call (tests, fuzzing); `path` names it in errors.
Object read_object(std::span<const uint8_t> image, const std::string &path);

// libbpf's bpf_core_types_are_compat: the kinds match (any two enums match) past modifiers and
// typedefs; structs, unions, enums and forwards match by kind alone (names and sizes ignored);
// integers match unless either is a bitfield-like one (offset != 0); pointers and arrays
// recurse into their targets; function prototypes need the same vlen and compatible parameters
// and return types. Other kinds (FLOAT among them) do not match. Depth-limited as libbpf's (32
// steps, 32 levels of nested prototypes): deeper means incompatible.
bool types_compat(const btf::Btf &local, uint32_t local_id, const btf::Btf &targ, uint32_t targ_id);

// libbpf's bpf_core_types_match (BPF_CORE_TYPE_MATCHES, bpf_core_type_matches()): past modifiers
// and typedefs the essential names are equal and the kinds too (a struct or union behind a
// pointer also matches a forward of its kind; an enum matches an enum64); integers by size and
// signedness; enums by size and every local enumerator's name; structs and unions by every local
// member's namesake matching (behind a pointer: by kind alone); arrays by length and element;
// pointers, prototypes (same arity) recursively. 1 match, 0 not, -1 libbpf's -EINVAL (a bad id,
// deeper than its 32 steps or levels).
int types_match(const btf::Btf &local, uint32_t local_id, const btf::Btf &targ, uint32_t targ_id);

// The name without its last "___flavour" suffix (libbpf's bpf_core_essential_name_len: the
// separator is "___" with a non-'_' before and after it).
std::string essential_name(std::string_view name);

}  // namespace kfb::bpf
