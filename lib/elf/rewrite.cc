#include "elf/rewrite.h"

#include <elf.h>

#include "support/endian.h"
#include "support/error.h"

namespace kfb::elf {

namespace {

uint64_t round_up(uint64_t v, uint64_t a) { return a > 1 ? (v + a - 1) / a * a : v; }

}  // namespace

ElfRewrite rewrite_btf(const ElfFile &elf, std::span<const uint8_t> btf) {
  const std::string &path = elf.path();
  const ElfSection &s = elf.btf_section();
  if (s.flags & SHF_COMPRESSED) fail("%s: .BTF is compressed (SHF_COMPRESSED); cannot replace it", path.c_str());
  std::span<const uint8_t> in = elf.bytes();
  ElfRewrite r;
  r.image.src = in;
  r.image.src_fd = elf.fd();
  if (s.size == btf.size()) {  // in place: the same bytes around it
    r.image.keep = r.image.size = in.size();
    r.image.pieces.push_back({s.offset, btf});
    return r;
  }
  if ((s.flags & SHF_ALLOC) && elf.type() != ET_REL)
    fail("%s: .BTF is part of a loaded segment (SHF_ALLOC) of a linked image and would grow from "
         "%llu to %zu bytes: relink instead, or write raw BTF with -o",
         path.c_str(), static_cast<unsigned long long>(s.size), btf.size());

  // The new .BTF goes at its alignment past the end: an alignment that is no power of two or
  // absurdly large (a corrupt header) would ask for an image of any size.
  uint64_t align = s.addralign ? s.addralign : 1;
  if ((align & (align - 1)) != 0 || align > (uint64_t{1} << 20))
    fail("%s: .BTF: sh_addralign %llu is not a power of two up to 1 MiB", path.c_str(),
         static_cast<unsigned long long>(s.addralign));
  bool is64 = elf.is64(), swap = elf.swap();
  size_t shent = is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
  size_t nsec = elf.sections().size();
  uint64_t end = std::max<uint64_t>(in.size(), elf.shoff() + nsec * shent);
  uint64_t btf_off = round_up(end, align);
  uint64_t shoff = round_up(btf_off + btf.size(), is64 ? 8 : 4);

  r.ehdr.assign(in.begin(), in.begin() + (is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)));
  if (is64) store<uint64_t>(r.ehdr.data() + offsetof(Elf64_Ehdr, e_shoff), shoff, swap);
  else store<uint32_t>(r.ehdr.data() + offsetof(Elf32_Ehdr, e_shoff), static_cast<uint32_t>(shoff), swap);
  r.shdrs.assign(in.begin() + elf.shoff(), in.begin() + elf.shoff() + nsec * shent);
  uint8_t *e = r.shdrs.data() + s.index * shent;
  if (is64) {
    store<uint64_t>(e + offsetof(Elf64_Shdr, sh_offset), btf_off, swap);
    store<uint64_t>(e + offsetof(Elf64_Shdr, sh_size), btf.size(), swap);
  } else {
    if (shoff + r.shdrs.size() > UINT32_MAX) fail("%s: the new .BTF would end past 4 GiB in an ELF32 file", path.c_str());
    store<uint32_t>(e + offsetof(Elf32_Shdr, sh_offset), static_cast<uint32_t>(btf_off), swap);
    store<uint32_t>(e + offsetof(Elf32_Shdr, sh_size), static_cast<uint32_t>(btf.size()), swap);
  }
  // Past the last other section's bytes the input holds only what moves (the old table, the
  // old .BTF when it was last): the prefix ends there and the rest is zeros, as libelf fills
  // the gap before a section it writes.
  uint64_t last = std::max<uint64_t>(r.ehdr.size(), elf.phdrs_end());  // program headers stay
  for (const ElfSection &o : elf.sections())
    if (o.index != s.index && o.type != SHT_NOBITS && o.type != SHT_NULL) last = std::max(last, o.offset + o.size);
  r.image.keep = std::min<uint64_t>(last, in.size());
  r.image.size = shoff + r.shdrs.size();
  r.image.pieces = {{0, r.ehdr}, {btf_off, btf}, {shoff, r.shdrs}};
  return r;
}

}  // namespace kfb::elf
