// Which kernel an object was built from, for the rules that differ between kernel versions
// (a kfunc's flags that differ between sets: an error from 7.3 on, accepted before).
//
//   int v = kfb::kernel_version_of(*elf);          // 702 for "Linux version 7.2.13+deb14-amd64 ..."
//   int w = kfb::parse_kernel_version("7.3-rc7");  // 703; 0 when it is not "MAJOR.MINOR..."
//   if (kfb::refuses_flag_conflicts(v)) ...        // 0 (unknown) counts as the newest kernel
//
// The version is MAJOR * 100 + MINOR. It comes from the `linux_banner` string that
// init/version.c (vmlinux.o) and init/version-timestamp.c (vmlinux) define: "Linux version
// <release> (...". A module, or an object that is not a kernel, has none: 0.
#pragma once

#include <string>
#include <string_view>

namespace kfb {
namespace elf {
class ElfFile;
}
}  // namespace kfb

namespace kfb::kfunc {


int parse_kernel_version(std::string_view release);
int kernel_version_of(const elf::ElfFile &elf);
// "7.3" for 703; "" for 0.
std::string kernel_version_text(int version);

// resolve_btfids 7.3 and later stop the build when a kfunc's flags differ between sets.
inline bool refuses_flag_conflicts(int version) { return version == 0 || version >= 703; }

}  // namespace kfb::kfunc
