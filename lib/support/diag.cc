#include "support/diag.h"

#include <algorithm>
#include <tuple>

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

}  // namespace kfb
