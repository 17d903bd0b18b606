// libFuzzer target for the .BTF_ids decoder (lib/kfunc/btf_ids): synthetic section bytes and
// symbol tables, no ELF around them.
//
// Input: [flags u8: bit0 swap, bit1 legacy, bit2 give a resolver] [nsyms u8] then nsyms records
// [kind u8: 0 set8, 1 func, 2 other, 3 set8 in another section] [len u8] [name: len bytes]
// [value u16 LE] [size u16 LE], then the .BTF_ids bytes. Anything may throw kfb::Error; nothing
// may crash, hang or read out of bounds.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "kfunc/btf_ids.h"
#include "support/diag.h"
#include "support/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t pos = 0;
  auto take = [&](size_t n) -> const uint8_t * {
    if (size - pos < n) return nullptr;
    const uint8_t *p = data + pos;
    pos += n;
    return p;
  };
  const uint8_t *hdr = take(2);
  if (!hdr) return 0;
  uint8_t flags = hdr[0];
  unsigned nsyms = hdr[1] % 64;
  std::vector<std::string> names;
  std::vector<kfb::elf::ElfSymbol> syms;
  names.reserve(nsyms);
  for (unsigned i = 0; i < nsyms; i++) {
    const uint8_t *r = take(2);
    if (!r) return 0;
    uint8_t kind = r[0] % 4, len = r[1] % 40;
    const uint8_t *n = take(len);
    const uint8_t *v = take(4);
    if (!n || !v) return 0;
    std::string name(reinterpret_cast<const char *>(n), len);
    if (kind == 0 || kind == 3) name = "__BTF_ID__set8__" + name;
    if (kind == 1) name = "__BTF_ID__func__" + name;
    names.push_back(std::move(name));
    kfb::elf::ElfSymbol s;
    s.value = v[0] | (v[1] << 8);
    s.size = v[2] | (v[3] << 8);
    s.shndx = kind == 3 ? 2 : 1;
    syms.push_back(s);
  }
  for (size_t i = 0; i < syms.size(); i++) syms[i].name = names[i];

  kfb::kfunc::BtfIdsInput in;
  in.path = "fuzz.o";
  in.section = {data + pos, size - pos};
  in.section_index = 1;
  in.swap = flags & 1;
  in.legacy = flags & 2;
  in.symbols = syms;
  in.section_name = [](size_t i) { return i == 1 ? std::string(".BTF_ids") : std::string(".data"); };
  kfb::kfunc::BtfIdResolver resolve;
  if (flags & 4)
    resolve = [](uint32_t id) { return id % 5 == 0 ? std::string() : "f" + std::to_string(id % 8); };
  try {
    kfb::kfunc::BtfIds ids = kfb::kfunc::decode_btf_ids(in, resolve);
    for (const kfb::kfunc::BtfIdsEntry &e : ids.entries)
      if (e.name.empty() || e.offset + 8 > in.section.size()) __builtin_trap();
  } catch (const kfb::Error &) {
  }
  return 0;
}
