#include "kfunc/kernel.h"

#include "elf/elf.h"

namespace kfb::kfunc {

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

int kernel_version_of(const elf::ElfFile &elf) {
  constexpr std::string_view kPrefix = "Linux version ";
  std::string_view banner = elf.linux_banner();
  return banner.starts_with(kPrefix) ? parse_kernel_version(banner.substr(kPrefix.size())) : 0;
}

std::string kernel_version_text(int v) {
  return v > 0 ? std::to_string(v / 100) + "." + std::to_string(v % 100) : std::string();
}

}  // namespace kfb::kfunc
