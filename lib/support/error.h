// Errors that stop a command, and printf-style formatting.
//
//   #include "support/error.h"
//
//   if (hdr_len > size)
//     throw kfb::Error(kfb::strfmt("%s: .BTF+0x%zx: header length %u past end", path, off, len));
//
//   try { run(); } catch (const kfb::Error &e) { fprintf(stderr, "kfuncbtf: %s\n", e.what()); return 2; }
//
// lib/ never prints and never exits. An input it cannot work with throws kfb::Error whose
// message is complete and points at the input ("file: section+0xoff: [id] KIND 'name': why");
// findings that a run can go on after go to a DiagSink (support/diag.h) instead. Only tools/
// chooses the exit code.
#pragma once

#include <cstdarg>
#include <stdexcept>
#include <string>

namespace kfb {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string strfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
std::string vstrfmt(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

[[noreturn]] void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace kfb
