#include "kfunc/kernel.h"

#include <elf.h>

#include <algorithm>

#include "elf/elf.h"

namespace kfb {

int parse_kernel_version(std::string_view r) {
  auto number = [&r](int &out) {
    size_t i = 0;
    out = 0;
    while (i < r.size() && i < 4 && r[i] >= '0' && r[i] <= '9') out = out * 10 + (r[i++] - '0');
    r.remove_prefix(i);
    return i > 0;
  };
  int major = 0, minor = 0;
  if (!number(major) || r.empty() || r[0] != '.') return 0;
  r.remove_prefix(1);
  if (!number(minor) || major == 0 || minor > 99) return 0;
  return major * 100 + minor;
}

int kernel_version_of(const ElfFile &elf) {
  constexpr std::string_view kPrefix = "Linux version ";
  for (const ElfSymbol &s : elf.symbols()) {
    if (s.name != "linux_banner" || s.type != STT_OBJECT) continue;
    if (s.shndx == SHN_UNDEF || s.shndx >= elf.sections().size()) continue;
    const ElfSection &sec = elf.sections()[s.shndx];
    if (sec.type == SHT_NOBITS) continue;  // the __weak empty declaration of version.c
    uint64_t off = s.value - (elf.type() == ET_REL ? 0 : sec.addr);
    std::span<const uint8_t> d = elf.data(sec);
    if (off > d.size() || s.size > d.size() - off || s.size < kPrefix.size()) continue;
    std::string_view text(reinterpret_cast<const char *>(d.data() + off), s.size);
    if (!text.starts_with(kPrefix)) continue;
    if (int v = parse_kernel_version(text.substr(kPrefix.size()))) return v;
  }
  // A stripped image (extract-vmlinux of a vmlinuz) has no linux_banner symbol, but the
  // banner text is still the first "Linux version <digit>" string of .rodata.
  if (!elf.symbols().empty()) return 0;
  const ElfSection *ro = elf.section(".rodata");
  if (!ro || ro->type == SHT_NOBITS) return 0;
  std::span<const uint8_t> d = elf.data(*ro);
  std::string_view text(reinterpret_cast<const char *>(d.data()), d.size());
  for (size_t at = text.find(kPrefix); at != std::string_view::npos; at = text.find(kPrefix, at + 1)) {
    std::string_view rest = text.substr(at + kPrefix.size());
    rest = rest.substr(0, std::min(rest.find('\0'), rest.size()));
    if (!rest.empty() && rest[0] >= '0' && rest[0] <= '9')
      if (int v = parse_kernel_version(rest)) return v;
  }
  return 0;
}

std::string kernel_version_text(int v) {
  return v > 0 ? std::to_string(v / 100) + "." + std::to_string(v % 100) : std::string();
}

}  // namespace kfb
