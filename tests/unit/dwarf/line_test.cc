// read_line_files on hand-made line-program headers (DWARF 4 and 5) and broken ones.
#include "kfb_catch.h"

#include <cstring>
#include <string>
#include <vector>

#include "dwarf/line.h"
#include "support/error.h"

using namespace kfb;

namespace {

struct Bytes {
  std::vector<uint8_t> b;
  Bytes &u8(uint8_t v) { return b.push_back(v), *this; }
  Bytes &u16(uint16_t v) { return u8(v & 0xff).u8(v >> 8); }
  Bytes &u32(uint32_t v) { return u16(v & 0xffff).u16(v >> 16); }
  Bytes &str(const char *s) {
    b.insert(b.end(), s, s + strlen(s) + 1);
    return *this;
  }
};

// unit_length and header_length patched in after the tables.
std::vector<uint8_t> unit(uint16_t version, const Bytes &tables) {
  Bytes h;
  h.u32(0).u16(version);
  if (version >= 5) h.u8(8).u8(0);
  size_t hl = h.b.size();
  h.u32(0);
  size_t after_hl = h.b.size();
  h.u8(1);                        // minimum_instruction_length
  if (version >= 4) h.u8(1);      // maximum_operations_per_instruction
  h.u8(1).u8(0xfb).u8(14).u8(13); // default_is_stmt, line_base, line_range, opcode_base
  for (int i = 1; i < 13; i++) h.u8(0);
  h.b.insert(h.b.end(), tables.b.begin(), tables.b.end());
  uint32_t header_len = static_cast<uint32_t>(h.b.size() - after_hl);
  memcpy(&h.b[hl], &header_len, 4);
  uint32_t len = static_cast<uint32_t>(h.b.size() - 4);
  memcpy(&h.b[0], &len, 4);
  return h.b;
}

std::vector<std::string> files(const std::vector<uint8_t> &line, std::string_view comp_dir,
                               const std::vector<uint8_t> &line_str = {}) {
  dwarf::LineSections s{Cursor(line, false, "t.o: .debug_line"), Cursor({}, false, "t.o: .debug_str"),
                 Cursor(line_str, false, "t.o: .debug_line_str")};
  return dwarf::read_line_files(s, 0, comp_dir);
}

}  // namespace

TEST_CASE("line: DWARF 4 files count from 1, include directories are 1-based, 0 is the compilation directory") {
  Bytes t;
  t.str("include/linux").str("/usr/include").str("");
  t.str("kernel/bpf/helpers.c").u8(0).u8(0).u8(0);
  t.str("btf.h").u8(1).u8(0).u8(0);
  t.str("stddef.h").u8(2).u8(0).u8(0);
  t.str("/abs/x.h").u8(1).u8(0).u8(0);
  t.str("");
  CHECK(files(unit(4, t), "/build/linux") ==
        std::vector<std::string>{"", "/build/linux/kernel/bpf/helpers.c", "/build/linux/include/linux/btf.h",
                                 "/usr/include/stddef.h", "/abs/x.h"});
}

TEST_CASE("line: DWARF 5 tables with line_strp paths and directory 0 as the compilation directory") {
  Bytes ls;
  ls.str("/build/linux").str("kernel/bpf").str("helpers.c").str("include/linux").str("btf.h");
  // offsets: "/build/linux"=0, "kernel/bpf"=13, "helpers.c"=24, "include/linux"=34, "btf.h"=48
  Bytes t;
  t.u8(1).u8(1).u8(0x1f);  // directory format: path as line_strp
  t.u8(3).u32(0).u32(13).u32(34);
  t.u8(3).u8(1).u8(0x1f).u8(2).u8(0x0b).u8(5).u8(0x1e);  // file format: path, dir (data1), MD5
  t.u8(3);
  t.u32(24).u8(1);
  for (int i = 0; i < 16; i++) t.u8(0);
  t.u32(48).u8(2);
  for (int i = 0; i < 16; i++) t.u8(0);
  t.u32(24).u8(0);
  for (int i = 0; i < 16; i++) t.u8(0);
  CHECK(files(unit(5, t), "ignored", ls.b) ==
        std::vector<std::string>{"/build/linux/kernel/bpf/helpers.c", "/build/linux/include/linux/btf.h",
                                 "/build/linux/helpers.c"});
}

TEST_CASE("line: DWARF 5 without a directory table puts directory-0 files in comp_dir") {
  Bytes t;
  t.u8(1).u8(1).u8(0x08).u8(0);                       // directories: path as string; none
  t.u8(2).u8(1).u8(0x08).u8(2).u8(0x0b).u8(2);        // files: path, dir (data1); two
  t.str("a.c").u8(0).str("b.c").u8(1);                // dir 1 does not exist
  CHECK(files(unit(5, t), "/comp") == std::vector<std::string>{"/comp/a.c", "b.c"});
}

TEST_CASE("line: broken headers name .debug_line and the offset") {
  Bytes t;
  t.str("dir");  // the directory list is never terminated
  std::vector<uint8_t> u = unit(4, t);
  CHECK_THROWS_WITH(files(u, "/c"), "t.o: .debug_line+0x20: string offset past the end");
  Bytes nul;
  nul.str("").str("a.c").u8(0).u8(0);  // "a.c" then the end of the section
  CHECK_THROWS_WITH(files(unit(4, nul), "/c"), "t.o: .debug_line+0x23: truncated: need 1 bytes, 0 left");
  std::vector<uint8_t> unterminated = unit(4, Bytes().str(""));
  unterminated.push_back('x');
  CHECK_THROWS_WITH(files(unterminated, "/c"), "t.o: .debug_line+0x1d: unterminated string");
  std::vector<uint8_t> v = {0x10, 0, 0, 0, 4, 0};
  CHECK_THROWS_WITH(files(v, "/c"), "t.o: .debug_line+0x4: unit length 0x10 past the end");
  std::vector<uint8_t> w = {0x2, 0, 0, 0, 9, 0};
  CHECK_THROWS_WITH(files(w, "/c"), "t.o: .debug_line+0x6: line table version 9");
  Bytes f;
  f.u8(1).u8(1).u8(0x7e).u8(1).u8(0);
  CHECK_THROWS_WITH(files(unit(5, f), "/c"),
                    kfbtest::ContainsSubstring("t.o: .debug_line+0x22: unsupported form 0x7e in a file-name table"));
  Bytes noformat;
  noformat.u8(0).u8(0xff).u8(0x7f);  // 16383 directories described by no format
  CHECK_THROWS_WITH(files(unit(5, noformat), "/c"), "t.o: .debug_line+0x21: 16383 entries without a format");
  Bytes big;
  big.u8(1).u8(1).u8(0x08).u8(0xff).u8(0x7f);  // 16383 entries in 0 bytes
  CHECK_THROWS_WITH(files(unit(5, big), "/c"), kfbtest::ContainsSubstring("16383 entries in 0 bytes"));
}
