// bpftool-compatible text and JSON views of a Btf (`bpftool btf dump file F [-j|-p]`).
//
//   kfb::btf::Btf btf = ...;
//   std::string out;
//   kfb::btf::dump_raw(btf, out);                 // "[1] INT 'int' size=4 bits_offset=0 ..."
//   kfb::btf::dump_json(btf, out, /*pretty=*/false);
//   fwrite(out.data(), 1, out.size(), stdout);
//
// Only the BTF's own types are printed (for split BTF: ids start_id() .. type_cnt()-1, with
// names and DATASEC variable kinds resolved through the base), exactly as bpftool 7.1 does.
// The raw text is byte-identical to bpftool's. The JSON is bpftool's (json_writer.c: keys,
// numbers, the "},{" array style under --pretty, the trailing newline) byte for byte, except
// for names containing a backslash or a control character other than \t \n \r \f \b: bpftool
// writes a backslash as "\n" and passes other control bytes through (invalid JSON); we write
// "\\" and "\u00XX". C identifiers never contain either, so real BTF dumps match.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "btf/btf.h"

namespace kfb::btf {

// Streams the text in chunks of about `chunk` bytes to `sink` (one reused buffer: on vmlinux
// this is faster than building the whole 10 MB string, whose fresh pages cost a fault each).
using DumpSink = std::function<void(std::string_view)>;
void dump_raw(const Btf &btf, const DumpSink &sink, size_t chunk = 256 * 1024);
void dump_json(const Btf &btf, bool pretty, const DumpSink &sink, size_t chunk = 256 * 1024);

// Appends bpftool's raw dump of `btf`'s own types to `out`.
void dump_raw(const Btf &btf, std::string &out);

// Appends bpftool's JSON ({"types":[...]} + "\n") of `btf`'s own types to `out`.
void dump_json(const Btf &btf, std::string &out, bool pretty);

}  // namespace kfb::btf
