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
//   kfb::btf::Source s = kfb::btf::Source::open("foo.ko");     // the BTF bytes, unparsed
//   check_loader(s.bytes, ...);
//
// Raw BTF and ELF are told apart by their magic. An ELF goes through lib/elf (kfb::elf::ElfFile),
// the one reader of ELF in the project, so every command gives the same message for the same
// malformed file. Errors name the file and section ("foo.ko: .BTF+0x1c: ...",
// "foo.ko: no .BTF section").
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "btf/btf.h"
#include "elf/elf.h"
#include "support/file.h"

namespace kfb::btf {

// /sys/kernel/btf/vmlinux: the kernel's BTF, and the base of every other /sys/kernel/btf file.
inline constexpr const char *kSysVmlinux = "/sys/kernel/btf/vmlinux";

// What a file is among the running kernel's BTF files, decided by what it is (device and inode,
// links followed), never by how its path is spelled: /sys/kernel/btf/../btf/vmlinux and
// //sys/kernel/btf/vmlinux are Vmlinux; another file of the directory that holds it is a Module.
enum class SysBtf { None, Vmlinux, Module };
SysBtf sys_btf_kind(const std::string &path);

// The base a file is split on when none is given: kSysVmlinux for a Module, "" for anything else.
std::string default_base(const std::string &path);

// True when `bytes` start with the ELF magic.
bool is_elf(std::span<const uint8_t> bytes);

// An input's BTF bytes, and what keeps them alive: a raw BTF file as read, or the .BTF section
// (inflated if compressed) of an ELF read through lib/elf.
struct Source {
  MappedFile file;                   // empty for from_memory
  std::unique_ptr<elf::ElfFile> elf;      // set for an ELF input
  std::span<const uint8_t> bytes;    // the BTF
  std::string what;                  // "<path>" or "<path>: .BTF", for messages
  bool distilled = false;            // base_source: the object's own .BTF.base

  static Source open(const std::string &path);
  // Over `image` (raw BTF or ELF), which the caller keeps alive.
  static Source from_memory(std::span<const uint8_t> image, const std::string &path);
  // The .BTF of an ELF the caller opened (and keeps alive).
  static Source of_elf(const elf::ElfFile &elf);
};

struct Loaded {
  std::unique_ptr<Btf> base;  // set when the BTF is split (given or automatic)
  std::unique_ptr<Btf> btf;
  bool from_elf = false;
  // With a base: its bytes as read (kept alive by base_source, which a deferred base reads on
  // demand), and whether they are a distilled base (.BTF.base), which the kernel checks with
  // the module, rather than a kernel's own BTF, which it does not check again.
  std::span<const uint8_t> base_bytes;
  bool base_distilled = false;
  std::optional<Source> base_source;
};

// The base BTF a split input `path` (ELF `elf`, or nullptr) is read on: its own .BTF.base, the
// distilled base that 7.x's resolve_btfids --distill_base writes into out-of-tree modules (the
// split's ids refer to it; the kernel relocates it onto vmlinux at load time, kfuncbtf does
// not), else `base_path`, else default_base(path); nullopt when there is none.
std::optional<Source> base_source(const elf::ElfFile *elf, const std::string &path,
                                  const std::string &base_path);

// Reads `path`, split on its own .BTF.base when it has one (`base_path` is then not used: the
// split's ids are the distilled base's, and no relocation onto it is done), else on
// `base_path` (raw or ELF), else on default_base(path).
Loaded load(const std::string &path, const std::string &base_path = "");

// Two inputs at once, each on its own base (diff's OLD and NEW); with `parallel` the second is
// read on another thread. Either one's error is thrown here, the first input's first.
std::pair<Loaded, Loaded> load_pair(const std::string &path_a, const std::string &base_a,
                                    const std::string &path_b, const std::string &base_b,
                                    bool parallel);

// The BTF a command on object `elf` works on: `btf_path` when given (raw or ELF: --btf FILE),
// else the object's own .BTF; an empty Loaded (btf null) when it has none. With `defer_base`
// the base is read with Btf::parse_deferred (emit: a module's base is mostly not looked at).
Loaded load_object(const elf::ElfFile &elf, const std::string &btf_path, const std::string &base_path = "",
                   bool defer_base = false);

// The .BTF of an opened ELF, with load()'s choice of base.
Loaded load_elf(const elf::ElfFile &elf, const std::string &base_path = "");

}  // namespace kfb::btf
