// Private to lib/diff (not an interface: include diff/diff.h): the Differ behind diff_btf.
// Its type comparison is diff.cc, its kfunc section diff_kfuncs.cc.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "btf/btf.h"
#include "btf/cname.h"
#include "diff/diff.h"
#include "diff/match.h"

namespace kfb::diff::detail {

using btf::Btf;
using btf::Kind;
using btf::CWriter;

inline std::string_view str_or_empty(const Btf &b, uint32_t off) {
  return b.valid_str(off) ? b.str(off) : std::string_view();
}

struct Entry;  // one type to report (diff.cc)

class Differ {
 public:
  Differ(const Btf &a, const Btf &b, const DiffOptions &opt, const LineSink *sink)
      : m_(a, b, opt.jobs), cw_{CWriter(a), CWriter(b)}, opt_(opt), sink_(sink) {}

  DiffResult run();

 private:
  const Btf &btf(SideId s) const { return m_.btf(s); }

  // A named type is called by its name; an anonymous one by a "[...]" description.
  static bool named(btf::Type t) {
    Kind k = t.kind();
    return t.name_off() != 0 && !t.name().empty() && k != Kind::DECL_TAG && k != Kind::TYPE_TAG;
  }

  void display(std::string &d, SideId s, uint32_t id, bool bracket = true);
  std::string display(SideId s, uint32_t id, bool bracket = true);
  void summary(std::string &out, SideId s, uint32_t id);

  bool same_key(uint32_t o, uint32_t n) const { return m_.key(Old, o) == m_.key(New, n); }

  // ---- field-by-field comparison of a changed pair (diff.cc)
  struct Cmp;
  void type_field(Cmp &c, std::string field, uint32_t o, uint32_t n);
  static std::string member_label(std::string_view nm, unsigned &unnamed);
  std::string member_decl(SideId s, const btf::Member &mb, bool kflag, const std::string &label);
  void compare_members(Cmp &c, btf::Type o, btf::Type n);
  template <typename E>
  void compare_enums(Cmp &c, btf::Type o, btf::Type n, std::span<const E> eo, std::span<const E> en);
  void compare_protos(Cmp &c, uint32_t po, uint32_t pn);
  void compare_datasec(Cmp &c, btf::Type o, btf::Type n);
  void compare(std::vector<Line> &out, Entry &e, uint32_t oid, uint32_t nid);
  void types(DiffResult &r);

  // ---- kfuncs (diff_kfuncs.cc)
  // Per side, from one pass over the own types (no name index of all 127k types is needed
  // for ~200 kfuncs): FUNCs carrying a bpf_kfunc tag (component_idx -1) by name, DECL_TAGs by
  // target, and FUNCs by name for the kfunc and twin names of both sides.
  struct KfIndex {
    std::map<std::string_view, uint32_t> kfuncs;
    std::unordered_map<uint32_t, std::vector<uint32_t>> tags;
    std::unordered_map<std::string_view, uint32_t> funcs;
  };
  KfIndex kx_[2];

  void index_kfuncs(SideId s);
  void index_funcs(SideId s, const std::unordered_set<std::string_view> &wanted);
  uint32_t func_named(SideId s, std::string_view name) const;
  std::map<std::string, unsigned> tag_fields(SideId s, uint32_t func) const;
  void tag_lines(std::vector<Line> &out, const char *kind, const std::string &name, uint32_t fo, uint32_t fn);
  bool params_prefix(SideId ls, uint32_t lp, uint32_t sp) const;
  void kfuncs(DiffResult &r);

  Matcher m_;
  CWriter cw_[2];
  std::string anon_names_;  // descriptions of the anonymous types in entries (see Entry)
  DiffOptions opt_;
  const LineSink *sink_;
};

}  // namespace kfb::diff::detail
