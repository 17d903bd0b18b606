// Reading function definitions with libdwarf 20210528: design notes.
//
// Opening. Sessions go through libdwarf's object-access interface over our own mapping
// (DebugSources): lazy, nothing copied, no relocation by libdwarf, and only the .debug_*
// sections are shown to it, so their indexes fit its 16-bit section numbers even in an
// object with 70,000 sections. Each session gets its own .debug_info (an InfoView holding
// just the CUs it reads).
//   * ET_REL (vmlinux.o, .ko, `ld -r` fixtures): the .rela.debug_* relocations must be
//     applied, or every string offset reads as 0. DebugRelocs (reloc.h) applies them to the
//     CUs read and to the few other sections whose contents are read. libdwarf's own
//     relocation (dwarf_init_b) reads and relocates every debug section on open: 3.3 s and
//     290 MB for a 6.1 vmlinux.o, against 0.1 s here; it cannot apply RISC-V's ADD/SUB
//     pairs at all. It is not used: relocations DebugRelocs does not know are an error.
//   * Compressed debug sections (SHF_COMPRESSED, zlib or zstd) are inflated by ElfFile, each
//     once, when first read; libdwarf is shown the inflated bytes.
//   * ET_EXEC/ET_DYN (a linked vmlinux): the relocations are already applied, and Debian's
//     vmlinux keeps .rela.debug_* with R_X86_64_NONE entries that libdwarf's relocation code
//     rejects; they are not shown to it.
// Nothing libdwarf reads is unread by us first: unit headers, aranges, abbreviation tables,
// relocations and line tables (file names) are ours; libdwarf walks DIEs inside units whose
// headers we checked. Its own line-table reader (dwarf_srcfiles) is not used: fuzz_dwarf
// found it reading past strings and through wild pointers.
// Every libdwarf call gets a Dwarf_Error* (a NULL one means abort() on the first error).
//
// Which CUs. Walking all of a kernel's DWARF costs seconds; a kfunc list needs a few dozen CUs.
// A named function's ELF symbol gives its address, .debug_aranges maps the address to its CU,
// and only those CUs are walked (top-level DIEs only: definitions of global functions sit
// there); in ET_REL, addresses are section-relative, so the relocated aranges and the
// symbols are compared as (section, offset). Without aranges every CU is walked. For `all`
// (annotation-only kfuncs anywhere), a CU is walked only if its abbreviation table declares a
// DW_TAG_LLVM_annotation / DW_TAG_GNU_annotation entry: a CU that cannot encode an annotation
// cannot hold a bpf_kfunc tag (gcc 12 never emits one).
//
// Threads. The CU list is cut into `jobs` contiguous ranges of roughly equal .debug_info bytes;
// each thread builds its own InfoView and Dwarf_Debug (libdwarf is not safe to share; the
// DebugSources behind them are, their copies made once), walks its range and returns
// definitions tagged with their CU index; the merge concatenates ranges in order and keeps, per
// name, the first definition with code (a pc: DW_AT_low_pc or DW_AT_ranges), else the first.
// The output is therefore the same for any `jobs`.
//
// Types are rendered to C declarator syntax from DIE offsets, with a per-thread cache. Type units
// (-fdebug-types-section) are kept in every view like dwz's partial units; DW_FORM_ref_sig8 and
// DW_AT_signature are resolved through the signatures read from the unit headers (.debug_info
// for DWARF 5, .debug_types for DWARF 4), since libdwarf 20210528 does not follow them.
//
// The pieces (declarations they share: dwarf_impl.h): session.cc opens libdwarf sessions and
// words their errors; walk.cc walks a CU's DIEs; types.cc spells types; units.cc reads
// .debug_aranges, .debug_abbrev and unit headers itself and builds the .debug_info views;
// this file is the public entry (DwarfReader) and the parallel driver.
#include "dwarf/dwarf.h"

#include <elf.h>

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "dwarf/dwarf_impl.h"
#include "dwarf/reloc.h"
#include "elf/elf.h"
#include "support/error.h"
#include "support/parallel.h"

