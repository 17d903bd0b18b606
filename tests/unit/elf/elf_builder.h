// Builds small synthetic ELF images for tests: any class, byte order, type, section count.
//
//   ElfSpec spec{.is64 = true, .big_endian = true, .type = ET_REL};
//   size_t ids = spec.add_section(".BTF_ids", SHT_PROGBITS, bytes);
//   spec.syms.push_back({"__BTF_ID__set8__s", 0, 24, ids, STT_OBJECT});
//   std::vector<uint8_t> img = build_elf(spec);      // then kfb::elf::ElfFile::from_memory(img, "t.o")
//
// Sections get indexes in the order added, after the null section; `filler` adds that many
// empty sections first (to push indexes past SHN_LORESERVE and exercise SHN_XINDEX).
#pragma once

#include <elf.h>

#include <cstdint>
#include <string>
#include <vector>

#include "support/endian.h"

namespace kfbtest {

struct SecSpec {
  std::string name;
  uint32_t type = SHT_PROGBITS;
  uint64_t addr = 0;
  std::vector<uint8_t> data;
};

struct SymSpec {
  std::string name;
  uint64_t value = 0;
  uint64_t size = 0;
  uint32_t shndx = 0;  // real index; SHN_XINDEX is used automatically when needed
  uint8_t type = STT_NOTYPE;
  uint8_t bind = STB_GLOBAL;
};

struct ElfSpec {
  bool is64 = true;
  bool big_endian = false;
  uint16_t type = ET_REL;
  size_t filler = 0;
  std::vector<SecSpec> secs;
  std::vector<SymSpec> syms;
  // Index of the section once built.
  size_t add_section(std::string name, uint32_t type, std::vector<uint8_t> data, uint64_t addr = 0) {
    secs.push_back({std::move(name), type, addr, std::move(data)});
    return 1 + filler + secs.size() - 1;
  }
};

class Writer {
 public:
  explicit Writer(bool swap) : swap_(swap) {}
  std::vector<uint8_t> out;
  template <typename T>
  void put(T v) {
    size_t at = out.size();
    out.resize(at + sizeof(T));
    kfb::store<T>(out.data() + at, v, swap_);
  }
  template <typename T>
  void put_at(size_t at, T v) {
    kfb::store<T>(out.data() + at, v, swap_);
  }
  void addr(bool is64, uint64_t v) {
    if (is64) put<uint64_t>(v);
    else put<uint32_t>(static_cast<uint32_t>(v));
  }
  void align(size_t a) {
    while (out.size() % a) out.push_back(0);
  }

