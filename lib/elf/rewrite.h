// An ELF with a new .BTF: `kfuncbtf emit --update-elf` (and the kernel build wrapper's -J form).
//
//   auto elf = kfb::elf::ElfFile::open("vmlinux.o");
//   kfb::elf::ElfRewrite r = kfb::elf::rewrite_btf(*elf, new_btf);  // a plan; nothing copied yet
//   kfb::write_file_atomic("out.o", r.image, 0644);                 // prefix copied in the kernel
//
// Nothing but .BTF moves: every other section keeps its file offset and bytes, program headers
// are untouched. A .BTF of the same size is rewritten where it is (emit on its own output gives
// the same bytes); a new size goes to the end of the file at the section's alignment, followed
// by a copy of the section header table (its .BTF entry updated) and e_shoff points there. The
// old .BTF bytes stay behind as an unreferenced gap (zeros when nothing follows them), as
// objcopy --update-section leaves padding: no other section's contents change. The result is a FileImage: the
// input's bytes plus a few pieces, so a 100 MB vmlinux costs one in-kernel copy, not four.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "elf/elf.h"
#include "support/file.h"

namespace kfb::elf {

struct ElfRewrite {
  FileImage image;                 // spans into the input, `btf` and the buffers below
  std::vector<uint8_t> ehdr;       // the ELF header, e_shoff updated
  std::vector<uint8_t> shdrs;      // the section header table, .BTF's entry updated
};

// Refuses (kfb::Error naming the file) a missing, SHT_NOBITS or compressed .BTF, and an
// SHF_ALLOC .BTF of another size in a linked image (it is part of a loaded segment).
// `elf` and `btf` must outlive the result.
ElfRewrite rewrite_btf(const ElfFile &elf, std::span<const uint8_t> btf);

}  // namespace kfb::elf
