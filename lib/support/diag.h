// Findings a run can continue after: rule violations, warnings. lib/ pushes them here;
// tools/ prints them (text or JSON) and picks the exit code.
//
//   kfb::DiagSink diags;
//   diags.add({.severity = kfb::Severity::Error, .rule = "kfunc-arg-implicit-last",
//              .type_id = 1234, .kind = "FUNC", .name = "bpf_wq_set_callback",
//              .message = "arg 'cookie__magic': implicit argument must be a pointer",
//              .file = "kernel/bpf/helpers.c", .line = 2931});
//   diags.format(d)   // "kernel/bpf/helpers.c:2931: bpf_wq_set_callback: arg ...: ..."
//   kfb::write_diags_json(j, "diagnostics", diags);   // [{severity, rule, type_id, ...}, ...]
//
// The sink is thread-safe; sort() orders findings deterministically (by file order of
// discovery is not stable under -j, so callers sort before printing).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace kfb {

class JsonWriter;

enum class Severity { Error, Warning, Note };

const char *severity_name(Severity s);

struct Diag {
  Severity severity = Severity::Error;
  std::string rule;      // stable id, e.g. "loader", "kfunc-twin", "kfunc-arg-flag"
  uint32_t type_id = 0;  // 0 when not about a BTF type
  std::string kind;      // BTF kind name ("FUNC") or empty
  std::string name;      // type or kfunc name
  std::string message;   // the reason; for loader rules the kernel's own text
  std::string file;      // source file (DWARF) or input file
  uint32_t line = 0;     // source line, 0 when unknown
};

class DiagSink {
 public:
  DiagSink() = default;
  // Moved only once the threads that add to it are done (a job's outcome).
  DiagSink(DiagSink &&o) noexcept : diags_(std::move(o.diags_)) {}
  DiagSink &operator=(DiagSink &&o) noexcept {
    diags_ = std::move(o.diags_);
    return *this;
  }
  void add(Diag d);
  const std::vector<Diag> &all() const { return diags_; }
  size_t count(Severity s) const;
  size_t errors() const { return count(Severity::Error); }
  size_t warnings() const { return count(Severity::Warning); }
  bool empty() const { return diags_.empty(); }
  // Turns warnings into errors (--fatal-warnings).
  void promote_warnings();
  // Stable order: by file, line, type id, rule, message.
  void sort();

  // "file:line: name: message" (file/line/name parts omitted when unknown).
  static std::string format(const Diag &d);

 private:
  mutable std::mutex mu_;
  std::vector<Diag> diags_;
};

// Every command's JSON for findings: `key`: [{severity, rule, type_id, kind, name, message, file,
// line}, ...], notes only with `notes`.
void write_diag_json(JsonWriter &j, const Diag &d);
// The same keys without the braces, for a record that adds its own after them.
void write_diag_fields(JsonWriter &j, const Diag &d);
void write_diags_json(JsonWriter &j, const char *key, const DiagSink &diags, bool notes = true);

}  // namespace kfb
