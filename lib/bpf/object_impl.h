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

// One core_relo record (struct bpf_core_relo).
struct CoreRec {
  uint64_t insn_off = 0;
  uint32_t type_id = 0;
  std::string_view access;  // "0:1:2"; a view into the Btf's strings
  uint32_t kind = 0;        // enum bpf_core_relo_kind
};
using CoreTable = std::map<std::string, std::vector<CoreRec>, std::less<>>;

struct BtfExt {
  LineTable lines;
  CoreTable core;
};

// Reads .BTF.ext `sec` of `elf` with the object's `btf` (for the strings). Checks the framing of
// all three record groups (func_info, line_info, core_relo) as libbpf's btf_ext__new does and
// throws kfb::Error "<path>: .BTF.ext+0x<off>: <why>" where it does not hold.
BtfExt read_btf_ext(const elf::ElfFile &elf, const elf::ElfSection &sec, const btf::Btf &btf);

}  // namespace kfb::bpf::detail
