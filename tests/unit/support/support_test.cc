#include "kfb_catch.h"
#include <cstring>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

#include "support/cursor.h"
#include "support/diag.h"
#include "support/file.h"
#include "support/json.h"

using namespace kfb;

TEST_CASE("cursor reads both byte orders and names the offset on overrun") {
  const uint8_t bytes[] = {0x9f, 0xeb, 0x01, 0x00, 0x00, 0x00, 0x00, 0x18, 0xaa};
  Cursor le(bytes, false, "f: .BTF");
  CHECK(le.u16() == 0xeb9f);
  Cursor be(bytes, true, "f: .BTF");
  CHECK(be.u16() == 0x9feb);
  be.seek(4);
  CHECK(be.u32() == 0x18u);
  CHECK(be.u8() == 0xaa);
  try {
    be.u32();
    FAIL("no throw");
  } catch (const Error &e) {
    CHECK(std::string(e.what()) == "f: .BTF+0x9: truncated: need 4 bytes, 0 left");
  }
  Cursor based(bytes, false, "f: .BTF", 0x100);
  based.seek(8);
  CHECK_THROWS_WITH(based.u16(), "f: .BTF+0x108: truncated: need 2 bytes, 1 left");
  CHECK_THROWS_WITH(based.seek(10), "f: .BTF+0x108: offset 0xa past the end (size 0x9)");
}

TEST_CASE("cursor string lookups are bounded") {
  const uint8_t s[] = {'a', 'b', 0, 'c'};
  Cursor c(s, false, "f: .BTF");
  CHECK(c.cstr_at(0) == "ab");
  CHECK(c.cstr_at(2) == "");
  CHECK_THROWS_WITH(c.cstr_at(3), "f: .BTF+0x3: unterminated string");
  CHECK_THROWS_WITH(c.cstr_at(4), "f: .BTF+0x4: string offset past the end");
}

TEST_CASE("json writer: compact and pretty, escaped") {
  std::string out;
  JsonWriter j(out, false);
  j.begin_object().key("a").value("x\"y\n").key("b").begin_array().value(1).value(-2).end_array()
      .key("c").begin_object().end_object().end_object();
  CHECK(out == R"({"a":"x\"y\n","b":[1,-2],"c":{}})");
  std::string p;
  JsonWriter jp(p, true);
  jp.begin_object().key("a").begin_array().value(true).end_array().end_object();
  CHECK(p == "{\n    \"a\": [\n        true\n    ]\n}");
}

TEST_CASE("atomic write replaces the file and leaves no temp file behind") {
  auto dir = std::filesystem::temp_directory_path() / ("kfb-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "out.btf").string();
  const uint8_t a[] = {1, 2, 3};
  write_file_atomic(path, a);
  auto f = MappedFile::open(path);
  REQUIRE(f.size() == 3);
  CHECK(std::memcmp(f.data().data(), a, 3) == 0);
  size_t entries = 0;
  for (auto &e : std::filesystem::directory_iterator(dir)) (void)e, entries++;
  CHECK(entries == 1);
  CHECK_THROWS_WITH(write_file_atomic((dir / "nope" / "x").string(), a),
                    kfbtest::ContainsSubstring("cannot create a temporary file"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("missing input names the file") {
  CHECK_THROWS_WITH(MappedFile::open("/nonexistent/x"),
                    "/nonexistent/x: cannot open: No such file or directory");
}

TEST_CASE("diagnostics format with source line") {
  Diag d{.severity = Severity::Error, .rule = "r", .name = "bpf_foo",
         .message = "arg 'aux__magic': implicit argument must be last",
         .file = "kernel/bpf/helpers.c", .line = 2931};
  CHECK(DiagSink::format(d) ==
        "kernel/bpf/helpers.c:2931: bpf_foo: arg 'aux__magic': implicit argument must be last");
  DiagSink s;
  s.add(d);
  s.add({.severity = Severity::Warning, .message = "w"});
  CHECK(s.errors() == 1);
  s.promote_warnings();
  CHECK(s.errors() == 2);
}

TEST_CASE("atomic write never replaces a device node or a directory") {
  const uint8_t a[] = {1, 2, 3};
  write_file_atomic("/dev/null", a);
  struct stat st;
  REQUIRE(stat("/dev/null", &st) == 0);
  CHECK(S_ISCHR(st.st_mode));
  CHECK_THROWS_WITH(write_file_atomic("/tmp", a), "/tmp: is a directory");
}
