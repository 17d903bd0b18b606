// lib/bpf's private pieces: the .BTF.ext reader (btf_ext.cc), used by object.cc.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "btf/btf.h"
#include "elf/elf.h"

namespace kfb::bpf::detail {

// One line_info record, its strings looked up in the object's .BTF.
struct LineRec {
  uint64_t insn_off = 0;  // bytes into the ELF section
  std::string_view file;  // views into the Btf's strings
  uint32_t line = 0, col = 0;
};

// line_info records by ELF section name, sorted by insn_off.
using LineTable = std::map<std::string, std::vector<LineRec>, std::less<>>;

// Reads .BTF.ext `sec` of `elf` with the object's `btf` (for the strings). Checks the framing of
// all three record groups (func_info, line_info, core_relo) as libbpf's btf_ext__new does and
// throws kfb::Error "<path>: .BTF.ext+0x<off>: <why>" where it does not hold.
LineTable read_line_info(const elf::ElfFile &elf, const elf::ElfSection &sec, const btf::Btf &btf);

}  // namespace kfb::bpf::detail
