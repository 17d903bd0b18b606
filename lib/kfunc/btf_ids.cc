// .BTF_ids decoding. Two shapes of the same section reach us:
//
//  * unresolved (vmlinux.o, a .ko before resolve_btfids): every id word and every set header's
//    cnt are 0, the per-pair KF_* words are already in place, and symbol order is slot order.
//    A pair is named by the `__BTF_ID__func__<name>__<n>` symbol at its address.
//  * resolved (a finished vmlinux or .ko): resolve_btfids wrote the ids and cnt and then sorted
//    each set's pairs by id, so the symbols no longer sit on "their" pairs. A pair is named by
//    looking its id up in the object's own BTF (the caller's resolver); symbols only tell us
//    which names the set holds, which is what we fall back to for pairs left at id 0.
//
// Symbol values are addresses in ET_EXEC/ET_DYN and section offsets in ET_REL (sh_addr 0 there),
// so `st_value - sh_addr` is the offset into the section in both cases.
#include "kfunc/btf_ids.h"

#include <algorithm>
#include <map>

#include "btf/btf.h"
#include "kfunc/flags.h"
#include "support/cursor.h"
#include "support/diag.h"
#include "support/error.h"

namespace kfb::kfunc {

namespace {

constexpr std::string_view kSetPrefix = "__BTF_ID__set8__";
constexpr std::string_view kFuncPrefix = "__BTF_ID__func__";

struct FuncSym {
  std::string name;  // kfunc name
  uint64_t offset;
};

std::string section_label(const BtfIdsInput &in, size_t idx) {
  std::string n = in.section_name ? in.section_name(idx) : std::string();
  return n.empty() ? strfmt("[%zu]", idx) : strfmt("[%zu] %s", idx, n.c_str());
}

// "__BTF_ID__func__bpf_obj_new_impl__123" -> "bpf_obj_new_impl"
std::string func_name(const BtfIdsInput &in, std::string_view sym) {
  std::string_view rest = sym.substr(kFuncPrefix.size());
  size_t cut = rest.rfind("__");
  if (cut == std::string_view::npos || cut == 0)
    fail("%s: .BTF_ids: symbol '%s' is not of the form __BTF_ID__func__<name>__<n>",
         in.path.c_str(), std::string(sym).c_str());
  return std::string(rest.substr(0, cut));
}

}  // namespace

BtfIdsInput BtfIdsInput::from_elf(const elf::ElfFile &elf, bool legacy) {
  BtfIdsInput in;
  in.path = elf.path();
  in.swap = elf.swap();
  in.legacy = legacy;
  in.symbols = elf.symbols();
  in.section_name = [&elf](size_t i) {
    return i < elf.sections().size() ? std::string(elf.sections()[i].name) : std::string();
  };
  if (const elf::ElfSection *s = elf.section(".BTF_ids")) {
    in.section = elf.data(*s);
    in.section_addr = s->addr;
    in.section_index = s->index;
  } else {
    in.present = false;
  }
  return in;
}

BtfIds decode_btf_ids(const BtfIdsInput &in, const BtfIdResolver &resolve) {
  BtfIds out;
  const char *p = in.path.c_str();
  Cursor c(in.section, in.swap, in.path + ": .BTF_ids");

  // Where a symbol of ours points in the section; it must be defined in .BTF_ids itself.
  auto offset_of = [&](const elf::ElfSymbol &sym) -> uint64_t {
    if (!in.present || sym.shndx != in.section_index)
      fail("%s: symbol '%s' is in section %s, not in .BTF_ids", p, std::string(sym.name).c_str(),
           section_label(in, sym.shndx).c_str());
    if (sym.value < in.section_addr || sym.value - in.section_addr > in.section.size())
      fail("%s: symbol '%s' at 0x%llx is outside .BTF_ids (0x%llx, 0x%zx bytes)", p,
           std::string(sym.name).c_str(), static_cast<unsigned long long>(sym.value),
           static_cast<unsigned long long>(in.section_addr), in.section.size());
    return sym.value - in.section_addr;
  };

  // Pass 1: the sets.
  std::vector<FuncSym> funcs;
  for (const elf::ElfSymbol &sym : in.symbols) {
    if (sym.name.starts_with(kSetPrefix)) {
      BtfIdsSet set;
      set.name = std::string(sym.name.substr(kSetPrefix.size()));
      set.offset = offset_of(sym);
      set.size = sym.size;
      if (set.size < 8 || set.size > in.section.size() - set.offset)
        c.fail_at(set.offset, "set '%s' (0x%llx bytes) %s", set.name.c_str(),
                  static_cast<unsigned long long>(set.size),
                  set.size < 8 ? "is smaller than its 8-byte header"
                               : strfmt("extends past the end of the section (0x%zx bytes)",
                                        in.section.size()).c_str());
      c.seek(set.offset);
      set.cnt = c.u32();
      set.flags = c.u32();
      set.kfuncs = in.legacy || (set.flags & BTF_SET8_KFUNCS);
      set.resolved = set.cnt != 0;
      for (uint64_t o = set.offset + 8; !set.resolved && o + 8 <= set.offset + set.size; o += 8) {
        c.seek(o);
        set.resolved = c.u32() != 0;
      }
      out.sets.push_back(std::move(set));
    } else if (sym.name.starts_with(kFuncPrefix)) {
      uint64_t off = offset_of(sym);
      funcs.push_back({func_name(in, sym.name), off});
    }
  }
  std::stable_sort(out.sets.begin(), out.sets.end(),
                   [](const BtfIdsSet &a, const BtfIdsSet &b) { return a.offset < b.offset; });
  std::stable_sort(funcs.begin(), funcs.end(),
                   [](const FuncSym &a, const FuncSym &b) { return a.offset < b.offset; });

  // Pass 2: each kfunc set's entries.
  for (BtfIdsSet &set : out.sets) {
    if (!set.kfuncs) continue;
    uint64_t begin = set.offset, end = set.offset + set.size;
    auto lo = std::lower_bound(funcs.begin(), funcs.end(), begin,
                               [](const FuncSym &f, uint64_t o) { return f.offset < o; });
    std::vector<const FuncSym *> members;
    for (auto it = lo; it != funcs.end() && it->offset < end; ++it) {
      if (it->offset < begin + 8)
        c.fail_at(it->offset, "kfunc '%s' sits in the header of set '%s'", it->name.c_str(),
                  set.name.c_str());
      if ((it->offset - begin) % 8 != 0 || it->offset + 8 > end)
        c.fail_at(it->offset, "kfunc '%s' is not on a pair slot of set '%s'", it->name.c_str(),
                  set.name.c_str());
      members.push_back(&*it);
    }
    size_t first = out.entries.size();
    if (!set.resolved) {
      for (const FuncSym *f : members) {
        c.seek(f->offset);
        BtfIdsEntry e;
        e.name = f->name;
        e.set = set.name;
        e.btf_id = c.u32();
        e.flags = c.u32();
        e.offset = f->offset;
        out.entries.push_back(std::move(e));
      }
    } else {
      uint64_t slots = (set.size - 8) / 8;
      if (set.cnt > slots)
        c.fail_at(set.offset, "set '%s': cnt %u is more than its %llu pair slots", set.name.c_str(),
                  set.cnt, static_cast<unsigned long long>(slots));
      if (!resolve)
        fail("%s: .BTF_ids: set '%s' was already resolved and sorted by resolve_btfids; its "
             "entries can only be named through BTF (no .BTF section: give --btf FILE)",
             p, set.name.c_str());
      std::multimap<std::string, size_t> unnamed;  // symbols not matched by an id yet
      for (size_t i = 0; i < members.size(); i++) unnamed.emplace(members[i]->name, i);
      std::vector<size_t> zero_slots;
      for (uint32_t i = 0; i < set.cnt; i++) {
        uint64_t o = set.offset + 8 + uint64_t{i} * 8;
        c.seek(o);
        BtfIdsEntry e;
        e.set = set.name;
        e.btf_id = c.u32();
        e.flags = c.u32();
        e.offset = o;
        if (e.btf_id == 0) {
          zero_slots.push_back(out.entries.size());
        } else {
          e.name = resolve(e.btf_id);
          if (e.name.empty())
            c.fail_at(o, "set '%s': id %u is not a FUNC in the BTF", set.name.c_str(), e.btf_id);
          auto it = unnamed.find(e.name);
          if (it != unnamed.end()) unnamed.erase(it);
        }
        out.entries.push_back(std::move(e));
      }
      // Pairs resolve_btfids could not resolve (no BTF for the function) stay 0 and sort
      // first; name them by the set's leftover symbols, in symbol order.
      std::vector<size_t> left;
      for (auto &[name, idx] : unnamed) left.push_back(idx);
      std::sort(left.begin(), left.end());
      for (size_t k = 0; k < zero_slots.size(); k++) {
        BtfIdsEntry &e = out.entries[zero_slots[k]];
        if (k < left.size()) {
          e.name = members[left[k]]->name;
        } else {
          c.fail_at(e.offset, "set '%s': a pair with id 0 matches no kfunc symbol",
                    set.name.c_str());
        }
      }
    }
    set.entries = out.entries.size() - first;
  }

  // The same kfunc should carry the same flags in every set (resolve_btfids 7.3: hard error).
  std::map<std::string, const BtfIdsEntry *> first_seen;
  for (const BtfIdsEntry &e : out.entries) {
    auto [it, fresh] = first_seen.emplace(e.name, &e);
    if (fresh || it->second->flags == e.flags) continue;
    out.conflicts.push_back({e.name, it->second->set, e.set, it->second->flags, e.flags});
  }
  return out;
}

std::string FlagConflict::message() const {
  return strfmt("inconsistent flags across BTF ID sets: '%s' has %s, '%s' has %s", first_set.c_str(),
                kf_flags_string(first_flags).c_str(), set.c_str(), kf_flags_string(flags).c_str());
}

BtfIdResolver func_resolver(const btf::Btf *btf) {
  if (!btf) return {};
  return [btf](uint32_t id) -> std::string {
    if (!btf->valid_id(id)) return "";
    btf::Type t = btf->type(id);
    return t.kind() == btf::Kind::FUNC ? std::string(t.name()) : "";
  };
}

BtfIds decode_all_set8(const elf::ElfFile &elf, const btf::Btf *btf) {
  return decode_btf_ids(BtfIdsInput::from_elf(elf, /*legacy=*/true), func_resolver(btf));
}

}  // namespace kfb::kfunc
