// Reading a BPF object the way libbpf's bpf_object__open does, up to what a kfunc checker needs.
//
// The passes, in libbpf's order:
//   1. functions   every STT_FUNC of an executable section: programs outside .text,
//                  subprograms in it (bpf_object__add_programs); sorted by (section, offset)
//   2. BTF         the object's .BTF (lib/btf), and .BTF.ext's line_info (btf_ext.cc)
//   3. externs     undefined NOTYPE GLOBAL/WEAK symbols -> FUNC/VAR of extern linkage -> the
//                  DATASEC holding it (.ksyms kept, .kconfig checked and dropped)
//   4. relocations of executable sections: extern uses, subprogram calls and addresses
//                  (bpf_program__record_reloc); data and map relocations are not modelled
//   5. calls       each function's instructions: pseudo calls and BPF_PSEUDO_FUNC loads, with
//                  or without a relocation, resolved to a .text function (bpf_object__reloc_code)
//   6. struct_ops  .struct_ops[.link] maps from their DATASEC; their relocations put a program
//                  at a member offset (bpf_object__collect_st_ops_relos)
//   7. reach       each program's uses: its own plus those of every function it reaches
// Every error names the file, the section and the byte offset in it; an instruction is read
// through the section's bounds-checked cursor.
#include "bpf/object.h"

#include <elf.h>

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>

#include "bpf/object_impl.h"
#include "elf/elf.h"
#include "support/cursor.h"
#include "support/endian.h"
#include "support/error.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

namespace kfb::bpf {

namespace {

using btf::Btf;
using btf::Kind;
using elf::ElfFile;
using elf::ElfSection;
using elf::ElfSymbol;

constexpr uint64_t kInsnSize = 8;
constexpr uint8_t kCall = 0x85;     // BPF_JMP | BPF_CALL
constexpr uint8_t kLdImm64 = 0x18;  // BPF_LD | BPF_IMM | BPF_DW
constexpr uint8_t kPseudoCall = 1;  // src_reg of a bpf-to-bpf call
constexpr uint8_t kPseudoFunc = 4;  // src_reg of an ld_imm64 of a function's address

struct Insn {
  uint8_t code = 0, dst_reg = 0, src_reg = 0;
  int16_t off = 0;
  int32_t imm = 0;
  bool subprog_call() const {
    return code == kCall && src_reg == kPseudoCall && dst_reg == 0 && off == 0;
  }
  bool pseudo_func() const { return code == kLdImm64 && src_reg == kPseudoFunc; }
};

struct Function {
  std::string name;
  size_t shndx = 0;
  uint64_t off = 0, size = 0;   // bytes
  bool subprog = false;         // in .text
  int program = -1;             // index into Object::programs
  std::vector<size_t> uses;     // into Object::uses
  std::vector<size_t> callees;  // into functions
};

// How a relocated instruction was classed (libbpf's RELO_* kinds that matter here).
enum class Relo { ExternCall, ExternLd64, Call, SubprogAddr, Other };
struct RelInfo {
  Relo kind = Relo::Other;
  uint64_t sym_off = 0;  // st_value of the symbol
  size_t sym = 0;        // its index
};

bool is_struct_ops_sec(std::string_view name) {
  return name == ".struct_ops" || name == ".struct_ops.link" || name == "?.struct_ops" ||
         name == "?.struct_ops.link";
}

class Reader {
 public:
  explicit Reader(const ElfFile &elf) : elf_(elf), p_(elf.path().c_str()) {}
  Object read();

 private:
  const ElfFile &elf_;
  const char *p_;
  Object obj_;
  std::vector<Function> funcs_;
  size_t text_shndx_ = 0;
  detail::LineTable lines_;
  detail::CoreTable core_;
  std::unordered_map<uint32_t, size_t> ext_by_sym_;  // symbol index -> externs index
  std::vector<bool> kconfig_sym_;                    // by symbol index
  // Relocated instructions by (section, instruction index).
  std::map<std::pair<size_t, uint64_t>, RelInfo> relocated_;
  std::vector<size_t> use_shndx_;  // parallel to obj_.uses, for the final order
  std::map<std::pair<size_t, uint64_t>, size_t> callee_at_;  // (section, insn index) -> function

