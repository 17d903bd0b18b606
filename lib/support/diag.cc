#include "support/diag.h"

#include <algorithm>
#include <tuple>

#include "support/json.h"

namespace kfb {

const char *severity_name(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
  }
  return "?";
}

void DiagSink::add(Diag d) {
  std::lock_guard lock(mu_);
  diags_.push_back(std::move(d));
}

size_t DiagSink::count(Severity s) const {
  std::lock_guard lock(mu_);
  return std::count_if(diags_.begin(), diags_.end(), [&](const Diag &d) { return d.severity == s; });
}

void DiagSink::promote_warnings() {
  std::lock_guard lock(mu_);
  for (auto &d : diags_)
    if (d.severity == Severity::Warning) d.severity = Severity::Error;
}

void DiagSink::sort() {
  std::lock_guard lock(mu_);
  std::stable_sort(diags_.begin(), diags_.end(), [](const Diag &a, const Diag &b) {
    return std::tie(a.file, a.line, a.type_id, a.rule, a.message) <
           std::tie(b.file, b.line, b.type_id, b.rule, b.message);
  });
}

std::string DiagSink::format(const Diag &d) {
  std::string s;
  if (!d.file.empty()) {
    s += d.file;
    if (d.line) s += ":" + std::to_string(d.line);
    s += ": ";
  }
  if (d.severity != Severity::Error) s += std::string(severity_name(d.severity)) + ": ";
  if (!d.name.empty()) s += d.name + ": ";
  s += d.message;
  return s;
}

void write_diag_fields(JsonWriter &j, const Diag &d) {
  j.key("severity").value(severity_name(d.severity));
  j.key("rule").value(d.rule);
  j.key("type_id").value(d.type_id);
  j.key("kind").value(d.kind);
  j.key("name").value(d.name);
  j.key("message").value(d.message);
  j.key("file").value(d.file);
  j.key("line").value(d.line);
}

void write_diag_json(JsonWriter &j, const Diag &d) {
  j.begin_object();
  write_diag_fields(j, d);
  j.end_object();
}

void write_diags_json(JsonWriter &j, const char *key, const DiagSink &diags, bool notes) {
  j.key(key).begin_array();
  for (const Diag &d : diags.all())
    if (notes || d.severity != Severity::Note) write_diag_json(j, d);
  j.end_array();
}

}  // namespace kfb
