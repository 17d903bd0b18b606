// Fuzz target for the loader rules: any bytes, in every mode, must give a verdict without a
// crash, a hang or an exception (deep chains, 0xfffff types, huge vlen, overlapping sections).
// The first byte picks the mode and kernel version; in module mode the input is split in two:
// a base (checked as vmlinux first, so a bad base throws kfb::Error, which is allowed) and the
// split BTF. What the loader accepts also goes through the kfunc rules, whose messages spell
// types in C (cycles through pointers pass the loader: corpus spell-*).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "btf/btf.h"
#include "check/kfunc_rules.h"
#include "check/loader.h"
#include "support/diag.h"
#include "support/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  kfb::check::CheckOptions o;
  uint8_t sel = data[0];
  std::span<const uint8_t> in(data + 1, size - 1);
  static constexpr kfb::check::KernelVersion kVersions[] = {
      kfb::check::KernelVersion::V6_18, kfb::check::KernelVersion::V6_1,
      kfb::check::KernelVersion::V7_3, kfb::check::KernelVersion::V7_2};
  o.kernel = kVersions[(sel >> 2) & 3];
  switch (sel & 3) {
    case 1: o.mode = kfb::check::LoaderMode::Vmlinux; break;
    case 2: {
      o.mode = kfb::check::LoaderMode::Module;
      size_t cut = in.size() / 2;
      o.base = in.subspan(0, cut);
      in = in.subspan(cut);
      break;
    }
    default: o.mode = kfb::check::LoaderMode::User;
  }
  try {
    kfb::check::LoaderResult r = kfb::check::check_loader(in, o);
    (void)kfb::check::format_finding(r, o);
    std::optional<kfb::btf::Btf> btf;
    if (r.ok && o.mode != kfb::check::LoaderMode::Module) {
      try {
        btf.emplace(kfb::btf::Btf::parse(in, "fuzz"));
      } catch (const kfb::Error &) {
      }
    }
    if (btf) {
      kfb::DiagSink diags;
      kfb::check::check_kfunc_rules(*btf, nullptr, {}, diags);
    }
  } catch (const kfb::Error &) {
    if (o.mode != kfb::check::LoaderMode::Module) __builtin_trap();  // only a bad base may throw
  }
  return 0;
}
