#include "support/cursor.h"

#include <cstring>

namespace kfb {

std::string_view Cursor::cstr_at(size_t off) const {
  if (off >= data_.size()) fail_at(off, "string offset past the end");
  const void *nul = std::memchr(data_.data() + off, 0, data_.size() - off);
  if (!nul) fail_at(off, "unterminated string");
  return {reinterpret_cast<const char *>(data_.data() + off),
          static_cast<size_t>(static_cast<const uint8_t *>(nul) - (data_.data() + off))};
}

void Cursor::fail(const char *fmt, ...) const {
  va_list ap;
  va_start(ap, fmt);
  std::string msg = vstrfmt(fmt, ap);
  va_end(ap);
  throw Error(strfmt("%s+0x%zx: %s", where_.c_str(), base_ + pos_, msg.c_str()));
}

void Cursor::fail_at(size_t off, const char *fmt, ...) const {
  va_list ap;
  va_start(ap, fmt);
  std::string msg = vstrfmt(fmt, ap);
  va_end(ap);
  throw Error(strfmt("%s+0x%zx: %s", where_.c_str(), base_ + off, msg.c_str()));
}

}  // namespace kfb
