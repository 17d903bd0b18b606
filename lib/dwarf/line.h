// The file-name table of a DWARF line-number program header (DWARF 2-5), read by us rather
// than by libdwarf's dwarf_srcfiles (lib/dwarf internal).
//
//   kfb::dwarf::LineSections s{line_cursor, str_cursor, line_str_cursor};  // relocated already
//   std::vector<std::string> files = kfb::dwarf::read_line_files(s, stmt_list, "/build/linux");
//   // files[k] is file number k as DW_AT_decl_file gives it: DWARF 5 counts from 0 (the
//   // primary file), DWARF 2-4 from 1 (files[0] is then "").
//
// Paths are joined as the producer meant them: a relative file name under its directory, a
// relative directory under the compilation directory (DWARF 5: directory 0; DWARF 2-4:
// `comp_dir`, the CU's DW_AT_comp_dir), absolute ones kept. Strings of DW_FORM_strp and
// DW_FORM_line_strp come from .debug_str and .debug_line_str; a string form other than
// string/strp/line_strp (strx: needs the CU's str_offsets base) gives the file an empty name.
// A malformed header throws kfb::Error naming ".debug_line+0x<offset>".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "support/cursor.h"

namespace kfb::dwarf {

struct LineSections {
  Cursor line;      // .debug_line
  Cursor str;       // .debug_str (may be empty)
  Cursor line_str;  // .debug_line_str (may be empty)
};

std::vector<std::string> read_line_files(const LineSections &s, uint64_t offset,
                                         std::string_view comp_dir);

}  // namespace kfb::dwarf
