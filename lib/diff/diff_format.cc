// The output of a diff: a Line as text or JSON, the text and JSON forms of a DiffResult and
// of its per-kind counts (--stat).
#include <functional>
#include <string>
#include <vector>

#include "diff/diff.h"
#include "support/error.h"
#include "support/json.h"

namespace kfb::diff {

const char *change_name(Change c) {
  switch (c) {
    case Change::Added: return "added";
    case Change::Removed: return "removed";
    default: return "changed";
  }
}

void append_line(std::string &s, const Line &l) {
  s += l.kind;
  s += ' ';
  s += l.name;
  s += ": ";
  if (!l.field.empty()) {
    s += l.field;
    s += ": ";
  }
  s += change_name(l.change);
  if (l.change == Change::Changed) {
    s += ": ";
    s += l.old_value;
    s += " -> ";
    s += l.new_value;
  } else {
    const std::string &v = l.change == Change::Added ? l.new_value : l.old_value;
    if (!v.empty()) {
      s += ": ";
      s += v;
    }
  }
}

std::string line_text(const Line &l) {
  std::string s;
  append_line(s, l);
  return s;
}

namespace {

void stat_rows(const DiffResult &r, const std::function<void(const char *, const Counts &)> &row) {
  Counts total;
  for (unsigned k = 0; k <= btf::kKindMax; k++) {
    const Counts &c = r.kinds[k];
    if (!c.added && !c.removed && !c.changed && !c.same) continue;
    row(btf::kind_name(k), c);
    total.added += c.added;
    total.removed += c.removed;
    total.changed += c.changed;
    total.same += c.same;
  }
  row("total", total);
  row("kfunc", r.kfunc_counts);
}

void json_lines(JsonWriter &j, const std::vector<Line> &lines) {
  j.begin_array();
  for (const Line &l : lines) json_line(j, l);
  j.end_array();
}

}  // namespace

void json_line(JsonWriter &j, const Line &l) {
  j.begin_object();
  j.key("kind").value(l.kind);
  j.key("name").value(l.name);
  if (!l.field.empty()) j.key("field").value(l.field);
  j.key("change").value(change_name(l.change));
  if (l.change != Change::Added && (l.change == Change::Changed || !l.old_value.empty()))
    j.key("old").value(l.old_value);
  if (l.change != Change::Removed && (l.change == Change::Changed || !l.new_value.empty()))
    j.key("new").value(l.new_value);
  j.end_object();
}

void format_text(const DiffResult &r, std::string &out) {
  if (r.kfuncs.empty() && r.types.empty()) {
    out += "no differences\n";
    return;
  }
  size_t n = r.kfuncs.size() + r.types.size();
  out.reserve(out.size() + n * 96);
  for (const auto *v : {&r.kfuncs, &r.types})
    for (const Line &l : *v) {
      append_line(out, l);
      out += '\n';
    }
}

void format_json(const DiffResult &r, bool pretty, std::string &out) {
  JsonWriter j(out, pretty);
  j.begin_object();
  j.key("kfuncs");
  json_lines(j, r.kfuncs);
  j.key("types");
  json_lines(j, r.types);
  j.end_object();
  j.finish();
}

void format_stat_text(const DiffResult &r, std::string &out) {
  out += strfmt("%-12s %8s %8s %8s %8s\n", "kind", "added", "removed", "changed", "same");
  stat_rows(r, [&](const char *name, const Counts &c) {
    out += strfmt("%-12s %8u %8u %8u %8u\n", name, c.added, c.removed, c.changed, c.same);
  });
}

void format_stat_json(const DiffResult &r, bool pretty, std::string &out) {
  JsonWriter j(out, pretty);
  j.begin_object();
  j.key("stat").begin_object();
  stat_rows(r, [&](const char *name, const Counts &c) {
    j.key(name).begin_object();
    j.key("added").value(c.added);
    j.key("removed").value(c.removed);
    j.key("changed").value(c.changed);
    j.key("same").value(c.same);
    j.end_object();
  });
  j.end_object();
  j.end_object();
  j.finish();
}

}  // namespace kfb::diff
