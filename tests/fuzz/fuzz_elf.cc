// Fuzz target for the ELF layer (lib/elf) along every command's entry path: the BTF source that
// check, dump and diff read (btf::Source), and what scan and emit do with an object (symbols,
// every section's contents, the kernel version, the .BTF_ids set8s, the .BTF, rewriting the
// ELF with a new .BTF). Anything may throw kfb::Error; nothing may crash, hang or read out of
// bounds. One ELF, one verdict: when the object cannot be opened, or has no usable .BTF, the BTF
// source must fail with exactly the same message (a different one aborts).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "btf/load.h"
#include "elf/elf.h"
#include "elf/rewrite.h"
#include "kfunc/btf_ids.h"
#include "kfunc/kernel.h"
#include "support/error.h"

namespace {

// The message of what `f` throws, "" when it does not.
template <typename F>
std::string error_of(F &&f) {
  try {
    f();
  } catch (const kfb::Error &e) {
    return e.what();
  }
  return "";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  if (!kfb::btf::is_elf(bytes)) return 0;  // raw BTF is fuzz_btf's
  // check, dump, diff: the BTF source.
  std::string source_err = error_of([&] { (void)kfb::btf::Source::from_memory(bytes, "fuzz.o"); });
  // scan, emit: the object.
  std::unique_ptr<kfb::elf::ElfFile> elf;
  std::string open_err = error_of([&] { elf = kfb::elf::ElfFile::from_memory(bytes, "fuzz.o"); });
  if (!elf) {
    if (source_err != open_err) {
      fprintf(stderr, "fuzz_elf.cc: two verdicts: open '%s', BTF source '%s'\n", open_err.c_str(),
              source_err.c_str());
      abort();
    }
    return 0;
  }
  std::string btf_err = error_of([&] { (void)elf->contents(elf->btf_section()); });
  if (source_err != btf_err) {
    fprintf(stderr, "fuzz_elf.cc: two verdicts: .BTF '%s', BTF source '%s'\n", btf_err.c_str(),
            source_err.c_str());
    abort();
  }
  std::string sym_err = error_of([&] { (void)elf->symbols(); });
  if (error_of([&] { (void)elf->symbols(); }) != sym_err) abort();  // the same on every call
  for (const kfb::elf::ElfSection &s : elf->sections()) {
    (void)elf->data(s);
    (void)error_of([&] { (void)elf->contents(s); });
  }
  (void)error_of([&] { (void)kfb::kfunc::kernel_version_of(*elf); });
  (void)error_of([&] { (void)kfb::kfunc::decode_all_set8(*elf, nullptr); });
  if (btf_err.empty()) {
    (void)error_of([&] { (void)kfb::btf::load_elf(*elf); });
    static const uint8_t kTinyBtf[] = {0x9f, 0xeb, 1, 0, 24, 0, 0, 0, 0, 0, 0, 0,
                                       0,    0,    0, 0, 0,  0, 0, 0, 1, 0, 0, 0, 0};
    (void)error_of([&] { (void)kfb::elf::rewrite_btf(*elf, kTinyBtf).image.bytes(); });
  }
  return 0;
}
