// BTF sources: raw bytes, or an ELF's .BTF through lib/elf (no libelf here).
#include "btf/load.h"

#include <elf.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>
#include <exception>

#include "support/error.h"
#include "support/parallel.h"

namespace kfb::btf {

namespace {

constexpr const char *kSysBtfDir = "/sys/kernel/btf/";

Source from_image(Source s, std::span<const uint8_t> image, const std::string &path) {
  if (is_elf(image)) {
    s.elf = elf::ElfFile::from_memory(image, path);
    s.bytes = s.elf->contents(s.elf->btf_section());
    s.what = path + ": .BTF";
  } else {
    s.bytes = image;
    s.what = path;
  }
  return s;
}

}  // namespace

SysBtf sys_btf_kind(const std::string &path) {
  struct stat f, v, dir, vdir;
  if (stat(path.c_str(), &f) != 0 || stat(kSysVmlinux, &v) != 0) return SysBtf::None;
  if (f.st_dev != v.st_dev) return SysBtf::None;  // not even on that sysfs
  if (f.st_ino == v.st_ino) return SysBtf::Vmlinux;
  char *real = realpath(path.c_str(), nullptr);
  if (!real) return SysBtf::None;
  std::string r = real;
  free(real);
  std::string parent = r.substr(0, r.rfind('/') + 1) + ".";
  bool module = stat(parent.c_str(), &dir) == 0 && stat(kSysBtfDir, &vdir) == 0 &&
                dir.st_dev == vdir.st_dev && dir.st_ino == vdir.st_ino;
  return module ? SysBtf::Module : SysBtf::None;
}

std::string default_base(const std::string &path) {
  return sys_btf_kind(path) == SysBtf::Module ? kSysVmlinux : "";
}

bool is_elf(std::span<const uint8_t> bytes) {
  return bytes.size() >= 4 && std::memcmp(bytes.data(), "\x7f" "ELF", 4) == 0;
}

Source Source::open(const std::string &path) {
  Source s;
  s.file = MappedFile::open(path);
  std::span<const uint8_t> image = s.file.data();
  return from_image(std::move(s), image, path);
}

Source Source::from_memory(std::span<const uint8_t> image, const std::string &path) {
  return from_image(Source(), image, path);
}

Source Source::of_elf(const elf::ElfFile &elf) {
  Source s;
  s.bytes = elf.contents(elf.btf_section());
  s.what = elf.path() + ": .BTF";
  return s;
}

std::optional<Source> base_source(const elf::ElfFile *elf, const std::string &path,
                                  const std::string &base_path) {
  if (elf) {
    const elf::ElfSection *d = elf->section(".BTF.base");
    if (d && d->type != SHT_NOBITS) {
      Source s;
      s.bytes = elf->contents(*d);
      s.what = elf->path() + ": .BTF.base";
      s.distilled = true;
      return s;
    }
  }
  std::string bp = base_path.empty() ? default_base(path) : base_path;
  if (bp.empty()) return std::nullopt;
  return Source::open(bp);
}

namespace {

// The base of `path` (ELF `elf` or nullptr) into `out`, with the Source that keeps its bytes.
void read_base(Loaded &out, const elf::ElfFile *elf, const std::string &path, const std::string &base_path,
               bool deferred) {
  std::optional<Source> b = base_source(elf, path, base_path);
  if (!b) return;
  out.base = std::make_unique<Btf>(deferred ? Btf::parse_deferred(b->bytes, b->what) : Btf::parse(b->bytes, b->what));
  out.base_bytes = b->bytes;
  out.base_distilled = b->distilled;
  out.base_source = std::move(b);
}

Loaded load_impl(const std::string &path, const std::string &base_path, bool defer_base) {
  Loaded out;
  Source s = Source::open(path);
  read_base(out, s.elf.get(), path, base_path, defer_base);
  out.from_elf = s.elf != nullptr;
  out.btf = std::make_unique<Btf>(Btf::parse(s.bytes, s.what, out.base.get()));
  return out;
}

Loaded load_elf_impl(const elf::ElfFile &elf, const std::string &base_path, bool defer_base) {
  Loaded out;
  read_base(out, &elf, elf.path(), base_path, defer_base);
  Source s = Source::of_elf(elf);
  out.from_elf = true;
  out.btf = std::make_unique<Btf>(Btf::parse(s.bytes, s.what, out.base.get()));
  return out;
}

}  // namespace

Loaded load(const std::string &path, const std::string &base_path) { return load_impl(path, base_path, false); }

Loaded load_elf(const elf::ElfFile &elf, const std::string &base_path) { return load_elf_impl(elf, base_path, false); }

std::pair<Loaded, Loaded> load_pair(const std::string &path_a, const std::string &base_a,
                                    const std::string &path_b, const std::string &base_b,
                                    bool parallel) {
  std::pair<Loaded, Loaded> r;
  if (!parallel) {
    r.first = load(path_a, base_a);
    r.second = load(path_b, base_b);
    return r;
  }
  run_parallel(2, [&](unsigned k) {
    if (k == 0) r.first = load(path_a, base_a);
    else r.second = load(path_b, base_b);
  });
  return r;
}

Loaded load_object(const elf::ElfFile &elf, const std::string &btf_path, const std::string &base_path,
                   bool defer_base) {
  if (!btf_path.empty()) return load_impl(btf_path, base_path, defer_base);
  if (elf.section(".BTF")) return load_elf_impl(elf, base_path, defer_base);
  return {};
}

}  // namespace kfb::btf
