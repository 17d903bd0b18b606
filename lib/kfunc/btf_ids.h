// The .BTF_ids decoder (man kfuncbtf(1), FINDING KFUNCS): kfunc set8 sets and their entries with
// KF_* flags.
//
//   auto elf = kfb::elf::ElfFile::open("vmlinux.o");
//   kfb::DiagSink diags;
//   kfb::kfunc::BtfIds ids = kfb::kfunc::decode_btf_ids(kfb::kfunc::BtfIdsInput::from_elf(*elf), {});
//   for (const kfb::kfunc::BtfIdsEntry &e : ids.entries)  // set order, then slot order
//     printf("%s in %s: %s\n", e.name.c_str(), e.set.c_str(), kfb::kfunc::kf_flags_string(e.flags).c_str());
//
//   // A linked vmlinux: resolve_btfids filled the ids and sorted each set by id, so slots are
//   // named through the ELF's own BTF instead of by symbol position:
//   ids = kfb::kfunc::decode_btf_ids(in, [&](uint32_t id) { return func_name_of(id); });
//
// A set is a `__BTF_ID__set8__<set>` symbol in .BTF_ids: `struct btf_id_set8 { u32 cnt; u32
// flags; struct { u32 id; u32 flags; } pairs[]; }` at st_value (minus the section's sh_addr) and
// st_size bytes long. Only sets with `flags & BTF_SET8_KFUNCS` count, or every set8 with
// `legacy` (kernels before 6.9 never set the flag). Each `__BTF_ID__func__<name>__<n>` symbol
// inside a set names the pair at its address: <name> is the symbol without the prefix, cut at
// the last "__"; the u32 after the id slot is its KF_* word. A set whose cnt or any id is nonzero
// was already resolved (and sorted) by resolve_btfids: then pair i is named by resolving its id.
// Words are read in the ELF's byte order. The same kfunc in several sets with different flags is
// recorded in `conflicts` (scan reports it: an error for 7.3 and later, a warning before);
// malformed symbols and sets throw kfb::Error.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "elf/elf.h"

namespace kfb {
namespace btf {
class Btf;
}
class DiagSink;
}  // namespace kfb

namespace kfb::kfunc {


struct BtfIdsInput {
  std::string path;                   // the ELF, for messages
  std::span<const uint8_t> section;   // .BTF_ids bytes
  uint64_t section_addr = 0;          // its sh_addr (0 in ET_REL)
  size_t section_index = 0;           // its section index
  bool swap = false;                  // ELF byte order differs from the host's
  bool legacy = false;                // every set8 is a kfunc set
  std::span<const elf::ElfSymbol> symbols;
  // The sections' names by index, for "symbol is in section X" messages (may be empty).
  std::function<std::string(size_t)> section_name;

  // From an ELF; an ELF with no .BTF_ids gives an empty section (and no sets).
  static BtfIdsInput from_elf(const elf::ElfFile &elf, bool legacy = false);
  bool present = true;  // false when the ELF has no .BTF_ids section
};

struct BtfIdsSet {
  std::string name;     // <set> of __BTF_ID__set8__<set>
  uint64_t offset = 0;  // in .BTF_ids
  uint64_t size = 0;    // st_size
  uint32_t cnt = 0;     // header words as found
  uint32_t flags = 0;
  bool kfuncs = false;    // counted as a kfunc set (BTF_SET8_KFUNCS, or legacy)
  bool resolved = false;  // ids filled by resolve_btfids
  size_t entries = 0;     // entries of this set in BtfIds::entries
};

struct BtfIdsEntry {
  std::string name;     // kfunc name
  std::string set;      // set name
  uint32_t flags = 0;   // KF_* word of the pair
  uint32_t btf_id = 0;  // id word of the pair (0 before resolve_btfids)
  uint64_t offset = 0;  // of the pair in .BTF_ids
};

// A kfunc whose entry in `set` carries other flags than its first entry (in `first_set`).
struct FlagConflict {
  std::string name, first_set, set;
  uint32_t first_flags = 0, flags = 0;
  // "inconsistent flags across BTF ID sets: 'a' has KF_ACQUIRE, 'b' has 0"
  std::string message() const;
};

struct BtfIds {
  std::vector<BtfIdsSet> sets;        // every set8, by offset (kfunc sets and others)
  std::vector<BtfIdsEntry> entries;   // entries of kfunc sets: set order, then slot order
  std::vector<FlagConflict> conflicts;  // entry order; whether it is an error is the kernel's
};

// Maps a BTF id to its FUNC's name; "" when it is not a FUNC. Needed only for resolved sets.
using BtfIdResolver = std::function<std::string(uint32_t id)>;
// The resolver that names ids through `btf`'s FUNCs; an empty one when `btf` is null.
BtfIdResolver func_resolver(const btf::Btf *btf);

BtfIds decode_btf_ids(const BtfIdsInput &in, const BtfIdResolver &resolve);

// Every set8 of `elf` with its entries named, flag or not (decoded as `legacy`, so flagless sets
// have their entries too; a resolved set names its pairs through `btf`, which may be null): what
// check's set8 rule (BTF_SET8_KFUNCS) and emit's sort plan read. Throws as decode_btf_ids.
BtfIds decode_all_set8(const elf::ElfFile &elf, const btf::Btf *btf);

}  // namespace kfb::kfunc
