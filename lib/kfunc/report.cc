// scan's output formats (report.h).
#include "kfunc/report.h"

#include "dwarf/ctype.h"
#include "kfunc/flags.h"
#include "support/json.h"

namespace kfb::kfunc {
namespace {

std::string flag_list(const std::vector<std::string> &names) {
  return names.empty() ? std::string() : " [" + join(names, ",") + "]";
}

// "struct task_struct *p", "int (*cb)(void *)" is not attempted: the type, then the name.
std::string param_text(const KfuncParam &p) {
  const std::string &t = p.type.text;
  if (t.empty() || p.name.empty()) return t + p.name;
  return t.back() == '*' ? t + p.name : t + " " + p.name;
}

}  // namespace

void format_text(const KfuncList &ks, std::string &out) {
  for (const Kfunc &k : ks.kfuncs) {
    out += k.name;
    out += " flags=" + kf_flags_string(k.flags);
    out += " source=" + std::string(kfunc_source_name(k.source));
    if (!k.sets.empty()) out += " sets=" + join(k.sets, ",");
    if (k.btf_id) out += " btf_id=" + std::to_string(k.btf_id);
    if (!k.file.empty()) out += " at=" + k.file + ":" + std::to_string(k.line);
    out += "\n";
    if (!k.has_dwarf) {
      out += "  (no DWARF definition)\n";
      continue;
    }
    out += "  ret: " + k.ret.type.text + flag_list(ret_flag_names(k.ret.flags)) + "\n";
    for (size_t i = 0; i < k.params.size(); i++) {
      const KfuncParam &p = k.params[i];
      out += "  arg" + std::to_string(i) + ": " + param_text(p) + flag_list(arg_flag_names(p.flags));
      if (!p.tags.empty()) out += " tags=" + join(p.tags, ",");
      out += "\n";
    }
    for (const OpsMember &s : k.scopes) out += "  scope: " + s.text() + "\n";
    for (const OpsMember &s : k.calls) out += "  calls: " + s.text() + "\n";
  }
}

namespace {

void ops_list(JsonWriter &j, const char *key, const std::vector<OpsMember> &v) {
  j.key(key).begin_array();
  for (const OpsMember &m : v) j.value(m.text());
  j.end_array();
}

void strings(JsonWriter &j, const char *key, const std::vector<std::string> &v) {
  j.key(key).begin_array();
  for (const std::string &s : v) j.value(s);
  j.end_array();
}

}  // namespace

void format_json(const KfuncList &ks, const DiagSink &diags, bool pretty, std::string &out) {
  JsonWriter j(out, pretty);
  j.begin_object();
  j.key("kfuncs").begin_array();
  for (const Kfunc &k : ks.kfuncs) {
    j.begin_object();
    j.key("name").value(k.name);
    strings(j, "sets", k.sets);
    strings(j, "flags", kf_flag_names(k.flags));
    j.key("flags_value").value(static_cast<uint64_t>(k.flags));
    j.key("source").value(kfunc_source_name(k.source));
    j.key("btf_id").value(static_cast<uint64_t>(k.btf_id));
    if (k.has_dwarf) {
      j.key("file").value(k.file);
      j.key("line").value(static_cast<uint64_t>(k.line));
      j.key("ret").begin_object();
      j.key("type").value(k.ret.type.text);
      strings(j, "flags", ret_flag_names(k.ret.flags));
      j.end_object();
      j.key("params").begin_array();
      for (const KfuncParam &p : k.params) {
        j.begin_object();
        j.key("name").value(p.name);
        j.key("type").value(p.type.text);
        j.key("type_class").value(dwarf::type_class_name(p.type.type_class));
        strings(j, "flags", arg_flag_names(p.flags));
        j.key("implicit").value(p.implicit);
        strings(j, "tags", p.tags);
        j.end_object();
      }
      j.end_array();
      strings(j, "tags", k.tags);
    } else {
      j.key("file").null();
      j.key("line").null();
      j.key("ret").null();
      j.key("params").null();
      j.key("tags").begin_array().end_array();
    }
    ops_list(j, "scopes", k.scopes);
    ops_list(j, "calls", k.calls);
    j.end_object();
  }
  j.end_array();
  write_diags_json(j, "diagnostics", diags);
  j.end_object();
  j.finish();
}

}  // namespace kfb::kfunc
