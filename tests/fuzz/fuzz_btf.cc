// Fuzz target for lib/btf: parse arbitrary bytes (raw BTF, an ELF's .BTF, or split BTF on a
// small fixed base); whenever parse succeeds, write -> parse -> write must be identical (the
// writer's output failing to parse aborts), the dumps must run, and the indexes and builder
// must work on the result, and both JSON dumps must be valid JSON. Every type is spelled in C
// (cname.h) within its bound, and the diff of the BTF with its permuted self runs: both walk
// type graphs with cycles and deep nesting (corpus: spell-*). Never crash, never hang.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "btf/btf.h"
#include "btf/cname.h"
#include "btf/dump.h"
#include "btf/load.h"
#include "diff/diff.h"
#include "json_valid.h"
#include "support/error.h"

using namespace kfb::btf;

namespace {

const Btf &small_base(bool be) {
  static Btf *bases[2];
  Btf *&b = bases[be];
  if (!b) {
    b = new Btf(be);
    b->add_int("int", 4, INT_SIGNED, 32);
    NewMember ms[] = {{"a", 1, 0}, {"b", 1, 32, 4}};
    b->add_struct("s", 8, ms);
    b->add_ptr(2);
    NewParam ps[] = {{"p", 3}};
    b->add_func("f", FUNC_GLOBAL, b->add_func_proto(1, ps));
  }
  return *b;
}

#define check(ok) check_at(ok, __LINE__)
void check_at(bool ok, int line) {
  if (!ok) {
    fprintf(stderr, "fuzz_btf.cc:%d: check failed\n", line);
    abort();
  }
}

// The writer's own output: an error re-parsing it is a bug in the writer, never bad input.
Btf must_parse(std::span<const uint8_t> bytes, const char *what, const Btf *base) {
  try {
    return Btf::parse(bytes, what, base);
  } catch (const kfb::Error &e) {
    fprintf(stderr, "fuzz_btf.cc: the writer's output does not parse: %s\n", e.what());
    abort();
  }
}

// Every type in C, through one writer: a spelling is at most the writer's budget (4 KiB) plus
// what the walks in progress (65 links at most) still close, a name and a few characters each.
void spell_all(const Btf &btf, size_t input_size) {
  CWriter w(btf);
  std::string s;
  const size_t bound = 4096 + 66 * (input_size + 48);
  for (uint32_t id = btf.start_id(); id < btf.type_cnt() && id < btf.start_id() + 4096; id++) {
    s.clear();
    w.decl(s, id, "x");
    check(s.size() <= bound);
    s.clear();
    w.proto(s, id, true);
    check(s.size() <= bound);
  }
}

void exercise(Btf &btf, size_t input_size) {
  spell_all(btf, input_size);
  std::vector<uint8_t> out = btf.write();
  Btf again = must_parse(out, "again", btf.base());
  check(again.write() == out);
  check(again.type_cnt() == btf.type_cnt());

  std::string text, json, compact;
  dump_raw(btf, text);
  dump_json(btf, json, true);
  dump_json(btf, compact, false);
  check(kfb::test::json_valid(json));  // whatever bytes the names hold
  check(kfb::test::json_valid(compact));

  // Indexes and the builder on whatever we got.
  uint32_t last = btf.type_cnt() - 1;
  Type t = btf.type(last);
  std::string name(t.name());
  std::vector<uint32_t> ids = btf.find(name, t.kind());
  check(last == 0 || (!ids.empty() && (last < btf.start_id() || ids.back() == last)));
  (void)btf.decl_tags_of(last);
  uint32_t tag = btf.add_decl_tag("bpf_kfunc", last, -1);
  std::vector<uint32_t> tags = btf.decl_tags_of(last);
  check(!tags.empty() && tags.back() == tag);
  check(btf.str(btf.add_str(name + "_impl")) == name + "_impl");
  if (btf.own_type_cnt() < 2000) {
    std::vector<uint32_t> order;
    for (uint32_t id = btf.type_cnt() - 1; id >= btf.start_id() && id != 0; id--) order.push_back(id);
    btf.permute(order);
    Btf p = must_parse(btf.write(), "permuted", btf.base());
    check(p.write() == btf.write());
    // Keys, signatures and spellings of both sides; ids do not matter, so nothing differs
    // but the decl tag and string added above.
    std::string text;
    kfb::diff::format_text(kfb::diff::diff_btf(again, p, {}), text);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  Source src;
  try {
    src = Source::from_memory(bytes, "fuzz.o");  // an ELF through lib/elf
  } catch (const kfb::Error &) {
    return 0;
  }
  bytes = src.bytes;
  try {
    Btf btf = Btf::parse(bytes, "fuzz");
    exercise(btf, size);
  } catch (const kfb::Error &e) {
    // Split BTF (no leading NUL in strings): try it on a base of either byte order.
    if (std::string(e.what()).find("needs its base") == std::string::npos) return 0;
    bool be = size >= 2 && data[0] == 0xeb;
    try {
      Btf btf = Btf::parse(bytes, "fuzz", &small_base(be));
      exercise(btf, size);
    } catch (const kfb::Error &) {
    }
  }
  return 0;
}
