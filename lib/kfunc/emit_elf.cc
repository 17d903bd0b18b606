// replace_btf_section: the whole image of an ELF with a new .BTF, in memory (tests, fuzzing,
// standard output). The layout is lib/elf's rewrite_btf; `emit --update-elf -o FILE` writes the
// same image without building it in memory.
#include "elf/rewrite.h"
#include "kfunc/emit.h"

namespace kfb::kfunc {

std::vector<uint8_t> replace_btf_section(std::span<const uint8_t> elf_bytes,
                                         std::span<const uint8_t> btf, const std::string &path) {
  std::unique_ptr<elf::ElfFile> elf = elf::ElfFile::from_memory(elf_bytes, path);
  return elf::rewrite_btf(*elf, btf).image.bytes();
}

}  // namespace kfb::kfunc
