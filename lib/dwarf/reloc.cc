// Debug-section relocations of a relocatable object, checked once and applied on demand.
#include "dwarf/reloc.h"

#include <elf.h>
#include <unistd.h>

#include <algorithm>
#include <numeric>

#include "elf/elf.h"
#include "support/endian.h"
#include "support/error.h"

namespace kfb::dwarf {

namespace {

// What a relocation type does to a debug-section field: writes S + A (Set) or adds it to, or
// subtracts it from, the field (RISC-V's ADD/SUB pairs, which encode a length or a difference
// of two labels that linker relaxation may change); Set6/Sub6 touch only the low 6 bits.
enum class Op : uint8_t { Set, Add, Sub, Set6, Sub6 };
struct Field {
  int size;  // bytes: 1, 2, 4 or 8; 0 for a no-op (R_*_NONE, R_RISCV_RELAX); -1 not applied
  Op op = Op::Set;
};

// A type we do not apply makes the object unreadable (DebugRelocs::open says which).
Field field(uint16_t machine, uint32_t type) {
  switch (machine) {
    case EM_X86_64:
      switch (type) {
        case R_X86_64_NONE: return {0};
        case R_X86_64_64: return {8};
        case R_X86_64_32:
        case R_X86_64_32S: return {4};
      }
      return {-1};
    case EM_386:
      return {type == R_386_NONE ? 0 : type == R_386_32 ? 4 : -1};
    case EM_AARCH64:
      switch (type) {
        case R_AARCH64_NONE: return {0};
        case R_AARCH64_ABS64: return {8};
        case R_AARCH64_ABS32: return {4};
      }
      return {-1};
    case EM_ARM:
      return {type == R_ARM_NONE ? 0 : type == R_ARM_ABS32 ? 4 : -1};
    case EM_PPC64:
      switch (type) {
        case R_PPC64_NONE: return {0};
        case R_PPC64_ADDR64: return {8};
        case R_PPC64_ADDR32: return {4};
      }
      return {-1};
    case EM_PPC:
      return {type == R_PPC_NONE ? 0 : type == R_PPC_ADDR32 ? 4 : -1};
    case EM_S390:
      switch (type) {
        case R_390_NONE: return {0};
        case R_390_64: return {8};
        case R_390_32: return {4};
      }
      return {-1};
    case EM_MIPS:  // MIPS64's second and third types must be R_MIPS_NONE (Table::decode)
      return {type == R_MIPS_NONE ? 0 : type == R_MIPS_32 ? 4 : type == R_MIPS_64 ? 8 : -1};
    case EM_RISCV:
      switch (type) {
        case R_RISCV_NONE:
        case R_RISCV_RELAX: return {0};
        case R_RISCV_32: return {4};
        case R_RISCV_64: return {8};
        case R_RISCV_ADD8: return {1, Op::Add};
        case R_RISCV_ADD16: return {2, Op::Add};
        case R_RISCV_ADD32: return {4, Op::Add};
        case R_RISCV_ADD64: return {8, Op::Add};
        case R_RISCV_SUB8: return {1, Op::Sub};
        case R_RISCV_SUB16: return {2, Op::Sub};
        case R_RISCV_SUB32: return {4, Op::Sub};
        case R_RISCV_SUB64: return {8, Op::Sub};
        case R_RISCV_SET6: return {1, Op::Set6};
        case R_RISCV_SUB6: return {1, Op::Sub6};
        case R_RISCV_SET8: return {1};
        case R_RISCV_SET16: return {2};
        case R_RISCV_SET32: return {4};
      }
      return {-1};
  }
  return {-1};
}

uint64_t load_field(const uint8_t *p, int size, bool swap) {
  switch (size) {
    case 1: return *p;
    case 2: return load<uint16_t>(p, swap);
    case 4: return load<uint32_t>(p, swap);
    default: return load<uint64_t>(p, swap);
  }
}

void store_field(uint8_t *p, int size, uint64_t v, bool swap) {
  switch (size) {
    case 1: *p = static_cast<uint8_t>(v); break;
    case 2: store<uint16_t>(p, static_cast<uint16_t>(v), swap); break;
    case 4: store<uint32_t>(p, static_cast<uint32_t>(v), swap); break;
    default: store<uint64_t>(p, v, swap); break;
  }
}

// The field's new value: `old` combined with `v` (S + A) as `f` says.
uint64_t combine(Field f, uint64_t old, uint64_t v) {
  switch (f.op) {
    case Op::Set: return v;
    case Op::Add: return old + v;
    case Op::Sub: return old - v;
    case Op::Set6: return (old & ~0x3full) | (v & 0x3f);
    case Op::Sub6: return (old & ~0x3full) | ((old - v) & 0x3f);
  }
  return v;
}

}  // namespace

// One relocation section, read in place from the mapping. `order` lists the entries by
// r_offset when the section itself is not sorted (ld -r writes them sorted; we do not rely
// on it).
struct DebugRelocs::Table {
  const uint8_t *base = nullptr;
  size_t count = 0;
  size_t entsize = 0;
  bool rela = true;
  bool is64 = true;
  bool swap = false;
  bool mips64 = false;  // r_info is MIPS64's {u32 r_sym; u8 r_ssym, r_type3, r_type2, r_type}
  std::vector<uint32_t> order;

