// Function definitions from DWARF: prototypes as written, source lines, btf_decl_tag annotations.
//
//   auto elf = kfb::elf::ElfFile::open("vmlinux");
//   auto dw = kfb::dwarf::DwarfReader::open(*elf);  // throws: "vmlinux: no DWARF ... CONFIG_DEBUG_INFO"
//   kfb::dwarf::DwarfQuery q;
//   q.names = {"bpf_obj_new_impl", "bpf_task_acquire"};
//   q.all = true;                                // also every definition tagged "bpf_kfunc"
//   q.jobs = 2;
//   for (const kfb::dwarf::FuncDef &f : dw->find(q))  // sorted by name; one per name
//     printf("%s:%u: %s %s(%zu params)\n", f.file.c_str(), f.line, f.ret.text.c_str(),
//            f.name.c_str(), f.params.size());
//   dw->stats();                                 // CUs total/read, DIEs visited
//
// Reading strategy (design notes at the top of dwarf.cc): named functions are located through
// their ELF symbols and .debug_aranges (in a relocatable object, section-relative addresses
// relocated by us), so only the CUs that define them are walked; without aranges every CU
// is walked. `all` additionally walks every
// CU whose abbreviation table can hold a btf_decl_tag annotation. Work is split over `jobs`
// threads (each with its own Dwarf_Debug) on contiguous CU ranges and merged in CU order, so
// the result never depends on `jobs`.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dwarf/ctype.h"

namespace kfb {
namespace elf {
class ElfFile;
}
}  // namespace kfb

namespace kfb::dwarf {


struct FuncParam {
  std::string name;               // DW_AT_name ("" when the compiler gave none)
  CType type;
  std::vector<std::string> tags;  // btf_decl_tag values on the parameter
};

struct FuncDef {
  std::string name;
  CType ret;
  std::vector<FuncParam> params;
  bool variadic = false;
  std::vector<std::string> tags;  // btf_decl_tag values on the function, DWARF order
  std::string file;               // decl file (relative to the CU's comp_dir when under it)
  uint32_t line = 0;
  bool has_pc = false;            // has code (low_pc/ranges); false: abstract or ICF-folded
  uint64_t die_offset = 0;        // .debug_info offset of the definition DIE
  size_t cu_index = 0;            // CU order in .debug_info
  bool has_tag(std::string_view value) const;
};

struct DwarfQuery {
  std::vector<std::string> names;  // functions wanted by name
  bool all = false;                // plus every definition tagged btf_decl_tag("bpf_kfunc")
  unsigned jobs = 1;
};

struct DwarfStats {
  size_t cus = 0;       // CUs in .debug_info
  size_t cus_read = 0;  // CUs walked
  size_t dies = 0;      // DIEs looked at
  bool aranges = false; // CUs located through .debug_aranges
};

class DwarfReader {
 public:
  // Throws kfb::Error when the ELF has no DWARF or libdwarf cannot read it.
  static std::unique_ptr<DwarfReader> open(const elf::ElfFile &elf);
  ~DwarfReader();

  std::vector<FuncDef> find(const DwarfQuery &q);
  const DwarfStats &stats() const { return stats_; }

  struct Impl;

 private:
  explicit DwarfReader(const elf::ElfFile &elf);
  const elf::ElfFile &elf_;
  std::unique_ptr<Impl> impl_;
  DwarfStats stats_;
};

}  // namespace kfb::dwarf
