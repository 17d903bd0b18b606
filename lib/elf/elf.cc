#include "elf/elf.h"

#include <gelf.h>
#include <libelf.h>
#include <zlib.h>
#include <zstd.h>

#include <mutex>
#include <optional>

#include "support/endian.h"
#include "support/error.h"

#ifndef ELFCOMPRESS_ZSTD
#define ELFCOMPRESS_ZSTD 2  // glibc 2.36's elf.h predates it
#endif

namespace kfb::elf {

namespace {

std::once_flag g_elf_version_once;

void libelf_init() {
  std::call_once(g_elf_version_once, [] { elf_version(EV_CURRENT); });
}

}  // namespace

std::unique_ptr<ElfFile> ElfFile::open(const std::string &path) {
  std::unique_ptr<ElfFile> f(new ElfFile());
  f->path_ = path;
  f->file_ = MappedFile::open(path);
  f->bytes_ = f->file_.data();
  f->init();
  return f;
}

std::unique_ptr<ElfFile> ElfFile::from_memory(std::span<const uint8_t> bytes, std::string path) {
  std::unique_ptr<ElfFile> f(new ElfFile());
  f->path_ = std::move(path);
  f->bytes_ = bytes;
  f->init();
  return f;
}

ElfFile::~ElfFile() {
  if (elf_) elf_end(elf_);
}

bool ElfFile::swap() const { return big_endian_ != kHostBigEndian; }

void ElfFile::init() {
  const char *p = path_.c_str();
  if (bytes_.size() < EI_NIDENT || bytes_[0] != ELFMAG0 || bytes_[1] != ELFMAG1 ||
      bytes_[2] != ELFMAG2 || bytes_[3] != ELFMAG3)
    fail("%s: not an ELF file", p);
  uint8_t cls = bytes_[EI_CLASS], enc = bytes_[EI_DATA];
  if (cls != ELFCLASS32 && cls != ELFCLASS64) fail("%s: unknown ELF class %u", p, cls);
  if (enc != ELFDATA2LSB && enc != ELFDATA2MSB) fail("%s: unknown ELF data encoding %u", p, enc);
  is64_ = cls == ELFCLASS64;
  big_endian_ = enc == ELFDATA2MSB;

  // The ELF header, read by hand so that a short file gets a clear message.
  Cursor eh(bytes_, swap(), path_ + ": ELF header");
  size_t ehsize = is64_ ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
  if (!eh.has(ehsize)) fail("%s: truncated ELF header (%zu of %zu bytes)", p, bytes_.size(), ehsize);
  eh.seek(EI_NIDENT);
  type_ = eh.u16();
  machine_ = eh.u16();
  eh.u32();  // e_version
  uint64_t shoff;
  uint64_t phoff;
  if (is64_) {
    eh.u64();  // e_entry
    phoff = eh.u64();
    shoff = eh.u64();
  } else {
    eh.u32();
    phoff = eh.u32();
    shoff = eh.u32();
  }
  eh.u32(), eh.u16();  // e_flags, e_ehsize
  uint16_t phentsize = eh.u16(), phnum = eh.u16();
  phdrs_end_ = phnum ? phoff + uint64_t{phentsize} * phnum : 0;
  uint16_t shentsize = eh.u16();
  uint16_t e_shnum = eh.u16(), e_shstrndx = eh.u16();
  size_t want_shent = is64_ ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
  if (shoff != 0 && shentsize != want_shent)
    fail("%s: bad section header size %u (expected %zu)", p, shentsize, want_shent);
  if (shoff > bytes_.size() || (shoff != 0 && bytes_.size() - shoff < want_shent))
    fail("%s: truncated: section header table at 0x%llx is past the end of the file (size 0x%zx)",
         p, static_cast<unsigned long long>(shoff), bytes_.size());

  // libelf for the section count and name-table index (extended numbering in section 0).
  libelf_init();
  elf_ = elf_memory(const_cast<char *>(reinterpret_cast<const char *>(bytes_.data())),
                    bytes_.size());
  if (!elf_ || elf_kind(elf_) != ELF_K_ELF) fail("%s: not an ELF file: %s", p, elf_errmsg(-1));
  // The section count and name-table index, with extended numbering (in section 0's sh_size
  // and sh_link when there are SHN_LORESERVE sections or more). libelf agrees on intact
  // files but quietly shortens a truncated header table, so the header words decide.
  size_t shnum = e_shnum, shstrndx = e_shstrndx;
  if (shoff != 0 && (shnum == 0 || shstrndx == SHN_XINDEX)) {
    Cursor s0(bytes_.subspan(shoff, want_shent), swap(), path_ + ": section header 0", shoff);
    s0.seek(is64_ ? 32 : 20);
    uint64_t size0 = is64_ ? s0.u64() : s0.u32();
    uint32_t link0 = s0.u32();
    if (shnum == 0) shnum = size0;
    if (shstrndx == SHN_XINDEX) shstrndx = link0;
  }
  if (shoff == 0) shnum = 0;
  shoff_ = shoff;
  size_t lib_shnum = 0;
  if (elf_getshdrnum(elf_, &lib_shnum) != 0) fail("%s: cannot read section count: %s", p, elf_errmsg(-1));
  if (shnum > (bytes_.size() - shoff) / want_shent)
    fail("%s: truncated: %zu section headers at 0x%llx do not fit in the file (size 0x%zx)", p,
         shnum, static_cast<unsigned long long>(shoff), bytes_.size());

  Cursor sh(bytes_, swap(), path_ + ": section headers");
  sections_.resize(shnum);
  inflated_ = std::make_unique<Inflated[]>(shnum);
  std::vector<uint32_t> name_off(shnum);
  for (size_t i = 0; i < shnum; i++) {
    ElfSection &s = sections_[i];
    sh.seek(shoff + i * want_shent);
    s.index = i;
    name_off[i] = sh.u32();
    s.type = sh.u32();
    if (is64_) {
      s.flags = sh.u64(), s.addr = sh.u64(), s.offset = sh.u64(), s.size = sh.u64();
      s.link = sh.u32(), s.info = sh.u32();
      s.addralign = sh.u64();
      s.entsize = sh.u64();
    } else {
      s.flags = sh.u32(), s.addr = sh.u32(), s.offset = sh.u32(), s.size = sh.u32();
      s.link = sh.u32(), s.info = sh.u32();
      s.addralign = sh.u32();
      s.entsize = sh.u32();
    }
    if (s.type != SHT_NOBITS && s.type != SHT_NULL &&
        (s.offset > bytes_.size() || s.size > bytes_.size() - s.offset))
      fail("%s: truncated: section [%zu] at 0x%llx size 0x%llx extends past the end of the file "
           "(size 0x%zx)", p, i, static_cast<unsigned long long>(s.offset),
           static_cast<unsigned long long>(s.size), bytes_.size());
  }
  if (shnum) {
    if (shstrndx >= shnum) fail("%s: section name table index %zu out of range", p, shstrndx);
    const ElfSection &strs = sections_[shstrndx];
    Cursor names(data(strs), false, path_ + ": section names");
    for (size_t i = 1; i < shnum; i++) {
      if (strs.type == SHT_NOBITS || name_off[i] >= strs.size)
        fail("%s: section [%zu]: name offset 0x%x out of range", p, i, name_off[i]);
      sections_[i].name = names.cstr_at(name_off[i]);
    }
  }
  // A symbol table must name a string table: every command refuses the same broken link, not
  // only the ones that read symbols (and none reads names out of the symbols' own bytes).
  for (const ElfSection &s : sections_) {
    if (s.type != SHT_SYMTAB && s.type != SHT_DYNSYM) continue;
    if (s.link >= shnum)
      fail("%s: %s: string table index %u out of range", p, std::string(s.name).c_str(), s.link);
    const ElfSection &t = sections_[s.link];
    if (t.type != SHT_STRTAB)
      fail("%s: %s: sh_link %u is section %s of type %u, not a string table (SHT_STRTAB)", p,
           std::string(s.name).c_str(), s.link, std::string(t.name).c_str(), t.type);
  }
}

const ElfSection *ElfFile::section(std::string_view name) const {
  for (const ElfSection &s : sections_)
    if (s.index != 0 && s.name == name) return &s;
  return nullptr;
}

const ElfSection &ElfFile::btf_section() const {
  const ElfSection *s = section(".BTF");
  if (!s) fail("%s: no .BTF section", path_.c_str());
  if (s->type == SHT_NOBITS) fail("%s: .BTF: SHT_NOBITS section has no data", path_.c_str());
  return *s;
}

// ---- compressed sections

struct ElfFile::Inflated {
  std::once_flag once;
  std::unique_ptr<uint8_t[]> bytes;  // not zero-filled first: that was a third of the time
  size_t size = 0;
};

namespace {

// Whether contents() inflates the section (SHF_COMPRESSED with bytes in the file).
bool compressed(const ElfSection &s) {
  return (s.flags & SHF_COMPRESSED) && s.type != SHT_NOBITS && s.type != SHT_NULL;
}

struct Chdr {
  uint32_t type = 0;
  uint64_t size = 0;
  size_t header = 0;  // bytes before the compressed stream
};

Chdr read_chdr(const ElfFile &elf, const ElfSection &s) {
  Cursor c = elf.cursor(s);
  Chdr h;
  h.type = c.u32();
  if (elf.is64()) c.u32();  // ch_reserved
  h.size = elf.is64() ? c.u64() : c.u32();
  elf.is64() ? c.u64() : c.u32();  // ch_addralign
  h.header = c.pos();
  if (h.type != ELFCOMPRESS_ZLIB && h.type != ELFCOMPRESS_ZSTD)
    c.fail("unknown compression type %u (zlib and zstd are known)", h.type);
  // zlib inflates at most ~1032:1; a larger claim is a corrupt header, not a reason to
  // allocate it.
  uint64_t packed = s.size - h.header;
  if (h.size / 1024 > packed + 64)
    c.fail("compressed section claims %llu bytes from %llu (more than 1024:1)",
           static_cast<unsigned long long>(h.size), static_cast<unsigned long long>(packed));
  return h;
}

}  // namespace

// Several section headers may name the same compressed bytes, each within the ratio: the
// total all of them claim must fit too, or a small file could ask for gigabytes.
void ElfFile::check_inflated_total() const {
  std::call_once(claimed_once_, [&] {
    uint64_t total = 0;
    for (const ElfSection &s : sections_) {
      if (!compressed(s)) continue;
      try {
        total += read_chdr(*this, s).size;
      } catch (const Error &) {
        // A corrupt header is reported when that section is read.
      }
    }
    claimed_ = total;
  });
  if (claimed_ / 1024 > bytes_.size())
    fail("%s: compressed sections claim %llu bytes in total from a file of %zu (more than 1024:1)",
         path_.c_str(), static_cast<unsigned long long>(claimed_), bytes_.size());
}

uint64_t ElfFile::content_size(const ElfSection &s) const {
  if (!compressed(s)) return data(s).size();
  check_inflated_total();
  uint64_t size = read_chdr(*this, s).size;
  // A claim of 0 bytes makes the section look absent to a reader that asks its size first
  // (libdwarf never loads an empty .debug_str, and every name in it goes missing): inflated
  // now, at no cost if true, a stream that holds bytes fails here and names the section.
  if (size == 0) return contents(s).size();
  return size;
}

std::span<const uint8_t> ElfFile::contents(const ElfSection &s) const {
  if (!compressed(s)) return data(s);
  check_inflated_total();
  Inflated &in = inflated_[s.index];
  std::call_once(in.once, [&] {
    Chdr h = read_chdr(*this, s);
    std::span<const uint8_t> packed = data(s).subspan(h.header);
    std::unique_ptr<uint8_t[]> out(new uint8_t[h.size]);
    bool ok;
    if (h.type == ELFCOMPRESS_ZLIB) {
      uLongf n = h.size;
      ok = uncompress(out.get(), &n, packed.data(), packed.size()) == Z_OK && n == h.size;
    } else {
      size_t n = ZSTD_decompress(out.get(), h.size, packed.data(), packed.size());
      ok = !ZSTD_isError(n) && n == h.size;
    }
    if (!ok)
      fail("%s: %s: corrupt %s stream (or not %llu bytes when inflated)", path_.c_str(),
           std::string(s.name).c_str(), h.type == ELFCOMPRESS_ZLIB ? "zlib" : "zstd",
           static_cast<unsigned long long>(h.size));
    in.bytes = std::move(out);
    in.size = h.size;
  });
  return {in.bytes.get(), in.size};
}

std::span<const uint8_t> ElfFile::data(const ElfSection &s) const {
  if (s.type == SHT_NOBITS || s.type == SHT_NULL) return {};
  return bytes_.subspan(s.offset, s.size);  // bounds checked in init()
}

Cursor ElfFile::cursor(const ElfSection &s) const {
  return Cursor(data(s), swap(), path_ + ": " + std::string(s.name));
}

const std::vector<ElfSymbol> &ElfFile::symbols() const {
  // Decoded once, from any thread; a table that cannot be decoded throws the same error on
  // every call (never a half-filled vector that reads as "no such symbol").
  std::call_once(syms_once_, [this] {
    try {
      syms_ = decode_symbols();
    } catch (const Error &e) {
      syms_.clear();
      syms_error_ = e.what();
    }
  });
  if (!syms_error_.empty()) throw Error(syms_error_);
  return syms_;
}

std::vector<ElfSymbol> ElfFile::decode_symbols() const {
  std::vector<ElfSymbol> syms_;
  const ElfSection *symtab = nullptr;
  for (const ElfSection &s : sections_)
    if (s.type == SHT_SYMTAB) symtab = &s;
  if (!symtab)
    for (const ElfSection &s : sections_)
      if (s.type == SHT_DYNSYM) symtab = &s;
  if (!symtab) return syms_;
  const char *p = path_.c_str();
  const ElfSection &strtab = sections_[symtab->link];  // a SHT_STRTAB (init checked)
  if (symtab->entsize != 0 && symtab->entsize != (is64_ ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym)))
    fail("%s: %s: entry size %llu, not %zu", p, std::string(symtab->name).c_str(),
         static_cast<unsigned long long>(symtab->entsize), is64_ ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym));
  const ElfSection *xindex = nullptr;
  for (const ElfSection &s : sections_)
    if (s.type == SHT_SYMTAB_SHNDX && s.link == symtab->index) xindex = &s;

  size_t entsize = is64_ ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
  size_t n = symtab->size / entsize;
  Cursor c = cursor(*symtab);
  Cursor strs = cursor(strtab);
  std::optional<Cursor> xc;
  if (xindex) xc.emplace(cursor(*xindex));
  syms_.resize(n);
  for (size_t i = 0; i < n; i++) {
    ElfSymbol &sym = syms_[i];
    uint32_t name = c.u32();
    uint8_t info;
    uint16_t shndx;
    if (is64_) {
      info = c.u8();
      c.u8();  // st_other
      shndx = c.u16();
      sym.value = c.u64();
      sym.size = c.u64();
    } else {
      sym.value = c.u32();
      sym.size = c.u32();
      info = c.u8();
      c.u8();
      shndx = c.u16();
    }
    sym.type = info & 0xf;
    sym.bind = info >> 4;
    sym.shndx = shndx;
    if (shndx == SHN_XINDEX) {
      if (!xc) fail("%s: symbol %zu uses SHN_XINDEX but there is no SYMTAB_SHNDX section", p, i);
      xc->seek(i * 4);
      sym.shndx = xc->u32();
    }
    if (name) {
      if (name >= strtab.size || strtab.type == SHT_NOBITS)
        strs.fail_at(name, "symbol %zu: name offset out of range", i);
      sym.name = strs.cstr_at(name);
    }
  }
  return syms_;
}