  struct Entry {
    uint64_t offset;
    uint32_t sym;
    uint32_t type;
    int64_t addend;
  };
  Entry at(size_t k) const { return decode(base + (order.empty() ? k : order[k]) * entsize); }
  Entry decode(const uint8_t *p) const {
    Entry e{};
    if (mips64) {
      // Three relocations in one entry: only a single one (r_type2 = r_type3 = R_MIPS_NONE,
      // no special symbol) is a plain field; anything else gets a type no machine has.
      e.offset = load<uint64_t>(p, swap);
      e.sym = load<uint32_t>(p + 8, swap);
      e.type = p[12] || p[13] || p[14] ? UINT32_MAX : p[15];
      if (rela) e.addend = static_cast<int64_t>(load<uint64_t>(p + 16, swap));
    } else if (is64) {
      e.offset = load<uint64_t>(p, swap);
      uint64_t info = load<uint64_t>(p + 8, swap);
      e.sym = static_cast<uint32_t>(info >> 32);
      e.type = static_cast<uint32_t>(info);
      if (rela) e.addend = static_cast<int64_t>(load<uint64_t>(p + 16, swap));
    } else {
      e.offset = load<uint32_t>(p, swap);
      uint32_t info = load<uint32_t>(p + 4, swap);
      e.sym = info >> 8;
      e.type = info & 0xff;
      if (rela) e.addend = static_cast<int32_t>(load<uint32_t>(p + 8, swap));
    }
    return e;
  }
  uint64_t offset(size_t k) const {
    const uint8_t *p = base + (order.empty() ? k : order[k]) * entsize;
    return is64 ? load<uint64_t>(p, swap) : load<uint32_t>(p, swap);
  }
  // First entry whose offset is >= off.
  size_t lower_bound(uint64_t off) const {
    size_t lo = 0, hi = count;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (offset(mid) < off) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
};

DebugRelocs::DebugRelocs(const elf::ElfFile &elf) : elf_(elf) {}
DebugRelocs::~DebugRelocs() = default;

std::unique_ptr<DebugRelocs> DebugRelocs::open(const elf::ElfFile &elf) {
  if (elf.type() != ET_REL) return nullptr;
  const char *path = elf.path().c_str();
  const std::vector<elf::ElfSection> &secs = elf.sections();
  auto is_read = [](const elf::ElfSection &s) { return DebugRelocs::relocated(s.name); };
  for (const elf::ElfSection &s : secs)
    if (s.name.starts_with(".zdebug"))
      fail("%s: %s: the pre-SHF_COMPRESSED .zdebug form is not read (compress with "
           "--compress-debug-sections=zlib)", path, std::string(s.name).c_str());

  std::unique_ptr<DebugRelocs> r(new DebugRelocs(elf));
  r->tables_.resize(secs.size());
  const std::vector<elf::ElfSymbol> &syms = elf.symbols();
  size_t symtab = 0;  // the table ElfFile::symbols() decodes (the last SHT_SYMTAB)
  for (const elf::ElfSection &s : secs)
    if (s.type == SHT_SYMTAB) symtab = s.index;
  for (const elf::ElfSection &rs : secs) {
    if (rs.type != SHT_RELA && rs.type != SHT_REL) continue;
    if (rs.info == 0 || rs.info >= secs.size() || !is_read(secs[rs.info])) continue;
    const elf::ElfSection &target = secs[rs.info];
    std::string where = std::string(rs.name);
    uint64_t target_size = elf.content_size(target);  // offsets are into the inflated bytes
    if (r->tables_[target.index])
      fail("%s: %s: a second relocation section for section [%zu] %s", path, where.c_str(),
           target.index, std::string(target.name).c_str());
    if (rs.link != symtab)
      fail("%s: %s: relocations against the symbols of section [%u], not of the symbol table [%zu]",
           path, where.c_str(), rs.link, symtab);
    auto t = std::make_unique<Table>();
    t->rela = rs.type == SHT_RELA;
    t->is64 = elf.is64();
    t->mips64 = elf.is64() && elf.machine() == EM_MIPS;
    t->swap = elf.swap();
    size_t want = (elf.is64() ? 8 : 4) * (t->rela ? 3 : 2);
    if (rs.entsize != want || rs.size % want)
      fail("%s: %s: entry size %llu and size 0x%llx (entries are %zu bytes)", path, where.c_str(),
           static_cast<unsigned long long>(rs.entsize), static_cast<unsigned long long>(rs.size), want);
    std::span<const uint8_t> bytes = elf.data(rs);
    t->base = bytes.data();
    t->entsize = want;
    t->count = bytes.size() / want;
    // One pass: every entry applicable, and sorted by offset (else an index that sorts them).
    // Read with pread in pieces where there is a file: the mapping's pages would stay in the
    // process (78 MB of .rela.debug_info in a 6.1 vmlinux.o, of which a few pages are used).
    bool sorted = true;
    uint64_t prev = 0;
    std::vector<uint8_t> buf;
    for (size_t done = 0; done < t->count;) {
      size_t n = std::min<size_t>(t->count - done, 1 << 15);
      const uint8_t *p = t->base + done * want;
      if (elf.fd() >= 0) {
        buf.resize(n * want);
        off_t at = static_cast<off_t>(rs.offset + done * want);
        if (pread(elf.fd(), buf.data(), buf.size(), at) != static_cast<ssize_t>(buf.size()))
          fail("%s: %s: cannot read the relocations", path, where.c_str());
        p = buf.data();
      }
      for (size_t k = 0; k < n; k++, p += want) {
        Table::Entry e = t->decode(p);
        Field f = field(elf.machine(), e.type);
        unsigned long long at = (done + k) * want;
        if (f.size < 0 || (!t->rela && f.op != Op::Set)) {
          if (e.type == UINT32_MAX)
            fail("%s: %s+0x%llx: a MIPS64 entry with a second or third relocation type; "
                 "kfuncbtf applies single ones", path, where.c_str(), at);
          fail("%s: %s+0x%llx: relocation type %u (e_machine %u, %s) is not one kfuncbtf applies to "
               "debug sections", path, where.c_str(), at, e.type, elf.machine(), t->rela ? "RELA" : "REL");
        }
        if (e.sym >= syms.size())
          fail("%s: %s+0x%llx: symbol %u out of range (%zu symbols)", path, where.c_str(), at, e.sym,
               syms.size());
        if (e.offset > target_size || target_size - e.offset < static_cast<uint64_t>(f.size))
          fail("%s: %s+0x%llx: a %d-byte field at 0x%llx is outside %s (0x%llx bytes)", path,
               where.c_str(), at, f.size, static_cast<unsigned long long>(e.offset),
               std::string(target.name).c_str(), static_cast<unsigned long long>(target_size));
        if (e.offset < prev) sorted = false;
        prev = e.offset;
      }
      done += n;
    }
    if (!sorted) {
      if (t->count > UINT32_MAX) fail("%s: %s: more than 2^32 relocations", path, where.c_str());
      t->order.resize(t->count);
      std::iota(t->order.begin(), t->order.end(), 0u);
      const Table &view = *t;
      std::vector<uint64_t> offs(t->count);
      for (size_t k = 0; k < t->count; k++) offs[k] = view.offset(k);
      std::stable_sort(t->order.begin(), t->order.end(),
                       [&](uint32_t a, uint32_t b) { return offs[a] < offs[b]; });
    }
    r->tables_[target.index] = std::move(t);
  }
  return r;
}

bool DebugRelocs::relocated(std::string_view name) {
  return name == ".debug_info" || name == ".debug_line" || name == ".debug_str_offsets" ||
         name == ".debug_addr" || name == ".debug_aranges" || name == ".debug_types";
}

const DebugRelocs::Table *DebugRelocs::table(const elf::ElfSection &target) const {
  return target.index < tables_.size() ? tables_[target.index].get() : nullptr;
}

bool DebugRelocs::has(const elf::ElfSection &target) const { return table(target) != nullptr; }

// A REL entry's addend is the field itself, sign-extended.
static int64_t implicit_addend(uint64_t raw, int size) {
  switch (size) {
    case 1: return static_cast<int8_t>(raw);
    case 2: return static_cast<int16_t>(raw);
    case 4: return static_cast<int32_t>(raw);
    default: return static_cast<int64_t>(raw);
  }
}

void DebugRelocs::apply(const elf::ElfSection &target, uint64_t begin, uint64_t end, uint8_t *dst) const {
  const Table *t = table(target);
  if (!t) return;
  const std::vector<elf::ElfSymbol> &syms = elf_.symbols();
  bool swap = elf_.swap();
  for (size_t k = t->lower_bound(begin); k < t->count; k++) {
    Table::Entry e = t->at(k);
    if (e.offset >= end) break;
    Field f = field(elf_.machine(), e.type);  // checked at open: size 0, 1, 2, 4 or 8
    if (f.size == 0 || e.offset + f.size > end) continue;
    uint8_t *p = dst + (e.offset - begin);
    uint64_t old = load_field(p, f.size, swap);
    int64_t addend = t->rela ? e.addend : implicit_addend(old, f.size);
    uint64_t v = syms[e.sym].value + static_cast<uint64_t>(addend) + base(syms[e.sym].shndx);
    store_field(p, f.size, combine(f, old, v), swap);
  }
}

void DebugRelocs::set_base(uint32_t shndx, uint64_t base) {
  if (shndx >= bases_.size()) bases_.resize(shndx + 1, 0);
  bases_[shndx] = base;
}

RelocTarget DebugRelocs::target(const elf::ElfSection &target, uint64_t off, uint64_t raw) const {
  RelocTarget out{0, raw};
  const Table *t = table(target);
  if (!t) return out;
  // Every entry at `off`, in order (an ADD/SUB pair is two). The field's size is the
  // entries'; `raw` was read with that size by the caller.
  for (size_t k = t->lower_bound(off); k < t->count; k++) {
    Table::Entry e = t->at(k);
    if (e.offset != off) break;
    Field f = field(elf_.machine(), e.type);
    if (f.size <= 0) continue;
    const elf::ElfSymbol &sym = elf_.symbols()[e.sym];
    int64_t addend = t->rela ? e.addend : implicit_addend(raw, f.size);
    uint64_t v = sym.value + static_cast<uint64_t>(addend) + base(sym.shndx);
    out.value = combine(f, out.value, v);
    if (f.size < 8) out.value &= (uint64_t(1) << (8 * f.size)) - 1;
    if (out.shndx == 0) out.shndx = sym.shndx;
  }
  return out;
}

}  // namespace kfb::dwarf