namespace kfb::dwarf {

using namespace detail;

bool FuncDef::has_tag(std::string_view value) const {
  return std::find(tags.begin(), tags.end(), value) != tags.end();
}

struct DwarfReader::Impl {
  std::vector<CuInfo> cus;
  std::unique_ptr<DebugRelocs> relocs;    // a relocatable object's, applied by us
  std::unique_ptr<DebugSources> sources;  // what every session is shown
  TypeSigs sigs;                          // type units
};

DwarfReader::DwarfReader(const elf::ElfFile &elf) : elf_(elf), impl_(std::make_unique<Impl>()) {}
DwarfReader::~DwarfReader() = default;

std::unique_ptr<DwarfReader> DwarfReader::open(const elf::ElfFile &elf) {
  if (!elf.section(".debug_info"))
    fail("%s: no DWARF debug information (.debug_info); build with CONFIG_DEBUG_INFO",
         elf.path().c_str());
  std::unique_ptr<DwarfReader> r(new DwarfReader(elf));
  Impl &m = *r->impl_;
  // The unit headers are read straight from .debug_info (libdwarf's CU iteration builds a full
  // CU context per unit: 1.4 s for the 2,578 CUs of a 6.12 vmlinux, against a few ms here),
  // and sessions see only the CUs they read. A relocatable object is relocated by us, only
  // where it is read (libdwarf relocates every debug section on open: 3.3 s and 290 MB for
  // a 6.1 vmlinux.o); relocations DebugRelocs cannot apply are an error.
  // Type units: DWARF 5 puts them in .debug_info, DWARF 4 in .debug_types; in a relocatable
  // object each sits in its own COMDAT section, read end to end with the others (Joined).
  m.relocs = DebugRelocs::open(elf);  // null unless ET_REL
  m.sources = std::make_unique<DebugSources>(elf, m.relocs.get());
  const Joined &info = m.sources->joined(".debug_info"), &types = m.sources->joined(".debug_types");
  if (m.relocs)  // before anything is relocated
    for (const Joined *j : {&info, &types})
      for (const Joined::Part &p : j->parts) m.relocs->set_base(static_cast<uint32_t>(p.sec->index), p.base);
  read_unit_headers(elf, info, m.relocs.get(), m.cus, m.sigs);
  r->stats_.cus = std::count_if(m.cus.begin(), m.cus.end(), [](const CuInfo &cu) { return !cu.shared; });
  if (types) read_type_units(elf, m.sources->named(".debug_types"), m.sigs);
  return r;
}

std::vector<FuncDef> DwarfReader::find(const DwarfQuery &q) {
  std::vector<CuInfo> &cus = impl_->cus;
  for (CuInfo &cu : cus) cu.names = cu.tags = false;
  std::unordered_set<std::string_view> names(q.names.begin(), q.names.end());

  // Which CUs define the named functions: symbol address -> .debug_aranges -> CU.
  std::vector<Arange> ar;
  const DebugRelocs *relocs = impl_->relocs.get();
  bool located = !names.empty() && read_aranges(elf_, relocs, ar);
  if (located) {
    // Every name must be located, or the aranges are not telling the whole story (a CU
    // without an entry, PPC64 ELFv1 symbols on .opd descriptors): then every CU is walked.
    std::unordered_map<Dwarf_Off, size_t> by_hdr;
    for (size_t i = 0; i < cus.size(); i++) by_hdr[cus[i].hdr_off] = i;
    std::unordered_set<std::string_view> found;
    for (const elf::ElfSymbol &sym : elf_.symbols()) {
      if (sym.type != STT_FUNC || sym.shndx == SHN_UNDEF || !names.count(sym.name)) continue;
      Arange key{relocs ? sym.shndx : 0, sym.value, 0, 0};
      auto it = std::upper_bound(ar.begin(), ar.end(), key);
      if (it == ar.begin()) continue;
      --it;
      if (it->shndx != key.shndx || sym.value >= it->hi) continue;
      auto cu = by_hdr.find(it->cu_hdr_off);
      if (cu == by_hdr.end()) continue;
      cus[cu->second].names = true;
      found.insert(sym.name);
    }
    located = found.size() == names.size();
  }
  if (!located && !names.empty()) {
    for (CuInfo &cu : cus) cu.names = !cu.shared;
  }
  stats_.aranges = located;
  if (q.all) {
    const elf::ElfSection *abbrev = elf_.section(".debug_abbrev");
    for (CuInfo &cu : cus) cu.tags = !cu.shared && abbrev_has_annotation(elf_, abbrev, cu.abbrev_off);
  }

  std::vector<size_t> todo;
  uint64_t total = 0;
  for (size_t i = 0; i < cus.size(); i++)
    if (cus[i].names || cus[i].tags) todo.push_back(i), total += cus[i].next - cus[i].hdr_off;
  stats_.cus_read = todo.size();

  // Contiguous ranges of about equal .debug_info bytes, one per thread.
  unsigned jobs = std::max(1u, std::min<unsigned>(q.jobs, static_cast<unsigned>(todo.size())));
  std::vector<std::vector<size_t>> parts(jobs);
  {
    uint64_t acc = 0;
    for (size_t i : todo) {
      size_t k = std::min<size_t>(jobs - 1, total ? acc * jobs / total : 0);
      parts[k].push_back(i);
      acc += cus[i].next - cus[i].hdr_off;
    }
  }
  std::vector<std::vector<FuncDef>> results(jobs);
  std::vector<size_t> dies(jobs, 0);
  std::vector<std::exception_ptr> errors(jobs);
  // Each thread builds its own view and session (the copy is part of its work).
  auto work = [&](unsigned k) {
    try {
      InfoView view(elf_, impl_->sources->joined(".debug_info"), relocs, cus, parts[k]);
      Session s(*impl_->sources, view.bytes());
      Walker w(s, names, impl_->sigs);
      for (size_t i : parts[k]) w.walk_cu(cus[i], i, results[k]);
      s.check_load();
      dies[k] = w.dies();
    } catch (...) {
      errors[k] = std::current_exception();
    }
  };
  run_parallel(jobs, work);  // fewer threads when the system grants fewer
  for (auto &e : errors)
    if (e) std::rethrow_exception(e);

  // Merge in CU order; per name keep the first definition with a pc (DW_AT_low_pc or
  // DW_AT_ranges), else the first: a sort by (name, has_pc first, CU index), stable so
  // that DIE order decides within a CU.
  std::vector<FuncDef> all;
  for (unsigned k = 0; k < jobs; k++) {
    stats_.dies += dies[k];
    for (FuncDef &f : results[k]) all.push_back(std::move(f));
  }
  std::stable_sort(all.begin(), all.end(), [](const FuncDef &a, const FuncDef &b) {
    if (a.name != b.name) return a.name < b.name;
    if (a.has_pc != b.has_pc) return a.has_pc;
    return a.cu_index < b.cu_index;
  });
  std::vector<FuncDef> out;
  for (FuncDef &f : all)
    if (out.empty() || out.back().name != f.name) out.push_back(std::move(f));
  return out;
}

}  // namespace kfb::dwarf
