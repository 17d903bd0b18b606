// lib/check/emitted.h: the loader verdict emit gives its output. An output the loader refuses
// is refused, unless the input already fails the same way (BTF of another target), which is
// then said in the note and not held against emit.
#include "gcc12_bounds.h"
#include "kfb_catch.h"

#include "../../kernel/btf_builder.h"
#include "btf/btf.h"
#include "check/emitted.h"

using kfb::check::check_emitted_loader;
using kfb::check::CheckOptions;
using kfb::check::KernelVersion;
using kfb::test::Blob;
using kfb::test::Builder;

namespace {

Blob int_blob(uint32_t bits) {
  Builder b;
  b.int_("int", 4, bits, 1);
  return b.build();
}

}  // namespace

TEST_CASE("check_emitted_loader: the output's verdict, the input's as the baseline") {
  Blob good = int_blob(32), bad = int_blob(33);  // 33 bits do not fit 4 bytes
  CheckOptions o;
  o.kernel = KernelVersion::V7_3;
  o.where = "out.btf: .BTF";
  std::string note;

  CHECK(check_emitted_loader(good, good, o, &note).ok);
  CHECK(note.empty());

  kfb::check::LoaderResult r = check_emitted_loader(bad, good, o, &note);
  CHECK_FALSE(r.ok);  // emit made it worse
  CHECK(r.rule == "loader-meta");
  CHECK(note.empty());

  r = check_emitted_loader(bad, bad, o, &note);
  CHECK(r.ok);  // the input fails the same way: not emit's doing
  CHECK(note == "the input BTF already fails the running kernel's loader rules (" + r.reason +
                    "), as BTF built for another target does: only the emitted bytes' structure "
                    "was checked");
  CHECK_FALSE(r.reason.empty());
}

TEST_CASE("check_emitted_loader: a module on a trusted base, its own types still judged") {
  Blob base = int_blob(32);
  Builder good, bad;
  good.w = {0, 2u << 24, 1};      // [2] PTR -> base int
  bad.w = {0, 2u << 24 | 1, 1};   // [2] PTR with vlen 1: "vlen != 0"
  CheckOptions o;
  o.kernel = KernelVersion::V7_3;
  o.mode = kfb::check::LoaderMode::Module;
  o.base = base;
  o.base_trusted = true;
  std::string note;
  CHECK(check_emitted_loader(good.build(), good.build(), o, &note).ok);
  kfb::check::LoaderResult r = check_emitted_loader(bad.build(), good.build(), o, &note);
  CHECK_FALSE(r.ok);  // emit's output breaks an own type: refused
  CHECK(r.kernel_log == "[2] PTR (anon) type_id=1 vlen != 0\n");
  r = check_emitted_loader(bad.build(), bad.build(), o, &note);
  CHECK(r.ok);  // the input's own type was already wrong: the note says so
  CHECK(note.find("(vlen != 0)") != std::string::npos);
}