  const ElfSection &sec(size_t i) const { return elf_.sections()[i]; }
  std::string sec_name(size_t i) const {
    return i < elf_.sections().size() ? std::string(sec(i).name) : strfmt("#%zu", i);
  }
  bool executable(size_t i) const {
    if (i == 0 || i >= elf_.sections().size()) return false;
    const ElfSection &s = sec(i);
    return s.type == SHT_PROGBITS && (s.flags & SHF_EXECINSTR) && s.size > 0;
  }
  const ElfSection &symtab() const;
  // "<path>: .symtab+0x<off>" for symbol `i`, to prefix messages about it.
  Cursor sym_cursor(size_t i) const;
  Insn insn_at(const ElfSection &s, uint64_t off) const;
  int function_at(size_t shndx, uint64_t insn_idx) const;  // -1: none holds that instruction

  void check_header();
  void collect_functions();
  void read_btf();
  void collect_externs();
  void collect_relocations();
  void collect_calls();
  void collect_struct_ops();
  void reach();
  void keep_code();
};

const ElfSection &Reader::symtab() const {
  for (const ElfSection &s : elf_.sections())
    if (s.type == SHT_SYMTAB) return s;
  fail("%s: no symbol table (a stripped object?)", p_);
}

Cursor Reader::sym_cursor(size_t i) const {
  const ElfSection &st = symtab();
  return Cursor({}, false, strfmt("%s: %s", p_, std::string(st.name).c_str()),
                i * (st.entsize ? st.entsize : sizeof(Elf64_Sym)));
}

Insn Reader::insn_at(const ElfSection &s, uint64_t off) const {
  std::span<const uint8_t> d = elf_.data(s);
  if (off > d.size() || d.size() - off < kInsnSize) {  // through a cursor for its message
    Cursor c = elf_.cursor(s);
    c.seek(off);
    c.bytes(kInsnSize);
  }
  const uint8_t *p = d.data() + off;
  bool be = elf_.big_endian(), swap = elf_.swap();
  Insn in;
  in.code = p[0];
  // The register nibbles are a bitfield {dst_reg:4, src_reg:4}: low nibble first on little
  // endian, high nibble first on big endian (bpfeb).
  in.dst_reg = be ? p[1] >> 4 : p[1] & 0xf;
  in.src_reg = be ? p[1] & 0xf : p[1] >> 4;
  in.off = static_cast<int16_t>(load<uint16_t>(p + 2, swap));
  in.imm = static_cast<int32_t>(load<uint32_t>(p + 4, swap));
  return in;
}

int Reader::function_at(size_t shndx, uint64_t insn_idx) const {
  // The last function starting at or before the instruction, if its range holds it
  // (find_prog_by_sec_insn).
  auto it = std::upper_bound(funcs_.begin(), funcs_.end(), std::make_pair(shndx, insn_idx),
                             [](const std::pair<size_t, uint64_t> &k, const Function &f) {
                               return k < std::make_pair(f.shndx, f.off / kInsnSize);
                             });
  if (it == funcs_.begin()) return -1;
  const Function &f = *(it - 1);
  if (f.shndx != shndx) return -1;
  uint64_t first = f.off / kInsnSize;
  if (insn_idx < first || insn_idx >= first + f.size / kInsnSize) return -1;
  return static_cast<int>(it - 1 - funcs_.begin());
}

void Reader::check_header() {
  if (elf_.machine() != EM_BPF && elf_.machine() != 0)
    fail("%s: not a BPF object (e_machine %u, EM_BPF is %u)", p_, elf_.machine(), EM_BPF);
  if (elf_.type() != ET_REL)
    fail("%s: not a relocatable BPF object (e_type %u, ET_REL is %u)", p_, elf_.type(), ET_REL);
  if (!elf_.is64()) fail("%s: ELF32 BPF object (BPF objects are ELF64)", p_);
  size_t n = 0;
  for (const ElfSection &s : elf_.sections()) n += s.type == SHT_SYMTAB;
  if (n > 1) fail("%s: more than one symbol table", p_);
  (void)symtab();
}

void Reader::collect_functions() {
  const auto &syms = elf_.symbols();
  for (const ElfSection &s : elf_.sections())
    if (s.name == ".text" && executable(s.index)) text_shndx_ = s.index;
  for (size_t i = 0; i < syms.size(); i++) {
    const ElfSymbol &sym = syms[i];
    if (sym.type != STT_FUNC || !executable(sym.shndx)) continue;
    const ElfSection &s = sec(sym.shndx);
    std::string name(sym.name);
    Cursor at = sym_cursor(i);
    if (sym.size == 0 || sym.size % kInsnSize || sym.value % kInsnSize)
      at.fail("function '%s' in section '%s': offset 0x%llx, size 0x%llx: not whole instructions",
              name.c_str(), std::string(s.name).c_str(), static_cast<unsigned long long>(sym.value),
              static_cast<unsigned long long>(sym.size));
    if (sym.value + sym.size > s.size || sym.value + sym.size < sym.value)
      at.fail("function '%s': 0x%llx bytes at 0x%llx cross the end of section '%s' (0x%llx bytes)",
              name.c_str(), static_cast<unsigned long long>(sym.size),
              static_cast<unsigned long long>(sym.value), std::string(s.name).c_str(),
              static_cast<unsigned long long>(s.size));
    bool subprog = sym.shndx == text_shndx_;
    if (!subprog && sym.bind == STB_LOCAL)
      at.fail("program '%s' in section '%s' is static: libbpf does not support that", name.c_str(),
              std::string(s.name).c_str());
    funcs_.push_back({name, sym.shndx, sym.value, sym.size, subprog, -1, {}, {}});
  }
  std::sort(funcs_.begin(), funcs_.end(), [](const Function &a, const Function &b) {
    return std::tie(a.shndx, a.off) < std::tie(b.shndx, b.off);
  });
  for (size_t i = 1; i < funcs_.size(); i++)
    if (funcs_[i].shndx == funcs_[i - 1].shndx &&
        funcs_[i].off < funcs_[i - 1].off + funcs_[i - 1].size)
      fail("%s: %s+0x%llx: functions '%s' and '%s' overlap", p_, sec_name(funcs_[i].shndx).c_str(),
           static_cast<unsigned long long>(funcs_[i].off), funcs_[i - 1].name.c_str(),
           funcs_[i].name.c_str());
  for (Function &f : funcs_) {
    if (f.subprog) continue;
    f.program = static_cast<int>(obj_.programs.size());
    Program &prog = obj_.programs.emplace_back();
    prog.name = f.name;
    std::string_view section = sec(f.shndx).name;
    prog.autoload = !section.starts_with('?');
    if (!prog.autoload) section.remove_prefix(1);
    prog.section = section;
    prog.def = section_def(section);
    prog.insn_off = f.off;
    prog.size = f.size;
  }
}

void Reader::read_btf() {
  const ElfSection *btf_sec = elf_.section(".BTF");
  if (!btf_sec) return;
  if (btf_sec->type != SHT_PROGBITS)
    fail("%s: .BTF: section type %u, not SHT_PROGBITS", p_, btf_sec->type);
  obj_.btf = std::make_unique<Btf>(Btf::parse(elf_.contents(*btf_sec), std::string(p_) + ": .BTF"));
  const ElfSection *ext = elf_.section(".BTF.ext");
  if (!ext) return;
  if (ext->type != SHT_PROGBITS)
    fail("%s: .BTF.ext: section type %u, not SHT_PROGBITS", p_, ext->type);
  detail::BtfExt be = detail::read_btf_ext(elf_, *ext, *obj_.btf);
  lines_ = std::move(be.lines);
  core_ = std::move(be.core);
  obj_.has_line_info = !lines_.empty();
}

void Reader::collect_externs() {
  const auto &syms = elf_.symbols();
  kconfig_sym_.assign(syms.size(), false);
  // The DATASEC that lists each VAR/FUNC (the first by id, as find_extern_sec_btf_id).
  std::unordered_map<uint32_t, uint32_t> datasec_of;
  if (obj_.btf)
    for (uint32_t id = 1; id < obj_.btf->type_cnt(); id++) {
      btf::Type t = obj_.btf->type(id);
      if (t.kind() != Kind::DATASEC) continue;
      for (const btf::VarSecinfo &vs : t.secinfos()) datasec_of.emplace(vs.type, id);
    }
  for (size_t i = 0; i < syms.size(); i++) {
    const ElfSymbol &sym = syms[i];
    if (sym.shndx != SHN_UNDEF || (sym.bind != STB_GLOBAL && sym.bind != STB_WEAK) ||
        sym.type != STT_NOTYPE || sym.name.empty())
      continue;
    std::string name(sym.name);
    Cursor at = sym_cursor(i);
    if (!obj_.btf) at.fail("extern '%s': the object has no .BTF to describe it", name.c_str());
    const Btf &btf = *obj_.btf;
    // The first VAR or FUNC of that name (find_extern_btf_id).
    uint32_t var = btf.find_first(name, Kind::VAR), func = btf.find_first(name, Kind::FUNC);
    uint32_t id = var && func ? std::min(var, func) : var | func;
    if (!id) at.fail("extern '%s': no BTF VAR or FUNC of that name", name.c_str());
    btf::Type t = btf.type(id);
    bool is_func = t.kind() == Kind::FUNC;
    if (is_func ? t.func_linkage() != btf::FUNC_EXTERN : t.var_linkage() != btf::VAR_GLOBAL_EXTERN)
      at.fail("extern '%s': its BTF %s [%u] is not of extern linkage", name.c_str(),
              is_func ? "FUNC" : "VAR", id);
    auto ds = datasec_of.find(id);
    if (ds == datasec_of.end())
      at.fail("extern '%s': its BTF %s [%u] is in no DATASEC", name.c_str(),
              is_func ? "FUNC" : "VAR", id);
    std::string_view ds_name = btf.name(ds->second);
    if (ds_name == ".kconfig") {
      if (is_func)
        at.fail("extern function '%s' in .kconfig: libbpf does not support that", name.c_str());
      kconfig_sym_[i] = true;
      continue;
    }
    if (ds_name != ".ksyms")
      at.fail("extern '%s': in DATASEC '%s', neither .ksyms nor .kconfig", name.c_str(),
              std::string(ds_name).c_str());
    Extern e;
    e.name = name;
    e.essential = essential_name(name);
    e.weak = sym.bind == STB_WEAK;
    e.func = is_func;
    e.btf_id = id;
    // A FUNC's type is its FUNC_PROTO; a VAR's is skipped past modifiers and typedefs (the
    // ksym.type_id libbpf compares with the kernel's). The chain is bounded by the type count.
    uint32_t type = t.type();
    for (uint32_t n = 0; n <= btf.type_cnt() && btf.valid_id(type); n++) {
      btf::Type tt = btf.type(type);
      if (!tt.is_modifier() && tt.kind() != Kind::TYPEDEF) break;
      type = tt.type();
    }
    e.type_id = type;
    e.sym_idx = static_cast<uint32_t>(i);
    obj_.externs.push_back(std::move(e));
  }
  std::sort(obj_.externs.begin(), obj_.externs.end(),
            [](const Extern &a, const Extern &b) { return a.name < b.name; });
  for (size_t i = 0; i < obj_.externs.size(); i++) ext_by_sym_[obj_.externs[i].sym_idx] = i;
}

void Reader::collect_relocations() {
  const auto &syms = elf_.symbols();
  size_t nsec = elf_.sections().size();
  for (const ElfSection &rs : elf_.sections()) {
    if (rs.type != SHT_REL) continue;
    Cursor rc = elf_.cursor(rs);
    if (rs.info >= nsec)
      rc.fail_at(0, "applies to section %u, past the last (%zu)", rs.info, nsec - 1);
    size_t target = rs.info;
    if (!executable(target)) continue;  // data, struct_ops (collect_struct_ops), debug sections
    const ElfSection &ts = sec(target);
    std::string tname(ts.name);
    std::vector<elf::ElfRel> rels = elf_.relocations(rs);
    for (size_t i = 0; i < rels.size(); i++) {
      const elf::ElfRel &r = rels[i];
      size_t at = i * rs.entsize;
      const ElfSymbol &sym = syms[r.sym];
      std::string sname = sym.type == STT_SECTION && sym.name.empty() && sym.shndx < nsec
                              ? std::string(sec(sym.shndx).name)
                              : std::string(sym.name);
      if (sym.shndx >= nsec)
        rc.fail_at(at, "relocation #%zu: symbol '%s' is in section %u, past the last (%zu)", i,
                   sname.c_str(), sym.shndx, nsec - 1);
      if (r.offset >= ts.size)
        rc.fail_at(at, "relocation #%zu: offset 0x%llx is outside section '%s' (0x%llx bytes)", i,
                   static_cast<unsigned long long>(r.offset), tname.c_str(),
                   static_cast<unsigned long long>(ts.size));
      if (r.offset % kInsnSize)
        rc.fail_at(at, "relocation #%zu: offset 0x%llx in section '%s' is not on an instruction", i,
                   static_cast<unsigned long long>(r.offset), tname.c_str());
      uint64_t insn_idx = r.offset / kInsnSize;
      int fi = function_at(target, insn_idx);
      if (fi < 0) continue;  // in no function: libbpf skips it too
      Function &f = funcs_[fi];
      Insn in = insn_at(ts, r.offset);
      if (in.code != kCall && in.code != kLdImm64)
        rc.fail_at(at,
                   "relocation #%zu against '%s': the instruction at %s+0x%llx (code 0x%02x) is "
                   "neither a call nor an ld_imm64",
                   i, sname.c_str(), tname.c_str(), static_cast<unsigned long long>(r.offset),
                   in.code);
      RelInfo info{Relo::Other, sym.value, r.sym};
      bool is_extern = sym.shndx == SHN_UNDEF && (sym.bind == STB_GLOBAL || sym.bind == STB_WEAK) &&
                       sym.type == STT_NOTYPE;
      if (is_extern) {
        info.kind = in.code == kCall ? Relo::ExternCall : Relo::ExternLd64;
        auto e = ext_by_sym_.find(r.sym);
        if (e != ext_by_sym_.end()) {
          KsymUse u;
          u.ext = e->second;
          u.kind = in.code == kCall ? KsymUse::Call : KsymUse::Ld64;
          u.section = tname;
          u.insn_off = r.offset;
          u.function = f.name;
          u.func = static_cast<size_t>(fi);
          u.func_insn = static_cast<uint32_t>(insn_idx - f.off / kInsnSize);
          if (auto l = lines_.find(tname); l != lines_.end()) {
            auto it = std::upper_bound(
                l->second.begin(), l->second.end(), r.offset,
                [](uint64_t off, const detail::LineRec &rec) { return off < rec.insn_off; });
            if (it != l->second.begin()) {
              --it;
              u.loc = {std::string(it->file), it->line, it->col};
            }
          }
          f.uses.push_back(obj_.uses.size());
          obj_.uses.push_back(std::move(u));
          use_shndx_.push_back(target);
        } else if (!kconfig_sym_[r.sym]) {
          rc.fail_at(at, "relocation #%zu: extern '%s' has no BTF description", i, sname.c_str());
        }
      } else if (in.code == kCall) {
        if (in.src_reg != kPseudoCall)
          rc.fail_at(at, "relocation #%zu: call against '%s' is not a bpf-to-bpf call (src_reg %u)",
                     i, sname.c_str(), in.src_reg);
        if (!sym.shndx || sym.shndx != text_shndx_)
          rc.fail_at(at, "relocation #%zu: call against '%s' in section '%s', not .text", i,
                     sname.c_str(), sec_name(sym.shndx).c_str());
        if (sym.value % kInsnSize)
          rc.fail_at(at,
                     "relocation #%zu: call against '%s' at offset 0x%llx, not on an instruction",
                     i, sname.c_str(), static_cast<unsigned long long>(sym.value));
        info.kind = Relo::Call;
      } else if (sym.shndx == text_shndx_ && sym.shndx &&
                 ((sym.bind == STB_LOCAL && sym.type == STT_SECTION) ||
                  ((sym.bind == STB_GLOBAL || sym.bind == STB_WEAK) && sym.type == STT_FUNC))) {
        if (sym.value % kInsnSize || in.imm % static_cast<int32_t>(kInsnSize))
          rc.fail_at(at, "relocation #%zu: address of '%s' at 0x%llx%+d, not on an instruction", i,
                     sname.c_str(), static_cast<unsigned long long>(sym.value), in.imm);
        info.kind = Relo::SubprogAddr;
      }
      relocated_[{target, insn_idx}] = info;
    }
  }
}

void Reader::collect_calls() {
  for (size_t fi = 0; fi < funcs_.size(); fi++) {
    Function &f = funcs_[fi];
    const ElfSection &s = sec(f.shndx);
    for (uint64_t off = f.off; off < f.off + f.size; off += kInsnSize) {
      Insn in = insn_at(s, off);
      if (!in.subprog_call() && !in.pseudo_func()) continue;
      uint64_t idx = off / kInsnSize;
      auto r = relocated_.find({f.shndx, idx});
      std::string where = strfmt("%s: %s+0x%llx", p_, std::string(s.name).c_str(),
                                 static_cast<unsigned long long>(off));
      int64_t target;
      if (r != relocated_.end()) {
        if (r->second.kind == Relo::ExternCall) continue;
        if (r->second.kind == Relo::Call)
          target = static_cast<int64_t>(r->second.sym_off / kInsnSize) + in.imm + 1;
        else if (r->second.kind == Relo::SubprogAddr)
          target =
              (static_cast<int64_t>(r->second.sym_off) + in.imm) / static_cast<int64_t>(kInsnSize);
        else
          fail("%s: function '%s': a call or function address with a relocation that is neither",
               where.c_str(), f.name.c_str());
      } else if (in.pseudo_func()) {
        fail("%s: function '%s': function address without a relocation", where.c_str(),
             f.name.c_str());
      } else {
        // A call within a section needs no relocation; imm counts from the next instruction.
        target = static_cast<int64_t>(idx) + in.imm + 1;
      }
      // Subprograms live in .text (libbpf looks the target up there, whatever the caller's
      // section).
      int callee =
          target < 0 || !text_shndx_ ? -1 : function_at(text_shndx_, static_cast<uint64_t>(target));
      if (callee < 0)
        fail("%s: function '%s': the call target, instruction %lld of .text, is in no function",
             where.c_str(), f.name.c_str(), static_cast<long long>(target));
      f.callees.push_back(static_cast<size_t>(callee));
      callee_at_[{f.shndx, idx}] = static_cast<size_t>(callee);
    }
  }
}

// Each function's instructions and what they refer to (bpf/prune.h reads them), and the
// read-only data sections' bytes.
void Reader::keep_code() {
  const auto &syms = elf_.symbols();
  for (size_t fi = 0; fi < funcs_.size(); fi++) {
    const Function &f = funcs_[fi];
    const ElfSection &s = sec(f.shndx);
    FuncCode fc;
    fc.name = f.name;
    fc.program = f.program;
    uint64_t first = f.off / kInsnSize;
    for (uint64_t off = f.off; off < f.off + f.size; off += kInsnSize) {
      Insn in = insn_at(s, off);
      fc.insns.push_back({in.code, in.dst_reg, in.src_reg, in.off, in.imm});
      uint64_t idx = off / kInsnSize;
      uint32_t local = static_cast<uint32_t>(idx - first);
      if (auto c = callee_at_.find({f.shndx, idx}); c != callee_at_.end()) {
        fc.refs[local] = {InsnRef::Callee, c->second, "", 0};
        continue;
      }
      auto r = relocated_.find({f.shndx, idx});
      if (r == relocated_.end()) continue;
      const ElfSymbol &sym = syms[r->second.sym];
      if (r->second.kind == Relo::ExternCall || r->second.kind == Relo::ExternLd64) {
        if (auto e = ext_by_sym_.find(r->second.sym); e != ext_by_sym_.end())
          fc.refs[local] = {InsnRef::Ksym, e->second, "", 0};
        else if (kconfig_sym_[r->second.sym])
          fc.refs[local] = {InsnRef::Kconfig, 0, std::string(sym.name), 0};
      } else if (r->second.kind == Relo::Other && in.code == kLdImm64 && sym.shndx &&
                 sym.shndx < elf_.sections().size()) {
        fc.refs[local] = {InsnRef::Data, 0, std::string(sec(sym.shndx).name),
                          static_cast<int64_t>(sym.value) + in.imm};
      }
    }
    if (auto cr = core_.find(std::string(s.name)); cr != core_.end())
      for (const detail::CoreRec &rec : cr->second)
        if (rec.insn_off >= f.off && rec.insn_off < f.off + f.size && rec.insn_off % kInsnSize == 0)
          fc.core[static_cast<uint32_t>(rec.insn_off / kInsnSize - first)] = {rec.type_id, std::string(rec.access),
                                                                             rec.kind};
    if (f.program >= 0) {
      obj_.program_func.resize(obj_.programs.size());
      obj_.program_func[f.program] = obj_.funcs.size();
    }
    obj_.funcs.push_back(std::move(fc));
  }
  for (const ElfSection &s : elf_.sections()) {
    std::string_view n = s.name;
    if (s.type == SHT_PROGBITS && !(s.flags & SHF_WRITE) && (n == ".rodata" || n.starts_with(".rodata.")))
      obj_.rodata[std::string(n)].assign(elf_.data(s).begin(), elf_.data(s).end());
  }
  for (const ElfSymbol &sym : syms)
    if (sym.type == STT_OBJECT && sym.shndx && sym.shndx < elf_.sections().size() && !sym.name.empty() &&
        obj_.rodata.count(std::string(sec(sym.shndx).name)))
      obj_.rodata_vars[std::string(sym.name)] = {std::string(sec(sym.shndx).name), sym.value, sym.size};
}

void Reader::collect_struct_ops() {
  const auto &syms = elf_.symbols();
  for (const ElfSection &ss : elf_.sections()) {
    if (!is_struct_ops_sec(ss.name) || ss.type != SHT_PROGBITS || ss.size == 0) continue;
    std::string sname(ss.name);
    if (!obj_.btf)
      fail("%s: %s: struct_ops maps need the object's .BTF, and it has none", p_, sname.c_str());
    const Btf &btf = *obj_.btf;
    uint32_t ds = btf.find_first(sname, Kind::DATASEC);
    if (!ds) fail("%s: %s: no BTF DATASEC of that name describes its maps", p_, sname.c_str());
    struct Map {
      std::string name, type_name;
      uint32_t type_id;
      uint64_t off, size;
    };
    std::vector<Map> maps;
    for (const btf::VarSecinfo &vs : btf.type(ds).secinfos()) {
      std::string var = btf.valid_id(vs.type) ? std::string(btf.name(vs.type)) : "?";
      // The variable's type past VAR, modifiers and typedefs (btf__resolve_type).
      uint32_t id = vs.type;
      for (uint32_t n = 0; n <= btf.type_cnt() && btf.valid_id(id) && id; n++) {
        btf::Type t = btf.type(id);
        if (!t.is_modifier() && t.kind() != Kind::TYPEDEF && t.kind() != Kind::VAR) break;
        id = t.type();
      }
      std::string where =
          strfmt("%s: %s+0x%x: struct_ops map '%s'", p_, sname.c_str(), vs.offset, var.c_str());
      if (!btf.valid_id(id) || !id)
        fail("%s: its type [%u] cannot be resolved", where.c_str(), vs.type);
      btf::Type t = btf.type(id);
      if (t.name().empty())
        fail("%s: anonymous type [%u]: libbpf does not support that", where.c_str(), id);
      if (t.kind() != Kind::STRUCT)
        fail("%s: type '%s' [%u] is not a struct", where.c_str(), std::string(t.name()).c_str(),
             id);
      // clang may leave the offsets 0 (and the DATASEC size 0): libbpf's btf_fixup_datasec
      // takes each variable's offset from its ELF symbol in that section.
      uint64_t off = vs.offset;
      for (const elf::ElfSymbol &sym : syms)
        if (sym.shndx == ss.index && sym.name == var) {
          off = sym.value;
          break;
        }
      maps.push_back({var, std::string(t.name()), id, off, t.size()});
    }
    for (const ElfSection &rs : elf_.sections()) {
      if (rs.type != SHT_REL || rs.info != ss.index) continue;
      Cursor rc = elf_.cursor(rs);
      std::vector<elf::ElfRel> rels = elf_.relocations(rs);
      for (size_t i = 0; i < rels.size(); i++) {
        const elf::ElfRel &r = rels[i];
        size_t at = i * rs.entsize;
        const ElfSymbol &sym = syms[r.sym];
        auto m = std::find_if(maps.begin(), maps.end(), [&](const Map &mp) {
          return r.offset >= mp.off && r.offset < mp.off + mp.size;
        });
        if (m == maps.end())
          rc.fail_at(at, "relocation #%zu: offset 0x%llx of %s is in no struct_ops map", i,
                     static_cast<unsigned long long>(r.offset), sname.c_str());
        uint64_t moff = r.offset - m->off;
        if (sym.shndx >= SHN_LORESERVE || sym.shndx >= elf_.sections().size())
          rc.fail_at(
              at,
              "relocation #%zu: map '%s' at offset 0x%llx: '%s' is not a function of this object",
              i, m->name.c_str(), static_cast<unsigned long long>(moff),
              std::string(sym.name).c_str());
        if (sym.value % kInsnSize)
          rc.fail_at(at, "relocation #%zu: map '%s': target offset 0x%llx is not on an instruction",
                     i, m->name.c_str(), static_cast<unsigned long long>(sym.value));
        btf::Type st = btf.type(m->type_id);
        auto members = st.members();
        auto mem = std::find_if(members.begin(), members.end(), [&](const btf::Member &mb) {
          return mb.bit_offset(st.kflag()) == moff * 8;
        });
        if (mem == members.end())
          rc.fail_at(at, "relocation #%zu: map '%s': struct %s has no member at offset 0x%llx", i,
                     m->name.c_str(), m->type_name.c_str(), static_cast<unsigned long long>(moff));
        std::string member(btf.str(mem->name_off));
        // The member must be a function pointer (resolve_func_ptr).
        auto skip = [&](uint32_t id) {
          for (uint32_t n = 0; n <= btf.type_cnt() && btf.valid_id(id); n++) {
            btf::Type t = btf.type(id);
            if (!t.is_modifier() && t.kind() != Kind::TYPEDEF) break;
            id = t.type();
          }
          return id;
        };
        uint32_t mt = skip(mem->type);
        bool func_ptr = btf.valid_id(mt) && btf.type(mt).is_ptr() &&
                        btf.valid_id(skip(btf.type(mt).type())) &&
                        btf.type(skip(btf.type(mt).type())).kind() == Kind::FUNC_PROTO;
        if (!func_ptr)
          rc.fail_at(at, "relocation #%zu: map '%s': member '%s' is not a function pointer", i,
                     m->name.c_str(), member.c_str());
        int fi = function_at(sym.shndx, sym.value / kInsnSize);
        if (fi < 0)
          rc.fail_at(at, "relocation #%zu: map '%s': member '%s': no program at %s+0x%llx", i,
                     m->name.c_str(), member.c_str(), sec_name(sym.shndx).c_str(),
                     static_cast<unsigned long long>(sym.value));
        const Function &f = funcs_[fi];
        if (f.program < 0 || obj_.programs[f.program].def.prog_type != "BPF_PROG_TYPE_STRUCT_OPS")
          rc.fail_at(at, "relocation #%zu: map '%s': member '%s': '%s' is not a struct_ops program",
                     i, m->name.c_str(), member.c_str(), f.name.c_str());
        Program &prog = obj_.programs[f.program];
        if (prog.struct_ops_map.empty()) {
          prog.struct_ops_map = m->name;
          prog.struct_ops_type = m->type_name;
          prog.member = member;
          prog.member_idx = static_cast<int>(mem - members.begin());
        }
        if (std::find(prog.struct_ops_maps.begin(), prog.struct_ops_maps.end(), m->name) ==
            prog.struct_ops_maps.end())
          prog.struct_ops_maps.push_back(m->name);
      }
    }
  }
}

void Reader::reach() {
  // Uses in section, then offset order; remap the functions' lists.
  std::vector<size_t> order(obj_.uses.size());
  for (size_t i = 0; i < order.size(); i++) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::tie(use_shndx_[a], obj_.uses[a].insn_off) <
           std::tie(use_shndx_[b], obj_.uses[b].insn_off);
  });
  std::vector<size_t> new_index(order.size());
  std::vector<KsymUse> sorted;
  sorted.reserve(order.size());
  for (size_t i = 0; i < order.size(); i++) {
    new_index[order[i]] = i;
    sorted.push_back(std::move(obj_.uses[order[i]]));
  }
  obj_.uses = std::move(sorted);
  for (Function &f : funcs_)
    for (size_t &u : f.uses) u = new_index[u];