 private:
  bool swap_;
};

inline std::vector<uint8_t> build_elf(const ElfSpec &spec) {
  bool swap = spec.big_endian != kfb::kHostBigEndian;
  bool is64 = spec.is64;
  Writer w(swap);
  size_t ehsize = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
  w.out.resize(ehsize, 0);

  // Names.
  std::string shstr(1, '\0');
  auto add_name = [&](const std::string &n) {
    uint32_t off = static_cast<uint32_t>(shstr.size());
    shstr += n;
    shstr += '\0';
    return off;
  };
  struct Out {
    uint32_t name;
    uint32_t type;
    uint64_t addr, off, size;
    uint32_t link, info;
    uint64_t entsize;
  };
  std::vector<Out> shdrs(1, Out{});
  for (size_t i = 0; i < spec.filler; i++) shdrs.push_back({0, SHT_PROGBITS, 0, 0, 0, 0, 0, 0});
  for (const SecSpec &s : spec.secs) {
    w.align(8);
    shdrs.push_back({add_name(s.name), s.type, s.addr, w.out.size(), s.data.size(), 0, 0, 0});
    w.out.insert(w.out.end(), s.data.begin(), s.data.end());
  }
  // String table + symbols.
  std::string strtab(1, '\0');
  bool need_x = false;
  for (const SymSpec &s : spec.syms) need_x |= s.shndx >= SHN_LORESERVE;
  size_t symtab_idx = shdrs.size(), strtab_idx = symtab_idx + 1, shndx_idx = strtab_idx + 1;
  size_t shstr_idx = need_x ? shndx_idx + 1 : shndx_idx;
  w.align(8);
  size_t symoff = w.out.size();
  size_t entsize = is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
  std::vector<uint32_t> xidx;
  for (size_t i = 0; i <= spec.syms.size(); i++) {
    SymSpec s = i ? spec.syms[i - 1] : SymSpec{"", 0, 0, 0, 0, 0};
    uint32_t name = 0;
    if (!s.name.empty()) {
      name = static_cast<uint32_t>(strtab.size());
      strtab += s.name;
      strtab += '\0';
    }
    uint16_t shndx = s.shndx >= SHN_LORESERVE ? SHN_XINDEX : static_cast<uint16_t>(s.shndx);
    xidx.push_back(s.shndx >= SHN_LORESERVE ? s.shndx : 0);
    uint8_t info = static_cast<uint8_t>((s.bind << 4) | (s.type & 0xf));
    if (is64) {
      w.put<uint32_t>(name);
      w.put<uint8_t>(info);
      w.put<uint8_t>(0);
      w.put<uint16_t>(shndx);
      w.put<uint64_t>(s.value);
      w.put<uint64_t>(s.size);
    } else {
      w.put<uint32_t>(name);
      w.put<uint32_t>(static_cast<uint32_t>(s.value));
      w.put<uint32_t>(static_cast<uint32_t>(s.size));
      w.put<uint8_t>(info);
      w.put<uint8_t>(0);
      w.put<uint16_t>(shndx);
    }
  }
  shdrs.push_back({add_name(".symtab"), SHT_SYMTAB, 0, symoff, w.out.size() - symoff,
                   static_cast<uint32_t>(strtab_idx), 1, entsize});
  size_t stroff = w.out.size();
  w.out.insert(w.out.end(), strtab.begin(), strtab.end());
  shdrs.push_back({add_name(".strtab"), SHT_STRTAB, 0, stroff, strtab.size(), 0, 0, 0});
  if (need_x) {
    w.align(4);
    size_t xoff = w.out.size();
    for (uint32_t x : xidx) w.put<uint32_t>(x);
    shdrs.push_back({add_name(".symtab_shndx"), SHT_SYMTAB_SHNDX, 0, xoff, xidx.size() * 4,
                     static_cast<uint32_t>(symtab_idx), 0, 4});
  }
  uint32_t shstr_name = add_name(".shstrtab");
  size_t shstroff = w.out.size();
  w.out.insert(w.out.end(), shstr.begin(), shstr.end());
  shdrs.push_back({shstr_name, SHT_STRTAB, 0, shstroff, shstr.size(), 0, 0, 0});

  size_t shnum = shdrs.size();
  bool ext = shnum >= SHN_LORESERVE;
  if (ext) {
    shdrs[0].size = shnum;
    shdrs[0].link = static_cast<uint32_t>(shstr_idx);
  }
  w.align(8);
  size_t shoff = w.out.size();
  for (const Out &o : shdrs) {
    w.put<uint32_t>(o.name);
    w.put<uint32_t>(o.type);
    if (is64) {
      w.put<uint64_t>(0), w.put<uint64_t>(o.addr), w.put<uint64_t>(o.off), w.put<uint64_t>(o.size);
      w.put<uint32_t>(o.link), w.put<uint32_t>(o.info), w.put<uint64_t>(1), w.put<uint64_t>(o.entsize);
    } else {
      w.put<uint32_t>(0), w.put<uint32_t>(static_cast<uint32_t>(o.addr));
      w.put<uint32_t>(static_cast<uint32_t>(o.off)), w.put<uint32_t>(static_cast<uint32_t>(o.size));
      w.put<uint32_t>(o.link), w.put<uint32_t>(o.info), w.put<uint32_t>(1);
      w.put<uint32_t>(static_cast<uint32_t>(o.entsize));
    }
  }
  // ELF header.
  uint8_t *e = w.out.data();
  const uint8_t ident[] = {0x7f, 'E', 'L', 'F', uint8_t(is64 ? ELFCLASS64 : ELFCLASS32),
                           uint8_t(spec.big_endian ? ELFDATA2MSB : ELFDATA2LSB), EV_CURRENT};
  for (size_t i = 0; i < sizeof(ident); i++) e[i] = ident[i];
  w.put_at<uint16_t>(16, spec.type);
  w.put_at<uint16_t>(18, is64 ? EM_X86_64 : EM_386);
  w.put_at<uint32_t>(20, EV_CURRENT);
  uint16_t shnum16 = ext ? 0 : static_cast<uint16_t>(shnum);
  uint16_t shstr16 = ext ? SHN_XINDEX : static_cast<uint16_t>(shstr_idx);
  if (is64) {
    w.put_at<uint64_t>(40, shoff);
    w.put_at<uint16_t>(52, static_cast<uint16_t>(ehsize));
    w.put_at<uint16_t>(58, sizeof(Elf64_Shdr));
    w.put_at<uint16_t>(60, shnum16);
    w.put_at<uint16_t>(62, shstr16);
  } else {
    w.put_at<uint32_t>(32, static_cast<uint32_t>(shoff));
    w.put_at<uint16_t>(40, static_cast<uint16_t>(ehsize));
    w.put_at<uint16_t>(46, sizeof(Elf32_Shdr));
    w.put_at<uint16_t>(48, shnum16);
    w.put_at<uint16_t>(50, shstr16);
  }
  return w.out;
}

// A .BTF_ids body from 32-bit words in the given byte order.
inline std::vector<uint8_t> words(const std::vector<uint32_t> &ws, bool big_endian) {
  Writer w(big_endian != kfb::kHostBigEndian);
  for (uint32_t v : ws) w.put<uint32_t>(v);
  return w.out;
}

}  // namespace kfbtest
