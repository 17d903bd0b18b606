// BTF sources. The only libelf user in lib/btf: find .BTF in an ELF image (ELF32/64, either
// byte order, SHN_XINDEX section-name index) and hand its bytes to Btf::parse.
#include "btf/load.h"

#include <gelf.h>
#include <libelf.h>

#include <cstring>

#include "support/error.h"
#include "support/file.h"

namespace kfb::btf {

namespace {

constexpr const char *kSysBtfDir = "/sys/kernel/btf/";
constexpr const char *kSysVmlinux = "/sys/kernel/btf/vmlinux";

struct ElfCloser {
  void operator()(Elf *e) const { elf_end(e); }
};

}  // namespace

bool is_elf(std::span<const uint8_t> bytes) {
  return bytes.size() >= 4 && std::memcmp(bytes.data(), ELFMAG, SELFMAG) == 0;
}

std::span<const uint8_t> elf_btf_section(std::span<const uint8_t> bytes, const std::string &path) {
  if (elf_version(EV_CURRENT) == EV_NONE) throw Error("libelf: " + std::string(elf_errmsg(-1)));
  // libelf only reads here: headers of the other byte order are converted into its own
  // buffers, and the .BTF bytes are taken from the image by offset, not through elf_getdata.
  std::unique_ptr<Elf, ElfCloser> elf(
      elf_memory(const_cast<char *>(reinterpret_cast<const char *>(bytes.data())), bytes.size()));
  if (!elf || elf_kind(elf.get()) != ELF_K_ELF)
    throw Error(strfmt("%s: not an ELF file: %s", path.c_str(), elf_errmsg(-1)));
  size_t shstrndx;
  if (elf_getshdrstrndx(elf.get(), &shstrndx) != 0)
    throw Error(strfmt("%s: cannot read the section name table index: %s", path.c_str(),
                       elf_errmsg(-1)));
  Elf_Scn *scn = nullptr;
  while ((scn = elf_nextscn(elf.get(), scn)) != nullptr) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh))
      throw Error(strfmt("%s: bad section header %zu: %s", path.c_str(), elf_ndxscn(scn),
                         elf_errmsg(-1)));
    const char *name = elf_strptr(elf.get(), shstrndx, sh.sh_name);
    if (!name || std::strcmp(name, ".BTF") != 0) continue;
    if (sh.sh_type == SHT_NOBITS) throw Error(strfmt("%s: .BTF section has no data (NOBITS)", path.c_str()));
    if (sh.sh_flags & SHF_COMPRESSED)
      throw Error(strfmt("%s: .BTF section is compressed; not supported", path.c_str()));
    if (sh.sh_offset > bytes.size() || sh.sh_size > bytes.size() - sh.sh_offset)
      throw Error(strfmt("%s: .BTF section [0x%llx, +0x%llx) past the end of the file (size 0x%zx)",
                         path.c_str(), static_cast<unsigned long long>(sh.sh_offset),
                         static_cast<unsigned long long>(sh.sh_size), bytes.size()));
    return bytes.subspan(sh.sh_offset, sh.sh_size);
  }
  throw Error(strfmt("%s: no .BTF section", path.c_str()));
}

std::unique_ptr<Btf> parse_any(std::span<const uint8_t> bytes, const std::string &path,
                               const Btf *base, bool *from_elf) {
  bool elf = is_elf(bytes);
  if (from_elf) *from_elf = elf;
  if (elf) return std::make_unique<Btf>(Btf::parse(elf_btf_section(bytes, path), path + ": .BTF", base));
  return std::make_unique<Btf>(Btf::parse(bytes, path, base));
}

Loaded load(const std::string &path, const std::string &base_path) {
  Loaded out;
  std::string bp = base_path;
  if (bp.empty() && path.rfind(kSysBtfDir, 0) == 0 && path != kSysVmlinux) bp = kSysVmlinux;
  if (!bp.empty()) {
    MappedFile bf = MappedFile::open(bp);
    out.base = parse_any(bf.data(), bp);
  }
  MappedFile f = MappedFile::open(path);
  out.btf = parse_any(f.data(), path, out.base.get(), &out.from_elf);
  return out;
}

}  // namespace kfb::btf
