// libFuzzer target for reading an object's DWARF: lib/elf's parser, lib/dwarf's relocation of a
// relocatable object (DebugRelocs) and unit-header, .debug_aranges and CU-view code, and the
// walk through libdwarf. Input: an ELF object. The relocations are also applied to every
// relocated section in two pieces and each field's target read, as the reader does per CU.
// Anything may throw kfb::Error; nothing may crash, hang or read out of bounds.
//
// libdwarf 20210528 itself is not hardened against every malformed unit; a crash inside it
// found here is a finding about the input checks in front of it. It asks calloc for absurd
// sizes on some corrupt headers and handles the NULL: so must ASan's allocator here.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dwarf/dwarf.h"
#include "dwarf/reloc.h"
#include "elf/elf.h"
#include "support/error.h"

namespace {

void relocate_everything(const kfb::elf::ElfFile &elf) {
  std::unique_ptr<kfb::dwarf::DebugRelocs> r = kfb::dwarf::DebugRelocs::open(elf);
  if (!r) return;
  for (const kfb::elf::ElfSection &s : elf.sections()) {
    if (!r->has(s)) continue;
    std::span<const uint8_t> raw = elf.data(s);
    std::vector<uint8_t> copy(raw.begin(), raw.end());
    size_t mid = copy.size() / 2;
    r->apply(s, 0, mid, copy.data());
    r->apply(s, mid, copy.size(), copy.data() + mid);
    for (uint64_t off = 0; off < raw.size() && off < 2048; off++) r->target(s, off, off);
  }
}

}  // namespace

extern "C" const char *__asan_default_options() { return "allocator_may_return_null=1"; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  try {
    auto elf = kfb::elf::ElfFile::from_memory({data, size}, "fuzz.o");
    relocate_everything(*elf);
    auto dw = kfb::dwarf::DwarfReader::open(*elf);
    kfb::dwarf::DwarfQuery q;
    for (const kfb::elf::ElfSymbol &sym : elf->symbols())
      if (sym.type == 2 /* STT_FUNC */ && q.names.size() < 16) q.names.emplace_back(sym.name);
    q.all = true;
    q.jobs = size % 3 == 0 ? 2 : 1;
    dw->find(q);
  } catch (const kfb::Error &) {
  }
  return 0;
}
