// One ELF object, opened once: sections by name, symbols, byte order, raw section bytes.
//
//   auto elf = kfb::elf::ElfFile::open("vmlinux.o");      // throws kfb::Error("vmlinux.o: ...")
//   if (const kfb::elf::ElfSection *s = elf->section(".BTF_ids")) {
//     kfb::Cursor c = elf->cursor(*s);                      // "vmlinux.o: .BTF_ids+0x..." errors
//     uint32_t cnt = c.u32();                              // in the ELF's byte order
//   }
//   for (const kfb::elf::ElfSymbol &sym : elf->symbols())   // SYMTAB, st_shndx resolved
//     if (sym.shndx == s->index) ...;                       // (SHN_XINDEX via SYMTAB_SHNDX)
//
// ELF32/ELF64, both byte orders, ET_REL/ET_EXEC/ET_DYN, more than 65,535 sections (section
// count and string-table index through elf_getshdrnum/elf_getshdrstrndx). The file is mapped
// once (kfb::MappedFile) and libelf reads that memory (elf_memory); section bytes handed out are
// views into the mapping, bounds-checked against the file size. Symbols are decoded through
// kfb::Cursor in the file's byte order. An input that is not an ELF object, or whose headers
// point past its end, throws kfb::Error naming the file. A compressed section (SHF_COMPRESSED:
// zlib or zstd, as `-gz` and CONFIG_DEBUG_INFO_COMPRESSED write debug sections) is inflated on
// first use of contents(); data() is always the bytes in the file.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "support/cursor.h"
#include "support/file.h"

typedef struct Elf Elf;

namespace kfb::elf {

struct ElfSection {
  size_t index = 0;
  std::string_view name;  // points into the mapped section-name table
  uint32_t type = 0;      // SHT_*
  uint64_t flags = 0;
  uint64_t addr = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint32_t link = 0;
  uint32_t info = 0;
  uint64_t entsize = 0;
  uint64_t addralign = 0;
};

struct ElfSymbol {
  std::string_view name;  // points into the mapped string table
  uint64_t value = 0;
  uint64_t size = 0;
  uint32_t shndx = 0;  // real section index (SHN_XINDEX resolved); SHN_UNDEF/ABS/COMMON kept
  uint8_t type = 0;    // STT_*
  uint8_t bind = 0;    // STB_*
};

// One entry of a SHT_REL or SHT_RELA section (r_info split the generic way: ELF64_R_SYM /
// ELF64_R_TYPE, ELF32_R_SYM / ELF32_R_TYPE; MIPS64's three-type r_info is lib/dwarf's business).
struct ElfRel {
  uint64_t offset = 0;  // r_offset: in the section the relocation section applies to (sh_info)
  uint32_t sym = 0;     // symbol index, checked < symbols().size()
  uint32_t type = 0;    // R_<machine>_*
  int64_t addend = 0;   // r_addend (RELA); 0 for REL (the addend is in the relocated field)
};

class ElfFile {
 public:
  static std::unique_ptr<ElfFile> open(const std::string &path);
  // Over bytes the caller keeps alive (tests, fuzzing); `path` only names the input in errors.
  static std::unique_ptr<ElfFile> from_memory(std::span<const uint8_t> bytes, std::string path);
  ~ElfFile();
  ElfFile(const ElfFile &) = delete;
  ElfFile &operator=(const ElfFile &) = delete;

  const std::string &path() const { return path_; }
  std::span<const uint8_t> bytes() const { return bytes_; }
  bool is64() const { return is64_; }
  bool big_endian() const { return big_endian_; }
  bool swap() const;                // file byte order differs from the host's
  uint16_t type() const { return type_; }  // ET_REL, ET_EXEC, ET_DYN
  uint16_t machine() const { return machine_; }
  int fd() const { return file_.fd(); }  // -1 for from_memory

  const std::vector<ElfSection> &sections() const { return sections_; }
  uint64_t shoff() const { return shoff_; }  // e_shoff: where the section header table is
  uint64_t phdrs_end() const { return phdrs_end_; }  // e_phoff + e_phnum * e_phentsize, or 0
  const ElfSection *section(std::string_view name) const;  // first with that name
  // The section's bytes in the file (empty for SHT_NOBITS).
  std::span<const uint8_t> data(const ElfSection &s) const;
  // A cursor over data(s) whose errors read "<path>: <section>+0x<off>: ...".
  Cursor cursor(const ElfSection &s) const;
  // What the section holds: data(s), or for SHF_COMPRESSED its inflated bytes (made once, on
  // first use, from any thread). Throws on an unknown or corrupt compression.
  std::span<const uint8_t> contents(const ElfSection &s) const;
  // contents(s).size(), from the compression header alone (nothing is inflated).
  uint64_t content_size(const ElfSection &s) const;

  // The .BTF section (the first of that name). Throws "<path>: no .BTF section" and, for one
  // that holds no bytes, "<path>: .BTF: SHT_NOBITS section has no data". Its BTF bytes are
  // contents(): a compressed .BTF is inflated like any other section.
  const ElfSection &btf_section() const;

  // SYMTAB (or DYNSYM when there is no SYMTAB) symbols, index 0 included; decoded on first use
  // (thread-safe). A table that cannot be decoded (its sh_link not a string table, a name past
  // its end, ...) throws kfb::Error naming the section, on this call and every later one.
  const std::vector<ElfSymbol> &symbols() const;

  // The entries of relocation section `rel` (SHT_REL or SHT_RELA), decoded in the file's byte
  // order. Throws kfb::Error "<path>: <rel>+0x<off>: ..." for a section of another type, an
  // entry size that is not the class's, or an entry whose symbol index is past the symbol
  // table. Where each entry points (r_offset inside its target) is the caller's to check.
  std::vector<ElfRel> relocations(const ElfSection &rel) const;

  // The kernel's banner, "Linux version <release> (...": the linux_banner object
  // (init/version.c, init/version-timestamp.c) or, in a stripped image with no symbols at all,
  // the first "Linux version <digit>" string of .rodata; "" when there is none. Found once.
  std::string_view linux_banner() const;

 private:
  ElfFile() = default;
  void init();

  std::string path_;
  MappedFile file_;
  std::span<const uint8_t> bytes_;
  Elf *elf_ = nullptr;
  bool is64_ = false;
  bool big_endian_ = false;
  uint16_t type_ = 0;
  uint16_t machine_ = 0;
  std::vector<ElfSection> sections_;
  uint64_t shoff_ = 0;
  uint64_t phdrs_end_ = 0;
  std::vector<ElfSymbol> decode_symbols() const;
  mutable std::once_flag syms_once_;
  mutable std::vector<ElfSymbol> syms_;
  mutable std::string syms_error_;
  mutable std::once_flag banner_once_;
  mutable std::string_view banner_;
  struct Inflated;
  std::unique_ptr<Inflated[]> inflated_;  // by section index
  void check_inflated_total() const;
  mutable std::once_flag claimed_once_;
  mutable uint64_t claimed_ = 0;          // what all compressed sections inflate to
};

}  // namespace kfb::elf