  for (size_t root = 0; root < funcs_.size(); root++) {
    if (funcs_[root].program < 0) continue;
    Program &prog = obj_.programs[funcs_[root].program];
    std::vector<bool> seen(funcs_.size(), false);
    std::vector<size_t> stack{root};
    seen[root] = true;
    while (!stack.empty()) {
      size_t fi = stack.back();
      stack.pop_back();
      prog.uses.insert(prog.uses.end(), funcs_[fi].uses.begin(), funcs_[fi].uses.end());
      for (size_t c : funcs_[fi].callees)
        if (!seen[c]) seen[c] = true, stack.push_back(c);
    }
    std::sort(prog.uses.begin(), prog.uses.end());
    for (size_t fi = 0; fi < funcs_.size(); fi++)
      if (seen[fi] && fi != root) prog.subprograms.push_back(funcs_[fi].name);
  }
}

Object Reader::read() {
  obj_.path = elf_.path();
  obj_.big_endian = elf_.big_endian();
  // Not a BPF object: stop before reading anything else.
  check_header();
  // Programs and subprograms, as libbpf finds them in the symbol table.
  collect_functions();
  // The object's types and line info: externs and struct_ops are described there.
  read_btf();
  // The kfuncs and kernel variables the object expects the kernel to provide.
  collect_externs();
  // Where they are used, and which functions call which.
  collect_relocations();
  collect_calls();
  // Which struct_ops member each struct_ops program implements.
  collect_struct_ops();
  // A subprogram's uses count for every program that reaches it (libbpf appends it to each).
  reach();
  // The code itself, for reachability as the verifier sees it.
  keep_code();
  return std::move(obj_);
}

}  // namespace

Object read_object(const std::string &path) {
  std::unique_ptr<ElfFile> elf = ElfFile::open(path);
  return Reader(*elf).read();
}

Object read_object(std::span<const uint8_t> image, const std::string &path) {
  std::unique_ptr<ElfFile> elf = ElfFile::from_memory(image, path);
  return Reader(*elf).read();
}

}  // namespace kfb::bpf