std::vector<ElfRel> ElfFile::relocations(const ElfSection &rel) const {
  bool rela = rel.type == SHT_RELA;
  Cursor c = cursor(rel);
  if (!rela && rel.type != SHT_REL) c.fail_at(0, "not a relocation section (type %u)", rel.type);
  size_t entsize = is64_ ? (rela ? sizeof(Elf64_Rela) : sizeof(Elf64_Rel))
                         : (rela ? sizeof(Elf32_Rela) : sizeof(Elf32_Rel));
  if (rel.entsize != entsize)
    c.fail_at(0, "relocation entry size %llu, not %zu", static_cast<unsigned long long>(rel.entsize),
              entsize);
  size_t nsyms = symbols().size();
  std::vector<ElfRel> out(c.size() / entsize);
  for (ElfRel &r : out) {
    size_t at = c.pos();
    uint64_t info;
    if (is64_) {
      r.offset = c.u64();
      info = c.u64();
      r.sym = static_cast<uint32_t>(info >> 32);
      r.type = static_cast<uint32_t>(info & 0xffffffff);
      if (rela) r.addend = static_cast<int64_t>(c.u64());
    } else {
      r.offset = c.u32();
      info = c.u32();
      r.sym = static_cast<uint32_t>(info >> 8);
      r.type = static_cast<uint32_t>(info & 0xff);
      if (rela) r.addend = c.s32();
    }
    if (r.sym >= nsyms)
      c.fail_at(at, "relocation #%zu: symbol index %u past the symbol table (%zu symbols)",
                at / entsize, r.sym, nsyms);
  }
  return out;
}

