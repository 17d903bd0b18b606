// replace_btf_section: `kfuncbtf emit --update-elf`, a copy of an ELF with a new .BTF.
//
// libelf writes the image into an anonymous memory file (memfd) that holds a copy of the input;
// the caller then writes the bytes with write_file_atomic, so the output appears whole or not
// at all. We do the layout ourselves (ELF_F_LAYOUT) so that nothing but .BTF moves: every
// other section keeps its file offset and bytes, program headers are untouched. A .BTF of the
// same size is rewritten in place (so emit on its own output gives identical bytes); a new size
// goes to the end of the file at the section's alignment, followed by the section header table.
// The old .BTF bytes stay behind as an unreferenced gap, as objcopy --update-section would
// leave padding: no section's contents change.
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "kfunc/emit.h"
#include "support/error.h"

namespace kfb {

namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

struct ElfHandle {
  Elf *e = nullptr;
  ~ElfHandle() {
    if (e) elf_end(e);
  }
};

[[noreturn]] void elf_fail(const std::string &path, const char *what) {
  throw Error(strfmt("%s: %s: %s", path.c_str(), what, elf_errmsg(-1)));
}

uint64_t round_up(uint64_t v, uint64_t a) { return a > 1 ? (v + a - 1) / a * a : v; }

}  // namespace

std::vector<uint8_t> replace_btf_section(std::span<const uint8_t> elf_bytes,
                                         std::span<const uint8_t> btf, const std::string &path) {
  if (elf_version(EV_CURRENT) == EV_NONE) throw Error("libelf: version mismatch");
  Fd mf;
  mf.fd = memfd_create("kfuncbtf-elf", MFD_CLOEXEC);
  if (mf.fd < 0) throw Error(strfmt("memfd_create: %s", strerror(errno)));
  for (size_t done = 0; done < elf_bytes.size();) {
    ssize_t w = write(mf.fd, elf_bytes.data() + done, elf_bytes.size() - done);
    if (w <= 0) throw Error(strfmt("writing the ELF copy: %s", strerror(errno)));
    done += static_cast<size_t>(w);
  }

  ElfHandle h;
  h.e = elf_begin(mf.fd, ELF_C_RDWR, nullptr);
  if (!h.e || elf_kind(h.e) != ELF_K_ELF) elf_fail(path, "not an ELF object");
  GElf_Ehdr eh;
  if (!gelf_getehdr(h.e, &eh)) elf_fail(path, "reading the ELF header");
  size_t shstrndx;
  if (elf_getshdrstrndx(h.e, &shstrndx) != 0) elf_fail(path, "reading the section name index");

  Elf_Scn *btf_scn = nullptr;
  GElf_Shdr bsh{};
  uint64_t end = elf_bytes.size();
  for (Elf_Scn *scn = elf_nextscn(h.e, nullptr); scn; scn = elf_nextscn(h.e, scn)) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh)) elf_fail(path, "reading a section header");
    const char *name = elf_strptr(h.e, shstrndx, sh.sh_name);
    if (!btf_scn && name && std::strcmp(name, ".BTF") == 0) {
      btf_scn = scn;
      bsh = sh;
    }
    // Every section header is rewritten where the table ends up.
    elf_flagshdr(scn, ELF_C_SET, ELF_F_DIRTY);
  }
  if (!btf_scn) throw Error(path + ": no .BTF section to replace");
  if (bsh.sh_type == SHT_NOBITS) throw Error(path + ": .BTF is SHT_NOBITS");
  if (bsh.sh_flags & SHF_COMPRESSED) throw Error(path + ": .BTF is compressed (SHF_COMPRESSED)");
  bool same_size = bsh.sh_size == btf.size();
  if (!same_size && (bsh.sh_flags & SHF_ALLOC) && eh.e_type != ET_REL)
    throw Error(strfmt("%s: .BTF is part of a loaded segment (SHF_ALLOC) of a linked image and would "
                       "grow from %llu to %zu bytes: relink instead, or write raw BTF with -o",
                       path.c_str(), static_cast<unsigned long long>(bsh.sh_size), btf.size()));

  Elf_Data *d = elf_getdata(btf_scn, nullptr);
  if (!d) elf_fail(path, "reading .BTF");
  d->d_buf = const_cast<uint8_t *>(btf.data());
  d->d_size = btf.size();
  d->d_type = ELF_T_BYTE;
  d->d_off = 0;
  elf_flagdata(d, ELF_C_SET, ELF_F_DIRTY);

  elf_flagelf(h.e, ELF_C_SET, ELF_F_LAYOUT);
  if (!same_size) {
    bool is64 = gelf_getclass(h.e) == ELFCLASS64;
    uint64_t shtab_end = eh.e_shoff + uint64_t{eh.e_shentsize} * eh.e_shnum;
    if (shtab_end > end) end = shtab_end;
    bsh.sh_offset = round_up(end, bsh.sh_addralign ? bsh.sh_addralign : 1);
    bsh.sh_size = btf.size();
    if (!gelf_update_shdr(btf_scn, &bsh)) elf_fail(path, "updating the .BTF header");
    eh.e_shoff = round_up(bsh.sh_offset + btf.size(), is64 ? 8 : 4);
    if (!gelf_update_ehdr(h.e, &eh)) elf_fail(path, "updating the ELF header");
  }
  if (elf_update(h.e, ELF_C_WRITE) < 0) elf_fail(path, "writing the new image");
  elf_end(h.e);
  h.e = nullptr;

  struct stat stt;
  if (fstat(mf.fd, &stt) != 0) throw Error(strfmt("fstat: %s", strerror(errno)));
  std::vector<uint8_t> out(static_cast<size_t>(stt.st_size));
  for (size_t done = 0; done < out.size();) {
    ssize_t r = pread(mf.fd, out.data() + done, out.size() - done, static_cast<off_t>(done));
    if (r <= 0) throw Error(strfmt("reading the new image back: %s", strerror(errno)));
    done += static_cast<size_t>(r);
  }
  return out;
}

}  // namespace kfb
