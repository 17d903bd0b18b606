// A tiny BTF writer for tests: types as words, strings deduplicated, little-endian output.
//
//   kfb::test::Builder b;
//   uint32_t i = b.int_("int", 4, 32, 1);                      // [1] INT int size=4 SIGNED
//   uint32_t s = b.struct_(4, "foo", 8, {{"a", i, 0}, {"b", i, 32}});
//   b.type("f", 12, 1, false, b.proto(i, {{"x", i}}));          // kind numbers as in btf.h
//   kfb::test::Blob blob = b.build();                          // header + types + strings
//
// No validation at all: tests build broken BTF on purpose. b.w and b.strs may be edited
// directly before build().
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace kfb::test {

using Blob = std::vector<uint8_t>;

struct Builder {
  std::vector<uint32_t> w;
  std::string strs = std::string(1, '\0');
  uint32_t n = 0;
  uint32_t str(const std::string &s) {
    if (s.empty()) return 0;
    size_t p = strs.find(s + '\0');
    if (p != std::string::npos && (p == 0 || strs[p - 1] == '\0')) return uint32_t(p);
    uint32_t off = uint32_t(strs.size());
    strs += s;
    strs += '\0';
    return off;
  }
  uint32_t type(const std::string &name, uint32_t kind, uint32_t vlen, bool kflag,
                uint32_t size_type) {
    w.push_back(str(name));
    w.push_back((kind << 24) | vlen | (kflag ? 1u << 31 : 0));
    w.push_back(size_type);
    return ++n;
  }
  void u(uint32_t v) { w.push_back(v); }
  uint32_t int_(const std::string &name, uint32_t size, uint32_t bits, uint32_t enc = 0) {
    uint32_t id = type(name, 1, 0, false, size);
    u((enc << 24) | bits);
    return id;
  }
  uint32_t ref(uint32_t kind, uint32_t to, const std::string &name = "") {
    return type(name, kind, 0, false, to);
  }
  uint32_t array(uint32_t elem, uint32_t index, uint32_t nelems) {
    uint32_t id = type("", 3, 0, false, 0);
    u(elem), u(index), u(nelems);
    return id;
  }
  struct M {
    std::string name;
    uint32_t type, off;
  };
  uint32_t struct_(uint32_t kind, const std::string &name, uint32_t size,
                   const std::vector<M> &ms, bool kflag = false) {
    uint32_t id = type(name, kind, uint32_t(ms.size()), kflag, size);
    for (auto &m : ms) u(str(m.name)), u(m.type), u(m.off);
    return id;
  }
  uint32_t enum_(const std::string &name, uint32_t size, const std::vector<std::string> &names) {
    uint32_t id = type(name, 6, uint32_t(names.size()), false, size);
    for (size_t i = 0; i < names.size(); i++) u(str(names[i])), u(uint32_t(i));
    return id;
  }
  uint32_t proto(uint32_t ret, const std::vector<std::pair<std::string, uint32_t>> &args) {
    uint32_t id = type("", 13, uint32_t(args.size()), false, ret);
    for (auto &a : args) u(str(a.first)), u(a.second);
    return id;
  }
  Blob build() const {
    Blob b(24);
    uint32_t tl = uint32_t(w.size() * 4), sl = uint32_t(strs.size());
    uint32_t hdr[6] = {0x0001eB9F, 24, 0, tl, tl, sl};
    memcpy(b.data(), hdr, 24);
    const uint8_t *p = reinterpret_cast<const uint8_t *>(w.data());
    b.insert(b.end(), p, p + tl);
    b.insert(b.end(), strs.begin(), strs.end());
    return b;
  }
};

}  // namespace kfb::test