std::string_view ElfFile::linux_banner() const {
  std::call_once(banner_once_, [this] {
    constexpr std::string_view kPrefix = "Linux version ";
    auto text_of = [this](const ElfSection &sec) {
      std::span<const uint8_t> d = sec.type == SHT_NOBITS ? std::span<const uint8_t>() : data(sec);
      return std::string_view(reinterpret_cast<const char *>(d.data()), d.size());
    };
    std::vector<ElfSymbol> none;
    const std::vector<ElfSymbol> *syms = &none;
    try {
      syms = &symbols();
    } catch (const Error &) {  // no usable table: the stripped-image search below
    }
    for (const ElfSymbol &s : *syms) {
      if (s.name != "linux_banner" || s.type != STT_OBJECT) continue;
      if (s.shndx == SHN_UNDEF || s.shndx >= sections_.size()) continue;
      const ElfSection &sec = sections_[s.shndx];  // NOBITS: the __weak empty declaration
      std::string_view text = text_of(sec);
      uint64_t off = s.value - (type_ == ET_REL ? 0 : sec.addr);
      if (off > text.size() || s.size > text.size() - off) continue;
      text = text.substr(off, s.size);
      if (text.starts_with(kPrefix)) {
        banner_ = text.substr(0, text.find('\0'));
        return;
      }
    }
    if (!syms->empty()) return;
    const ElfSection *ro = section(".rodata");
    if (!ro) return;
    std::string_view text = text_of(*ro);
    for (size_t at = text.find(kPrefix); at != std::string_view::npos; at = text.find(kPrefix, at + 1)) {
      std::string_view rest = text.substr(at);
      rest = rest.substr(0, rest.find('\0'));
      if (rest.size() > kPrefix.size() && rest[kPrefix.size()] >= '0' && rest[kPrefix.size()] <= '9') {
        banner_ = rest;
        return;
      }
    }
  });
  return banner_;
}

}  // namespace kfb::elf
