// NameSet: "is this one of the few names asked about?", asked of every type of a target BTF.
//
//   kfb::bpf::NameSet wanted;
//   wanted.add("bpf_task_acquire");                    // the caller owns the bytes
//   wanted.add("task_struct", true);                   // also "task_struct___flavour"
//   for (id ...) {
//     const char *n = b.type(id).name_c();
//     if (wanted.maybe(n) && wanted.contains(n)) ...
//   }
//
// A vmlinux has ~126,000 named types and an object asks about a few dozen names, so almost
// every question is "no": a bit per first two bytes answers most of those from the name's
// bytes in place, before its length is measured or it is hashed.
#pragma once

#include <bitset>
#include <string_view>
#include <unordered_set>

namespace kfb::bpf {

class NameSet {
 public:
  // `flavoured`: the name may also be met with a "___flavour" suffix (CO-RE's essential names);
  // contains() still answers for the name itself, maybe() lets the suffixed ones through.
  void add(std::string_view n, bool flavoured = false) {
    if (n.empty()) return;
    maybe_.set(key(n[0], n.size() > 1 ? n[1] : 0));
    if (n.size() == 1 && flavoured) maybe_.set(key(n[0], '_'));
    names_.insert(n);
  }
  // false: `n` (NUL-terminated) is no name added, nor one of them with a flavour.
  bool maybe(const char *n) const { return n[0] && maybe_.test(key(n[0], n[1])); }
  bool contains(std::string_view n) const { return !n.empty() && maybe_.test(key(n[0], n.size() > 1 ? n[1] : 0)) && names_.count(n); }
  bool empty() const { return names_.empty(); }

 private:
  static size_t key(char a, char b) { return static_cast<unsigned char>(a) << 8 | static_cast<unsigned char>(b); }
  std::bitset<256 * 256> maybe_;
  std::unordered_set<std::string_view> names_;
};

}  // namespace kfb::bpf
