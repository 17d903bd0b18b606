// Where BTF comes from: a raw .btf file, an ELF's .BTF section, /sys/kernel/btf/<module>.
//
//   kfb::btf::Loaded v = kfb::btf::load("vmlinux.o");          // ELF: reads its .BTF
//   const kfb::btf::Btf &btf = *v.btf;
//
//   // a module: /sys/kernel/btf/<mod> gets /sys/kernel/btf/vmlinux as base automatically;
//   // anything else split needs the base given (bpftool's -B):
//   kfb::btf::Loaded m = kfb::btf::load("foo.ko", "vmlinux");
//   m.btf->base() == m.base.get();
//
//   std::span<const uint8_t> sec = kfb::btf::elf_btf_section(bytes, "foo.ko");   // no copy
//
// Raw BTF and ELF are told apart by their magic. Errors name the file and section
// ("foo.ko: .BTF+0x1c: ..."), "foo.ko: no .BTF section", "vmlinux: not BTF and not ELF".
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "btf/btf.h"

namespace kfb::btf {

struct Loaded {
  std::unique_ptr<Btf> base;  // set when the BTF is split (given or automatic)
  std::unique_ptr<Btf> btf;
  bool from_elf = false;
};

// True when `bytes` start with the ELF magic.
bool is_elf(std::span<const uint8_t> bytes);

// The bytes of the .BTF section of the ELF image `bytes` (a sub-span, no copy). Throws when
// there is none, it is SHT_NOBITS or compressed, or the ELF is malformed.
std::span<const uint8_t> elf_btf_section(std::span<const uint8_t> bytes, const std::string &path);

// Parses raw BTF or an ELF's .BTF from `bytes`, read from `path` (for messages).
std::unique_ptr<Btf> parse_any(std::span<const uint8_t> bytes, const std::string &path,
                               const Btf *base = nullptr, bool *from_elf = nullptr);

// Reads `path`; with `base_path` (raw or ELF) as base. Without one, a file in /sys/kernel/btf/
// other than vmlinux gets /sys/kernel/btf/vmlinux as its base.
Loaded load(const std::string &path, const std::string &base_path = "");

}  // namespace kfb::btf
