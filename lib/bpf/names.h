// NameSet: "is this one of the few names asked about?", asked of every type of a target BTF.
//
//   kfb::bpf::NameSet wanted;
//   wanted.add("bpf_task_acquire");                    // the caller owns the bytes
//   for (id ...) if (wanted.contains(b.type(id).name())) ...
//
// A vmlinux has ~126,000 named types and an object asks about a few dozen names, so almost
// every question is "no": a bit per (length, first byte) answers most of those before a hash.
#pragma once

#include <bitset>
#include <string_view>
#include <unordered_set>

namespace kfb::bpf {

class NameSet {
 public:
  void add(std::string_view n) {
    if (n.empty()) return;
    maybe_.set(key(n));
    names_.insert(n);
  }
  bool contains(std::string_view n) const { return !n.empty() && maybe_.test(key(n)) && names_.count(n); }
  bool empty() const { return names_.empty(); }

 private:
  static size_t key(std::string_view n) { return (n.size() & 63) << 8 | static_cast<unsigned char>(n[0]); }
  std::bitset<64 * 256> maybe_;
  std::unordered_set<std::string_view> names_;
};

}  // namespace kfb::bpf
