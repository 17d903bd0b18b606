// A strict RFC 8259 checker for the JSON the tool writes: the fuzz targets and the unit tests run
// every JSON text they make through it (a failure is a bug in a writer, never bad input).
//
//   std::string why;
//   if (!kfb::test::json_valid(text, &why)) abort();   // why: "offset 12: bad escape"
//
// Whole text: one value, then optional whitespace. Strings must be well-formed UTF-8 (RFC 3629)
// with no raw control character; escapes are the eight short ones and \uXXXX (a high surrogate
// must be followed by a low one). Nesting deeper than 1000 is refused, not recursed into.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace kfb::test {

class JsonChecker {
 public:
  explicit JsonChecker(std::string_view s) : s_(s) {}

  bool run(std::string *why) {
    ws();
    bool ok = value(0);
    if (ok) {
      ws();
      if (i_ != s_.size()) ok = fail("text after the value");
    }
    if (!ok && why) *why = "offset " + std::to_string(i_) + ": " + err_;
    return ok;
  }

 private:
  bool fail(const char *what) {
    err_ = what;
    return false;
  }
  bool more() const { return i_ < s_.size(); }
  unsigned char peek() const { return static_cast<unsigned char>(s_[i_]); }
  void ws() {
    while (more() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) i_++;
  }
  bool lit(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return fail("bad literal");
    i_ += w.size();
    return true;
  }

  bool value(int depth) {
    if (depth > 1000) return fail("nested too deeply");
    if (!more()) return fail("a value is missing");
    switch (peek()) {
      case '{': return object(depth);
      case '[': return array(depth);
      case '"': return string();
      case 't': return lit("true");
      case 'f': return lit("false");
      case 'n': return lit("null");
      default: return number();
    }
  }

  bool object(int depth) {
    i_++;
    ws();
    if (more() && peek() == '}') return i_++, true;
    for (;;) {
      ws();
      if (!more() || peek() != '"') return fail("a key must be a string");
      if (!string()) return false;
      ws();
      if (!more() || peek() != ':') return fail("':' expected");
      i_++;
      ws();
      if (!value(depth + 1)) return false;
      ws();
      if (more() && peek() == ',') { i_++; continue; }
      if (more() && peek() == '}') return i_++, true;
      return fail("',' or '}' expected");
    }
  }

  bool array(int depth) {
    i_++;
    ws();
    if (more() && peek() == ']') return i_++, true;
    for (;;) {
      ws();
      if (!value(depth + 1)) return false;
      ws();
      if (more() && peek() == ',') { i_++; continue; }
      if (more() && peek() == ']') return i_++, true;
      return fail("',' or ']' expected");
    }
  }

  bool digits() {
    size_t start = i_;
    while (more() && peek() >= '0' && peek() <= '9') i_++;
    return i_ > start;
  }

  bool number() {
    if (more() && peek() == '-') i_++;
    if (!more()) return fail("bad number");
    if (peek() == '0') {
      i_++;
    } else if (!digits()) {
      return fail("bad value");
    }
    if (more() && peek() == '.') {
      i_++;
      if (!digits()) return fail("bad fraction");
    }
    if (more() && (peek() == 'e' || peek() == 'E')) {
      i_++;
      if (more() && (peek() == '+' || peek() == '-')) i_++;
      if (!digits()) return fail("bad exponent");
    }
    return true;
  }

  int hex4() {
    if (i_ + 4 > s_.size()) return -1;
    int v = 0;
    for (int k = 0; k < 4; k++) {
      char c = s_[i_ + k];
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) return -1;
      v = v * 16 + d;
    }
    i_ += 4;
    return v;
  }

  bool utf8() {
    auto cont = [&](size_t k, unsigned lo, unsigned hi) {
      return i_ + k < s_.size() && static_cast<unsigned char>(s_[i_ + k]) >= lo &&
             static_cast<unsigned char>(s_[i_ + k]) <= hi;
    };
    unsigned b = peek();
    size_t n = 0;
    if (b >= 0xc2 && b <= 0xdf) {
      n = cont(1, 0x80, 0xbf) ? 2 : 0;
    } else if (b >= 0xe0 && b <= 0xef) {
      n = cont(1, b == 0xe0 ? 0xa0 : 0x80, b == 0xed ? 0x9f : 0xbf) && cont(2, 0x80, 0xbf) ? 3 : 0;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = cont(1, b == 0xf0 ? 0x90 : 0x80, b == 0xf4 ? 0x8f : 0xbf) && cont(2, 0x80, 0xbf) &&
                  cont(3, 0x80, 0xbf) ? 4 : 0;
    }
    if (!n) return fail("not UTF-8");
    i_ += n;
    return true;
  }

  bool string() {
    i_++;
    for (;;) {
      if (!more()) return fail("unterminated string");
      unsigned char c = peek();
      if (c == '"') return i_++, true;
      if (c < 0x20) return fail("raw control character in a string");
      if (c >= 0x80) {
        if (!utf8()) return false;
        continue;
      }
      i_++;
      if (c != '\\') continue;
      if (!more()) return fail("unterminated escape");
      char e = s_[i_++];
      if (e == 'u') {
        int v = hex4();
        if (v < 0) return fail("bad \\u escape");
        if (v >= 0xdc00 && v <= 0xdfff) return fail("lone low surrogate");
        if (v >= 0xd800 && v <= 0xdbff) {
          if (s_.substr(i_, 2) != "\\u") return fail("lone high surrogate");
          i_ += 2;
          int lo = hex4();
          if (lo < 0xdc00 || lo > 0xdfff) return fail("lone high surrogate");
        }
      } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
        return fail("bad escape");
      }
    }
  }

  std::string_view s_;
  size_t i_ = 0;
  std::string err_;
};

inline bool json_valid(std::string_view s, std::string *why = nullptr) {
  return JsonChecker(s).run(why);
}

}  // namespace kfb::test
