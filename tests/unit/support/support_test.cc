#include "kfb_catch.h"
#include <cstring>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

#include "support/cursor.h"
#include "support/diag.h"
#include "support/file.h"
#include "support/json.h"
#include "../../fuzz/json_valid.h"

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

TEST_CASE("json strings are valid UTF-8 whatever the bytes: each stray byte is its Latin-1 escape") {
  auto esc = [](std::string_view s) {
    std::string out;
    JsonWriter::escape(out, s);
    return out;
  };
  // A typedef name the loader accepts: Latin-1 bytes, not UTF-8.
  CHECK(esc("caf\xe9_\xc0\xff") == R"("caf\u00e9_\u00c0\u00ff")");
  // Well-formed UTF-8 is copied: 2, 3 and 4 byte forms.
  CHECK(esc("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  // Overlong, surrogate, above U+10FFFF and truncated forms are stray bytes.
  CHECK(esc("\xc0\xaf") == R"("\u00c0\u00af")");
  CHECK(esc("\xed\xa0\x80") == R"("\u00ed\u00a0\u0080")");
  CHECK(esc("\xf4\x90\x80\x80") == R"("\u00f4\u0090\u0080\u0080")");
  CHECK(esc("\xe2\x82") == R"("\u00e2\u0082")");
  CHECK(esc(std::string_view("a\0b\x1f\x7f", 5)) == "\"a\\u0000b\\u001f\x7f\"");
  for (const char *s : {"caf\xe9", "\xed\xa0\x80", "\xf0\x9f\x98", "\xff\xfe"}) {
    std::string why;
    CHECK(kfb::test::json_valid(esc(s), &why));
    CHECK(why.empty());
  }
}

TEST_CASE("json checker refuses what no parser accepts") {
  std::string why;
  CHECK_FALSE(kfb::test::json_valid("\"caf\xe9\"", &why));
  CHECK(why == "offset 4: not UTF-8");
  CHECK_FALSE(kfb::test::json_valid("{\"a\":1,}", &why));
  CHECK(why == "offset 7: a key must be a string");
  CHECK_FALSE(kfb::test::json_valid("[1] 2", &why));
  CHECK(why == "offset 4: text after the value");
  CHECK_FALSE(kfb::test::json_valid("\"\\ud800\"", &why));
  CHECK(why == "offset 7: lone high surrogate");
  CHECK_FALSE(kfb::test::json_valid("\"a\tb\"", &why));
  CHECK_FALSE(kfb::test::json_valid("01"));
  CHECK(kfb::test::json_valid("{\"a\": [1, -2.5e+3, true, null, \"\\u00e9\\ud83d\\ude00\"]}\n"));
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

TEST_CASE("an image is a prefix of its input plus pieces, the same from a file descriptor or memory") {
  auto dir = std::filesystem::temp_directory_path() / ("kfb-img-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::vector<uint8_t> input(300000);
  for (size_t i = 0; i < input.size(); i++) input[i] = static_cast<uint8_t>(i * 7 + 1);
  std::string in_path = (dir / "in.o").string();
  write_file_atomic(in_path, input);
  MappedFile in = MappedFile::open(in_path);
  const uint8_t head[] = {0xaa, 0xbb}, tail[] = {1, 2, 3, 4};
  FileImage im;
  im.src = in.data();
  im.keep = 200000;       // bytes past it are zeros ...
  im.size = 400004;       // ... up to the end
  im.pieces = {{0, head}, {400000, tail}, {1, tail}};  // later pieces win
  std::vector<uint8_t> want(input.begin(), input.begin() + 200000);
  want.resize(400004, 0);
  std::copy(std::begin(tail), std::end(tail), want.begin() + 400000);
  want[0] = 0xaa;
  std::copy(std::begin(tail), std::end(tail), want.begin() + 1);
  CHECK(im.bytes() == want);
  for (int fd : {in.fd(), -1}) {  // copy_file_range from the descriptor, or from memory
    im.src_fd = fd;
    std::string out = (dir / ("out" + std::to_string(fd))).string();
    write_file_atomic(out, im);
    MappedFile got = MappedFile::open(out);
    CHECK(std::vector<uint8_t>(got.data().begin(), got.data().end()) == want);
  }
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
