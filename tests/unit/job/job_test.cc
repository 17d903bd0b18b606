// The pipelines without the binary: emit_object and check_file on the compiled fixtures, and the
// kernel-version policy they read (kfunc/kernel.h).
#include <cstdlib>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include "btf/btf.h"
#include "job/check.h"
#include "job/emit.h"
#include "job/report.h"
#include "kfb_catch.h"
#include "kfunc/kernel.h"
#include "support/error.h"
#include "support/file.h"

using namespace kfb;

namespace {

std::string temp_out(const char *name) {
  const char *t = getenv("TMPDIR");
  return std::string(t ? t : "/tmp") + "/kfb-job-test." + std::to_string(getpid()) + "." + name;
}

}  // namespace

TEST_CASE("kernel policy: version to loader rules, and the thresholds") {
  using kfunc::LoaderRules;
  CHECK(kfunc::loader_rules_for(0) == LoaderRules::V7_3);    // unknown: the newest
  CHECK(kfunc::loader_rules_for(510) == LoaderRules::V6_1);  // older than any: the oldest
  CHECK(kfunc::loader_rules_for(612) == LoaderRules::V6_1);
  CHECK(kfunc::loader_rules_for(618) == LoaderRules::V6_18);
  CHECK(kfunc::loader_rules_for(701) == LoaderRules::V6_18);
  CHECK(kfunc::loader_rules_for(702) == LoaderRules::V7_2);
  CHECK(kfunc::loader_rules_for(705) == LoaderRules::V7_3);
  CHECK(kfunc::emit_loader_rules_for(0) == LoaderRules::V6_18);
  CHECK(kfunc::emit_loader_rules_for(601) == LoaderRules::V6_18);
  CHECK(kfunc::emit_loader_rules_for(702) == LoaderRules::V7_3);
  LoaderRules r = LoaderRules::V6_1;
  CHECK(kfunc::loader_rules_by_name("7.2", &r));
  CHECK(r == LoaderRules::V7_2);
  CHECK_FALSE(kfunc::loader_rules_by_name("7.4", &r));
  CHECK(std::string(kfunc::loader_rules_name(LoaderRules::V6_18)) == "6.18");
  CHECK(kfunc::lacks_set8_kfuncs_flag(608));
  CHECK_FALSE(kfunc::lacks_set8_kfuncs_flag(609));
  CHECK_FALSE(kfunc::lacks_set8_kfuncs_flag(0));
  CHECK(kfunc::refuses_flag_conflicts(0));
  CHECK_FALSE(kfunc::refuses_flag_conflicts(702));
  CHECK(kfunc::emit_makes_arena_attrs(0));
  CHECK(kfunc::emit_makes_arena_attrs(618));
  CHECK_FALSE(kfunc::emit_makes_arena_attrs(612));
  CHECK_FALSE(kfunc::emit_makes_arena_attrs(703));
  CHECK(kfunc::sorts_vmlinux_btf(700));
  CHECK_FALSE(kfunc::sorts_vmlinux_btf(618));
}

TEST_CASE("emit_object: the fixture is rewritten, written, and reads back") {
  std::string obj = kfbtest::fixture("clang-dwarf5.o");
  if (obj.empty()) KFB_SKIP("no compiled fixture clang-dwarf5.o (KFB_FIXTURES)");
  job::EmitRequest rq;
  rq.object = obj;
  rq.out = temp_out("emit.btf");
  rq.features = kfunc::parse_features("default", false, nullptr);
  job::EmitOutcome r = job::emit_object(rq);
  CHECK(r.verdict == job::EmitVerdict::Written);
  CHECK(r.diags.errors() == 0);
  CHECK(r.out == rq.out);
  CHECK(r.stats.kfuncs > 0);
  CHECK(r.stats.twins_added > 0);
  REQUIRE(r.phases.size() == 6);
  CHECK(std::string(r.phases[0].name) == "read");
  CHECK(std::string(r.phases[5].name) == "output");
  MappedFile f = MappedFile::open(rq.out);
  btf::Btf b = btf::Btf::parse(f.data(), rq.out);
  CHECK(b.type_cnt() == r.stats.types_after);
  unlink(rq.out.c_str());
  // The summary names what was done.
  std::string text = job::emit_summary_text(rq, r);
  CHECK(text.rfind("emit: " + obj + " -> " + rq.out + " (features: ", 0) == 0);
}

TEST_CASE("emit_object: contradicting options are refused before anything is read") {
  job::EmitRequest rq;
  rq.object = "/nonexistent/obj.o";
  rq.in_place = true;
  CHECK_THROWS_WITH(job::emit_object(rq), "--in-place needs --update-elf");
  rq.update_elf = true;
  rq.out = "x";
  CHECK_THROWS_WITH(job::emit_object(rq), "--in-place rewrites OBJ itself: give it or -o OUT, not both");
  rq.in_place = false;
  rq.out.clear();
  CHECK_THROWS_WITH(job::emit_object(rq), "--update-elf needs -o OUT, or --in-place to rewrite OBJ itself");
}

TEST_CASE("emit_object: a fixture with a rule violation is refused with its findings, nothing written") {
  std::string obj = kfbtest::fixture("bad-sz-not-after-pointer.o");
  if (obj.empty()) KFB_SKIP("no compiled fixture bad-sz-not-after-pointer.o (KFB_FIXTURES)");
  job::EmitRequest rq;
  rq.object = obj;
  rq.out = temp_out("bad.btf");
  rq.features = kfunc::parse_features("default", false, nullptr);
  job::EmitOutcome r = job::emit_object(rq);
  CHECK(r.verdict == job::EmitVerdict::RuleErrors);
  CHECK(r.diags.errors() > 0);
  struct stat st;
  CHECK(stat(rq.out.c_str(), &st) != 0);
}

TEST_CASE("check_file: the rules come from the input's kernel unless --kernel names them") {
  std::string obj = kfbtest::fixture("clang-dwarf5.o");
  if (obj.empty()) KFB_SKIP("no compiled fixture clang-dwarf5.o (KFB_FIXTURES)");
  job::CheckRequest rq;
  rq.file = obj;
  job::CheckOutcome r = job::check_file(rq);
  CHECK(r.loader.ok);
  CHECK(r.kernel == "7.3");  // no linux_banner: unknown, the newest rules
  CHECK(r.kfunc_ran);
  CHECK(r.kfunc.from_elf);
  rq.kernel = "6.1";
  CHECK(job::check_file(rq).kernel == "6.1");
  rq.kernel = "5.4";
  CHECK_THROWS_WITH(job::check_file(rq), "--kernel: no rules for Linux 5.4");
  rq.kernel.clear();
  rq.base = obj;
  CHECK_THROWS_WITH(job::check_file(rq), "-B/--base-btf is only used with --as module");
}

TEST_CASE("emit_object: a kfunc pahole dropped is reported once, by the scan") {
  std::string obj = kfbtest::fixture("bad-no-btf-func.o");
  if (obj.empty()) KFB_SKIP("no compiled fixture bad-no-btf-func.o (KFB_FIXTURES)");
  job::EmitRequest rq;
  rq.object = obj;
  rq.features = kfunc::parse_features("default", false, nullptr);
  job::EmitOutcome r = job::emit_object(rq);
  CHECK(r.verdict == job::EmitVerdict::Written);
  REQUIRE(r.diags.all().size() == 1);
  CHECK(r.diags.all()[0].rule == "kfunc-no-btf-func");
  CHECK(r.diags.all()[0].message == "has a DWARF definition but no FUNC in BTF (pahole dropped it)");
  CHECK(r.stats.skipped == 1);
}
