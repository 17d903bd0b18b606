// Semantic diff of two BTFs (man kfuncbtf(1), DIFF): kfunc changes first, then types added,
// removed, changed.
//
//   kfb::btf::Loaded a = kfb::btf::load("vmlinux.old"), b = kfb::btf::load("vmlinux.new");
//   kfb::diff::DiffResult r = kfb::diff::diff_btf(*a.btf, *b.btf, {});
//   std::string out;
//   kfb::diff::format_text(r, out);          // one line per fact, see below
//   kfb::diff::format_json(r, false, out);   // the same records as JSON
//   kfb::diff::format_stat_text(r, out);     // per kind: added removed changed same
//   return r.different() ? 1 : 0;
//
// Every change is one Line, printed as
//   <kind> <name>: [<field>: ]added[: <value>]
//   <kind> <name>: [<field>: ]removed[: <value>]
//   <kind> <name>: [<field>: ]changed: <old> -> <new>
// e.g. "kfunc bpf_foo: tag bpf_fastcall: added", "FUNC bpf_foo_impl: added: static void
// *bpf_foo_impl(void *p)", "STRUCT task_struct: member pid type: changed: int -> long".
// <kind> is "kfunc", "twin" or a BTF kind; an anonymous type's <name> is a bracketed
// description ("[struct task_struct *]", "[struct {...} in struct foo.bar]",
// "[bpf_kfunc on FUNC bpf_foo]"). JSON objects carry the same words as keys: kind, name,
// field, change, old, new. No differences: the text "no differences", exit 0.
// A kfunc whose new prototype keeps a prefix of the old parameters (emit's trimming) says
// "proto trimmed"; the reverse direction says "proto extended"; any other change "proto".
#pragma once

#include <array>
#include <functional>
#include <cstdint>
#include <string>
#include <vector>

#include "btf/btf.h"

namespace kfb {
class JsonWriter;
}

namespace kfb::diff {

enum class Change : uint8_t { Added, Removed, Changed };
const char *change_name(Change c);  // "added", "removed", "changed"

struct Line {
  std::string kind;   // "kfunc", "twin", "STRUCT", ...
  std::string name;   // type or kfunc name; "[...]" for anonymous types
  std::string field;  // "" for the whole type, "size", "member pid type", "tag bpf_fastcall", ...
  Change change = Change::Changed;
  std::string old_value;  // Changed, Removed (optional)
  std::string new_value;  // Changed, Added (optional)
};
// The text form of one line (no newline).
std::string line_text(const Line &l);
void append_line(std::string &out, const Line &l);

struct Counts {
  uint32_t added = 0, removed = 0, changed = 0, same = 0;
};

struct DiffOptions {
  bool kfuncs_only = false;  // skip the type section (counts are still computed)
  bool counts_only = false;  // only the counts (--stat): no lines are built
  unsigned jobs = 1;         // > 1: the two sides are indexed in parallel (same output)
};

struct DiffResult {
  std::vector<Line> kfuncs;  // kfuncs added/removed, twins, tags, prototypes
  std::vector<Line> types;   // types added, removed, changed (in that order)
  std::array<Counts, btf::kKindMax + 1> kinds{};  // per BTF kind, own types only
  Counts kfunc_counts;
  uint32_t old_types = 0, new_types = 0;  // own type counts
  bool kfuncs_only = false;
  bool different() const;
};

DiffResult diff_btf(const btf::Btf &old_btf, const btf::Btf &new_btf, const DiffOptions &opt);

// Streaming form for big inputs: every line goes to `sink` in output order (all kfunc lines,
// kfunc_section true, then the type lines); the result keeps the kfunc lines and the counts,
// but `types` stays empty. Same lines, same order as the other form.
using LineSink = std::function<void(const Line &l, bool kfunc_section)>;
DiffResult diff_btf(const btf::Btf &old_btf, const btf::Btf &new_btf, const DiffOptions &opt,
                    const LineSink &sink);

// "no differences\n" when there are none.
void format_text(const DiffResult &r, std::string &out);
// {"kfuncs":[{...}],"types":[{...}]}
void format_json(const DiffResult &r, bool pretty, std::string &out);
// One line as a JSON object (keys kind, name, field, change, old, new).
void json_line(JsonWriter &j, const Line &l);
// A table: "kind added removed changed same", one row per BTF kind present on either side,
// a "total" row, and a "kfunc" row (kfunc names, not types).
void format_stat_text(const DiffResult &r, std::string &out);
// {"stat":{"INT":{"added":0,"removed":0,"changed":0,"same":5},...,"total":{...},"kfunc":{...}}}
void format_stat_json(const DiffResult &r, bool pretty, std::string &out);

}  // namespace kfb::diff
