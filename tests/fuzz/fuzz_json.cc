// Fuzz target for the JSON writer: the input drives a JsonWriter (objects, arrays, keys and
// string values of arbitrary bytes, numbers), compact or pretty; what it writes must be valid
// RFC 8259 JSON in UTF-8 (json_valid.h), whatever the bytes. A failure aborts.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "json_valid.h"
#include "support/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  std::string out;
  kfb::JsonWriter j(out, data[0] & 1);
  std::string_view in(reinterpret_cast<const char *>(data) + 1, size - 1);
  // Each op byte: 0 object, 1 array, 2 close, 3 number, else a string of the next (op & 15) bytes.
  // Inside an object every value gets a key cut from the input the same way.
  std::string stack;  // 'o' or 'a' per open container
  auto take = [&](size_t n) {
    std::string_view s = in.substr(0, n);
    in.remove_prefix(s.size());
    return s;
  };
  j.begin_array();
  stack.push_back('a');
  while (!in.empty() && stack.size() < 64) {
    unsigned op = static_cast<unsigned char>(in[0]);
    in.remove_prefix(1);
    if ((op & 7) == 2) {
      if (stack.size() > 1) {
        stack.back() == 'o' ? j.end_object() : j.end_array();
        stack.pop_back();
      }
      continue;
    }
    if (stack.back() == 'o') j.key(take(op >> 4));
    switch (op & 7) {
      case 0: j.begin_object(); stack.push_back('o'); break;
      case 1: j.begin_array(); stack.push_back('a'); break;
      case 3: j.value(static_cast<int64_t>(op) - 128); break;
      default: j.value(take(op >> 4)); break;
    }
  }
  while (!stack.empty()) {
    stack.back() == 'o' ? j.end_object() : j.end_array();
    stack.pop_back();
  }
  j.finish();
  std::string why;
  if (!kfb::test::json_valid(out, &why)) {
    fprintf(stderr, "fuzz_json.cc: invalid JSON written: %s\n", why.c_str());
    abort();
  }
  return 0;
}
