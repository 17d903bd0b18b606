#include "support/error.h"

#include <cstdio>

namespace kfb {

std::string vstrfmt(const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  char buf[512];
  int n = vsnprintf(buf, sizeof(buf), fmt, ap);
  std::string out;
  if (n < 0) {
    va_end(ap2);
    return out;
  }
  if (static_cast<size_t>(n) < sizeof(buf)) {
    out.assign(buf, n);
  } else {
    out.resize(n);
    vsnprintf(out.data(), n + 1, fmt, ap2);
  }
  va_end(ap2);
  return out;
}

std::string strfmt(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::string s = vstrfmt(fmt, ap);
  va_end(ap);
  return s;
}

void fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::string s = vstrfmt(fmt, ap);
  va_end(ap);
  throw Error(s);
}

}  // namespace kfb
