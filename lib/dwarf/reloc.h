// Relocations of a relocatable object's debug sections, applied by us to just the bytes that
// are read (lib/dwarf internal; dwarf.cc's design notes say why).
//
//   auto elf = kfb::elf::ElfFile::open("vmlinux.o");
//   std::unique_ptr<kfb::dwarf::DebugRelocs> r = kfb::dwarf::DebugRelocs::open(*elf);  // throws: why not
//   if (r) {                                     // nullptr: not a relocatable object
//     const kfb::elf::ElfSection &info = *elf->section(".debug_info");
//     r->apply(info, begin, end, copy);          // copy holds info's bytes [begin, end)
//     kfb::dwarf::RelocTarget t = r->target(info, off, raw);  // where the field at `off` points
//     // t.shndx: the symbol's section (0: no relocation there), t.value: S + A
//   }
//
// Only the sections whose contents lib/dwarf reads are relocated (relocated()): .debug_info,
// .debug_line, .debug_str_offsets, .debug_addr, .debug_aranges, .debug_types; location and
// range lists, call frames and macros are never read.
// A relocated field holds S + A: the symbol's st_value (section-relative in ET_REL; 0 for a
// section symbol) plus the addend (RELA: r_addend; REL: the field's own bytes), plus the base
// set for the symbol's section (set_base: where a COMDAT .debug_info or .debug_types section
// starts once the sections of one name are read end to end); ADD/SUB/SET types (RISC-V)
// combine with the field instead. open() checks every relocation of those sections once
// (known type for the machine, symbol index in range, field inside the section) and throws
// kfb::Error naming the relocation section, entry and type when one is not: kfuncbtf reads
// no DWARF it cannot relocate. Machines: x86-64, i386, AArch64, ARM, PowerPC (32/64), s390x,
// MIPS (32/64; a MIPS64 entry with a second or third type is refused), RISC-V.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace kfb {
namespace elf {
class ElfFile;
}
namespace elf {
struct ElfSection;
}
}  // namespace kfb

namespace kfb::dwarf {


struct RelocTarget {
  uint32_t shndx = 0;  // section of the relocation's symbol; 0 when the field has no relocation
  uint64_t value = 0;  // the relocated field (the raw field when it has none)
};

class DebugRelocs {
 public:
  // nullptr for an object that is not ET_REL; throws when a relocation cannot be applied.
  static std::unique_ptr<DebugRelocs> open(const elf::ElfFile &elf);
  ~DebugRelocs();

  // Whether DebugRelocs relocates the section of that name (see the top of this file).
  static bool relocated(std::string_view name);
  // Whether `target` (a debug section) has relocations that DebugRelocs applies.
  bool has(const elf::ElfSection &target) const;
  // Writes the relocated value of every field of `target` inside [begin, end) into `dst`,
  // which holds the section's bytes from `begin` on.
  void apply(const elf::ElfSection &target, uint64_t begin, uint64_t end, uint8_t *dst) const;
  // The relocated value of the `size`-byte field at `off` whose file bytes read `raw`.
  RelocTarget target(const elf::ElfSection &target, uint64_t off, uint64_t raw) const;
  // Adds `base` to every value relocated against a symbol of section `shndx` (0 by default).
  void set_base(uint32_t shndx, uint64_t base);

  struct Table;

 private:
  explicit DebugRelocs(const elf::ElfFile &elf);
  const Table *table(const elf::ElfSection &target) const;
  uint64_t base(uint32_t shndx) const { return shndx < bases_.size() ? bases_[shndx] : 0; }
  const elf::ElfFile &elf_;
  std::vector<std::unique_ptr<Table>> tables_;  // by target section index (null: none)
  std::vector<uint64_t> bases_;                 // by symbol section index (see set_base)
};

}  // namespace kfb::dwarf
